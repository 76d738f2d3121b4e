//! What an operator's metrics show after real traffic through the gateway: calls by method
//! and status, their latency, database pool use, change-feed subscribers and delivery lag,
//! and rate-limit rejections.
//!
//! This binary holds one test because it installs the process's meter provider, as the
//! service's start does.

use std::collections::HashMap;
use std::time::Duration;

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::subscribe_response::Payload;
use engage_api::feeds::{SubscribeRequest, Topic};
use engage_gateway::RateLimits;
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::{TestBus, TestSystem};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

/// The sum of a counter's data points, or the count of a histogram's, by metric name.
fn totals(exporter: &InMemoryMetricExporter) -> HashMap<String, f64> {
    let mut totals = HashMap::new();
    let exported = exporter.get_finished_metrics().expect("metrics");
    for resource in &exported {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics() {
                let value = match metric.data() {
                    AggregatedMetrics::I64(MetricData::Sum(s)) => {
                        s.data_points().map(|d| d.value() as f64).sum()
                    }
                    AggregatedMetrics::U64(MetricData::Sum(s)) => {
                        s.data_points().map(|d| d.value() as f64).sum()
                    }
                    AggregatedMetrics::U64(MetricData::Gauge(g)) => {
                        g.data_points().map(|d| d.value() as f64).sum()
                    }
                    AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                        h.data_points().map(|d| d.count() as f64).sum()
                    }
                    _ => 0.0,
                };
                totals.insert(metric.name().to_owned(), value);
            }
        }
    }
    totals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_feed_subscribers_lag_and_rate_limit_rejections_are_measured() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let limits = RateLimits {
        write: "3/m".parse().expect("a rate"),
        ..RateLimits::default()
    };
    let system = TestSystem::start_with(TestBackend::Sqlite, TestBus::Memory, limits).await;
    let mut dashboard =
        FeedsServiceClient::new(system.channel_as(&Caller::new("wall-screen", &[Role::Dashboard])));
    let mut officer =
        ContactsServiceClient::new(system.channel_as(&Caller::new("olga", &[Role::CsuOfficer])));
    let mut feed = dashboard
        .subscribe(SubscribeRequest {
            topics: vec![Topic {
                service: "contacts".into(),
                resource_type: "Organization".into(),
            }],
            ..Default::default()
        })
        .await
        .expect("subscribed")
        .into_inner();
    let create = |name: &str| CreateOrganizationRequest {
        organization: Some(Organization {
            display_name: name.into(),
            sector: engage_api::types::Sector::Ngo as i32,
            country_code: "KE".into(),
            ..Organization::default()
        }),
        ..Default::default()
    };
    officer
        .create_organization(create("Youth Network Kenya"))
        .await
        .expect("created");
    let delivered = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match feed.message().await {
                Ok(Some(m)) if matches!(m.payload, Some(Payload::Change(_))) => return,
                Ok(Some(_)) => {}
                other => panic!("the feed ended: {other:?}"),
            }
        }
    })
    .await;
    assert!(delivered.is_ok(), "the change reached the subscriber");
    let mut refused = 0;
    for n in 0..5 {
        if let Err(status) = officer
            .create_organization(create(&format!("Coastal Watch {n}")))
            .await
        {
            assert_eq!(status.code(), tonic::Code::ResourceExhausted);
            refused += 1;
        }
    }
    assert!(refused >= 2, "{refused}");

    provider.force_flush().expect("flush");
    let totals = totals(&exporter);
    let value = |name: &str| totals.get(name).copied().unwrap_or_default();
    assert!(value("rpc.server.requests") >= 4.0, "{totals:?}");
    assert!(value("rpc.server.errors") >= 2.0, "{totals:?}");
    assert!(value("rpc.server.duration") >= 4.0, "{totals:?}");
    assert_eq!(value("engage.feeds.subscribers"), 1.0, "{totals:?}");
    assert!(value("engage.feeds.delivery_lag") >= 1.0, "{totals:?}");
    assert!(value("engage.gateway.rate_limited") >= 2.0, "{totals:?}");
    assert!(
        totals.contains_key("db.client.connections.usage"),
        "{totals:?}"
    );
    drop(feed);
    system.stop().await;
}
