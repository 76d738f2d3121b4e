//! The service's storage: one row per initiative, milestone and progress entry, with real
//! columns for what is filtered, sorted and aggregated and the resource itself in `body`;
//! lists and figures are SQL composed in [`queries`] and run by [`Store::rows`].

pub mod queries;
pub mod schema;
pub mod sql;

use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_api::initiatives::MilestoneStatus;
use engage_platform::Error;
use engage_platform::storage::SqliteAsyncConnection;

use schema::{
    initiative_members, initiatives, milestone_dependencies, milestones, progress_entries,
};
use sql::{Bind, Sql};

/// A stored initiative.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = initiatives, treat_none_as_null = true)]
pub struct InitiativeRow {
    pub id: String,
    pub title: String,
    pub country_code: String,
    pub regional_group: i32,
    pub status: i32,
    pub start_date: String,
    pub target_date: String,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored milestone.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, QueryableByName)]
#[diesel(table_name = milestones, treat_none_as_null = true)]
pub struct MilestoneRow {
    pub id: String,
    pub initiative_id: String,
    pub title: String,
    pub status: i32,
    pub percent_complete: i32,
    pub due_date: String,
    pub owner_kind: String,
    pub owner: String,
    pub priority_id: String,
    pub revision: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A stored progress entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = progress_entries)]
pub struct EntryRow {
    pub id: String,
    pub initiative_id: String,
    pub milestone_id: String,
    pub author: String,
    pub create_time: i64,
    pub corrects_id: String,
    pub new_status: i32,
    pub body: Vec<u8>,
}

/// A milestone's dependency.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = milestone_dependencies)]
pub struct DependencyRow {
    pub milestone_id: String,
    pub depends_on_id: String,
}

/// The roadmap figures of one initiative.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct RoadmapRow {
    #[diesel(sql_type = Text)]
    pub initiative_id: String,
    #[diesel(sql_type = BigInt)]
    pub milestone_count: i64,
    #[diesel(sql_type = BigInt)]
    pub planned: i64,
    #[diesel(sql_type = BigInt)]
    pub in_progress: i64,
    #[diesel(sql_type = BigInt)]
    pub done: i64,
    #[diesel(sql_type = BigInt)]
    pub blocked: i64,
    #[diesel(sql_type = BigInt)]
    pub dropped: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = Double)]
    pub progress: f64,
}

/// The next open milestone due of one initiative.
#[derive(Debug, Clone, QueryableByName)]
pub struct NextDueRow {
    #[diesel(sql_type = Text)]
    pub initiative_id: String,
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub due_date: String,
}

/// Figures of the initiatives sharing a status, regional group and country.
#[derive(Debug, Clone, QueryableByName)]
pub struct SummaryRow {
    #[diesel(sql_type = Integer)]
    pub status: i32,
    #[diesel(sql_type = Integer)]
    pub regional_group: i32,
    #[diesel(sql_type = Text)]
    pub country_code: String,
    #[diesel(sql_type = BigInt)]
    pub initiatives: i64,
    #[diesel(sql_type = Double)]
    pub progress_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub planned: i64,
    #[diesel(sql_type = BigInt)]
    pub in_progress: i64,
    #[diesel(sql_type = BigInt)]
    pub done: i64,
    #[diesel(sql_type = BigInt)]
    pub blocked: i64,
    #[diesel(sql_type = BigInt)]
    pub dropped: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub due_soon: i64,
}

/// A count.
#[derive(Debug, Clone, QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A pair of ids (an entry and the entry correcting it).
#[derive(Debug, Clone, QueryableByName)]
pub struct PairRow {
    #[diesel(sql_type = Text)]
    pub a: String,
    #[diesel(sql_type = Text)]
    pub b: String,
}

/// A row type that composed SQL can be read into on both databases.
pub trait Row:
    QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + Send + 'static
{
}

impl<T> Row for T where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + Send + 'static
{
}

/// The service's queries on either connection type, inside a transaction or not.
pub trait Store {
    /// Runs composed SQL and reads its rows.
    fn rows<R: Row>(&mut self, sql: &Sql) -> impl Future<Output = Result<Vec<R>, Error>> + Send;

