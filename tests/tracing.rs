//! One request is one trace: a call through the gateway to a service that calls another
//! service, which queries its database, yields spans from all four, correctly parented,
//! and neither the bearer token nor a person's email appears in any span or log line.
//!
//! The two services are small ones written here, served by the platform exactly as the
//! real services are (internal identity, tracing, storage).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::feeds_service_server::{FeedsService, FeedsServiceServer};
use engage_api::feeds::{
    GetSummaryRequest, GetSummaryResponse, ListTopicsRequest, ListTopicsResponse, SubscribeRequest,
    SubscribeResponse, TopicInfo, WatchSummaryRequest, WatchSummaryResponse,
};
use engage_api::gateway::gateway_service_client::GatewayServiceClient;
use engage_api::gateway::gateway_service_server::{GatewayService, GatewayServiceServer};
use engage_api::gateway::{GetCallerRequest, GetCallerResponse};
use engage_api::service_names;
use engage_gateway::{Authenticator, GatewayConfig, RateLimiter, RateLimits, Upstream};
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::journal::Journal as _;
use engage_platform::server::{EngageService, Peers, ServiceContext, serve};
use engage_platform::storage::{Database, Migrations};
use engage_platform::telemetry::{LogFormat, install};
use engage_platform::testkit::{TestBackend, TestDatabase, loopback_channel};
use engage_platform::{Caller, Role, with_connection};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tokio::net::TcpListener;
use tonic::{Request, Response, Status};
use tracing_subscriber::fmt::writer::BoxMakeWriter;

// ---------------------------------------------------------------- capture

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut lines) = self.0.lock() {
            lines.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default()
    }
}

fn capture() -> &'static (InMemorySpanExporter, Logs) {
    static CAPTURE: OnceLock<(InMemorySpanExporter, Logs)> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let logs = Logs::default();
        let writer = logs.clone();
        // The telemetry lives as long as the test process.
        std::mem::forget(install(
            "engage-test",
            LogFormat::Json,
            Some(exporter.clone()),
            true,
            BoxMakeWriter::new(move || writer.clone()),
        ));
        (exporter, logs)
    })
}

// ---------------------------------------------------------------- two services

/// The second service: answers who called, after reading its database.
struct Registry {
    database: Database,
}

#[tonic::async_trait]
impl GatewayService for Registry {
    async fn get_caller(
        &self,
        request: Request<GetCallerRequest>,
    ) -> Result<Response<GetCallerResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let events = async {
            Ok::<_, engage_platform::Error>(with_connection!(self.database, |conn| conn
                .events_after(0, 10)
                .await?))
        }
        .await?;
        tracing::info!(events = events.len(), "answering who called");
        Ok(Response::new(GetCallerResponse {
            subject: caller.subject,
            display_name: caller.display_name,
            roles: vec![],
            initiatives: vec![],
            expire_time: None,
        }))
    }
}

static NO_MIGRATIONS: OnceLock<&'static Migrations> = OnceLock::new();

fn no_migrations() -> &'static Migrations {
    NO_MIGRATIONS.get_or_init(engage_feeds::Feeds::migrations)
}

struct RegistryService;

impl EngageService for RegistryService {
    const NAME: &'static str = "registry";
    const GRPC_NAME: &'static str = service_names::GATEWAY;
    const DEFAULT_PORT: u16 = 0;
    fn migrations() -> &'static Migrations {
        no_migrations()
    }
    fn routes(context: ServiceContext) -> tonic::service::Routes {
        tonic::service::Routes::new(GatewayServiceServer::new(Registry {
            database: context.database,
        }))
    }
}

/// The first service: asks the second one on behalf of its caller.
struct Relay {
    key: InternalKey,
    peers: Peers,
}

type Never<T> = std::pin::Pin<Box<dyn futures::Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl FeedsService for Relay {
    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let channel = self.peers.calling_as("registry", &self.key, caller)?;
        let answer = GatewayServiceClient::new(channel)
            .get_caller(GetCallerRequest {})
            .await?
            .into_inner();
        Ok(Response::new(ListTopicsResponse {
            topics: vec![TopicInfo {
                description: answer.subject,
                ..TopicInfo::default()
            }],
            retention: None,
            oldest_available_time: None,
        }))
    }

    async fn subscribe(
        &self,
        _: Request<SubscribeRequest>,
    ) -> Result<Response<Never<SubscribeResponse>>, Status> {
        Err(Status::unimplemented("not used here"))
    }
    async fn get_summary(
        &self,
        _: Request<GetSummaryRequest>,
    ) -> Result<Response<GetSummaryResponse>, Status> {
        Err(Status::unimplemented("not used here"))
    }
    async fn watch_summary(
        &self,
        _: Request<WatchSummaryRequest>,
    ) -> Result<Response<Never<WatchSummaryResponse>>, Status> {
        Err(Status::unimplemented("not used here"))
    }
}

struct RelayService;

impl EngageService for RelayService {
    const NAME: &'static str = "relay";
    const GRPC_NAME: &'static str = service_names::FEEDS;
    const DEFAULT_PORT: u16 = 0;
    fn migrations() -> &'static Migrations {
        no_migrations()
    }
    fn routes(context: ServiceContext) -> tonic::service::Routes {
        tonic::service::Routes::new(FeedsServiceServer::new(Relay {
            key: context.internal_key,
            peers: context.peers,
        }))
    }
}

async fn spawn<S: EngageService>(
    key: &InternalKey,
    database: Database,
    peers: Peers,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let context = ServiceContext {
        database,
        internal_key: key.clone(),
        peers,
        bus: engage_platform::bus::EventBus::memory(),
        relay: engage_platform::relay::RelaySettings::default(),
        stopping: Default::default(),
    };
    tokio::spawn(async move {
        serve::<S>(context, listener, std::future::pending())
            .await
            .expect("serves");
    });
    address
}

