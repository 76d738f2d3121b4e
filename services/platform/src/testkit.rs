//! Test kit: a fresh database per test on either backend, and any service started on an
//! ephemeral loopback port with a client for it.
//!
//! Failures here panic on purpose: a test that cannot get its database must fail loudly,
//! never skip.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::identity::{Caller, InternalKey, InternalTokenInterceptor, Secret};
use crate::server::{EngageService, Peers, ServiceContext, serve};
use crate::storage::{Database, DatabaseOptions, Migrations, migrate};

/// The database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A fresh database on the test PostgreSQL server.
    Postgres,
    /// A fresh SQLite file in a temporary folder.
    Sqlite,
}

/// The PostgreSQL server tests create their databases on: `ENGAGE_TEST_POSTGRES_URL`, by
/// default `postgres://postgres@127.0.0.1:5432/test`.
pub fn postgres_admin_url() -> String {
    std::env::var("ENGAGE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn with_database(admin_url: &str, database: &str) -> String {
    match admin_url.rfind('/') {
        Some(i) if admin_url[..i].contains("://") && i > admin_url.find("://").unwrap_or(0) + 2 => {
            format!("{}/{database}", &admin_url[..i])
        }
        _ => format!("{admin_url}/{database}"),
    }
}

async fn admin_execute(sql: String) {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    let url = postgres_admin_url();
    let mut conn = diesel_async::AsyncPgConnection::establish(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
    conn.batch_execute(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

enum Cleanup {
    Postgres(String),
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
}

/// A database of its own for one test, dropped (PostgreSQL) or deleted (SQLite) when the
/// value is dropped.
pub struct TestDatabase {
    /// The URL to open it with.
    pub url: String,
    /// Which backend it is on.
    pub backend: TestBackend,
    cleanup: Cleanup,
}

impl TestDatabase {
    /// Creates an empty database.
    pub async fn create(backend: TestBackend) -> Self {
        match backend {
            TestBackend::Postgres => {
                let name = format!("engage_test_{}", uuid::Uuid::now_v7().simple());
                admin_execute(format!("CREATE DATABASE \"{name}\"")).await;
                Self {
                    url: with_database(&postgres_admin_url(), &name),
                    backend,
                    cleanup: Cleanup::Postgres(name),
                }
            }
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
                let path = dir.path().join("test.db");
                Self {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
        }
    }

    /// Creates a database and applies the platform's and `migrations`, returning it with an
    /// open pool.
    pub async fn migrated(
        backend: TestBackend,
        migrations: &'static Migrations,
    ) -> (Self, Database) {
        let db = Self::create(backend).await;
        migrate(&db.url, migrations)
            .await
            .unwrap_or_else(|e| panic!("migrating {}: {e}", db.url));
        let pool = db.open().await;
        (db, pool)
    }

    /// Opens a pool on this database.
    pub async fn open(&self) -> Database {
        Database::open(&DatabaseOptions::new(&self.url))
            .await
            .unwrap_or_else(|e| panic!("opening {}: {e}", self.url))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres(name) = &self.cleanup {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            // Drop may run inside the test's runtime, which cannot block on itself.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(admin_execute(sql));
                }
            })
            .join();
        }
    }
}

/// The Redis tests use: `ENGAGE_TEST_REDIS_URL`, by default `redis://127.0.0.1:6379`.
pub fn redis_url() -> String {
    std::env::var("ENGAGE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// An event bus in Redis for one test, under a key prefix no other test uses, so that tests
/// running in parallel never see each other's events; its keys are deleted when dropped.
pub struct TestRedisBus {
    /// The bus.
    pub bus: crate::bus::EventBus,
    prefix: String,
}

impl TestRedisBus {
    /// A bus under a fresh prefix.
    pub fn create() -> Self {
        let url = redis_url();
        let prefix = format!("engage-test:{}:", uuid::Uuid::now_v7().simple());
        let bus = crate::bus::EventBus::redis_with_prefix(&url, &prefix)
            .unwrap_or_else(|e| panic!("Redis at {url}: {e}"));
        Self { bus, prefix }
    }
}

impl Drop for TestRedisBus {
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        // A blocking connection of its own: drop may run inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let Ok(mut connection) =
                redis::Client::open(redis_url()).and_then(|c| c.get_connection())
            else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query(&mut connection)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut connection);
            }
        })
        .join();
    }
}

/// A service running on a loopback port for the length of a test.
pub struct TestServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// The internal key it trusts.
    pub internal_key: InternalKey,
    /// Its database, for assertions on what was stored.
    pub database: Database,
    shutdown: Option<oneshot::Sender<()>>,
    _db: TestDatabase,
}

impl TestServer {
    /// Starts service `S` against a fresh, migrated database on `backend`.
    pub async fn start<S: EngageService>(backend: TestBackend) -> Self {
        Self::start_with_peers::<S>(
            backend,
            Peers::default(),
            InternalKey::new(&Secret::generate()),
        )
        .await
    }

