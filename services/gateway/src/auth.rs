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

use sha2::{Digest, Sha256};

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

/// How many verified tokens are remembered. A caller sends the same token with every call
/// until it expires, so this holds the tokens of that many callers at once; past it the
/// least used are verified again. See ADR 0025.
pub const VERIFIED_TOKENS_HELD: usize = 10_000;

/// A token that passed every check, remembered by the SHA-256 of its text.
#[derive(Clone)]
struct Verified {
    authenticated: Authenticated,
    /// The JWKS generation its key was read in; `None` for a development token, whose key
    /// never changes while the gateway runs.
    generation: Option<u64>,
}

/// Verifies bearer tokens.
#[derive(Clone)]
pub struct Authenticator {
    settings: Arc<AuthSettings>,
    keys: Option<KeySet>,
    development: Option<DecodingKey>,
    verified: Arc<quick_cache::sync::Cache<[u8; 32], Verified>>,
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
            verified: Arc::new(quick_cache::sync::Cache::new(VERIFIED_TOKENS_HELD)),
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

    /// A token verified before is taken from memory while it has not expired (with the same
    /// leeway as a full check) and its key is still the one the JWKS held then; anything else
    /// is checked in full. Refusals are never remembered.
    async fn check(&self, token: &str) -> Result<Authenticated, Refusal> {
        let digest = digest_of(token);
        if let Some(seen) = self.verified.get(&digest) {
            if self.still_valid(&seen) {
                return Ok(seen.authenticated);
            }
            self.verified.remove(&digest);
        }
        let generation = self.keys.as_ref().map(KeySet::generation);
        let (authenticated, from_jwks) = self.check_in_full(token).await?;
        self.verified.insert(
            digest,
            Verified {
                authenticated: authenticated.clone(),
                generation: if from_jwks { generation } else { None },
            },
        );
        Ok(authenticated)
    }

    fn still_valid(&self, seen: &Verified) -> bool {
        // As jsonwebtoken judges `exp`: expired once it is more than the leeway in the past.
        let now = jsonwebtoken::get_current_timestamp();
        let unexpired =
            seen.authenticated.expires_at >= now.saturating_sub(self.settings.leeway.as_secs());
        let same_keys = match (seen.generation, &self.keys) {
            (None, _) => true,
            (Some(generation), Some(keys)) => keys.generation() == generation,
            (Some(_), None) => false,
        };
        unexpired && same_keys
    }

    /// Every check, from the signature on; `true` beside the caller when the key came from
    /// the JWKS.
    async fn check_in_full(&self, token: &str) -> Result<(Authenticated, bool), Refusal> {
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
        let authenticated = Authenticated {
            caller: Caller {
                subject: claims.sub,
                display_name: claims.name,
                roles,
                initiatives: claims.initiatives,
            },
            expires_at: claims.exp,
        };
        Ok((authenticated, header.alg != Algorithm::HS256))
    }
}

