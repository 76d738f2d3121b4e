//! What every public call passes before it reaches a handler or a service: the bearer
//! token is verified, the method's permission checked against the caller's roles, and the
//! caller's rate limit taken. Health and reflection are open; the methods the permission
//! table marks open (the web console's settings and development sign-in) need no token and
//! are rate limited per client address.

use std::sync::Arc;
use std::task::{Context, Poll};

use engage_platform::Error;
use engage_platform::identity::is_open_path;
use futures::future::BoxFuture;

use crate::auth::Authenticator;
use crate::permissions::{authorize, is_open_method, required};
use crate::ratelimit::RateLimiter;

/// What the edge needs to decide.
pub struct EdgePolicy {
    /// Verifies bearer tokens.
    pub authenticator: Authenticator,
    /// Takes rate limits.
    pub limiter: RateLimiter,
}

/// The layer putting [`EdgePolicy`] in front of the gateway's routes.
#[derive(Clone)]
pub struct EdgeLayer {
    policy: Arc<EdgePolicy>,
}

impl EdgeLayer {
    /// A layer applying `policy`.
    pub fn new(policy: EdgePolicy) -> Self {
        Self {
            policy: Arc::new(policy),
        }
    }
}

impl<S> tower::Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Edge {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// See [`EdgeLayer`].
#[derive(Clone)]
pub struct Edge<S> {
    inner: S,
    policy: Arc<EdgePolicy>,
}

impl<S, B, R> tower::Service<http::Request<B>> for Edge<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone serves the next call; the instance that was made ready serves this one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let policy = self.policy.clone();
        Box::pin(async move {
            let path = request.uri().path().to_owned();
            if is_open_path(&path) {
                return inner.call(request).await;
            }
            if is_open_method(&path) {
                let class = required(&path).map(|p| p.class());
                let address = request
                    .extensions()
                    .get::<tonic::transport::server::TcpConnectInfo>()
                    .and_then(|info| info.remote_addr())
                    .map(|a| a.ip().to_string())
                    .unwrap_or_else(|| "unknown".to_owned());
                // Anonymous callers share one limit per address, kept apart from subjects.
                let principal = format!("anonymous:{address}");
                if let Some(class) = class
                    && let Err(retry_after) = policy.limiter.check(&principal, class).await
                {
                    return Ok(Error::ResourceExhausted { retry_after }.into_response());
                }
                return inner.call(request).await;
            }
            let authorization = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let verified = match policy.authenticator.verify(authorization).await {
                Ok(verified) => verified,
                Err(error) => return Ok(error.into_response()),
            };
            tracing::Span::current().record("enduser.id", verified.caller.subject.as_str());
            let permission = match authorize(&verified.caller, &path) {
                Ok(permission) => permission,
                Err(error) => {
                    tracing::info!(subject = %verified.caller.subject, %path, "permission denied");
                    return Ok(error.into_response());
                }
            };
            if let Err(retry_after) = policy
                .limiter
                .check(&verified.caller.subject, permission.class())
                .await
            {
                engage_platform::telemetry::rpc_metrics().rate_limited.add(
                    1,
                    &[opentelemetry::KeyValue::new(
                        "class",
                        permission.class().as_str(),
                    )],
                );
                return Ok(Error::ResourceExhausted { retry_after }.into_response());
            }
            request.extensions_mut().insert(verified);
            inner.call(request).await
        })
    }
}
