//! The vendor side of publishing, for `jobunivers keygen`, `package` and `publish`.

use std::path::Path;

use anyhow::Context as _;

use jobunivers_market::package;

/// Write a new signing key to `path` (base64 of the 32-byte secret, mode 0600) and
/// return the public key (base64) to register with the marketplace.
pub fn keygen(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        anyhow::bail!(
            "{} exists already; choose another file or remove it",
            path.display()
        );
    }
    let key = package::generate_key()?;
    let text = format!("{}\n", package::encode_key(&key.to_bytes()));
    write_private(path, text.as_bytes())?;
    Ok(package::encode_key(key.verifying_key().as_bytes()))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot create {}", path.display()))
}

/// Read a signing key written by [`keygen`].
pub fn read_key(path: &Path) -> anyhow::Result<ed25519_dalek::SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key {}", path.display()))?;
    let bytes =
        package::decode_key(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
}

/// Upload a package; on success the server's JSON answer, on failure its problem
/// detail in words.
pub async fn publish(
    server: &str,
    token: &str,
    package: Vec<u8>,
) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}/api/v1/packages", server.trim_end_matches('/'));
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(package)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let detail = body
        .get("detail")
        .and_then(|d| d.as_str())
        .unwrap_or("no details");
    let kind = body.get("type").and_then(|d| d.as_str()).unwrap_or("");
    let at = body
        .get("pointer")
        .and_then(|d| d.as_str())
        .map(|p| format!(" (at {p})"))
        .unwrap_or_default();
    anyhow::bail!("the server refused the package ({status}, {kind}): {detail}{at}")
}
