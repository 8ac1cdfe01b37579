//! The host's pseudonym key: the one secret that turns who a person is (a provider's
//! subject, a CPR number) into something the database may keep. Both uses are HMAC-SHA256
//! under the same key, each with its own domain-separation prefix, so a citizen's
//! pseudonym and a CPR number's hash can never be compared or confused.

use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Cpr;

/// The file in the data directory holding the key.
pub const PSEUDONYM_KEY_FILE: &str = "signin-pseudonym-key";

type HmacSha256 = Hmac<Sha256>;

/// The pseudonym key (kept in the data directory, readable by the host's user only).
/// Cheap to clone; its bytes never print.
#[derive(Clone)]
pub struct PseudonymKey(Arc<[u8]>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// The key in `data_dir` (made on first start, mode 0600). A key file that is there
    /// but damaged stops the start: a new key would give every citizen a new pseudonym,
    /// cut off from their data, and every enrolment list a new set of hashes.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(PSEUDONYM_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let key = hex::decode(s.trim()).ok().filter(|k| k.len() >= 32);
                let Some(key) = key else {
                    anyhow::bail!(
                        "{} is damaged (not 32 or more bytes in hex); restore it from the backup of the data directory, or citizens get new pseudonyms",
                        path.display()
                    );
                };
                jobunivers_core::secrets::restrict(&path)?;
                Ok(Self(key.into()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut raw = [0u8; 32];
                getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                std::fs::create_dir_all(data_dir)?;
                jobunivers_core::secrets::write_private(&path, hex::encode(raw).as_bytes())?;
                Ok(Self(raw.to_vec().into()))
            }
            Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        }
    }

    /// A key from its bytes (tests, tools).
    pub fn from_bytes(key: &[u8]) -> Self {
        Self(key.into())
    }

    fn mac(&self, domain: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length works");
        mac.update(domain);
        mac
    }

    /// The pseudonymous citizen id of a provider's subject (`c-` and 40 hex digits), so
    /// the subject (which may be a CPR-derived identifier) is never stored.
    pub fn citizen(&self, issuer: &str, subject: &str) -> String {
        let mut mac = self.mac(b"jobunivers-citizen-v1\n");
        mac.update(issuer.as_bytes());
        mac.update(b"\n");
        mac.update(subject.as_bytes());
        let digest = hex::encode(mac.finalize().into_bytes());
        format!("c-{}", &digest[..40])
    }

    /// The keyed hash (64 hex digits) an enrolment list keeps instead of a CPR number.
    pub fn cpr_hash(&self, cpr: &Cpr) -> String {
        let mut mac = self.mac(b"jobunivers-enrolment-v1\n");
        mac.update(cpr.digits().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed outside Rust (Python's hmac), so a change of either function shows.
    #[test]
    fn the_keyed_functions_give_the_known_values() {
        let key = PseudonymKey::from_bytes(&(0u8..32).collect::<Vec<_>>());
        assert_eq!(
            key.citizen("https://broker.example", "anna"),
            "c-5bfb79fc0c44027f96a3c56aeb5c89127a0249bd"
        );
        let cpr = Cpr::parse("230485-1234").unwrap();
        assert_eq!(
            key.cpr_hash(&cpr),
            "1512978e25b3aca2d870df699b9bc7a2df4782705ea278d679491ed980141c0d"
        );
        assert_eq!(
            key.cpr_hash(&Cpr::parse("2304851234").unwrap()),
            key.cpr_hash(&cpr)
        );
        assert_eq!(format!("{key:?}"), "PseudonymKey(..)");
    }

    #[test]
    fn the_key_is_made_once_kept_private_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let key = PseudonymKey::load_or_create(dir.path()).unwrap();
        assert_eq!(key.0.len(), 32);
        assert_eq!(PseudonymKey::load_or_create(dir.path()).unwrap().0, key.0);
        let path = dir.path().join(PSEUDONYM_KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        let err = PseudonymKey::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("damaged"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not hex");
    }
}
