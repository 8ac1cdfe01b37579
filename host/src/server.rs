//! Starting the host: one typed configuration, the database (migrated at start-up),
//! the runtime, the marketplace, identity, and the HTTP listener. `jobunivers serve`
//! and the tests start the same server the same way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;

use jobunivers_casework::CaseworkHooks;
use jobunivers_core::auth::AuthConfig;
use jobunivers_core::caps::MemoryLimits;
use jobunivers_core::secrets::{restrict, write_private};
use jobunivers_market::{Market, MarketConfig};
use jobunivers_runtime::{Runtime, RuntimeConfig};
use jobunivers_store::db::Db;
use jobunivers_store::enrolments::{Enrolments, PseudonymKey};
use jobunivers_store::provider::DbProvider;
pub use jobunivers_ui::EdgeLimits;
use jobunivers_ui::Ui;
use jobunivers_universe::events::{schedule_ticks, Dispatcher};
use jobunivers_universe::Universe;
pub use jobunivers_web::limits::RateConfig;
use jobunivers_web::limits::RateLimits;
use jobunivers_web::AppState;

/// A secret that never prints.
#[derive(Clone, Default)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// How tokens are verified.
#[derive(Debug, Clone)]
pub enum JwtKeys {
    /// HS256 with a shared secret (this host can also issue tokens: development login).
    Secret(Secret),
    /// A public key in PEM from the login broker, with its algorithm (RS256, ES256, EdDSA).
    PublicKey {
        /// The algorithm.
        algorithm: String,
        /// The PEM file.
        pem: PathBuf,
    },
    /// A secret kept in the data directory, made on first start (development only).
    DataDirSecret,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The data directory: SQLite database, component blobs, compiled artifacts.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL to use instead of the embedded SQLite database.
    pub database_url: Option<String>,
    /// Seed the demo and turn the development login on.
    pub demo: bool,
    /// Turn the development login on (implied by `demo`).
    pub dev_login: bool,
    /// Largest package accepted.
    pub max_package_bytes: usize,
    /// Token verification keys.
    pub jwt: JwtKeys,
    /// Expected `iss`.
    pub jwt_issuer: String,
    /// Expected `aud`.
    pub jwt_audience: String,
    /// Where the example blocks' components are (for the demo).
    pub blocks_dir: Option<PathBuf>,
    /// How often the availability monitoring rules are evaluated (also once at start);
    /// `None` turns the schedule off (evaluation after each activity stays).
    pub monitor_interval: Option<std::time::Duration>,
    /// How slowly a client may send a request (head and body).
    pub edge: EdgeLimits,
    /// How many changes, publishes and development-login sign-ins per minute.
    pub rates: RateConfig,
    /// The address citizens and staff reach the host at, e.g. `https://jobunivers.aarhus.dk`
    /// (behind a TLS-terminating proxy); when it is https, every cookie is `Secure`.
    pub public_url: Option<String>,
    /// The OpenID providers' file (`--oidc-config`): the pages' sign-in for citizens and
    /// staff. Needs `public_url`.
    pub oidc_config: Option<PathBuf>,
    /// The web UI's static files (the dkfds design system, built by `cargo xtask ui`);
    /// `None` serves no `/static/`. Start-up fails if the directory is not built.
    pub static_dir: Option<PathBuf>,
    /// How many blocks' event calls run at once in the background (`--event-workers`);
    /// 0 runs no dispatcher and no daily tick in this process.
    pub event_workers: usize,
    /// The messages that leave the page: SMTP, Digital Post, the outbox's policy. Its
    /// `public_url` is replaced by `public_url` (or the bound address) at start.
    pub messages: jobunivers_messages::Settings,
    /// How often the outbox is drained by each of `outbox_workers`; `None` starts no
    /// drainer (the rows wait for another process's).
    pub outbox_interval: Option<std::time::Duration>,
    /// How many drainers this process runs.
    pub outbox_workers: usize,
}

