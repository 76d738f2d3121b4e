//! The log line an operator reads when the gateway refuses a token: the reason, the token's
//! issuer, key id, subject and audiences, and never the token itself. Its own test binary,
//! so that no other test meets the log's call site before the subscriber is in place.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engage_gateway::jwks::{JwksSource, KeySet};
use engage_gateway::{AuthSettings, Authenticator};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const ISSUER: &str = "https://idp.example.org/realms/engage";

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut lines) = self.0.lock() {
            lines.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_token_is_logged_with_what_it_says_of_itself_and_never_itself() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let keys = KeySet::load_with_min_refresh(
        JwksSource::File(format!("{FIXTURES}/jwks-a.json").into()),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let auth = Authenticator::new(
        AuthSettings {
            issuers: vec![ISSUER.to_owned()],
            audience: "engage".to_owned(),
            leeway: Duration::from_secs(5),
        },
        Some(keys),
        None,
    );
    let now = jsonwebtoken::get_current_timestamp();
    // Keycloak's shape when the engage client is not among the token's audiences.
    let claims = serde_json::json!({
        "sub": "kc-ana", "roles": ["viewer"], "iss": ISSUER, "aud": ["account", "broker"],
        "iat": now, "exp": now + 300,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-a".to_owned());
    let pem = std::fs::read(format!("{FIXTURES}/test-only-rsa-a.pem")).unwrap();
    let token =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap();

    let refused = auth
        .verify(Some(&format!("Bearer {token}")))
        .await
        .unwrap_err();
    // The caller still hears only that the token is invalid.
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    assert!(
        refused.to_string().contains("invalid or expired"),
        "{refused}"
    );

    let logged = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains(" INFO "), "{logged}");
    for expected in [
        "token refused",
        "reason=\"wrong_audience\"",
        ISSUER,
        "key_id=rsa-a",
        "subject=kc-ana",
        "[\"account\", \"broker\"]",
        "expected_audience=engage",
    ] {
        assert!(logged.contains(expected), "{expected} missing in {logged}");
    }
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !logged.contains(signature),
        "the token was logged: {logged}"
    );
}
