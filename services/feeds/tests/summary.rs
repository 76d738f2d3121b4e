//! Dashboard summaries when the services cannot be reached: the dashboard still gets an
//! answer, with every source marked stale, and its stream keeps beating and ends cleanly.
//! (The figures themselves are tested end to end in the workspace's `tests/summary.rs`.)

mod support;

use std::time::Duration;

use engage_api::feeds::watch_summary_response::Payload;
use engage_api::feeds::{GetSummaryRequest, SummaryOptions, WatchSummaryRequest};
use engage_platform::{Caller, Role};
use support::{Bus, Feed, bus};

fn dashboard() -> Caller {
    Caller::new("wallboard", &[Role::Dashboard])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_services_give_stale_sources_not_an_error() {
    let feed = Feed::start(bus(Bus::Memory), 1024).await;
    let summary = feed
        .client(dashboard())
        .get_summary(GetSummaryRequest { options: None })
        .await
        .expect("a summary even with every service down")
        .into_inner()
        .summary
        .expect("a summary");
    let sources: Vec<(&str, bool)> = summary
        .sources
        .iter()
        .map(|s| (s.service.as_str(), s.stale))
        .collect();
    assert_eq!(
        sources,
        [
            ("contacts", true),
            ("initiatives", true),
            ("declarations", true),
            ("briefings", true)
        ]
    );
    assert!(summary.contacts.is_none() && summary.briefings.is_none());
    assert!(!summary.etag.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_sends_a_snapshot_then_heartbeats_and_ends_unavailable_when_the_server_stops() {
    let feed = Feed::start(bus(Bus::Memory), 1024).await;
    let mut stream = feed
        .client(dashboard())
        .watch_summary(WatchSummaryRequest {
            heartbeat_interval: Some(prost_types::Duration {
                seconds: 5,
                nanos: 0,
            }),
            ..Default::default()
        })
        .await
        .expect("a stream")
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("a first message")
        .expect("no error")
        .expect("a message");
    assert!(matches!(first.payload, Some(Payload::Summary(_))));
    let second = tokio::time::timeout(Duration::from_secs(15), stream.message())
        .await
        .expect("a heartbeat while nothing changes")
        .expect("no error")
        .expect("a message");
    assert!(
        matches!(second.payload, Some(Payload::Heartbeat(ref h)) if h.caught_up),
        "{second:?}"
    );
    feed.stopping();
    let end = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("the stream ends");
    assert_eq!(
        end.expect_err("ends with a status").code(),
        tonic::Code::Unavailable
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_watch_settings_are_refused_field_by_field() {
    let feed = Feed::start(bus(Bus::Memory), 1024).await;
    let refused = feed
        .client(dashboard())
        .watch_summary(WatchSummaryRequest {
            options: Some(SummaryOptions {
                upcoming_window: Some(prost_types::Duration {
                    seconds: 400 * 86_400,
                    nanos: 0,
                }),
                ..Default::default()
            }),
            min_interval: Some(prost_types::Duration {
                seconds: 0,
                nanos: 1_000_000,
            }),
            heartbeat_interval: None,
        })
        .await
        .expect_err("a one-millisecond interval and a 400-day window are refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("options.upcoming_window"));
    assert!(refused.message().contains("min_interval"));
}
