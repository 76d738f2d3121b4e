//! Forwarding of calls to the service that owns them, at the HTTP/2 level: messages are not
//! decoded, so unary and server-streaming calls, metadata, deadlines (`grpc-timeout`),
//! trailers and status pass through unchanged, and a client that goes away cancels the
//! call upstream (dropping the response drops the upstream stream).
//!
//! A service that dies in the middle of a call (killed, or its connection cut) breaks the
//! upstream HTTP/2 stream; passed on as it is, the client would see a reset stream, which
//! gRPC reports as INTERNAL. The gateway ends such a call with UNAVAILABLE in its trailers
//! instead, as a service that stops normally does, so that clients retry (and a change feed
//! resumes from its cursor).

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};

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
                Ok(response) => Ok(response.map(|body| {
                    axum::body::Body::new(EndsUnavailable {
                        inner: body,
                        service,
                        ended: false,
                    })
                })),
                Err(error) => {
                    tracing::warn!(%service, %error, "service unreachable");
                    Ok(Error::Unavailable(format!("{service} is unreachable")).into_response())
                }
            }
        })
    }
}

/// An upstream response body whose failure (the service died, or the connection to it broke)
/// ends the call with UNAVAILABLE trailers instead of a reset stream.
struct EndsUnavailable<B> {
    inner: B,
    service: String,
    ended: bool,
}

/// The trailers of a call whose service stopped answering in its middle.
fn unavailable_trailers(service: &str) -> http::HeaderMap {
    let status: tonic::Status = Error::Unavailable(format!(
        "{service} stopped answering during this call; call again (a stream: subscribe again \
         with the cursor of the last message you processed)"
    ))
    .into();
    let (parts, ()) = status.into_http::<()>().into_parts();
    // The status as a trailers-only response carries it; trailers hold its grpc-* fields.
    parts
        .headers
        .into_iter()
        .filter_map(|(name, value)| name.map(|n| (n, value)))
        .filter(|(name, _)| name.as_str().starts_with("grpc-"))
        .collect()
}

impl<B> Body for EndsUnavailable<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Err(error))) => {
                self.ended = true;
                tracing::warn!(service = %self.service, %error, "service stopped answering during a call");
                Poll::Ready(Some(Ok(Frame::trailers(unavailable_trailers(
                    &self.service,
                )))))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    /// A body that sends one message, then fails as a connection cut by a killed server does.
    struct Broken(u8);

    impl Body for Broken {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            self.0 += 1;
            Poll::Ready(Some(match self.0 {
                1 => Ok(Frame::data(Bytes::from_static(b"message"))),
                _ => Err(std::io::Error::other("connection reset")),
            }))
        }
    }

    #[tokio::test]
    async fn a_broken_upstream_body_ends_with_unavailable_trailers() {
        let mut body = EndsUnavailable {
            inner: Broken(0),
            service: "engage.feeds.v1.FeedsService".into(),
            ended: false,
        };
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().ok(), Some(Bytes::from_static(b"message")));
        let last = body.frame().await.expect("a frame").expect("trailers");
        let trailers = last.into_trailers().expect("trailers");
        let status = tonic::Status::from_header_map(&trailers).expect("a status");
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
    }
}
