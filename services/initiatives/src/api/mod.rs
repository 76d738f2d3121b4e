//! The gRPC face of the service: permissions, request checks, and the calls into the store.
//! Handlers stay thin; rules live in `domain`, queries in `store`.

mod convert;
mod initiatives;
mod listing;
mod milestones;
mod progress;
mod service;

use engage_platform::identity::{InternalKey, Need};
use engage_platform::journal::{AuditEntry, Event, FieldChange, RequestId};
use engage_platform::resource::{require_etag, required};
use engage_platform::server::{Peers, ServiceContext};
use engage_platform::{Caller, Database, Error, Role};

use crate::domain::dates;

/// The full gRPC method names, as audit entries record them.
macro_rules! method {
    ($name:literal) => {
        concat!("/engage.initiatives.v1.InitiativesService/", $name)
    };
}
pub(crate) use method;

/// The initiatives service's handlers.
#[derive(Clone)]
pub struct InitiativesApi {
    db: Database,
    peers: Peers,
    internal_key: InternalKey,
    clock: fn() -> i64,
}

impl InitiativesApi {
    /// Handlers over the service's context, reading the time from `clock`.
    pub fn new(context: ServiceContext, clock: fn() -> i64) -> Self {
        Self {
            db: context.database,
            peers: context.peers,
            internal_key: context.internal_key,
            clock,
        }
    }

    /// Today in UTC by the service's clock.
    fn today(&self) -> time::Date {
        dates::utc_date((self.clock)())
    }

    /// Today as stored dates are compared with it.
    fn today_text(&self) -> String {
        dates::format(self.today())
    }
}

/// Whether the caller writes on every initiative.
fn is_officer(caller: &Caller) -> bool {
    caller.has_role(Role::CsuOfficer) || caller.has_role(Role::Admin)
}

/// The caller of a milestone or progress write on `initiative` (`initiatives/{id}`):
/// csu_officer and admin everywhere, a coordinator only on the initiatives their token lists
/// (the claim the gateway verified). Checked before the request is looked at any further.
fn coordinator_of<T>(request: &tonic::Request<T>, initiative: &str) -> Result<Caller, Error> {
    let caller = Caller::require(request, Need::Coordinate)?;
    if is_officer(&caller) || caller.coordinates(initiative) {
        Ok(caller)
    } else {
        Err(Error::PermissionDenied {
            reason: "NOT_COORDINATOR_OF_INITIATIVE",
            message: format!("you do not coordinate {initiative}"),
        })
    }
}

fn parse_request_id(id: &str, request: &impl prost::Message) -> Result<Option<RequestId>, Error> {
    Ok(RequestId::parse(id, request)?)
}

/// An audit entry of `caller`'s write, with the request id it carried.
fn audit(
    caller: &Caller,
    method: &str,
    action: &str,
    resource: &str,
    changes: Vec<FieldChange>,
    request_id: Option<&RequestId>,
) -> AuditEntry {
    let mut entry = AuditEntry::new(caller, method, action, resource, changes);
    entry.request_id = request_id.map(|r| r.as_str().to_owned());
    entry
}

/// An outbox event about `resource` of message type `type_name`.
fn event(
    event_type: String,
    resource: &str,
    type_name: &str,
    payload: &impl prost::Message,
    attributes: serde_json::Value,
) -> Event {
    Event {
        event_type,
        resource_name: resource.to_owned(),
        resource_type: format!("engage.initiatives.v1.{type_name}"),
        payload: payload.encode_to_vec(),
        attributes,
    }
}
