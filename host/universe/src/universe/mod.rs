//! The citizen's universe: their municipality's enabled installations that target them,
//! in the admin's order, rendered concurrently, each under its own deadline. A block
//! that fails is replaced by a polite placeholder while the others render; failures are
//! counted per block version, and a circuit breaker stops calling a version that keeps
//! failing until a cool-down has passed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sqlx::Row;

use async_trait::async_trait;

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::caps::{
    CapError, Capability, CapabilityProvider, EscalationRequest, JobPosting, JobQuery, LogLevel,
    NewActivity, Notification, Profile, RecordedActivity, Scope, ScreeningReport, ScreeningStatus,
    Thread, Track,
};
use jobunivers_core::clock::now_ms;
use jobunivers_core::model::{Action, CallContext, Locale, Localized, Page, RawManifest};
use jobunivers_core::problem::{Problem, Result};
use jobunivers_market::{GrantBasis, Market, Resolved};
use jobunivers_runtime::{Call, CallError, LoadedBlock, Permissions};
use jobunivers_store::provider::{BlockRead, DbProvider, LegalBasis};

mod breaker;
mod consents;
mod deliver;
mod page_provider;

use breaker::Counts;
pub use breaker::Health;
use consents::allowed;
pub use consents::{BlockConsents, ConsentState};
pub use deliver::{backoff_ms, MAX_ATTEMPTS};
use page_provider::PageProvider;

/// Consecutive failures that open a version's breaker.
pub const BREAKER_THRESHOLD: u32 = 5;
/// How long an open breaker stays open before one trial call is let through.
pub const BREAKER_COOL_DOWN_MS: i64 = 30_000;

/// One block on the citizen's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockView {
    /// The installation.
    pub installation: i64,
    /// `vendor.block`.
    pub block: String,
    /// The version that ran.
    pub version: String,
    /// `ok`, `failed` or `unavailable` (breaker open).
    pub status: String,
    /// What the block shows (when `ok`).
    #[schema(value_type = Option<Object>)]
    pub page: Option<Page>,
    /// What the citizen sees instead (when not `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// The failure's kind, for the curious and for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// The citizen's universe.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UniversePage {
    /// The municipality.
    pub municipality: String,
    /// The blocks, in order.
    pub blocks: Vec<BlockView>,
}

/// What one block call of a page may use and how it runs.
struct HowToCall {
    /// What the citizen allows the installation.
    consented: BTreeSet<Capability>,
    /// The page's provider.
    provider: Arc<PageProvider>,
    /// Run the natively linked build (the load test's baseline).
    native: bool,
}

/// A municipality's resolved installations, as of a `market_version` stamp.
struct Cached {
    stamp: i64,
    resolved: Arc<Vec<Resolved>>,
}

/// Renders universes; shared by all requests.
pub struct Universe {
    market: Market,
    provider: Arc<DbProvider>,
    loaded: Mutex<HashMap<String, Arc<LoadedBlock>>>,
    health: Mutex<HashMap<(String, String), Health>>,
    /// Calls, failures and the last failure's kind per (municipality, block, version):
    /// what an admin is shown of their own municipality's calls.
    counts: Mutex<HashMap<(String, String, String), Counts>>,
    /// What runs per municipality, valid while the database's `market_version` stamp
    /// (bumped by triggers on every change to installations, versions and blocks) is the
    /// one it was resolved at.
    resolved: Mutex<HashMap<String, Cached>>,
    /// The example blocks linked natively, by block id (the load test's baseline).
    #[cfg(feature = "native-blocks")]
    natives: HashMap<String, jobunivers_runtime::native::NativeBlock>,
    /// The load test's switches for measuring each optimisation on its own.
    bench: BenchSwitches,
}

/// Only in the load test's build (feature `native-blocks`): turn an optimisation off to
/// measure what it buys, from the environment at start. Always off otherwise.
#[derive(Debug, Clone, Copy)]
struct BenchSwitches {
    /// `UNIVERSE_BENCH_NO_CACHE=1`: resolve the municipality on every page.
    no_cache: bool,
    /// `UNIVERSE_BENCH_LOG_EACH_READ=1`: read the profile and log the read once per
    /// block call, as before the page provider.
    log_each_read: bool,
}

impl BenchSwitches {
    fn from_env() -> Self {
        let on = |name: &str| {
            cfg!(feature = "native-blocks") && std::env::var(name).is_ok_and(|v| v == "1")
        };
        Self {
            no_cache: on("UNIVERSE_BENCH_NO_CACHE"),
            log_each_read: on("UNIVERSE_BENCH_LOG_EACH_READ"),
        }
    }
}

