//! The unit's register of partners: organisations, people, affiliations, accreditation, consent, interactions, duplicates and CSV import and export.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.contacts.v1`.

pub mod domain;

use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// The contacts service.
pub struct Contacts;

impl EngageService for Contacts {
    const NAME: &'static str = "contacts";
    const GRPC_NAME: &'static str = engage_api::service_names::CONTACTS;
    const DEFAULT_PORT: u16 = 50051;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(_context: ServiceContext) -> Routes {
        Routes::default()
    }
}
