//! The change feed when its parts fail: every service is its own `engage serve` process, on
//! PostgreSQL or SQLite, with the events in a Redis of the test's own, started with
//! `--save '' --appendonly no` so that killing it (SIGKILL) and starting it again loses every
//! stream, as a Redis without persistence does. The feeds process is killed with SIGKILL too.
//! Clients call through the gateway, as a browser or a dashboard does.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::{
    SubscribeRequest, SubscribeResponse, Topic, WatchSummaryRequest, subscribe_request::Start,
    subscribe_response::Payload,
};
use engage_api::gateway::gateway_service_client::GatewayServiceClient;
use engage_api::gateway::{CreateDevelopmentTokenRequest, Role};
use engage_api::types::Sector;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Status, Streaming};
use tonic_types::StatusExt as _;

/// The binary under test; `ENGAGE_BIN` names another (such as an older build, to see the
/// failures these tests describe).
fn engage_bin() -> String {
    std::env::var("ENGAGE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_engage").to_owned())
}
const SERVICES: [&str; 5] = [
    "contacts",
    "initiatives",
    "declarations",
    "briefings",
    "feeds",
];
/// How long anything the test waits for may take on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    Postgres,
    Sqlite,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

async fn wait_for<T>(what: &str, mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited too long for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn kill(child: &mut Child) {
    // Child::kill is SIGKILL on Unix: no shutdown, no goodbye to the clients.
    let _ = child.kill();
    let _ = child.wait();
}

/// A Redis of the test's own, without persistence.
struct Redis {
    port: u16,
    folder: tempfile::TempDir,
    child: Child,
}

impl Redis {
    fn start() -> Self {
        let folder = tempfile::tempdir().expect("a folder");
        let port = free_port();
        let child = Self::spawn(port, &folder);
        let redis = Self {
            port,
            folder,
            child,
        };
        redis.wait_listening();
        redis
    }

    fn spawn(port: u16, folder: &tempfile::TempDir) -> Child {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(folder.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts (install Redis)")
    }

    fn wait_listening(&self) {
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not listen on {}", self.port);
    }

    fn url(&self, database: u8) -> String {
        format!("redis://127.0.0.1:{}/{database}", self.port)
    }

    /// Kills Redis with SIGKILL and starts it again on the same port, empty.
    fn lose_everything(&mut self) {
        kill(&mut self.child);
        self.child = Self::spawn(self.port, &self.folder);
        self.wait_listening();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

fn postgres_url(database: &str) -> String {
    let base = std::env::var("ENGAGE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let (server, _) = base.rsplit_once('/').expect("a database URL");
    format!("{server}/{database}")
}

fn psql(sql: &str) {
    let status = Command::new("psql")
        .arg(postgres_url("postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .stdout(Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql {sql}");
}

/// One engage: each service and the gateway in a process of its own.
struct Engage {
    database: Database,
    id: String,
    folder: tempfile::TempDir,
    ports: HashMap<&'static str, u16>,
    processes: HashMap<&'static str, Child>,
    env: Vec<(String, String)>,
    token: String,
}

impl Engage {
    async fn start(database: Database, redis_url: &str, extra: &[(&str, &str)]) -> Self {
        let id = format!("engage_feeds_{}", random_hex(4));
        let mut ports = HashMap::new();
        for name in SERVICES.iter().chain(&["gateway"]) {
            ports.insert(*name, free_port());
        }
        let mut env: Vec<(String, String)> = vec![
            ("ENGAGE_INTERNAL_KEY".into(), random_hex(32)),
            ("ENGAGE_REDIS_URL".into(), redis_url.to_owned()),
            ("ENGAGE_LOG".into(), "warn".into()),
        ];
        for service in SERVICES {
            env.push((
                format!("ENGAGE_{}_URL", service.to_uppercase()),
                format!("http://127.0.0.1:{}", ports[service]),
            ));
        }
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let mut engage = Self {
            database,
            id,
            folder: tempfile::tempdir().expect("a folder"),
            ports,
            processes: HashMap::new(),
            env,
            token: String::new(),
        };
        for service in SERVICES {
            if database == Database::Postgres {
                psql(&format!("CREATE DATABASE \"{}_{service}\"", engage.id));
            }
            engage.start_process(service);
        }
        engage.start_process("gateway");
        for service in SERVICES {
            engage.wait_serving(service).await;
        }
        engage.token = wait_for("a development token from the gateway", async || {
            let mut gateway = GatewayServiceClient::new(engage.channel().await?);
            let response = gateway
                .create_development_token(CreateDevelopmentTokenRequest {
                    subject: "olga".into(),
                    roles: vec![Role::Admin as i32],
                    ..Default::default()
                })
                .await
                .ok()?;
            Some(response.into_inner().token)
        })
        .await;
        engage
    }

    fn database_url(&self, service: &str) -> String {
        match self.database {
            Database::Postgres => postgres_url(&format!("{}_{service}", self.id)),
            Database::Sqlite => self
                .folder
                .path()
                .join(format!("{service}.db"))
                .display()
                .to_string(),
        }
    }

    fn start_process(&mut self, name: &'static str) {
        let mut command = Command::new(engage_bin());
        command
            .args(["serve", name])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("ENGAGE_LISTEN", format!("127.0.0.1:{}", self.ports[name]))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if name == "gateway" {
            command
                .env("ENGAGE_DEVELOPMENT", "true")
                .env("ENGAGE_DEV_JWT_KEY", random_hex(32));
        } else {
            command.env("ENGAGE_DATABASE_URL", self.database_url(name));
        }
        let child = command.spawn().expect("engage serve starts");
        self.processes.insert(name, child);
    }

    async fn wait_serving(&self, service: &'static str) {
        let address = format!("http://127.0.0.1:{}", self.ports[service]);
        wait_for(&format!("{service} to serve"), async || {
            let channel = Channel::from_shared(address.clone())
                .ok()?
                .connect()
                .await
                .ok()?;
            let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
            let answer = health
                .check(tonic_health::pb::HealthCheckRequest::default())
                .await
                .ok()?;
            (answer.into_inner().status
                == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
                .then_some(())
        })
        .await;
    }

    /// Kills the feeds process with SIGKILL.
    fn kill_feeds(&mut self) {
        if let Some(mut feeds) = self.processes.remove("feeds") {
            kill(&mut feeds);
        }
    }

    async fn start_feeds(&mut self) {
        self.start_process("feeds");
        self.wait_serving("feeds").await;
    }

    async fn channel(&self) -> Option<Channel> {
        Channel::from_shared(format!("http://127.0.0.1:{}", self.ports["gateway"]))
            .ok()?
            .connect()
            .await
            .ok()
    }

    fn authorise<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let bearer: MetadataValue<_> = format!("Bearer {}", self.token)
            .parse()
            .expect("a header value");
        request.metadata_mut().insert("authorization", bearer);
        request
    }

    async fn feeds(&self) -> FeedsServiceClient<Channel> {
        FeedsServiceClient::new(self.channel().await.expect("the gateway answers"))
    }

    /// Creates an organisation; returns its resource name.
    async fn create_organization(&self, name: &str) -> String {
        let mut contacts =
            ContactsServiceClient::new(self.channel().await.expect("the gateway answers"));
        contacts
            .create_organization(self.authorise(CreateOrganizationRequest {
                organization: Some(Organization {
                    display_name: name.into(),
                    sector: Sector::Ngo as i32,
                    country_code: "KE".into(),
                    ..Organization::default()
                }),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("creating {name}: {e:?}"))
            .into_inner()
            .organization
            .expect("an organisation")
            .name
    }

    async fn subscribe(
        &self,
        start: Option<Start>,
    ) -> Result<Streaming<SubscribeResponse>, Status> {
        let request = SubscribeRequest {
            topics: vec![Topic {
                service: "contacts".into(),
                resource_type: String::new(),
            }],
            start,
            ..Default::default()
        };
        self.feeds()
            .await
            .subscribe(self.authorise(request))
            .await
            .map(tonic::Response::into_inner)
    }

    /// Subscribes as a client does after a failure: again while the feed answers
    /// UNAVAILABLE. Returns the stream and its first message, or the error it ended with.
    async fn subscribe_when_available(
        &self,
        start: Option<Start>,
    ) -> Result<(Streaming<SubscribeResponse>, SubscribeResponse), Status> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let attempt = match self.subscribe(start.clone()).await {
                Ok(mut stream) => match next(&mut stream).await {
                    Ok(first) => return Ok((stream, first)),
                    Err(status) => status,
                },
                Err(status) => status,
            };
            if attempt.code() != Code::Unavailable || tokio::time::Instant::now() >= deadline {
                return Err(attempt);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Engage {
    fn drop(&mut self) {
        for child in self.processes.values_mut() {
            kill(child);
        }
        if self.database == Database::Postgres {
            for service in SERVICES {
                let _ = Command::new("psql")
                    .arg(postgres_url("postgres"))
                    .args([
                        "-qAtc",
                        &format!(
                            "DROP DATABASE IF EXISTS \"{}_{service}\" WITH (FORCE)",
                            self.id
                        ),
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// The stream's next message, or the status it ended with.
async fn next(stream: &mut Streaming<SubscribeResponse>) -> Result<SubscribeResponse, Status> {
    match tokio::time::timeout(PATIENCE, stream.message()).await {
        Ok(Ok(Some(message))) => Ok(message),
        Ok(Ok(None)) => Err(Status::new(Code::Ok, "the stream ended without a status")),
        Ok(Err(status)) => Err(status),
        Err(_) => panic!("no message for {PATIENCE:?}"),
    }
}

fn cursor_of(message: &SubscribeResponse) -> String {
    match &message.payload {
        Some(Payload::Heartbeat(h)) => h.cursor.clone(),
        Some(Payload::Change(c)) => c.cursor.clone(),
        None => String::new(),
    }
}

/// The resource names of the changes received until `last` arrives (inclusive).
async fn changes_until(stream: &mut Streaming<SubscribeResponse>, last: &str) -> Vec<String> {
    changes_and_cursor_until(stream, last).await.0
}

/// The resource names of the changes received until `last` arrives (inclusive), and the
/// cursor of `last`.
async fn changes_and_cursor_until(
    stream: &mut Streaming<SubscribeResponse>,
    last: &str,
) -> (Vec<String>, String) {
    let mut names = Vec::new();
    loop {
        let message = next(stream).await.expect("the stream goes on");
        if let Some(Payload::Change(change)) = message.payload {
            names.push(change.resource_name.clone());
            if change.resource_name == last {
                return (names, change.cursor);
            }
        }
    }
}

fn reason(status: &Status) -> String {
    status
        .get_error_details()
        .error_info()
        .map(|info| info.reason.clone())
        .unwrap_or_default()
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            text.push(char::from(BASE64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    text
}

fn from_base64url(text: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| {
            let value = BASE64URL.iter().position(|b| b == c).expect("base64url") as u32;
            n | value << (18 - 6 * i)
        });
        for i in 0..chunk.len() - 1 {
            bytes.push((n >> (16 - 8 * i)) as u8);
        }
    }
    bytes
}

/// A cursor as JSON, and back.
fn cursor_json(cursor: &str) -> serde_json::Value {
    serde_json::from_slice(&from_base64url(cursor)).expect("a cursor is JSON")
}

fn cursor_text(json: &serde_json::Value) -> String {
    base64url(json.to_string().as_bytes())
}

// 8. A stream whose service dies ends with UNAVAILABLE, not INTERNAL; a stream started while
//    the service is down too; and the client resumes from its cursor once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_service_is_killed_ends_unavailable_and_resumes_from_its_cursor() {
    let redis = Redis::start();
    let mut engage = Engage::start(Database::Postgres, &redis.url(0), &[]).await;
    let (mut stream, first) = engage
        .subscribe_when_available(None)
        .await
        .expect("subscribed");
    let cursor = cursor_of(&first);
    let mut summaries = engage
        .feeds()
        .await
        .watch_summary(engage.authorise(WatchSummaryRequest::default()))
        .await
        .expect("watching the summary")
        .into_inner();
    tokio::time::timeout(PATIENCE, summaries.message())
        .await
        .expect("a first summary in time")
        .expect("a first summary");

    engage.kill_feeds();
    let ended = next(&mut stream).await.expect_err("the stream ends");
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    let summary_ended = loop {
        match tokio::time::timeout(PATIENCE, summaries.message()).await {
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) => panic!("the summary ended without a status"),
            Ok(Err(status)) => break status,
            Err(_) => panic!("the summary stream did not end"),
        }
    };
    assert_eq!(summary_ended.code(), Code::Unavailable, "{summary_ended:?}");

    let refused = match engage.subscribe(Some(Start::Cursor(cursor.clone()))).await {
        Ok(mut stream) => next(&mut stream)
            .await
            .expect_err("no feeds to stream from"),
        Err(status) => status,
    };
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");

    let missed = engage
        .create_organization("Made while the feed was down")
        .await;
    engage.start_feeds().await;
    let (mut resumed, _) = engage
        .subscribe_when_available(Some(Start::Cursor(cursor)))
        .await
        .expect("resumed from the cursor");
    assert_eq!(changes_until(&mut resumed, &missed).await, [missed]);
}

// 9. After Redis lost its data, a subscriber without a cursor starts at the present.
async fn a_subscriber_without_a_cursor_starts_at_the_present_after_redis_lost_its_data(
    database: Database,
) {
    let mut redis = Redis::start();
    let engage = Engage::start(database, &redis.url(0), &[]).await;
    for i in 0..30 {
        engage.create_organization(&format!("Before {i}")).await;
    }
    redis.lose_everything();
    let (mut stream, _) = engage
        .subscribe_when_available(None)
        .await
        .expect("subscribed without a cursor");
    let latest = engage.create_organization("After").await;
    assert_eq!(changes_until(&mut stream, &latest).await, [latest]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_without_a_cursor_starts_at_the_present_after_redis_lost_its_data_postgres() {
    a_subscriber_without_a_cursor_starts_at_the_present_after_redis_lost_its_data(
        Database::Postgres,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_without_a_cursor_starts_at_the_present_after_redis_lost_its_data_sqlite() {
    a_subscriber_without_a_cursor_starts_at_the_present_after_redis_lost_its_data(Database::Sqlite)
        .await;
}

// 10. A cursor of another deployment, or beyond the end of a stream, is INVALID_CURSOR.
async fn a_cursor_from_another_deployment_is_refused(database: Database) {
    let redis = Redis::start();
    let first = Engage::start(database, &redis.url(1), &[]).await;
    let (mut stream, _) = first
        .subscribe_when_available(None)
        .await
        .expect("subscribed");
    for i in 0..3 {
        first.create_organization(&format!("First {i}")).await;
    }
    let last = first.create_organization("First last").await;
    let (_, cursor) = changes_and_cursor_until(&mut stream, &last).await;
    let mut far = cursor_json(&cursor);
    far["p"]["contacts"] = serde_json::json!(1_000_000_000);

    let second = Engage::start(database, &redis.url(2), &[]).await;
    let older_from_elsewhere = cursor_text(&serde_json::json!({"v": 1, "p": {"contacts": 996}}));
    for (what, cursor, engage) in [
        ("a cursor of the first deployment", &cursor, &second),
        ("a cursor at 10^9", &cursor_text(&far), &first),
        (
            "an older cursor beyond the stream",
            &older_from_elsewhere,
            &second,
        ),
    ] {
        let refused = engage
            .subscribe_when_available(Some(Start::Cursor(cursor.clone())))
            .await
            .map(|(_, first)| first)
            .expect_err(what);
        assert_eq!(refused.code(), Code::InvalidArgument, "{what}: {refused:?}");
        assert_eq!(reason(&refused), "INVALID_CURSOR", "{what}: {refused:?}");
    }
    // The first deployment's own cursor still resumes there.
    let (mut resumed, _) = first
        .subscribe_when_available(Some(Start::Cursor(cursor)))
        .await
        .expect("resumed where it came from");
    let later = first.create_organization("First later").await;
    assert_eq!(changes_until(&mut resumed, &later).await, [later]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_another_deployment_is_refused_postgres() {
    a_cursor_from_another_deployment_is_refused(Database::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_another_deployment_is_refused_sqlite() {
    a_cursor_from_another_deployment_is_refused(Database::Sqlite).await;
}

// 11. After Redis lost its data, a cursor older than the retention is still CURSOR_EXPIRED.
async fn an_expired_cursor_stays_expired_after_redis_lost_its_data(database: Database) {
    let mut redis = Redis::start();
    let engage = Engage::start(
        database,
        &redis.url(0),
        &[("ENGAGE_EVENT_RETENTION_SECONDS", "2")],
    )
    .await;
    let (mut stream, heartbeat) = engage
        .subscribe_when_available(None)
        .await
        .expect("subscribed");
    // From before the change that the retention will take.
    let old_cursor = cursor_of(&heartbeat);
    let old = engage.create_organization("Old").await;
    changes_until(&mut stream, &old).await;
    drop(stream);
    // The retention passes, the relay prunes the outbox and trims the bus.
    wait_for("the old cursor to expire", async || {
        let refused = engage
            .subscribe_when_available(Some(Start::Cursor(old_cursor.clone())))
            .await
            .err()?;
        (refused.code() == Code::FailedPrecondition).then_some(())
    })
    .await;

    redis.lose_everything();
    let refused = engage
        .subscribe_when_available(Some(Start::Cursor(old_cursor)))
        .await
        .map(|(_, first)| first)
        .expect_err("an expired cursor is refused");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(reason(&refused), "CURSOR_EXPIRED", "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_stays_expired_after_redis_lost_its_data_postgres() {
    an_expired_cursor_stays_expired_after_redis_lost_its_data(Database::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_stays_expired_after_redis_lost_its_data_sqlite() {
    an_expired_cursor_stays_expired_after_redis_lost_its_data(Database::Sqlite).await;
}
