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

use crate::auth::{Identity, Role};
use crate::caps::db::{BlockRead, DbProvider, LegalBasis};
use crate::caps::{
    CapError, Capability, CapabilityProvider, EscalationRequest, JobPosting, JobQuery, LogLevel,
    NewActivity, Notification, Profile, RecordedActivity, Scope, ScreeningReport, ScreeningStatus,
    Thread,
};
use crate::market::{now_ms, GrantBasis, Market, Resolved};
use crate::problem::{Problem, Result};
use crate::runtime::model::{Action, CallContext, Locale, Localized, Page, RawManifest};
use crate::runtime::{Call, CallError, LoadedBlock, Permissions};

/// Consecutive failures that open a version's breaker.
pub const BREAKER_THRESHOLD: u32 = 5;
/// How long an open breaker stays open before one trial call is let through.
pub const BREAKER_COOL_DOWN_MS: i64 = 30_000;

/// How one block version has fared in this process.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `vendor.block`.
    pub block: String,
    /// The version.
    pub version: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (trap, timeout, limit, invalid UI, ...).
    pub failures: u64,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// The kind of the last failure.
    pub last_failure: Option<String>,
    /// Until when (Unix ms) the breaker is open; calls are not made before then.
    pub open_until_ms: Option<i64>,
    /// `closed`, `open` or `half-open`.
    pub breaker: String,
}

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

/// One personal-data capability of a block, as the citizen sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentState {
    /// The capability, e.g. `profile.cv`.
    pub name: String,
    /// Why the block asks, in Danish and English.
    #[schema(value_type = Object)]
    pub reason: Localized,
    /// Whether the block may use it now.
    pub consented: bool,
    /// `consent` (the citizen's) or `public-task` (GDPR art. 6(1)(e)), when allowed.
    pub legal_basis: Option<String>,
    /// For `public-task`: the provision the jobcentre's processing rests on. The citizen
    /// cannot withdraw it here (they can object to the jobcentre, GDPR art. 21).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A block's requests for personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockConsents {
    /// The installation.
    pub installation: i64,
    /// `vendor.block`.
    pub block: String,
    /// Its name.
    #[schema(value_type = Object)]
    pub name: Localized,
    /// The personal data it asks for (and the municipality granted).
    pub capabilities: Vec<ConsentState>,
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
    /// What runs per municipality, valid while the database's `market_version` stamp
    /// (bumped by triggers on every change to installations, versions and blocks) is the
    /// one it was resolved at.
    resolved: Mutex<HashMap<String, Cached>>,
    /// The example blocks linked natively, by block id (the load test's baseline).
    #[cfg(feature = "native-blocks")]
    natives: HashMap<String, crate::runtime::native::NativeBlock>,
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

/// The capability provider of one page (or one block view) of one citizen: the
/// database provider, except that the citizen's profile is read once for all the
/// page's blocks and its reads are put on the access log in one insert before the page
/// is returned ([`PageProvider::log_reads`]).
struct PageProvider {
    db: Arc<DbProvider>,
    /// Read and log the profile per call (the load test's switch).
    each_read: bool,
    citizen: String,
    profile: tokio::sync::OnceCell<std::result::Result<Profile, CapError>>,
    reads: Mutex<Vec<BlockRead>>,
}

impl PageProvider {
    fn new(db: Arc<DbProvider>, citizen: &str, each_read: bool) -> Self {
        Self {
            db,
            each_read,
            citizen: citizen.to_owned(),
            profile: tokio::sync::OnceCell::new(),
            reads: Mutex::new(Vec::new()),
        }
    }

    /// Record the page's profile reads; the page must not be shown if this fails.
    async fn log_reads(&self) -> Result<()> {
        let reads = std::mem::take(&mut *self.reads.lock().expect("lock"));
        self.db.log_reads(&reads).await.map_err(|e| {
            tracing::error!(error = %e, "the access log cannot be written");
            Problem::internal(e)
        })
    }
}

