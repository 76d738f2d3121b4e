//! Serving one engage service: its routes, plus gRPC health and server reflection, behind
//! the internal identity check.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::Server;

use crate::Error;
use crate::config::ServiceArgs;
use crate::identity::{InternalIdentityLayer, InternalKey};
use crate::storage::{Database, Migrations, StorageError, migrate};

/// What a service gets to build its handlers.
#[derive(Clone)]
pub struct ServiceContext {
    /// The service's own database.
    pub database: Database,
    /// The internal key, for calls this service makes to other services.
    pub internal_key: InternalKey,
    /// The other services, for the calls this service makes to them.
    pub peers: Peers,
    /// The event bus the service's outbox is relayed to (and the feeds read).
    pub bus: crate::bus::EventBus,
    /// How the relay runs.
    pub relay: crate::relay::RelaySettings,
    /// Tells long-lived streams that the server is stopping, so that they end (UNAVAILABLE)
    /// instead of holding the graceful shutdown open. [`serve`] sets it.
    pub stopping: Stopping,
}

/// Whether the server is stopping; streams watch it to end themselves.
#[derive(Clone, Debug)]
pub struct Stopping(tokio::sync::watch::Receiver<bool>);

impl Default for Stopping {
    /// Never stopping (until [`serve`] replaces it).
    fn default() -> Self {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        // The receiver keeps reading `false` once the sender is gone.
        drop(sender);
        Self(receiver)
    }
}

impl Stopping {
    /// A signal and the sender that raises it.
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Self) {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        (sender, Self(receiver))
    }

    /// Resolves once the server is stopping; never if it is not told to.
    pub async fn stopped(&self) {
        let mut receiver = self.0.clone();
        if receiver.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The HTTP/2 receive window of a whole connection, in bytes. The gateway carries every
/// caller's calls to a service over one connection, thousands of change-feed streams among
/// them; h2 closes a connection (ENHANCE_YOUR_CALM) when small frames waiting to be read
/// exceed half this window, which at the protocol's 64 KiB default is about 1,400 streams.
/// A window only allows buffering, it allocates nothing.
pub const CONNECTION_WINDOW: u32 = 64 * 1024 * 1024;

/// A channel to `url` that connects on first use and gives up connecting after a second,
/// so that a service that is down is reported UNAVAILABLE promptly.
pub fn lazy_channel(url: &str) -> Result<tonic::transport::Channel, String> {
    Ok(tonic::transport::Endpoint::from_shared(url.to_owned())
        .map_err(|e| e.to_string())?
        .connect_timeout(std::time::Duration::from_secs(1))
        .connect_lazy())
}

/// Channels to the other services, by short name (`contacts`, …), connected on first use.
#[derive(Clone, Default)]
pub struct Peers {
    channels: std::sync::Arc<std::collections::HashMap<String, tonic::transport::Channel>>,
}

impl Peers {
    /// Peers at `urls` (short name → URL such as `http://contacts:50051`).
    pub fn new<'a>(urls: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ServeError> {
        let mut channels = std::collections::HashMap::new();
        for (name, url) in urls {
            let channel = lazy_channel(url).map_err(|e| ServeError::Peer(name.to_owned(), e))?;
            channels.insert(name.to_owned(), channel);
        }
        Ok(Self {
            channels: std::sync::Arc::new(channels),
        })
    }

    /// A channel to `service` that calls as `caller` and traces the call, or UNAVAILABLE
    /// when no address is configured for it.
    pub fn calling_as(
        &self,
        service: &str,
        key: &InternalKey,
        caller: crate::Caller,
    ) -> Result<crate::identity::ServiceChannel, crate::Error> {
        let channel = self
            .channels
            .get(service)
            .cloned()
            .ok_or_else(|| crate::Error::Unavailable(format!("no address for {service}")))?;
        Ok(crate::identity::calling_as(channel, key.clone(), caller))
    }
}

/// One engage service as the platform runs it.
pub trait EngageService: 'static {
    /// Short name, such as `contacts`: the name of its crate, its database and its command.
    const NAME: &'static str;
    /// The full gRPC service name, such as `engage.contacts.v1.ContactsService`.
    const GRPC_NAME: &'static str;
    /// The port `engage serve` listens on when none is configured.
    const DEFAULT_PORT: u16;
    /// The service's own migrations.
    fn migrations() -> &'static Migrations;
    /// The gRPC handlers of the service's API.
    fn routes(context: ServiceContext) -> Routes;
}

