//! Files that hold secrets (the development login's JWT secret, the pages' CSRF key):
//! readable and writable by the host's own user only.

use std::io::Write;
use std::path::Path;

/// Write `contents` to `path` so that only the owner may read or write it (mode 0600 on
/// Unix), replacing what was there.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    restrict(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Take away every permission but the owner's from an existing secret file (one
/// written by an older version, or copied with wider permissions).
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = path;
    Ok(())
}
