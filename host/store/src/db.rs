//! Storage. SQLite is the embedded default (one file in the data directory, WAL, foreign
//! keys on); PostgreSQL is the scale-out backend, chosen by a `postgres://` URL. Both
//! run the same SQL through sqlx's `Any` driver (numbered `$1` parameters, times as Unix
//! milliseconds, JSON as text); only the DDL differs, so each backend has its own
//! migrations folder, embedded in the binary.

use std::path::Path;
use std::str::FromStr;

use jobunivers_core::problem::Problem;
use serde::Serialize;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Why storage failed. The message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported database.
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// Connecting failed.
    #[error("cannot open the database {url}: {source}")]
    Connect {
        /// The URL, without a password.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("the database could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// The storage handle: a connection pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: ConnectUrl,
}

/// The URL the pool connects with (for connections outside the pool, such as a
/// PostgreSQL listener); never shown with its password.
#[derive(Clone)]
struct ConnectUrl(std::sync::Arc<str>);

impl std::fmt::Debug for ConnectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// A Danish municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Municipality {
    /// The official four-digit code, e.g. "0751".
    pub code: String,
    /// The short name, e.g. "Aarhus".
    pub name: String,
    /// The official name, e.g. "Aarhus Kommune".
    pub official_name: String,
    /// The region's code, e.g. "1082".
    pub region_code: String,
    /// The region's name, e.g. "Region Midtjylland".
    pub region_name: String,
}

/// A database that did not answer in time is a 503 the client may retry, not our fault.
fn classify(e: &(dyn std::error::Error + 'static)) -> Option<Problem> {
    let timed_out = match e.downcast_ref::<sqlx::Error>() {
        Some(e) => matches!(e, sqlx::Error::PoolTimedOut),
        None => matches!(
            e.downcast_ref::<DbError>(),
            Some(DbError::Query(sqlx::Error::PoolTimedOut))
        ),
    };
    timed_out.then(|| {
        Problem::new(
            503,
            "database-unavailable",
            "Service unavailable",
            "the database did not answer in time; try again shortly",
        )
    })
}

/// A URL with its password replaced, for messages and logs.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl Db {
    /// Open (creating if needed) the SQLite database `jobunivers.db` in `dir`.
    pub async fn open_data_dir(dir: &Path) -> Result<Self, DbError> {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Connect {
            url: dir.display().to_string(),
            source: sqlx::Error::Io(e),
        })?;
        let url = format!("sqlite://{}?mode=rwc", dir.join("jobunivers.db").display());
        Self::connect(&url).await
    }

    /// Connect to `sqlite://...` or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        jobunivers_core::problem::register_classifier(classify);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(redact(url)));
        };
        let connect_error = |source| DbError::Connect {
            url: redact(url),
            source,
        };
        let options = AnyConnectOptions::from_str(url).map_err(connect_error)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            // Fail within seconds when the server is not there, rather than retrying
            // for the default 30 s.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: enforce foreign keys, wait for a writer instead
                        // of failing at once, and overwrite what is deleted (an erased
                        // citizen's text must not stay readable in the file).
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA secure_delete = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        if backend == Backend::Sqlite {
            // Persistent in the file: readers never block the writer.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(connect_error)?;
        }
        Ok(Self {
            pool,
            backend,
            url: ConnectUrl(url.into()),
        })
    }

    /// Run the migrations this database has not had yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL this database was opened with, for a connection of its own.
    pub(crate) fn url(&self) -> &str {
        &self.url.0
    }

    /// The pool, for the storage modules.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for a change. On SQLite it takes the write lock at its start
    /// (`BEGIN IMMEDIATE`): a transaction that read first and wrote later could not take
    /// the lock while another writer held it, and would fail with "database is locked" at
    /// once instead of waiting out the busy timeout. On PostgreSQL, a plain `BEGIN`.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// After an erasure: on SQLite, move the write-ahead log into the database file and
    /// empty it (`wal_checkpoint(TRUNCATE)`), so the deleted rows' old pages, overwritten
    /// in the file by `secure_delete`, are not left readable in the log either. If a
    /// reader holds the log, it is emptied by a later checkpoint; the result says
    /// whether it was emptied now. On PostgreSQL, nothing: dead rows are the server's
    /// (its autovacuum reclaims them).
    pub async fn forget_deleted(&self) -> Result<bool, DbError> {
        if self.backend != Backend::Sqlite {
            return Ok(true);
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await?;
        let busy: i64 = sqlx::Row::try_get(&row, 0)?;
        Ok(busy == 0)
    }

    /// Whether the database answers (one trivial query), for health checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Every municipality, by code.
    pub async fn municipalities(&self) -> Result<Vec<Municipality>, DbError> {
        let rows = sqlx::query(
            "SELECT m.code, m.name, m.official_name, m.region_code, r.name AS region_name \
             FROM municipalities m JOIN regions r ON r.code = m.region_code ORDER BY m.code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(municipality).collect()
    }

    /// One municipality by its code.
    pub async fn municipality(&self, code: &str) -> Result<Option<Municipality>, DbError> {
        let row = sqlx::query(
            "SELECT m.code, m.name, m.official_name, m.region_code, r.name AS region_name \
             FROM municipalities m JOIN regions r ON r.code = m.region_code WHERE m.code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(municipality).transpose()
    }
}

fn municipality(row: &sqlx::any::AnyRow) -> Result<Municipality, DbError> {
    Ok(Municipality {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        official_name: row.try_get("official_name")?,
        region_code: row.try_get("region_code")?,
        region_name: row.try_get("region_name")?,
    })
}