/// The default of [`ServerConfig::event_workers`].
pub const DEFAULT_EVENT_WORKERS: usize = 2;
/// How often an idle dispatcher looks for new events.
const EVENT_POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// How often the daily tick is recorded if it is not yet (once a day per municipality).
const TICK_CHECK: std::time::Duration = std::time::Duration::from_secs(10 * 60);

impl ServerConfig {
    /// Defaults for a data directory: 127.0.0.1:8080, SQLite, no demo.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url: None,
            demo: false,
            dev_login: false,
            max_package_bytes: jobunivers_market::DEFAULT_MAX_PACKAGE_BYTES,
            jwt: JwtKeys::DataDirSecret,
            jwt_issuer: "jobunivers".into(),
            jwt_audience: "jobunivers-api".into(),
            blocks_dir: None,
            monitor_interval: Some(std::time::Duration::from_secs(15 * 60)),
            edge: EdgeLimits::default(),
            rates: RateConfig::default(),
            public_url: None,
            oidc_config: None,
            static_dir: Some(jobunivers_ui::default_static_dir()),
            event_workers: DEFAULT_EVENT_WORKERS,
            messages: jobunivers_messages::Settings::new(""),
            outbox_interval: Some(std::time::Duration::from_secs(5)),
            outbox_workers: 2,
        }
    }
}

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its shared state (the tests use the marketplace directly for setup).
    pub market: Market,
    /// Token checking and issuing.
    pub auth: Arc<AuthConfig>,
    /// The citizens' universe (and its capability provider).
    pub universe: Arc<Universe>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Tasks that live as long as the server (the inbox listener, the monitoring
    /// schedule, the event dispatcher and the daily tick, the outbox's drainers).
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// Wait until the server stops (it does not, unless it fails).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }

    /// Stop serving.
    pub fn stop(&self) {
        self.task.abort();
        for t in &self.background {
            t.abort();
        }
    }
}

fn auth(config: &ServerConfig) -> anyhow::Result<AuthConfig> {
    let (issuer, audience) = (&config.jwt_issuer, &config.jwt_audience);
    match &config.jwt {
        JwtKeys::Secret(s) => AuthConfig::hmac(s.0.as_bytes(), issuer, audience),
        JwtKeys::PublicKey { algorithm, pem } => {
            let bytes = std::fs::read(pem)
                .with_context(|| format!("reading the JWT public key {}", pem.display()))?;
            AuthConfig::public_key(algorithm, &bytes, issuer, audience)
        }
        JwtKeys::DataDirSecret => {
            let path = config.data_dir.join("dev-jwt-secret");
            let secret = match std::fs::read_to_string(&path) {
                Ok(s) if s.trim().len() >= 32 => {
                    restrict(&path).with_context(|| format!("protecting {}", path.display()))?;
                    s.trim().to_owned()
                }
                _ => {
                    let mut raw = [0u8; 32];
                    getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                    let s = hex::encode(raw);
                    std::fs::create_dir_all(&config.data_dir)?;
                    write_private(&path, s.as_bytes())
                        .with_context(|| format!("writing {}", path.display()))?;
                    s
                }
            };
            AuthConfig::hmac(secret.as_bytes(), issuer, audience)
        }
    }
}

