//! Country pilot initiatives: partners, priorities, roadmaps of milestones and the coordinators' progress log.
//!
//! Runs under the platform: its database is migrated at start, and it answers the gRPC
//! health protocol and server reflection for `engage.initiatives.v1`.

pub mod api;
pub mod domain;
pub mod store;

use std::marker::PhantomData;

use engage_api::initiatives::initiatives_service_server::InitiativesServiceServer;
use engage_platform::server::{EngageService, ServiceContext};
use engage_platform::storage::Migrations;
use tonic::service::Routes;

static MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// Where the service reads the time: "today" decides which milestones are overdue or due,
/// and which transition dates are in the future. Tests fix it.
pub trait Clock: Send + Sync + 'static {
    /// Now, in microseconds since the epoch.
    fn now_micros() -> i64;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros() -> i64 {
        engage_platform::resource::now_micros()
    }
}

/// The initiatives service reading the time from `C`.
pub struct InitiativesService<C: Clock>(PhantomData<C>);

/// The initiatives service as it runs: on the system clock.
pub type Initiatives = InitiativesService<SystemClock>;

impl<C: Clock> EngageService for InitiativesService<C> {
    const NAME: &'static str = "initiatives";
    const GRPC_NAME: &'static str = engage_api::service_names::INITIATIVES;
    const DEFAULT_PORT: u16 = 50052;

    fn migrations() -> &'static Migrations {
        &MIGRATIONS
    }

    fn routes(context: ServiceContext) -> Routes {
        Routes::new(InitiativesServiceServer::new(api::InitiativesApi::new(
            context,
            C::now_micros,
        )))
    }
}
