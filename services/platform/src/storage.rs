//! One connection type over PostgreSQL and SQLite.
//!
//! Queries are written once with the diesel DSL and run on either backend through
//! [`with_connection!`](crate::with_connection) and [`write_transaction!`](crate::write_transaction),
//! which expand the same body once per backend. See `docs/adr/0002-one-connection-type-over-postgres-and-sqlite.md`.

use std::path::Path;
use std::time::Duration;

use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use futures::FutureExt;

/// The SQLite connection as the async pool holds it.
pub type SqliteAsyncConnection = SyncConnectionWrapper<SqliteConnection>;

/// Which database a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, the production database.
    Postgres,
    /// SQLite, the embedded default.
    Sqlite,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// What went wrong while opening, migrating or borrowing from a database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL names no supported database.
    #[error(
        "unsupported database URL (expected postgres://, postgresql://, sqlite:// or a file path)"
    )]
    UnsupportedUrl,
    /// The pool could not be built.
    #[error("could not build the connection pool: {0}")]
    Pool(String),
    /// No connection could be had from the pool.
    #[error("no database connection available: {0}")]
    Connection(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// The migrations of one service, one embedded folder per backend.
pub struct Migrations {
    /// `migrations/postgres`
    pub postgres: EmbeddedMigrations,
    /// `migrations/sqlite`
    pub sqlite: EmbeddedMigrations,
}

/// The tables every service has: the outbox, the audit log and the request ids.
pub const PLATFORM_MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// How to open a database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `postgres://…`, `sqlite://path`, or a plain file path for SQLite.
    pub url: String,
    /// Connections kept open at most.
    pub max_connections: usize,
    /// How long a request waits for a free connection before it fails with UNAVAILABLE.
    pub acquire_timeout: Duration,
}

impl DatabaseOptions {
    /// Options with the defaults for everything but the URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A pool of connections to one service's database.
#[derive(Clone)]
pub enum Database {
    /// PostgreSQL through tokio-postgres.
    Postgres(Pool<AsyncPgConnection>),
    /// SQLite (bundled), each query on a blocking thread.
    Sqlite(Pool<SqliteAsyncConnection>),
}

/// A connection borrowed from a [`Database`]; it returns to the pool when dropped.
#[allow(
    clippy::large_enum_variant,
    reason = "lives on the stack for one request; boxing would allocate on every borrow"
)]
pub enum Connection {
    /// A PostgreSQL connection.
    Postgres(Object<AsyncPgConnection>),
    /// A SQLite connection.
    Sqlite(Object<SqliteAsyncConnection>),
}

/// Where a URL points.
enum Target<'a> {
    Postgres(&'a str),
    Sqlite(&'a str),
}

fn parse_url(url: &str) -> Result<Target<'_>, StorageError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Target::Postgres(url))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Target::Sqlite(path))
    } else if let Some(path) = url.strip_prefix("sqlite:") {
        Ok(Target::Sqlite(path))
    } else if url.contains("://") || url.is_empty() {
        Err(StorageError::UnsupportedUrl)
    } else {
        Ok(Target::Sqlite(url))
    }
}

/// Settings applied to every SQLite connection: a busy timeout so writers queue instead of
/// failing (first, so that the statements after it wait too: switching to WAL needs a lock
/// another connection may hold), write-ahead logging so readers never wait for the writer,
/// and enforced foreign keys, which SQLite leaves off by default.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

fn create_parent_folder(path: &str) -> Result<(), StorageError> {
    match Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent)
            .map_err(|e| StorageError::Connection(format!("{}: {e}", parent.display()))),
        _ => Ok(()),
    }
}

/// A pool's connection settings with no test query when a connection is handed out again
/// (see [`Database::open`]).
fn handed_out_unchecked<C: AsyncConnection + 'static>() -> ManagerConfig<C> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config
}

fn build_pool<C>(
    manager: AsyncDieselConnectionManager<C>,
    options: &DatabaseOptions,
) -> Result<Pool<C>, StorageError>
where
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager<Type = C>,
{
    let timeouts = deadpool::managed::Timeouts {
        wait: Some(options.acquire_timeout),
        create: Some(options.acquire_timeout),
        recycle: Some(options.acquire_timeout),
    };
    Pool::builder(manager)
        .max_size(options.max_connections)
        .timeouts(timeouts)
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| StorageError::Pool(e.to_string()))
}

