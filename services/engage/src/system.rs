//! The whole system in one process: every service on its own loopback port and database,
//! and the gateway in front of them. `engage dev` runs it; the end-to-end tests start it.

use std::net::SocketAddr;
use std::time::Duration;

use engage_briefings::Briefings;
use engage_contacts::Contacts;
use engage_declarations::Declarations;
use engage_feeds::Feeds;
use engage_gateway::{
    Authenticator, ConsoleConfig, GatewayConfig, GatewayError, RateLimiter, Upstream,
};
use engage_initiatives::Initiatives;
use engage_platform::bus::EventBus;
use engage_platform::identity::InternalKey;
use engage_platform::relay::RelaySettings;
use engage_platform::server::{
    EngageService, Peers, ServeError, ServiceContext, migrate_service, serve,
};
use engage_platform::storage::{Database, DatabaseOptions, StorageError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The short names of the domain services, in start order.
pub const SERVICES: [&str; 5] = [
    "contacts",
    "initiatives",
    "declarations",
    "briefings",
    "feeds",
];

/// How to run the system.
pub struct SystemConfig {
    /// The database URL of each service, by short name.
    pub database_url: Box<dyn Fn(&str) -> String + Send + Sync>,
    /// Where the gateway listens (port 0 for any free port).
    pub gateway_listen: SocketAddr,
    /// The key the gateway and services share.
    pub internal_key: InternalKey,
    /// How the gateway verifies callers.
    pub authenticator: Authenticator,
    /// How the gateway limits callers.
    pub limiter: RateLimiter,
    /// Browser origins the gateway admits (gRPC-Web); `*` for any.
    pub cors_origins: Vec<String>,
    /// The event bus every service relays its outbox to.
    pub bus: EventBus,
    /// The web console the gateway serves at `/`, and how it signs people in.
    pub console: ConsoleConfig,
}

/// Why the system could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A service's storage could not be prepared.
    #[error("{service}: {source}")]
    Storage {
        /// The service.
        service: &'static str,
        /// What failed.
        source: StorageError,
    },
    /// A port could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The services' addresses could not be given to each other.
    #[error("service addresses: {0}")]
    Peers(String),
    /// The gateway failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// A running system.
pub struct RunningSystem {
    /// Where the gateway listens.
    pub gateway: SocketAddr,
    /// Where each service listens, by short name.
    pub services: Vec<(&'static str, SocketAddr)>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<Result<(), String>>,
    /// The feeds servers (the one the gateway calls first), each stoppable on its own so
    /// that a restart of the feeds or a second replica can be tried against the same bus.
    feeds: Vec<FeedsServer>,
    feeds_context: ServiceContext,
}

/// One feeds server of the system.
struct FeedsServer {
    address: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

impl FeedsServer {
    fn start(context: ServiceContext, listener: TcpListener, address: SocketAddr) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            serve::<Feeds>(context, listener, stopped(stop_rx))
                .await
                .map_err(|e: ServeError| format!("{}: {e}", Feeds::NAME))
        });
        Self {
            address,
            stop,
            task,
        }
    }

    async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        match tokio::time::timeout(grace, self.task).await {
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "feeds stopped with an error"),
            Ok(_) => {}
            Err(_) => abort.abort(),
        }
    }
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn loopback_listener(address: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| StartError::Bind(address, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| StartError::Bind(address, e))?;
    Ok((listener, local))
}

async fn service_context<S: EngageService>(
    config: &SystemConfig,
    peers: &Peers,
) -> Result<ServiceContext, StartError> {
    let storage = |source| StartError::Storage {
        service: S::NAME,
        source,
    };
    let url = (config.database_url)(S::NAME);
    migrate_service::<S>(&url).await.map_err(storage)?;
    let database = Database::open(&DatabaseOptions::new(url))
        .await
        .map_err(storage)?;
    engage_platform::telemetry::observe_pool(S::NAME, database.clone());
    Ok(ServiceContext {
        database,
        internal_key: config.internal_key.clone(),
        peers: peers.clone(),
        bus: config.bus.clone(),
        relay: RelaySettings::default(),
        stopping: Default::default(),
    })
}

async fn start_service<S: EngageService>(
    config: &SystemConfig,
    listener: TcpListener,
    peers: &Peers,
    stop: &watch::Receiver<bool>,
    tasks: &mut JoinSet<Result<(), String>>,
) -> Result<(), StartError> {
    let context = service_context::<S>(config, peers).await?;
    let stop = stopped(stop.clone());
    tasks.spawn(async move {
        serve::<S>(context, listener, stop)
            .await
            .map_err(|e: ServeError| format!("{}: {e}", S::NAME))
    });
    Ok(())
}