// ---------------------------------------------------------------- the trace

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}

fn server_span<'a>(spans: &'a [SpanData], server: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| {
            s.span_kind == opentelemetry::trace::SpanKind::Server
                && attribute(s, "engage.server").as_deref() == Some(server)
        })
        .unwrap_or_else(|| panic!("no server span of {server} in {spans:#?}"))
}

async fn one_request_is_one_trace(backend: TestBackend) {
    let (exporter, logs) = capture();
    let key = InternalKey::new(&Secret::generate());
    let (_registry_db, registry_database) = TestDatabase::migrated(backend, no_migrations()).await;
    let (_relay_db, relay_database) = TestDatabase::migrated(backend, no_migrations()).await;

    let registry = spawn::<RegistryService>(&key, registry_database, Peers::default()).await;
    let registry_url = format!("http://{registry}");
    let peers = Peers::new([("registry", registry_url.as_str())]).expect("peers");
    let relay = spawn::<RelayService>(&key, relay_database, peers).await;

    let token_secret = Secret::generate();
    let config = GatewayConfig {
        upstreams: vec![Upstream {
            grpc_name: service_names::FEEDS,
            url: format!("http://{relay}"),
        }],
        authenticator: Authenticator::development(&token_secret),
        internal_key: key.clone(),
        limiter: RateLimiter::in_memory(RateLimits::default()),
        cors_origins: vec![],
        console: Default::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let gateway = listener.local_addr().expect("address");
    tokio::spawn(async move {
        engage_gateway::serve(config, listener, std::future::pending())
            .await
            .expect("gateway serves");
    });

    let email = format!("ana.{}@example.org", uuid_like());
    let mut caller = Caller::new("subject-ana", &[Role::Viewer]);
    caller.display_name = email.clone();
    let token =
        engage_gateway::mint_development_token(&token_secret, &caller, Duration::from_secs(60))
            .expect("token");
    let trace_id = uuid_like();
    let client_span_id = "00f067aa0ba902b7";
    let mut request = Request::new(ListTopicsRequest {});
    let metadata = request.metadata_mut();
    metadata.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("value"),
    );
    metadata.insert(
        "traceparent",
        format!("00-{trace_id}-{client_span_id}-01")
            .parse()
            .expect("value"),
    );
    metadata.insert("x-contact-email", email.parse().expect("value"));
    let answer = FeedsServiceClient::new(loopback_channel(gateway))
        .list_topics(request)
        .await
        .expect("through gateway, relay and registry")
        .into_inner();
    assert_eq!(answer.topics[0].description, "subject-ana");

    // Spans end as responses finish; wait until the five are exported.
    let mut spans = Vec::new();
    for _ in 0..100 {
        spans = exporter
            .get_finished_spans()
            .expect("spans")
            .into_iter()
            .filter(|s| s.span_context.trace_id().to_string() == trace_id)
            .collect();
        if spans.len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let gateway_span = server_span(&spans, "gateway");
    let relay_span = server_span(&spans, "relay");
    let registry_span = server_span(&spans, "registry");
    let relay_client = spans
        .iter()
        .find(|s| {
            s.span_kind == opentelemetry::trace::SpanKind::Client
                && attribute(s, "rpc.method").as_deref() == Some("GetCaller")
        })
        .expect("the relay's call to the registry");
    let database = spans
        .iter()
        .find(|s| attribute(s, "db.system").is_some())
        .expect("the registry's database span");

    assert_eq!(
        gateway_span.parent_span_id.to_string(),
        client_span_id,
        "continues the client's trace"
    );
    assert_eq!(
        relay_span.parent_span_id,
        gateway_span.span_context.span_id()
    );
    assert_eq!(
        relay_client.parent_span_id,
        relay_span.span_context.span_id()
    );
    assert_eq!(
        registry_span.parent_span_id,
        relay_client.span_context.span_id()
    );
    assert_eq!(
        database.parent_span_id,
        registry_span.span_context.span_id()
    );

    assert_eq!(
        attribute(gateway_span, "rpc.method").as_deref(),
        Some("ListTopics")
    );
    assert_eq!(
        attribute(registry_span, "rpc.service").as_deref(),
        Some(service_names::GATEWAY)
    );
    assert_eq!(
        attribute(relay_span, "enduser.id").as_deref(),
        Some("subject-ana")
    );
    assert_eq!(
        attribute(registry_span, "rpc.grpc.status_code").as_deref(),
        Some("0")
    );
    let system = if backend == TestBackend::Postgres {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(attribute(database, "db.system").as_deref(), Some(system));

    for span in &spans {
        for kv in &span.attributes {
            let value = kv.value.as_str();
            assert!(
                !value.contains(&token),
                "token in span attribute {}",
                kv.key
            );
            assert!(
                !value.contains(&email),
                "email in span attribute {}",
                kv.key
            );
        }
    }
    let text = logs.text();
    assert!(!text.contains(&token), "a token reached the logs");
    assert!(!text.contains(&email), "an email reached the logs");
    let line = text
        .lines()
        .find(|l| l.contains("answering who called") && l.contains(&trace_id))
        .expect("the registry's log line carries the trace id");
    let parsed: serde_json::Value = serde_json::from_str(line).expect("JSON line");
    assert_eq!(
        parsed["span_id"].as_str(),
        Some(registry_span.span_context.span_id().to_string().as_str())
    );
}

/// 32 random hex digits.
fn uuid_like() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

engage_platform::on_both_databases!(one_request_is_one_trace);
