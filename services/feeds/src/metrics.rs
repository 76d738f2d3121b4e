//! The feeds' own metrics: how many subscribers are connected, how long a committed change
//! takes to reach them, and how many were cut off for reading too slowly.

use std::sync::OnceLock;

use opentelemetry::global;
use opentelemetry::metrics::{Counter, Histogram, UpDownCounter};

/// The instruments, created on first use from the global meter provider.
pub struct FeedMetrics {
    /// Change-feed subscriptions open now.
    pub subscribers: UpDownCounter<i64>,
    /// Milliseconds from a change's commit to its delivery to a caught-up subscriber.
    pub lag: Histogram<f64>,
    /// Subscriptions ended because the subscriber fell behind the live buffer.
    pub cut_off: Counter<u64>,
}

/// The feeds' metrics.
pub fn feed_metrics() -> &'static FeedMetrics {
    static METRICS: OnceLock<FeedMetrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let meter = global::meter("engage");
        FeedMetrics {
            subscribers: meter
                .i64_up_down_counter("engage.feeds.subscribers")
                .with_description("Change-feed subscriptions open")
                .build(),
            lag: meter
                .f64_histogram("engage.feeds.delivery_lag")
                .with_unit("ms")
                .with_description(
                    "Time from a change's commit to its delivery to a live subscriber",
                )
                .build(),
            cut_off: meter
                .u64_counter("engage.feeds.subscribers_cut_off")
                .with_description("Subscriptions ended for reading too slowly")
                .build(),
        }
    })
}

/// Counts a subscription as open for as long as it lives.
pub struct OpenSubscription;

impl OpenSubscription {
    /// Counts one more open subscription.
    pub fn open() -> Self {
        feed_metrics().subscribers.add(1, &[]);
        Self
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        feed_metrics().subscribers.add(-1, &[]);
    }
}
