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

    /// Verifies the `authorization` metadata value (`Bearer <jwt>`).
    pub async fn verify(&self, authorization: Option<&str>) -> Result<Authenticated, Error> {
        let token = authorization
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthenticated("TOKEN_MISSING", "send `authorization: Bearer <token>`")
            })?;
        let invalid = || unauthenticated("TOKEN_INVALID", "the token is invalid or expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;

        let claims = if header.alg == Algorithm::HS256 {
            let key = self.development.as_ref().ok_or_else(invalid)?;
            let mut validation = self.validation(Algorithm::HS256, &[DEVELOPMENT_ISSUER]);
            // Development tokens always name the default audience, whatever audience the
            // identity provider's tokens are checked for.
            validation.set_audience(&[DEFAULT_AUDIENCE]);
            jsonwebtoken::decode::<Claims>(token, key, &validation)
                .map_err(|_| invalid())?
                .claims
        } else if JWKS_ALGORITHMS.contains(&header.alg) {
            let keys = self.keys.as_ref().ok_or_else(invalid)?;
            let kid = header.kid.as_deref().ok_or_else(invalid)?;
            let key = keys.key_for(kid, header.alg).await.ok_or_else(invalid)?;
            let issuers: Vec<&str> = self.settings.issuers.iter().map(String::as_str).collect();
            let validation = self.validation(header.alg, &issuers);
            jsonwebtoken::decode::<Claims>(token, &key, &validation)
                .map_err(|_| invalid())?
                .claims
        } else {
            return Err(invalid());
        };

        let mut roles = Vec::new();
        for role in &claims.roles {
            let role = Role::parse(role).ok_or_else(|| {
                unauthenticated("UNKNOWN_ROLE", "the token names an unknown role")
            })?;
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
