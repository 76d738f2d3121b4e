//! Starts the whole system inside a test: every service against its own fresh database on
//! the chosen backend, and the gateway on an ephemeral loopback port.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use engage::system::{RunningSystem, SERVICES, SystemConfig};
use engage_gateway::{Authenticator, RateLimiter, RateLimits, mint_development_token};
use engage_platform::Caller;
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::testkit::{TestBackend, TestDatabase, loopback_channel};
use tonic::transport::Channel;

/// A running system and what a test needs to call it.
pub struct TestSystem {
    /// The gateway's address.
    pub gateway: SocketAddr,
    token_secret: Secret,
    running: Option<RunningSystem>,
    _databases: Vec<TestDatabase>,
}

impl TestSystem {
    /// Starts everything on `backend`.
    pub async fn start(backend: TestBackend) -> Self {
        let mut databases = Vec::new();
        let mut urls = HashMap::new();
        for service in SERVICES {
            let db = TestDatabase::create(backend).await;
            urls.insert(service.to_owned(), db.url.clone());
            databases.push(db);
        }
        let token_secret = Secret::generate();
        let config = SystemConfig {
            database_url: Box::new(move |service| urls.get(service).cloned().unwrap_or_default()),
            gateway_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            internal_key: InternalKey::new(&Secret::generate()),
            authenticator: Authenticator::development(&token_secret),
            limiter: RateLimiter::in_memory(RateLimits::default()),
            cors_origins: Vec::new(),
            bus: engage_platform::bus::EventBus::memory(),
        };
        let running = RunningSystem::start(config)
            .await
            .unwrap_or_else(|e| panic!("starting the system on {backend:?}: {e}"));
        Self {
            gateway: running.gateway,
            token_secret,
            running: Some(running),
            _databases: databases,
        }
    }

    /// A channel to the gateway.
    pub fn gateway_channel(&self) -> Channel {
        loopback_channel(self.gateway)
    }

    /// A bearer token for `caller`, as an identity provider would issue it.
    pub fn token_for(&self, caller: &Caller) -> String {
        mint_development_token(&self.token_secret, caller, Duration::from_secs(300))
            .unwrap_or_else(|e| panic!("minting a token: {e}"))
    }

    /// Stops every server and waits for them.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop(Duration::from_secs(5)).await;
        }
    }
}
