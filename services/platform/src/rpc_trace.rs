//! One span per gRPC call, on both sides, joined into one trace by W3C trace context.
//!
//! [`ServerTraceLayer`] continues the caller's trace from the `traceparent` / `tracestate`
//! metadata, opens a server span with the method (and, once known, the caller's subject,
//! the resource and the status code), and counts the call in the RED metrics when its
//! response ends. [`ClientTraceLayer`] opens a client span for a call to another service
//! and puts its context in the outgoing metadata. Health checks are not traced.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures::future::BoxFuture;
use http_body::{Body, Frame};
use opentelemetry::KeyValue;
use opentelemetry::global;
use opentelemetry::propagation::{Extractor, Injector};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry::rpc_metrics;

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Writes the current span's trace context into `headers`, replacing any there.
pub fn inject_current_context(headers: &mut http::HeaderMap) {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|p| p.inject_context(&context, &mut HeaderInjector(headers)));
}

fn split_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    trimmed.split_once('/').unwrap_or((trimmed, ""))
}

fn is_untraced(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
}

/// Opens the server span of every call; `server` names the process part (such as
/// `contacts` or `gateway`).
#[derive(Clone, Copy)]
pub struct ServerTraceLayer {
    server: &'static str,
}

impl ServerTraceLayer {
    /// A layer for the server `server`.
    pub fn new(server: &'static str) -> Self {
        Self { server }
    }
}

impl<S> tower::Layer<S> for ServerTraceLayer {
    type Service = ServerTrace<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ServerTrace {
            inner,
            server: self.server,
        }
    }
}

/// See [`ServerTraceLayer`].
#[derive(Clone)]
pub struct ServerTrace<S> {
    inner: S,
    server: &'static str,
}

impl<S, B, R> tower::Service<http::Request<B>> for ServerTrace<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    R: Body,
{
    type Response = http::Response<Finished<R>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().to_owned();
        if is_untraced(&path) {
            let future = self.inner.call(request);
            return Box::pin(async move { Ok(future.await?.map(Finished::untraced)) });
        }
        let (service, method) = split_path(&path);
        let span = tracing::info_span!(
            "rpc.server",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
            enduser.id = tracing::field::Empty,
            engage.resource = tracing::field::Empty,
            engage.server = self.server,
        );
        let parent =
            global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(request.headers())));
        let _ = span.set_parent(parent);
        let labels = vec![
            KeyValue::new("rpc.service", service.to_owned()),
            KeyValue::new("rpc.method", method.to_owned()),
        ];
        let started = Instant::now();
        // Inner layers' synchronous parts (the identity check) run inside the span too.
        let future = span.in_scope(|| self.inner.call(request));
        Box::pin(
            async move {
                let response = future.await?;
                let span = tracing::Span::current();
                let early = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok());
                let watch = CallEnd {
                    span,
                    labels,
                    started,
                };
                Ok(response.map(|body| Finished::new(body, watch, early)))
            }
            .instrument(span),
        )
    }
}

/// What to record when a call's response ends.
struct CallEnd {
    span: tracing::Span,
    labels: Vec<KeyValue>,
    started: Instant,
}

impl CallEnd {
    fn record(self, code: i32) {
        self.span.record("rpc.grpc.status_code", code);
        let mut labels = self.labels;
        labels.push(KeyValue::new("rpc.grpc.status_code", i64::from(code)));
        let metrics = rpc_metrics();
        metrics.requests.add(1, &labels);
        if code != 0 {
            metrics.errors.add(1, &labels);
        }
        metrics
            .duration
            .record(self.started.elapsed().as_secs_f64() * 1000.0, &labels);
    }
}

/// A response body that records the call's status (from its trailers, or its headers for
/// a trailers-only answer) when it ends.
pub struct Finished<B> {
    inner: B,
    end: Option<CallEnd>,
}

impl<B> Finished<B> {
    fn new(inner: B, end: CallEnd, early_status: Option<i32>) -> Self {
        match early_status {
            Some(code) => {
                end.record(code);
                Self { inner, end: None }
            }
            None => Self {
                inner,
                end: Some(end),
            },
        }
    }

    fn untraced(inner: B) -> Self {
        Self { inner, end: None }
    }
}

impl<B> Drop for Finished<B> {
    fn drop(&mut self) {
        // A body dropped before its trailers: the client went away.
        if let Some(end) = self.end.take() {
            end.record(1);
        }
    }
}

impl<B: Body + Unpin> Body for Finished<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    let code = trailers
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<i32>().ok())
                        .unwrap_or(2);
                    if let Some(end) = self.end.take() {
                        end.record(code);
                    }
                }
            }
            Poll::Ready(Some(Err(_))) => {
                if let Some(end) = self.end.take() {
                    end.record(2);
                }
            }
            Poll::Ready(None) => {
                if let Some(end) = self.end.take() {
                    end.record(0);
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Opens a client span for each call to another service and passes its trace context on.
#[derive(Clone, Copy, Default)]
pub struct ClientTraceLayer;

impl<S> tower::Layer<S> for ClientTraceLayer {
    type Service = ClientTrace<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ClientTrace { inner }
    }
}

/// See [`ClientTraceLayer`].
#[derive(Clone)]
pub struct ClientTrace<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for ClientTrace<S>
where
    S: tower::Service<http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let (service, method) = split_path(&path);
        let span = tracing::info_span!(
            "rpc.client",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
        );
        span.in_scope(|| inject_current_context(request.headers_mut()));
        Box::pin(self.inner.call(request).instrument(span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            split_path("/engage.contacts.v1.ContactsService/GetOrganization"),
            ("engage.contacts.v1.ContactsService", "GetOrganization")
        );
        assert_eq!(split_path("/odd"), ("odd", ""));
        assert!(is_untraced("/grpc.health.v1.Health/Check"));
    }
}