    /// The initiative `id`, if it exists.
    fn initiative(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<InitiativeRow>, Error>> + Send;

    /// Stores a new initiative with the values its filters look up.
    fn insert_initiative(
        &mut self,
        row: &InitiativeRow,
        members: &[(&'static str, String)],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Overwrites initiative `row.id` if it is still at `revision`, replacing its looked-up
    /// values when given. False when another writer changed it first.
    fn replace_initiative(
        &mut self,
        row: &InitiativeRow,
        revision: i64,
        members: Option<&[(&'static str, String)]>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Holds the initiative `id` until the transaction ends, so that writes to one
    /// initiative and its roadmap (dependency checks, DONE checks, transitions) happen one
    /// after the other. SQLite's write transactions are serialised already.
    fn lock_initiative(&mut self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;

    /// The milestone `id`, if it exists.
    fn milestone(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<MilestoneRow>, Error>> + Send;

    /// Stores a new milestone and its dependencies.
    fn insert_milestone(
        &mut self,
        row: &MilestoneRow,
        depends_on: &[String],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Overwrites milestone `row.id` if it is still at `revision`, replacing its
    /// dependencies when given. False when another writer changed it first.
    fn replace_milestone(
        &mut self,
        row: &MilestoneRow,
        revision: i64,
        depends_on: Option<&[String]>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The dependencies between the live milestones of an initiative.
    fn dependencies(
        &mut self,
        initiative_id: &str,
    ) -> impl Future<Output = Result<Vec<DependencyRow>, Error>> + Send;

    /// The progress entry `id`, if it exists.
    fn entry(&mut self, id: &str) -> impl Future<Output = Result<Option<EntryRow>, Error>> + Send;

    /// Appends a progress entry.
    fn insert_entry(&mut self, row: &EntryRow) -> impl Future<Output = Result<(), Error>> + Send;

    /// The roadmap figures of the initiatives among `ids` that have live milestones, as of
    /// `today`: [`queries::roadmaps`] written with diesel's query builder, so that
    /// PostgreSQL keeps it as a prepared statement (diesel never caches composed SQL, so it
    /// would be parsed and planned on every call).
    fn roadmap_figures(
        &mut self,
        today: &str,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<RoadmapRow>, Error>> + Send;

    /// The open milestone of each of `ids` due first on or after `today` (ties by id):
    /// [`queries::next_due`] written with diesel's query builder, for the same reason.
    fn next_due(
        &mut self,
        today: &str,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<NextDueRow>, Error>> + Send;
}

const PLANNED: i32 = MilestoneStatus::Planned as i32;
const IN_PROGRESS: i32 = MilestoneStatus::InProgress as i32;
const DONE: i32 = MilestoneStatus::Done as i32;
const BLOCKED: i32 = MilestoneStatus::Blocked as i32;
const DROPPED: i32 = MilestoneStatus::Dropped as i32;

/// Whether a milestone status column is open (PLANNED, IN_PROGRESS, BLOCKED), as
/// [`queries::OPEN`] says.
macro_rules! open {
    ($status:expr) => {
        $status
            .eq(PLANNED)
            .or($status.eq(IN_PROGRESS))
            .or($status.eq(BLOCKED))
    };
}

/// The sums the roadmap figures are made of: the initiative, its live milestones, those in
/// each status (planned, in progress, done, blocked, dropped), the overdue ones, and the
/// sum of the contributions of those not DROPPED.
type RoadmapSums = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

impl From<RoadmapSums> for RoadmapRow {
    fn from(
        (
            initiative_id,
            milestone_count,
            planned,
            in_progress,
            done,
            blocked,
            dropped,
            overdue,
            contributions,
        ): RoadmapSums,
    ) -> Self {
        let dropped = dropped.unwrap_or_default();
        // AVG over the milestones not DROPPED, 0 when there is none, as in queries::roadmaps.
        let counted = milestone_count - dropped;
        let progress = if counted > 0 {
            contributions.unwrap_or_default() as f64 / counted as f64
        } else {
            0.0
        };
        RoadmapRow {
            initiative_id,
            milestone_count,
            planned: planned.unwrap_or_default(),
            in_progress: in_progress.unwrap_or_default(),
            done: done.unwrap_or_default(),
            blocked: blocked.unwrap_or_default(),
            dropped,
            overdue: overdue.unwrap_or_default(),
            progress,
        }
    }
}

/// Binds the values of `$sql` to a boxed raw query for the connection's backend.
macro_rules! bound {
    ($sql:expr, $numbered:expr) => {{
        let sql: &Sql = $sql;
        let mut query = diesel::sql_query(sql.render($numbered)).into_boxed();
        for value in &sql.binds {
            query = match value {
                Bind::Text(t) => query.bind::<Text, _>(t.clone()),
                Bind::Int(i) => query.bind::<BigInt, _>(*i),
                Bind::Float(f) => query.bind::<Double, _>(*f),
            };
        }
        query
    }};
}

macro_rules! impl_store {
    ($conn:ty, $numbered:expr, $lock:expr) => {
        impl Store for $conn {
            async fn rows<R: Row>(&mut self, sql: &Sql) -> Result<Vec<R>, Error> {
                Ok(bound!(sql, $numbered).load::<R>(self).await?)
            }

            async fn initiative(&mut self, id: &str) -> Result<Option<InitiativeRow>, Error> {
                Ok(initiatives::table
                    .find(id)
                    .select(InitiativeRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_initiative(
                &mut self,
                row: &InitiativeRow,
                members: &[(&'static str, String)],
            ) -> Result<(), Error> {
                diesel::insert_into(initiatives::table)
                    .values(row)
                    .execute(self)
                    .await?;
                insert_members!(self, &row.id, members);
                Ok(())
            }

            async fn replace_initiative(
                &mut self,
                row: &InitiativeRow,
                revision: i64,
                members: Option<&[(&'static str, String)]>,
            ) -> Result<bool, Error> {
                if !update_at_revision!(self, initiatives, row, revision) {
                    return Ok(false);
                }
                if let Some(members) = members {
                    diesel::delete(
                        initiative_members::table
                            .filter(initiative_members::initiative_id.eq(&row.id)),
                    )
                    .execute(self)
                    .await?;
                    insert_members!(self, &row.id, members);
                }
                Ok(true)
            }

            async fn lock_initiative(&mut self, id: &str) -> Result<(), Error> {
                if $lock {
                    let mut sql =
                        Sql::new("SELECT CAST(1 AS BIGINT) AS n FROM initiatives WHERE id = ");
                    sql.text(id).push(" FOR UPDATE");
                    let _: Vec<CountRow> = self.rows(&sql).await?;
                }
                Ok(())
            }

            async fn milestone(&mut self, id: &str) -> Result<Option<MilestoneRow>, Error> {
                Ok(milestones::table
                    .find(id)
                    .select(MilestoneRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_milestone(
                &mut self,
                row: &MilestoneRow,
                depends_on: &[String],
            ) -> Result<(), Error> {
                diesel::insert_into(milestones::table)
                    .values(row)
                    .execute(self)
                    .await?;
                insert_dependencies!(self, &row.id, depends_on);
                Ok(())
            }

            async fn replace_milestone(
                &mut self,
                row: &MilestoneRow,
                revision: i64,
                depends_on: Option<&[String]>,
            ) -> Result<bool, Error> {
                if !update_at_revision!(self, milestones, row, revision) {
                    return Ok(false);
                }
                if let Some(depends_on) = depends_on {
                    diesel::delete(
                        milestone_dependencies::table
                            .filter(milestone_dependencies::milestone_id.eq(&row.id)),
                    )
                    .execute(self)
                    .await?;
                    insert_dependencies!(self, &row.id, depends_on);
                }
                Ok(true)
            }

            async fn dependencies(
                &mut self,
                initiative_id: &str,
            ) -> Result<Vec<DependencyRow>, Error> {
                Ok(milestone_dependencies::table
                    .inner_join(
                        milestones::table
                            .on(milestones::id.eq(milestone_dependencies::milestone_id)),
                    )
                    .filter(milestones::initiative_id.eq(initiative_id))
                    .filter(milestones::delete_time.is_null())
                    .select(DependencyRow::as_select())
                    .load(self)
                    .await?)
            }

            async fn entry(&mut self, id: &str) -> Result<Option<EntryRow>, Error> {
                Ok(progress_entries::table
                    .find(id)
                    .select(EntryRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_entry(&mut self, row: &EntryRow) -> Result<(), Error> {
                diesel::insert_into(progress_entries::table)
                    .values(row)
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn roadmap_figures(
                &mut self,
                today: &str,
                ids: &[String],
            ) -> Result<Vec<RoadmapRow>, Error> {
                use diesel::dsl::{count_star, sum};
                let m = milestones::status;
                let counted =
                    |status: i32| sum(case_when::<_, _, Integer>(m.eq(status), 1).otherwise(0));
                let rows: Vec<RoadmapSums> = milestones::table
                    .filter(milestones::delete_time.is_null())
                    .filter(milestones::initiative_id.eq_any(ids))
                    .group_by(milestones::initiative_id)
                    .select((
                        milestones::initiative_id,
                        count_star(),
                        counted(PLANNED),
                        counted(IN_PROGRESS),
                        counted(DONE),
                        counted(BLOCKED),
                        counted(DROPPED),
                        sum(case_when::<_, _, Integer>(
                            open!(m).and(milestones::due_date.lt(today)),
                            1,
                        )
                        .otherwise(0)),
                        sum(
                            case_when::<_, _, Nullable<Integer>>(m.eq(DROPPED), None::<i32>)
                                .when(m.eq(DONE), Some(100))
                                .otherwise(milestones::percent_complete.nullable()),
                        ),
                    ))
                    .load(self)
                    .await?;
                Ok(rows.into_iter().map(RoadmapRow::from).collect())
            }

            async fn next_due(
                &mut self,
                today: &str,
                ids: &[String],
            ) -> Result<Vec<NextDueRow>, Error> {
                let n = diesel::alias!(milestones as n);
                let (n_initiative, n_id, n_due, n_status, n_deleted) = (
                    n.field(milestones::initiative_id),
                    n.field(milestones::id),
                    n.field(milestones::due_date),
                    n.field(milestones::status),
                    n.field(milestones::delete_time),
                );
                let earlier = n
                    .filter(n_initiative.eq(milestones::initiative_id))
                    .filter(n_deleted.is_null())
                    .filter(open!(n_status))
                    .filter(n_due.ge(today))
                    .filter(
                        n_due
                            .lt(milestones::due_date)
                            .or(n_due.eq(milestones::due_date).and(n_id.lt(milestones::id))),
                    )
                    .select(n_id);
                let rows: Vec<(String, String, String, String)> = milestones::table
                    .filter(milestones::delete_time.is_null())
                    .filter(open!(milestones::status))
                    .filter(milestones::due_date.ge(today))
                    .filter(milestones::initiative_id.eq_any(ids))
                    .filter(diesel::dsl::not(diesel::dsl::exists(earlier)))
                    .select((
                        milestones::initiative_id,
                        milestones::id,
                        milestones::title,
                        milestones::due_date,
                    ))
                    .load(self)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(initiative_id, id, title, due_date)| NextDueRow {
                        initiative_id,
                        id,
                        title,
                        due_date,
                    })
                    .collect())
            }
        }
    };
}

/// Overwrites `$row` in `$table` if it is still at `$revision`; false when it is not.
macro_rules! update_at_revision {
    ($conn:expr, $table:ident, $row:expr, $revision:expr) => {
        diesel::update(
            $table::table
                .find(&$row.id)
                .filter($table::revision.eq($revision)),
        )
        .set($row)
        .execute(&mut *$conn)
        .await?
            > 0
    };
}

macro_rules! insert_members {
    ($conn:expr, $id:expr, $members:expr) => {
        for (kind, value) in $members {
            diesel::insert_into(initiative_members::table)
                .values((
                    initiative_members::initiative_id.eq($id),
                    initiative_members::kind.eq(*kind),
                    initiative_members::value.eq(value),
                ))
                .execute(&mut *$conn)
                .await?;
        }
    };
}

macro_rules! insert_dependencies {
    ($conn:expr, $id:expr, $depends_on:expr) => {
        for dependency in $depends_on {
            diesel::insert_into(milestone_dependencies::table)
                .values((
                    milestone_dependencies::milestone_id.eq($id),
                    milestone_dependencies::depends_on_id.eq(dependency),
                ))
                .execute(&mut *$conn)
                .await?;
        }
    };
}

diesel::allow_tables_to_appear_in_same_query!(milestones, milestone_dependencies);

impl_store!(AsyncPgConnection, true, true);
impl_store!(SqliteAsyncConnection, false, false);
