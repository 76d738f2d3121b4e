//! Authentication of external callers by their bearer JWT.
//!
//! Claims: `sub` (subject), `name` (display name, optional), `roles` (array of `admin`,
//! `csu_officer`, `coordinator`, `dashboard`, `viewer`), `initiatives` (array of
//! `initiatives/{id}` for coordinators), plus `iss`, `aud`, `exp`, `nbf`, `iat`.
//! Until identity-provider keys are configured, the only verifier is the development
//! HS256 key, which `engage dev` generates at start and never writes to disk.

use std::time::Duration;

use engage_platform::identity::Secret;
use engage_platform::{Caller, Error, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Issuer of development tokens.
pub const DEVELOPMENT_ISSUER: &str = "engage-dev";
/// Audience every engage token must name.
pub const AUDIENCE: &str = "engage";

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
    aud: String,
    exp: u64,
    nbf: u64,
    iat: u64,
}

/// A verified caller and when its token expires.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// Expiry of the token, in seconds since the epoch.
    pub expires_at: u64,
}

/// Verifies bearer tokens.
#[derive(Clone)]
pub struct Authenticator {
    development: Option<(DecodingKey, Validation)>,
}

impl Authenticator {
    /// An authenticator that accepts development tokens signed with `secret`.
    pub fn development(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[DEVELOPMENT_ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            development: Some((DecodingKey::from_secret(secret.expose()), validation)),
        }
    }

    /// An authenticator that accepts no token at all.
    pub fn none() -> Self {
        Self { development: None }
    }

    /// Verifies the `authorization` metadata value (`Bearer <jwt>`).
    pub fn verify(&self, authorization: Option<&str>) -> Result<Authenticated, Error> {
        let unauthenticated = |reason: &'static str, message: &str| Error::Unauthenticated {
            reason,
            message: message.to_owned(),
        };
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
        let (key, validation) = self.development.as_ref().ok_or_else(|| {
            unauthenticated(
                "NO_VERIFIER",
                "this gateway has no token verifier configured",
            )
        })?;
        let data = jsonwebtoken::decode::<Claims>(token, key, validation)
            .map_err(|_| unauthenticated("TOKEN_INVALID", "the token is invalid or expired"))?;
        let claims = data.claims;
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
        aud: AUDIENCE.into(),
        exp: now + ttl.as_secs(),
        nbf: now,
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

    #[test]
    fn development_tokens_verify_with_their_key_only() {
        let secret = Secret::generate();
        let token = mint_development_token(&secret, &admin(), Duration::from_secs(60)).unwrap();
        let ok = Authenticator::development(&secret)
            .verify(Some(&format!("Bearer {token}")))
            .unwrap();
        assert_eq!(ok.caller, admin());

        let other = Authenticator::development(&Secret::generate());
        assert!(other.verify(Some(&format!("Bearer {token}"))).is_err());
        assert!(
            Authenticator::none()
                .verify(Some(&format!("Bearer {token}")))
                .is_err()
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_unauthenticated() {
        let auth = Authenticator::development(&Secret::generate());
        for header in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Basic abc"),
            Some("Bearer garbage"),
        ] {
            let err = auth.verify(header).unwrap_err();
            assert_eq!(err.code(), tonic::Code::Unauthenticated, "{header:?}");
        }
    }
}
