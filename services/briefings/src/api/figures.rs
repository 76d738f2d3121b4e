//! Attendance figures, counted by the database with `GROUP BY` over the registrations'
//! snapshots at read time.

use engage_api::briefings::*;
use engage_platform::identity::Need;
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::storage::Backend;
use engage_platform::{Error, with_connection};

use super::{BriefingsApi, caller, event_id};
use crate::domain::event::check_conference_session;
use crate::domain::figures::{Grouped, breakdown, counts};
use crate::store::sql::{COUNTS_BY_EVENT, Counted, CountedByText, Number};
use crate::store::{Bind, EventRow, RunSql, Sql, StatusCounts};

/// Events of a conference session that count: published or closed, not deleted.
const SESSION_EVENTS: &str = "SELECT id FROM events WHERE delete_time IS NULL AND status IN (2, 3) AND conference_session = ";

/// Which registrations are counted: one event's, or a conference session's.
#[derive(Clone)]
enum Scope {
    Event(String),
    ConferenceSession(String),
}

impl Scope {
    fn condition(&self, backend: Backend) -> Sql {
        match self {
            Scope::Event(id) => {
                let mut sql = Sql::new(backend, "event_id = ");
                sql.bind(Bind::Text(id.clone()));
                sql
            }
            Scope::ConferenceSession(code) => {
                let mut sql = Sql::new(backend, "event_id IN (");
                sql.push(SESSION_EVENTS)
                    .bind(Bind::Text(code.clone()))
                    .push(")");
                sql
            }
        }
    }
}

fn grouped_by(backend: Backend, scope: &Sql, key: &str) -> Sql {
    let mut sql = Sql::new(
        backend,
        &format!("SELECT {key} AS key, status, COUNT(*) AS n FROM registrations WHERE "),
    );
    sql.append(scope);
    if key == "0" {
        sql.push(" GROUP BY status");
    } else {
        sql.push(&format!(" GROUP BY {key}, status"));
    }
    sql
}

fn distinct_attended(backend: Backend, scope: &Sql, column: &str) -> Sql {
    let mut sql = Sql::new(
        backend,
        &format!(
            "SELECT COUNT(DISTINCT {column}) AS n FROM registrations WHERE status = 4 AND {column} <> '' AND "
        ),
    );
    sql.append(scope);
    sql
}

macro_rules! grouped {
    ($conn:expr, $backend:expr, $scope:expr) => {{
        let scope = &$scope;
        let one = |rows: Vec<Number>| rows.first().map_or(0, |n| n.n);
        Grouped {
            totals: $conn
                .rows::<Counted>(grouped_by($backend, scope, "0"))
                .await?,
            sector: $conn
                .rows::<Counted>(grouped_by($backend, scope, "sector"))
                .await?,
            regional_group: $conn
                .rows::<Counted>(grouped_by($backend, scope, "regional_group"))
                .await?,
            gender: $conn
                .rows::<Counted>(grouped_by($backend, scope, "gender"))
                .await?,
            youth: $conn
                .rows::<Counted>(grouped_by(
                    $backend,
                    scope,
                    "CASE WHEN youth THEN 1 ELSE 0 END",
                ))
                .await?,
            organizations_attended: one($conn
                .rows::<Number>(distinct_attended($backend, scope, "organization"))
                .await?),
            countries_attended: one($conn
                .rows::<Number>(distinct_attended($backend, scope, "country_code"))
                .await?),
        }
    }};
}

impl BriefingsApi {
    pub(super) async fn get_event_attendance(
        &self,
        request: tonic::Request<GetEventAttendanceRequest>,
    ) -> Result<GetEventAttendanceResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let id = event_id(&r.event, "event")?;
        let (event, _) = self.visible_event(&caller, id).await?;
        let backend = self.db.backend();
        let scope = Scope::Event(id.to_owned()).condition(backend);
        let grouped = with_connection!(self.db, |conn| grouped!(conn, backend, scope));
        Ok(GetEventAttendanceResponse {
            attendance: Some(EventAttendance {
                event: event.name.clone(),
                title: event.title.clone(),
                kind: event.kind,
                status: event.status,
                conference_session: event.conference_session.clone(),
                start_time: event.start_time,
                capacity: event.capacity,
                breakdown: Some(breakdown(&grouped)),
                compute_time: Some(timestamp(now_micros())),
            }),
        })
    }

    pub(super) async fn get_conference_session_attendance(
        &self,
        request: tonic::Request<GetConferenceSessionAttendanceRequest>,
    ) -> Result<GetConferenceSessionAttendanceResponse, Error> {
        caller(&request, Need::Read)?;
        let code = request.into_inner().conference_session;
        if !check_conference_session(&code) {
            return Err(Error::invalid(
                "conference_session",
                "must be 2 to 32 upper-case letters, digits and hyphens, such as COP12",
            ));
        }
        let backend = self.db.backend();
        let scope = Scope::ConferenceSession(code.clone()).condition(backend);
        let (grouped, people, events, per_event) = with_connection!(self.db, |conn| {
            let grouped = grouped!(conn, backend, scope);
            let mut people = Sql::new(
                backend,
                "SELECT COUNT(DISTINCT person) AS n FROM registrations WHERE status = 4 AND ",
            );
            people.append(&scope);
            let people = conn
                .rows::<Number>(people)
                .await?
                .first()
                .map_or(0, |n| n.n);
            let mut events = Sql::new(backend, "SELECT * FROM events WHERE id IN (");
            events
                .push(SESSION_EVENTS)
                .bind(Bind::Text(code.clone()))
                .push(") ORDER BY start_time, id");
            let events: Vec<EventRow> = conn.rows(events).await?;
            let mut per_event = Sql::new(backend, COUNTS_BY_EVENT);
            per_event.append(&scope).push(" GROUP BY event_id, status");
            let per_event = conn.rows::<CountedByText>(per_event).await?;
            (grouped, people, events, per_event)
        });
        let mut by_event: std::collections::HashMap<String, StatusCounts> = Default::default();
        for row in per_event {
            let counts = by_event.entry(row.key).or_default();
            counts.add(row.status, row.n);
            counts.touch(row.last);
        }
        let mut kinds: std::collections::BTreeMap<i32, (i32, StatusCounts)> = Default::default();
        let mut lines = Vec::with_capacity(events.len());
        for row in &events {
            let c = by_event.get(&row.id).copied().unwrap_or_default();
            let entry = kinds.entry(row.kind).or_default();
            entry.0 += 1;
            entry.1.merge(&c);
            let event = super::event_of(row, &c)?;
            lines.push(EventAttendanceLine {
                event: event.name,
                title: event.title,
                kind: event.kind,
                status: event.status,
                start_time: event.start_time,
                capacity: event.capacity,
                counts: Some(counts(&c)),
            });
        }
        Ok(GetConferenceSessionAttendanceResponse {
            attendance: Some(ConferenceSessionAttendance {
                conference_session: code,
                event_count: i32::try_from(events.len()).unwrap_or(i32::MAX),
                breakdown: Some(breakdown(&grouped)),
                people_attended: i32::try_from(people).unwrap_or(i32::MAX),
                by_kind: kinds
                    .into_iter()
                    .map(|(kind, (event_count, c))| KindAttendance {
                        kind,
                        event_count,
                        counts: Some(counts(&c)),
                    })
                    .collect(),
                events: lines,
                compute_time: Some(timestamp(now_micros())),
            }),
        })
    }
}
