//! A manifest as a package's `manifest.json` holds it, checked as the runtime checks a
//! block's manifest (`validate::manifest`: ids, semver, categories, capabilities per
//! contract version, reasons, the configuration's JSON Schema and its default), then a
//! configuration checked against that schema as an admin's installation is.
//!
//! Input: one byte choosing the contract's minor version, the manifest's JSON, then
//! optionally a NUL byte and a configuration's JSON.
#![no_main]

use jobunivers_core::model::RawManifest;
use jobunivers_core::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&minor, rest)) = data.split_first() else {
        return;
    };
    let minor = u64::from(minor % 3);
    let (manifest, config) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    // As the publish pipeline reads manifest.json.
    let Ok(raw) = serde_json::from_slice::<RawManifest>(manifest) else {
        return;
    };
    let checked = match validate::manifest(raw.clone(), minor) {
        Ok(checked) => checked,
        Err(message) => {
            assert!(!message.is_empty());
            return;
        }
    };
    // What was accepted is what was said, parsed.
    assert_eq!(checked.raw, raw);
    assert_eq!(checked.requested.len(), raw.capabilities.len());
    assert_eq!(
        semver::Version::parse(&raw.version).ok(),
        Some(checked.version.clone())
    );
    let (vendor, block) = raw.id.split_once('.').expect("an accepted id has a dot");
    assert!(!vendor.is_empty() && !block.is_empty());
    assert!(validate::CATEGORIES.contains(&raw.category.as_str()));
    // The default configuration fits the schema, and the manifest serializes as given.
    assert_eq!(checked.validate_config(&checked.default_config), Ok(()));
    let json = serde_json::to_vec(&checked).expect("a manifest serializes");
    let back: RawManifest = serde_json::from_slice(&json).expect("and reads back");
    assert_eq!(back, raw);

    // An installation's configuration, against the schema.
    let Some(config) = config.and_then(|c| serde_json::from_slice::<serde_json::Value>(c).ok())
    else {
        return;
    };
    let errors = checked
        .config_errors(&config)
        .expect("a schema that passed validation compiles");
    assert!(errors.len() <= 10);
    assert!(errors.iter().all(|(at, _)| at.starts_with('/')));
    assert_eq!(errors.is_empty(), checked.validate_config(&config).is_ok());
});