impl std::fmt::Debug for Universe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Universe").finish_non_exhaustive()
    }
}

/// The identity a preview renders for: no citizen's id can have this form.
pub fn preview_citizen(code: &str) -> String {
    format!("preview:{code}")
}

fn placeholder(locale: Locale) -> String {
    match locale {
        Locale::Da => "Denne del af siden kan ikke vises lige nu. Prøv igen om lidt; resten af siden virker.".into(),
        Locale::En => "This part of the page cannot be shown right now. Try again in a moment; the rest of the page works.".into(),
    }
}

/// Whether an installation's audience includes a citizen of these groups, on this track
/// (the caseworker's decision).
fn in_audience(r: &Resolved, groups: &[String], track: Option<Track>) -> bool {
    (r.audience.groups.is_empty() || r.audience.groups.iter().any(|g| groups.contains(g)))
        && (r.audience.tracks.is_empty()
            || track.is_some_and(|t| r.audience.tracks.iter().any(|n| n == t.as_str())))
}

/// One call of an installation's block for a citizen: their context, the
/// installation's configuration and grants, what the citizen allows, and the provider
/// the capabilities go through. Every call for a citizen (a page, a view, an action, an
/// event) is built here.
#[allow(clippy::too_many_arguments)]
fn citizen_call(
    citizen: &str,
    municipality: &str,
    r: &Resolved,
    locale: Locale,
    view: &str,
    consented: BTreeSet<Capability>,
    provider: Arc<PageProvider>,
    now: i64,
) -> Call {
    Call {
        ctx: CallContext {
            citizen: citizen.to_owned(),
            municipality: municipality.to_owned(),
            locale,
            view: view.to_owned(),
            config: r.config.to_string(),
            now_ms: now,
        },
        installation: r.installation.to_string(),
        permissions: Permissions {
            granted: r
                .granted
                .iter()
                .filter_map(|g| Capability::parse(g))
                .collect(),
            consented,
        },
        provider,
    }
}

impl Universe {
    /// A universe over the marketplace's installations, with capabilities served by
    /// `provider`.
    pub fn new(market: Market, provider: Arc<DbProvider>) -> Self {
        Self {
            market,
            provider,
            loaded: Mutex::new(HashMap::new()),
            health: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            #[cfg(feature = "native-blocks")]
            natives: jobunivers_runtime::native::examples()
                .into_iter()
                .map(|n| (n.id.clone(), n))
                .collect(),
            bench: BenchSwitches::from_env(),
        }
    }

    /// The capability provider.
    pub fn provider(&self) -> &Arc<DbProvider> {
        &self.provider
    }

    /// A block version ready to run, loaded once per process (from the blob store, and
    /// the compiled artifact from the cache).
    async fn block(&self, sha256: &str) -> Result<Arc<LoadedBlock>> {
        if let Some(b) = self.loaded.lock().expect("lock").get(sha256) {
            return Ok(b.clone());
        }
        let bytes = self.market.blobs().get(sha256).map_err(Problem::internal)?;
        let block = Arc::new(
            self.market
                .runtime()
                .load(&bytes)
                .await
                .map_err(Problem::internal)?,
        );
        self.loaded
            .lock()
            .expect("lock")
            .insert(sha256.to_owned(), block.clone());
        Ok(block)
    }

    /// The admin's preview of their municipality's universe as a citizen would see it
    /// (every enabled installation, regardless of audience). The blocks run for a
    /// preview identity that is no citizen, with no capability granted or consented, so
    /// a preview reads and writes no citizen data; its calls do not count towards the
    /// health statistics or the circuit breaker.
    pub async fn preview(&self, who: &Identity, locale: Locale) -> Result<UniversePage> {
        who.require(Role::Admin)?;
        let code = who.tenant_str().to_owned();
        let installations = self.market.resolve_municipality(who, &code).await?;
        let calls = installations.iter().map(|r| {
            let code = code.clone();
            async move {
                let mut out = BlockView {
                    installation: r.installation,
                    block: r.block.clone(),
                    version: r.version.clone(),
                    status: "ok".into(),
                    page: None,
                    placeholder: None,
                    failure: None,
                };
                let result: std::result::Result<Page, String> = async {
                    let block = self.block(&r.sha256).await.map_err(|p| p.detail)?;
                    let call = Call {
                        ctx: CallContext {
                            citizen: preview_citizen(&code),
                            municipality: code.clone(),
                            locale,
                            view: String::new(),
                            config: r.config.to_string(),
                            now_ms: now_ms(),
                        },
                        installation: r.installation.to_string(),
                        permissions: Permissions::default(),
                        provider: self.provider.clone(),
                    };
                    self.market
                        .runtime()
                        .render(&block, &call)
                        .await
                        .map_err(|e: CallError| e.kind().to_owned())
                }
                .await;
                match result {
                    Ok(page) => out.page = Some(page),
                    Err(kind) => {
                        out.status = "failed".into();
                        out.placeholder = Some(placeholder(locale));
                        out.failure = Some(kind);
                    }
                }
                out
            }
        });
        let blocks = futures_util::future::join_all(calls).await;
        Ok(UniversePage {
            municipality: code,
            blocks,
        })
    }

