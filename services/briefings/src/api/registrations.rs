//! Registrations: register (seat, waitlist or refusal, decided with the event locked),
//! update, cancel with promotion from the waitlist, check-in, no-shows, reads and lists.

use engage_api::briefings::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::RequestId;
use engage_platform::query::{Direction, FieldType};
use engage_platform::resource::{check_etag, etag, micros, new_id, now_micros, timestamp};
use engage_platform::{
    Caller, Error, Violations, idempotent_write, with_connection, write_transaction,
};
use serde_json::json;

use super::listing::values::*;
use super::listing::{self, Column, KeyKind, Sort, Spec, field};
use super::participants::snapshot;
use super::{
    BriefingsApi, caller, changes, child_ids, decode, event_id, journal, locked_event, manages,
    method, outbox, require_etag, required, with_changed_fields,
};
use crate::domain::event::check_registration_open;
use crate::domain::registration::{
    self as rules, Placement, check_in as check_in_rule, check_live, free_seats, mark_no_show,
    new_badge_code, normalize_badge_code, place,
};
use crate::store::sql::Number;
use crate::store::{Bind, RegistrationRow, RunSql, Sql, Store};

const REGISTER: &str = method!("Register");
const UPDATE: &str = method!("UpdateRegistration");
const CANCEL: &str = method!("CancelRegistration");
const CHECK_IN: &str = method!("CheckIn");
const NO_SHOW: &str = method!("MarkNoShow");
const BATCH_NO_SHOW: &str = method!("BatchMarkNoShow");

/// A registration as the API returns it.
pub(super) fn registration_of(row: &RegistrationRow) -> Result<Registration, Error> {
    let mut r: Registration = decode(&row.body)?;
    r.name = format!("events/{}/registrations/{}", row.event_id, row.id);
    r.etag = etag(row.revision);
    r.waitlist_position = row.waitlist_position;
    Ok(r)
}

/// The row of a registration message.
fn registration_row(r: &Registration, event_id: &str, id: &str, revision: i64) -> RegistrationRow {
    let snapshot = r.participant.clone().unwrap_or_default();
    let mut stored = r.clone();
    stored.etag.clear();
    RegistrationRow {
        id: id.to_owned(),
        event_id: event_id.to_owned(),
        person: r.person.clone(),
        organization: r.organization.clone(),
        status: r.status,
        waitlist_position: r.waitlist_position,
        badge_code: r.badge_code.clone(),
        gender: r.gender,
        sector: snapshot.sector,
        regional_group: snapshot.regional_group,
        country_code: snapshot.country_code.clone(),
        youth: snapshot.youth,
        display_name: snapshot.display_name.clone(),
        register_time: r.register_time.as_ref().map(micros).unwrap_or_default(),
        check_in_time: r.check_in_time.as_ref().map(micros),
        revision,
        update_time: r.update_time.as_ref().map(micros).unwrap_or_default(),
        body: prost::Message::encode_to_vec(&stored),
    }
}

/// The filter attributes of a registration on the outbox.
fn attributes(r: &Registration) -> serde_json::Value {
    let snapshot = r.participant.clone().unwrap_or_default();
    let mut attributes = super::location_attributes(&snapshot.country_code);
    if let Some(map) = attributes.as_object_mut()
        && let Ok(sector) = engage_api::types::Sector::try_from(snapshot.sector)
        && sector != engage_api::types::Sector::Unspecified
    {
        map.insert("sector".into(), sector.as_str_name().into());
    }
    attributes
}

/// Clears what only the event's managers read.
fn redact(caller: &Caller, event: &Event, mut r: Registration) -> Registration {
    if !manages(caller, event) {
        r.accessibility_needs.clear();
        r.notes.clear();
    }
    r
}

