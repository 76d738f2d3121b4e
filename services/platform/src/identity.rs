//! Who is calling: the caller that the gateway verified, carried to the services in a
//! short-lived internal token.
//!
//! The gateway verifies the public JWT, then signs an internal token (HS256 with a key that
//! only the gateway and the services hold, distinct from any public key) naming the caller.
//! Every service verifies that token in [`InternalIdentityLayer`] and refuses a call without
//! a valid one, so no service can be used around the gateway.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The metadata key that carries the internal token from the gateway to a service.
pub const INTERNAL_TOKEN_HEADER: &str = "x-engage-internal-token";

const INTERNAL_ISSUER: &str = "engage-gateway";
const INTERNAL_AUDIENCE: &str = "engage-services";

/// How long an internal token is valid: long enough for one forwarded call and the calls
/// it makes to other services, short enough that a leaked one is soon useless.
pub const INTERNAL_TOKEN_TTL: Duration = Duration::from_secs(60);

/// A role a caller holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including erasure and audit reads.
    Admin,
    /// Maintains organisations, people, declarations and briefings.
    CsuOfficer,
    /// Logs progress on the initiatives assigned to them.
    Coordinator,
    /// A dashboard program: reads summaries, subscribes to feeds.
    Dashboard,
    /// Reads, never writes.
    Viewer,
}

impl Role {
    /// Every role, in the order of the design's table.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::CsuOfficer,
        Role::Coordinator,
        Role::Dashboard,
        Role::Viewer,
    ];

    /// The claim value, such as `csu_officer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CsuOfficer => "csu_officer",
            Role::Coordinator => "coordinator",
            Role::Dashboard => "dashboard",
            Role::Viewer => "viewer",
        }
    }

    /// Reads a claim value.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The verified caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The subject of the caller's token.
    pub subject: String,
    /// A display name, when the token had one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// The roles held.
    pub roles: Vec<Role>,
    /// For coordinators: the resource names of the initiatives assigned to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initiatives: Vec<String>,
}

impl Caller {
    /// A caller with the given subject and roles and no initiatives.
    pub fn new(subject: impl Into<String>, roles: &[Role]) -> Self {
        Self {
            subject: subject.into(),
            display_name: String::new(),
            roles: roles.to_vec(),
            initiatives: Vec::new(),
        }
    }

    /// The caller as a resource records who did something (`recorded_by`, `author`, …).
    pub fn actor(&self) -> engage_api::types::Actor {
        engage_api::types::Actor {
            subject: self.subject.clone(),
            display_name: self.display_name.clone(),
        }
    }

    /// Whether the caller holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the caller coordinates the initiative named `initiative`
    /// (`initiatives/{id}`).
    pub fn coordinates(&self, initiative: &str) -> bool {
        self.has_role(Role::Coordinator) && self.initiatives.iter().any(|i| i == initiative)
    }

    /// The caller of a request, as [`InternalIdentityLayer`] verified it.
    pub fn of<T>(request: &tonic::Request<T>) -> Result<&Caller, Error> {
        request
            .extensions()
            .get::<Arc<Caller>>()
            .map(AsRef::as_ref)
            .ok_or_else(|| Error::Unauthenticated {
                reason: "INTERNAL_TOKEN_MISSING",
                message: "call engage through its gateway".into(),
            })
    }
}

/// What a call needs of its caller's roles. The gateway checks the same table; services
/// check again so that a call reaching them by another path is held to it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any engage role.
    Read,
    /// A coordinator (for the initiatives assigned to them: the service checks which),
    /// csu_officer or admin.
    Coordinate,
    /// csu_officer or admin.
    Write,
    /// admin.
    Admin,
}

impl Caller {
    /// The caller of `request` when its roles meet `need`, PERMISSION_DENIED otherwise.
    pub fn require<T>(request: &tonic::Request<T>, need: Need) -> Result<Caller, Error> {
        let caller = Caller::of(request)?;
        let officer = caller.has_role(Role::CsuOfficer) || caller.has_role(Role::Admin);
        let allowed = match need {
            Need::Read => Role::ALL.iter().any(|r| caller.has_role(*r)),
            Need::Coordinate => officer || caller.has_role(Role::Coordinator),
            Need::Write => officer,
            Need::Admin => caller.has_role(Role::Admin),
        };
        if !allowed {
            return Err(Error::PermissionDenied {
                reason: "ROLE_REQUIRED",
                message: match need {
                    Need::Read => "reading needs an engage role",
                    Need::Coordinate => "this needs the coordinator, csu_officer or admin role",
                    Need::Write => "changing records needs the csu_officer or admin role",
                    Need::Admin => "this needs the admin role",
                }
                .into(),
            });
        }
        Ok(caller.clone())
    }
}

#[derive(Serialize, Deserialize)]
struct InternalClaims {
    iss: String,
    aud: String,
    exp: u64,
    iat: u64,
    #[serde(flatten)]
    caller: Caller,
}