    /// What runs for this citizen: enabled installations of their municipality whose
    /// audience includes them, in order. One query finds the citizen and the market's
    /// stamp; the municipality is resolved again only when the stamp moved.
    async fn installations_for(&self, who: &Identity) -> Result<Vec<Resolved>> {
        who.require(Role::Citizen)?;
        let code = who.tenant_str().to_owned();
        let row = sqlx::query(
            "SELECT c.municipality_code, c.groups, m.version AS stamp \
             FROM citizens c CROSS JOIN market_version m WHERE c.id = $1 AND m.id = 1",
        )
        .bind(&who.subject)
        .fetch_optional(self.market.db().pool())
        .await?
        .ok_or_else(|| {
            Problem::not_found(
                "unknown-citizen",
                "you are not registered as a citizen of this municipality",
            )
        })?;
        let municipality: String = row.try_get("municipality_code")?;
        if municipality != code {
            return Err(Problem::forbidden(
                "other-tenant",
                format!("you live in municipality {municipality}, not {code}"),
            ));
        }
        let groups: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("groups")?)
            .map_err(Problem::internal)?;
        let stamp: i64 = row.try_get("stamp")?;
        let resolved = self.resolved(who, &code, stamp).await?;
        // The caseworker's decision, not a screening's suggestion, is the citizen's
        // track; asked for only when some installation targets tracks.
        let track = if resolved.iter().any(|r| !r.audience.tracks.is_empty()) {
            jobunivers_casework::screening::latest_decision(self.market.db(), &who.subject).await?
        } else {
            None
        };
        Ok(resolved
            .iter()
            .filter(|r| in_audience(r, &groups, track))
            .cloned()
            .collect())
    }

    /// The municipality's resolved installations as of `stamp` (read before resolving,
    /// so a change committed meanwhile only makes the next page resolve again).
    async fn resolved(&self, who: &Identity, code: &str, stamp: i64) -> Result<Arc<Vec<Resolved>>> {
        if self.bench.no_cache {
            return Ok(Arc::new(self.market.resolve_municipality(who, code).await?));
        }
        if let Some(c) = self.resolved.lock().expect("lock").get(code) {
            if c.stamp == stamp {
                return Ok(c.resolved.clone());
            }
        }
        let resolved = Arc::new(self.market.resolve_municipality(who, code).await?);
        let mut cache = self.resolved.lock().expect("lock");
        // Stamps only grow: never replace a newer resolution with an older one.
        if cache.get(code).is_none_or(|c| c.stamp < stamp) {
            cache.insert(
                code.to_owned(),
                Cached {
                    stamp,
                    resolved: resolved.clone(),
                },
            );
        }
        Ok(resolved)
    }

    async fn call(
        &self,
        who: &Identity,
        r: &Resolved,
        locale: Locale,
        view: &str,
        action: Option<&Action>,
        how: HowToCall,
    ) -> BlockView {
        let HowToCall {
            consented,
            provider,
            native,
        } = how;
        let now = now_ms();
        let mut out = BlockView {
            installation: r.installation,
            block: r.block.clone(),
            version: r.version.clone(),
            status: "ok".into(),
            page: None,
            placeholder: None,
            failure: None,
        };
        if !self.admit(&r.block, &r.version, now) {
            out.status = "unavailable".into();
            out.placeholder = Some(placeholder(locale));
            out.failure = Some("breaker-open".into());
            return out;
        }
        let result: std::result::Result<Page, String> = async {
            let block = self.block(&r.sha256).await.map_err(|p| p.detail)?;
            let call = citizen_call(
                &who.subject,
                who.tenant_str(),
                r,
                locale,
                view,
                consented,
                provider,
                now,
            );
            let runtime = self.market.runtime();
            let outcome = match action {
                Some(a) => runtime.handle_action(&block, &call, a).await,
                None => self.render(&block, &call, &r.block, native).await,
            };
            outcome.map_err(|e: CallError| {
                tracing::warn!(block = %r.block, version = %r.version, kind = e.kind(), error = %e, "block call failed");
                e.kind().to_owned()
            })
        }
        .await;
        match result {
            Ok(page) => {
                self.record(who.tenant_str(), &r.block, &r.version, None, now);
                out.page = Some(page);
            }
            // A block refusing a citizen's malformed action is not the block failing.
            Err(kind) if kind == "bad-request" => {
                self.record(who.tenant_str(), &r.block, &r.version, None, now);
                out.status = "failed".into();
                out.placeholder = Some(placeholder(locale));
                out.failure = Some(kind);
            }
            Err(kind) => {
                self.record(who.tenant_str(), &r.block, &r.version, Some(&kind), now);
                out.status = "failed".into();
                out.placeholder = Some(placeholder(locale));
                out.failure = Some(kind);
            }
        }
        out
    }

    /// Render with the component, or (for the load test's baseline, with the feature
    /// `native-blocks`) with the same block linked natively.
    async fn render(
        &self,
        block: &LoadedBlock,
        call: &Call,
        id: &str,
        native: bool,
    ) -> std::result::Result<Page, CallError> {
        #[cfg(feature = "native-blocks")]
        if native {
            return match self.natives.get(id) {
                Some(n) => self.market.runtime().render_native(block, n, call).await,
                None => Err(CallError::Unsupported(format!(
                    "{id} is not linked natively"
                ))),
            };
        }
        let _ = (id, native);
        self.market.runtime().render(block, call).await
    }

    /// The citizen's whole universe, every block rendered concurrently.
    pub async fn page(&self, who: &Identity, locale: Locale) -> Result<UniversePage> {
        self.page_with(who, locale, false).await
    }

    /// [`Universe::page`] with every block that is linked natively (the example
    /// blocks) run natively instead of in its sandbox: the baseline of the load test.
    #[cfg(feature = "native-blocks")]
    pub async fn page_native(&self, who: &Identity, locale: Locale) -> Result<UniversePage> {
        self.page_with(who, locale, true).await
    }

    async fn page_with(
        &self,
        who: &Identity,
        locale: Locale,
        native: bool,
    ) -> Result<UniversePage> {
        let installations = self.installations_for(who).await?;
        // One query for the consents of every block on the page.
        let mut consents = self.consented_all(&who.subject).await?;
        let provider = Arc::new(PageProvider::new(
            self.provider.clone(),
            &who.subject,
            self.bench.log_each_read,
        ));
        let calls = installations.iter().map(|r| {
            let consented = allowed(r, consents.remove(&r.installation).unwrap_or_default());
            self.call(
                who,
                r,
                locale,
                "",
                None,
                HowToCall {
                    consented,
                    provider: provider.clone(),
                    native,
                },
            )
        });
        let blocks = futures_util::future::join_all(calls).await;
        provider.log_reads().await?;
        // Every face that shows the citizen their page counts as a visit here, so
        // availability monitoring's "no visit for N days" sees the website and the API.
        jobunivers_casework::monitor::note_visit(self.market.db(), &who.subject).await;
        Ok(UniversePage {
            municipality: who.tenant_str().to_owned(),
            blocks,
        })
    }

    /// One block: a view of it, or an action's outcome.
    pub async fn block_view(
        &self,
        who: &Identity,
        installation: i64,
        locale: Locale,
        view: &str,
        action: Option<&Action>,
    ) -> Result<BlockView> {
        let installations = self.installations_for(who).await?;
        let r = installations
            .iter()
            .find(|r| r.installation == installation)
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-installation",
                    format!("there is no block {installation} on your page"),
                )
            })?;
        let consented = allowed(
            r,
            self.consented_all(&who.subject)
                .await?
                .remove(&installation)
                .unwrap_or_default(),
        );
        let provider = Arc::new(PageProvider::new(
            self.provider.clone(),
            &who.subject,
            self.bench.log_each_read,
        ));
        let view = self
            .call(
                who,
                r,
                locale,
                view,
                action,
                HowToCall {
                    consented,
                    provider: provider.clone(),
                    native: false,
                },
            )
            .await;
        provider.log_reads().await?;
        jobunivers_casework::monitor::note_visit(self.market.db(), &who.subject).await;
        Ok(view)
    }

    /// Forget loaded blocks (e.g. after a version was suspended, to free memory).
    pub fn unload(&self, sha256: &str) {
        self.loaded.lock().expect("lock").remove(sha256);
    }
}
