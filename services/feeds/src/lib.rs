//! Change feeds and live dashboard summaries, streamed to clients.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.feeds.v1`.

use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The feeds service.
pub struct Feeds;

impl EngageService for Feeds {
    const NAME: &'static str = "feeds";
    const GRPC_NAME: &'static str = engage_api::service_names::FEEDS;
    const DEFAULT_PORT: u16 = 50055;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(_context: ServiceContext) -> Routes {
        Routes::default()
    }
}
