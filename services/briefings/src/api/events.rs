//! Events: create, read, list, update, soft delete and the life-cycle steps.

use engage_api::briefings::*;
use engage_platform::directory::Reference;
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, RequestId};
use engage_platform::query::{Direction, FieldType};
use engage_platform::resource::{check_etag, new_id, now_micros, timestamp};
use engage_platform::{
    Caller, Error, apply_mask, idempotent_write, with_connection, write_transaction,
};
use serde_json::json;

use super::listing::values::*;
use super::listing::{self, Column, KeyKind, Sort, Spec, field};
use super::registrations::{cancel_all, promote};
use super::{
    BriefingsApi, caller, changes, check_officer, check_visible, event_attributes, event_id,
    event_of, event_row, journal, locked_event, method, outbox, require_etag, required,
    with_changed_fields,
};
use crate::domain::event::{self as rules, Step};
use crate::domain::registration::free_seats;
use crate::store::sql::{COUNTS_BY_EVENT, CountedByText, Number};
use crate::store::{Bind, EventRow, RunSql, Sql, StatusCounts, Store};

static FIELDS: &[listing::Field] = &[
    field("kind", FieldType::Text, Column::Enum("kind", event_kind)),
    field(
        "status",
        FieldType::Text,
        Column::Enum("status", event_status),
    ),
    field(
        "conference_session",
        FieldType::Text,
        Column::Text("conference_session"),
    ),
    field(
        "start_time",
        FieldType::Timestamp,
        Column::Time("start_time"),
    ),
    field("end_time", FieldType::Timestamp, Column::Time("end_time")),
    field(
        "organizers",
        FieldType::List,
        Column::List("organizers", None),
    ),
    field(
        "co_organizers",
        FieldType::List,
        Column::List("co_organizers", None),
    ),
    field(
        "registration_managers",
        FieldType::List,
        Column::List("registration_managers", None),
    ),
    field(
        "thematic_areas",
        FieldType::List,
        Column::List("thematic_areas", Some(thematic_area)),
    ),
    field(
        "venue.country_code",
        FieldType::Text,
        Column::Text("venue_country_code"),
    ),
    field(
        "attendance_mode",
        FieldType::Text,
        Column::Enum("attendance_mode", attendance),
    ),
    field(
        "create_time",
        FieldType::Timestamp,
        Column::Time("create_time"),
    ),
    field(
        "update_time",
        FieldType::Timestamp,
        Column::Time("update_time"),
    ),
];

static SORTS: &[Sort<EventRow>] = &[
    Sort {
        name: "start_time",
        expr: "start_time",
        kind: KeyKind::Number,
        key: |r| json!(r.start_time),
    },
    Sort {
        name: "end_time",
        expr: "end_time",
        kind: KeyKind::Number,
        key: |r| json!(r.end_time),
    },
    Sort {
        name: "title",
        expr: "title",
        kind: KeyKind::Text,
        key: |r| json!(r.title),
    },
    Sort {
        name: "create_time",
        expr: "create_time",
        kind: KeyKind::Number,
        key: |r| json!(r.create_time),
    },
    Sort {
        name: "update_time",
        expr: "update_time",
        kind: KeyKind::Number,
        key: |r| json!(r.update_time),
    },
];

static SPEC: Spec<EventRow> = Spec {
    table: "events",
    fields: FIELDS,
    sorts: SORTS,
    default_order: &[("start_time", Direction::Ascending)],
};

/// The registration counts of several events, in one `GROUP BY`.
async fn counts_of<S: Store>(
    conn: &mut S,
    backend: engage_platform::storage::Backend,
    ids: &[String],
) -> Result<std::collections::HashMap<String, StatusCounts>, Error> {
    let mut map = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let mut sql = Sql::new(backend, COUNTS_BY_EVENT);
    sql.push("event_id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bind::Text(id.clone()));
    }
    sql.push(") GROUP BY event_id, status");
    for row in conn.rows::<CountedByText>(sql).await? {
        let counts = map.entry(row.key).or_insert_with(StatusCounts::default);
        counts.add(row.status, row.n);
        counts.touch(row.last);
    }
    Ok(map)
}

