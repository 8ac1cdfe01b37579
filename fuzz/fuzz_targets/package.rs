//! A package as the marketplace receives it: any bytes up to the production limit,
//! taken apart by `jobunivers_package::parse`. It never panics, reads no file past its
//! limit, and what it accepts survives the rest of the publish pipeline's checks that
//! need no database (digests, signature) and a rebuild.
#![no_main]

use jobunivers_package::{
    self as package, PackageError, DEFAULT_MAX_PACKAGE_BYTES, MAX_MANIFEST_BYTES,
    MAX_SIGNATURE_BYTES,
};
use libfuzzer_sys::fuzz_target;

/// The key the seed packages are signed with (`fuzz/seeds`): a seed that is a valid
/// package verifies with it.
const SEED_KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    // The marketplace refuses a larger upload before it takes it apart.
    if data.len() > DEFAULT_MAX_PACKAGE_BYTES {
        return;
    }
    let parsed = match package::parse(data) {
        Ok(parsed) => parsed,
        Err(e) => {
            // Every refusal has a message.
            assert!(!e.to_string().is_empty());
            if let PackageError::TooLarge { size, limit, .. } = e {
                assert!(size > limit);
            }
            return;
        }
    };
    // Each file was read whole from the archive, within its limit.
    assert!(parsed.component.len() + parsed.manifest.len() <= data.len());
    assert!(parsed.manifest.len() as u64 <= MAX_MANIFEST_BYTES);

    // What publishing checks next, before the database: the digests and the signature.
    let component_sha256 = package::sha256_hex(&parsed.component);
    let manifest_sha256 = package::sha256_hex(&parsed.manifest);
    let message = package::signed_message(&component_sha256, &manifest_sha256);
    let key = ed25519_dalek::SigningKey::from_bytes(&SEED_KEY).verifying_key();
    let _ = package::verify(&key, &message, &parsed.signature.signature);

    // A package rebuilt from its parts reads back as the same parts.
    let signature = serde_json::to_vec(&parsed.signature).expect("a signature file serializes");
    if signature.len() as u64 <= MAX_SIGNATURE_BYTES {
        let rebuilt = package::build_raw(&parsed.component, &parsed.manifest, &signature)
            .expect("building in memory");
        let again = package::parse(&rebuilt).expect("a rebuilt package parses");
        assert_eq!(again.component, parsed.component);
        assert_eq!(again.manifest, parsed.manifest);
        assert_eq!(again.signature, parsed.signature);
    }
});
