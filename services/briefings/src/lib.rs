//! Briefings, side events and dialogues: registration with capacity and waitlist, check-in, statements and follow-up actions.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.briefings.v1`.

pub mod api;
pub mod domain;
pub mod store;

use engage_api::briefings::briefings_service_server::BriefingsServiceServer;
use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The briefings service.
pub struct Briefings;

impl EngageService for Briefings {
    const NAME: &'static str = "briefings";
    const GRPC_NAME: &'static str = engage_api::service_names::BRIEFINGS;
    const DEFAULT_PORT: u16 = 50054;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(context: ServiceContext) -> Routes {
        Routes::new(BriefingsServiceServer::new(api::BriefingsApi::new(
            context.database,
            context.peers,
            context.internal_key,
        )))
    }
}
