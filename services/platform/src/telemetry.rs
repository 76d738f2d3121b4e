//! Logs, traces and metrics, set up once per process.
//!
//! Every log line carries the trace and span ids of the span it was written in (text for a
//! terminal, one JSON object per line for collectors). Traces always exist, so that ids
//! appear in logs and W3C trace context travels on; they are exported over OTLP only when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`OTEL_EXPORTER_OTLP_PROTOCOL` `grpc`, the default,
//! or `http/protobuf`), sampled as `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` say.
//! Metrics are exported over the same endpoint.

use std::fmt::Write as _;
use std::sync::OnceLock;

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::{KeyValue, global};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanExporter};
use tracing::{Event, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines, for a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The providers to flush and shut down when the process ends.
pub struct Telemetry {
    tracer: SdkTracerProvider,
    meter: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Flushes what is buffered and stops the exporters.
    pub fn shutdown(self) {
        let _ = self.tracer.shutdown();
        if let Some(meter) = self.meter {
            let _ = meter.shutdown();
        }
    }
}

fn sampler_from_env() -> Sampler {
    let ratio = std::env::var("OTEL_TRACES_SAMPLER_ARG")
        .ok()
        .and_then(|a| a.parse::<f64>().ok())
        .unwrap_or(1.0)
        .clamp(0.0, 1.0);
    match std::env::var("OTEL_TRACES_SAMPLER").as_deref() {
        Ok("always_on") => Sampler::AlwaysOn,
        Ok("always_off") => Sampler::AlwaysOff,
        Ok("traceidratio") => Sampler::TraceIdRatioBased(ratio),
        Ok("parentbased_always_off") => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        Ok("parentbased_traceidratio") => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio)))
        }
        _ => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
    }
}

fn resource(service: &str) -> Resource {
    Resource::builder()
        .with_service_name(
            std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service.to_owned()),
        )
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build()
}

fn uses_http() -> bool {
    std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").is_ok_and(|p| p.starts_with("http"))
}

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("OpenTelemetry exporter: {0}")]
pub struct TelemetryError(String);

/// Sets up logs, traces and metrics for a process running `service` (such as
/// `engage-contacts`), exporting over OTLP when the environment asks for it.
pub fn init(service: &str, format: LogFormat) -> Result<Telemetry, TelemetryError> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok_and(|e| !e.is_empty());
    let exporter = if endpoint {
        let built = if uses_http() {
            opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()
        } else {
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .build()
        };
        Some(built.map_err(|e| TelemetryError(e.to_string()))?)
    } else {
        None
    };
    let meter = if endpoint {
        let built = if uses_http() {
            opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .build()
        } else {
            opentelemetry_otlp::MetricExporter::builder()
                .with_tonic()
                .build()
        };
        let exporter = built.map_err(|e| TelemetryError(e.to_string()))?;
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(exporter)
            .with_resource(resource(service))
            .build();
        global::set_meter_provider(provider.clone());
        Some(provider)
    } else {
        None
    };
    let mut telemetry = install(
        service,
        format,
        exporter,
        false,
        BoxMakeWriter::new(std::io::stderr),
    );
    telemetry.meter = meter;
    Ok(telemetry)
}