/// What a verified token is remembered by: its text is never kept.
fn digest_of(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
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

    /// The JWKS file `name` copied where a test can change it, and an authenticator reading it
    /// with no leeway.
    async fn with_changing_keys(
        name: &str,
    ) -> (tempfile::TempDir, std::path::PathBuf, KeySet, Authenticator) {
        let folder = tempfile::tempdir().unwrap();
        let jwks = folder.path().join("jwks.json");
        std::fs::copy(format!("{FIXTURES}/{name}"), &jwks).unwrap();
        let keys = KeySet::load_with_min_refresh(
            crate::jwks::JwksSource::File(jwks.clone()),
            Duration::ZERO,
        )
        .await
        .unwrap();
        let auth = Authenticator::new(
            AuthSettings {
                issuers: vec![ISSUER.to_owned()],
                audience: DEFAULT_AUDIENCE.to_owned(),
                leeway: Duration::ZERO,
            },
            Some(keys.clone()),
            None,
        );
        (folder, jwks, keys, auth)
    }

    #[tokio::test]
    async fn with_a_valid_token_remembered_every_attack_is_still_refused() {
        use base64::Engine as _;
        let b64 = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let auth = with_identity_provider().await;
        let valid = rsa_signed("rsa-a", "test-only-rsa-a.pem", &valid_claims());
        for _ in 0..2 {
            assert_eq!(auth.check(&valid).await.unwrap().caller.subject, "kc-ana");
        }
        assert_eq!(auth.verified.len(), 1, "the valid token is remembered");

        let now = jsonwebtoken::get_current_timestamp();
        let parts: Vec<&str> = valid.split('.').collect();
        let mut as_admin = valid_claims();
        as_admin["roles"] = serde_json::json!(["admin"]);
        let with = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut claims = valid_claims();
            change(&mut claims);
            claims
        };
        let attacks = [
            // The remembered token's signature under another payload.
            (
                format!("{}.{}.{}", parts[0], b64(&as_admin), parts[2]),
                Refusal::BadSignature,
            ),
            // The remembered token's payload with no signature at all.
            (
                format!(
                    "{}.{}.",
                    b64(&serde_json::json!({"alg": "none", "typ": "JWT", "kid": "rsa-a"})),
                    parts[1]
                ),
                Refusal::Malformed,
            ),
            // The remembered token with a character added or taken away.
            (format!("{valid} "), Refusal::Malformed),
            (valid[..valid.len() - 1].to_owned(), Refusal::Malformed),
            (
                rsa_signed(
                    "rsa-a",
                    "test-only-rsa-a.pem",
                    &with(&|c| c["exp"] = (now - 600).into()),
                ),
                Refusal::Expired,
            ),
            (
                rsa_signed(
                    "rsa-a",
                    "test-only-rsa-a.pem",
                    &with(&|c| c["nbf"] = (now + 600).into()),
                ),
                Refusal::NotYetValid,
            ),
            (
                rsa_signed(
                    "rsa-a",
                    "test-only-rsa-a.pem",
                    &with(&|c| c["iss"] = "https://other.example.org".into()),
                ),
                Refusal::UnknownIssuer,
            ),
            (
                rsa_signed(
                    "rsa-a",
                    "test-only-rsa-a.pem",
                    &with(&|c| c["aud"] = "account".into()),
                ),
                Refusal::WrongAudience,
            ),
            (
                rsa_signed("rsa-a", "test-only-rsa-b.pem", &valid_claims()),
                Refusal::BadSignature,
            ),
            (
                rsa_signed("rsa-z", "test-only-rsa-a.pem", &valid_claims()),
                Refusal::UnknownKeyId,
            ),
            (
                {
                    // HS256 signed with the RSA public key as the secret.
                    let public =
                        std::fs::read(format!("{FIXTURES}/test-only-rsa-a.pub.pem")).unwrap();
                    let mut header = Header::new(Algorithm::HS256);
                    header.kid = Some("rsa-a".to_owned());
                    jsonwebtoken::encode(&header, &as_admin, &EncodingKey::from_secret(&public))
                        .unwrap()
                },
                Refusal::DevelopmentTokensOff,
            ),
            ("not-a-token".to_owned(), Refusal::Malformed),
        ];
        for (token, refusal) in attacks {
            assert_eq!(
                auth.check(&token).await.err(),
                Some(refusal),
                "{}",
                refusal.as_str()
            );
        }
        assert_eq!(auth.verified.len(), 1, "no refusal is remembered");
        assert_eq!(auth.check(&valid).await.unwrap().caller.subject, "kc-ana");
    }

    #[tokio::test]
    async fn a_token_whose_key_leaves_the_jwks_is_refused_after_the_refresh_remembered_or_not() {
        let (_folder, jwks, keys, auth) = with_changing_keys("jwks-ab.json").await;
        let remembered = rsa_signed("rsa-b", "test-only-rsa-b.pem", &valid_claims());
        assert!(auth.check(&remembered).await.is_ok());
        assert!(auth.check(&remembered).await.is_ok());
        let mut other = valid_claims();
        other["sub"] = "kc-ben".into();
        let unseen = rsa_signed("rsa-b", "test-only-rsa-b.pem", &other);

        // The provider drops key b; the periodic refresh reads the new set.
        std::fs::copy(format!("{FIXTURES}/jwks-a.json"), &jwks).unwrap();
        keys.refresh().await.unwrap();
        assert_eq!(
            auth.check(&remembered).await.err(),
            Some(Refusal::UnknownKeyId)
        );
        assert_eq!(auth.check(&unseen).await.err(), Some(Refusal::UnknownKeyId));
    }

    #[tokio::test]
    async fn a_key_id_given_to_another_key_ends_the_tokens_of_the_old_one() {
        let (_folder, jwks, keys, auth) = with_changing_keys("jwks-ab.json").await;
        let remembered = rsa_signed("rsa-b", "test-only-rsa-b.pem", &valid_claims());
        assert!(auth.check(&remembered).await.is_ok());

        // Key a's material published under the id `rsa-b`.
        let mut set: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&jwks).unwrap()).unwrap();
        let keys_array = set["keys"].as_array_mut().unwrap();
        let a = keys_array
            .iter()
            .find(|k| k["kid"] == "rsa-a")
            .unwrap()
            .clone();
        for key in keys_array.iter_mut().filter(|k| k["kid"] == "rsa-b") {
            *key = a.clone();
            key["kid"] = "rsa-b".into();
        }
        std::fs::write(&jwks, set.to_string()).unwrap();
        keys.refresh().await.unwrap();
        assert_eq!(
            auth.check(&remembered).await.err(),
            Some(Refusal::BadSignature)
        );
    }

    #[tokio::test]
    async fn an_unchanged_jwks_keeps_what_was_verified() {
        let (_folder, _jwks, keys, auth) = with_changing_keys("jwks-ab.json").await;
        let token = rsa_signed("rsa-a", "test-only-rsa-a.pem", &valid_claims());
        assert!(auth.check(&token).await.is_ok());
        let before = keys.generation();
        keys.refresh().await.unwrap();
        assert_eq!(keys.generation(), before);
        assert!(auth.still_valid(&auth.verified.get(&digest_of(&token)).unwrap()));
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_the_second_after_its_expiry_remembered_or_not() {
        let (_folder, _jwks, _keys, auth) = with_changing_keys("jwks-a.json").await;
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = valid_claims();
        claims["exp"] = (now + 1).into();
        let remembered = rsa_signed("rsa-a", "test-only-rsa-a.pem", &claims);
        claims["sub"] = "kc-ben".into();
        let unseen = rsa_signed("rsa-a", "test-only-rsa-a.pem", &claims);
        assert!(auth.check(&remembered).await.is_ok());
        assert!(auth.check(&remembered).await.is_ok());

        // Wait for the second after the expiry.
        while jsonwebtoken::get_current_timestamp() <= now + 1 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(auth.check(&remembered).await.err(), Some(Refusal::Expired));
        assert_eq!(auth.check(&unseen).await.err(), Some(Refusal::Expired));
    }

    #[tokio::test]
    async fn a_development_token_is_remembered_and_still_refused_once_expired() {
        let secret = Secret::generate();
        let auth = Authenticator::development(&secret);
        let token = mint_development_token(&secret, &admin(), Duration::from_secs(60)).unwrap();
        assert_eq!(auth.check(&token).await.unwrap().caller, admin());
        assert_eq!(auth.check(&token).await.unwrap().caller, admin());
        assert_eq!(auth.verified.len(), 1);
        // Another gateway's development key is not this one's, remembered here or not.
        let other = Authenticator::development(&Secret::generate());
        assert_eq!(other.check(&token).await.err(), Some(Refusal::BadSignature));
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
