//! The web console's files, served at `/` beside gRPC and gRPC-Web on the same port.
//!
//! A request is the console's when it is a `GET` or `HEAD` whose content type is not
//! gRPC's: it is answered here, before authentication and gRPC-Web, and never reaches a
//! service. Files under `/assets/` carry a content hash in their names and are cached for a
//! year; `index.html` is revalidated on every load, so a new release is picked up at once.
//! Any other path that names no file is a route of the single-page application and gets
//! `index.html`; a missing file under `/assets/` is a plain 404.
//!
//! The gateway does not build the console: the `engage` binary hands it the files built
//! and compressed at compile time (`engage-console`), or none in a build without it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use tonic::body::Body;

/// Where hashed, immutable build outputs live.
const ASSETS_PREFIX: &str = "assets/";
/// The page of the single-page application.
const INDEX: &str = "index.html";

const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";
const CACHE_SHORT: &str = "public, max-age=300";

const WITHOUT_CONSOLE: &str = "This engage was built without the web console (cargo feature \
`console`). Its gRPC and gRPC-Web APIs are served on this port.\n";

/// One file of the console.
#[derive(Debug, Clone)]
pub struct ConsoleFile {
    /// Its path below the console's root, without a leading slash (`index.html`,
    /// `assets/index-3f2a9c.js`).
    pub path: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: Bytes,
    /// The same bytes compressed with gzip, when that makes them smaller.
    pub gzip: Option<Bytes>,
    /// The same bytes compressed with brotli, when that makes them smaller.
    pub brotli: Option<Bytes>,
}

impl ConsoleFile {
    /// A file at `path` (leading slashes are dropped), its content type taken from its
    /// extension.
    pub fn new(path: impl Into<String>, body: impl Into<Bytes>) -> Self {
        let path = path.into().trim_start_matches('/').to_owned();
        Self {
            content_type: content_type_for(&path),
            path,
            body: body.into(),
            gzip: None,
            brotli: None,
        }
    }

    /// The file with its gzip-compressed bytes.
    pub fn with_gzip(mut self, gzip: impl Into<Bytes>) -> Self {
        self.gzip = Some(gzip.into());
        self
    }

    /// The file with its brotli-compressed bytes.
    pub fn with_brotli(mut self, brotli: impl Into<Bytes>) -> Self {
        self.brotli = Some(brotli.into());
        self
    }
}

/// The content type of a file, from its extension.
pub fn content_type_for(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[derive(Debug)]
struct Entry {
    file: ConsoleFile,
    etag: HeaderValue,
}

/// The console's files, by path. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ConsoleAssets {
    files: Arc<HashMap<String, Entry>>,
}

impl ConsoleAssets {
    /// The console made of `files`; each gets an entity tag from a hash of its bytes.
    pub fn new(files: impl IntoIterator<Item = ConsoleFile>) -> Self {
        let files = files
            .into_iter()
            .map(|file| {
                // SipHash with fixed keys: the same bytes give the same tag in every replica
                // of one build, which is all a validator needs.
                let mut hasher = std::hash::DefaultHasher::new();
                file.body.hash(&mut hasher);
                let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
                    .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
                (file.path.clone(), Entry { file, etag })
            })
            .collect();
        Self {
            files: Arc::new(files),
        }
    }

    /// How many files the console has.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the console has no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file at `path`, if any.
    pub fn get(&self, path: &str) -> Option<&ConsoleFile> {
        self.files.get(path).map(|e| &e.file)
    }
}

/// The console's `Content-Security-Policy`. `issuer` is the OpenID Connect issuer the
/// console signs in with: the browser fetches its discovery document and tokens from there
/// (`connect-src`) and is sent there to sign in and out (`form-action`). Scripts come only
/// from the console itself; `'wasm-unsafe-eval'` lets them compile WebAssembly (the check-in
/// desk's bundled badge reader), which browsers otherwise refuse under `script-src`, without
/// allowing `eval` of JavaScript.
pub fn content_security_policy(issuer: Option<&str>) -> String {
    let origin = issuer
        .and_then(|i| url::Url::parse(i).ok())
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map(|o| format!(" {}", o.ascii_serialization()))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'{origin}; \
         form-action 'self'{origin}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )
}

/// Whether `request` is for the console rather than a gRPC or gRPC-Web call.
pub fn is_console_request<B>(request: &Request<B>) -> bool {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    !request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/grpc"))
}

