//! The gateway: the one public entry of engage. Every call but health and reflection is
//! authenticated by its bearer token, authorised by the permission table, rate limited per
//! principal, and then either answered here (`engage.gateway.v1.GatewayService`, health of
//! every service, reflection of every API) or forwarded to the service that owns it with a
//! short-lived internal token naming the caller. Browsers call it with gRPC-Web.

pub mod auth;
mod edge;
mod forward;
pub mod health;
pub mod jwks;
pub mod permissions;
pub mod ratelimit;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use engage_api::gateway::gateway_service_server::{GatewayService, GatewayServiceServer};
use engage_api::gateway::{GetCallerRequest, GetCallerResponse};
use engage_api::service_names;
use engage_platform::config::{InternalKeyArgs, PeerArgs, read_secret};
use engage_platform::identity::InternalKey;
use engage_platform::server::{ServeError, lazy_channel, with_reflection};
use engage_platform::{Error, Role};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::{Channel, Server};

pub use auth::{AuthSettings, Authenticated, Authenticator, mint_development_token};
pub use health::SystemHealth;
pub use ratelimit::{Rate, RateLimiter, RateLimits};

use crate::edge::{EdgeLayer, EdgePolicy};
use crate::forward::Forwarder;
use crate::jwks::{JwksSource, KeySet};

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

impl Upstream {
    /// The upstreams for services given by short name (`contacts`, …) and URL; names of no
    /// engage service are left out.
    pub fn for_services<'a>(
        services: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Upstream> {
        services
            .into_iter()
            .filter_map(|(name, url)| {
                let grpc_name = match name {
                    "contacts" => service_names::CONTACTS,
                    "initiatives" => service_names::INITIATIVES,
                    "declarations" => service_names::DECLARATIONS,
                    "briefings" => service_names::BRIEFINGS,
                    "feeds" => service_names::FEEDS,
                    _ => return None,
                };
                Some(Upstream {
                    grpc_name,
                    url: url.to_owned(),
                })
            })
            .collect()
    }
}

/// How the gateway is configured on the command line and in the environment.
#[derive(clap::Args, Debug, Clone)]
pub struct GatewayArgs {
    /// Address the gateway listens on. Default: 127.0.0.1:8080.
    #[arg(long, env = "ENGAGE_LISTEN")]
    pub listen: Option<SocketAddr>,
    #[command(flatten)]
    pub services: PeerArgs,

    #[command(flatten)]
    pub internal_key: InternalKeyArgs,

    /// A file holding the identity provider's keys (JWKS).
    #[arg(long, env = "ENGAGE_JWKS_FILE", conflicts_with = "jwks_url")]
    pub jwks_file: Option<PathBuf>,
    /// A URL serving the identity provider's keys (JWKS), refreshed in the background.
    #[arg(long, env = "ENGAGE_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Seconds between background refreshes of the JWKS.
    #[arg(long, env = "ENGAGE_JWKS_REFRESH_SECS", default_value_t = 300)]
    pub jwks_refresh_secs: u64,
    /// Accepted token issuers (`iss`), comma separated.
    #[arg(long, env = "ENGAGE_JWT_ISSUERS", value_delimiter = ',')]
    pub jwt_issuers: Vec<String>,
    /// The audience tokens must name (`aud`).
    #[arg(long, env = "ENGAGE_JWT_AUDIENCE", default_value = auth::DEFAULT_AUDIENCE)]
    pub jwt_audience: String,
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    #[arg(long, env = "ENGAGE_JWT_LEEWAY_SECS", default_value_t = 30)]
    pub jwt_leeway_secs: u64,

    /// Development setting: accept HS256 development tokens signed with the key in
    /// `ENGAGE_DEV_JWT_KEY` (or `--dev-jwt-key-file`). Never in production.
    #[arg(long, env = "ENGAGE_DEVELOPMENT", default_value_t = false)]
    pub development: bool,
    /// A file holding the development token key (with `--development`).
    #[arg(long, env = "ENGAGE_DEV_JWT_KEY_FILE")]
    pub dev_jwt_key_file: Option<PathBuf>,

    /// Redis for rate limits shared by every gateway replica, such as
    /// `redis://127.0.0.1:6379`. Without it each gateway limits in memory.
    #[arg(long, env = "ENGAGE_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Unary reads allowed per principal, as COUNT/UNIT (s, m or h).
    #[arg(long, env = "ENGAGE_RATE_LIMIT_READ", default_value = "100/s")]
    pub rate_limit_read: Rate,
    /// Unary writes allowed per principal.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_WRITE", default_value = "20/s")]
    pub rate_limit_write: Rate,
    /// Server-streaming calls started per principal.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_STREAM", default_value = "30/m")]
    pub rate_limit_stream: Rate,

    /// Origins allowed to call from a browser (gRPC-Web), comma separated; `*` for any.
    #[arg(long, env = "ENGAGE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// An upstream URL is not a valid URI.
    #[error("upstream {0}: {1}")]
    Upstream(String, String),
    /// The keys could not be loaded.
    #[error(transparent)]
    Keys(#[from] jwks::JwksError),
    /// Configuration is incomplete or contradictory.
    #[error("{0}")]
    Config(String),
    /// Serving failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// Everything the gateway runs with.
#[derive(Clone)]
pub struct GatewayConfig {
    /// The services behind the gateway.
    pub upstreams: Vec<Upstream>,
    /// Verifies bearer tokens.
    pub authenticator: Authenticator,
    /// Signs internal tokens.
    pub internal_key: InternalKey,
    /// Takes rate limits.
    pub limiter: RateLimiter,
    /// Browser origins allowed; empty for none, `*` for any.
    pub cors_origins: Vec<String>,
}

impl GatewayArgs {
    /// The upstream services as configured.
    pub fn upstreams(&self) -> Vec<Upstream> {
        Upstream::for_services(self.services.urls())
    }

    /// The rate of each class.
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            read: self.rate_limit_read,
            write: self.rate_limit_write,
            stream: self.rate_limit_stream,
        }
    }