/// A secret that never appears in logs or debug output.
#[derive(Clone)]
pub struct Secret(Arc<[u8]>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into().into())
    }

    /// 32 random bytes, for keys generated at run time (development and tests).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self::new(bytes.to_vec())
    }

    /// The secret as URL-safe base64, to hand to a child process or write to a file that
    /// only its owner may read.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// Reads a secret written by [`Secret::to_base64`] (or any base64), falling back to the
    /// raw text. Surrounding white space, such as a file's trailing newline, is ignored.
    pub fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let engines = [
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ];
        let trimmed = text.trim_end_matches('=');
        for engine in engines {
            if let Ok(bytes) = engine.decode(trimmed)
                && bytes.len() >= 16
            {
                return Some(Self::new(bytes));
            }
        }
        Some(Self::new(text.as_bytes().to_vec()))
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The key the gateway signs internal tokens with and the services verify them with.
#[derive(Clone)]
pub struct InternalKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Arc<Validation>,
}

impl std::fmt::Debug for InternalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InternalKey(…)")
    }
}

fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

impl InternalKey {
    /// The key from a shared secret (at least 32 bytes are recommended).
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[INTERNAL_ISSUER]);
        validation.set_audience(&[INTERNAL_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation: Arc::new(validation),
        }
    }

    /// Signs an internal token naming `caller`, valid for [`INTERNAL_TOKEN_TTL`].
    pub fn mint(&self, caller: &Caller) -> Result<String, Error> {
        let now = unix_now();
        let claims = InternalClaims {
            iss: INTERNAL_ISSUER.into(),
            aud: INTERNAL_AUDIENCE.into(),
            iat: now,
            exp: now + INTERNAL_TOKEN_TTL.as_secs(),
            caller: caller.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing an internal token: {e}")))
    }

    /// Verifies an internal token and returns the caller it names.
    pub fn verify(&self, token: &str) -> Result<Caller, Error> {
        jsonwebtoken::decode::<InternalClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims.caller)
            .map_err(|_| Error::Unauthenticated {
                reason: "INTERNAL_TOKEN_INVALID",
                message: "call engage through its gateway".into(),
            })
    }
}

/// Attaches an internal token for a fixed caller to every outgoing call: used by a service
/// that calls another on behalf of its own caller, and by tests.
#[derive(Clone)]
pub struct InternalTokenInterceptor {
    key: InternalKey,
    caller: Arc<Caller>,
}

impl InternalTokenInterceptor {
    /// An interceptor that calls as `caller`.
    pub fn new(key: InternalKey, caller: Caller) -> Self {
        Self {
            key,
            caller: Arc::new(caller),
        }
    }
}

impl tonic::service::Interceptor for InternalTokenInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let token = self.key.mint(&self.caller)?;
        let value = token
            .parse()
            .map_err(|_| tonic::Status::internal("internal token is not valid metadata"))?;
        request.metadata_mut().insert(INTERNAL_TOKEN_HEADER, value);
        Ok(request)
    }
}

/// A channel to another engage service that calls as a given caller and traces each call
/// as a child span of the current one.
pub type ServiceChannel = tonic::service::interceptor::InterceptedService<
    crate::rpc_trace::ClientTrace<tonic::transport::Channel>,
    InternalTokenInterceptor,
>;

/// Wraps `channel` to call as `caller`: what a handler uses to call another service on
/// behalf of its own caller.
pub fn calling_as(
    channel: tonic::transport::Channel,
    key: InternalKey,
    caller: Caller,
) -> ServiceChannel {
    tonic::service::interceptor::InterceptedService::new(
        tower::Layer::layer(&crate::rpc_trace::ClientTraceLayer, channel),
        InternalTokenInterceptor::new(key, caller),
    )
}

/// Paths that answer without an internal token: health checks (probes, load balancers)
/// and server reflection (tools such as grpcurl).
pub fn is_open_path(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
        || path.starts_with("/grpc.reflection.v1.ServerReflection/")
        || path.starts_with("/grpc.reflection.v1alpha.ServerReflection/")
}

/// The server layer that verifies the internal token of every call but health and
/// reflection, and hands the caller to handlers as a request extension.
#[derive(Clone)]
pub struct InternalIdentityLayer {
    key: InternalKey,
}

impl InternalIdentityLayer {
    /// A layer verifying with `key`.
    pub fn new(key: InternalKey) -> Self {
        Self { key }
    }
}

impl<S> tower::Layer<S> for InternalIdentityLayer {
    type Service = InternalIdentity<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InternalIdentity {
            inner,
            key: self.key.clone(),
        }
    }
}

/// See [`InternalIdentityLayer`].
#[derive(Clone)]
pub struct InternalIdentity<S> {
    inner: S,
    key: InternalKey,
}

