//! The citizen's universe: their municipality's enabled installations that target them,
//! in the admin's order, rendered concurrently, each under its own deadline. A block
//! that fails is replaced by a polite placeholder while the others render; failures are
//! counted per block version, and a circuit breaker stops calling a version that keeps
//! failing until a cool-down has passed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sqlx::Row;

use crate::auth::{Identity, Role};
use crate::caps::db::DbProvider;
use crate::caps::Capability;
use crate::market::{now_ms, Market, Resolved};
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

/// Renders universes; shared by all requests.
pub struct Universe {
    market: Market,
    provider: Arc<DbProvider>,
    loaded: Mutex<HashMap<String, Arc<LoadedBlock>>>,
    health: Mutex<HashMap<(String, String), Health>>,
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
    /// audience includes them, in order.
    async fn installations_for(&self, who: &Identity) -> Result<Vec<Resolved>> {
        who.require(Role::Citizen)?;
        let code = who.tenant_str().to_owned();
        let citizen = self
            .provider
            .citizen(&who.subject)
            .await
            .map_err(Problem::internal)?
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-citizen",
                    "you are not registered as a citizen of this municipality",
                )
            })?;
        if citizen.municipality != code {
            return Err(Problem::forbidden(
                "other-tenant",
                format!(
                    "you live in municipality {}, not {code}",
                    citizen.municipality
                ),
            ));
        }
        let groups: BTreeSet<&String> = citizen.groups.iter().collect();
        Ok(self
            .market
            .resolve_municipality(who, &code)
            .await?
            .into_iter()
            .filter(|r| {
                r.audience.groups.is_empty() || r.audience.groups.iter().any(|g| groups.contains(g))
            })
            .collect())
    }

    async fn call(
        &self,
        who: &Identity,
        r: &Resolved,
        locale: Locale,
        view: &str,
        action: Option<&Action>,
        consented: BTreeSet<Capability>,
    ) -> BlockView {
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
                provider: self.provider.clone(),
            };
            let runtime = self.market.runtime();
            let outcome = match action {
                Some(a) => runtime.handle_action(&block, &call, a).await,
                None => runtime.render(&block, &call).await,
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
        let installations = self.installations_for(who).await?;
        // One query for the consents of every block on the page.
        let mut consents = self.consented_all(&who.subject).await?;
        let calls = installations.iter().map(|r| {
            let consented = consents.remove(&r.installation).unwrap_or_default();
            self.call(who, r, locale, "", None, consented)
        });
        let blocks = futures_util::future::join_all(calls).await;
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
        let consented = self
            .consented_all(&who.subject)
            .await?
            .remove(&installation)
            .unwrap_or_default();
        Ok(self.call(who, r, locale, view, action, consented).await)
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
                .map(|c| {
                    let basis = current.get(&(r.installation, c.name.clone())).cloned();
                    ConsentState {
                        consented: basis.is_some(),
                        legal_basis: basis,
                        name: c.name,
                        reason: c.reason,
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
        let cap = Capability::parse(capability)
            .ok_or_else(|| Problem::internal("a listed capability does not parse"))?;
        self.provider
            .set_consent(
                &who.subject,
                installation,
                cap,
                crate::caps::db::LegalBasis::Consent,
                allow,
            )
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