    /// The address to listen on.
    pub fn listen(&self) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))
    }

    /// Loads keys, secrets and connections into a configuration.
    pub async fn load(&self) -> Result<GatewayConfig, GatewayError> {
        let source = match (&self.jwks_file, &self.jwks_url) {
            (Some(file), _) => Some(JwksSource::File(file.clone())),
            (None, Some(url)) => Some(JwksSource::Url(url.clone())),
            (None, None) => None,
        };
        let keys = match source {
            Some(source) => {
                if self.jwt_issuers.is_empty() {
                    return Err(GatewayError::Config(
                        "ENGAGE_JWT_ISSUERS must name the issuer(s) of tokens signed with the JWKS"
                            .into(),
                    ));
                }
                let keys = KeySet::load(source).await?;
                keys.spawn_refresh(Duration::from_secs(self.jwks_refresh_secs.max(10)));
                Some(keys)
            }
            None => None,
        };
        let development = if self.development {
            tracing::warn!(
                "development tokens are accepted: never run with ENGAGE_DEVELOPMENT in production"
            );
            Some(
                read_secret(
                    self.dev_jwt_key_file.as_ref(),
                    "ENGAGE_DEV_JWT_KEY",
                    "--dev-jwt-key-file",
                )
                .map_err(|e| GatewayError::Config(e.to_string()))?,
            )
        } else {
            None
        };
        if keys.is_none() && development.is_none() {
            return Err(GatewayError::Config(
                "no token verifier: set ENGAGE_JWKS_FILE or ENGAGE_JWKS_URL (or ENGAGE_DEVELOPMENT with a development key)".into(),
            ));
        }
        let settings = AuthSettings {
            issuers: self.jwt_issuers.clone(),
            audience: self.jwt_audience.clone(),
            leeway: Duration::from_secs(self.jwt_leeway_secs),
        };
        let limiter = match &self.redis_url {
            Some(url) => RateLimiter::with_redis(self.rate_limits(), url, "engage:ratelimit")
                .map_err(|e| GatewayError::Config(format!("Redis at ENGAGE_REDIS_URL: {e}")))?,
            None => RateLimiter::in_memory(self.rate_limits()),
        };
        Ok(GatewayConfig {
            upstreams: self.upstreams(),
            authenticator: Authenticator::new(settings, keys, development.as_ref()),
            internal_key: self
                .internal_key
                .load()
                .map_err(|e| GatewayError::Config(e.to_string()))?,
            limiter,
            cors_origins: self.cors_origins.clone(),
        })
    }
}

/// The gateway's own API.
struct GatewayApi;

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
        let verified = request
            .extensions()
            .get::<Authenticated>()
            .cloned()
            .ok_or_else(|| Error::Unauthenticated {
                reason: "TOKEN_MISSING",
                message: "send `authorization: Bearer <token>`".into(),
            })?;
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

fn upstream_channels(upstreams: &[Upstream]) -> Result<HashMap<String, Channel>, GatewayError> {
    upstreams
        .iter()
        .map(|u| {
            let channel =
                lazy_channel(&u.url).map_err(|e| GatewayError::Upstream(u.url.clone(), e))?;
            Ok((u.grpc_name.to_owned(), channel))
        })
        .collect()
}

fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    let expose = [
        http::HeaderName::from_static("grpc-status"),
        http::HeaderName::from_static("grpc-message"),
        http::HeaderName::from_static("grpc-status-details-bin"),
    ];
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| http::HeaderValue::from_str(o).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([http::Method::POST, http::Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers(expose)
        .max_age(Duration::from_secs(3600))
}

/// Serves the gateway on `listener` until `shutdown` resolves.
pub async fn serve(
    config: GatewayConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), GatewayError> {
    let channels = upstream_channels(&config.upstreams)?;
    let mut names: Vec<&str> = config.upstreams.iter().map(|u| u.grpc_name).collect();
    names.push(service_names::GATEWAY);
    let health = SystemHealth::new(vec![service_names::GATEWAY.to_owned()], channels.clone());
    let routes = Routes::new(GatewayServiceServer::new(GatewayApi))
        .add_service(tonic_health::pb::health_server::HealthServer::new(health));
    let mut routes = with_reflection(&names, routes)?;
    let forwarder = Forwarder::new(channels, config.internal_key.clone());
    let router = std::mem::take(routes.axum_router_mut());
    *routes.axum_router_mut() = router.fallback_service(forwarder);

    let incoming = engage_platform::server::accepting(listener);
    Server::builder()
        .initial_connection_window_size(engage_platform::server::CONNECTION_WINDOW)
        .accept_http1(true)
        .layer(cors(&config.cors_origins))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(engage_platform::rpc_trace::ServerTraceLayer::new("gateway"))
        .layer(EdgeLayer::new(EdgePolicy {
            authenticator: config.authenticator,
            limiter: config.limiter,
        }))
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| GatewayError::Serve(ServeError::Transport(e)))?;
    Ok(())
}