/// Sets up logs and traces with a given span exporter (exported as each span ends when
/// `immediate`) and log writer. Tests use it with an in-memory exporter and a captured
/// writer. Installing twice keeps the first subscriber.
pub fn install<E: SpanExporter + 'static>(
    service: &str,
    format: LogFormat,
    exporter: Option<E>,
    immediate: bool,
    writer: BoxMakeWriter,
) -> Telemetry {
    let mut builder = SdkTracerProvider::builder()
        .with_sampler(sampler_from_env())
        .with_resource(resource(service));
    if let Some(exporter) = exporter {
        builder = if immediate {
            builder.with_simple_exporter(exporter)
        } else {
            builder.with_batch_exporter(exporter)
        };
    }
    let provider = builder.build();
    global::set_text_map_propagator(TraceContextPropagator::new());
    global::set_tracer_provider(provider.clone());

    let filter = std::env::var("ENGAGE_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer()
        .with_ansi(
            matches!(format, LogFormat::Text)
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .with_writer(writer)
        .event_format(LineFormat { format });
    let traces = tracing_opentelemetry::layer().with_tracer(provider.tracer("engage"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    Telemetry {
        tracer: provider,
        meter: None,
    }
}

/// Writes each event as a line, with the current trace and span ids.
struct LineFormat {
    format: LogFormat,
}

/// The trace and span ids of the current span, as hex, when it has valid ones.
pub fn current_trace_ids() -> Option<(String, String)> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let ids = span.span_context();
    ids.is_valid()
        .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
}

#[derive(Default)]
struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl tracing::field::Visit for JsonFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            serde_json::Value::String(format!("{value:?}")),
        );
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let ids = current_trace_ids();
        let mut time = String::new();
        let _ = tracing_subscriber::fmt::time::FormatTime::format_time(
            &tracing_subscriber::fmt::time::SystemTime,
            &mut Writer::new(&mut time),
        );
        let metadata = event.metadata();
        let span_name = ctx.lookup_current().map(|s| s.name());
        match self.format {
            LogFormat::Json => {
                let mut fields = JsonFields::default();
                event.record(&mut fields);
                let mut line = serde_json::Map::new();
                line.insert("timestamp".into(), time.into());
                line.insert("level".into(), metadata.level().as_str().into());
                line.insert("target".into(), metadata.target().into());
                if let Some(name) = span_name {
                    line.insert("span".into(), name.into());
                }
                if let Some((trace_id, span_id)) = ids {
                    line.insert("trace_id".into(), trace_id.into());
                    line.insert("span_id".into(), span_id.into());
                }
                line.extend(fields.0);
                writeln!(writer, "{}", serde_json::Value::Object(line))
            }
            LogFormat::Text => {
                let mut prefix = String::new();
                let _ = write!(
                    prefix,
                    "{time} {:>5} {}",
                    metadata.level(),
                    metadata.target()
                );
                if let Some(name) = span_name {
                    let _ = write!(prefix, " [{name}]");
                }
                if let Some((trace_id, span_id)) = ids {
                    let _ = write!(prefix, " trace_id={trace_id} span_id={span_id}");
                }
                write!(writer, "{prefix}: ")?;
                ctx.field_format().format_fields(writer.by_ref(), event)?;
                writeln!(writer)
            }
        }
    }
}

/// Request, error and latency instruments shared by every server.
pub struct RpcMetrics {
    /// Calls served, by method and status.
    pub requests: opentelemetry::metrics::Counter<u64>,
    /// Calls that ended with a status other than OK.
    pub errors: opentelemetry::metrics::Counter<u64>,
    /// Call duration in milliseconds, by method and status.
    pub duration: opentelemetry::metrics::Histogram<f64>,
    /// Calls refused by a rate limit, by class.
    pub rate_limited: opentelemetry::metrics::Counter<u64>,
    /// Bearer tokens the gateway refused, by reason (`expired`, `wrong_audience`, …).
    pub token_refusals: opentelemetry::metrics::Counter<u64>,
}

/// The instruments, created on first use from the global meter provider.
pub fn rpc_metrics() -> &'static RpcMetrics {
    static METRICS: OnceLock<RpcMetrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let meter = global::meter("engage");
        RpcMetrics {
            requests: meter
                .u64_counter("rpc.server.requests")
                .with_description("gRPC calls served")
                .build(),
            errors: meter
                .u64_counter("rpc.server.errors")
                .with_description("gRPC calls that ended with a status other than OK")
                .build(),
            duration: meter
                .f64_histogram("rpc.server.duration")
                .with_unit("ms")
                .with_description("Duration of gRPC calls")
                .build(),
            rate_limited: meter
                .u64_counter("engage.gateway.rate_limited")
                .with_description("Calls refused by a rate limit")
                .build(),
            token_refusals: meter
                .u64_counter("engage.gateway.token_refusals")
                .with_description("Bearer tokens refused, by reason")
                .build(),
        }
    })
}

/// Reports the pool of `database` as `db.client.connections.usage` (used and idle).
pub fn observe_pool(service: &'static str, database: crate::storage::Database) {
    let meter = global::meter("engage");
    let _gauge = meter
        .u64_observable_gauge("db.client.connections.usage")
        .with_description("Database connections, by state")
        .with_callback(move |observer| {
            let (size, available) = database.pool_status();
            let used = size.saturating_sub(available) as u64;
            observer.observe(
                used,
                &[
                    KeyValue::new("service", service),
                    KeyValue::new("state", "used"),
                ],
            );
            observer.observe(
                available as u64,
                &[
                    KeyValue::new("service", service),
                    KeyValue::new("state", "idle"),
                ],
            );
        })
        .build();
}

/// Records the resource a call is about on the current RPC span (`engage.resource`).
pub fn record_resource(name: &str) {
    tracing::Span::current().record("engage.resource", name);
}