impl<S, B, R> tower::Service<http::Request<B>> for InternalIdentity<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures::future::Either<
        S::Future,
        futures::future::Ready<Result<Self::Response, Self::Error>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        if is_open_path(request.uri().path()) {
            return futures::future::Either::Left(self.inner.call(request));
        }
        let verified = match request.headers().get(INTERNAL_TOKEN_HEADER) {
            None => Err(Error::Unauthenticated {
                reason: "INTERNAL_TOKEN_MISSING",
                message: "call engage through its gateway".into(),
            }),
            Some(value) => value
                .to_str()
                .map_err(|_| Error::Unauthenticated {
                    reason: "INTERNAL_TOKEN_INVALID",
                    message: "call engage through its gateway".into(),
                })
                .and_then(|token| self.key.verify(token)),
        };
        match verified {
            Ok(caller) => {
                tracing::Span::current().record("enduser.id", caller.subject.as_str());
                request.extensions_mut().insert(Arc::new(caller));
                futures::future::Either::Left(self.inner.call(request))
            }
            Err(error) => {
                futures::future::Either::Right(futures::future::ready(Ok(error.into_response())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> Caller {
        Caller {
            subject: "officer-1".into(),
            display_name: "Ana Officer".into(),
            roles: vec![Role::CsuOfficer],
            initiatives: vec![],
        }
    }

    #[test]
    fn internal_tokens_round_trip_the_caller() {
        let key = InternalKey::new(&Secret::generate());
        let token = key.mint(&officer()).unwrap();
        assert_eq!(key.verify(&token).unwrap(), officer());
    }

    #[test]
    fn tokens_from_another_key_or_tampered_are_refused() {
        let key = InternalKey::new(&Secret::generate());
        let other = InternalKey::new(&Secret::generate());
        let token = other.mint(&officer()).unwrap();
        assert_eq!(
            key.verify(&token).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );

        let good = key.mint(&officer()).unwrap();
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"iss":"engage-gateway","aud":"engage-services","exp":9999999999,"iat":0,"subject":"x","roles":["admin"]}"#);
        parts[1] = forged;
        assert!(key.verify(&parts.join(".")).is_err());
        assert!(key.verify("garbage").is_err());
    }

    #[test]
    fn expired_internal_tokens_are_refused() {
        let secret = Secret::generate();
        let key = InternalKey::new(&secret);
        let claims = InternalClaims {
            iss: INTERNAL_ISSUER.into(),
            aud: INTERNAL_AUDIENCE.into(),
            iat: 0,
            exp: unix_now() - 120,
            caller: officer(),
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.expose()),
        )
        .unwrap();
        assert!(key.verify(&token).is_err());
    }

    #[test]
    fn secrets_never_print_and_round_trip_as_text() {
        let s = Secret::generate();
        assert_eq!(format!("{s:?}"), "Secret(…)");
        let back = Secret::from_text(&format!("{}\n", s.to_base64())).unwrap();
        assert_eq!(back.expose(), s.expose());
        assert!(Secret::from_text("  ").is_none());
    }

    #[test]
    fn coordinators_write_only_their_initiatives() {
        let mut c = Caller::new("coord", &[Role::Coordinator]);
        c.initiatives = vec!["initiatives/a".into()];
        assert!(c.coordinates("initiatives/a"));
        assert!(!c.coordinates("initiatives/b"));
        assert!(!Caller::new("v", &[Role::Viewer]).coordinates("initiatives/a"));
    }

    #[tokio::test]
    async fn the_layer_refuses_calls_without_a_valid_token_but_lets_health_through() {
        use tower::{Layer, ServiceExt};
        let key = InternalKey::new(&Secret::generate());
        let inner = tower::service_fn(|req: http::Request<()>| async move {
            let who = req
                .extensions()
                .get::<Arc<Caller>>()
                .map(|c| c.subject.clone())
                .unwrap_or_default();
            Ok::<_, std::convert::Infallible>(http::Response::new(who))
        });
        let svc = InternalIdentityLayer::new(key.clone()).layer(inner);

        let health = http::Request::get("/grpc.health.v1.Health/Check")
            .body(())
            .unwrap();
        let res = svc.clone().oneshot(health).await.unwrap();
        assert!(res.headers().get("grpc-status").is_none());

        let bare = http::Request::get("/engage.contacts.v1.ContactsService/GetOrganization")
            .body(())
            .unwrap();
        let res = svc.clone().oneshot(bare).await.unwrap();
        assert_eq!(res.headers()["grpc-status"], "16");

        let signed = http::Request::get("/engage.contacts.v1.ContactsService/GetOrganization")
            .header(INTERNAL_TOKEN_HEADER, key.mint(&officer()).unwrap())
            .body(())
            .unwrap();
        let res = svc.oneshot(signed).await.unwrap();
        assert_eq!(res.into_body(), "officer-1");
    }
}
