//! The gateway: the one public entry of engage. It verifies callers' tokens, answers the
//! health of every service, serves reflection for every engage API, and serves its own
//! `engage.gateway.v1.GatewayService`.

pub mod auth;
pub mod health;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use engage_api::gateway::gateway_service_server::{GatewayService, GatewayServiceServer};
use engage_api::gateway::{GetCallerRequest, GetCallerResponse};
use engage_api::service_names;
use engage_platform::Role;
use engage_platform::config::read_secret;
use engage_platform::server::{ServeError, with_reflection};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::{Channel, Endpoint, Server};

pub use auth::{Authenticator, mint_development_token};
pub use health::SystemHealth;

/// The port the gateway listens on when none is configured.
pub const DEFAULT_PORT: u16 = 8080;

/// A service the gateway stands in front of.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Its full gRPC service name.
    pub grpc_name: &'static str,
    /// Where it listens, such as `http://127.0.0.1:50051`.
    pub url: String,
}

/// How the gateway is configured on the command line and in the environment.
#[derive(clap::Args, Debug, Clone)]
pub struct GatewayArgs {
    /// Address the gateway listens on. Default: 127.0.0.1:8080.
    #[arg(long, env = "ENGAGE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Where the contacts service listens.
    #[arg(
        long,
        env = "ENGAGE_CONTACTS_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub contacts_url: String,
    /// Where the initiatives service listens.
    #[arg(
        long,
        env = "ENGAGE_INITIATIVES_URL",
        default_value = "http://127.0.0.1:50052"
    )]
    pub initiatives_url: String,
    /// Where the declarations service listens.
    #[arg(
        long,
        env = "ENGAGE_DECLARATIONS_URL",
        default_value = "http://127.0.0.1:50053"
    )]
    pub declarations_url: String,
    /// Where the briefings service listens.
    #[arg(
        long,
        env = "ENGAGE_BRIEFINGS_URL",
        default_value = "http://127.0.0.1:50054"
    )]
    pub briefings_url: String,
    /// Where the feeds service listens.
    #[arg(
        long,
        env = "ENGAGE_FEEDS_URL",
        default_value = "http://127.0.0.1:50055"
    )]
    pub feeds_url: String,
    /// A file holding the development token key (HS256). Otherwise `ENGAGE_DEV_JWT_KEY` is
    /// read from the environment; with neither, development tokens are not accepted.
    #[arg(long, env = "ENGAGE_DEV_JWT_KEY_FILE")]
    pub dev_jwt_key_file: Option<PathBuf>,
}

impl GatewayArgs {
    /// The upstream services as configured.
    pub fn upstreams(&self) -> Vec<Upstream> {
        vec![
            Upstream {
                grpc_name: service_names::CONTACTS,
                url: self.contacts_url.clone(),
            },
            Upstream {
                grpc_name: service_names::INITIATIVES,
                url: self.initiatives_url.clone(),
            },
            Upstream {
                grpc_name: service_names::DECLARATIONS,
                url: self.declarations_url.clone(),
            },
            Upstream {
                grpc_name: service_names::BRIEFINGS,
                url: self.briefings_url.clone(),
            },
            Upstream {
                grpc_name: service_names::FEEDS,
                url: self.feeds_url.clone(),
            },
        ]
    }

    /// The authenticator: development tokens when a development key is configured.
    pub fn authenticator(&self) -> Authenticator {
        match read_secret(
            self.dev_jwt_key_file.as_ref(),
            "ENGAGE_DEV_JWT_KEY",
            "--dev-jwt-key-file",
        ) {
            Ok(secret) => {
                tracing::warn!(
                    "development tokens are accepted: never configure a development key in production"
                );
                Authenticator::development(&secret)
            }
            Err(_) => Authenticator::none(),
        }
    }

    /// The address to listen on.
    pub fn listen(&self) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))
    }
}

/// The gateway's own API.
struct GatewayApi {
    authenticator: Authenticator,
}

fn role_to_wire(role: Role) -> engage_api::gateway::Role {
    use engage_api::gateway::Role as Wire;
    match role {
        Role::Admin => Wire::Admin,
        Role::CsuOfficer => Wire::CsuOfficer,
        Role::Coordinator => Wire::Coordinator,
        Role::Dashboard => Wire::Dashboard,
        Role::Viewer => Wire::Viewer,
    }
}

#[tonic::async_trait]
impl GatewayService for GatewayApi {
    async fn get_caller(
        &self,
        request: tonic::Request<GetCallerRequest>,
    ) -> Result<tonic::Response<GetCallerResponse>, tonic::Status> {
        let authorization = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let verified = self.authenticator.verify(authorization)?;
        let caller = verified.caller;
        Ok(tonic::Response::new(GetCallerResponse {
            subject: caller.subject,
            display_name: caller.display_name,
            roles: caller
                .roles
                .into_iter()
                .map(|r| role_to_wire(r) as i32)
                .collect(),
            initiatives: caller.initiatives,
            expire_time: Some(prost_types::Timestamp {
                seconds: i64::try_from(verified.expires_at).unwrap_or(i64::MAX),
                nanos: 0,
            }),
        }))
    }
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// An upstream URL is not a valid URI.
    #[error("upstream {0}: {1}")]
    Upstream(String, String),
    /// Serving failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

fn upstream_channels(upstreams: &[Upstream]) -> Result<HashMap<String, Channel>, GatewayError> {
    upstreams
        .iter()
        .map(|u| {
            let endpoint = Endpoint::from_shared(u.url.clone())
                .map_err(|e| GatewayError::Upstream(u.url.clone(), e.to_string()))?
                .connect_timeout(Duration::from_secs(1));
            Ok((u.grpc_name.to_owned(), endpoint.connect_lazy()))
        })
        .collect()
}

/// Serves the gateway on `listener` until `shutdown` resolves.
pub async fn serve(
    upstreams: &[Upstream],
    authenticator: Authenticator,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), GatewayError> {
    let channels = upstream_channels(upstreams)?;
    let mut names: Vec<&str> = upstreams.iter().map(|u| u.grpc_name).collect();
    names.push(service_names::GATEWAY);
    let health = SystemHealth::new(vec![service_names::GATEWAY.to_owned()], channels);
    let routes = Routes::new(GatewayServiceServer::new(GatewayApi { authenticator }))
        .add_service(tonic_health::pb::health_server::HealthServer::new(health));
    let routes = with_reflection(&names, routes)?;
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    Server::builder()
        .trace_fn(|request| tracing::info_span!("grpc", service = "gateway", method = %request.uri().path()))
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| GatewayError::Serve(ServeError::Transport(e)))?;
    Ok(())
}
