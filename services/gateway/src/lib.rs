//! The gateway: the one public entry of engage. Every call but health and reflection is
//! authenticated by its bearer token, authorised by the permission table, rate limited per
//! principal, and then either answered here (`engage.gateway.v1.GatewayService`, health of
//! every service, reflection of every API) or forwarded to the service that owns it with a
//! short-lived internal token naming the caller. Browsers call it with gRPC-Web, and it
//! serves the web console at `/` on the same port (see [`console`]).

pub mod auth;
pub mod console;
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
use engage_api::gateway::{
    CreateDevelopmentTokenRequest, CreateDevelopmentTokenResponse, GetCallerRequest,
    GetCallerResponse, GetConsoleSettingsRequest, GetConsoleSettingsResponse,
};
use engage_api::service_names;
use engage_platform::config::{InternalKeyArgs, PeerArgs, read_secret};
use engage_platform::error::Violations;
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::server::{ServeError, lazy_channel, with_reflection};
use engage_platform::{Caller, Error, Role};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::{Channel, Server};

pub use auth::{AuthSettings, Authenticated, Authenticator, mint_development_token};
pub use console::{ConsoleAssets, ConsoleFile};
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

    #[command(flatten)]
    pub identity: IdentityArgs,

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
    #[command(flatten)]
    pub rate_limits: RateLimitArgs,

    /// Origins allowed to call from a browser (gRPC-Web), comma separated; `*` for any.
    #[arg(long, env = "ENGAGE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    #[command(flatten)]
    pub sign_in: SignInArgs,
}

/// Which identity provider's tokens are trusted: its keys, issuers and audience.
#[derive(clap::Args, Debug, Clone)]
pub struct IdentityArgs {
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
}

impl IdentityArgs {
    /// What tokens are accepted, apart from the keys.
    pub fn settings(&self) -> AuthSettings {
        AuthSettings {
            issuers: self.jwt_issuers.clone(),
            audience: self.jwt_audience.clone(),
            leeway: Duration::from_secs(self.jwt_leeway_secs),
        }
    }

    /// Loads the identity provider's keys and starts refreshing them, when a JWKS is
    /// configured; `None` when none is.
    pub async fn keys(&self) -> Result<Option<KeySet>, GatewayError> {
        let source = match (&self.jwks_file, &self.jwks_url) {
            (Some(file), _) => JwksSource::File(file.clone()),
            (None, Some(url)) => JwksSource::Url(url.clone()),
            (None, None) => return Ok(None),
        };
        if self.jwt_issuers.is_empty() {
            return Err(GatewayError::Config(
                "ENGAGE_JWT_ISSUERS must name the issuer(s) of tokens signed with the JWKS".into(),
            ));
        }
        let keys = KeySet::load(source).await?;
        keys.spawn_refresh(Duration::from_secs(self.jwks_refresh_secs.max(10)));
        Ok(Some(keys))
    }
}

/// How many calls each principal may make.
#[derive(clap::Args, Debug, Clone)]
pub struct RateLimitArgs {
    /// Unary reads allowed per principal, as COUNT/UNIT (s, m or h).
    #[arg(long, env = "ENGAGE_RATE_LIMIT_READ", default_value = ratelimit::DEFAULT_READ)]
    pub rate_limit_read: Rate,
    /// Unary writes allowed per principal.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_WRITE", default_value = ratelimit::DEFAULT_WRITE)]
    pub rate_limit_write: Rate,
    /// Server-streaming calls started per principal.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_STREAM", default_value = ratelimit::DEFAULT_STREAM)]
    pub rate_limit_stream: Rate,
}

impl RateLimitArgs {
    /// The rate of each class.
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            read: self.rate_limit_read,
            write: self.rate_limit_write,
            stream: self.rate_limit_stream,
        }
    }
}

/// How the web console signs people in (OpenID Connect code flow with PKCE).
#[derive(clap::Args, Debug, Clone)]
pub struct SignInArgs {
    /// The OpenID Connect issuer the web console signs people in with, such as
    /// `https://id.example.org/realms/engage`.
    #[arg(long, env = "ENGAGE_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The web console's client id at that issuer (a public client).
    #[arg(long, env = "ENGAGE_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The scopes the web console asks for, space separated.
    #[arg(
        long,
        env = "ENGAGE_OIDC_SCOPES",
        default_value = "openid profile offline_access"
    )]
    pub oidc_scopes: String,
    /// The resource (RFC 8707) or audience the console asks its access token for; empty
    /// when the provider needs none.
    #[arg(long, env = "ENGAGE_OIDC_RESOURCE", default_value = "")]
    pub oidc_resource: String,
}

