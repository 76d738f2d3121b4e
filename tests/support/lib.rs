//! Starts the whole system inside a test: every service against its own fresh database on
//! the chosen backend, and the gateway on an ephemeral loopback port.

pub mod operator;
pub mod records;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use engage::system::{RunningSystem, SERVICES, SystemConfig};
use engage_gateway::{Authenticator, RateLimiter, RateLimits, mint_development_token};
use engage_platform::Caller;
use engage_platform::bus::EventBus;
use engage_platform::identity::{InternalKey, InternalTokenInterceptor, Secret};
use engage_platform::testkit::{TestBackend, TestDatabase, TestRedisBus, loopback_channel};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// The event bus a test system runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBus {
    /// In the test's process, as `engage dev` runs.
    Memory,
    /// Redis streams (`ENGAGE_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`) under a key
    /// prefix of this system's own, so that parallel tests do not see each other's events;
    /// deleted when the system is dropped.
    Redis,
}

/// Sends a caller's bearer token on every call, as a client of the gateway does.
#[derive(Clone)]
pub struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A gateway channel calling as one caller.
pub type Authorised = InterceptedService<Channel, Bearer>;

/// A running system and what a test needs to call it.
pub struct TestSystem {
    /// The gateway's address.
    pub gateway: SocketAddr,
    /// The key the services trust, to call a service (a feeds replica) around the gateway.
    pub internal_key: InternalKey,
    token_secret: Secret,
    running: Option<RunningSystem>,
    _databases: Vec<TestDatabase>,
    _redis: Option<TestRedisBus>,
}

impl TestSystem {
    /// Starts everything on `backend`, with the events on an in-process bus.
    pub async fn start(backend: TestBackend) -> Self {
        Self::start_with(backend, TestBus::Memory, RateLimits::default()).await
    }

    /// Starts everything on `backend` and `bus`, with the gateway limiting callers to
    /// `limits`.
    pub async fn start_with(backend: TestBackend, bus: TestBus, limits: RateLimits) -> Self {
        let mut databases = Vec::new();
        let mut urls = HashMap::new();
        for service in SERVICES {
            let db = TestDatabase::create(backend).await;
            urls.insert(service.to_owned(), db.url.clone());
            databases.push(db);
        }
        let redis = (bus == TestBus::Redis).then(TestRedisBus::create);
        let token_secret = Secret::generate();
        let internal_key = InternalKey::new(&Secret::generate());
        let config = SystemConfig {
            database_url: Box::new(move |service| urls.get(service).cloned().unwrap_or_default()),
            gateway_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            internal_key: internal_key.clone(),
            authenticator: Authenticator::development(&token_secret),
            limiter: RateLimiter::in_memory(limits),
            cors_origins: Vec::new(),
            bus: redis
                .as_ref()
                .map_or_else(EventBus::memory, |redis| redis.bus.clone()),
            console: Default::default(),
        };
        let running = RunningSystem::start(config)
            .await
            .unwrap_or_else(|e| panic!("starting the system on {backend:?}: {e}"));
        Self {
            gateway: running.gateway,
            internal_key,
            token_secret,
            running: Some(running),
            _databases: databases,
            _redis: redis,
        }
    }

    /// A channel to the gateway.
    pub fn gateway_channel(&self) -> Channel {
        loopback_channel(self.gateway)
    }

    /// A gateway channel that calls as `caller`, with a bearer token on every call.
    pub fn channel_as(&self, caller: &Caller) -> Authorised {
        let token = format!("Bearer {}", self.token_for(caller))
            .parse()
            .unwrap_or_else(|e| panic!("a token as metadata: {e}"));
        InterceptedService::new(self.gateway_channel(), Bearer(token))
    }

    /// A bearer token for `caller`, as an identity provider would issue it.
    pub fn token_for(&self, caller: &Caller) -> String {
        mint_development_token(&self.token_secret, caller, Duration::from_secs(300))
            .unwrap_or_else(|e| panic!("minting a token: {e}"))
    }

    /// Stops the feeds server behind the gateway and starts it again against the same bus.
    pub async fn restart_feeds(&mut self) {
        if let Some(running) = self.running.as_mut() {
            running
                .restart_feeds(Duration::from_secs(5))
                .await
                .unwrap_or_else(|e| panic!("restarting the feeds: {e}"));
        }
    }

    /// Starts a second feeds replica on the same bus; returns a channel that calls it as
    /// `caller` (the gateway does not route to it).
    pub async fn start_feeds_replica(
        &mut self,
        caller: Caller,
    ) -> InterceptedService<Channel, InternalTokenInterceptor> {
        let running = self.running.as_mut().expect("a running system");
        let address = running
            .start_feeds_replica()
            .await
            .unwrap_or_else(|e| panic!("starting a feeds replica: {e}"));
        InterceptedService::new(
            loopback_channel(address),
            InternalTokenInterceptor::new(self.internal_key.clone(), caller),
        )
    }

    /// Stops every server and waits for them.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop(Duration::from_secs(5)).await;
        }
    }
}
