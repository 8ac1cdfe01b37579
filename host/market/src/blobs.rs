//! Content-addressed storage of components on disk: `sha256/<first two hex>/<hex>.wasm`.
//! Files are written under a temporary name and renamed, so a reader never sees half a
//! component; the publish pipeline removes a blob it wrote if its transaction fails.

use std::path::{Path, PathBuf};

/// A directory of components by sha256.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// A store in `dir` (created if needed).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.join("sha256"))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Where the blob with this digest lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("xx");
        self.dir
            .join("sha256")
            .join(prefix)
            .join(format!("{sha256}.wasm"))
    }

    /// Whether the blob exists.
    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).exists()
    }

    /// Store bytes under their digest. Returns whether this call created the file (so a
    /// failed transaction removes only what it wrote).
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> std::io::Result<bool> {
        let path = self.path(sha256);
        if path.exists() {
            return Ok(false);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = path.with_extension(format!(
            "tmp-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        Ok(true)
    }

    /// Read a blob.
    pub fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(sha256))
    }

    /// Remove a blob (after a failed transaction that created it).
    pub fn remove(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.path(sha256));
    }

    /// Every file in the store (for tests and diagnostics).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.clone()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }
}