#[async_trait]
impl CapabilityProvider for PageProvider {
    async fn storage_get(
        &self,
        scope: &Scope,
        key: &str,
    ) -> std::result::Result<Option<Vec<u8>>, CapError> {
        self.db.storage_get(scope, key).await
    }
    async fn storage_set(
        &self,
        scope: &Scope,
        key: &str,
        value: Vec<u8>,
    ) -> std::result::Result<(), CapError> {
        self.db.storage_set(scope, key, value).await
    }
    async fn storage_delete(&self, scope: &Scope, key: &str) -> std::result::Result<(), CapError> {
        self.db.storage_delete(scope, key).await
    }
    async fn storage_list(
        &self,
        scope: &Scope,
        prefix: &str,
    ) -> std::result::Result<Vec<String>, CapError> {
        self.db.storage_list(scope, prefix).await
    }
    async fn profile(&self, scope: &Scope) -> std::result::Result<Profile, CapError> {
        if self.each_read || scope.citizen != self.citizen {
            return self.db.profile(scope).await;
        }
        let profile = self
            .profile
            .get_or_init(|| self.db.profile_unlogged(&self.citizen))
            .await
            .clone()?;
        self.reads.lock().expect("lock").push(BlockRead::of(scope));
        Ok(profile)
    }
    async fn jobs_search(
        &self,
        scope: &Scope,
        query: JobQuery,
    ) -> std::result::Result<Vec<JobPosting>, CapError> {
        self.db.jobs_search(scope, query).await
    }
    async fn job_get(
        &self,
        scope: &Scope,
        id: &str,
    ) -> std::result::Result<Option<JobPosting>, CapError> {
        self.db.job_get(scope, id).await
    }
    async fn activity_add(
        &self,
        scope: &Scope,
        entry: NewActivity,
    ) -> std::result::Result<String, CapError> {
        self.db.activity_add(scope, entry).await
    }
    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> std::result::Result<Vec<RecordedActivity>, CapError> {
        self.db.activity_recent(scope, kind, limit).await
    }
    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> std::result::Result<String, CapError> {
        self.db.escalate_open(scope, request).await
    }
    async fn escalate_status(
        &self,
        scope: &Scope,
        id: &str,
    ) -> std::result::Result<Thread, CapError> {
        self.db.escalate_status(scope, id).await
    }
    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> std::result::Result<(), CapError> {
        self.db.escalate_cancel(scope, id).await
    }
    async fn notify(
        &self,
        scope: &Scope,
        message: Notification,
    ) -> std::result::Result<String, CapError> {
        self.db.notify(scope, message).await
    }
    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> std::result::Result<String, CapError> {
        self.db.screening_report(scope, report).await
    }
    async fn screening_status(
        &self,
        scope: &Scope,
    ) -> std::result::Result<ScreeningStatus, CapError> {
        self.db.screening_status(scope).await
    }
    fn log(&self, scope: &Scope, level: LogLevel, message: &str) {
        self.db.log(scope, level, message);
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

impl Universe {
    /// A universe over the marketplace's installations, with capabilities served by
    /// `provider`.
    pub fn new(market: Market, provider: Arc<DbProvider>) -> Self {
        Self {
            market,
            provider,
            loaded: Mutex::new(HashMap::new()),
            health: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            #[cfg(feature = "native-blocks")]
            natives: crate::runtime::native::examples()
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

    /// Whether the breaker lets a call through now (half-open lets one trial through).
    fn admit(&self, block: &str, version: &str, now: i64) -> bool {
        let mut health = self.health.lock().expect("lock");
        let h = health
            .entry((block.to_owned(), version.to_owned()))
            .or_insert_with(|| Health {
                block: block.to_owned(),
                version: version.to_owned(),
                breaker: "closed".into(),
                ..Default::default()
            });
        match h.open_until_ms {
            Some(until) if until > now => false,
            Some(_) => {
                // Half-open: let this call try; another failure re-opens at once.
                h.breaker = "half-open".into();
                h.open_until_ms = None;
                h.consecutive_failures = BREAKER_THRESHOLD - 1;
                true
            }
            None => true,
        }
    }

    fn record(&self, block: &str, version: &str, failure: Option<&str>, now: i64) {
        let mut health = self.health.lock().expect("lock");
        let Some(h) = health.get_mut(&(block.to_owned(), version.to_owned())) else {
            return;
        };
        h.calls += 1;
        match failure {
            None => {
                h.consecutive_failures = 0;
                h.breaker = "closed".into();
            }
            Some(kind) => {
                h.failures += 1;
                h.consecutive_failures += 1;
                h.last_failure = Some(kind.to_owned());
                if h.consecutive_failures >= BREAKER_THRESHOLD {
                    h.open_until_ms = Some(now + BREAKER_COOL_DOWN_MS);
                    h.breaker = "open".into();
                    tracing::warn!(block, version, kind, "circuit breaker opened");
                }
            }
        }
    }

    /// Health of every block version called in this process; the operator sees all,
    /// an admin those installed in their municipality.
    pub async fn health(&self, who: &Identity) -> Result<Vec<Health>> {
        let allowed: Option<BTreeSet<String>> = match who.role {
            Role::Operator => None,
            Role::Admin => {
                let code = who.tenant_str().to_owned();
                Some(
                    self.market
                        .resolve_municipality(who, &code)
                        .await?
                        .into_iter()
                        .map(|r| r.block)
                        .collect(),
                )
            }
            _ => {
                return Err(Problem::forbidden(
                    "wrong-role",
                    "block health is for the operator and municipality admins",
                ))
            }
        };
        let now = now_ms();
        let mut out: Vec<Health> = self
            .health
            .lock()
            .expect("lock")
            .values()
            .filter(|h| allowed.as_ref().is_none_or(|a| a.contains(&h.block)))
            .cloned()
            .map(|mut h| {
                if h.open_until_ms.is_some_and(|u| u <= now) {
                    h.breaker = "half-open".into();
                }
                h
            })
            .collect();
        out.sort_by(|a, b| (&a.block, &a.version).cmp(&(&b.block, &b.version)));
        Ok(out)
    }

    /// Health of the versions of vendor `namespace`'s blocks (for that vendor).
    pub fn vendor_health(&self, who: &Identity, namespace: &str) -> Result<Vec<Health>> {
        who.require_vendor(namespace, None)?;
        let prefix = format!("{namespace}.");
        let mut out: Vec<Health> = self
            .health
            .lock()
            .expect("lock")
            .values()
            .filter(|h| h.block.starts_with(&prefix))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.block, &a.version).cmp(&(&b.block, &b.version)));
        Ok(out)
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
            crate::screening::latest_decision(self.market.db(), &who.subject).await?
        } else {
            None
        };
        Ok(resolved
            .iter()
            .filter(|r| {
                r.audience.groups.is_empty() || r.audience.groups.iter().any(|g| groups.contains(g))
            })
            .filter(|r| {
                r.audience.tracks.is_empty()
                    || track.is_some_and(|t| r.audience.tracks.iter().any(|n| n == t.as_str()))
            })
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
            let call = Call {
                ctx: CallContext {
                    citizen: who.subject.clone(),
                    municipality: who.tenant_str().to_owned(),
                    locale,
                    view: view.to_owned(),
                    config: r.config.to_string(),
                    now_ms: now,
                },
                installation: r.installation.to_string(),
                permissions: Permissions {
                    granted: r.granted.iter().filter_map(|g| Capability::parse(g)).collect(),
                    consented,
                },
                provider,
            };
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
                self.record(&r.block, &r.version, None, now);
                out.page = Some(page);
            }
            // A block refusing a citizen's malformed action is not the block failing.
            Err(kind) if kind == "bad-request" => {
                self.record(&r.block, &r.version, None, now);
                out.status = "failed".into();
                out.placeholder = Some(placeholder(locale));
                out.failure = Some(kind);
            }
            Err(kind) => {
                self.record(&r.block, &r.version, Some(&kind), now);
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

    /// What the citizen allows each installation now (read on every request, so a
    /// withdrawal counts on the next call).
    async fn consented_all(&self, citizen: &str) -> Result<HashMap<i64, BTreeSet<Capability>>> {
        let rows = sqlx::query("SELECT installation_id, capability FROM consents WHERE citizen_id = $1 AND withdrawn_ms IS NULL")
            .bind(citizen)
            .fetch_all(self.market.db().pool())
            .await?;
        let mut out: HashMap<i64, BTreeSet<Capability>> = HashMap::new();
        for r in &rows {
            if let Some(c) = Capability::parse(&r.try_get::<String, _>("capability")?) {
                out.entry(r.try_get("installation_id")?)
                    .or_default()
                    .insert(c);
            }
        }
        Ok(out)
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
        Ok(view)
    }

    /// Per block on the citizen's page: the personal data it asks for, why, and whether
    /// the citizen allows it (and on which legal basis).
    pub async fn consents(&self, who: &Identity) -> Result<Vec<BlockConsents>> {
        let installations = self.installations_for(who).await?;
        let rows = sqlx::query(
            "SELECT installation_id, capability, legal_basis FROM consents WHERE citizen_id = $1 AND withdrawn_ms IS NULL",
        )
        .bind(&who.subject)
        .fetch_all(self.market.db().pool())
        .await?;
        let mut current: HashMap<(i64, String), String> = HashMap::new();
        for r in &rows {
            current.insert(
                (r.try_get("installation_id")?, r.try_get("capability")?),
                r.try_get("legal_basis")?,
            );
        }
        let mut out = Vec::new();
        for r in &installations {
            let manifest = self.manifest(&r.block, &r.version).await?;
            let capabilities = manifest
                .capabilities
                .into_iter()
                .filter(|c| Capability::parse(&c.name).is_some_and(|cap| cap.personal_data()))
                .filter(|c| r.granted.contains(&c.name))
                .map(|c| match &r.legal_basis {
                    GrantBasis::PublicTask { reference } => ConsentState {
                        consented: true,
                        legal_basis: Some(LegalBasis::PublicTask.as_str().to_owned()),
                        reference: Some(reference.clone()),
                        name: c.name,
                        reason: c.reason,
                    },
                    GrantBasis::Consent => {
                        let basis = current.get(&(r.installation, c.name.clone())).cloned();
                        ConsentState {
                            consented: basis.is_some(),
                            legal_basis: basis,
                            reference: None,
                            name: c.name,
                            reason: c.reason,
                        }
                    }
                })
                .collect();
            out.push(BlockConsents {
                installation: r.installation,
                block: r.block.clone(),
                name: manifest.name,
                capabilities,
            });
        }
        Ok(out)
    }

    /// The citizen allows or withdraws one capability of one block on their page; it
    /// takes effect on the block's very next call.
    pub async fn set_consent(
        &self,
        who: &Identity,
        installation: i64,
        capability: &str,
        allow: bool,
    ) -> Result<BlockConsents> {
        let consents = self.consents(who).await?;
        let block = consents
            .iter()
            .find(|b| b.installation == installation)
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-installation",
                    format!("there is no block {installation} on your page"),
                )
            })?;
        if !block.capabilities.iter().any(|c| c.name == capability) {
            let asked: Vec<&str> = block.capabilities.iter().map(|c| c.name.as_str()).collect();
            return Err(Problem::invalid(
                "not-asked",
                format!(
                    "{} does not ask for '{capability}'; it asks for: {}",
                    block.block,
                    if asked.is_empty() {
                        "nothing personal".to_owned()
                    } else {
                        asked.join(", ")
                    }
                ),
            )
            .at("/capability"));
        }
        if let Some(reference) = block
            .capabilities
            .iter()
            .find(|c| c.name == capability)
            .and_then(|c| c.reference.as_deref())
        {
            return Err(Problem::conflict(
                "public-task-basis",
                format!(
                    "{} uses '{capability}' for the jobcentre's public task ({reference}), not on your consent, so there is nothing to withdraw or grant here; you can object to the processing by writing to your jobcentre",
                    block.block
                ),
            )
            .at("/capability"));
        }
        let cap = Capability::parse(capability)
            .ok_or_else(|| Problem::internal("a listed capability does not parse"))?;
        self.provider
            .set_consent(&who.subject, installation, cap, LegalBasis::Consent, allow)
            .await
            .map_err(Problem::internal)?;
        self.consents(who)
            .await?
            .into_iter()
            .find(|b| b.installation == installation)
            .ok_or_else(|| Problem::internal("the block left the page"))
    }

    async fn manifest(&self, block: &str, version: &str) -> Result<RawManifest> {
        let row = sqlx::query(
            "SELECT v.manifest FROM block_versions v JOIN blocks b ON b.id = v.block_ref WHERE b.block_id = $1 AND v.version = $2",
        )
        .bind(block)
        .bind(version)
        .fetch_one(self.market.db().pool())
        .await?;
        let text: String = row.try_get("manifest")?;
        serde_json::from_str(&text).map_err(Problem::internal)
    }

    /// Forget loaded blocks (e.g. after a version was suspended, to free memory).
    pub fn unload(&self, sha256: &str) {
        self.loaded.lock().expect("lock").remove(sha256);
    }
}

/// What an installation may use of the citizen's personal data on this call: what the
/// citizen consented to, or, for a block installed for the jobcentre's public task,
/// everything personal the municipality granted.
fn allowed(r: &Resolved, mut consented: BTreeSet<Capability>) -> BTreeSet<Capability> {
    if !r.legal_basis.needs_consent() {
        consented.extend(
            r.granted
                .iter()
                .filter_map(|g| Capability::parse(g))
                .filter(|c| c.personal_data()),
        );
    }
    consented
}
