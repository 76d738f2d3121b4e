//! Authentication of external callers by their bearer JWT.
//!
//! Claims: `sub` (subject), `name` (display name, optional), `roles` (array of `admin`,
//! `csu_officer`, `coordinator`, `dashboard`, `viewer`), `initiatives` (array of
//! `initiatives/{id}` for coordinators), plus `iss`, `aud` and `exp`, checked with a small
//! leeway, and `nbf` when present. `docs/identity.md` shows how to map them from an identity provider.
//!
//! Keys: a JWKS (file or URL) of RS256, ES256 or EdDSA keys, chosen by the token's `kid`;
//! and, only when the development setting allows it, one HS256 secret. The algorithm is
//! never taken on trust from the token: it must be on the allowlist and match the key.

use std::sync::Arc;
use std::time::Duration;

use engage_platform::identity::Secret;
use engage_platform::{Caller, Error, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::jwks::KeySet;

/// Issuer of development tokens.
pub const DEVELOPMENT_ISSUER: &str = "engage-dev";
/// The default audience every engage token must name.
pub const DEFAULT_AUDIENCE: &str = "engage";

/// The algorithms accepted for keys from a JWKS.
pub const JWKS_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    initiatives: Vec<String>,
    iss: String,
    aud: Audience,
    exp: u64,
    /// Not every provider sends `nbf` (Keycloak does not); it is checked when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    #[serde(default)]
    iat: u64,
}

/// The `aud` claim: one audience, or several, which RFC 7519 allows and Keycloak sends when a
/// token serves more than one client (`["account", "engage"]`). jsonwebtoken checks that the
/// configured audience is among them; this type only lets both shapes be read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// A verified caller and when its token expires.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// Expiry of the token, in seconds since the epoch.
    pub expires_at: u64,
}

/// What tokens the gateway accepts.
#[derive(Clone, Default)]
pub struct AuthSettings {
    /// Accepted issuers of JWKS-signed tokens (`iss`).
    pub issuers: Vec<String>,
    /// The audience tokens must name (`aud`).
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

/// Verifies bearer tokens.
#[derive(Clone)]
pub struct Authenticator {
    settings: Arc<AuthSettings>,
    keys: Option<KeySet>,
    development: Option<DecodingKey>,
}

fn unauthenticated(reason: &'static str, message: &str) -> Error {
    Error::Unauthenticated {
        reason,
        message: message.to_owned(),
    }
}

impl Authenticator {
    /// An authenticator with identity-provider keys and, when `development` is given, the
    /// development HS256 key.
    pub fn new(settings: AuthSettings, keys: Option<KeySet>, development: Option<&Secret>) -> Self {
        Self {
            settings: Arc::new(settings),
            keys,
            development: development.map(|s| DecodingKey::from_secret(s.expose())),
        }
    }

    /// An authenticator that accepts development tokens signed with `secret` only.
    pub fn development(secret: &Secret) -> Self {
        Self::new(
            AuthSettings {
                issuers: Vec::new(),
                audience: DEFAULT_AUDIENCE.to_owned(),
                leeway: Duration::from_secs(30),
            },
            None,
            Some(secret),
        )
    }

    /// An authenticator that accepts no token at all.
    pub fn none() -> Self {
        Self::new(AuthSettings::default(), None, None)
    }