    /// Starts service `S` with the given peers, trusting `internal_key` (share it with the
    /// peers so that they accept this service's calls).
    pub async fn start_with_peers<S: EngageService>(
        backend: TestBackend,
        peers: Peers,
        internal_key: InternalKey,
    ) -> Self {
        let (db, database) = TestDatabase::migrated(backend, S::migrations()).await;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding a loopback port: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"));
        let (tx, rx) = oneshot::channel::<()>();
        let context = ServiceContext {
            database: database.clone(),
            internal_key: internal_key.clone(),
            peers,
            bus: crate::bus::EventBus::memory(),
            relay: crate::relay::RelaySettings::default(),
            stopping: crate::server::Stopping::default(),
        };
        tokio::spawn(async move {
            if let Err(e) = serve::<S>(context, listener, async {
                let _ = rx.await;
            })
            .await
            {
                panic!("{} stopped: {e}", S::NAME);
            }
        });
        Self {
            address,
            internal_key,
            database,
            shutdown: Some(tx),
            _db: db,
        }
    }

    /// Starts service `S` with this server as its peer `peer` (such as `"contacts"`),
    /// sharing this server's internal key, as a service under test that calls another.
    pub async fn start_beside<S: EngageService>(&self, backend: TestBackend, peer: &str) -> Self {
        let url = format!("http://{}", self.address);
        let peers = Peers::new([(peer, url.as_str())])
            .unwrap_or_else(|e| panic!("peer {peer} at {url}: {e}"));
        Self::start_with_peers::<S>(backend, peers, self.internal_key.clone()).await
    }

    /// A channel to the server with no identity: health and reflection only.
    pub fn channel(&self) -> Channel {
        loopback_channel(self.address)
    }

    /// A channel that calls as `caller`, as if through the gateway.
    pub fn channel_as(
        &self,
        caller: Caller,
    ) -> InterceptedService<Channel, InternalTokenInterceptor> {
        InterceptedService::new(
            self.channel(),
            InternalTokenInterceptor::new(self.internal_key.clone(), caller),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A lazily connecting channel to a loopback address.
pub fn loopback_channel(address: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{address}"))
        .unwrap_or_else(|e| panic!("endpoint for {address}: {e}"))
        .connect_lazy()
}

pub use tonic_health::ServingStatus;

/// The serving status a health check reports for `service` ("" for the server itself).
pub async fn health_status(
    channel: Channel,
    service: &str,
) -> Result<tonic_health::ServingStatus, tonic::Status> {
    use tonic_health::pb::health_check_response::ServingStatus as Wire;
    let response = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?
        .into_inner();
    Ok(match response.status() {
        Wire::Serving => tonic_health::ServingStatus::Serving,
        Wire::NotServing => tonic_health::ServingStatus::NotServing,
        Wire::Unknown | Wire::ServiceUnknown => tonic_health::ServingStatus::Unknown,
    })
}

/// The services a server lists through reflection v1alpha, the protocol grpcurl and
/// Python's grpcio speak, sorted.
pub async fn reflected_services(channel: Channel) -> Result<Vec<String>, tonic::Status> {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::once(request))
        .await?
        .into_inner();
    let mut names = Vec::new();
    if let Some(response) = stream.message().await?
        && let Some(MessageResponse::ListServicesResponse(list)) = response.message_response
    {
        names = list.service.into_iter().map(|s| s.name).collect();
    }
    names.sort();
    Ok(names)
}

/// What every engage service must do from its first day, checked on `backend`: migrate a
/// fresh database, answer health SERVING for its own name, list itself through
/// reflection, and refuse any other call that lacks an internal token.
pub async fn check_service_basics<S: EngageService>(backend: TestBackend) {
    let server = TestServer::start::<S>(backend).await;
    let status = health_status(server.channel(), S::GRPC_NAME).await;
    assert_eq!(
        status.ok(),
        Some(tonic_health::ServingStatus::Serving),
        "{} health",
        S::NAME
    );
    let overall = health_status(server.channel(), "").await;
    assert_eq!(overall.ok(), Some(tonic_health::ServingStatus::Serving));

    let services = reflected_services(server.channel())
        .await
        .unwrap_or_default();
    assert!(services.iter().any(|s| s == S::GRPC_NAME), "{services:?}");
    assert!(
        services.iter().any(|s| s == "grpc.health.v1.Health"),
        "{services:?}"
    );

    let mut grpc = tonic::client::Grpc::new(server.channel());
    grpc.ready()
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", S::NAME));
    let path = http::uri::PathAndQuery::from_maybe_shared(format!("/{}/Anything", S::GRPC_NAME))
        .unwrap_or_else(|e| panic!("path: {e}"));
    let refused = grpc
        .unary::<(), (), _>(tonic::Request::new(()), path, EmptyCodec)
        .await
        .expect_err("a call without an internal token is refused");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{refused:?}");
}

/// Encodes nothing, for probing a method without its message types.
#[derive(Debug, Clone, Copy, Default)]
struct EmptyCodec;

impl tonic::codec::Codec for EmptyCodec {
    type Encode = ();
    type Decode = ();
    type Encoder = EmptyCodec;
    type Decoder = EmptyCodec;
    fn encoder(&mut self) -> Self::Encoder {
        EmptyCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        EmptyCodec
    }
}

impl tonic::codec::Encoder for EmptyCodec {
    type Item = ();
    type Error = tonic::Status;
    fn encode(&mut self, _: (), _: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        Ok(())
    }
}

impl tonic::codec::Decoder for EmptyCodec {
    type Item = ();
    type Error = tonic::Status;
    fn decode(&mut self, _: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
        Ok(Some(()))
    }
}

/// Runs each named `async fn(TestBackend)` as two tests, `name::postgres` and
/// `name::sqlite`, because every test that touches storage runs on both databases.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::testkit::TestBackend::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::testkit::TestBackend::Sqlite).await
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_replace_only_the_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
    }
}