/// Why a server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Storage could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Configuration was incomplete.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The listen address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The event bus could not be configured.
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
    /// A peer's URL is not a valid URI.
    #[error("address of {0}: {1}")]
    Peer(String, String),
    /// Server reflection could not be built from the descriptors.
    #[error("server reflection: {0}")]
    Reflection(String),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// Health and reflection for a server that serves `grpc_names`, each reported SERVING.
pub async fn standard_services(grpc_names: &[&str], routes: Routes) -> Result<Routes, ServeError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in grpc_names {
        reporter
            .set_service_status(*name, tonic_health::ServingStatus::Serving)
            .await;
    }
    with_reflection(grpc_names, routes.add_service(health))
}

/// Adds server reflection listing exactly `grpc_names` (plus health), in both the v1 and
/// the v1alpha protocol, because grpcurl and Python's grpcio still speak only v1alpha.
pub fn with_reflection(grpc_names: &[&str], routes: Routes) -> Result<Routes, ServeError> {
    let v1 = reflection_builder(grpc_names)
        .build_v1()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    let v1alpha = reflection_builder(grpc_names)
        .build_v1alpha()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    Ok(routes.add_service(v1).add_service(v1alpha))
}

fn reflection_builder(grpc_names: &[&str]) -> tonic_reflection::server::Builder<'static> {
    let mut builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(engage_api::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name("grpc.health.v1.Health");
    for name in grpc_names {
        builder = builder.with_service_name(*name);
    }
    builder
}

/// Serves service `S` on `listener` until `shutdown` resolves, then drains in-flight calls.
/// The service's outbox relay runs alongside and stops with the server.
pub async fn serve<S: EngageService>(
    mut context: ServiceContext,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (stopping, signal) = Stopping::new();
    context.stopping = signal;
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let key = context.internal_key.clone();
    let relay = crate::relay::run(
        S::NAME,
        context.database.clone(),
        context.bus.clone(),
        context.relay,
        std::future::pending(),
    );
    let routes = standard_services(&[S::GRPC_NAME], S::routes(context)).await?;
    let incoming = accepting(listener);
    let server = Server::builder()
        .initial_connection_window_size(CONNECTION_WINDOW)
        .layer(crate::rpc_trace::ServerTraceLayer::new(S::NAME))
        .layer(InternalIdentityLayer::new(key))
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown);
    tokio::select! {
        served = server => served?,
        () = relay => {}
    }
    Ok(())
}

/// The connections `listener` accepts, with Nagle's algorithm off: a unary answer is
/// written as several small frames (headers, message, trailers), and with Nagle on the last
/// ones wait for the client's delayed acknowledgement, about 40 ms on Linux.
pub fn accepting(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Migrates the database of service `S`.
pub async fn migrate_service<S: EngageService>(url: &str) -> Result<Vec<String>, StorageError> {
    migrate(url, S::migrations()).await
}

/// Runs service `S` as configured: migrates its database, opens the pool, listens, serves.
pub async fn run<S: EngageService>(
    args: &ServiceArgs,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    // Checked first: a service that would publish to no feed must not start at all.
    let bus = args.events.bus()?;
    let options = args.database.options(S::NAME);
    let internal_key = args.internal_key.load()?;
    let applied = migrate_service::<S>(&options.url).await?;
    if !applied.is_empty() {
        tracing::info!(service = S::NAME, migrations = ?applied, "database migrated");
    }
    let database = Database::open(&options).await?;
    crate::telemetry::observe_pool(S::NAME, database.clone());
    let address = args.listen_or(S::DEFAULT_PORT);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| ServeError::Bind(address, e))?;
    tracing::info!(service = S::NAME, %address, backend = %database.backend(), "serving");
    serve::<S>(
        ServiceContext {
            database,
            internal_key,
            peers: Peers::new(args.peers.urls())?,
            bus,
            relay: args.events.relay_settings(),
            stopping: Stopping::default(),
        },
        listener,
        shutdown,
    )
    .await
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// A handler's result as the gRPC answer: its message, or the error's `google.rpc.Status`.
pub fn answer<T>(result: Result<T, Error>) -> Result<tonic::Response<T>, tonic::Status> {
    result
        .map(tonic::Response::new)
        .map_err(tonic::Status::from)
}

/// Inside a generated service method: checks that the caller of `$request` has `$need`
/// (PERMISSION_DENIED or UNAUTHENTICATED otherwise), then answers `$body` run with the caller
/// as `$caller` and the request's message as `$r`.
#[macro_export]
macro_rules! handle {
    ($need:expr, $request:ident, |$caller:ident, $r:ident| $body:expr) => {{
        let $caller = $crate::Caller::require(&$request, $need)?;
        let $r = $request.into_inner();
        $crate::server::answer($body.await)
    }};
}
