//! The briefings tables and the queries on them, written once for PostgreSQL and SQLite.
//!
//! Each resource is one row: the columns lists filter, order and count on, and `body`, the
//! resource as protobuf bytes (docs/adr/0016). A write rewrites the row from the message,
//! so the columns never disagree with the body.

pub mod schema;
pub mod sql;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::journal::Journal;
use engage_platform::storage::SqliteAsyncConnection;

use schema::{events, follow_up_actions, registrations, sessions, statements};
pub use sql::{Bind, RunSql, Sql};

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct EventRow {
    pub id: String,
    pub kind: i32,
    pub status: i32,
    pub title: String,
    pub conference_session: String,
    pub start_time: i64,
    pub end_time: i64,
    pub venue_country_code: String,
    pub attendance_mode: i32,
    pub organizers: String,
    pub co_organizers: String,
    pub registration_managers: String,
    pub thematic_areas: String,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = sessions, treat_none_as_null = true)]
pub struct SessionRow {
    pub id: String,
    pub event_id: String,
    pub title: String,
    pub start_time: i64,
    pub end_time: i64,
    pub speaker_people: String,
    pub speaker_organizations: String,
    pub thematic_areas: String,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored registration.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = registrations, treat_none_as_null = true)]
pub struct RegistrationRow {
    pub id: String,
    pub event_id: String,
    pub person: String,
    pub organization: String,
    pub status: i32,
    pub waitlist_position: i32,
    pub badge_code: String,
    pub gender: i32,
    pub sector: i32,
    pub regional_group: i32,
    pub country_code: String,
    pub youth: bool,
    pub display_name: String,
    pub register_time: i64,
    pub check_in_time: Option<i64>,
    pub revision: i64,
    pub update_time: i64,
    pub body: Vec<u8>,
}

/// A stored statement.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = statements, treat_none_as_null = true)]
pub struct StatementRow {
    pub id: String,
    pub event_id: String,
    pub speaker: String,
    pub organization: String,
    pub session: String,
    pub language: String,
    pub thematic_areas: String,
    pub title: String,
    pub deliver_time: Option<i64>,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored follow-up action.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = follow_up_actions, treat_none_as_null = true)]
pub struct FollowUpRow {
    pub id: String,
    pub event_id: String,
    pub owner_person: String,
    pub owner_organization: String,
    pub owner_subject: String,
    pub statement: String,
    pub title: String,
    pub status: i32,
    pub due_date: Option<String>,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored row of one of the event's child tables, so that get, insert and replace are
/// written once for sessions, statements and follow-up actions.
pub trait Child: Sized + Send + Sync + 'static {
    /// The row's id.
    fn id(&self) -> &str;
    /// The row's event.
    fn event_id(&self) -> &str;
    /// The row's revision.
    fn revision(&self) -> i64;
}

macro_rules! child {
    ($row:ty) => {
        impl Child for $row {
            fn id(&self) -> &str {
                &self.id
            }
            fn event_id(&self) -> &str {
                &self.event_id
            }
            fn revision(&self) -> i64 {
                self.revision
            }
        }
    };
}
child!(SessionRow);
child!(StatementRow);
child!(FollowUpRow);
child!(RegistrationRow);

/// Registrations of an event by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub registered: i64,
    pub waitlisted: i64,
    pub cancelled: i64,
    pub attended: i64,
    pub no_show: i64,
    /// When a registration counted last changed (µs), 0 without registrations.
    pub last_change: i64,
}

impl StatusCounts {
    /// Adds `n` registrations of `status`.
    pub fn add(&mut self, status: i32, n: i64) {
        use engage_api::briefings::RegistrationStatus as S;
        match S::try_from(status) {
            Ok(S::Registered) => self.registered += n,
            Ok(S::Waitlisted) => self.waitlisted += n,
            Ok(S::Cancelled) => self.cancelled += n,
            Ok(S::Attended) => self.attended += n,
            Ok(S::NoShow) => self.no_show += n,
            _ => {}
        }
    }

    /// Notes a change of a registration counted at `time` (µs).
    pub fn touch(&mut self, time: i64) {
        self.last_change = self.last_change.max(time);
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &StatusCounts) {
        self.touch(other.last_change);
        self.registered += other.registered;
        self.waitlisted += other.waitlisted;
        self.cancelled += other.cancelled;
        self.attended += other.attended;
        self.no_show += other.no_show;
    }

    /// Seats held: registered, attended and no-show.
    pub fn seats_held(&self) -> i64 {
        self.registered + self.attended + self.no_show
    }
}

