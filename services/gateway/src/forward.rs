//! Forwarding of calls to the service that owns them, at the HTTP/2 level: messages are not
//! decoded, so unary and server-streaming calls, metadata, deadlines (`grpc-timeout`),
//! trailers and status pass through unchanged, and a client that goes away cancels the
//! call upstream (dropping the response drops the upstream stream).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use engage_platform::Error;
use engage_platform::identity::{INTERNAL_TOKEN_HEADER, InternalKey};
use futures::future::BoxFuture;
use tonic::transport::Channel;
use tower::ServiceExt;

use crate::auth::Authenticated;

/// Forwards each call to the upstream serving its gRPC service.
#[derive(Clone)]
pub struct Forwarder {
    upstreams: Arc<HashMap<String, Channel>>,
    internal_key: InternalKey,
}

impl Forwarder {
    /// Forwards to `upstreams` (full gRPC service name → channel), naming the caller in an
    /// internal token signed with `internal_key`.
    pub fn new(upstreams: HashMap<String, Channel>, internal_key: InternalKey) -> Self {
        Self {
            upstreams: Arc::new(upstreams),
            internal_key,
        }
    }
}

impl tower::Service<http::Request<axum::body::Body>> for Forwarder {
    type Response = http::Response<axum::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<axum::body::Body>) -> Self::Future {
        let service = request
            .uri()
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let channel = self.upstreams.get(&service).cloned();
        let key = self.internal_key.clone();
        Box::pin(async move {
            let Some(channel) = channel else {
                return Ok(Error::PermissionDenied {
                    reason: "METHOD_NOT_ALLOWED",
                    message: format!("{service} is not served here"),
                }
                .into_response());
            };
            let Some(verified) = request.extensions().get::<Authenticated>() else {
                return Ok(Error::Unauthenticated {
                    reason: "TOKEN_MISSING",
                    message: "send `authorization: Bearer <token>`".into(),
                }
                .into_response());
            };
            let token = match key.mint(&verified.caller) {
                Ok(token) => token,
                Err(error) => return Ok(error.into_response()),
            };
            let headers = request.headers_mut();
            // The caller's own token stays at the edge; a client-supplied internal token is
            // never passed on.
            headers.remove(http::header::AUTHORIZATION);
            headers.remove(INTERNAL_TOKEN_HEADER);
            match http::HeaderValue::from_str(&token) {
                Ok(value) => {
                    headers.insert(INTERNAL_TOKEN_HEADER, value);
                }
                Err(_) => {
                    return Ok(
                        Error::Internal("internal token is not a header value".into())
                            .into_response(),
                    );
                }
            }
            // The service's span continues this call's trace.
            engage_platform::rpc_trace::inject_current_context(request.headers_mut());
            *request.version_mut() = http::Version::HTTP_2;
            let request = request.map(tonic::body::Body::new);
            match channel.oneshot(request).await {
                Ok(response) => Ok(response.map(axum::body::Body::new)),
                Err(error) => {
                    tracing::warn!(%service, %error, "service unreachable");
                    Ok(Error::Unavailable(format!("{service} is unreachable")).into_response())
                }
            }
        })
    }
}