impl Database {
    /// Opens a pool. For SQLite the file and its folder are created when missing.
    ///
    /// A connection is handed out again without a test query: checking it cost a round trip
    /// on every call, and a connection the server closed answers UNAVAILABLE until the client
    /// has seen it close, after which the pool drops it (ADR 0002).
    pub async fn open(options: &DatabaseOptions) -> Result<Self, StorageError> {
        match parse_url(&options.url)? {
            Target::Postgres(url) => {
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                    url,
                    handed_out_unchecked(),
                );
                Ok(Database::Postgres(build_pool(manager, options)?))
            }
            Target::Sqlite(path) => {
                create_parent_folder(path)?;
                let mut config = handed_out_unchecked::<SqliteAsyncConnection>();
                config.custom_setup = Box::new(|url| {
                    async move {
                        let mut conn = SqliteAsyncConnection::establish(url).await?;
                        conn.batch_execute(SQLITE_PRAGMAS)
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                        Ok(conn)
                    }
                    .boxed()
                });
                let manager =
                    AsyncDieselConnectionManager::<SqliteAsyncConnection>::new_with_config(
                        path, config,
                    );
                Ok(Database::Sqlite(build_pool(manager, options)?))
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Database::Postgres(_) => Backend::Postgres,
            Database::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Borrows a connection, waiting at most the configured acquire timeout.
    pub async fn connection(&self) -> Result<Connection, StorageError> {
        match self {
            Database::Postgres(pool) => pool
                .get()
                .await
                .map(Connection::Postgres)
                .map_err(|e| StorageError::Connection(e.to_string())),
            Database::Sqlite(pool) => pool
                .get()
                .await
                .map(Connection::Sqlite)
                .map_err(|e| StorageError::Connection(e.to_string())),
        }
    }

    /// Connections open and idle, for metrics and health.
    pub fn pool_status(&self) -> (usize, usize) {
        let status = match self {
            Database::Postgres(pool) => pool.status(),
            Database::Sqlite(pool) => pool.status(),
        };
        (status.size, status.available)
    }
}

/// Applies the platform's migrations and then the service's, each only once: running them
/// again is a no-op. Returns the versions applied by this call.
///
/// diesel's migration harness is synchronous, so it runs on a blocking thread with its own
/// connection (for PostgreSQL through diesel-async's wrapper, which needs no libpq).
pub async fn migrate(url: &str, service: &'static Migrations) -> Result<Vec<String>, StorageError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Vec<String>, StorageError> {
        let err =
            |e: Box<dyn std::error::Error + Send + Sync>| StorageError::Migration(e.to_string());
        let mut applied = Vec::new();
        match parse_url(&url)? {
            Target::Postgres(url) => {
                let mut conn = <diesel_async::async_connection_wrapper::AsyncConnectionWrapper<
                    AsyncPgConnection,
                > as diesel::Connection>::establish(url)
                .map_err(|e| StorageError::Connection(e.to_string()))?;
                for set in [&PLATFORM_MIGRATIONS.postgres, &service.postgres] {
                    for version in conn.run_pending_migrations(Source(set)).map_err(err)? {
                        applied.push(version.to_string());
                    }
                }
            }
            Target::Sqlite(path) => {
                use diesel::Connection as _;
                create_parent_folder(path)?;
                let mut conn = SqliteConnection::establish(path)
                    .map_err(|e| StorageError::Connection(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                for set in [&PLATFORM_MIGRATIONS.sqlite, &service.sqlite] {
                    for version in conn.run_pending_migrations(Source(set)).map_err(err)? {
                        applied.push(version.to_string());
                    }
                }
            }
        }
        Ok(applied)
    })
    .await
    .map_err(|e| StorageError::Migration(e.to_string()))?
}

/// Lends an embedded migration set to diesel's harness, which takes its source by value.
struct Source<'a>(&'a EmbeddedMigrations);

impl<DB: diesel::backend::Backend> diesel::migration::MigrationSource<DB> for Source<'_> {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>> {
        diesel::migration::MigrationSource::<DB>::migrations(self.0)
    }
}

