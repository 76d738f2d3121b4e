//! Participant lists as CSV, and the audit trail.

use engage_api::briefings::*;
use engage_api::contacts::{BatchGetPeopleRequest, Person};
use engage_platform::identity::Need;
use engage_platform::journal::{AuditTrailQuery, TrailOrder, audit_trail};
use engage_platform::paging::PageLimits;
use engage_platform::{Caller, Error, with_connection};

use super::registrations::{SPEC, registration_of};
use super::{BriefingsApi, caller, event_id, is_officer, listing};
use crate::domain::short_name;
use crate::store::{Bind, EventRow, RegistrationRow, RunSql, Sql};

/// The columns written when the request names none.
const DEFAULT_COLUMNS: &[&str] = &[
    "event",
    "event_title",
    "registration",
    "status",
    "waitlist_position",
    "badge_code",
    "person",
    "display_name",
    "given_name",
    "family_name",
    "email",
    "organization",
    "organization_display_name",
    "sector",
    "country_code",
    "regional_group",
    "gender",
    "youth",
    "register_time",
    "check_in_time",
    "cancel_time",
];
/// Columns written only on request.
const EXTRA_COLUMNS: &[&str] = &["phone", "accessibility_needs", "notes"];
/// Largest chunk of the CSV stream.
const CHUNK: usize = 64 * 1024;

fn rfc3339(t: &Option<prost_types::Timestamp>) -> String {
    t.as_ref()
        .and_then(|t| {
            let nanos = i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos);
            time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
        })
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// One value of a row.
fn value(column: &str, r: &Registration, event: &EventRow, person: Option<&Person>) -> String {
    let p = r.participant.clone().unwrap_or_default();
    let contact = |f: fn(&Person) -> String| person.map(f).unwrap_or_default();
    match column {
        "event" => format!("events/{}", event.id),
        "event_title" => event.title.clone(),
        "registration" => r.name.clone(),
        "status" => RegistrationStatus::try_from(r.status)
            .map(|s| short_name(s.as_str_name(), "REGISTRATION_STATUS_"))
            .unwrap_or_default(),
        "waitlist_position" => r.waitlist_position.to_string(),
        "badge_code" => r.badge_code.clone(),
        "person" => r.person.clone(),
        "display_name" => person.map_or(p.display_name.clone(), |x| x.display_name.clone()),
        "given_name" => contact(|x| x.given_name.clone()),
        "family_name" => contact(|x| x.family_name.clone()),
        "email" => contact(|x| {
            x.emails
                .iter()
                .find(|e| e.primary)
                .or(<[_]>::first(&x.emails))
                .map(|e| e.address.clone())
                .unwrap_or_default()
        }),
        "phone" => contact(|x| {
            x.phones
                .iter()
                .find(|e| e.primary)
                .or(<[_]>::first(&x.phones))
                .map(|e| e.e164.clone())
                .unwrap_or_default()
        }),
        "organization" => r.organization.clone(),
        "organization_display_name" => p.organization_display_name.clone(),
        "sector" => engage_api::types::Sector::try_from(p.sector)
            .map(|s| short_name(s.as_str_name(), "SECTOR_"))
            .unwrap_or_default(),
        "country_code" => p.country_code.clone(),
        "regional_group" => engage_api::types::RegionalGroup::try_from(p.regional_group)
            .map(|s| short_name(s.as_str_name(), "REGIONAL_GROUP_"))
            .unwrap_or_default(),
        "gender" => Gender::try_from(r.gender)
            .map(|s| short_name(s.as_str_name(), "GENDER_"))
            .unwrap_or_default(),
        "youth" => p.youth.to_string(),
        "register_time" => rfc3339(&r.register_time),
        "check_in_time" => rfc3339(&r.check_in_time),
        "cancel_time" => rfc3339(&r.cancel_time),
        "accessibility_needs" => r.accessibility_needs.clone(),
        "notes" => r.notes.clone(),
        _ => String::new(),
    }
}