/// The queries of the service, on either connection type.
pub trait Store: Journal + RunSql + Send {
    /// An event; on PostgreSQL `lock` also holds its row until the transaction ends, which
    /// serialises the registration writes of one event (SQLite serialises every write).
    fn event(
        &mut self,
        id: &str,
        lock: bool,
    ) -> impl Future<Output = Result<Option<EventRow>, Error>> + Send;
    /// Inserts an event.
    fn insert_event(&mut self, row: &EventRow) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites an event that is still at `revision`; ABORTED otherwise.
    fn replace_event(
        &mut self,
        row: &EventRow,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// A session.
    fn session(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<SessionRow>, Error>> + Send;
    /// Inserts a session.
    fn insert_session(
        &mut self,
        row: &SessionRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites a session still at `revision`.
    fn replace_session(
        &mut self,
        row: &SessionRow,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// The earliest start and latest end of the live sessions of an event.
    fn session_span(
        &mut self,
        event_id: &str,
    ) -> impl Future<Output = Result<Option<(i64, i64)>, Error>> + Send;

    /// A statement.
    fn statement(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<StatementRow>, Error>> + Send;
    /// Inserts a statement.
    fn insert_statement(
        &mut self,
        row: &StatementRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites a statement still at `revision`.
    fn replace_statement(
        &mut self,
        row: &StatementRow,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// A follow-up action.
    fn follow_up(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<FollowUpRow>, Error>> + Send;
    /// Inserts a follow-up action.
    fn insert_follow_up(
        &mut self,
        row: &FollowUpRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites a follow-up action still at `revision`.
    fn replace_follow_up(
        &mut self,
        row: &FollowUpRow,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// A registration.
    fn registration(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<RegistrationRow>, Error>> + Send;
    /// A registration of an event by its badge code.
    fn registration_by_badge(
        &mut self,
        event_id: &str,
        badge_code: &str,
    ) -> impl Future<Output = Result<Option<RegistrationRow>, Error>> + Send;
    /// The live (not cancelled) registration of a person for an event.
    fn live_registration(
        &mut self,
        event_id: &str,
        person: &str,
    ) -> impl Future<Output = Result<Option<RegistrationRow>, Error>> + Send;
    /// Registrations of an event in `status`, in registration order.
    fn registrations_in(
        &mut self,
        event_id: &str,
        status: i32,
    ) -> impl Future<Output = Result<Vec<RegistrationRow>, Error>> + Send;
    /// The first `limit` waitlisted registrations of an event, in waitlist order.
    fn waitlisted(
        &mut self,
        event_id: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<RegistrationRow>, Error>> + Send;
    /// Inserts a registration.
    fn insert_registration(
        &mut self,
        row: &RegistrationRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites a registration still at `revision`.
    fn replace_registration(
        &mut self,
        row: &RegistrationRow,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Moves every waitlisted registration of an event behind `position` up by `by`.
    fn move_up_waitlist(
        &mut self,
        event_id: &str,
        position: i32,
        by: i32,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Registrations of an event by status.
    fn status_counts(
        &mut self,
        event_id: &str,
    ) -> impl Future<Output = Result<StatusCounts, Error>> + Send;
    /// Live registrations of an event naming `organization`.
    fn organization_count(
        &mut self,
        event_id: &str,
        organization: &str,
    ) -> impl Future<Output = Result<i64, Error>> + Send;
    /// Whether a badge code is taken within an event.
    fn badge_taken(
        &mut self,
        event_id: &str,
        badge_code: &str,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    /// The latest registration time of an event.
    fn last_register_time(
        &mut self,
        event_id: &str,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send;
}

const CANCELLED: i32 = engage_api::briefings::RegistrationStatus::Cancelled as i32;
const WAITLISTED: i32 = engage_api::briefings::RegistrationStatus::Waitlisted as i32;

fn stale(resource: String) -> Error {
    Error::StaleEtag { resource }
}

macro_rules! impl_child_table {
    ($get:ident, $insert:ident, $replace:ident, $table:ident, $row:ty, $collection:literal) => {
        async fn $get(&mut self, id: &str) -> Result<Option<$row>, Error> {
            Ok($table::table
                .find(id)
                .select(<$row>::as_select())
                .first(self)
                .await
                .optional()?)
        }

        async fn $insert(&mut self, row: &$row) -> Result<(), Error> {
            diesel::insert_into($table::table)
                .values(row)
                .execute(self)
                .await?;
            Ok(())
        }

        async fn $replace(&mut self, row: &$row, revision: i64) -> Result<(), Error> {
            let n = diesel::update(
                $table::table
                    .find(&row.id)
                    .filter($table::revision.eq(revision)),
            )
            .set(row)
            .execute(self)
            .await?;
            if n == 0 {
                return Err(stale(format!(
                    "events/{}/{}/{}",
                    row.event_id, $collection, row.id
                )));
            }
            Ok(())
        }
    };
}

macro_rules! impl_store {
    ($conn:ty, |$self_:ident, $id:ident| $lock:block) => {
        impl Store for $conn {
            async fn event(&mut self, id: &str, lock: bool) -> Result<Option<EventRow>, Error> {
                if lock {
                    let $self_ = &mut *self;
                    let $id = id;
                    $lock
                }
                Ok(events::table
                    .find(id)
                    .select(EventRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_event(&mut self, row: &EventRow) -> Result<(), Error> {
                diesel::insert_into(events::table)
                    .values(row)
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn replace_event(&mut self, row: &EventRow, revision: i64) -> Result<(), Error> {
                let n = diesel::update(
                    events::table
                        .find(&row.id)
                        .filter(events::revision.eq(revision)),
                )
                .set(row)
                .execute(self)
                .await?;
                if n == 0 {
                    return Err(stale(format!("events/{}", row.id)));
                }
                Ok(())
            }

            impl_child_table!(
                session,
                insert_session,
                replace_session,
                sessions,
                SessionRow,
                "sessions"
            );
            impl_child_table!(
                statement,
                insert_statement,
                replace_statement,
                statements,
                StatementRow,
                "statements"
            );
            impl_child_table!(
                follow_up,
                insert_follow_up,
                replace_follow_up,
                follow_up_actions,
                FollowUpRow,
                "followUpActions"
            );
            impl_child_table!(
                registration,
                insert_registration,
                replace_registration,
                registrations,
                RegistrationRow,
                "registrations"
            );

            async fn session_span(&mut self, event_id: &str) -> Result<Option<(i64, i64)>, Error> {
                let (first, last): (Option<i64>, Option<i64>) = sessions::table
                    .filter(sessions::event_id.eq(event_id))
                    .filter(sessions::delete_time.is_null())
                    .select((
                        diesel::dsl::min(sessions::start_time),
                        diesel::dsl::max(sessions::end_time),
                    ))
                    .first(self)
                    .await?;
                Ok(first.zip(last))
            }

            async fn registration_by_badge(
                &mut self,
                event_id: &str,
                badge_code: &str,
            ) -> Result<Option<RegistrationRow>, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::badge_code.eq(badge_code))
                    .select(RegistrationRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn live_registration(
                &mut self,
                event_id: &str,
                person: &str,
            ) -> Result<Option<RegistrationRow>, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::person.eq(person))
                    .filter(registrations::status.ne(CANCELLED))
                    .select(RegistrationRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn registrations_in(
                &mut self,
                event_id: &str,
                status: i32,
            ) -> Result<Vec<RegistrationRow>, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::status.eq(status))
                    .order((registrations::register_time, registrations::id))
                    .select(RegistrationRow::as_select())
                    .load(self)
                    .await?)
            }

            async fn waitlisted(
                &mut self,
                event_id: &str,
                limit: i64,
            ) -> Result<Vec<RegistrationRow>, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::status.eq(WAITLISTED))
                    .order(registrations::waitlist_position)
                    .limit(limit)
                    .select(RegistrationRow::as_select())
                    .load(self)
                    .await?)
            }

            async fn move_up_waitlist(
                &mut self,
                event_id: &str,
                position: i32,
                by: i32,
            ) -> Result<(), Error> {
                diesel::update(
                    registrations::table
                        .filter(registrations::event_id.eq(event_id))
                        .filter(registrations::status.eq(WAITLISTED))
                        .filter(registrations::waitlist_position.gt(position)),
                )
                .set(registrations::waitlist_position.eq(registrations::waitlist_position - by))
                .execute(self)
                .await?;
                Ok(())
            }

            async fn status_counts(&mut self, event_id: &str) -> Result<StatusCounts, Error> {
                let rows: Vec<(i32, i64, Option<i64>)> = registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .group_by(registrations::status)
                    .select((
                        registrations::status,
                        diesel::dsl::count_star(),
                        diesel::dsl::max(registrations::update_time),
                    ))
                    .load(self)
                    .await?;
                let mut counts = StatusCounts::default();
                for (status, n, last) in rows {
                    counts.add(status, n);
                    counts.touch(last.unwrap_or_default());
                }
                Ok(counts)
            }

            async fn organization_count(
                &mut self,
                event_id: &str,
                organization: &str,
            ) -> Result<i64, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::organization.eq(organization))
                    .filter(registrations::status.ne(CANCELLED))
                    .count()
                    .get_result(self)
                    .await?)
            }

            async fn badge_taken(
                &mut self,
                event_id: &str,
                badge_code: &str,
            ) -> Result<bool, Error> {
                let n: i64 = registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .filter(registrations::badge_code.eq(badge_code))
                    .count()
                    .get_result(self)
                    .await?;
                Ok(n > 0)
            }

            async fn last_register_time(&mut self, event_id: &str) -> Result<Option<i64>, Error> {
                Ok(registrations::table
                    .filter(registrations::event_id.eq(event_id))
                    .select(diesel::dsl::max(registrations::register_time))
                    .first(self)
                    .await?)
            }
        }
    };
}

impl_store!(AsyncPgConnection, |conn, id| {
    diesel::sql_query("SELECT id FROM events WHERE id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Text, _>(id)
        .execute(conn)
        .await?;
});
// SQLite write transactions begin IMMEDIATE: one writer at a time holds the whole database.
impl_store!(SqliteAsyncConnection, |_conn, _id| {});
