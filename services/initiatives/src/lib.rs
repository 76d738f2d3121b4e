//! Country pilot initiatives: partners, priorities, roadmaps of milestones and the coordinators' progress log.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.initiatives.v1`.

use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The initiatives service.
pub struct Initiatives;

impl EngageService for Initiatives {
    const NAME: &'static str = "initiatives";
    const GRPC_NAME: &'static str = engage_api::service_names::INITIATIVES;
    const DEFAULT_PORT: u16 = 50052;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(_context: ServiceContext) -> Routes {
        Routes::default()
    }
}
