//! The gateway in front of a real upstream: authentication, authorisation, forwarding,
//! streaming and cancellation, deadlines, rate limits (in memory and in Redis), gRPC-Web.
//!
//! The upstream is a small feeds server written here: it runs behind the platform's
//! internal identity check and answers with what it saw of the caller.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::feeds_service_server::{FeedsService, FeedsServiceServer};
use engage_api::feeds::{
    GetSummaryRequest, GetSummaryResponse, Heartbeat, ListTopicsRequest, ListTopicsResponse,
    SubscribeRequest, SubscribeResponse, TopicInfo, WatchSummaryRequest, WatchSummaryResponse,
    subscribe_response,
};
use engage_api::gateway::gateway_service_client::GatewayServiceClient;
use engage_api::gateway::{
    CreateDevelopmentTokenRequest, GetCallerRequest, GetCallerResponse, GetConsoleSettingsRequest,
    Role as WireRole,
};
use engage_api::service_names;
use engage_gateway::jwks::{JwksSource, KeySet};
use engage_gateway::{
    AuthSettings, Authenticator, ConsoleAssets, ConsoleConfig, ConsoleFile, GatewayConfig,
    RateLimiter, RateLimits, SignInSettings, Upstream, mint_development_token,
};
use engage_platform::identity::{InternalIdentityLayer, InternalKey, Secret};
use engage_platform::testkit::{ServingStatus, health_status, loopback_channel};
use engage_platform::{Caller, Role};
use futures::Stream;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use tokio::net::TcpListener;
use tonic::transport::{Channel, Server};
use tonic::{Code, Request, Response, Status};
use tonic_types::StatusExt as _;

const ISSUER: &str = "https://id.example.org/realms/engage";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---------------------------------------------------------------- the upstream

/// A feeds server that reports what it saw.
#[derive(Clone, Default)]
struct Upstream_ {
    stream_ended: Arc<AtomicBool>,
}

/// Sets a flag when the stream holding it is dropped, that is when the call ends.
struct EndGuard(Arc<AtomicBool>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl FeedsService for Upstream_ {
    async fn subscribe(
        &self,
        _: Request<SubscribeRequest>,
    ) -> Result<Response<BoxStream<SubscribeResponse>>, Status> {
        let guard = EndGuard(self.stream_ended.clone());
        let ticks = futures::stream::unfold((0u64, guard), |(n, guard)| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let beat = SubscribeResponse {
                payload: Some(subscribe_response::Payload::Heartbeat(Heartbeat {
                    server_time: None,
                    cursor: n.to_string(),
                    caught_up: true,
                })),
            };
            Some((Ok(beat), (n + 1, guard)))
        });
        Ok(Response::new(Box::pin(ticks)))
    }

    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        let caller = Caller::of(&request)?.clone();
        let header = |name: &str| {
            request
                .metadata()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Response::new(ListTopicsResponse {
            topics: vec![TopicInfo {
                topic: None,
                description: caller.subject.clone(),
                message_type: header("x-request-label"),
                event_types: caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                filterable_fields: vec![header("authorization")],
            }],
            retention: None,
            oldest_available_time: None,
        }))
    }

    async fn get_summary(
        &self,
        request: Request<GetSummaryRequest>,
    ) -> Result<Response<GetSummaryResponse>, Status> {
        let deadline = request
            .metadata()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        Err(Status::failed_precondition(format!(
            "deadline seen: {deadline}"
        )))
    }

    async fn watch_summary(
        &self,
        _: Request<WatchSummaryRequest>,
    ) -> Result<Response<BoxStream<WatchSummaryResponse>>, Status> {
        Err(Status::failed_precondition("not used"))
    }
}

async fn loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    (listener, address)
}

async fn start_upstream(key: InternalKey) -> (SocketAddr, Upstream_) {
    let upstream = Upstream_::default();
    let (listener, address) = loopback().await;
    let server = upstream.clone();
    tokio::spawn(async move {
        Server::builder()
            .layer(InternalIdentityLayer::new(key))
            .add_service(FeedsServiceServer::new(server))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .expect("upstream serves");
    });
    (address, upstream)
}

/// An address where nothing listens.
async fn closed_address() -> SocketAddr {
    let (listener, address) = loopback().await;
    drop(listener);
    address
}