/// Open the database, migrate it, build the marketplace, seed the demo if asked, bind
/// and serve in the background.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    // The providers' file is checked before anything else, so a mistake in it stops
    // the start with its provider and field named.
    let signin_providers = match &config.oidc_config {
        Some(path) => {
            let providers = jobunivers_signin::config::load(path)?;
            if config.public_url.is_none() {
                anyhow::bail!(
                    "--oidc-config needs --public-url (JOBUNIVERS_PUBLIC_URL): the providers send the browser back to {{public_url}}/signin/{{name}}/callback"
                );
            }
            Some(providers)
        }
        None => None,
    };
    if matches!(config.jwt, JwtKeys::DataDirSecret)
        && !(config.demo || config.dev_login || config.oidc_config.is_some())
    {
        anyhow::bail!(
            "no token keys are configured: set JOBUNIVERS_JWT_PUBLIC_KEY (with JOBUNIVERS_JWT_ALGORITHM) for the login broker's tokens, or JOBUNIVERS_JWT_SECRET; or run with --demo"
        );
    }
    let db = match &config.database_url {
        Some(url) => Db::connect(url).await?,
        None => Db::open_data_dir(&config.data_dir).await?,
    };
    db.migrate().await?;
    jobunivers_casework::monitor::ensure_default_rules(&db).await?;
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(config.data_dir.join("artifacts")),
        ..RuntimeConfig::default()
    })?;
    let market = Market::new(
        db,
        &config.data_dir.join("blobs"),
        Arc::new(runtime),
        MarketConfig {
            max_package_bytes: config.max_package_bytes,
        },
    )?;
    let auth = Arc::new(auth(&config)?);
    let dev_users = if config.demo || config.dev_login {
        if !matches!(config.jwt, JwtKeys::DataDirSecret) {
            tracing::warn!(
                "the development login is on with configured token keys: anyone who reaches this host can get a token of any role signed with them; never run it so in production"
            );
        }
        Some(Arc::new(jobunivers_demo::seed::dev_users()))
    } else {
        None
    };
    let provider = Arc::new(
        DbProvider::new(market.db().clone(), MemoryLimits::default())
            .with_hooks(Arc::new(CaseworkHooks)),
    );
    if config.demo {
        jobunivers_demo::seed::demo(&market, config.blocks_dir.as_deref()).await?;
        jobunivers_demo::seed_citizens(&provider).await?;
        jobunivers_demo::seed_demo_concepts(market.db()).await?;
        jobunivers_demo::monitoring::seed_demo(&provider).await?;
    }
    let mut background: Vec<_> = provider.spawn_listener().into_iter().collect();
    if let Some(every) = config.monitor_interval {
        background.push(tokio::spawn(jobunivers_casework::monitor::schedule(
            provider.clone(),
            every,
        )));
    }
    // One key for citizens' pseudonyms and the enrolment lists' hashes.
    let enrolments = Enrolments::new(
        market.db().clone(),
        PseudonymKey::load_or_create(&config.data_dir)?,
    );
    let signin = match (signin_providers, &config.public_url) {
        (Some(providers), Some(public_url)) => Some(Arc::new(jobunivers_signin::Signin::new(
            providers,
            public_url,
            enrolments.clone(),
            provider.clone(),
        )?)),
        _ => None,
    };
    let ui = Arc::new(
        Ui::new(&config.data_dir, config.static_dir.clone())?
            .for_public_url(config.public_url.as_deref())
            .with_signin(signin.clone()),
    );
    let universe = Arc::new(Universe::new(market.clone(), provider.clone()));
    if config.event_workers > 0 {
        background.push(tokio::spawn(
            Dispatcher::new(universe.clone(), config.event_workers).run(EVENT_POLL),
        ));
        background.push(tokio::spawn(schedule_ticks(provider, TICK_CHECK)));
    }
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    if let Some(every) = config.outbox_interval {
        let mut settings = config.messages.clone();
        settings.public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let drainer = Arc::new(jobunivers_messages::Drainer::new(
            market.db().clone(),
            &settings,
        )?);
        for _ in 0..config.outbox_workers.max(1) {
            background.push(tokio::spawn(drainer.clone().run(every)));
        }
    }
    let state = AppState {
        market: market.clone(),
        auth: auth.clone(),
        dev_users,
        universe: universe.clone(),
        dialogue: jobunivers_universe::dialogue::Dialogue::new(market.db().clone()),
        limits: Arc::new(RateLimits::new(config.rates)),
        sessions: jobunivers_store::sessions::Sessions::new(market.db().clone()),
        signin,
        enrolments,
    };
    let task = tokio::spawn(jobunivers_ui::serve(listener, state, ui, config.edge));
    Ok(RunningServer {
        addr,
        market,
        auth,
        universe,
        task,
        background,
    })
}
