//! Storage of the register on PostgreSQL and SQLite.
//!
//! Every resource is one row of `records`: the protobuf resource as `body`, and beside it the
//! columns that order, page, search and keep external ids unique; `record_terms` holds one
//! row per filterable value (a tag, a thematic area, an email, a state). Queries are written
//! once in [`Register`] and run on both databases; only search differs (pg_trgm on
//! PostgreSQL, FTS5 trigrams on SQLite).

pub mod kinds;
pub mod lifecycle;
pub mod schema;

#[macro_use]
mod listing;
mod postgres;
mod search;
mod sqlite;
mod totals;

#[allow(unused_imports, reason = "the sections share their items through here")]
use {listing::*, postgres::*, search::*, sqlite::*, totals::*};

pub use totals::EXACT_TOTAL_UP_TO;

use std::collections::HashMap;

use diesel::prelude::*;
use engage_platform::Error;
use engage_platform::query::Comparator;

use schema::{record_terms, records};

// The terms of the same record, when a count intersects the owners of several terms.
diesel::alias!(record_terms as other_terms: OtherTerms);

/// What a row of `records` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum RecordKind {
    /// `organizations/{id}`
    Organization = 1,
    /// `people/{id}`
    Person = 2,
    /// `people/{id}/affiliations/{id}`
    Affiliation = 3,
    /// `organizations/{id}/accreditations/{id}`
    Accreditation = 4,
    /// `people/{id}/consentRecords/{id}`
    ConsentRecord = 5,
    /// `interactions/{id}`
    Interaction = 6,
    /// `duplicateCandidates/{id}`
    DuplicateCandidate = 7,
}

/// One row of `records`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = records, treat_none_as_null = true)]
pub struct RecordRow {
    pub id: String,
    pub kind: i32,
    pub parent_id: Option<String>,
    pub revision: i64,
    pub sort_1: String,
    pub sort_2: String,
    pub sort_3: String,
    pub sort_4: String,
    pub external_id: Option<String>,
    pub search_text: String,
    pub search_seq: Option<i64>,
    pub merged_into: Option<String>,
    pub merge_time: Option<i64>,
    pub erase_time: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
    pub delete_time: Option<i64>,
    pub body: Vec<u8>,
}

/// A column a listing is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Sort1,
    Sort2,
    Sort3,
    Sort4,
    CreateTime,
    UpdateTime,
}

/// A value of a [`SortColumn`], as kept in a page token.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Text(String),
    Time(i64),
}

impl SortValue {
    /// The value of `column` in `row`.
    pub fn of(column: SortColumn, row: &RecordRow) -> Self {
        match column {
            SortColumn::Sort1 => SortValue::Text(row.sort_1.clone()),
            SortColumn::Sort2 => SortValue::Text(row.sort_2.clone()),
            SortColumn::Sort3 => SortValue::Text(row.sort_3.clone()),
            SortColumn::Sort4 => SortValue::Text(row.sort_4.clone()),
            SortColumn::CreateTime => SortValue::Time(row.create_time),
            SortColumn::UpdateTime => SortValue::Time(row.update_time),
        }
    }

    fn text(&self) -> String {
        match self {
            SortValue::Text(t) => t.clone(),
            SortValue::Time(t) => t.to_string(),
        }
    }

    fn time(&self) -> i64 {
        match self {
            SortValue::Text(t) => t.parse().unwrap_or_default(),
            SortValue::Time(t) => *t,
        }
    }
}

/// A time column a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeColumn {
    CreateTime,
    UpdateTime,
}

/// One condition of a listing; a listing holds rows meeting all of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The record has (or, negated, has not) the term `field` = `value`.
    Term {
        field: String,
        value: String,
        negated: bool,
    },
    /// The record has a term `field` whose value compares to `value` (text order; dates
    /// are written YYYY-MM-DD so that text order is date order).
    TermRange {
        field: String,
        comparator: Comparator,
        value: String,
    },
    /// The record has no term `field` below `value`: an open end date or one not passed.
    NoTermBelow { field: String, value: String },
    /// A time column compares to `micros`.
    Time {
        column: TimeColumn,
        comparator: Comparator,
        micros: i64,
    },
    /// The record is one of these ids.
    AmongIds(Vec<String>),
    /// The record is a child of one of these parents.
    ParentAmong(Vec<String>),
    /// The record has a term `field` with one of `values`.
    TermIn { field: String, values: Vec<String> },
    /// The record was merged into record `id`.
    MergedInto(String),
    /// The record is the parent of a child matching this listing (one and the same child
    /// meets all its conditions). Resolved to [`Condition::AmongIds`] before the query runs.
    ParentOf(Box<ListQuery>),
}

/// A listing of one kind of record: which rows, in which order, from where.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub kind: RecordKind,
    pub parent_id: Option<String>,
    pub show_deleted: bool,
    pub show_merged: bool,
    pub show_erased: bool,
    pub conditions: Vec<Condition>,
    pub sort: SortColumn,
    pub descending: bool,
    pub after: Option<(SortValue, String)>,
    pub limit: Option<i64>,
}