// ---------------------------------------------------------------- the gateway

struct Harness {
    gateway: SocketAddr,
    upstream_address: SocketAddr,
    upstream: Upstream_,
    dev_secret: Secret,
}

struct Options {
    limiter: RateLimiter,
    jwks: JwksSource,
    console: ConsoleConfig,
    /// Development mode: CreateDevelopmentToken signs with the harness's development key.
    development_sign_in: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limiter: RateLimiter::in_memory(RateLimits::default()),
            jwks: JwksSource::File(format!("{FIXTURES}/jwks-a.json").into()),
            console: ConsoleConfig::default(),
            development_sign_in: false,
        }
    }
}

async fn start_gateway(
    upstream: SocketAddr,
    key: InternalKey,
    dev_secret: &Secret,
    options: Options,
) -> SocketAddr {
    let keys = KeySet::load_with_min_refresh(options.jwks, Duration::ZERO)
        .await
        .expect("test JWKS loads");
    let authenticator = Authenticator::new(
        AuthSettings {
            issuers: vec![ISSUER.to_owned()],
            audience: "engage".to_owned(),
            leeway: Duration::from_secs(5),
        },
        Some(keys),
        Some(dev_secret),
    );
    let contacts = closed_address().await;
    let mut console = options.console;
    if options.development_sign_in {
        console.development_key = Some(dev_secret.clone());
    }
    let config = GatewayConfig {
        upstreams: vec![
            Upstream {
                grpc_name: service_names::FEEDS,
                url: format!("http://{upstream}"),
            },
            Upstream {
                grpc_name: service_names::CONTACTS,
                url: format!("http://{contacts}"),
            },
        ],
        authenticator,
        internal_key: key,
        limiter: options.limiter,
        cors_origins: vec!["https://dashboard.example.org".to_owned()],
        console,
    };
    let (listener, address) = loopback().await;
    tokio::spawn(async move {
        engage_gateway::serve(config, listener, std::future::pending())
            .await
            .expect("gateway serves");
    });
    address
}

impl Harness {
    async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    async fn start_with(options: Options) -> Self {
        let key = InternalKey::new(&Secret::generate());
        let dev_secret = Secret::generate();
        let (upstream_address, upstream) = start_upstream(key.clone()).await;
        let gateway = start_gateway(upstream_address, key, &dev_secret, options).await;
        Self {
            gateway,
            upstream_address,
            upstream,
            dev_secret,
        }
    }

    fn channel(&self) -> Channel {
        loopback_channel(self.gateway)
    }

    fn feeds(&self) -> FeedsServiceClient<Channel> {
        FeedsServiceClient::new(self.channel())
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Standard claims for `sub` with `roles`, valid now for five minutes.
fn claims(sub: &str, roles: &[&str]) -> serde_json::Value {
    json!({
        "sub": sub, "roles": roles, "iss": ISSUER, "aud": "engage",
        "iat": now(), "nbf": now() - 1, "exp": now() + 300,
    })
}

fn sign(alg: Algorithm, kid: &str, key: &EncodingKey, claims: &serde_json::Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).expect("signing")
}

fn rsa_a() -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture("test-only-rsa-a.pem")).expect("rsa key")
}

fn rsa_token(claims: &serde_json::Value) -> String {
    sign(Algorithm::RS256, "rsa-a", &rsa_a(), claims)
}

fn with_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    let value = format!("Bearer {token}").parse().expect("metadata");
    request.metadata_mut().insert("authorization", value);
    request
}

async fn list_topics_with(harness: &Harness, token: &str) -> Result<ListTopicsResponse, Status> {
    harness
        .feeds()
        .list_topics(with_token(ListTopicsRequest {}, token))
        .await
        .map(Response::into_inner)
}

async fn assert_unauthenticated(token: &str) {
    let harness = Harness::start().await;
    let refused = list_topics_with(&harness, token)
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
}

