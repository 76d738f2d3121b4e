//! Health of the whole system as seen from outside: the gateway answers for itself, and
//! for each service by asking that service, so a probe or an operator can check every
//! service through the one public port.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::Health;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// How long the gateway waits for a service's own health answer.
const UPSTREAM_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The gateway's health service.
#[derive(Clone)]
pub struct SystemHealth {
    own_names: Arc<[String]>,
    upstreams: Arc<HashMap<String, Channel>>,
}

impl SystemHealth {
    /// Health for a gateway known as `own_names` in front of `upstreams` (gRPC service
    /// name → channel).
    pub fn new(own_names: Vec<String>, upstreams: HashMap<String, Channel>) -> Self {
        Self {
            own_names: own_names.into(),
            upstreams: Arc::new(upstreams),
        }
    }

    fn is_own(&self, service: &str) -> bool {
        service.is_empty() || self.own_names.iter().any(|n| n == service)
    }
}

fn status(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Health for SystemHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        if self.is_own(&service) {
            return Ok(Response::new(status(ServingStatus::Serving)));
        }
        let channel = self
            .upstreams
            .get(&service)
            .ok_or_else(|| Status::not_found(format!("unknown service {service}")))?;
        let mut client = HealthClient::new(channel.clone());
        let answer = tokio::time::timeout(
            UPSTREAM_CHECK_TIMEOUT,
            client.check(HealthCheckRequest {
                service: service.clone(),
            }),
        )
        .await;
        match answer {
            Ok(Ok(response)) => Ok(Response::new(response.into_inner())),
            Ok(Err(error)) => {
                tracing::warn!(%service, %error, "service health check failed");
                Ok(Response::new(status(ServingStatus::NotServing)))
            }
            Err(_) => {
                tracing::warn!(%service, "service health check timed out");
                Ok(Response::new(status(ServingStatus::NotServing)))
            }
        }
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let service = request.into_inner().service;
        if self.is_own(&service) {
            let serving = futures::stream::once(async { Ok(status(ServingStatus::Serving)) });
            let stream: WatchStream = Box::pin(futures::StreamExt::chain(
                serving,
                futures::stream::pending(),
            ));
            return Ok(Response::new(stream));
        }
        let channel = self
            .upstreams
            .get(&service)
            .ok_or_else(|| Status::not_found(format!("unknown service {service}")))?;
        let mut client = HealthClient::new(channel.clone());
        match client.watch(HealthCheckRequest { service }).await {
            Ok(upstream) => Ok(Response::new(Box::pin(upstream.into_inner()))),
            Err(_) => {
                let down = futures::stream::once(async { Ok(status(ServingStatus::NotServing)) });
                Ok(Response::new(Box::pin(down)))
            }
        }
    }
}