/// Writes a changed registration with its outbox event and audit entry.
#[allow(clippy::too_many_arguments)]
async fn save<S: Store>(
    conn: &mut S,
    caller: &Caller,
    method: &str,
    verb: &str,
    before: &RegistrationRow,
    mut after: Registration,
    now: i64,
    request_id: Option<&str>,
) -> Result<Registration, Error> {
    let old = registration_of(before)?;
    after.update_time = Some(timestamp(now));
    let row = registration_row(&after, &before.event_id, &before.id, before.revision + 1);
    conn.replace_registration(&row, before.revision).await?;
    let saved = registration_of(&row)?;
    let changes = changes!(
        old,
        saved,
        [
            organization,
            status,
            waitlist_position,
            gender,
            accessibility_needs,
            notes,
            promote_time,
            cancel_time,
            cancel_reason,
            check_in_time,
            no_show_time
        ]
    );
    let attributes = if verb == "updated" {
        with_changed_fields(attributes(&saved), &changes)
    } else {
        attributes(&saved)
    };
    journal(
        conn,
        caller,
        method,
        verb,
        outbox(
            &format!("registration.{verb}"),
            &saved.name,
            "Registration",
            &saved,
            attributes,
        ),
        changes,
        request_id,
    )
    .await?;
    Ok(saved)
}

/// Promotes the first `n` waitlisted registrations of an event to REGISTERED, each with its
/// own `registration.promoted` event, and moves the rest of the waitlist up.
pub(super) async fn promote<S: Store>(
    conn: &mut S,
    caller: &Caller,
    method: &str,
    event_id: &str,
    n: i64,
    now: i64,
) -> Result<Vec<Registration>, Error> {
    let waiting = conn.waitlisted(event_id, n).await?;
    let mut promoted = Vec::with_capacity(waiting.len());
    for row in &waiting {
        let mut r = registration_of(row)?;
        r.status = RegistrationStatus::Registered as i32;
        r.waitlist_position = 0;
        r.promote_time = Some(timestamp(now));
        promoted.push(save(conn, caller, method, "promoted", row, r, now, None).await?);
    }
    if !waiting.is_empty() {
        let by = i32::try_from(waiting.len()).unwrap_or(i32::MAX);
        conn.move_up_waitlist(event_id, 0, by).await?;
    }
    Ok(promoted)
}