impl SignInArgs {
    /// The settings, checked: an issuer is an http(s) URL and comes with a client id, and
    /// the scopes include `openid`.
    pub fn settings(&self) -> Result<SignInSettings, GatewayError> {
        let issuer = self
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        let client_id = self
            .oidc_client_id
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if !issuer.is_empty() {
            let url = url::Url::parse(&issuer).map_err(|e| {
                GatewayError::Config(format!("ENGAGE_OIDC_ISSUER is not a URL: {e}"))
            })?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(GatewayError::Config(
                    "ENGAGE_OIDC_ISSUER must be an https (or, locally, http) URL".into(),
                ));
            }
            if client_id.is_empty() {
                return Err(GatewayError::Config(
                    "ENGAGE_OIDC_CLIENT_ID must name the web console's client at ENGAGE_OIDC_ISSUER"
                        .into(),
                ));
            }
            if !self.oidc_scopes.split_whitespace().any(|s| s == "openid") {
                return Err(GatewayError::Config(
                    "ENGAGE_OIDC_SCOPES must include `openid`".into(),
                ));
            }
        }
        Ok(SignInSettings {
            oidc_issuer: issuer,
            oidc_client_id: client_id,
            oidc_scopes: self
                .oidc_scopes
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            oidc_resource: self.oidc_resource.trim().to_owned(),
        })
    }
}

/// How the web console signs people in, as `GetConsoleSettings` tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInSettings {
    /// The OpenID Connect issuer; empty for none.
    pub oidc_issuer: String,
    /// The console's client id at the issuer.
    pub oidc_client_id: String,
    /// The scopes asked for, space separated.
    pub oidc_scopes: String,
    /// The resource or audience asked for; empty for none.
    pub oidc_resource: String,
}

/// The web console: its files, how it signs people in, and whether development sign-in
/// is offered.
#[derive(Clone, Default)]
pub struct ConsoleConfig {
    /// The console's files; `None` in a build without the console (`/` then says so).
    pub assets: Option<ConsoleAssets>,
    /// How the console signs people in.
    pub sign_in: SignInSettings,
    /// Development mode only: the key `CreateDevelopmentToken` signs with. `None` refuses
    /// development sign-in.
    pub development_key: Option<Secret>,
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
    /// The web console served at `/`.
    pub console: ConsoleConfig,
}

impl GatewayArgs {
    /// The upstream services as configured.
    pub fn upstreams(&self) -> Vec<Upstream> {
        Upstream::for_services(self.services.urls())
    }

    /// The rate of each class.
    pub fn rate_limits(&self) -> RateLimits {
        self.rate_limits.rate_limits()
    }

    /// The address to listen on.
    pub fn listen(&self) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))
    }

    /// Loads keys, secrets and connections into a configuration; the console's files are
    /// the caller's to add.
    pub async fn load(&self) -> Result<GatewayConfig, GatewayError> {
        let sign_in = self.sign_in.settings()?;
        let keys = self.identity.keys().await?;
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
        let settings = self.identity.settings();
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
            console: ConsoleConfig {
                assets: None,
                sign_in,
                development_key: development,
            },
        })
    }
}

/// How long a token from `CreateDevelopmentToken` is valid: as long as the one
/// `engage dev` prints.
pub const DEVELOPMENT_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// The subject of a development token when none is asked.
const DEVELOPMENT_SUBJECT: &str = "dev-user";