tokio::task_local! {
    static UNTRACED: ();
}

/// Runs `work` with its database use left out of traces: for background loops (the outbox
/// relay polls many times a second) whose spans would each start a trace of their own.
pub async fn untraced<F: Future>(work: F) -> F::Output {
    UNTRACED.scope((), work).await
}

/// The span of one use of the database, a child of the call's span.
pub fn query_span(backend: Backend, operation: &'static str) -> tracing::Span {
    if UNTRACED.try_with(|_| ()).is_ok() {
        return tracing::Span::none();
    }
    let system = match backend {
        Backend::Postgres => "postgresql",
        Backend::Sqlite => "sqlite",
    };
    tracing::info_span!(
        "db",
        otel.name = %format!("{operation} {system}"),
        otel.kind = "client",
        db.system = system,
        db.operation = operation,
    )
}

/// Runs `body` with a connection of either backend; `$conn` is `&mut` the concrete
/// connection type, so the same diesel DSL compiles for both. `?` inside the body converts
/// into the platform's [`Error`](crate::Error); the expression evaluates to the body's value
/// and passes a failure on with `?`, so the enclosing function returns an error type that
/// the platform's error converts into. The work is traced as a `db` span.
#[macro_export]
macro_rules! with_connection {
    ($db:expr, |$conn:ident| $body:expr) => {{
        let database = &$db;
        let span = $crate::storage::query_span(database.backend(), "query");
        $crate::__tracing::Instrument::instrument(
            async {
                match database.connection().await? {
                    $crate::storage::Connection::Postgres(mut pooled) => {
                        let $conn: &mut $crate::__diesel_async::AsyncPgConnection = &mut pooled;
                        Ok::<_, $crate::Error>($body)
                    }
                    $crate::storage::Connection::Sqlite(mut pooled) => {
                        let $conn: &mut $crate::storage::SqliteAsyncConnection = &mut pooled;
                        Ok::<_, $crate::Error>($body)
                    }
                }
            },
            span,
        )
        .await?
    }};
}

/// Runs `body` in a write transaction on either backend, committing when it returns `Ok`
/// and rolling back when it returns `Err`; evaluates to the body's `Result` (a connection
/// that cannot be had becomes its error through `From<StorageError>`). On SQLite the
/// transaction begins IMMEDIATE, so a transaction that reads before it writes never fails
/// on lock upgrade; writers queue on the busy timeout instead. Traced as a `db` span.
#[macro_export]
macro_rules! write_transaction {
    ($db:expr, |$conn:ident| $body:expr) => {{
        let database = &$db;
        let span = $crate::storage::query_span(database.backend(), "transaction");
        $crate::__tracing::Instrument::instrument(
            async {
                match database.connection().await {
                    Err(error) => Err(error.into()),
                    Ok($crate::storage::Connection::Postgres(mut pooled)) => {
                        use $crate::__diesel_async::AsyncConnection as _;
                        let pooled: &mut $crate::__diesel_async::AsyncPgConnection = &mut pooled;
                        pooled.transaction(async |$conn| $body).await
                    }
                    Ok($crate::storage::Connection::Sqlite(mut pooled)) => {
                        let pooled: &mut $crate::storage::SqliteAsyncConnection = &mut pooled;
                        pooled.immediate_transaction(async |$conn| $body).await
                    }
                }
            },
            span,
        )
        .await
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert!(matches!(
            parse_url("postgres://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            parse_url("postgresql://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            parse_url("sqlite://data/x.db"),
            Ok(Target::Sqlite("data/x.db"))
        ));
        assert!(matches!(
            parse_url("sqlite:x.db"),
            Ok(Target::Sqlite("x.db"))
        ));
        assert!(matches!(
            parse_url("./data/x.db"),
            Ok(Target::Sqlite("./data/x.db"))
        ));
        assert!(matches!(
            parse_url("mysql://h/db"),
            Err(StorageError::UnsupportedUrl)
        ));
        assert!(matches!(parse_url(""), Err(StorageError::UnsupportedUrl)));
    }
}
