//! The whole system for a benchmark run: every service on a fresh PostgreSQL database, the
//! Redis bus under a prefix of its own, the gateway on a loopback port, rate limits in Redis
//! set too high to refuse anything.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Result, anyhow};
use engage::system::{RunningSystem, SERVICES, SystemConfig};
use engage_gateway::{Authenticator, RateLimiter, RateLimits, mint_development_token};
use engage_platform::Caller;
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::testkit::{TestBackend, TestDatabase, TestRedisBus, redis_url};
use tonic::transport::{Channel, Endpoint};

/// A running system and what a benchmark needs to call it.
pub struct BenchSystem {
    running: RunningSystem,
    secret: Secret,
    _databases: Vec<TestDatabase>,
    _redis: TestRedisBus,
}

/// How to start a [`BenchSystem`] other than with the defaults.
pub struct BenchOptions {
    /// The databases' backend.
    pub backend: TestBackend,
    /// The contacts service's database, when it is not a fresh one (a prepared data set).
    pub contacts_url: Option<String>,
    /// The key of development tokens.
    pub token_secret: Secret,
    /// The key the gateway and the services share.
    pub internal_secret: Secret,
}

impl BenchSystem {
    /// Starts everything on PostgreSQL and Redis (`ENGAGE_TEST_POSTGRES_URL`,
    /// `ENGAGE_TEST_REDIS_URL`).
    pub async fn start() -> Result<Self> {
        Self::start_with(BenchOptions {
            backend: TestBackend::Postgres,
            contacts_url: None,
            token_secret: Secret::generate(),
            internal_secret: Secret::generate(),
        })
        .await
    }

    /// Starts everything as `options` say, the bus on Redis.
    pub async fn start_with(options: BenchOptions) -> Result<Self> {
        let mut databases = Vec::new();
        let mut urls = HashMap::new();
        for service in SERVICES {
            if service == "contacts"
                && let Some(url) = &options.contacts_url
            {
                urls.insert(service.to_owned(), url.clone());
                continue;
            }
            let db = TestDatabase::create(options.backend).await;
            urls.insert(service.to_owned(), db.url.clone());
            databases.push(db);
        }
        let redis = TestRedisBus::create();
        let secret = options.token_secret;
        let unlimited = "1000000/s".parse().map_err(|e| anyhow!("a rate: {e:?}"))?;
        let config = SystemConfig {
            database_url: Box::new(move |service| urls.get(service).cloned().unwrap_or_default()),
            gateway_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            internal_key: InternalKey::new(&options.internal_secret),
            authenticator: Authenticator::development(&secret),
            // Kept in Redis as in production, so each call pays what a limited call pays,
            // with limits too high to refuse anything.
            limiter: RateLimiter::with_redis(
                RateLimits {
                    read: unlimited,
                    write: unlimited,
                    stream: unlimited,
                },
                &redis_url(),
                &format!("engage-bench:{}:ratelimit", uuid::Uuid::now_v7().simple()),
            )
            .map_err(|e| anyhow!("the rate limiter's Redis: {e}"))?,
            cors_origins: Vec::new(),
            bus: redis.bus.clone(),
            console: Default::default(),
        };
        let running = RunningSystem::start(config)
            .await
            .map_err(|e| anyhow!("starting the system: {e}"))?;
        Ok(Self {
            running,
            secret,
            _databases: databases,
            _redis: redis,
        })
    }

    /// The gateway's address.
    pub fn gateway(&self) -> SocketAddr {
        self.running.gateway
    }

    /// Where service `name` listens.
    pub fn service(&self, name: &str) -> Option<SocketAddr> {
        self.running
            .services
            .iter()
            .find(|(service, _)| *service == name)
            .map(|(_, address)| *address)
    }

    /// A bearer token for `caller`.
    pub fn token(&self, caller: &Caller) -> Result<String> {
        mint_development_token(&self.secret, caller, Duration::from_secs(3600))
            .map_err(|e| anyhow!("a token: {e}"))
    }

    /// Stops every server.
    pub async fn stop(self) {
        self.running.stop(Duration::from_secs(5)).await;
    }
}

/// A connected channel to `address`.
pub async fn channel(address: SocketAddr) -> Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{address}"))?
        .connect()
        .await?)
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

/// An interceptor that sends `token` as the bearer.
pub fn bearer(token: &str) -> Result<Bearer> {
    Ok(Bearer(format!("Bearer {token}").parse()?))
}