    fn validation(&self, algorithm: Algorithm, issuers: &[&str]) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(issuers);
        validation.set_audience(&[self.settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.settings.leeway.as_secs();
        validation
    }

    /// Verifies the `authorization` metadata value (`Bearer <jwt>`). The caller hears only
    /// that the token is invalid or expired; why it was refused is logged at info, with the
    /// token's issuer, key id and subject (never the token), and counted by reason in
    /// `engage.gateway.token_refusals`, so an operator connecting an identity provider can see
    /// what is wrong.
    pub async fn verify(&self, authorization: Option<&str>) -> Result<Authenticated, Error> {
        let token = authorization
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let result = match token {
            Some(token) => self.check(token).await,
            None => Err(Refusal::Missing),
        };
        result.map_err(|refusal| {
            let seen = token.map(TokenSummary::of).unwrap_or_default();
            tracing::info!(
                reason = refusal.as_str(),
                issuer = %seen.issuer,
                key_id = %seen.key_id,
                subject = %seen.subject,
                audiences = ?seen.audiences,
                expected_audience = %self.settings.audience,
                "token refused"
            );
            engage_platform::telemetry::rpc_metrics()
                .token_refusals
                .add(
                    1,
                    &[opentelemetry::KeyValue::new("reason", refusal.as_str())],
                );
            refusal.into_error()
        })
    }

    async fn check(&self, token: &str) -> Result<Authenticated, Refusal> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
        let claims = if header.alg == Algorithm::HS256 {
            let key = self
                .development
                .as_ref()
                .ok_or(Refusal::DevelopmentTokensOff)?;
            let mut validation = self.validation(Algorithm::HS256, &[DEVELOPMENT_ISSUER]);
            // Development tokens always name the default audience, whatever audience the
            // identity provider's tokens are checked for.
            validation.set_audience(&[DEFAULT_AUDIENCE]);
            jsonwebtoken::decode::<Claims>(token, key, &validation)
                .map_err(|e| Refusal::of(e.kind()))?
                .claims
        } else if JWKS_ALGORITHMS.contains(&header.alg) {
            let keys = self.keys.as_ref().ok_or(Refusal::NoIdentityProvider)?;
            let kid = header.kid.as_deref().ok_or(Refusal::MissingKeyId)?;
            let key = match keys.key_for(kid, header.alg).await {
                Some(key) => key,
                None if keys.knows(kid) => return Err(Refusal::KeyAlgorithmMismatch),
                None => return Err(Refusal::UnknownKeyId),
            };
            let issuers: Vec<&str> = self.settings.issuers.iter().map(String::as_str).collect();
            let validation = self.validation(header.alg, &issuers);
            jsonwebtoken::decode::<Claims>(token, &key, &validation)
                .map_err(|e| Refusal::of(e.kind()))?
                .claims
        } else {
            return Err(Refusal::AlgorithmNotAllowed);
        };

        let mut roles = Vec::new();
        for role in &claims.roles {
            let role = Role::parse(role).ok_or(Refusal::UnknownRole)?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        roles.sort();
        Ok(Authenticated {
            caller: Caller {
                subject: claims.sub,
                display_name: claims.name,
                roles,
                initiatives: claims.initiatives,
            },
            expires_at: claims.exp,
        })
    }
}

/// Why a token was refused: logged and counted, never told to the caller beyond
/// "invalid or expired" (a missing token and an unknown role excepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `authorization: Bearer` header.
    Missing,
    /// Not a JWT, or a claim missing or of the wrong shape.
    Malformed,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still to come.
    NotYetValid,
    /// `aud` does not name the configured audience.
    WrongAudience,
    /// `iss` is not among the configured issuers.
    UnknownIssuer,
    /// The header names no `kid`.
    MissingKeyId,
    /// The JWKS has no key with this `kid`, even after a refresh.
    UnknownKeyId,
    /// The key with this `kid` is for another algorithm than the header's.
    KeyAlgorithmMismatch,
    /// The signature does not match the key.
    BadSignature,
    /// An algorithm outside the allowlist (`none`, HS384, RS512…).
    AlgorithmNotAllowed,
    /// An HS256 token while development tokens are off.
    DevelopmentTokensOff,
    /// A JWKS-signed token while no identity provider is configured.
    NoIdentityProvider,
    /// `roles` names a role engage does not have.
    UnknownRole,
}

impl Refusal {
    /// The reason as logged and as the metric's `reason` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongAudience => "wrong_audience",
            Self::UnknownIssuer => "unknown_issuer",
            Self::MissingKeyId => "missing_key_id",
            Self::UnknownKeyId => "unknown_key_id",
            Self::KeyAlgorithmMismatch => "key_algorithm_mismatch",
            Self::BadSignature => "bad_signature",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::DevelopmentTokensOff => "development_tokens_off",
            Self::NoIdentityProvider => "no_identity_provider",
            Self::UnknownRole => "unknown_role",
        }
    }

    fn of(kind: &jsonwebtoken::errors::ErrorKind) -> Self {
        use jsonwebtoken::errors::ErrorKind as K;
        match kind {
            K::ExpiredSignature => Self::Expired,
            K::ImmatureSignature => Self::NotYetValid,
            K::InvalidAudience => Self::WrongAudience,
            K::InvalidIssuer => Self::UnknownIssuer,
            K::InvalidSignature => Self::BadSignature,
            K::InvalidAlgorithm | K::UnsupportedAlgorithm | K::MissingAlgorithm => {
                Self::AlgorithmNotAllowed
            }
            _ => Self::Malformed,
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Missing => {
                unauthenticated("TOKEN_MISSING", "send `authorization: Bearer <token>`")
            }
            Self::UnknownRole => unauthenticated("UNKNOWN_ROLE", "the token names an unknown role"),
            _ => unauthenticated("TOKEN_INVALID", "the token is invalid or expired"),
        }
    }
}