impl ListQuery {
    /// Live records of `kind`, oldest first, no limit.
    pub fn new(kind: RecordKind) -> Self {
        Self {
            kind,
            parent_id: None,
            show_deleted: false,
            show_merged: false,
            show_erased: true,
            conditions: Vec::new(),
            sort: SortColumn::CreateTime,
            descending: false,
            after: None,
            limit: None,
        }
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

#[derive(QueryableByName)]
struct SeqRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    seq: Option<i64>,
}

/// Terms whose value names another record (`organizations/{id}`, `people/{id}`).
const REFERENCE_FIELDS: &[&str] = &["organization", "organizations", "people", "representatives"];

/// The register's queries, for both connection types (inside a transaction or not).
pub trait Register {
    /// The record `id` of `kind`, if it exists.
    fn load(
        &mut self,
        kind: RecordKind,
        id: &str,
    ) -> impl Future<Output = Result<Option<RecordRow>, Error>> + Send;

    /// The records of `kind` among `ids` that exist, in no particular order.
    fn load_many(
        &mut self,
        kind: RecordKind,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<RecordRow>, Error>> + Send;

    /// The ids among `ids` of deleted records of `kind`: what duplicate candidates involving
    /// them must not show, read without the records' bodies.
    fn deleted_ids(
        &mut self,
        kind: RecordKind,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send;

    /// The live (not deleted, not merged) record of `kind` with `external_id`.
    fn find_external_id(
        &mut self,
        kind: RecordKind,
        external_id: &str,
    ) -> impl Future<Output = Result<Option<RecordRow>, Error>> + Send;

    /// The live records of `kind` holding any of `external_ids`, in no particular order: one
    /// query where an import would otherwise ask row by row.
    fn find_external_ids(
        &mut self,
        kind: RecordKind,
        external_ids: &[String],
    ) -> impl Future<Output = Result<Vec<RecordRow>, Error>> + Send;

    /// Stores new records and their terms, in as few statements as the database allows.
    fn insert_many(
        &mut self,
        records: &[(RecordRow, Vec<(String, String)>)],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Overwrites record `row.id` if it is still at `revision`; replaces its terms when
    /// given. False when another writer changed it first.
    fn replace(
        &mut self,
        row: &RecordRow,
        revision: i64,
        terms: Option<&[(String, String)]>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The rows of a listing.
    fn list(
        &mut self,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Vec<RecordRow>, Error>> + Send;

    /// How many rows a listing holds, ignoring its page.
    fn count(&mut self, query: &ListQuery) -> impl Future<Output = Result<i64, Error>> + Send;

    /// A listing's total as a first page reports it: exact up to [`EXACT_TOTAL_UP_TO`] rows,
    /// counted from the terms alone when the listing is made of terms; above it, the
    /// database's estimate where it makes one (PostgreSQL), never below the rows counted,
    /// else the exact count (SQLite, whose registers are small).
    fn total(&mut self, query: &ListQuery) -> impl Future<Output = Result<i64, Error>> + Send;

    /// The distinct parents of the rows of a listing of children.
    fn parents(
        &mut self,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send;

    /// Ids of records holding term `field` with one of `values`, at most `limit`. Looked up
    /// in the term index alone, so that a few matches among many records stay cheap.
    fn term_owners(
        &mut self,
        field: &str,
        values: &[String],
        limit: i64,
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send;

    /// The records of `kind` holding term `field` with each of `values`, by value, leaving
    /// out a value held by more than `most` of them (a value that common tells nothing).
    /// Each holder list is read through the term index and cut at `most + 1`, so a common
    /// value costs as little as a rare one.
    fn term_holders(
        &mut self,
        kind: RecordKind,
        field: &str,
        values: &[String],
        most: usize,
    ) -> impl Future<Output = Result<HashMap<String, Vec<String>>, Error>> + Send;

    /// How many live records refer to record `id` named `name`: its children, and records
    /// holding its name in a term (an affiliation's organisation, an interaction's people).
    fn references(
        &mut self,
        id: &str,
        name: &str,
    ) -> impl Future<Output = Result<i64, Error>> + Send;

    /// Ids of live records of `kind` whose search text resembles `folded_query`, best first,
    /// at most `limit`.
    fn search(
        &mut self,
        kind: RecordKind,
        folded_query: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send;

    /// Values of term `field` on live records of `kind` whose value starts with `prefix`,
    /// after `after`, with how many records carry each; in value order, at most `limit`.
    fn term_usage(
        &mut self,
        kind: RecordKind,
        field: &str,
        prefix: &str,
        after: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(String, i64)>, Error>> + Send;

    /// Inside a write transaction: holds the lock named `key` until the transaction ends,
    /// so that transactions taking the same lock run one after the other: what one of them
    /// reads before it writes, another cannot read (and act on) at the same time.
    fn lock(&mut self, key: &str) -> impl Future<Output = Result<(), Error>> + Send;
}