impl RunningSystem {
    /// Migrates every service's database and starts every server and the gateway.
    pub async fn start(config: SystemConfig) -> Result<Self, StartError> {
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        // Every service learns where the others listen, so ports are taken first.
        let mut listeners = Vec::new();
        let mut services = Vec::new();
        for name in SERVICES {
            let (listener, address) =
                loopback_listener(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            listeners.push(listener);
            services.push((name, address));
        }
        let urls: Vec<(&str, String)> = services
            .iter()
            .map(|(name, address)| (*name, format!("http://{address}")))
            .collect();
        let peers = Peers::new(urls.iter().map(|(n, u)| (*n, u.as_str())))
            .map_err(|e| StartError::Peers(e.to_string()))?;
        let mut listeners = listeners.into_iter();
        let mut next = || {
            listeners
                .next()
                .ok_or_else(|| StartError::Peers("fewer listeners than services".into()))
        };
        start_service::<Contacts>(&config, next()?, &peers, &stop_rx, &mut tasks).await?;
        start_service::<Initiatives>(&config, next()?, &peers, &stop_rx, &mut tasks).await?;
        start_service::<Declarations>(&config, next()?, &peers, &stop_rx, &mut tasks).await?;
        start_service::<Briefings>(&config, next()?, &peers, &stop_rx, &mut tasks).await?;
        let feeds_context = service_context::<Feeds>(&config, &peers).await?;
        let feeds_listener = next()?;
        let feeds_address = feeds_listener
            .local_addr()
            .map_err(|e| StartError::Bind(config.gateway_listen, e))?;
        let feeds = vec![FeedsServer::start(
            feeds_context.clone(),
            feeds_listener,
            feeds_address,
        )];
        let upstreams = Upstream::for_services(urls.iter().map(|(n, u)| (*n, u.as_str())));
        let (listener, gateway) = loopback_listener(config.gateway_listen).await?;
        let gateway_config = GatewayConfig {
            upstreams,
            authenticator: config.authenticator.clone(),
            internal_key: config.internal_key.clone(),
            limiter: config.limiter.clone(),
            cors_origins: config.cors_origins.clone(),
            console: config.console.clone(),
        };
        let stop_gateway = stopped(stop_rx.clone());
        tasks.spawn(async move {
            engage_gateway::serve(gateway_config, listener, stop_gateway)
                .await
                .map_err(|e| format!("gateway: {e}"))
        });
        Ok(Self {
            gateway,
            services,
            stop,
            tasks,
            feeds,
            feeds_context,
        })
    }

    /// Stops the feeds server the gateway calls and starts it again on the same address,
    /// database and bus, as a redeployment would.
    pub async fn restart_feeds(&mut self, grace: Duration) -> Result<(), StartError> {
        if self.feeds.is_empty() {
            return Err(StartError::Peers("no feeds server".into()));
        }
        let old = self.feeds.remove(0);
        let address = old.address;
        old.stop(grace).await;
        let (listener, _) = loopback_listener(address).await?;
        self.feeds.insert(
            0,
            FeedsServer::start(self.feeds_context.clone(), listener, address),
        );
        Ok(())
    }

    /// Starts one more feeds replica on the same bus and returns where it listens (the
    /// gateway does not know it; call it with an internal token).
    pub async fn start_feeds_replica(&mut self) -> Result<SocketAddr, StartError> {
        let (listener, address) = loopback_listener(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        self.feeds.push(FeedsServer::start(
            self.feeds_context.clone(),
            listener,
            address,
        ));
        Ok(address)
    }

    /// Waits until a server stops on its own (an error) and returns why.
    pub async fn failed(&mut self) -> String {
        let feeds = async {
            match self.feeds.first_mut() {
                Some(feeds) => Some((&mut feeds.task).await),
                None => std::future::pending().await,
            }
        };
        let ended = tokio::select! {
            ended = self.tasks.join_next() => ended,
            ended = feeds => ended,
        };
        match ended {
            Some(Ok(Err(e))) => e,
            Some(Ok(Ok(()))) => "a server stopped".to_owned(),
            Some(Err(e)) => format!("a server panicked: {e}"),
            None => "no server is running".to_owned(),
        }
    }

    /// Stops every server, letting in-flight calls finish for up to `grace`.
    pub async fn stop(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        for feeds in self.feeds.drain(..) {
            feeds.stop(grace).await;
        }
        let drained = tokio::time::timeout(grace, async {
            while let Some(result) = self.tasks.join_next().await {
                if let Ok(Err(e)) = result {
                    tracing::warn!(error = %e, "server stopped with an error");
                }
            }
        })
        .await;
        if drained.is_err() {
            self.tasks.abort_all();
        }
    }
}
