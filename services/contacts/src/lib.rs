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
        let service = ContactsServiceServer::new(api::ContactsApi::new(context.database))
            // A CSV import carries up to 32 MiB in one message.
            .max_decoding_message_size(MAX_IMPORT_MESSAGE);
        Routes::new(service)
    }
}