// ---------------------------------------------------------------- authentication

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_rs256_token_reaches_the_service_as_its_caller() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("ana", &["viewer", "dashboard"]));
    let mut request = with_token(ListTopicsRequest {}, &token);
    request.metadata_mut().insert(
        "x-request-label",
        "from-the-client".parse().expect("metadata"),
    );
    let response = harness
        .feeds()
        .list_topics(request)
        .await
        .expect("forwarded")
        .into_inner();
    let seen = &response.topics[0];
    assert_eq!(
        seen.description, "ana",
        "the service sees the verified subject"
    );
    assert_eq!(seen.event_types, ["dashboard", "viewer"]);
    assert_eq!(
        seen.message_type, "from-the-client",
        "metadata passes through"
    );
    assert_eq!(
        seen.filterable_fields,
        [""],
        "the bearer token stays at the gateway"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_and_eddsa_tokens_are_accepted() {
    let harness = Harness::start().await;
    let ec = EncodingKey::from_ec_pem(&fixture("test-only-ec.pem")).expect("ec key");
    let ed = EncodingKey::from_ed_pem(&fixture("test-only-ed25519.pem")).expect("ed key");
    let es = sign(Algorithm::ES256, "ec-1", &ec, &claims("es", &["viewer"]));
    let eddsa = sign(Algorithm::EdDSA, "ed-1", &ed, &claims("ed", &["viewer"]));
    assert_eq!(
        list_topics_with(&harness, &es).await.expect("ES256").topics[0].description,
        "es"
    );
    assert_eq!(
        list_topics_with(&harness, &eddsa)
            .await
            .expect("EdDSA")
            .topics[0]
            .description,
        "ed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_nbf_is_accepted_as_keycloak_issues_them() {
    let harness = Harness::start().await;
    let mut c = claims("kc-user", &["viewer"]);
    c.as_object_mut().expect("object").remove("nbf");
    let seen = list_topics_with(&harness, &rsa_token(&c))
        .await
        .expect("accepted");
    assert_eq!(seen.topics[0].description, "kc-user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_without_a_token() {
    let harness = Harness::start().await;
    let refused = harness
        .feeds()
        .list_topics(ListTopicsRequest {})
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_alg_none() {
    use base64::Engine as _;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "rsa-a"})),
        b64(&claims("mallory", &["admin"]))
    );
    assert_unauthenticated(&token).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_when_expired() {
    let mut c = claims("ana", &["viewer"]);
    c["exp"] = json!(now() - 600);
    assert_unauthenticated(&rsa_token(&c)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_when_not_yet_valid() {
    let mut c = claims("ana", &["viewer"]);
    c["nbf"] = json!(now() + 600);
    assert_unauthenticated(&rsa_token(&c)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_the_wrong_issuer() {
    let mut c = claims("ana", &["viewer"]);
    c["iss"] = json!("https://elsewhere.example.org");
    assert_unauthenticated(&rsa_token(&c)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_array_naming_engage_is_accepted_as_keycloak_sends_it() {
    let harness = Harness::start().await;
    let mut c = claims("kc-multi", &["viewer"]);
    c["aud"] = json!(["account", "engage"]);
    let seen = list_topics_with(&harness, &rsa_token(&c))
        .await
        .expect("accepted");
    assert_eq!(seen.topics[0].description, "kc-multi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_an_audience_array_not_naming_engage() {
    let mut c = claims("ana", &["viewer"]);
    c["aud"] = json!(["account", "another-app"]);
    assert_unauthenticated(&rsa_token(&c)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_the_wrong_audience() {
    let mut c = claims("ana", &["viewer"]);
    c["aud"] = json!("another-app");
    assert_unauthenticated(&rsa_token(&c)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_when_signed_by_another_key() {
    let other = EncodingKey::from_rsa_pem(&fixture("test-only-rsa-b.pem")).expect("rsa key");
    // Claims the id of the trusted key, but is signed with an unknown one.
    assert_unauthenticated(&sign(
        Algorithm::RS256,
        "rsa-a",
        &other,
        &claims("ana", &["admin"]),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_hs256_signed_with_the_rsa_public_key() {
    let public = fixture("test-only-rsa-a.pub.pem");
    let confused = sign(
        Algorithm::HS256,
        "rsa-a",
        &EncodingKey::from_secret(&public),
        &claims("mallory", &["admin"]),
    );
    assert_unauthenticated(&confused).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_a_tampered_payload() {
    use base64::Engine as _;
    let token = rsa_token(&claims("ana", &["viewer"]));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(claims("ana", &["admin"]).to_string());
    assert_unauthenticated(&format!("{}.{}.{}", parts[0], forged, parts[2])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_with_a_garbage_string() {
    assert_unauthenticated("this-is-not-a-token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_id_triggers_one_refresh_of_the_keys() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let jwks = folder.path().join("jwks.json");
    std::fs::write(&jwks, fixture("jwks-a.json")).expect("write JWKS");
    let harness = Harness::start_with(Options {
        jwks: JwksSource::File(jwks.clone()),
        ..Options::default()
    })
    .await;
    let rotated = EncodingKey::from_rsa_pem(&fixture("test-only-rsa-b.pem")).expect("rsa key");
    let token = sign(
        Algorithm::RS256,
        "rsa-b",
        &rotated,
        &claims("ana", &["viewer"]),
    );
    let before = list_topics_with(&harness, &token)
        .await
        .expect_err("unknown key");
    assert_eq!(before.code(), Code::Unauthenticated);

    // The provider rotates: the new key appears in its JWKS.
    std::fs::write(&jwks, fixture("jwks-ab.json")).expect("write JWKS");
    let after = list_topics_with(&harness, &token)
        .await
        .expect("refreshed and accepted");
    assert_eq!(after.topics[0].description, "ana");
}

/// Serves `body` as JSON over HTTP/1.1 to every connection, like a provider's JWKS endpoint.
async fn serve_json(body: Vec<u8>) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (listener, address) = loopback().await;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_fetched_from_a_jwks_url() {
    let provider = serve_json(fixture("jwks-a.json")).await;
    let harness = Harness::start_with(Options {
        jwks: JwksSource::Url(format!("http://{provider}/protocol/openid-connect/certs")),
        ..Options::default()
    })
    .await;
    let seen = list_topics_with(&harness, &rsa_token(&claims("ana", &["viewer"])))
        .await
        .expect("accepted with keys from the URL");
    assert_eq!(seen.topics[0].description, "ana");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_tokens_are_accepted_only_with_the_development_key() {
    let harness = Harness::start().await;
    let caller = Caller::new("dev", &[Role::Viewer]);
    let token = mint_development_token(&harness.dev_secret, &caller, Duration::from_secs(60))
        .expect("mint");
    assert_eq!(
        list_topics_with(&harness, &token)
            .await
            .expect("accepted")
            .topics[0]
            .description,
        "dev"
    );
    let stranger = mint_development_token(&Secret::generate(), &caller, Duration::from_secs(60))
        .expect("mint");
    let refused = list_topics_with(&harness, &stranger)
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::Unauthenticated);
}

// ---------------------------------------------------------------- authorisation

async fn call_raw(harness: &Harness, path: &'static str, token: &str) -> Status {
    let mut grpc = tonic::client::Grpc::new(harness.channel());
    grpc.ready().await.expect("ready");
    let path = http::uri::PathAndQuery::from_static(path);
    grpc.unary::<ListTopicsRequest, ListTopicsResponse, _>(
        with_token(ListTopicsRequest {}, token),
        path,
        tonic_prost::ProstCodec::default(),
    )
    .await
    .expect_err("refused")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_write() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("vera", &["viewer"]));
    let refused = call_raw(
        &harness,
        "/engage.contacts.v1.ContactsService/CreateOrganization",
        &token,
    )
    .await;
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_cannot_write() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("board", &["dashboard"]));
    let refused = call_raw(
        &harness,
        "/engage.contacts.v1.ContactsService/DeleteOrganization",
        &token,
    )
    .await;
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_missing_from_the_table_is_denied_even_to_an_admin() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("root", &["admin"]));
    let refused = call_raw(
        &harness,
        "/engage.feeds.v1.FeedsService/DropAllFeeds",
        &token,
    )
    .await;
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_call_to_a_service_without_the_internal_token_is_unauthenticated() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("ana", &["admin"]));
    let mut direct = FeedsServiceClient::new(loopback_channel(harness.upstream_address));
    let refused = direct
        .list_topics(with_token(ListTopicsRequest {}, &token))
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_internal_token_from_a_client_is_not_passed_on() {
    let harness = Harness::start().await;
    let forger = InternalKey::new(&Secret::generate());
    let forged = forger
        .mint(&Caller::new("root", &[Role::Admin]))
        .expect("mint");
    let token = rsa_token(&claims("ana", &["viewer"]));
    let mut request = with_token(ListTopicsRequest {}, &token);
    request
        .metadata_mut()
        .insert("x-engage-internal-token", forged.parse().expect("metadata"));
    let seen = harness
        .feeds()
        .list_topics(request)
        .await
        .expect("forwarded")
        .into_inner();
    assert_eq!(seen.topics[0].description, "ana");
    assert_eq!(seen.topics[0].event_types, ["viewer"]);
}

// ---------------------------------------------------------------- forwarding

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_flows_through_and_cancelling_it_ends_it_upstream() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("board", &["dashboard"]));
    let mut stream = harness
        .feeds()
        .subscribe(with_token(SubscribeRequest::default(), &token))
        .await
        .expect("subscribed")
        .into_inner();
    for expected in ["0", "1", "2"] {
        let message = stream.message().await.expect("message").expect("not ended");
        match message.payload {
            Some(subscribe_response::Payload::Heartbeat(beat)) => assert_eq!(beat.cursor, expected),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(!harness.upstream.stream_ended.load(Ordering::SeqCst));
    drop(stream);
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while !harness.upstream.stream_ended.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the upstream stream ended after the client cancelled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_deadline_reaches_the_service() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("ana", &["viewer"]));
    let mut request = with_token(GetSummaryRequest::default(), &token);
    request.set_timeout(Duration::from_secs(30));
    let answer = harness
        .feeds()
        .get_summary(request)
        .await
        .expect_err("the test service refuses");
    assert_eq!(
        answer.code(),
        Code::FailedPrecondition,
        "the service's own status passes through"
    );
    let seen = answer.message().trim_start_matches("deadline seen: ");
    assert!(
        seen.starts_with("30") || seen.starts_with("29"),
        "grpc-timeout reached the service: {seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_is_unavailable_promptly_and_reported_not_serving() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("ana", &["viewer"]));
    let started = std::time::Instant::now();
    let refused = call_raw(
        &harness,
        "/engage.contacts.v1.ContactsService/GetOrganization",
        &token,
    )
    .await;
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = health_status(harness.channel(), service_names::CONTACTS).await;
    assert_eq!(status.ok(), Some(ServingStatus::NotServing));
    let gateway = health_status(harness.channel(), "").await;
    assert_eq!(
        gateway.ok(),
        Some(ServingStatus::Serving),
        "the gateway itself stays up"
    );
}

// ---------------------------------------------------------------- rate limits

fn tight_limits() -> RateLimits {
    RateLimits {
        read: "3/s".parse().expect("rate"),
        ..RateLimits::default()
    }
}

async fn exhausted(harness: &Harness, token: &str) -> bool {
    match list_topics_with(harness, token).await {
        Ok(_) => false,
        Err(status) if status.code() == Code::ResourceExhausted => {
            use tonic_types::StatusExt as _;
            assert!(
                status.get_details_retry_info().is_some(),
                "RetryInfo is attached"
            );
            true
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_over_its_limit_is_told_when_to_retry() {
    let harness = Harness::start_with(Options {
        limiter: RateLimiter::in_memory(tight_limits()),
        ..Options::default()
    })
    .await;
    let token = rsa_token(&claims("busy", &["viewer"]));
    for _ in 0..3 {
        assert!(!exhausted(&harness, &token).await);
    }
    assert!(exhausted(&harness, &token).await);
    let other = rsa_token(&claims("calm", &["viewer"]));
    assert!(
        !exhausted(&harness, &other).await,
        "limits are per principal"
    );
}

fn redis_url() -> String {
    std::env::var("ENGAGE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_share_one_limit_in_redis_and_it_resets_after_its_period() {
    let prefix = format!("engage-test:{}", uuid::Uuid::now_v7());
    let limiter = || async {
        RateLimiter::with_redis(tight_limits(), &redis_url(), &prefix).expect("a Redis URL")
    };
    let first = Harness::start_with(Options {
        limiter: limiter().await,
        ..Options::default()
    })
    .await;
    let second = Harness::start_with(Options {
        limiter: limiter().await,
        ..Options::default()
    })
    .await;
    let token = rsa_token(&claims("shared", &["viewer"]));
    assert!(!exhausted(&first, &token).await);
    assert!(!exhausted(&second, &token).await);
    assert!(!exhausted(&first, &token).await);
    assert!(
        exhausted(&second, &token).await,
        "the fourth call in a second is refused on either gateway"
    );
    assert!(exhausted(&first, &token).await);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..3 {
        assert!(
            !exhausted(&second, &token).await,
            "the limit reset after its period"
        );
    }
}

/// Each gateway takes several calls' worth from Redis at a time (four of a burst of 40); what
/// the two hold between them never lets a principal past the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_taking_calls_ahead_never_let_a_principal_past_the_limit() {
    let prefix = format!("engage-test:{}", uuid::Uuid::now_v7());
    let limiter = || {
        let limits = RateLimits {
            read: "40/h".parse().expect("rate"),
            ..RateLimits::default()
        };
        RateLimiter::with_redis(limits, &redis_url(), &prefix).expect("a Redis URL")
    };
    let first = Harness::start_with(Options {
        limiter: limiter(),
        ..Options::default()
    })
    .await;
    let second = Harness::start_with(Options {
        limiter: limiter(),
        ..Options::default()
    })
    .await;
    let token = rsa_token(&claims("leasing", &["viewer"]));
    let mut served = 0;
    for call in 0..60 {
        let gateway = if call % 3 == 0 { &second } else { &first };
        if !exhausted(gateway, &token).await {
            served += 1;
        }
    }
    assert_eq!(
        served, 40,
        "exactly the burst is served across both gateways"
    );
    assert!(exhausted(&first, &token).await);
    assert!(exhausted(&second, &token).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_each_gateway_keeps_serving_and_limits_in_memory() {
    let down = closed_address().await;
    let limiter =
        RateLimiter::with_redis(tight_limits(), &format!("redis://{down}"), "engage-test")
            .expect("a Redis URL");
    let harness = Harness::start_with(Options {
        limiter,
        ..Options::default()
    })
    .await;
    let token = rsa_token(&claims("steady", &["viewer"]));
    for _ in 0..3 {
        assert!(
            !exhausted(&harness, &token).await,
            "calls are served while Redis is down"
        );
    }
    assert!(
        exhausted(&harness, &token).await,
        "and still limited, per gateway"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_service_limit_is_refused_with_a_clear_status() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("ana", &["viewer"]));
    let mut grpc = tonic::client::Grpc::new(harness.channel());
    grpc.ready().await.expect("ready");
    // 5 MiB of an unknown field: over the 4 MiB a service decodes by default.
    let huge = TopicInfo {
        description: "x".repeat(5 * 1024 * 1024),
        ..TopicInfo::default()
    };
    let refused = grpc
        .unary::<TopicInfo, ListTopicsResponse, _>(
            with_token(huge, &token),
            http::uri::PathAndQuery::from_static("/engage.feeds.v1.FeedsService/ListTopics"),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .expect_err("too large");
    // tonic's answer for an oversized message, passed through the gateway unchanged.
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
    assert!(
        refused.message().contains("limit is: 4194304"),
        "{refused:?}"
    );
}

// ---------------------------------------------------------------- browsers

fn grpc_web_frame(message: &impl prost::Message) -> Vec<u8> {
    let body = message.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(body.len()).expect("small").to_be_bytes());
    frame.extend_from_slice(&body);
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_web_request_over_http1_succeeds() {
    let harness = Harness::start().await;
    let token = rsa_token(&claims("browser", &["viewer"]));
    let client = reqwest::Client::builder()
        .http1_only()
        .build()
        .expect("client");
    let response = client
        .post(format!(
            "http://{}/engage.feeds.v1.FeedsService/ListTopics",
            harness.gateway
        ))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("origin", "https://dashboard.example.org")
        .header("authorization", format!("Bearer {token}"))
        .body(grpc_web_frame(&ListTopicsRequest {}))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_11);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"https://dashboard.example.org"[..])
    );
    let body = response.bytes().await.expect("body");
    assert_eq!(body[0], 0, "a data frame first");
    let length = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    let message: ListTopicsResponse =
        prost::Message::decode(&body[5..5 + length]).expect("decodes");
    assert_eq!(message.topics[0].description, "browser");
    let trailers = String::from_utf8_lossy(&body[5 + length..]);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
}

// ---------------------------------------------------------------- the web console

const INDEX_HTML: &str = "<!doctype html><html><head><script type=\"module\" \
src=\"/assets/app-abc123.js\"></script></head><body><div id=\"root\"></div></body></html>";

fn app_js() -> String {
    "export const greeting = 'engage';\n".repeat(200)
}

fn gzipped(body: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).expect("gzip");
    encoder.finish().expect("gzip")
}

fn gunzipped(body: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// A console of three files, signing in at the test issuer.
fn test_console() -> ConsoleConfig {
    let js = app_js();
    ConsoleConfig {
        assets: Some(ConsoleAssets::new([
            ConsoleFile::new("index.html", INDEX_HTML).with_gzip(gzipped(INDEX_HTML.as_bytes())),
            ConsoleFile::new("assets/app-abc123.js", js.clone()).with_gzip(gzipped(js.as_bytes())),
            ConsoleFile::new("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ])),
        sign_in: SignInSettings {
            oidc_issuer: ISSUER.to_owned(),
            oidc_client_id: "engage-console".to_owned(),
            oidc_scopes: "openid profile offline_access".to_owned(),
            oidc_resource: "engage".to_owned(),
        },
        development_key: None,
    }
}

async fn start_with_console(development_sign_in: bool) -> Harness {
    Harness::start_with(Options {
        console: test_console(),
        development_sign_in,
        ..Options::default()
    })
    .await
}

/// A browser-like HTTP/1.1 client that does not decompress on its own.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .http1_only()
        .build()
        .expect("client")
}

async fn get(harness: &Harness, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = browser().get(format!("http://{}{path}", harness.gateway));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("response")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn assert_security_headers(response: &reqwest::Response) {
    let csp = header(response, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{csp}"
    );
    assert!(
        csp.contains("connect-src 'self' https://id.example.org;"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' https://id.example.org;"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_page_is_served_at_the_root_revalidated_and_locked_down() {
    let harness = start_with_console(false).await;
    let response = get(&harness, "/", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert_eq!(header(&response, "content-encoding"), "");
    assert_security_headers(&response);
    let etag = header(&response, "etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(response.text().await.expect("body"), INDEX_HTML);

    let again = get(&harness, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_security_headers(&again);
    assert!(again.bytes().await.expect("body").is_empty());

    let head = browser()
        .head(format!("http://{}/", harness.gateway))
        .send()
        .await
        .expect("response");
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "cache-control"), "no-cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_assets_are_cached_for_a_year_and_gzipped_when_asked() {
    let harness = start_with_console(false).await;
    let path = "/assets/app-abc123.js";
    let response = get(&harness, path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(header(&response, "vary"), "Accept-Encoding");
    assert_security_headers(&response);
    let body = response.bytes().await.expect("body");
    assert!(body.len() < app_js().len(), "the gzip form is sent");
    assert_eq!(gunzipped(&body), app_js().as_bytes());

    let plain = get(&harness, path, &[]).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.expect("body"), app_js());

    let refused = get(&harness, path, &[("accept-encoding", "gzip;q=0")]).await;
    assert_eq!(header(&refused, "content-encoding"), "");

    let other = get(&harness, "/favicon.svg", &[]).await;
    assert_eq!(header(&other, "content-type"), "image/svg+xml");
    assert_eq!(header(&other, "cache-control"), "public, max-age=300");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_routes_get_the_page_and_missing_assets_do_not() {
    let harness = start_with_console(false).await;
    for path in [
        "/organizations/0190c2a4-7f00-7000-8000-000000000000",
        "/signin/callback?code=abc&state=xyz",
        "/organizations/x",
    ] {
        let response = get(&harness, path, &[]).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(response.text().await.expect("body"), INDEX_HTML, "{path}");
    }
    let missing = get(&harness, "/assets/missing.js", &[]).await;
    assert_eq!(missing.status(), 404);
    assert_security_headers(&missing);
    assert_ne!(missing.text().await.expect("body"), INDEX_HTML);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_console_the_root_says_so() {
    let harness = Harness::start().await;
    let response = get(&harness, "/", &[]).await;
    assert_eq!(response.status(), 404);
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let text = response.text().await.expect("body");
    assert!(text.contains("without the web console"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_and_grpc_web_work_beside_the_console() {
    let harness = start_with_console(false).await;
    let health = health_status(harness.channel(), "").await.expect("health");
    assert_eq!(health, ServingStatus::Serving);

    let token = rsa_token(&claims("beside-the-console", &["viewer"]));
    let caller = GatewayServiceClient::new(harness.channel())
        .get_caller(with_token(GetCallerRequest {}, &token))
        .await
        .expect("GetCaller over gRPC")
        .into_inner();
    assert_eq!(caller.subject, "beside-the-console");

    let response = browser()
        .post(format!(
            "http://{}/engage.gateway.v1.GatewayService/GetCaller",
            harness.gateway
        ))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("authorization", format!("Bearer {token}"))
        .body(grpc_web_frame(&GetCallerRequest {}))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-security-policy"), "");
    let body = response.bytes().await.expect("body");
    let length = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    let message: GetCallerResponse = prost::Message::decode(&body[5..5 + length]).expect("decodes");
    assert_eq!(message.subject, "beside-the-console");
    let trailers = String::from_utf8_lossy(&body[5 + length..]);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_settings_need_no_token() {
    let harness = start_with_console(false).await;
    let settings = GatewayServiceClient::new(harness.channel())
        .get_console_settings(GetConsoleSettingsRequest {})
        .await
        .expect("open")
        .into_inner();
    assert_eq!(settings.oidc_issuer, ISSUER);
    assert_eq!(settings.oidc_client_id, "engage-console");
    assert_eq!(settings.oidc_scopes, "openid profile offline_access");
    assert_eq!(settings.oidc_resource, "engage");
    assert!(!settings.development_sign_in);

    let development = start_with_console(true).await;
    let settings = GatewayServiceClient::new(development.channel())
        .get_console_settings(GetConsoleSettingsRequest {})
        .await
        .expect("open")
        .into_inner();
    assert!(settings.development_sign_in);

    // Open means these two methods only: GetCaller still needs a token.
    let refused = GatewayServiceClient::new(harness.channel())
        .get_caller(GetCallerRequest {})
        .await
        .expect_err("needs a token");
    assert_eq!(refused.code(), Code::Unauthenticated);
}

fn development_request(roles: &[WireRole], initiatives: &[&str]) -> CreateDevelopmentTokenRequest {
    CreateDevelopmentTokenRequest {
        subject: String::new(),
        display_name: "Officer in development".to_owned(),
        roles: roles.iter().map(|r| *r as i32).collect(),
        initiatives: initiatives.iter().map(|i| (*i).to_owned()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_sign_in_is_refused_outside_development_mode() {
    let harness = start_with_console(false).await;
    let refused = GatewayServiceClient::new(harness.channel())
        .create_development_token(development_request(&[WireRole::Admin], &[]))
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    let details = refused.get_error_details();
    assert_eq!(
        details.error_info().map(|i| i.reason.as_str()),
        Some("DEVELOPMENT_SIGN_IN_DISABLED")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_sign_in_mints_a_token_for_the_roles_asked() {
    let harness = start_with_console(true).await;
    let mut client = GatewayServiceClient::new(harness.channel());
    let initiative = "initiatives/0190c2a4-7f00-7000-8000-000000000001";
    let minted = client
        .create_development_token(development_request(
            &[WireRole::Coordinator, WireRole::Viewer],
            &[initiative],
        ))
        .await
        .expect("minted")
        .into_inner();
    let expires = minted.expire_time.expect("expiry").seconds;
    let in_twelve_hours = i64::try_from(now()).expect("now") + 12 * 3600;
    assert!((in_twelve_hours - expires).abs() <= 2, "{expires}");

    let caller = client
        .get_caller(with_token(GetCallerRequest {}, &minted.token))
        .await
        .expect("the token identifies its caller")
        .into_inner();
    assert_eq!(caller.subject, "dev-user");
    assert_eq!(caller.display_name, "Officer in development");
    assert_eq!(
        caller.roles,
        [WireRole::Coordinator as i32, WireRole::Viewer as i32]
    );
    assert_eq!(caller.initiatives, [initiative]);

    for (request, field) in [
        (development_request(&[], &[]), "roles"),
        (
            development_request(&[WireRole::Unspecified], &[]),
            "roles[0]",
        ),
        (
            development_request(&[WireRole::Coordinator], &["initiative-7"]),
            "initiatives[0]",
        ),
    ] {
        let refused = client
            .create_development_token(request)
            .await
            .expect_err("invalid");
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        let details = refused.get_error_details();
        let fields: Vec<_> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, [field]);
    }
}
