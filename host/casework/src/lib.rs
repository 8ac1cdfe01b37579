//! Casework: what the jobcentre does with a citizen beside the blocks. Availability
//! monitoring ([`monitor`]: rules, firings, flags, exemptions, prior notices, the
//! caseworker's timeline) and screening with visitation ([`screening`]: a block's
//! suggestion, a caseworker's decision). Works on the store; knows neither the runtime
//! nor HTTP.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod monitor;
pub mod screening;

use jobunivers_store::provider::{DbProvider, StoreHooks};

/// The store hooks casework needs: availability monitoring re-evaluates a citizen after
/// each activity a block records. The assembling binary passes them to the store.
#[derive(Debug, Default, Clone, Copy)]
pub struct CaseworkHooks;

#[async_trait::async_trait]
impl StoreHooks for CaseworkHooks {
    async fn after_activity(&self, provider: &DbProvider, citizen: &str, now_ms: i64) {
        monitor::after_activity(provider, citizen, now_ms).await;
    }
}
