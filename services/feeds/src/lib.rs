//! Change feeds and live dashboard summaries, streamed to clients.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.feeds.v1`. The change feed follows the
//! producing services' streams on the event bus; see `docs/adr/0013-change-feed.md`.

pub mod api;
pub mod cursor;
pub mod hub;
pub mod metrics;
pub mod subscription;
pub mod summary;
pub mod topics;

use engage_api::feeds::feeds_service_server::FeedsServiceServer;
use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

pub use api::{FeedSettings, FeedsApi};

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The feeds service.
pub struct Feeds;

/// The live buffer per subscriber, from `ENGAGE_FEED_SUBSCRIBER_BUFFER` (default 1,024).
fn subscriber_buffer() -> usize {
    std::env::var("ENGAGE_FEED_SUBSCRIBER_BUFFER")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(FeedSettings::default().subscriber_buffer)
}

/// How long a service may be unreachable before the summary marks its figures stale, from
/// `ENGAGE_SUMMARY_STALE_AFTER_SECONDS` (default 30).
fn summary_stale_after() -> std::time::Duration {
    std::env::var("ENGAGE_SUMMARY_STALE_AFTER_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &u64| n > 0)
        .map_or(
            FeedSettings::default().summary_stale_after,
            std::time::Duration::from_secs,
        )
}

/// The routes of the feeds API over the context's bus, with `settings`.
pub fn routes_with(context: &ServiceContext, settings: FeedSettings) -> Routes {
    Routes::new(FeedsServiceServer::new(
        FeedsApi::new(context.bus.clone(), settings)
            .ending_streams_on(context.stopping.clone())
            .summarising(context.peers.clone(), context.internal_key.clone()),
    ))
}

impl EngageService for Feeds {
    const NAME: &'static str = "feeds";
    const GRPC_NAME: &'static str = engage_api::service_names::FEEDS;
    const DEFAULT_PORT: u16 = 50055;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(context: ServiceContext) -> Routes {
        let settings = FeedSettings {
            subscriber_buffer: subscriber_buffer(),
            retention: context.relay.retention,
            summary_stale_after: summary_stale_after(),
        };
        routes_with(&context, settings)
    }
}
