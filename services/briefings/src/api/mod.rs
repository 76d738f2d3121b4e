//! The gRPC face of briefings: who may do what, request checks, and the calls into the
//! store. Rules live in `domain`, queries in `store`.

mod children;
mod events;
mod export;
mod figures;
mod listing;
mod participants;
mod registrations;
mod service;
mod sessions;
mod statements;

use engage_api::briefings::Event;
use engage_platform::identity::{InternalKey, Need};
use engage_platform::journal::{self, AuditEntry, FieldChange};
use engage_platform::resource::{
    etag, parse_child_name, parse_name, require_etag, required, timestamp,
};
use engage_platform::server::Peers;
use engage_platform::{Caller, Database, Error, Role, with_connection};

use crate::store::{EventRow, StatusCounts, Store};

/// The full gRPC method names, as audit entries record them.
macro_rules! method {
    ($name:literal) => {
        concat!("/engage.briefings.v1.BriefingsService/", $name)
    };
}
pub(crate) use method;

/// The briefings service's handlers.
#[derive(Clone)]
pub struct BriefingsApi {
    db: Database,
    peers: Peers,
    key: InternalKey,
}

impl BriefingsApi {
    /// Handlers over `db`, calling contacts through `peers` with `key`.
    pub fn new(db: Database, peers: Peers, key: InternalKey) -> Self {
        Self { db, peers, key }
    }
}

/// Officers and admins manage every event.
fn is_officer(caller: &Caller) -> bool {
    caller.has_role(Role::CsuOfficer) || caller.has_role(Role::Admin)
}

/// Whether `caller` manages the registrations of `event`: an officer, an admin, or a
/// subject the event lists in `registration_managers`.
fn manages(caller: &Caller, event: &Event) -> bool {
    is_officer(caller) || event.registration_managers.contains(&caller.subject)
}

/// PERMISSION_DENIED unless `caller` manages the event's registrations.
fn check_manages(caller: &Caller, event: &Event) -> Result<(), Error> {
    if manages(caller, event) {
        Ok(())
    } else {
        Err(Error::PermissionDenied {
            reason: "NOT_REGISTRATION_MANAGER",
            message: format!(
                "managing the registrations of {} needs the csu_officer or admin role, or being \
                 one of its registration_managers",
                event.name
            ),
        })
    }
}

/// PERMISSION_DENIED unless `caller` is an officer or admin.
fn check_officer(caller: &Caller) -> Result<(), Error> {
    if is_officer(caller) {
        Ok(())
    } else {
        Err(Error::PermissionDenied {
            reason: "ROLE_REQUIRED",
            message: "changing events needs the csu_officer or admin role".into(),
        })
    }
}

/// A DRAFT event is visible to officers, admins and its registration managers only; for
/// anyone else it does not exist.
fn check_visible(caller: &Caller, event: &Event) -> Result<(), Error> {
    if event.status == engage_api::briefings::EventStatus::Draft as i32 && !manages(caller, event) {
        return Err(Error::not_found(event.name.clone()));
    }
    Ok(())
}

/// The event id of `events/{event}`.
fn event_id<'a>(name: &'a str, field: &str) -> Result<&'a str, Error> {
    Ok(parse_name("events", name, field)?)
}

/// The event and child ids of `events/{event}/{collection}/{id}`.
fn child_ids<'a>(
    collection: &str,
    name: &'a str,
    field: &str,
) -> Result<(&'a str, &'a str), Error> {
    Ok(parse_child_name("events", collection, name, field)?)
}

/// An event as the API returns it: the stored message with its name, etag and current
/// registration counts.
fn event_of(row: &EventRow, counts: &StatusCounts) -> Result<Event, Error> {
    let mut event: Event = decode(&row.body)?;
    event.name = format!("events/{}", row.id);
    event.etag = etag(row.revision);
    event.registration_counts = Some(crate::domain::figures::counts(counts));
    // Registration counts are part of the event as it is read: their changes count too.
    event.update_time = Some(timestamp(row.update_time.max(counts.last_change)));
    event.delete_time = row.delete_time.map(timestamp);
    Ok(event)
}

fn decode<M: prost::Message + Default>(body: &[u8]) -> Result<M, Error> {
    M::decode(body).map_err(|e| Error::Internal(format!("stored resource does not decode: {e}")))
}

/// The row of an event message (whose name, etag and counts are not stored).
fn event_row(
    event: &Event,
    id: &str,
    revision: i64,
    create_time: i64,
    update_time: i64,
) -> EventRow {
    use crate::domain::json_list;
    use engage_platform::resource::micros;
    let mut stored = event.clone();
    stored.registration_counts = None;
    stored.etag.clear();
    EventRow {
        id: id.to_owned(),
        kind: event.kind,
        status: event.status,
        title: event.title.clone(),
        conference_session: event.conference_session.clone(),
        start_time: event.start_time.as_ref().map(micros).unwrap_or_default(),
        end_time: event.end_time.as_ref().map(micros).unwrap_or_default(),
        venue_country_code: event
            .venue
            .as_ref()
            .map(|v| v.country_code.clone())
            .unwrap_or_default(),
        attendance_mode: event.attendance_mode,
        organizers: json_list(&event.organizers),
        co_organizers: json_list(&event.co_organizers),
        registration_managers: json_list(&event.registration_managers),
        thematic_areas: json_list(&event.thematic_areas),
        revision,
        create_time,
        update_time,
        delete_time: event.delete_time.as_ref().map(micros),
        body: prost::Message::encode_to_vec(&stored),
    }
}

