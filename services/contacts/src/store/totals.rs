//! Totals: a listing's count, exact up to a bound and estimated beyond it, and the page of
//! a listing walked through its terms.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::storage::SqliteAsyncConnection;

use super::schema::{record_terms, records};
use super::*;

/// Up to how many rows a listing's total is counted exactly. Counting is reading every
/// matching row, so its cost grows with the matches (figures in docs/benchmarks.md; see
/// docs/adr/0021-listing-totals-and-word-search.md).
pub const EXACT_TOTAL_UP_TO: i64 = 1_000;

/// A query prefixed with `EXPLAIN`: the planner's estimate instead of the rows.
pub(super) struct Explained<Q>(Q);

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Explained<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::QueryId for Explained<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> diesel::query_builder::Query for Explained<Q> {
    type SqlType = diesel::sql_types::Text;
}

/// The rows PostgreSQL's planner expects `query` to return: the `rows=` of the plan's
/// first line, from the statistics ANALYZE keeps (term pairs have their own, see the
/// term_statistics migration).
pub(super) async fn estimate_postgres<Q>(
    conn: &mut AsyncPgConnection,
    query: Q,
) -> Result<Option<i64>, Error>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send,
{
    let plan: Vec<String> = Explained(query).load(conn).await?;
    Ok(plan.into_iter().next().and_then(|line| planned_rows(&line)))
}

/// `rows=N` of a plan line such as `Index Scan using … (cost=0.42..8.44 rows=1 width=37)`.
pub(super) fn planned_rows(line: &str) -> Option<i64> {
    let (_, after) = line.split_once(" rows=")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// SQLite keeps no statistics to estimate from: the total is counted.
pub(super) async fn estimate_sqlite<Q>(
    _: &mut SqliteAsyncConnection,
    _: Q,
) -> Result<Option<i64>, Error>
where
    Q: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    Ok(None)
}

/// Up to how many owners (the planner's estimate) a term's owners are read whole into a
/// hash that a listing's walk of its sort index looks each record up in. Reading owners is
/// cheap (figures in docs/benchmarks.md); the hash must stay within `work_mem` (about 64
/// bytes an owner), or PostgreSQL would scan the owners once per record walked.
pub(super) const HASHED_OWNERS_UP_TO: i64 = 50_000;

/// Which of a listing's terms to read whole into a hash: the one with the fewest owners
/// expected, if few enough. Otherwise each record walked is probed for each term in the
/// term index, which costs more a record (figures in docs/benchmarks.md) and suits terms
/// that most records on the walk hold.
pub(super) fn hashed_term(estimates: &[Option<i64>]) -> Option<usize> {
    let (index, owners) = estimates
        .iter()
        .enumerate()
        .filter_map(|(index, owners)| owners.map(|owners| (index, owners)))
        .min_by_key(|(_, owners)| *owners)?;
    (owners <= HASHED_OWNERS_UP_TO).then_some(index)
}

/// A page of a listing made of terms, on PostgreSQL, in two steps. The ids: the sort index
/// walked alone (an index-only scan), each record kept if its term rows say it holds the
/// terms in a state the listing shows, so the walk never reads a record it leaves out; then
/// the page's rows by id. `None` for any other listing, which [`Register::list`] pages
/// from `records`.
pub(super) async fn term_page_postgres(
    conn: &mut AsyncPgConnection,
    query: &ListQuery,
) -> Result<Option<Vec<RecordRow>>, Error> {
    use diesel_async::AsyncConnection;
    if query.limit.is_none() {
        return Ok(None);
    }
    let Some(TermListing { field, value, also }) = counted_by_terms(query) else {
        return Ok(None);
    };
    conn.transaction(async |conn| {
        // Planned for the values of this call: a plan made once for any values (which
        // PostgreSQL may switch a prepared statement to) does not know how many owners
        // a term has, and could scan them once per record walked instead of hashing
        // them. Parallel workers, on a few cores shared by every caller, slow these
        // short walks down.
        diesel::sql_query(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), \
             set_config('max_parallel_workers_per_gather', '0', true)",
        )
        .execute(conn)
        .await?;
        term_page_planned(conn, query, field, value, also).await
    })
    .await
    .map(Some)
}

/// [`term_page_postgres`] within its transaction.
pub(super) async fn term_page_planned(
    conn: &mut AsyncPgConnection,
    query: &ListQuery,
    field: &str,
    value: &str,
    also: Vec<(&str, Vec<String>)>,
) -> Result<Vec<RecordRow>, Error> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Array, Bool, Integer, SmallInt, Text};
    let kind = query.kind as i32;
    let shown = shown(query);
    // Every term row carries its record's kind and state, so each term's owners can be
    // read from the primary key (field, value, record_id) INCLUDE (kind, hidden) alone.
    let terms: Vec<(&str, Vec<String>)> = std::iter::once((field, vec![value.to_owned()]))
        .chain(also)
        .collect();
    let owners = |field: &str, values: &[String]| {
        record_terms::table
            .filter(record_terms::field.eq(field.to_owned()))
            .filter(record_terms::value.eq_any(values.to_vec()))
            .filter(record_terms::kind.eq(kind))
            .filter(record_terms::hidden.eq_any(shown.clone()))
            .select(record_terms::record_id)
    };
    let mut estimates = Vec::with_capacity(terms.len());
    for (field, values) in &terms {
        estimates.push(estimate_postgres(conn, owners(field, values)).await?);
    }
    let hashed = hashed_term(&estimates);
    let mut q = records::table.filter(records::kind.eq(kind)).into_boxed();
    for (index, (field, values)) in terms.iter().enumerate() {
        if Some(index) == hashed {
            // A sublink PostgreSQL cannot turn into a join: it becomes a hashed subplan,
            // the owners read once, and the walk keeps its order and stops at the limit.
            q = q.filter(
                sql::<Bool>(
                    r#"("records"."id" IN (SELECT record_id FROM record_terms WHERE field = "#,
                )
                .bind::<Text, _>(field.to_string())
                .sql(" AND value = ANY(")
                .bind::<Array<Text>, _>(values.clone())
                .sql(") AND kind = ")
                .bind::<Integer, _>(kind)
                .sql(" AND hidden = ANY(")
                .bind::<Array<SmallInt>, _>(shown.clone())
                .sql("))) IS TRUE"),
            );
        } else {
            q = q.filter(records::id.eq_any(owners(field, values)));
        }
    }
    let ids: Vec<String> = paged!(q, query).select(records::id).load(conn).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = records::table.filter(records::id.eq_any(ids)).into_boxed();
    let rows = match query.sort {
        SortColumn::Sort1 => ordered!(rows, records::sort_1, query.descending),
        SortColumn::Sort2 => ordered!(rows, records::sort_2, query.descending),
        SortColumn::Sort3 => ordered!(rows, records::sort_3, query.descending),
        SortColumn::Sort4 => ordered!(rows, records::sort_4, query.descending),
        SortColumn::CreateTime => ordered!(rows, records::create_time, query.descending),
        SortColumn::UpdateTime => ordered!(rows, records::update_time, query.descending),
    };
    Ok(rows.select(RecordRow::as_select()).load(conn).await?)
}

/// SQLite serves small registers: its listings page from `records` as they are.
pub(super) async fn term_page_sqlite(
    _: &mut SqliteAsyncConnection,
    _: &ListQuery,
) -> Result<Option<Vec<RecordRow>>, Error> {
    Ok(None)
}
