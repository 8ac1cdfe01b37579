//! The package format: what a vendor uploads. A package is a tar archive of three files:
//!
//! - `block.wasm`: the component;
//! - `manifest.json`: the manifest the component describes itself with;
//! - `signature.json`: the vendor's ed25519 signature over the sha256 digests of both.
//!
//! The signed message is `jobunivers-package-v1\n<component sha256>\n<manifest sha256>\n`
//! (lowercase hex), so a signature binds exactly this component to exactly this
//! manifest. Keys are raw 32-byte ed25519 keys, written as base64; a key's id is the
//! first 16 hex digits of the sha256 of its public key.
//!
//! This crate is the format alone (no runtime, no database): the marketplace and the
//! command line use it, and the fuzz targets in `fuzz/` take it apart on their own.
#![warn(missing_docs)]

use std::io::Read;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The only signature algorithm.
pub const ALGORITHM: &str = "ed25519";

/// The files of a package, in the order they are written.
pub const FILES: [&str; 3] = ["block.wasm", "manifest.json", "signature.json"];

/// The largest package the marketplace accepts unless configured otherwise, in bytes.
pub const DEFAULT_MAX_PACKAGE_BYTES: usize = 10 * 1024 * 1024;
/// The largest `manifest.json` a package may hold.
pub const MAX_MANIFEST_BYTES: u64 = 256 * 1024;
/// The largest `signature.json` a package may hold.
pub const MAX_SIGNATURE_BYTES: u64 = 4 * 1024;

/// What `signature.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The id of the signing key.
    pub key_id: String,
    /// sha256 of `block.wasm`, hex.
    pub component_sha256: String,
    /// sha256 of `manifest.json`, hex.
    pub manifest_sha256: String,
    /// The signature, base64.
    pub signature: String,
}

/// A package taken apart.
#[derive(Debug, Clone)]
pub struct Package {
    /// The component.
    pub component: Vec<u8>,
    /// The manifest's bytes.
    pub manifest: Vec<u8>,
    /// The signature file.
    pub signature: SignatureFile,
}

/// Why a package could not be taken apart.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PackageError {
    /// Not a tar archive, or a damaged one.
    #[error("the package is not a valid tar archive: {0}")]
    NotAnArchive(String),
    /// A file is missing.
    #[error("the package lacks {0}; a package holds block.wasm, manifest.json and signature.json")]
    Missing(&'static str),
    /// An unexpected file.
    #[error("the package holds '{0}', which does not belong in a package (only block.wasm, manifest.json and signature.json)")]
    Unexpected(String),
    /// signature.json does not parse.
    #[error("signature.json is not valid: {0}")]
    BadSignatureFile(String),
    /// An entry that is not a plain file (a link, a directory, a sparse file, ...).
    #[error("'{name}' is a {kind} entry; a package holds plain files only (make it with `jobunivers package`)")]
    NotAFile {
        /// The entry's name.
        name: String,
        /// What it is instead.
        kind: String,
    },
    /// A file larger than its limit (or than the archive itself).
    #[error("'{name}' says it is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The file.
        name: String,
        /// The size its header declares.
        size: u64,
        /// The most it may be.
        limit: u64,
    },
    /// The same file twice.
    #[error("the package holds '{0}' more than once; a package holds each file once")]
    Duplicate(String),
}

/// sha256, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The message a package signature covers.
pub fn signed_message(component_sha256: &str, manifest_sha256: &str) -> Vec<u8> {
    format!("jobunivers-package-v1\n{component_sha256}\n{manifest_sha256}\n").into_bytes()
}

/// The id of a public key.
pub fn key_id(public: &VerifyingKey) -> String {
    sha256_hex(public.as_bytes())[..16].to_owned()
}

/// A new signing key from the operating system's randomness.
pub fn generate_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// base64 of a key's 32 bytes.
pub fn encode_key(bytes: &[u8; 32]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Parse a base64 32-byte key (surrounding whitespace allowed).
pub fn decode_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("an ed25519 key is 32 bytes, this is {}", b.len()))
}

/// Parse a public key (base64 of its 32 bytes).
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = decode_key(text)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid ed25519 public key".to_owned())
}