/// The gateway's own API.
struct GatewayApi {
    sign_in: SignInSettings,
    development_key: Option<Secret>,
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

fn role_from_wire(role: i32) -> Option<Role> {
    use engage_api::gateway::Role as Wire;
    match Wire::try_from(role).ok()? {
        Wire::Unspecified => None,
        Wire::Admin => Some(Role::Admin),
        Wire::CsuOfficer => Some(Role::CsuOfficer),
        Wire::Coordinator => Some(Role::Coordinator),
        Wire::Dashboard => Some(Role::Dashboard),
        Wire::Viewer => Some(Role::Viewer),
    }
}

/// The caller a development token is asked for, checked.
fn development_caller(request: CreateDevelopmentTokenRequest) -> Result<Caller, Error> {
    let mut violations = Violations::new();
    if request.roles.is_empty() {
        violations.add("roles", "ask for at least one role");
    }
    let mut roles = Vec::new();
    for (i, wire) in request.roles.iter().enumerate() {
        match role_from_wire(*wire) {
            Some(role) => roles.push(role),
            None => violations.add(
                format!("roles[{i}]"),
                "must be a role: admin, csu_officer, coordinator, dashboard or viewer",
            ),
        }
    }
    for (i, initiative) in request.initiatives.iter().enumerate() {
        violations.check(
            engage_platform::resource::parse_name(
                "initiatives",
                initiative,
                &format!("initiatives[{i}]"),
            )
            .map(|_| ()),
        );
    }
    violations.finish()?;
    let subject = match request.subject.trim() {
        "" => DEVELOPMENT_SUBJECT.to_owned(),
        subject => subject.to_owned(),
    };
    let mut caller = Caller::new(subject, &roles);
    caller.display_name = request.display_name;
    caller.initiatives = request.initiatives;
    Ok(caller)
}

#[tonic::async_trait]
impl GatewayService for GatewayApi {
    async fn get_console_settings(
        &self,
        _: tonic::Request<GetConsoleSettingsRequest>,
    ) -> Result<tonic::Response<GetConsoleSettingsResponse>, tonic::Status> {
        let s = &self.sign_in;
        Ok(tonic::Response::new(GetConsoleSettingsResponse {
            oidc_issuer: s.oidc_issuer.clone(),
            oidc_client_id: s.oidc_client_id.clone(),
            oidc_scopes: s.oidc_scopes.clone(),
            oidc_resource: s.oidc_resource.clone(),
            development_sign_in: self.development_key.is_some(),
        }))
    }

    async fn create_development_token(
        &self,
        request: tonic::Request<CreateDevelopmentTokenRequest>,
    ) -> Result<tonic::Response<CreateDevelopmentTokenResponse>, tonic::Status> {
        let key = self
            .development_key
            .as_ref()
            .ok_or_else(|| Error::FailedPrecondition {
                reason: "DEVELOPMENT_SIGN_IN_DISABLED",
                message:
                    "development sign-in is offered only when the gateway runs in development mode"
                        .into(),
            })?;
        let caller = development_caller(request.into_inner())?;
        let now = jsonwebtoken::get_current_timestamp();
        let token = mint_development_token(key, &caller, DEVELOPMENT_TOKEN_TTL)?;
        tracing::info!(subject = %caller.subject, roles = ?caller.roles, "development token minted");
        Ok(tonic::Response::new(CreateDevelopmentTokenResponse {
            token,
            expire_time: Some(prost_types::Timestamp {
                seconds: i64::try_from(now + DEVELOPMENT_TOKEN_TTL.as_secs()).unwrap_or(i64::MAX),
                nanos: 0,
            }),
        }))
    }

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
    let api = GatewayApi {
        sign_in: config.console.sign_in.clone(),
        development_key: config.console.development_key.clone(),
    };
    let issuer = Some(config.console.sign_in.oidc_issuer.as_str()).filter(|i| !i.is_empty());
    let console = console::ConsoleLayer::new(config.console.assets.clone(), issuer);
    let routes = Routes::new(GatewayServiceServer::new(api))
        .add_service(tonic_health::pb::health_server::HealthServer::new(health));
    let mut routes = with_reflection(&names, routes)?;
    let forwarder = Forwarder::new(channels, config.internal_key.clone());
    let router = std::mem::take(routes.axum_router_mut());
    *routes.axum_router_mut() = router.fallback_service(forwarder);

    let incoming = engage_platform::server::accepting(listener);
    Server::builder()
        .initial_connection_window_size(engage_platform::server::CONNECTION_WINDOW)
        .accept_http1(true)
        // The console's pages and files first: they need no token and are no gRPC.
        .layer(console)
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
