//! Civil society declarations and their signatures: signing, verification, withdrawal and counts by region, country and sector.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.declarations.v1`.

pub mod api;
pub mod domain;
pub mod store;

use engage_api::declarations::declarations_service_server::DeclarationsServiceServer;
use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The declarations service.
pub struct Declarations;

impl EngageService for Declarations {
    const NAME: &'static str = "declarations";
    const GRPC_NAME: &'static str = engage_api::service_names::DECLARATIONS;
    const DEFAULT_PORT: u16 = 50053;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(context: ServiceContext) -> Routes {
        Routes::new(DeclarationsServiceServer::new(api::DeclarationsApi::new(
            context,
        )))
    }
}
