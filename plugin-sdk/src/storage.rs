//! Key-value storage scoped to (installation, citizen), with a quota per citizen.
//!
//! Request [`Capability::Storage`](crate::Capability::Storage). Values are bytes; the
//! `_json` helpers store any serde type.
//!
//! ```no_run
//! use jobunivers_sdk::storage;
//! storage::set_json("last-score", &72u32)?;
//! let score: Option<u32> = storage::get_json("last-score")?;
//! # Ok::<(), jobunivers_sdk::BlockError>(())
//! ```

use serde::{de::DeserializeOwned, Serialize};

use crate::bindings::jobunivers::block::storage as raw;
use crate::{BlockError, CapabilityError};

/// The value stored under `key`, if any.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.storage_get(key)) {
        return r;
    }
    raw::get(key)
}

/// Store `value` under `key`, replacing what was there.
pub fn set(key: &str, value: &[u8]) -> Result<(), CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.storage_set(key, value)) {
        return r;
    }
    raw::set(key, value)
}

/// Remove `key`; removing a missing key is not an error.
pub fn delete(key: &str) -> Result<(), CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.storage_delete(key)) {
        return r;
    }
    raw::delete(key)
}

/// The keys that start with `prefix`, in order.
pub fn list_keys(prefix: &str) -> Result<Vec<String>, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.storage_list(prefix)) {
        return r;
    }
    raw::list_keys(prefix)
}

/// The value under `key` parsed from JSON, if any.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, BlockError> {
    match get(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Store `value` as JSON under `key`.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), BlockError> {
    let bytes = serde_json::to_vec(value)?;
    Ok(set(key, &bytes)?)
}