/// Who may see which events: officers everything, others every event but drafts, except
/// the drafts they manage registrations of.
pub(super) fn visibility(backend: engage_platform::storage::Backend, caller: &Caller) -> Sql {
    if super::is_officer(caller) {
        return Sql::new(backend, "1 = 1");
    }
    let mut sql = Sql::new(backend, "(status <> 1 OR ");
    listing::contains(&mut sql, "registration_managers", &caller.subject);
    sql.push(")");
    sql
}

const CREATE: &str = method!("CreateEvent");
const UPDATE: &str = method!("UpdateEvent");

impl BriefingsApi {
    pub(super) async fn get_event(
        &self,
        request: tonic::Request<GetEventRequest>,
    ) -> Result<GetEventResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let id = event_id(&r.name, "name")?;
        let (event, _) = self.visible_event(&caller, id).await?;
        Ok(GetEventResponse { event: Some(event) })
    }

    pub(super) async fn batch_get_events(
        &self,
        request: tonic::Request<BatchGetEventsRequest>,
    ) -> Result<BatchGetEventsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        if r.names.is_empty() || r.names.len() > 1000 {
            return Err(Error::invalid("names", "1 to 1,000 names"));
        }
        let mut ids = Vec::with_capacity(r.names.len());
        for (i, name) in r.names.iter().enumerate() {
            ids.push(event_id(name, &format!("names[{i}]"))?.to_owned());
        }
        let backend = self.db.backend();
        let (rows, counts) = with_connection!(self.db, |conn| {
            let mut rows = std::collections::HashMap::new();
            for id in &ids {
                if !rows.contains_key(id)
                    && let Some(row) = conn.event(id, false).await?
                {
                    rows.insert(id.clone(), row);
                }
            }
            let found: Vec<String> = rows.keys().cloned().collect();
            let counts = counts_of(conn, backend, &found).await?;
            (rows, counts)
        });
        let mut events = Vec::with_capacity(ids.len());
        for (id, name) in ids.iter().zip(&r.names) {
            let row = rows.get(id).ok_or_else(|| Error::not_found(name.clone()))?;
            let event = event_of(row, &counts.get(id).copied().unwrap_or_default())?;
            check_visible(&caller, &event)?;
            events.push(event);
        }
        Ok(BatchGetEventsResponse { events })
    }

    pub(super) async fn list_events(
        &self,
        request: tonic::Request<ListEventsRequest>,
    ) -> Result<ListEventsResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let backend = self.db.backend();
        let mut base = visibility(backend, &caller);
        if !r.show_deleted {
            base.push(" AND delete_time IS NULL");
        }
        let show_deleted = r.show_deleted.to_string();
        let listing = SPEC.listing(
            backend,
            &listing::Request {
                page_size: r.page_size,
                page_token: &r.page_token,
                filter: &r.filter,
                order_by: &r.order_by,
                scope: &[&show_deleted, &caller.subject],
            },
            &base,
        )?;
        let (mut rows, total, counts) = with_connection!(self.db, |conn| {
            let rows: Vec<EventRow> = conn.rows(listing.select.clone()).await?;
            let total = conn.rows::<Number>(listing.count.clone()).await?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let counts = counts_of(conn, backend, &ids).await?;
            (rows, total.first().map_or(0, |n| n.n), counts)
        });
        let next_page_token = SPEC.finish(&listing, &mut rows, |r| &r.id);
        let events = rows
            .iter()
            .map(|row| event_of(row, &counts.get(&row.id).copied().unwrap_or_default()))
            .collect::<Result<_, _>>()?;
        Ok(ListEventsResponse {
            events,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    /// Checks the organisers with contacts and replaces merged ones by their survivors.
    async fn resolve_organizers(&self, caller: &Caller, event: &mut Event) -> Result<(), Error> {
        let mut references = Vec::new();
        for (i, name) in event.organizers.iter().enumerate() {
            references.push(Reference::new(
                format!("event.organizers[{i}]"),
                name.clone(),
            ));
        }
        for (i, name) in event.co_organizers.iter().enumerate() {
            references.push(Reference::new(
                format!("event.co_organizers[{i}]"),
                name.clone(),
            ));
        }
        if references.is_empty() {
            return Ok(());
        }
        let found = self.directory(caller)?.organizations(&references).await?;
        let mut names = found.into_iter().map(|o| o.name);
        let organizers = event.organizers.len();
        event.organizers = names.by_ref().take(organizers).collect();
        event.co_organizers = names.collect();
        Ok(())
    }

    pub(super) async fn create_event(
        &self,
        request: tonic::Request<CreateEventRequest>,
    ) -> Result<CreateEventResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let mut event = required(r.event, "event")?;
        rules::normalize_and_check(&mut event)?;
        self.resolve_organizers(&caller, &mut event).await?;
        rules::normalize_and_check(&mut event)?;
        idempotent_write!(self.db, CREATE, &request_id, |conn| {
            let id = new_id();
            let now = now_micros();
            let mut created = Event {
                name: format!("events/{id}"),
                status: EventStatus::Draft as i32,
                cancel_reason: String::new(),
                publish_time: None,
                close_time: None,
                cancel_time: None,
                create_time: Some(timestamp(now)),
                update_time: Some(timestamp(now)),
                delete_time: None,
                ..event.clone()
            };
            let row = event_row(&created, &id, 1, now, now);
            conn.insert_event(&row).await?;
            created = event_of(&row, &StatusCounts::default())?;
            let changes = changes!(
                Event::default(),
                created,
                [
                    kind,
                    title,
                    conference_session,
                    start_time,
                    end_time,
                    time_zone,
                    organizers,
                    co_organizers,
                    registration_managers,
                    capacity,
                    waitlist_enabled,
                    per_organization_limit
                ]
            );
            journal(
                conn,
                &caller,
                CREATE,
                "created",
                outbox(
                    "event.created",
                    &created.name,
                    "Event",
                    &created,
                    event_attributes(&created),
                ),
                changes,
                request_id.as_ref().map(RequestId::as_str),
            )
            .await?;
            Ok::<_, Error>(CreateEventResponse {
                event: Some(created),
            })
        })
    }

    pub(super) async fn update_event(
        &self,
        request: tonic::Request<UpdateEventRequest>,
    ) -> Result<UpdateEventResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let mask = UpdateMask::parse(r.update_mask.as_ref(), rules::UPDATABLE)?;
        let mut patch = required(r.event, "event")?;
        let id = event_id(&patch.name, "event.name")?.to_owned();
        require_etag(&patch.etag, "event.etag")?;
        if mask.contains("organizers") || mask.contains("co_organizers") {
            // Checked before the transaction: contacts is not called with a row locked.
            self.resolve_organizers(&caller, &mut patch).await?;
        }
        write_transaction!(self.db, |conn| {
            let (current, row, counts) = locked_event(conn, &id).await?;
            check_etag(&patch.etag, row.revision, &current.name)?;
            rules::check_not_cancelled(&current)?;
            let mut updated = current.clone();
            let limit_masked = mask.contains("per_organization_limit");
            apply_mask!(
                mask,
                updated,
                patch,
                [
                    kind,
                    title,
                    description,
                    conference_session,
                    thematic_areas,
                    languages,
                    venue,
                    online_url,
                    start_time,
                    end_time,
                    time_zone,
                    organizers,
                    co_organizers,
                    registration_managers,
                    contact_email,
                    capacity,
                    waitlist_enabled,
                    waitlist_capacity,
                    registration_start_time,
                    registration_end_time
                ]
            );
            if limit_masked {
                updated.per_organization_limit = patch.per_organization_limit;
            }
            rules::normalize_and_check(&mut updated)?;
            if updated.capacity > 0 && i64::from(updated.capacity) < counts.seats_held() {
                return Err(crate::domain::precondition(
                    "CAPACITY_BELOW_REGISTERED",
                    format!(
                        "{} seats are held already: the capacity cannot be lowered to {}",
                        counts.seats_held(),
                        updated.capacity
                    ),
                ));
            }
            if !updated.waitlist_enabled && counts.waitlisted > 0 {
                return Err(crate::domain::precondition(
                    "WAITLIST_NOT_EMPTY",
                    format!(
                        "{} registrations are waitlisted: the waitlist cannot be turned off",
                        counts.waitlisted
                    ),
                ));
            }
            if (mask.contains("start_time") || mask.contains("end_time"))
                && let Some((first, last)) = conn.session_span(&id).await?
            {
                let new_row = event_row(&updated, &id, 0, 0, 0);
                if first < new_row.start_time || last > new_row.end_time {
                    return Err(crate::domain::precondition(
                        "SESSIONS_OUTSIDE_EVENT",
                        "the new times would leave sessions outside the event: move them first",
                    ));
                }
            }
            let changes = changes!(
                current,
                updated,
                [
                    kind,
                    title,
                    description,
                    conference_session,
                    thematic_areas,
                    languages,
                    venue,
                    online_url,
                    start_time,
                    end_time,
                    time_zone,
                    organizers,
                    co_organizers,
                    registration_managers,
                    contact_email,
                    capacity,
                    waitlist_enabled,
                    waitlist_capacity,
                    per_organization_limit,
                    registration_start_time,
                    registration_end_time
                ]
            );
            let now = now_micros();
            let row = event_row(&updated, &id, row.revision + 1, row.create_time, now);
            conn.replace_event(&row, row.revision - 1).await?;
            let seats = free_seats(updated.capacity, &counts);
            let promoted = if seats > 0 {
                promote(conn, &caller, UPDATE, &id, seats, now).await?
            } else {
                Vec::new()
            };
            let counts = conn.status_counts(&id).await?;
            let updated = event_of(&row, &counts)?;
            let attributes = with_changed_fields(event_attributes(&updated), &changes);
            journal(
                conn,
                &caller,
                UPDATE,
                "updated",
                outbox(
                    "event.updated",
                    &updated.name,
                    "Event",
                    &updated,
                    attributes,
                ),
                changes,
                None,
            )
            .await?;
            Ok::<_, Error>(UpdateEventResponse {
                event: Some(updated),
                promoted,
            })
        })
    }

    /// Soft-deletes (`delete`) or restores an event.
    pub(super) async fn delete_event(
        &self,
        caller: &Caller,
        name: &str,
        sent_etag: &str,
        delete: bool,
    ) -> Result<Event, Error> {
        let id = event_id(name, "name")?.to_owned();
        require_etag(sent_etag, "etag")?;
        let method = if delete {
            method!("DeleteEvent")
        } else {
            method!("UndeleteEvent")
        };
        write_transaction!(self.db, |conn| {
            let (current, row, counts) = locked_event(conn, &id).await?;
            check_etag(sent_etag, row.revision, &current.name)?;
            let mut updated = current.clone();
            let now = now_micros();
            if delete {
                if current.delete_time.is_some() {
                    return Err(crate::domain::precondition(
                        "ALREADY_DELETED",
                        "the event is deleted already",
                    ));
                }
                if !matches!(
                    EventStatus::try_from(current.status),
                    Ok(EventStatus::Draft | EventStatus::Cancelled)
                ) {
                    return Err(crate::domain::precondition(
                        "EVENT_NOT_DELETABLE",
                        "only draft and cancelled events can be deleted: cancel it first",
                    ));
                }
                updated.delete_time = Some(timestamp(now));
            } else {
                if current.delete_time.is_none() {
                    return Err(crate::domain::precondition(
                        "NOT_DELETED",
                        "the event is not deleted",
                    ));
                }
                updated.delete_time = None;
            }
            let row = event_row(&updated, &id, row.revision + 1, row.create_time, now);
            conn.replace_event(&row, row.revision - 1).await?;
            let updated = event_of(&row, &counts)?;
            let verb = if delete { "deleted" } else { "undeleted" };
            let changes = changes!(current, updated, [delete_time]);
            journal(
                conn,
                caller,
                method,
                verb,
                outbox(
                    &format!("event.{verb}"),
                    &updated.name,
                    "Event",
                    &updated,
                    event_attributes(&updated),
                ),
                changes,
                None,
            )
            .await?;
            Ok::<_, Error>(updated)
        })
    }

    /// Moves an event through its life cycle; a cancellation cancels its live
    /// registrations with the event's reason.
    pub(super) async fn step_event(
        &self,
        caller: &Caller,
        name: &str,
        sent_etag: &str,
        step: Step,
        reason: &str,
    ) -> Result<(Event, i32), Error> {
        let id = event_id(name, "name")?.to_owned();
        require_etag(sent_etag, "etag")?;
        if step == Step::Cancel {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(Error::invalid("reason", "is required, 1 to 500 characters"));
            }
        }
        let method = match step {
            Step::Publish => method!("PublishEvent"),
            Step::Close => method!("CloseEvent"),
            Step::Reopen => method!("ReopenEvent"),
            Step::Cancel => method!("CancelEvent"),
        };
        write_transaction!(self.db, |conn| {
            let (current, row, _) = locked_event(conn, &id).await?;
            check_etag(sent_etag, row.revision, &current.name)?;
            if current.delete_time.is_some() {
                return Err(crate::domain::precondition(
                    "EVENT_DELETED",
                    "the event is deleted: undelete it first",
                ));
            }
            let status = rules::transition(&current, step)?;
            let now = now_micros();
            let mut updated = current.clone();
            updated.status = status as i32;
            match step {
                Step::Publish | Step::Reopen => updated.publish_time = Some(timestamp(now)),
                Step::Close => updated.close_time = Some(timestamp(now)),
                Step::Cancel => {
                    updated.cancel_time = Some(timestamp(now));
                    updated.cancel_reason = reason.trim().to_owned();
                }
            }
            let cancelled = if step == Step::Cancel {
                cancel_all(conn, caller, method, &id, reason.trim(), now).await?
            } else {
                0
            };
            let row = event_row(&updated, &id, row.revision + 1, row.create_time, now);
            conn.replace_event(&row, row.revision - 1).await?;
            let counts = conn.status_counts(&id).await?;
            let updated = event_of(&row, &counts)?;
            let changes = vec![FieldChange::new(
                "status",
                json!(
                    EventStatus::try_from(current.status)
                        .map(|s| s.as_str_name())
                        .unwrap_or_default()
                ),
                json!(status.as_str_name()),
            )];
            journal(
                conn,
                caller,
                method,
                step.verb(),
                outbox(
                    &format!("event.{}", step.verb()),
                    &updated.name,
                    "Event",
                    &updated,
                    event_attributes(&updated),
                ),
                changes,
                None,
            )
            .await?;
            Ok::<_, Error>((updated, cancelled))
        })
    }

    /// The caller may change the event: officers only.
    pub(super) fn officer_of<T>(request: &tonic::Request<T>) -> Result<Caller, Error> {
        let caller = caller(request, Need::Write)?;
        check_officer(&caller)?;
        Ok(caller)
    }

    /// Whether `caller` may manage the registrations of the event `id`, with the event.
    pub(super) async fn managed_event(&self, caller: &Caller, id: &str) -> Result<Event, Error> {
        let (event, _) = self.visible_event(caller, id).await?;
        super::check_manages(caller, &event)?;
        Ok(event)
    }
}
