//! Writes the seed corpora of the fuzz targets (`fuzz/corpus/<target>/`), the same bytes
//! every run: packages made with the package crate's own functions (valid, and broken in
//! each way the parser refuses), the example blocks' manifests and rendered pages, and
//! the smallest components.
//!
//! Usage: `jobunivers-fuzz-seeds BLOCKS_DIR CORPUS_DIR LARGE_DIR`, where BLOCKS_DIR holds
//! the components `cargo xtask blocks` builds (`cargo xtask fuzz --seeds` runs both).
//! Real components are too large for the repository's corpus (150 KB and more each):
//! they go to LARGE_DIR/component/, which `cargo xtask fuzz` adds to the component
//! target's corpora when it exists. Files are overwritten, never deleted: inputs kept
//! from findings stay.

mod handmade;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jobunivers_core::caps::MemoryLimits;
use jobunivers_core::model::{CallContext, Locale};
use jobunivers_runtime::memory::MemoryProvider;
use jobunivers_runtime::{Call, LoadedBlock, Permissions, Runtime, RuntimeConfig};

/// The example blocks and the small fixture, as `cargo xtask blocks` names them.
const BLOCKS: &[&str] = &[
    "cv_coach",
    "chatbot",
    "course",
    "job_feed",
    "job_log",
    "booking",
    "screening",
    "fixture_hello",
];

/// Real components for the `component` target's large seeds: one that loads, one that
/// is refused at its imports, two refused at their contract version.
const COMPONENTS: &[&str] = &[
    "fixture_hello",
    "fixture_undeclared",
    "fixture_newer_minor",
    "fixture_future_contract",
];

/// The time the pages are rendered at (2026-12-07 09:00 UTC), so they are the same
/// every run.
const NOW_MS: i64 = 1_796_634_000_000;

/// A loaded example block.
struct Example {
    name: &'static str,
    block: LoadedBlock,
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seeds: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let (Some(blocks), Some(corpus), Some(large)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: jobunivers-fuzz-seeds BLOCKS_DIR CORPUS_DIR LARGE_DIR".into());
    };
    let (blocks, corpus, large) = (
        PathBuf::from(blocks),
        PathBuf::from(corpus),
        PathBuf::from(large),
    );
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let runtime = Runtime::new(RuntimeConfig::default()).map_err(|e| e.to_string())?;
    let mut examples = Vec::new();
    for &name in BLOCKS {
        let path = blocks.join(format!("{name}.wasm"));
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "{}: {e} (build the blocks first: cargo xtask blocks)",
                path.display()
            )
        })?;
        let (block, _) = tokio
            .block_on(runtime.load_uncached(&bytes))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        examples.push(Example { name, block });
    }

    let mut out = Corpus::new(&corpus);
    packages(&mut out, &examples)?;
    manifests(&mut out, &examples)?;
    for example in &examples {
        let page = tokio.block_on(runtime.render(&example.block, &call(&example.block)));
        match page {
            Ok(page) => out.write("page", &format!("{}.json", example.name), json(&page)?)?,
            Err(e) => eprintln!("seeds: {} did not render: {e}", example.name),
        }
    }
    handmade::pages(&mut out)?;
    handmade::components(&mut out)?;
    println!(
        "seeds: {} files, {} bytes, in {}",
        out.files,
        out.bytes,
        corpus.display()
    );

    let mut out = Corpus::new(&large);
    for name in COMPONENTS {
        let path = blocks.join(format!("{name}.wasm"));
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.write("component", &format!("{name}.wasm"), bytes)?;
    }
    println!(
        "seeds: {} real components, {} bytes, in {}",
        out.files,
        out.bytes,
        large.join("component").display()
    );
    Ok(())
}

/// The corpus folder and what was written to it.
pub(crate) struct Corpus {
    root: PathBuf,
    files: usize,
    bytes: usize,
}

impl Corpus {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            files: 0,
            bytes: 0,
        }
    }

    pub(crate) fn write(&mut self, target: &str, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        self.files += 1;
        self.bytes += bytes.len();
        Ok(())
    }
}

pub(crate) fn json(value: &impl serde::Serialize) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// A call as `jobunivers block render` makes it, at a fixed time.
fn call(block: &LoadedBlock) -> Call {
    Call {
        ctx: CallContext {
            citizen: "citizen-seed".into(),
            municipality: "0751".into(),
            locale: Locale::Da,
            view: String::new(),
            config: block.manifest.default_config.to_string(),
            now_ms: NOW_MS,
        },
        installation: format!("local:{}", block.manifest.raw.id),
        permissions: Permissions::everything(),
        provider: Arc::new(MemoryProvider::new(MemoryLimits::default())),
    }
}

/// The manifest as `jobunivers package` writes it into a package.
fn manifest_json(block: &LoadedBlock) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(&block.manifest.raw).map_err(|e| e.to_string())
}

/// Manifests larger than this stay out of the corpus (the course's and the chatbot's
/// default configurations are their whole content, 30 KB and more).
const MAX_MANIFEST_SEED: usize = 16 * 1024;