/// Sign a component and its manifest into a package.
pub fn build(component: &[u8], manifest: &[u8], key: &SigningKey) -> anyhow::Result<Vec<u8>> {
    let component_sha256 = sha256_hex(component);
    let manifest_sha256 = sha256_hex(manifest);
    let signature = key.sign(&signed_message(&component_sha256, &manifest_sha256));
    let sig = SignatureFile {
        algorithm: ALGORITHM.into(),
        key_id: key_id(&key.verifying_key()),
        component_sha256,
        manifest_sha256,
        signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
    };
    build_raw(component, manifest, &serde_json::to_vec_pretty(&sig)?)
}

/// Write the three files into an archive as they are (tests use this to build broken
/// packages).
pub fn build_raw(component: &[u8], manifest: &[u8], signature: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    for (name, data) in FILES.iter().zip([component, manifest, signature]) {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        archive.append_data(&mut header, name, data)?;
    }
    Ok(archive.into_inner()?)
}

/// What a tar entry is, in words, for an error message.
fn entry_kind(kind: tar::EntryType) -> String {
    match kind {
        tar::EntryType::Directory => "directory".into(),
        tar::EntryType::Symlink => "symbolic link".into(),
        tar::EntryType::Link => "hard link".into(),
        tar::EntryType::GNUSparse => "sparse file".into(),
        tar::EntryType::Char | tar::EntryType::Block => "device".into(),
        tar::EntryType::Fifo => "named pipe".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Take a package apart. Only plain files are read, and only after their declared size
/// was checked: `block.wasm` is at most the archive's own size, `manifest.json` at most
/// [`MAX_MANIFEST_BYTES`] and `signature.json` at most [`MAX_SIGNATURE_BYTES`]. So
/// taking a package apart costs time and memory in proportion to its bytes, whatever
/// its headers claim (a sparse entry may claim gigabytes in a few bytes; it is refused
/// before it is read).
pub fn parse(bytes: &[u8]) -> Result<Package, PackageError> {
    let mut archive = tar::Archive::new(bytes);
    let (mut component, mut manifest, mut signature) = (None, None, None);
    let entries = archive
        .entries()
        .map_err(|e| PackageError::NotAnArchive(e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| PackageError::NotAnArchive(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| PackageError::NotAnArchive(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_owned();
        let (slot, limit) = match name.as_str() {
            "block.wasm" => (&mut component, bytes.len() as u64),
            "manifest.json" => (&mut manifest, MAX_MANIFEST_BYTES),
            "signature.json" => (&mut signature, MAX_SIGNATURE_BYTES),
            _ => return Err(PackageError::Unexpected(name)),
        };
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            return Err(PackageError::NotAFile {
                name,
                kind: entry_kind(kind),
            });
        }
        if slot.is_some() {
            return Err(PackageError::Duplicate(name));
        }
        let size = entry.size();
        if size > limit {
            return Err(PackageError::TooLarge { name, size, limit });
        }
        let mut data = Vec::with_capacity(size as usize);
        entry
            .take(limit)
            .read_to_end(&mut data)
            .map_err(|e| PackageError::NotAnArchive(e.to_string()))?;
        if data.len() as u64 != size {
            return Err(PackageError::NotAnArchive(format!(
                "'{name}' is cut short: {} of {size} bytes",
                data.len()
            )));
        }
        *slot = Some(data);
    }
    if component.is_none() && manifest.is_none() && signature.is_none() {
        return Err(PackageError::NotAnArchive(
            "it holds no files (is it a package made by `jobunivers package`?)".into(),
        ));
    }
    let component = component.ok_or(PackageError::Missing("block.wasm"))?;
    let manifest = manifest.ok_or(PackageError::Missing("manifest.json"))?;
    let signature = signature.ok_or(PackageError::Missing("signature.json"))?;
    let signature: SignatureFile = serde_json::from_slice(&signature)
        .map_err(|e| PackageError::BadSignatureFile(e.to_string()))?;
    Ok(Package {
        component,
        manifest,
        signature,
    })
}

/// Check a signature (base64) over the message with a public key.
pub fn verify(public: &VerifyingKey, message: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(signature_b64) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else {
        return false;
    };
    public.verify_strict(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_round_trips_and_verifies() {
        let key = generate_key().unwrap();
        let bytes = build(b"\0asm-component", b"{\"id\":\"x.y\"}", &key).unwrap();
        let p = parse(&bytes).unwrap();
        assert_eq!(p.component, b"\0asm-component");
        assert_eq!(p.signature.component_sha256, sha256_hex(b"\0asm-component"));
        let msg = signed_message(&p.signature.component_sha256, &p.signature.manifest_sha256);
        assert!(verify(&key.verifying_key(), &msg, &p.signature.signature));
        let other = generate_key().unwrap();
        assert!(!verify(
            &other.verifying_key(),
            &msg,
            &p.signature.signature
        ));
        assert!(!verify(
            &key.verifying_key(),
            b"other",
            &p.signature.signature
        ));
    }

    #[test]
    fn broken_packages_say_what_is_wrong() {
        assert!(matches!(
            parse(b"garbage"),
            Err(PackageError::NotAnArchive(_))
        ));
        let only_two = {
            let mut a = tar::Builder::new(Vec::new());
            for name in ["block.wasm", "manifest.json"] {
                let mut h = tar::Header::new_gnu();
                h.set_size(1);
                h.set_cksum();
                a.append_data(&mut h, name, &b"x"[..]).unwrap();
            }
            a.into_inner().unwrap()
        };
        assert_eq!(
            parse(&only_two).unwrap_err(),
            PackageError::Missing("signature.json")
        );
        let bad_sig = build_raw(b"c", b"m", b"{not json").unwrap();
        assert!(matches!(
            parse(&bad_sig),
            Err(PackageError::BadSignatureFile(_))
        ));
    }

    /// A tar entry with a raw header, so a test can say anything a hostile archive says.
    fn entry(a: &mut tar::Builder<Vec<u8>>, name: &str, kind: tar::EntryType, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        a.append_data(&mut h, name, data).unwrap();
    }

    #[test]
    fn a_sparse_bomb_is_refused_before_it_is_read() {
        // 1 GiB declared in 1.5 KiB: a well-formed GNU sparse entry whose one data
        // region (512 bytes) lies at the end of the file; the rest reads as zeros.
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_size(512);
        h.set_mode(0o644);
        {
            let gnu = h.as_gnu_mut().unwrap();
            gnu.set_real_size(1 << 30);
            gnu.sparse[0].set_offset((1 << 30) - 512);
            gnu.sparse[0].set_length(512);
        }
        h.set_cksum();
        let mut a = tar::Builder::new(Vec::new());
        a.append_data(&mut h, "block.wasm", &[7u8; 512][..])
            .unwrap();
        let bytes = a.into_inner().unwrap();
        assert!(bytes.len() < 4096);
        // A well-formed archive: tar reads it as a 1 GiB file.
        let mut archive = tar::Archive::new(&bytes[..]);
        let entry = archive.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(
            (entry.header().entry_type(), entry.size()),
            (tar::EntryType::GNUSparse, 1 << 30)
        );
        let started = std::time::Instant::now();
        match parse(&bytes).unwrap_err() {
            PackageError::NotAFile { name, kind } => {
                assert_eq!(
                    (name.as_str(), kind.as_str()),
                    ("block.wasm", "sparse file")
                )
            }
            other => panic!("{other:?}"),
        }
        // Refused from its header: nothing near a gigabyte was produced.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn links_directories_duplicates_and_oversized_files_are_refused() {
        let mut a = tar::Builder::new(Vec::new());
        entry(&mut a, "block.wasm", tar::EntryType::Symlink, b"");
        assert!(matches!(
            parse(&a.into_inner().unwrap()).unwrap_err(),
            PackageError::NotAFile { kind, .. } if kind == "symbolic link"
        ));

        let mut a = tar::Builder::new(Vec::new());
        entry(&mut a, "block.wasm", tar::EntryType::Regular, b"garbage");
        entry(&mut a, "block.wasm", tar::EntryType::Regular, b"\0asm");
        assert_eq!(
            parse(&a.into_inner().unwrap()).unwrap_err(),
            PackageError::Duplicate("block.wasm".into())
        );

        let big = vec![b' '; MAX_SIGNATURE_BYTES as usize + 1];
        let mut a = tar::Builder::new(Vec::new());
        entry(&mut a, "signature.json", tar::EntryType::Regular, &big);
        assert_eq!(
            parse(&a.into_inner().unwrap()).unwrap_err(),
            PackageError::TooLarge {
                name: "signature.json".into(),
                size: MAX_SIGNATURE_BYTES + 1,
                limit: MAX_SIGNATURE_BYTES
            }
        );
    }

    #[test]
    fn keys_round_trip_through_base64() {
        let key = generate_key().unwrap();
        let public = encode_key(key.verifying_key().as_bytes());
        assert_eq!(decode_public_key(&public).unwrap(), key.verifying_key());
        assert!(decode_key("AAAA").unwrap_err().contains("32 bytes"));
        assert!(decode_key("%%%").unwrap_err().contains("base64"));
    }
}
