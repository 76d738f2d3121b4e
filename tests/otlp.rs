//! Spans leave the process over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` says where: a
//! collector on loopback receives them, with the service's name and version.
//!
//! This binary holds one test because it sets the process environment before telemetry
//! starts, as an operator's deployment would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use engage_platform::telemetry::{LogFormat, init};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::net::TcpListener;

#[derive(Clone, Default)]
struct Collector {
    received: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        if let Ok(mut received) = self.received.lock() {
            received.push(request.into_inner());
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_collector_with_the_service_name() {
    let collector = Collector::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = collector.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(server))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .expect("collector serves");
    });

    // SAFETY: the only test of this binary, before any thread reads the environment.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{address}"));
        std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        std::env::remove_var("OTEL_SERVICE_NAME");
    }
    let telemetry = init("engage-contacts", LogFormat::Json).expect("exporter");
    tracing::info_span!(
        "rpc.server",
        otel.name = "engage.contacts.v1.ContactsService/GetOrganization"
    )
    .in_scope(|| tracing::info!("inside"));
    // Shutting down flushes the batch; it blocks, so off the runtime's threads.
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .expect("shutdown");

    let mut exported = Vec::new();
    for _ in 0..100 {
        exported = collector
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        if !exported.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resource_spans = exported
        .iter()
        .flat_map(|r| r.resource_spans.iter())
        .next()
        .expect("the collector received spans");
    let attributes = &resource_spans
        .resource
        .as_ref()
        .expect("resource")
        .attributes;
    let value_of = |key: &str| {
        attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.as_ref())
            .map(|v| format!("{v:?}"))
            .unwrap_or_default()
    };
    assert!(value_of("service.name").contains("engage-contacts"));
    assert!(value_of("service.version").contains(env!("CARGO_PKG_VERSION")));
    let names: Vec<&str> = resource_spans
        .scope_spans
        .iter()
        .flat_map(|s| s.spans.iter().map(|span| span.name.as_str()))
        .collect();
    assert!(
        names.contains(&"engage.contacts.v1.ContactsService/GetOrganization"),
        "{names:?}"
    );
}