/// The filter attributes of an event on the outbox.
fn event_attributes(event: &Event) -> serde_json::Value {
    let country = event
        .venue
        .as_ref()
        .map(|v| v.country_code.as_str())
        .unwrap_or_default();
    location_attributes(country)
}

/// `country_code` and `regional_group` attributes of a country, when there is one.
fn location_attributes(country: &str) -> serde_json::Value {
    let mut attributes = serde_json::Map::new();
    if !country.is_empty() {
        attributes.insert("country_code".into(), country.into());
        if let Some(group) = engage_platform::regions::regional_group(country) {
            attributes.insert("regional_group".into(), group.as_str_name().into());
        }
    }
    serde_json::Value::Object(attributes)
}

/// An outbox event about a resource of this service.
fn outbox(
    event_type: &str,
    name: &str,
    message_type: &str,
    payload: &impl prost::Message,
    attributes: serde_json::Value,
) -> journal::Event {
    journal::Event {
        event_type: event_type.to_owned(),
        resource_name: name.to_owned(),
        resource_type: format!("engage.briefings.v1.{message_type}"),
        payload: payload.encode_to_vec(),
        attributes,
    }
}

/// Adds `changed_fields` to an update's attributes.
fn with_changed_fields(
    mut attributes: serde_json::Value,
    changes: &[FieldChange],
) -> serde_json::Value {
    if let Some(map) = attributes.as_object_mut() {
        map.insert(
            "changed_fields".into(),
            changes
                .iter()
                .map(|c| c.path.clone())
                .collect::<Vec<_>>()
                .into(),
        );
    }
    attributes
}

/// Appends an audit entry and an outbox event for one change of one resource.
async fn journal<S: Store>(
    conn: &mut S,
    caller: &Caller,
    method: &str,
    action: &str,
    event: journal::Event,
    changes: Vec<FieldChange>,
    request_id: Option<&str>,
) -> Result<(), Error> {
    let mut audit = AuditEntry::new(caller, method, action, &event.resource_name, changes);
    audit.request_id = request_id.map(str::to_owned);
    conn.append_audit(audit).await?;
    conn.append_event(caller, event).await
}

/// The changes between two versions of a message, field by field, as JSON of the
/// fields' debug form: enough for the audit trail to say what changed from what.
macro_rules! changes {
    ($old:expr, $new:expr, [$($field:ident),+ $(,)?]) => {{
        let mut changes = Vec::new();
        $(
            let (old, new) = (&$old.$field, &$new.$field);
            if old != new {
                changes.push(engage_platform::journal::FieldChange::new(
                    stringify!($field),
                    $crate::api::json_of(old),
                    $crate::api::json_of(new),
                ));
            }
        )+
        changes
    }};
}
pub(crate) use changes;

/// A value for the audit trail.
pub(crate) fn json_of<T: std::fmt::Debug>(value: &T) -> serde_json::Value {
    let text = format!("{value:?}");
    match text.as_str() {
        "\"\"" | "None" | "[]" => serde_json::Value::Null,
        _ => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => v,
            Err(_) => serde_json::Value::String(text),
        },
    }
}

impl BriefingsApi {
    /// An event with its counts, as stored; NOT_FOUND when there is none.
    async fn event(&self, id: &str) -> Result<(Event, EventRow), Error> {
        let loaded = with_connection!(self.db, |conn| {
            match conn.event(id, false).await? {
                Some(row) => {
                    let counts = conn.status_counts(id).await?;
                    Some((event_of(&row, &counts)?, row))
                }
                None => None,
            }
        });
        loaded.ok_or_else(|| Error::not_found(format!("events/{id}")))
    }

    /// An event the caller may see.
    async fn visible_event(&self, caller: &Caller, id: &str) -> Result<(Event, EventRow), Error> {
        let (event, row) = self.event(id).await?;
        check_visible(caller, &event)?;
        Ok((event, row))
    }

    fn directory(&self, caller: &Caller) -> Result<engage_platform::directory::Directory, Error> {
        engage_platform::directory::Directory::new(&self.peers, &self.key, caller.clone())
    }
}

/// The event, locked for the rest of the transaction, with its counts; NOT_FOUND when
/// there is none.
async fn locked_event<S: Store>(
    conn: &mut S,
    id: &str,
) -> Result<(Event, EventRow, StatusCounts), Error> {
    let row = conn
        .event(id, true)
        .await?
        .ok_or_else(|| Error::not_found(format!("events/{id}")))?;
    let counts = conn.status_counts(id).await?;
    Ok((event_of(&row, &counts)?, row, counts))
}

fn caller<T>(request: &tonic::Request<T>, need: Need) -> Result<Caller, Error> {
    Caller::require(request, need)
}