/// Answers console requests.
#[derive(Debug, Clone)]
struct Console {
    assets: Option<ConsoleAssets>,
    csp: HeaderValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The encodings `accept` (an `Accept-Encoding` value) admits: `(brotli, gzip)`.
fn accepted(accept: &str) -> (bool, bool) {
    let mut brotli = false;
    let mut gzip = false;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match coding.as_str() {
            "br" => brotli = !refused,
            "gzip" | "x-gzip" => gzip = !refused,
            "*" if !refused => {
                brotli = true;
                gzip = true;
            }
            _ => {}
        }
    }
    (brotli, gzip)
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as for GET).
fn matches_etag(if_none_match: &str, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or_default();
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

impl Console {
    fn with_security_headers(&self, mut response: Response<Body>) -> Response<Body> {
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response
    }

    fn text(&self, status: StatusCode, text: &'static str) -> Response<Body> {
        let mut response = Response::new(Body::new(Full::new(Bytes::from_static(text.as_bytes()))));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        self.with_security_headers(response)
    }

    fn answer<B>(&self, request: &Request<B>) -> Response<Body> {
        let Some(assets) = &self.assets else {
            return self.text(StatusCode::NOT_FOUND, WITHOUT_CONSOLE);
        };
        let path = request.uri().path().trim_start_matches('/');
        let path = if path.is_empty() { INDEX } else { path };
        let entry = match assets.files.get(path) {
            Some(entry) => entry,
            None if path.starts_with(ASSETS_PREFIX) => {
                return self.text(StatusCode::NOT_FOUND, "not found\n");
            }
            None => match assets.files.get(INDEX) {
                Some(entry) => entry,
                None => return self.text(StatusCode::NOT_FOUND, "not found\n"),
            },
        };
        let file = &entry.file;
        let cache = if file.path == INDEX {
            CACHE_REVALIDATE
        } else if file.path.starts_with(ASSETS_PREFIX) {
            CACHE_IMMUTABLE
        } else {
            CACHE_SHORT
        };

        let mut response = Response::new(Body::empty());
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::ETAG, entry.etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));

        let not_modified = request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| matches_etag(v, &entry.etag));
        if not_modified {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return self.with_security_headers(response);
        }

        let (brotli, gzip) = request
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(accepted)
            .fold((false, false), |(b, g), (b2, g2)| (b || b2, g || g2));
        let (encoding, body) = match (&file.brotli, &file.gzip) {
            (Some(br), _) if brotli => (Encoding::Brotli, br.clone()),
            (_, Some(gz)) if gzip => (Encoding::Gzip, gz.clone()),
            _ => (Encoding::Identity, file.body.clone()),
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        match encoding {
            Encoding::Brotli => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
            Encoding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Identity => {}
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        if request.method() != Method::HEAD {
            *response.body_mut() = Body::new(Full::new(body));
        }
        self.with_security_headers(response)
    }
}

/// The layer answering console requests before anything else sees them.
#[derive(Debug, Clone)]
pub struct ConsoleLayer {
    console: Arc<Console>,
}

impl ConsoleLayer {
    /// A layer serving `assets` (or, without them, saying the console is not built in),
    /// with a security policy admitting `issuer`.
    pub fn new(assets: Option<ConsoleAssets>, issuer: Option<&str>) -> Self {
        let csp = HeaderValue::from_str(&content_security_policy(issuer))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Self {
            console: Arc::new(Console { assets, csp }),
        }
    }
}

impl<S> tower::Layer<S> for ConsoleLayer {
    type Service = ConsoleService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsoleService {
            inner,
            console: self.console.clone(),
        }
    }
}

/// See [`ConsoleLayer`].
#[derive(Debug, Clone)]
pub struct ConsoleService<S> {
    inner: S,
    console: Arc<Console>,
}

impl<S, B, R> tower::Service<Request<B>> for ConsoleService<S>
where
    S: tower::Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    R: http_body::Body<Data = Bytes> + Send + 'static,
    R::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if is_console_request(&request) {
            let response = self.console.answer(&request);
            return Box::pin(async move { Ok(response) });
        }
        // The clone serves the next call; the instance that was made ready serves this one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { Ok(inner.call(request).await?.map(Body::new)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert_eq!(accepted("gzip, deflate, br"), (true, true));
        assert_eq!(accepted("gzip;q=1.0, br;q=0"), (false, true));
        assert_eq!(accepted("*"), (true, true));
        assert_eq!(accepted("identity"), (false, false));
    }

    #[test]
    fn the_issuer_origin_is_in_the_policy() {
        let csp = content_security_policy(Some("https://id.example.org/realms/engage"));
        assert!(
            csp.contains("connect-src 'self' https://id.example.org;"),
            "{csp}"
        );
        assert!(
            csp.contains("form-action 'self' https://id.example.org;"),
            "{csp}"
        );
        let plain = content_security_policy(None);
        assert!(plain.contains("connect-src 'self';"), "{plain}");
    }

    #[test]
    fn scripts_are_the_consoles_own_and_may_compile_webassembly_but_not_eval() {
        let csp = content_security_policy(None);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    }

    #[test]
    fn grpc_web_posts_and_grpc_gets_are_not_the_console() {
        let get = Request::get("/").body(()).unwrap_or_default();
        assert!(is_console_request(&get));
        let post = Request::post("/x")
            .header("content-type", "application/grpc-web+proto")
            .body(())
            .unwrap_or_default();
        assert!(!is_console_request(&post));
        let odd = Request::get("/x")
            .header("content-type", "application/grpc")
            .body(())
            .unwrap_or_default();
        assert!(!is_console_request(&odd));
    }
}