/// The `manifest` target's input: the contract's minor version, the manifest, then
/// after a NUL byte a configuration.
fn manifests(out: &mut Corpus, examples: &[Example]) -> Result<(), String> {
    for example in examples {
        let block = &example.block;
        if manifest_json(block)?.len() > MAX_MANIFEST_SEED {
            continue;
        }
        let minor = u8::try_from(block.contract.minor).map_err(|e| e.to_string())?;
        for (suffix, config) in [
            ("default", block.manifest.default_config.clone()),
            ("wrong", serde_json::json!({ "unknown": [1, "two", null] })),
        ] {
            let mut bytes = vec![minor];
            bytes.extend(manifest_json(block)?);
            bytes.push(0);
            bytes.extend(json(&config)?);
            out.write("manifest", &format!("{}-{suffix}.bin", example.name), bytes)?;
        }
    }
    handmade::manifests(out)
}

/// The key the seed packages are signed with (the `package` target knows it).
const SEED_KEY: [u8; 32] = [7; 32];

/// A tar archive of entries written as given (any type, any declared size).
fn archive(entries: &[(&str, tar::EntryType, u64, &[u8])]) -> Result<Vec<u8>, String> {
    let mut builder = tar::Builder::new(Vec::new());
    for &(name, kind, size, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_path(name).map_err(|e| format!("{name}: {e}"))?;
        header.set_cksum();
        builder
            .append(&header, data)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    builder.into_inner().map_err(|e| e.to_string())
}

fn packages(out: &mut Corpus, examples: &[Example]) -> Result<(), String> {
    use jobunivers_package as package;
    use tar::EntryType::{Directory, Link, Regular, Symlink};

    let key = ed25519_dalek::SigningKey::from_bytes(&SEED_KEY);
    let other = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let err = |e: anyhow::Error| e.to_string();
    // A tiny component keeps the packages small: the parser never looks inside it.
    let component = handmade::TINY_COMPONENT;
    let manifest = manifest_json(&examples[0].block)?;
    let signed = package::build(component, &manifest, &key).map_err(err)?;
    let parsed = package::parse(&signed).map_err(|e| e.to_string())?;
    let signature = serde_json::to_vec_pretty(&parsed.signature).map_err(|e| e.to_string())?;

    out.write("package", "valid.jbp", signed.clone())?;
    out.write(
        "package",
        "wrong-signature.jbp",
        package::build(component, &manifest, &other).map_err(err)?,
    )?;
    // Signed for one manifest, shipped with another.
    let job_log = examples
        .iter()
        .find(|e| e.name == "job_log")
        .ok_or("job_log was not loaded")?;
    let other_manifest = manifest_json(&job_log.block)?;
    out.write(
        "package",
        "digest-mismatch.jbp",
        package::build_raw(component, &other_manifest, &signature).map_err(err)?,
    )?;
    out.write(
        "package",
        "bad-signature-file.jbp",
        package::build_raw(component, &manifest, b"{\"algorithm\": \"ed25519\"").map_err(err)?,
    )?;
    let size = |b: &[u8]| b.len() as u64;
    let broken: Vec<(&str, Vec<u8>)> = vec![
        (
            "duplicate-entry.jbp",
            archive(&[
                ("block.wasm", Regular, size(component), component),
                ("block.wasm", Regular, size(component), component),
                ("manifest.json", Regular, size(&manifest), &manifest),
                ("signature.json", Regular, size(&signature), &signature),
            ])?,
        ),
        (
            "symlink-entry.jbp",
            archive(&[("block.wasm", Symlink, 0, b"")])?,
        ),
        (
            "hardlink-entry.jbp",
            archive(&[
                ("manifest.json", Regular, size(&manifest), &manifest),
                ("block.wasm", Link, 0, b""),
            ])?,
        ),
        (
            "directory-entry.jbp",
            archive(&[("block.wasm", Directory, 0, b"")])?,
        ),
        (
            "unexpected-entry.jbp",
            archive(&[
                ("./block.wasm", Regular, size(component), component),
                ("README", Regular, 2, b"hi"),
            ])?,
        ),
        (
            "missing-signature.jbp",
            archive(&[
                ("block.wasm", Regular, size(component), component),
                ("manifest.json", Regular, size(&manifest), &manifest),
            ])?,
        ),
        // Headers that claim more than the archive holds, or more than a limit.
        (
            "oversized-header.jbp",
            archive(&[("signature.json", Regular, 1 << 40, b"")])?,
        ),
        (
            "oversized-manifest.jbp",
            archive(&[(
                "manifest.json",
                Regular,
                package::MAX_MANIFEST_BYTES + 1,
                b"",
            )])?,
        ),
        ("cut-short.jbp", signed[..signed.len() / 2 + 100].to_vec()),
        ("sparse-bomb.jbp", sparse_bomb()?),
        (
            "not-an-archive.jbp",
            b"PK\x03\x04 not a tar archive".to_vec(),
        ),
    ];
    for (name, bytes) in broken {
        out.write("package", name, bytes)?;
    }
    Ok(())
}

/// 1 GiB declared in 1.5 KiB: a GNU sparse entry whose one data region lies at the end.
fn sparse_bomb() -> Result<Vec<u8>, String> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::GNUSparse);
    header.set_size(512);
    header.set_mode(0o644);
    header.set_mtime(0);
    {
        let gnu = header.as_gnu_mut().ok_or("a GNU header")?;
        gnu.set_real_size(1 << 30);
        gnu.sparse[0].set_offset((1 << 30) - 512);
        gnu.sparse[0].set_length(512);
    }
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(&mut header, "block.wasm", &[7u8; 512][..])
        .map_err(|e| e.to_string())?;
    builder.into_inner().map_err(|e| e.to_string())
}