/// What a refused token says of itself, read without verifying it, for the log only.
#[derive(Debug, Default, PartialEq)]
struct TokenSummary {
    issuer: String,
    key_id: String,
    subject: String,
    audiences: Vec<String>,
}

impl TokenSummary {
    fn of(token: &str) -> Self {
        use base64::Engine as _;
        #[derive(Deserialize)]
        struct Seen {
            #[serde(default)]
            iss: Option<serde_json::Value>,
            #[serde(default)]
            sub: Option<serde_json::Value>,
            #[serde(default)]
            aud: Option<serde_json::Value>,
        }
        let text = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let key_id = jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|h| h.kid)
            .unwrap_or_default();
        let seen = token
            .split('.')
            .nth(1)
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|bytes| serde_json::from_slice::<Seen>(&bytes).ok());
        let Some(seen) = seen else {
            return Self {
                key_id,
                ..Self::default()
            };
        };
        let audiences = match seen.aud {
            Some(serde_json::Value::Array(items)) => {
                items.into_iter().map(|v| text(Some(v))).collect()
            }
            None => Vec::new(),
            one => vec![text(one)],
        };
        Self {
            issuer: text(seen.iss),
            key_id,
            subject: text(seen.sub),
            audiences,
        }
    }
}

/// Mints a development token for `caller`, valid for `ttl`, signed with `secret`.
/// For development and tests only: production tokens come from an identity provider.
pub fn mint_development_token(
    secret: &Secret,
    caller: &Caller,
    ttl: Duration,
) -> Result<String, Error> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: caller.subject.clone(),
        name: caller.display_name.clone(),
        roles: caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        initiatives: caller.initiatives.clone(),
        iss: DEVELOPMENT_ISSUER.into(),
        aud: Audience::One(DEFAULT_AUDIENCE.into()),
        exp: now + ttl.as_secs(),
        nbf: Some(now),
        iat: now,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose()),
    )
    .map_err(|e| Error::Internal(format!("signing a development token: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Caller {
        let mut c = Caller::new("dev-admin", &[Role::Admin, Role::Viewer]);
        c.display_name = "Development admin".into();
        c
    }

    #[tokio::test]
    async fn development_tokens_verify_with_their_key_only() {
        let secret = Secret::generate();
        let token = mint_development_token(&secret, &admin(), Duration::from_secs(60)).unwrap();
        let ok = Authenticator::development(&secret)
            .verify(Some(&format!("Bearer {token}")))
            .await
            .unwrap();
        assert_eq!(ok.caller, admin());

        let other = Authenticator::development(&Secret::generate());
        assert!(
            other
                .verify(Some(&format!("Bearer {token}")))
                .await
                .is_err()
        );
        assert!(
            Authenticator::none()
                .verify(Some(&format!("Bearer {token}")))
                .await
                .is_err()
        );
    }

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    const ISSUER: &str = "https://idp.example.org/realms/engage";

    async fn with_identity_provider() -> Authenticator {
        let keys = KeySet::load_with_min_refresh(
            crate::jwks::JwksSource::File(format!("{FIXTURES}/jwks-a.json").into()),
            Duration::ZERO,
        )
        .await
        .unwrap();
        Authenticator::new(
            AuthSettings {
                issuers: vec![ISSUER.to_owned()],
                audience: DEFAULT_AUDIENCE.to_owned(),
                leeway: Duration::from_secs(5),
            },
            Some(keys),
            None,
        )
    }

    fn rsa_signed(kid: &str, pem: &str, claims: &serde_json::Value) -> String {
        let pem = std::fs::read(format!("{FIXTURES}/{pem}")).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
    }

    fn valid_claims() -> serde_json::Value {
        let now = jsonwebtoken::get_current_timestamp();
        serde_json::json!({
            "sub": "kc-ana", "roles": ["viewer"], "iss": ISSUER, "aud": "engage",
            "iat": now, "exp": now + 300,
        })
    }

    #[tokio::test]
    async fn each_refusal_is_told_apart_for_the_operator() {
        let auth = with_identity_provider().await;
        let now = jsonwebtoken::get_current_timestamp();
        let signed = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut claims = valid_claims();
            change(&mut claims);
            rsa_signed("rsa-a", "test-only-rsa-a.pem", &claims)
        };
        let cases = [
            (signed(&|_| {}), None),
            (
                signed(&|c| c["exp"] = (now - 600).into()),
                Some(Refusal::Expired),
            ),
            (
                signed(&|c| c["nbf"] = (now + 600).into()),
                Some(Refusal::NotYetValid),
            ),
            (
                signed(&|c| c["aud"] = serde_json::json!(["account"])),
                Some(Refusal::WrongAudience),
            ),
            (
                signed(&|c| c["iss"] = "https://other.example.org".into()),
                Some(Refusal::UnknownIssuer),
            ),
            (
                signed(&|c| c["roles"] = serde_json::json!(["overlord"])),
                Some(Refusal::UnknownRole),
            ),
            (
                signed(&|c| drop(c.as_object_mut().map(|o| o.remove("exp")))),
                Some(Refusal::Malformed),
            ),
            (
                rsa_signed("rsa-z", "test-only-rsa-a.pem", &valid_claims()),
                Some(Refusal::UnknownKeyId),
            ),
            (
                rsa_signed("rsa-a", "test-only-rsa-b.pem", &valid_claims()),
                Some(Refusal::BadSignature),
            ),
            ("not-a-token".to_owned(), Some(Refusal::Malformed)),
            (
                mint_development_token(&Secret::generate(), &admin(), Duration::from_secs(60))
                    .unwrap(),
                Some(Refusal::DevelopmentTokensOff),
            ),
        ];
        for (token, expected) in cases {
            let result = auth.check(&token).await.map(|a| a.caller.subject);
            match expected {
                None => assert_eq!(result, Ok("kc-ana".to_owned())),
                Some(refusal) => assert_eq!(result, Err(refusal), "{}", refusal.as_str()),
            }
        }
        let dev = Authenticator::development(&Secret::generate());
        let rsa = signed(&|_| {});
        assert_eq!(
            dev.check(&rsa).await.err(),
            Some(Refusal::NoIdentityProvider)
        );
    }

    #[tokio::test]
    async fn missing_and_malformed_headers_are_unauthenticated() {
        let auth = Authenticator::development(&Secret::generate());
        for header in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Basic abc"),
            Some("Bearer garbage"),
        ] {
            let err = auth.verify(header).await.unwrap_err();
            assert_eq!(err.code(), tonic::Code::Unauthenticated, "{header:?}");
        }
    }
}
