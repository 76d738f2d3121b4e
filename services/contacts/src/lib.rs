//! The unit's register of partners: organisations, people, affiliations, accreditation, consent, interactions, duplicates and CSV import and export.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.contacts.v1`.

pub mod api;
pub mod domain;
pub mod store;

use engage_api::contacts::contacts_service_server::ContactsServiceServer;
use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

/// Largest request accepted: a 32 MiB CSV import plus its envelope.
const MAX_IMPORT_MESSAGE: usize = 33 * 1024 * 1024;

/// The methods whose requests may be that large.
const IMPORT_METHODS: [&str; 2] = ["ImportOrganizations", "ImportPeople"];

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

    fn routes(context: ServiceContext) -> Routes {
        let api = api::ContactsApi::new(context.database);
        // Only the imports carry a whole CSV file in one message (up to 32 MiB); every other
        // method keeps tonic's default limit of 4 MiB, as in the other services (ADR 0009).
        let imports =
            ContactsServiceServer::new(api.clone()).max_decoding_message_size(MAX_IMPORT_MESSAGE);
        let mut routes = Routes::new(ContactsServiceServer::new(api));
        for method in IMPORT_METHODS {
            let path = format!("/{}/{method}", Self::GRPC_NAME);
            let router = std::mem::take(routes.axum_router_mut());
            *routes.axum_router_mut() = router.route_service(&path, imports.clone());
        }
        routes
    }
}