/// Cancels every REGISTERED and WAITLISTED registration of an event (its cancellation):
/// no promotion. Returns how many.
pub(super) async fn cancel_all<S: Store>(
    conn: &mut S,
    caller: &Caller,
    method: &str,
    event_id: &str,
    reason: &str,
    now: i64,
) -> Result<i32, Error> {
    let mut n = 0;
    for status in [
        RegistrationStatus::Registered,
        RegistrationStatus::Waitlisted,
    ] {
        for row in conn.registrations_in(event_id, status as i32).await? {
            let mut r = registration_of(&row)?;
            r.status = RegistrationStatus::Cancelled as i32;
            r.waitlist_position = 0;
            r.cancel_time = Some(timestamp(now));
            r.cancel_reason = reason.to_owned();
            save(conn, caller, method, "cancelled", &row, r, now, None).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// The registration `reg_id` of event `event_id`, NOT_FOUND otherwise.
async fn registration_in<S: Store>(
    conn: &mut S,
    event_id: &str,
    reg_id: &str,
) -> Result<RegistrationRow, Error> {
    conn.registration(reg_id)
        .await?
        .filter(|r| r.event_id == event_id)
        .ok_or_else(|| Error::not_found(format!("events/{event_id}/registrations/{reg_id}")))
}

fn check_registration_fields(
    gender: i32,
    accessibility_needs: &str,
    notes: &str,
    prefix: &str,
) -> Result<(), Error> {
    let mut v = Violations::new();
    if Gender::try_from(gender).is_err() {
        v.add(format!("{prefix}gender"), "is not a GENDER_ value");
    }
    crate::domain::check_len(
        &mut v,
        &format!("{prefix}accessibility_needs"),
        accessibility_needs,
        1000,
    );
    crate::domain::check_len(&mut v, &format!("{prefix}notes"), notes, 2000);
    v.finish()
}

/// The event's conference session, as a column of its children.
pub(super) const EVENT_SESSION: &str =
    "(SELECT e.conference_session FROM events e WHERE e.id = event_id)";

static FIELDS: &[listing::Field] = &[
    field(
        "status",
        FieldType::Text,
        Column::Enum("status", registration_status),
    ),
    field("person", FieldType::Text, Column::Text("person")),
    field(
        "organization",
        FieldType::Text,
        Column::Text("organization"),
    ),
    field("gender", FieldType::Text, Column::Enum("gender", gender)),
    field("badge_code", FieldType::Text, Column::Text("badge_code")),
    field(
        "participant.sector",
        FieldType::Text,
        Column::Enum("sector", sector),
    ),
    field(
        "participant.regional_group",
        FieldType::Text,
        Column::Enum("regional_group", regional_group),
    ),
    field(
        "participant.country_code",
        FieldType::Text,
        Column::Text("country_code"),
    ),
    field("participant.youth", FieldType::Bool, Column::Bool("youth")),
    field(
        "register_time",
        FieldType::Timestamp,
        Column::Time("register_time"),
    ),
    field(
        "check_in_time",
        FieldType::Timestamp,
        Column::Time("check_in_time"),
    ),
    field(
        "update_time",
        FieldType::Timestamp,
        Column::Time("update_time"),
    ),
    field(
        "conference_session",
        FieldType::Text,
        Column::Text(EVENT_SESSION),
    ),
];

static SORTS: &[Sort<RegistrationRow>] = &[
    Sort {
        name: "register_time",
        expr: "register_time",
        kind: KeyKind::Number,
        key: |r| json!(r.register_time),
    },
    Sort {
        name: "waitlist_position",
        expr: "waitlist_position",
        kind: KeyKind::Number,
        key: |r| json!(r.waitlist_position),
    },
    Sort {
        name: "participant.display_name",
        expr: "display_name",
        kind: KeyKind::Text,
        key: |r| json!(r.display_name),
    },
    Sort {
        name: "check_in_time",
        expr: "COALESCE(check_in_time, 9223372036854775807)",
        kind: KeyKind::Number,
        key: |r| json!(r.check_in_time.unwrap_or(i64::MAX)),
    },
    Sort {
        name: "update_time",
        expr: "update_time",
        kind: KeyKind::Number,
        key: |r| json!(r.update_time),
    },
];

pub(super) static SPEC: Spec<RegistrationRow> = Spec {
    table: "registrations",
    fields: FIELDS,
    sorts: SORTS,
    default_order: &[("register_time", Direction::Ascending)],
};

impl BriefingsApi {
    /// The base condition of a registrations list or export: one event the caller may see,
    /// or (`events/-`) every event the caller may see.
    pub(super) async fn registrations_scope(
        &self,
        caller: &Caller,
        parent: &str,
    ) -> Result<Sql, Error> {
        let backend = self.db.backend();
        if parent == "events/-" {
            let mut sql = Sql::new(backend, "event_id IN (SELECT id FROM events WHERE ");
            sql.append(&super::events::visibility(backend, caller))
                .push(" AND delete_time IS NULL)");
            return Ok(sql);
        }
        let id = event_id(parent, "parent")?;
        self.visible_event(caller, id).await?;
        let mut sql = Sql::new(backend, "event_id = ");
        sql.bind(Bind::Text(id.to_owned()));
        Ok(sql)
    }

    /// Registrations as the caller may read them: notes and needs cleared unless the
    /// caller manages the registration's event.
    pub(super) async fn readable(
        &self,
        caller: &Caller,
        rows: &[RegistrationRow],
    ) -> Result<Vec<Registration>, Error> {
        let mut managed: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let r = registration_of(row)?;
            let allowed = match managed.get(&row.event_id) {
                Some(allowed) => *allowed,
                None => {
                    let allowed = super::is_officer(caller)
                        || self
                            .event(&row.event_id)
                            .await
                            .is_ok_and(|(e, _)| manages(caller, &e));
                    managed.insert(row.event_id.clone(), allowed);
                    allowed
                }
            };
            out.push(if allowed {
                r
            } else {
                Registration {
                    accessibility_needs: String::new(),
                    notes: String::new(),
                    ..r
                }
            });
        }
        Ok(out)
    }

    pub(super) async fn get_registration(
        &self,
        request: tonic::Request<GetRegistrationRequest>,
    ) -> Result<GetRegistrationResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (event_id, reg_id) = child_ids("registrations", &r.name, "name")?;
        let (event, _) = self.visible_event(&caller, event_id).await?;
        let row = with_connection!(self.db, |conn| registration_in(conn, event_id, reg_id)
            .await?);
        Ok(GetRegistrationResponse {
            registration: Some(redact(&caller, &event, registration_of(&row)?)),
        })
    }

    pub(super) async fn list_registrations(
        &self,
        request: tonic::Request<ListRegistrationsRequest>,
    ) -> Result<ListRegistrationsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let base = self.registrations_scope(&caller, &r.parent).await?;
        let listing = SPEC.listing(
            self.db.backend(),
            &listing::Request {
                page_size: r.page_size,
                page_token: &r.page_token,
                filter: &r.filter,
                order_by: &r.order_by,
                scope: &[&r.parent, &caller.subject],
            },
            &base,
        )?;
        let (mut rows, total) = with_connection!(self.db, |conn| {
            let rows: Vec<RegistrationRow> = conn.rows(listing.select.clone()).await?;
            let total = conn.rows::<Number>(listing.count.clone()).await?;
            (rows, total.first().map_or(0, |n| n.n))
        });
        let next_page_token = SPEC.finish(&listing, &mut rows, |r| &r.id);
        Ok(ListRegistrationsResponse {
            registrations: self.readable(&caller, &rows).await?,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    pub(super) async fn register(
        &self,
        request: tonic::Request<RegisterRequest>,
    ) -> Result<RegisterResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let id = event_id(&r.parent, "parent")?.to_owned();
        let event = self.managed_event(&caller, &id).await?;
        check_registration_fields(r.gender, &r.accessibility_needs, &r.notes, "")?;
        let participant = self
            .participant(
                &caller,
                &event,
                r.participant.clone(),
                &r.organization,
                request_id.as_ref().map(RequestId::as_str),
            )
            .await?;
        idempotent_write!(self.db, REGISTER, &request_id, |conn| {
            let (event, _, counts) = locked_event(conn, &id).await?;
            // The same request sent again at the same moment waited for the event's lock
            // until the first had committed: it is answered with the first's response.
            if let Some(rid) = &request_id
                && let Some(first) = conn.find_response(REGISTER, rid).await?
            {
                return first.replay(rid);
            }
            if let Some(existing) = conn.live_registration(&id, &participant.person).await? {
                return Ok(RegisterResponse {
                    registration: Some(registration_of(&existing)?),
                    already_registered: true,
                });
            }
            // Registration order is commit order: times are taken with the event locked
            // and never repeat within an event.
            let last = conn.last_register_time(&id).await?.unwrap_or(i64::MIN);
            let now = now_micros().max(last.saturating_add(1));
            check_registration_open(&event, now)?;
            let organization_count = if participant.organization.is_empty() {
                None
            } else {
                Some(
                    conn.organization_count(&id, &participant.organization)
                        .await?,
                )
            };
            let placement = place(&event, &counts, organization_count)?;
            let mut badge_code = new_badge_code();
            while conn.badge_taken(&id, &badge_code).await? {
                badge_code = new_badge_code();
            }
            let reg_id = new_id();
            let (status, position, verb) = match placement {
                Placement::Registered => (RegistrationStatus::Registered, 0, "registered"),
                Placement::Waitlisted(p) => (RegistrationStatus::Waitlisted, p, "waitlisted"),
            };
            let registration = Registration {
                name: format!("events/{id}/registrations/{reg_id}"),
                person: participant.person.clone(),
                organization: participant.organization.clone(),
                status: status as i32,
                waitlist_position: position,
                badge_code,
                participant: Some(participant.snapshot.clone()),
                gender: r.gender,
                accessibility_needs: r.accessibility_needs.clone(),
                notes: r.notes.clone(),
                register_time: Some(timestamp(now)),
                registered_by: Some(caller.actor()),
                create_time: Some(timestamp(now)),
                update_time: Some(timestamp(now)),
                ..Default::default()
            };
            let row = registration_row(&registration, &id, &reg_id, 1);
            conn.insert_registration(&row).await?;
            let saved = registration_of(&row)?;
            let changes = changes!(
                Registration::default(),
                saved,
                [person, organization, status, waitlist_position, gender]
            );
            journal(
                conn,
                &caller,
                REGISTER,
                verb,
                outbox(
                    &format!("registration.{verb}"),
                    &saved.name,
                    "Registration",
                    &saved,
                    attributes(&saved),
                ),
                changes,
                request_id.as_ref().map(RequestId::as_str),
            )
            .await?;
            Ok::<_, Error>(RegisterResponse {
                registration: Some(saved),
                already_registered: false,
            })
        })
    }

    pub(super) async fn update_registration(
        &self,
        request: tonic::Request<UpdateRegistrationRequest>,
    ) -> Result<UpdateRegistrationResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let mask = UpdateMask::parse(r.update_mask.as_ref(), rules::UPDATABLE)?;
        let patch = required(r.registration, "registration")?;
        let (event_id, reg_id) = child_ids("registrations", &patch.name, "registration.name")?;
        require_etag(&patch.etag, "registration.etag")?;
        self.managed_event(&caller, event_id).await?;
        check_registration_fields(
            patch.gender,
            &patch.accessibility_needs,
            &patch.notes,
            "registration.",
        )?;
        let current = with_connection!(self.db, |conn| registration_in(conn, event_id, reg_id)
            .await?);
        let snapshot = if mask.contains("organization") {
            let person = self
                .directory(&caller)?
                .people(&[engage_platform::directory::Reference::new(
                    "registration.person",
                    current.person.clone(),
                )])
                .await?
                .into_iter()
                .next();
            let organization = self
                .organization(&caller, &patch.organization, "registration.organization")
                .await?;
            person.map(|p| {
                (
                    snapshot(&p, organization.as_ref()),
                    organization.map(|o| o.name).unwrap_or_default(),
                )
            })
        } else {
            None
        };
        write_transaction!(self.db, |conn| {
            let (event, _, _) = locked_event(conn, event_id).await?;
            let row = registration_in(conn, event_id, reg_id).await?;
            check_etag(&patch.etag, row.revision, &patch.name)?;
            let mut updated = registration_of(&row)?;
            if mask.contains("gender") {
                updated.gender = patch.gender;
            }
            if mask.contains("accessibility_needs") {
                updated.accessibility_needs = patch.accessibility_needs.clone();
            }
            if mask.contains("notes") {
                updated.notes = patch.notes.clone();
            }
            if let Some((snapshot, organization)) = &snapshot
                && *organization != updated.organization
            {
                check_live(updated.status, "change its organisation")?;
                if !organization.is_empty()
                    && let Some(limit) = event.per_organization_limit.filter(|l| *l > 0)
                    && conn.organization_count(event_id, organization).await? >= i64::from(limit)
                {
                    return Err(crate::domain::precondition(
                        "ORGANIZATION_LIMIT_REACHED",
                        format!(
                            "the organisation already has {limit} registrations for this event"
                        ),
                    ));
                }
                updated.organization = organization.clone();
                updated.participant = Some(snapshot.clone());
            }
            let saved = save(
                conn,
                &caller,
                UPDATE,
                "updated",
                &row,
                updated,
                now_micros(),
                None,
            )
            .await?;
            Ok::<_, Error>(UpdateRegistrationResponse {
                registration: Some(saved),
            })
        })
    }

    pub(super) async fn cancel_registration(
        &self,
        request: tonic::Request<CancelRegistrationRequest>,
    ) -> Result<CancelRegistrationResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let (event_id, reg_id) = child_ids("registrations", &r.name, "name")?;
        if r.reason.chars().count() > 500 {
            return Err(Error::invalid("reason", "at most 500 characters"));
        }
        self.managed_event(&caller, event_id).await?;
        idempotent_write!(self.db, CANCEL, &request_id, |conn| {
            let (event, _, _) = locked_event(conn, event_id).await?;
            let row = registration_in(conn, event_id, reg_id).await?;
            check_etag(&r.etag, row.revision, &r.name)?;
            check_live(row.status, "be cancelled")?;
            let was_registered = row.status == RegistrationStatus::Registered as i32;
            let now = now_micros();
            let mut cancelled = registration_of(&row)?;
            cancelled.status = RegistrationStatus::Cancelled as i32;
            cancelled.waitlist_position = 0;
            cancelled.cancel_time = Some(timestamp(now));
            cancelled.cancel_reason = r.reason.trim().to_owned();
            let rid = request_id.as_ref().map(RequestId::as_str);
            let cancelled = save(
                conn,
                &caller,
                CANCEL,
                "cancelled",
                &row,
                cancelled,
                now,
                rid,
            )
            .await?;
            let promoted = if was_registered {
                let counts = conn.status_counts(event_id).await?;
                promote(
                    conn,
                    &caller,
                    CANCEL,
                    event_id,
                    free_seats(event.capacity, &counts).min(1),
                    now,
                )
                .await?
            } else {
                conn.move_up_waitlist(event_id, row.waitlist_position, 1)
                    .await?;
                Vec::new()
            };
            Ok::<_, Error>(CancelRegistrationResponse {
                registration: Some(cancelled),
                promoted,
            })
        })
    }

    pub(super) async fn check_in(
        &self,
        request: tonic::Request<CheckInRequest>,
    ) -> Result<CheckInResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (event_id, target) = match r.target {
            Some(check_in_request::Target::Name(name)) => {
                let (e, reg) = child_ids("registrations", &name, "name")?;
                (e.to_owned(), Ok(reg.to_owned()))
            }
            Some(check_in_request::Target::Badge(badge)) => {
                let e = event_id(&badge.event, "badge.event")?.to_owned();
                let code = normalize_badge_code(&badge.code).ok_or_else(|| {
                    Error::invalid(
                        "badge.code",
                        "must be the 8 characters printed on the badge",
                    )
                })?;
                (e, Err(code))
            }
            None => {
                return Err(Error::invalid(
                    "name",
                    "is required: a registration name or a badge",
                ));
            }
        };
        let event = self.managed_event(&caller, &event_id).await?;
        write_transaction!(self.db, |conn| {
            let (event, _, _) = locked_event(conn, &event_id).await?;
            if matches!(
                EventStatus::try_from(event.status),
                Ok(EventStatus::Draft | EventStatus::Cancelled)
            ) {
                return Err(crate::domain::precondition(
                    "EVENT_NOT_OPEN",
                    "check-in is possible for published and closed events only",
                ));
            }
            let row = match &target {
                Ok(reg_id) => registration_in(conn, &event_id, reg_id).await?,
                Err(code) => conn
                    .registration_by_badge(&event_id, code)
                    .await?
                    .ok_or_else(|| {
                        Error::not_found(format!("badge {code} of events/{event_id}"))
                    })?,
            };
            if !check_in_rule(row.status)? {
                return Ok(CheckInResponse {
                    registration: Some(registration_of(&row)?),
                    already_checked_in: true,
                });
            }
            let now = now_micros();
            let mut attended = registration_of(&row)?;
            attended.status = RegistrationStatus::Attended as i32;
            attended.check_in_time = Some(timestamp(now));
            attended.checked_in_by = Some(caller.actor());
            let saved = save(
                conn,
                &caller,
                CHECK_IN,
                "checked_in",
                &row,
                attended,
                now,
                None,
            )
            .await?;
            Ok::<_, Error>(CheckInResponse {
                registration: Some(saved),
                already_checked_in: false,
            })
        })
        .map(|mut response: CheckInResponse| {
            response.registration = response.registration.map(|r| redact(&caller, &event, r));
            response
        })
    }

    pub(super) async fn mark_no_show(
        &self,
        request: tonic::Request<MarkNoShowRequest>,
    ) -> Result<MarkNoShowResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (event_id, reg_id) = child_ids("registrations", &r.name, "name")?;
        self.managed_event(&caller, event_id).await?;
        write_transaction!(self.db, |conn| {
            let (_, event_row, _) = locked_event(conn, event_id).await?;
            let row = registration_in(conn, event_id, reg_id).await?;
            check_etag(&r.etag, row.revision, &r.name)?;
            let now = now_micros();
            if !mark_no_show(row.status, now >= event_row.end_time, &r.name)? {
                return Ok(MarkNoShowResponse {
                    registration: Some(registration_of(&row)?),
                });
            }
            let mut marked = registration_of(&row)?;
            marked.status = RegistrationStatus::NoShow as i32;
            marked.no_show_time = Some(timestamp(now));
            let saved = save(conn, &caller, NO_SHOW, "no_show", &row, marked, now, None).await?;
            Ok::<_, Error>(MarkNoShowResponse {
                registration: Some(saved),
            })
        })
    }

    pub(super) async fn batch_mark_no_show(
        &self,
        request: tonic::Request<BatchMarkNoShowRequest>,
    ) -> Result<BatchMarkNoShowResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let id = event_id(&r.parent, "parent")?.to_owned();
        if r.names.len() > 1000 {
            return Err(Error::invalid("names", "at most 1,000 registrations"));
        }
        let mut named = Vec::with_capacity(r.names.len());
        for (i, name) in r.names.iter().enumerate() {
            let (e, reg) = child_ids("registrations", name, &format!("names[{i}]"))?;
            if e != id {
                return Err(Error::invalid(
                    format!("names[{i}]"),
                    "is a registration of another event",
                ));
            }
            named.push(reg.to_owned());
        }
        self.managed_event(&caller, &id).await?;
        write_transaction!(self.db, |conn| {
            let (_, event_row, _) = locked_event(conn, &id).await?;
            let now = now_micros();
            if now < event_row.end_time {
                return Err(crate::domain::precondition(
                    "EVENT_NOT_ENDED",
                    "no-shows are marked once the event has ended",
                ));
            }
            let rows = if named.is_empty() {
                conn.registrations_in(&id, RegistrationStatus::Registered as i32)
                    .await?
            } else {
                let mut rows = Vec::with_capacity(named.len());
                for reg_id in &named {
                    rows.push(registration_in(conn, &id, reg_id).await?);
                }
                rows.sort_by(|a, b| (a.register_time, &a.id).cmp(&(b.register_time, &b.id)));
                rows.dedup_by(|a, b| a.id == b.id);
                rows
            };
            let mut marked = Vec::new();
            for row in rows {
                let name = format!("events/{id}/registrations/{}", row.id);
                if !mark_no_show(row.status, true, &name)? {
                    continue;
                }
                let mut r = registration_of(&row)?;
                r.status = RegistrationStatus::NoShow as i32;
                r.no_show_time = Some(timestamp(now));
                marked
                    .push(save(conn, &caller, BATCH_NO_SHOW, "no_show", &row, r, now, None).await?);
            }
            Ok::<_, Error>(BatchMarkNoShowResponse {
                registrations: marked,
            })
        })
    }
}
