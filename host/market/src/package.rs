//! The package format ([`jobunivers_package`], re-exported here so callers name it
//! through the marketplace), and packaging a component, which needs the runtime.

pub use jobunivers_package::*;

use ed25519_dalek::SigningKey;

/// Sign a component into a package, taking the manifest from the component itself (it
/// is loaded and checked by `runtime` first, so a package that builds is one the
/// publish pipeline can accept).
pub async fn package_component(
    runtime: &jobunivers_runtime::Runtime,
    component: &[u8],
    key: &SigningKey,
) -> anyhow::Result<(Vec<u8>, jobunivers_runtime::LoadedBlock)> {
    let (block, _) = runtime.load_uncached(component).await?;
    let manifest = serde_json::to_vec_pretty(&block.manifest.raw)?;
    Ok((build(component, &manifest, key)?, block))
}