impl BriefingsApi {
    /// The CSV file of a participant list, with its row count.
    pub(super) async fn export_csv(
        &self,
        caller: &Caller,
        r: &ExportRegistrationsRequest,
    ) -> Result<(Vec<u8>, i64), Error> {
        let columns: Vec<String> = if r.columns.is_empty() {
            DEFAULT_COLUMNS.iter().map(|c| (*c).to_owned()).collect()
        } else {
            r.columns.clone()
        };
        for (i, column) in columns.iter().enumerate() {
            if !DEFAULT_COLUMNS.contains(&column.as_str())
                && !EXTRA_COLUMNS.contains(&column.as_str())
            {
                return Err(Error::invalid(
                    format!("columns[{i}]"),
                    format!("{column:?} is not a column"),
                ));
            }
        }
        let private = columns
            .iter()
            .any(|c| c == "notes" || c == "accessibility_needs");
        let backend = self.db.backend();
        // Who may export which events: officers any they see; registration managers the
        // events they manage.
        let base = if r.parent == "events/-" {
            let mut sql = Sql::new(backend, "event_id IN (SELECT id FROM events WHERE ");
            if is_officer(caller) {
                sql.push("1 = 1");
            } else {
                listing::contains(&mut sql, "registration_managers", &caller.subject);
            }
            sql.push(")");
            sql
        } else {
            let id = event_id(&r.parent, "parent")?;
            self.managed_event(caller, id).await?;
            let mut sql = Sql::new(backend, "event_id = ");
            sql.bind(Bind::Text(id.to_owned()));
            sql
        };
        if private && !is_officer(caller) && r.parent == "events/-" {
            return Err(Error::PermissionDenied {
                reason: "PRIVATE_COLUMNS",
                message: "notes and accessibility needs of every event are for officers".into(),
            });
        }
        let listing = SPEC.listing(
            backend,
            &listing::Request {
                page_size: 1,
                page_token: "",
                filter: &r.filter,
                order_by: &r.order_by,
                scope: &[],
            },
            &base,
        )?;
        // One statement reads every row: a consistent snapshot, with no row limit.
        let (rows, events) = with_connection!(self.db, |conn| {
            let rows: Vec<RegistrationRow> = conn.rows(listing.all.clone()).await?;
            let mut ids: Vec<String> = rows.iter().map(|r| r.event_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let mut events = std::collections::HashMap::new();
            for id in ids {
                if let Some(row) = crate::store::Store::event(conn, &id, false).await? {
                    events.insert(id, row);
                }
            }
            (rows, events)
        });
        let people = self.people_of(caller, &rows).await?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let csv_error = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        writer.write_record(&columns).map_err(csv_error)?;
        for row in &rows {
            let Some(event) = events.get(&row.event_id) else {
                continue;
            };
            let registration = registration_of(row)?;
            let person = people.get(&registration.person);
            let record: Vec<String> = columns
                .iter()
                .map(|c| value(c, &registration, event, person))
                .collect();
            writer.write_record(&record).map_err(csv_error)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
        Ok((bytes, i64::try_from(rows.len()).unwrap_or(i64::MAX)))
    }

    /// The people of the rows as contacts knows them now, by name.
    async fn people_of(
        &self,
        caller: &Caller,
        rows: &[RegistrationRow],
    ) -> Result<std::collections::HashMap<String, Person>, Error> {
        let mut names: Vec<String> = rows.iter().map(|r| r.person.clone()).collect();
        names.sort();
        names.dedup();
        let mut people = std::collections::HashMap::new();
        let mut contacts = self.contacts(caller)?;
        for chunk in names.chunks(1000) {
            let found = contacts
                .batch_get_people(BatchGetPeopleRequest {
                    names: chunk.to_vec(),
                    resolve_merged: false,
                })
                .await
                .map_err(|s| Error::Unavailable(format!("contacts: {} {}", s.code(), s.message())))?
                .into_inner()
                .people;
            for (name, person) in chunk.iter().zip(found) {
                people.insert(name.clone(), person);
            }
        }
        Ok(people)
    }

    pub(super) async fn export_registrations(
        &self,
        request: tonic::Request<ExportRegistrationsRequest>,
    ) -> Result<Vec<ExportRegistrationsResponse>, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (bytes, rows) = self.export_csv(&caller, &r).await?;
        let mut messages: Vec<ExportRegistrationsResponse> = bytes
            .chunks(CHUNK)
            .map(|chunk| ExportRegistrationsResponse {
                payload: Some(export_registrations_response::Payload::CsvChunk(
                    chunk.to_vec(),
                )),
            })
            .collect();
        messages.push(ExportRegistrationsResponse {
            payload: Some(export_registrations_response::Payload::RowCount(rows)),
        });
        Ok(messages)
    }

    pub(super) async fn list_audit_entries(
        &self,
        request: tonic::Request<ListAuditEntriesRequest>,
    ) -> Result<ListAuditEntriesResponse, Error> {
        caller(&request, Need::Admin)?;
        let r = request.into_inner();
        if !r.resource.starts_with("events/") || r.resource.ends_with('/') {
            return Err(Error::invalid(
                "resource",
                "must name an event or one of its children",
            ));
        }
        let trail = audit_trail(
            &self.db,
            AuditTrailQuery {
                resource: &r.resource,
                include_children: r.include_children,
                // The contract offers no filter.
                filter: "",
                page_size: r.page_size,
                page_token: &r.page_token,
                limits: PageLimits {
                    default_size: 100,
                    max_size: 1000,
                },
                order: TrailOrder::OldestFirst,
            },
        )
        .await?;
        Ok(ListAuditEntriesResponse {
            audit_entries: trail.entries,
            next_page_token: trail.next_page_token,
        })
    }
}
