//! The identity provider's public keys (a JWKS), by key id, kept fresh.
//!
//! Keys are loaded at start (a gateway that cannot load them does not start), refreshed in
//! the background, and refreshed once more when a token names a key id the set does not
//! hold (the provider rotated its keys), at most once per [`MIN_REFRESH_INTERVAL`], so a
//! flood of tokens with made-up key ids cannot turn into a flood of fetches.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};

/// The shortest time between two refreshes caused by unknown key ids.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// A JSON file holding a JWKS.
    File(PathBuf),
    /// An HTTPS (or HTTP, for a local provider) URL serving a JWKS.
    Url(String),
}

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The file could not be read.
    #[error("reading {0}: {1}")]
    File(PathBuf, std::io::Error),
    /// The URL could not be fetched.
    #[error("fetching {0}: {1}")]
    Fetch(String, String),
    /// The document is not a JWKS.
    #[error("not a JWKS: {0}")]
    Parse(String),
    /// The JWKS holds no key this gateway can use.
    #[error("the JWKS holds no RS256, ES256 or EdDSA key with a key id")]
    NoUsableKey,
}

#[derive(Clone)]
struct Key {
    algorithm: Algorithm,
    decoding: DecodingKey,
}

/// The keys of one JWKS document, and what they were made from, so a refresh can tell
/// whether anything changed.
struct Held {
    keys: HashMap<String, Key>,
    /// Each usable key id with its JWK as JSON, in key id order.
    fingerprint: Vec<(String, String)>,
}

struct Inner {
    source: JwksSource,
    min_refresh_interval: Duration,
    http: reqwest::Client,
    held: RwLock<Held>,
    /// Counts the refreshes that changed the keys: what was verified under an older
    /// generation must be verified again (a removed or replaced key ends its tokens).
    generation: AtomicU64,
    last_refresh: tokio::sync::Mutex<Instant>,
}

/// A set of verification keys by key id.
#[derive(Clone)]
pub struct KeySet {
    inner: Arc<Inner>,
}

/// The algorithm a JWK is for: its `alg` when given, otherwise what its key type implies.
/// Only RS256, ES256 (P-256) and EdDSA (Ed25519) are accepted; symmetric keys never are.
fn algorithm_of(jwk: &jsonwebtoken::jwk::Jwk) -> Option<Algorithm> {
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(implied),
        Some(KeyAlgorithm::RS256) if implied == Algorithm::RS256 => Some(implied),
        Some(KeyAlgorithm::ES256) if implied == Algorithm::ES256 => Some(implied),
        Some(KeyAlgorithm::EdDSA) if implied == Algorithm::EdDSA => Some(implied),
        Some(_) => None,
    }
}

fn parse(document: &str) -> Result<Held, JwksError> {
    let set: JwkSet =
        serde_json::from_str(document).map_err(|e| JwksError::Parse(e.to_string()))?;
    let mut keys = HashMap::new();
    let mut fingerprint = Vec::new();
    for jwk in &set.keys {
        let (Some(kid), Some(algorithm)) = (jwk.common.key_id.clone(), algorithm_of(jwk)) else {
            continue;
        };
        if let Ok(decoding) = DecodingKey::from_jwk(jwk) {
            fingerprint.push((kid.clone(), serde_json::to_string(jwk).unwrap_or_default()));
            keys.insert(
                kid,
                Key {
                    algorithm,
                    decoding,
                },
            );
        }
    }
    if keys.is_empty() {
        return Err(JwksError::NoUsableKey);
    }
    fingerprint.sort();
    Ok(Held { keys, fingerprint })
}

impl KeySet {
    /// Loads the keys from `source`.
    pub async fn load(source: JwksSource) -> Result<Self, JwksError> {
        Self::load_with_min_refresh(source, MIN_REFRESH_INTERVAL).await
    }

    /// Loads the keys, with another shortest time between refreshes for unknown key ids.
    pub async fn load_with_min_refresh(
        source: JwksSource,
        min_refresh_interval: Duration,
    ) -> Result<Self, JwksError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| JwksError::Fetch(String::new(), e.to_string()))?;
        let held = Self::fetch(&source, &http).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                source,
                min_refresh_interval,
                http,
                held: RwLock::new(held),
                generation: AtomicU64::new(0),
                last_refresh: tokio::sync::Mutex::new(Instant::now()),
            }),
        })
    }

    async fn fetch(source: &JwksSource, http: &reqwest::Client) -> Result<Held, JwksError> {
        let document = match source {
            JwksSource::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|e| JwksError::File(path.clone(), e))?,
            JwksSource::Url(url) => {
                let fetch_error = |e: reqwest::Error| JwksError::Fetch(url.clone(), e.to_string());
                http.get(url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(fetch_error)?
                    .text()
                    .await
                    .map_err(fetch_error)?
            }
        };
        parse(&document)
    }

    /// Fetches the keys again and replaces the set; on failure the old keys stay. A set that
    /// changed starts a new [`generation`](Self::generation).
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let held = Self::fetch(&self.inner.source, &self.inner.http).await?;
        let count = held.keys.len();
        if let Ok(mut current) = self.inner.held.write()
            && current.fingerprint != held.fingerprint
        {
            *current = held;
            self.inner.generation.fetch_add(1, Ordering::AcqRel);
        }
        *self.inner.last_refresh.lock().await = Instant::now();
        Ok(count)
    }

    /// Which set of keys is held: it moves on whenever a refresh changes the keys.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// Refreshes every `every` until the process ends.
    pub fn spawn_refresh(&self, every: Duration) {
        let set = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(error) = set.refresh().await {
                    tracing::warn!(%error, "refreshing the JWKS failed; keeping the keys held");
                }
            }
        });
    }

    fn lookup(&self, kid: &str, algorithm: Algorithm) -> Option<DecodingKey> {
        let held = self.inner.held.read().ok()?;
        held.keys
            .get(kid)
            .filter(|k| k.algorithm == algorithm)
            .map(|k| k.decoding.clone())
    }

    /// Whether the set holds a key with this id (for any algorithm).
    pub fn knows(&self, kid: &str) -> bool {
        self.inner
            .held
            .read()
            .is_ok_and(|held| held.keys.contains_key(kid))
    }

    /// The key `kid` for `algorithm`. An unknown key id triggers one refresh, unless one
    /// happened within the shortest refresh interval. A key for another algorithm is never
    /// returned, so a token cannot choose how its signature is checked.
    pub async fn key_for(&self, kid: &str, algorithm: Algorithm) -> Option<DecodingKey> {
        if let Some(key) = self.lookup(kid, algorithm) {
            return Some(key);
        }
        let known = self.inner.held.read().ok()?.keys.contains_key(kid);
        if known {
            return None;
        }
        {
            let last = self.inner.last_refresh.lock().await;
            if last.elapsed() < self.inner.min_refresh_interval {
                return None;
            }
        }
        if let Err(error) = self.refresh().await {
            tracing::warn!(%error, "refreshing the JWKS for an unknown key id failed");
        }
        self.lookup(kid, algorithm)
    }
}
