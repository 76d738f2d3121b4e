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

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::compared;
use engage_platform::query::Comparator;
use engage_platform::storage::SqliteAsyncConnection;

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

/// The words of a folded query as an FTS5 trigram query: any trigram of any word, so that a
/// word with a typo still shares most of its trigrams with the stored text.
fn fts_trigram_query(folded_query: &str) -> String {
    let mut trigrams: Vec<String> = Vec::new();
    for word in folded_query.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for window in chars.windows(3) {
            let trigram: String = window.iter().collect();
            if !trigrams.contains(&trigram) {
                trigrams.push(trigram);
            }
        }
    }
    trigrams
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The first cut of a PostgreSQL search: records holding every query word as a whole word
/// (or, when `variants` is given, one of the spellings found for it), through the full-text index of live records of `kind`; at most `limit`, in no
/// particular order.
async fn words_postgres(
    conn: &mut AsyncPgConnection,
    kind: RecordKind,
    words: &[&str],
    variants: &[WordVariant],
    limit: i64,
) -> Result<Vec<String>, Error> {
    use diesel::sql_types::{BigInt, Text};
    let query = words_tsquery(words, variants);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    // The kind is written out so that the planner picks that kind's partial index.
    let rows: Vec<IdRow> = diesel::sql_query(format!(
        "SELECT id FROM records WHERE kind = {} AND delete_time IS NULL \
         AND merged_into IS NULL AND erase_time IS NULL \
         AND to_tsvector('simple', search_text) @@ to_tsquery('simple', $1) LIMIT $2",
        kind as i32
    ))
    .bind::<Text, _>(query)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A word of the register spelt near a query word.
#[derive(QueryableByName)]
struct WordVariant {
    #[diesel(sql_type = diesel::sql_types::Text)]
    query_word: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    word: String,
}

/// Spellings looked up per query word, nearest first: enough for a typo's few likely
/// corrections or a word's few likely endings.
const VARIANTS_PER_WORD: i64 = 8;

/// The query words that deserve a search for near spellings: a typo in one or two letters
/// says nothing, and the register's words (see [`vocabulary`]) are letters and digits.
fn misspellable<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words
        .iter()
        .copied()
        .filter(|w| w.len() >= 3 && is_plain_word(w))
        .collect()
}

fn is_plain_word(word: &str) -> bool {
    word.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The words of search texts that a misspelt query word is compared with: plain words of
/// three characters or more (not web hosts or emails, which are matched as they are), each
/// once, sorted so that concurrent writers take their locks in the same order.
fn vocabulary<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut words: Vec<String> = texts
        .flat_map(str::split_whitespace)
        .filter(|w| w.len() >= 3 && is_plain_word(w))
        .map(str::to_owned)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Adds the words of new or changed search texts to `search_words`. Words are never taken
/// out: one no record holds any more only offers a spelling that finds nothing.
async fn remember_words_postgres(
    conn: &mut AsyncPgConnection,
    words: Vec<String>,
) -> Result<(), Error> {
    use diesel::sql_types::{Array, Text};
    if words.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO search_words (word) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
    )
    .bind::<Array<Text>, _>(words)
    .execute(conn)
    .await?;
    Ok(())
}

/// The words of a folded query as a `to_tsquery` expression: all of them, each as a whole
/// word or one of its `variants` (near spellings and longer words it begins, which the
/// ranking counts as the word itself). Word beginnings are looked up in the vocabulary, not
/// in the full-text index, whose prefix search gathers every record of every word begun
/// (50 ms for "youth network nairobi", against 2 ms for the whole words). A one-letter word
/// is left to the ranking unless the query has nothing else.
fn words_tsquery(words: &[&str], variants: &[WordVariant]) -> String {
    let longer: Vec<&str> = words.iter().copied().filter(|w| w.len() > 1).collect();
    let words = if longer.is_empty() { words } else { &longer };
    words
        .iter()
        .map(|word| {
            let mut either = vec![format!("'{word}'")];
            either.extend(
                variants
                    .iter()
                    .filter(|v| v.query_word == *word && v.word != *word)
                    .map(|v| format!("'{}'", v.word)),
            );
            format!("({})", either.join(" | "))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

async fn search_postgres(
    conn: &mut AsyncPgConnection,
    kind: RecordKind,
    folded_query: &str,
    limit: i64,
) -> Result<Vec<String>, Error> {
    use diesel::sql_types::{Array, BigInt, Integer, Text};
    use diesel_async::AsyncConnection as _;
    // Folded text holds letters, digits and "@.+" only, so no word can quote or operate.
    let words: Vec<&str> = folded_query.split_whitespace().collect();
    let mut found = words_postgres(conn, kind, &words, &[], limit).await?;
    if found.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
        // Too few whole words: look for near spellings of each word, and words it begins,
        // among the register's words, then for records holding them.
        let asked = misspellable(&words);
        if !asked.is_empty() {
            // SET LOCAL: the threshold ends with the transaction, so the pooled connection
            // goes back to its next user with the server's own setting.
            let variants: Vec<WordVariant> = conn
                .transaction(async |conn| {
                    diesel::sql_query("SET LOCAL pg_trgm.similarity_threshold = 0.3")
                        .execute(conn)
                        .await?;
                    diesel::sql_query(
                        "SELECT q.word AS query_word, v.word AS word \
                         FROM unnest($1::text[]) AS q(word) CROSS JOIN LATERAL \
                         (SELECT word FROM search_words \
                          WHERE word % q.word OR word LIKE q.word || '%' \
                          ORDER BY word <-> q.word, word LIMIT $2) AS v",
                    )
                    .bind::<Array<Text>, _>(&asked)
                    .bind::<BigInt, _>(VARIANTS_PER_WORD)
                    .load(conn)
                    .await
                })
                .await?;
            if variants.iter().any(|v| !words.contains(&v.word.as_str())) {
                for id in words_postgres(conn, kind, &words, &variants, limit).await? {
                    if found.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                        break;
                    }
                    if !found.contains(&id) {
                        found.push(id);
                    }
                }
            }
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    // No word matched: what remains is text inside words (part of a phone number, of a web
    // host), which only trigram similarity over the records finds.
    // Word similarity finds a query word inside longer stored text; 0.3 lets a typo or two
    // through while the index still prunes. SET LOCAL, as above.
    let rows: Vec<IdRow> = conn
        .transaction(async |conn| {
            diesel::sql_query("SET LOCAL pg_trgm.word_similarity_threshold = 0.3")
                .execute(conn)
                .await?;
            diesel::sql_query(
                "SELECT id FROM records WHERE kind = $1 AND delete_time IS NULL \
                 AND merged_into IS NULL AND erase_time IS NULL AND $2 <% search_text \
                 ORDER BY word_similarity($2, search_text) DESC, id LIMIT $3",
            )
            .bind::<Integer, _>(kind as i32)
            .bind::<Text, _>(folded_query)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await
        })
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

async fn search_sqlite(
    conn: &mut SqliteAsyncConnection,
    kind: RecordKind,
    folded_query: &str,
    limit: i64,
) -> Result<Vec<String>, Error> {
    use diesel::sql_types::{BigInt, Integer, Text};
    let fts = fts_trigram_query(folded_query);
    if fts.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<IdRow> = diesel::sql_query(
        "SELECT r.id AS id FROM record_search s JOIN records r ON r.search_seq = s.rowid \
         WHERE record_search MATCH ? AND r.kind = ? AND r.delete_time IS NULL \
         AND r.merged_into IS NULL AND r.erase_time IS NULL \
         ORDER BY s.rank, r.id LIMIT ?",
    )
    .bind::<Text, _>(fts)
    .bind::<Integer, _>(kind as i32)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// PostgreSQL indexes `search_text` itself (trigram and full-text indexes); its words join
/// the vocabulary that misspelt queries are compared with.
async fn index_search_postgres(
    conn: &mut AsyncPgConnection,
    row: &RecordRow,
) -> Result<Option<i64>, Error> {
    remember_words_postgres(conn, vocabulary(std::iter::once(row.search_text.as_str()))).await?;
    Ok(row.search_seq)
}

/// SQLite keeps an FTS5 row per searchable record, keyed by `search_seq`.
async fn index_search_sqlite(
    conn: &mut SqliteAsyncConnection,
    row: &RecordRow,
) -> Result<Option<i64>, Error> {
    use diesel::sql_types::{BigInt, Text};
    if row.search_text.is_empty() && row.search_seq.is_none() {
        return Ok(None);
    }
    let seq = match row.search_seq {
        Some(seq) => {
            diesel::sql_query("DELETE FROM record_search WHERE rowid = ?")
                .bind::<BigInt, _>(seq)
                .execute(conn)
                .await?;
            seq
        }
        // Writers are serialised on SQLite, so the next number is not raced.
        None => {
            let max: SeqRow = diesel::sql_query("SELECT max(search_seq) AS seq FROM records")
                .get_result(conn)
                .await?;
            max.seq.unwrap_or(0) + 1
        }
    };
    diesel::sql_query("INSERT INTO record_search (rowid, search_text) VALUES (?, ?)")
        .bind::<BigInt, _>(seq)
        .bind::<Text, _>(&row.search_text)
        .execute(conn)
        .await?;
    Ok(Some(seq))
}

/// Narrows a boxed `records` query to a listing's rows (not its page or order).
macro_rules! filtered {
    ($query:expr) => {{
        let query: &ListQuery = $query;
        let mut q = records::table
            .filter(records::kind.eq(query.kind as i32))
            .into_boxed();
        if let Some(parent) = &query.parent_id {
            q = q.filter(records::parent_id.eq(parent.clone()));
        }
        if !query.show_deleted {
            q = q.filter(records::delete_time.is_null());
        }
        if !query.show_merged {
            q = q.filter(records::merged_into.is_null());
        }
        if !query.show_erased {
            q = q.filter(records::erase_time.is_null());
        }
        for condition in &query.conditions {
            q = match condition.clone() {
                Condition::Term {
                    field,
                    value,
                    negated,
                } => {
                    let owners = record_terms::table
                        .filter(record_terms::field.eq(field))
                        .filter(record_terms::value.eq(value))
                        .select(record_terms::record_id);
                    if negated {
                        q.filter(diesel::dsl::not(records::id.eq_any(owners)))
                    } else {
                        q.filter(records::id.eq_any(owners))
                    }
                }
                Condition::TermRange {
                    field,
                    comparator,
                    value,
                } => {
                    let terms = record_terms::table
                        .filter(record_terms::field.eq(field))
                        .into_boxed();
                    let terms = compared!(terms, record_terms::value, comparator, value);
                    q.filter(records::id.eq_any(terms.select(record_terms::record_id)))
                }
                Condition::NoTermBelow { field, value } => {
                    let below = record_terms::table
                        .filter(record_terms::field.eq(field))
                        .filter(record_terms::value.lt(value))
                        .select(record_terms::record_id);
                    q.filter(diesel::dsl::not(records::id.eq_any(below)))
                }
                Condition::Time {
                    column,
                    comparator,
                    micros,
                } => match column {
                    TimeColumn::CreateTime => {
                        compared!(q, records::create_time, comparator, micros)
                    }
                    TimeColumn::UpdateTime => {
                        compared!(q, records::update_time, comparator, micros)
                    }
                },
                Condition::AmongIds(ids) => q.filter(records::id.eq_any(ids)),
                Condition::ParentAmong(ids) => q.filter(records::parent_id.eq_any(ids)),
                Condition::TermIn { field, values } => {
                    let owners = record_terms::table
                        .filter(record_terms::field.eq(field))
                        .filter(record_terms::value.eq_any(values))
                        .select(record_terms::record_id);
                    q.filter(records::id.eq_any(owners))
                }
                Condition::MergedInto(id) => q.filter(records::merged_into.eq(id)),
                // Unresolved, it matches nothing rather than everything.
                Condition::ParentOf(_) => q.filter(records::id.eq_any(Vec::<String>::new())),
            };
        }
        q
    }};
}

/// Continues a listing strictly after its page token's key, in its order.
macro_rules! keyset {
    ($q:expr, $column:expr, $value:expr, $id:expr, $descending:expr) => {{
        let (value, id, descending) = ($value, $id, $descending);
        // The first bound alone is what an index can start its walk from; the second
        // leaves out the rows of the page token's value already listed.
        match descending {
            false => $q.filter($column.ge(value.clone())).filter(
                $column
                    .gt(value.clone())
                    .or($column.eq(value).and(records::id.gt(id))),
            ),
            true => $q.filter($column.le(value.clone())).filter(
                $column
                    .lt(value.clone())
                    .or($column.eq(value).and(records::id.lt(id))),
            ),
        }
    }};
}

macro_rules! ordered {
    ($q:expr, $column:expr, $descending:expr) => {
        if $descending {
            $q.order(($column.desc(), records::id.desc()))
        } else {
            $q.order(($column.asc(), records::id.asc()))
        }
    };
}

/// A boxed `records` query continued after the page token, in the listing's order, cut
/// to its limit.
macro_rules! paged {
    ($q:expr, $query:expr) => {{
        let query: &ListQuery = $query;
        let mut q = $q;
        if let Some((value, id)) = &query.after {
            let id = id.clone();
            q = match query.sort {
                SortColumn::Sort1 => {
                    keyset!(q, records::sort_1, value.text(), id, query.descending)
                }
                SortColumn::Sort2 => {
                    keyset!(q, records::sort_2, value.text(), id, query.descending)
                }
                SortColumn::Sort3 => {
                    keyset!(q, records::sort_3, value.text(), id, query.descending)
                }
                SortColumn::Sort4 => {
                    keyset!(q, records::sort_4, value.text(), id, query.descending)
                }
                SortColumn::CreateTime => {
                    keyset!(q, records::create_time, value.time(), id, query.descending)
                }
                SortColumn::UpdateTime => {
                    keyset!(q, records::update_time, value.time(), id, query.descending)
                }
            };
        }
        q = match query.sort {
            SortColumn::Sort1 => ordered!(q, records::sort_1, query.descending),
            SortColumn::Sort2 => ordered!(q, records::sort_2, query.descending),
            SortColumn::Sort3 => ordered!(q, records::sort_3, query.descending),
            SortColumn::Sort4 => ordered!(q, records::sort_4, query.descending),
            SortColumn::CreateTime => ordered!(q, records::create_time, query.descending),
            SortColumn::UpdateTime => ordered!(q, records::update_time, query.descending),
        };
        if let Some(limit) = query.limit {
            q = q.limit(limit);
        }
        q
    }};
}

macro_rules! impl_register {
    (
        $conn:ty,
        $search:path,
        $index_search:path,
        $insert_many:path,
        $estimate:path,
        $term_page:path,
        $term_holders:path,
        $load_many:path,
        $lock:path
    ) => {
        impl Register for $conn {
            async fn load(
                &mut self,
                kind: RecordKind,
                id: &str,
            ) -> Result<Option<RecordRow>, Error> {
                Ok(records::table
                    .find(id)
                    .filter(records::kind.eq(kind as i32))
                    .select(RecordRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn load_many(
                &mut self,
                kind: RecordKind,
                ids: &[String],
            ) -> Result<Vec<RecordRow>, Error> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut rows = $load_many(self, ids).await?;
                rows.retain(|row| row.kind == kind as i32);
                Ok(rows)
            }

            async fn deleted_ids(
                &mut self,
                kind: RecordKind,
                ids: &[String],
            ) -> Result<Vec<String>, Error> {
                Ok(records::table
                    .filter(records::id.eq_any(ids))
                    .filter(records::kind.eq(kind as i32))
                    .filter(records::delete_time.is_not_null())
                    .select(records::id)
                    .load(self)
                    .await?)
            }

            async fn find_external_id(
                &mut self,
                kind: RecordKind,
                external_id: &str,
            ) -> Result<Option<RecordRow>, Error> {
                Ok(records::table
                    .filter(records::kind.eq(kind as i32))
                    .filter(records::external_id.eq(external_id))
                    .filter(records::delete_time.is_null())
                    .filter(records::merged_into.is_null())
                    .select(RecordRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn find_external_ids(
                &mut self,
                kind: RecordKind,
                external_ids: &[String],
            ) -> Result<Vec<RecordRow>, Error> {
                if external_ids.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(records::table
                    .filter(records::kind.eq(kind as i32))
                    .filter(records::external_id.eq_any(external_ids))
                    .filter(records::delete_time.is_null())
                    .filter(records::merged_into.is_null())
                    .select(RecordRow::as_select())
                    .load(self)
                    .await?)
            }

            async fn insert_many(
                &mut self,
                records: &[(RecordRow, Vec<(String, String)>)],
            ) -> Result<(), Error> {
                $insert_many(self, records).await
            }

            async fn replace(
                &mut self,
                row: &RecordRow,
                revision: i64,
                terms: Option<&[(String, String)]>,
            ) -> Result<bool, Error> {
                let mut row = row.clone();
                row.search_seq = $index_search(self, &row).await?;
                let changed = diesel::update(
                    records::table
                        .find(&row.id)
                        .filter(records::revision.eq(revision)),
                )
                .set(&row)
                .execute(self)
                .await?;
                if changed == 0 {
                    return Ok(false);
                }
                if let Some(terms) = terms {
                    diesel::delete(record_terms::table.filter(record_terms::record_id.eq(&row.id)))
                        .execute(self)
                        .await?;
                    // One statement per term: diesel's multi-row insert does not reach
                    // SQLite for this table, and a record has tens of terms, not thousands.
                    for (field, value) in distinct(terms) {
                        let term = TermRow::of(&row, field, value);
                        diesel::insert_into(record_terms::table)
                            .values(term)
                            .execute(self)
                            .await?;
                    }
                } else {
                    // The terms stay, but a deletion, merge or erasure changes what they
                    // count for.
                    let bits = hidden(&row);
                    diesel::update(
                        record_terms::table
                            .filter(record_terms::record_id.eq(&row.id))
                            .filter(record_terms::hidden.ne(bits)),
                    )
                    .set(record_terms::hidden.eq(bits))
                    .execute(self)
                    .await?;
                }
                Ok(true)
            }

            async fn list(&mut self, query: &ListQuery) -> Result<Vec<RecordRow>, Error> {
                let query = &resolve_children(self, query).await?;
                if let Some(rows) = $term_page(self, query).await? {
                    return Ok(rows);
                }
                let q = paged!(filtered!(query), query);
                Ok(q.select(RecordRow::as_select()).load(self).await?)
            }

            async fn count(&mut self, query: &ListQuery) -> Result<i64, Error> {
                let query = &resolve_children(self, query).await?;
                Ok(filtered!(query).count().get_result(self).await?)
            }

            async fn total(&mut self, query: &ListQuery) -> Result<i64, Error> {
                use diesel::dsl::sql;
                use diesel::sql_types::Integer;
                let query = &resolve_children(self, query).await?;
                // Kind and state sit beside the terms: a listing made of terms is counted
                // from an index of the term rows alone, and the owners of several terms
                // meet by merging scans in record order.
                let term_rows = || {
                    counted_by_terms(query).map(|TermListing { field, value, also }| {
                        let mut q = record_terms::table
                            .filter(record_terms::field.eq(field.to_owned()))
                            .filter(record_terms::value.eq(value.to_owned()))
                            .filter(record_terms::kind.eq(query.kind as i32))
                            .filter(record_terms::hidden.eq_any(shown(query)))
                            .into_boxed();
                        for (field, values) in also {
                            let owners = other_terms
                                .filter(other_terms.field(record_terms::field).eq(field.to_owned()))
                                .select(other_terms.field(record_terms::record_id))
                                .into_boxed();
                            // One value compared with `=`, so that its owners come from the
                            // primary key in record order and the two scans merge; `= ANY`
                            // hides that order, and the planner then probed each owner of
                            // the first term or walked every term row (50 to 155 ms for
                            // 1,001 rows on the 1M set, against 8 to 14 ms merged).
                            let owners = match values.as_slice() {
                                [value] => owners.filter(
                                    other_terms.field(record_terms::value).eq(value.clone()),
                                ),
                                _ => owners
                                    .filter(other_terms.field(record_terms::value).eq_any(values)),
                            };
                            q = q.filter(record_terms::record_id.eq_any(owners));
                        }
                        q
                    })
                };
                // One more than the bound tells "above it" from "exactly it".
                let bound = EXACT_TOTAL_UP_TO + 1;
                let rows: Vec<i32> = match term_rows() {
                    Some(q) => {
                        q.select(sql::<Integer>("1"))
                            .limit(bound)
                            .load(self)
                            .await?
                    }
                    None => {
                        filtered!(query)
                            .select(sql::<Integer>("1"))
                            .limit(bound)
                            .load(self)
                            .await?
                    }
                };
                let counted = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                if counted <= EXACT_TOTAL_UP_TO {
                    return Ok(counted);
                }
                // An estimate below the rows already counted comes from statistics older
                // than the rows (a large import since the last ANALYZE): only a count is
                // worth reporting then.
                if let Some(estimate) =
                    $estimate(self, filtered!(query).select(records::id)).await?
                    && estimate > counted
                {
                    return Ok(estimate);
                }
                Ok(match term_rows() {
                    Some(q) => q.count().get_result(self).await?,
                    None => filtered!(query).count().get_result(self).await?,
                })
            }

            async fn parents(&mut self, query: &ListQuery) -> Result<Vec<String>, Error> {
                let parents: Vec<Option<String>> = filtered!(query)
                    .select(records::parent_id)
                    .distinct()
                    .load(self)
                    .await?;
                Ok(parents.into_iter().flatten().collect())
            }

            async fn term_owners(
                &mut self,
                field: &str,
                values: &[String],
                limit: i64,
            ) -> Result<Vec<String>, Error> {
                Ok(record_terms::table
                    .filter(record_terms::field.eq(field))
                    .filter(record_terms::value.eq_any(values))
                    .select(record_terms::record_id)
                    .distinct()
                    .limit(limit)
                    .load(self)
                    .await?)
            }

            async fn term_holders(
                &mut self,
                kind: RecordKind,
                field: &str,
                values: &[String],
                most: usize,
            ) -> Result<HashMap<String, Vec<String>>, Error> {
                let mut values = values.to_vec();
                values.sort_unstable();
                values.dedup();
                // One more than `most` tells a value held by too many from one held by `most`.
                let limit = i64::try_from(most).unwrap_or(i64::MAX - 1) + 1;
                let mut holders = $term_holders(self, kind, field, values, limit).await?;
                holders.retain(|_, ids| ids.len() <= most);
                Ok(holders)
            }

            async fn references(&mut self, id: &str, name: &str) -> Result<i64, Error> {
                // Children and term holders apart, each through its index: joined by OR in
                // one query, PostgreSQL reads every record, once per candidate scored.
                let children: Vec<String> = records::table
                    .filter(records::delete_time.is_null())
                    .filter(records::parent_id.eq(id))
                    .select(records::id)
                    .load(self)
                    .await?;
                // The fields that hold references, so that the term index answers.
                let holders = record_terms::table
                    .filter(record_terms::field.eq_any(REFERENCE_FIELDS))
                    .filter(record_terms::value.eq(name))
                    .select(record_terms::record_id);
                let holding: Vec<String> = records::table
                    .filter(records::delete_time.is_null())
                    .filter(records::id.eq_any(holders))
                    .select(records::id)
                    .load(self)
                    .await?;
                let referring: std::collections::HashSet<String> =
                    children.into_iter().chain(holding).collect();
                Ok(i64::try_from(referring.len()).unwrap_or(i64::MAX))
            }

            async fn search(
                &mut self,
                kind: RecordKind,
                folded_query: &str,
                limit: i64,
            ) -> Result<Vec<String>, Error> {
                $search(self, kind, folded_query, limit).await
            }

            async fn term_usage(
                &mut self,
                kind: RecordKind,
                field: &str,
                prefix: &str,
                after: &str,
                limit: i64,
            ) -> Result<Vec<(String, i64)>, Error> {
                let live = records::table
                    .filter(records::kind.eq(kind as i32))
                    .filter(records::delete_time.is_null())
                    .filter(records::merged_into.is_null())
                    .filter(records::erase_time.is_null())
                    .select(records::id);
                // Without a prefix the range below spans every value.
                let upper = format!("{prefix}\u{10FFFF}");
                Ok(record_terms::table
                    .filter(record_terms::field.eq(field))
                    .filter(record_terms::value.gt(after))
                    .filter(record_terms::value.ge(prefix))
                    .filter(record_terms::value.lt(upper))
                    .filter(record_terms::record_id.eq_any(live))
                    .group_by(record_terms::value)
                    .select((record_terms::value, diesel::dsl::count_star()))
                    .order(record_terms::value.asc())
                    .limit(limit)
                    .load(self)
                    .await?)
            }

            async fn lock(&mut self, key: &str) -> Result<(), Error> {
                $lock(self, key).await
            }
        }
    };
}

/// Replaces each [`Condition::ParentOf`] by the parents its child listing finds.
async fn resolve_children<C: Register + Send>(
    conn: &mut C,
    query: &ListQuery,
) -> Result<ListQuery, Error> {
    let mut resolved = query.clone();
    for condition in &mut resolved.conditions {
        if let Condition::ParentOf(children) = condition {
            let parents = conn.parents(children).await?;
            *condition = Condition::AmongIds(parents);
        }
    }
    Ok(resolved)
}

/// Each (field, value) once: a record may derive one term twice (two emails of one domain).
fn distinct(terms: &[(String, String)]) -> impl Iterator<Item = &(String, String)> {
    let mut unique: Vec<&(String, String)> = terms.iter().collect();
    unique.sort();
    unique.dedup();
    unique.into_iter()
}

#[derive(Clone, Insertable)]
#[diesel(table_name = record_terms)]
struct TermRow {
    field: String,
    value: String,
    record_id: String,
    kind: i32,
    hidden: i16,
}

impl TermRow {
    fn of(row: &RecordRow, field: &str, value: &str) -> Self {
        Self {
            field: field.to_owned(),
            value: value.to_owned(),
            record_id: row.id.clone(),
            kind: row.kind,
            hidden: hidden(row),
        }
    }
}

/// Bits of `record_terms.hidden`: why a record is left out of listings by default.
const HIDDEN_DELETED: i16 = 1;
const HIDDEN_MERGED: i16 = 2;
const HIDDEN_ERASED: i16 = 4;

/// What a term row keeps of its record's state, so that counts read terms alone.
fn hidden(row: &RecordRow) -> i16 {
    let mut bits = 0;
    if row.delete_time.is_some() {
        bits |= HIDDEN_DELETED;
    }
    if row.merged_into.is_some() {
        bits |= HIDDEN_MERGED;
    }
    if row.erase_time.is_some() {
        bits |= HIDDEN_ERASED;
    }
    bits
}

/// The `hidden` values a listing shows: those without a bit it leaves out.
fn shown(query: &ListQuery) -> Vec<i16> {
    let mut left_out = 0;
    if !query.show_deleted {
        left_out |= HIDDEN_DELETED;
    }
    if !query.show_merged {
        left_out |= HIDDEN_MERGED;
    }
    if !query.show_erased {
        left_out |= HIDDEN_ERASED;
    }
    (0..8).filter(|bits| bits & left_out == 0).collect()
}

/// A listing whose rows are exactly the owners of its terms (one of them a single value,
/// which a record holds at most once): its count reads term rows alone.
/// A listing made of terms: the single-valued term its count starts from, and the terms
/// (field and any of its values) its records also hold.
struct TermListing<'a> {
    field: &'a str,
    value: &'a str,
    also: Vec<(&'a str, Vec<String>)>,
}

fn counted_by_terms(query: &ListQuery) -> Option<TermListing<'_>> {
    if query.parent_id.is_some() {
        return None;
    }
    let mut single = None;
    let mut others = Vec::new();
    for condition in &query.conditions {
        let (field, values) = match condition {
            Condition::Term {
                field,
                value,
                negated: false,
            } => (field.as_str(), std::slice::from_ref(value)),
            Condition::TermIn { field, values } => (field.as_str(), values.as_slice()),
            _ => return None,
        };
        match values {
            [value] if single.is_none() => single = Some((field, value.as_str())),
            _ => others.push((field, values.to_vec())),
        }
    }
    let (field, value) = single?;
    Some(TermListing {
        field,
        value,
        also: others,
    })
}

impl_register!(
    AsyncPgConnection,
    search_postgres,
    index_search_postgres,
    insert_many_postgres,
    estimate_postgres,
    term_page_postgres,
    term_holders_postgres,
    load_many_postgres,
    lock_postgres
);
impl_register!(
    SqliteAsyncConnection,
    search_sqlite,
    index_search_sqlite,
    insert_many_sqlite,
    estimate_sqlite,
    term_page_sqlite,
    term_holders_sqlite,
    load_many_sqlite,
    lock_sqlite
);

/// Up to how many rows a listing's total is counted exactly. Counting is reading every
/// matching row: on a register of a million, 100,000 owners of one sector take 20 ms even
/// from the terms alone, and two large terms met take 200 ms, where 1,001 take 2 to 6 ms
/// (see docs/adr/0021-listing-totals-and-word-search.md).
pub const EXACT_TOTAL_UP_TO: i64 = 1_000;

/// A query prefixed with `EXPLAIN`: the planner's estimate instead of the rows.
struct Explained<Q>(Q);

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
async fn estimate_postgres<Q>(conn: &mut AsyncPgConnection, query: Q) -> Result<Option<i64>, Error>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send,
{
    let plan: Vec<String> = Explained(query).load(conn).await?;
    Ok(plan.into_iter().next().and_then(|line| planned_rows(&line)))
}

/// `rows=N` of a plan line such as `Index Scan using … (cost=0.42..8.44 rows=1 width=37)`.
fn planned_rows(line: &str) -> Option<i64> {
    let (_, after) = line.split_once(" rows=")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// SQLite keeps no statistics to estimate from: the total is counted.
async fn estimate_sqlite<Q>(_: &mut SqliteAsyncConnection, _: Q) -> Result<Option<i64>, Error>
where
    Q: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    Ok(None)
}

/// Up to how many owners (the planner's estimate) a term's owners are read whole into a
/// hash that a listing's walk of its sort index looks each record up in. Reading owners
/// costs about 0.12 µs each (37,000 in 4.5 ms on the 1M data set); the hash must stay
/// within `work_mem` (about 64 bytes an owner), or PostgreSQL would scan the owners once per
/// record walked.
const HASHED_OWNERS_UP_TO: i64 = 50_000;

/// Which of a listing's terms to read whole into a hash: the one with the fewest owners
/// expected, if few enough. Otherwise each record walked is probed for each term in the
/// term index, which costs about 2 µs a record and suits terms that most records on the
/// walk hold.
fn hashed_term(estimates: &[Option<i64>]) -> Option<usize> {
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
async fn term_page_postgres(
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
async fn term_page_planned(
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
async fn term_page_sqlite(
    _: &mut SqliteAsyncConnection,
    _: &ListQuery,
) -> Result<Option<Vec<RecordRow>>, Error> {
    Ok(None)
}

/// Records one multi-row insert writes: 18 columns each, within PostgreSQL's 65,535
/// bind parameters.
const RECORDS_PER_INSERT: usize = 1_000;

/// Records by id, on PostgreSQL: the ids as a set the primary key is probed with. A plain
/// `id = ANY($1) AND kind = $2` is a prepared statement whose plan, made once while the
/// register was small, may walk a whole `(kind, …, id)` index and compare each entry with
/// every id (5.9 s for 5,000 ids among 80,000 records during an import); a statement with
/// this literal is planned for each call.
async fn load_many_postgres(
    conn: &mut AsyncPgConnection,
    ids: &[String],
) -> Result<Vec<RecordRow>, Error> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Array, Bool, Text};
    Ok(records::table
        .filter(
            sql::<Bool>(r#""records"."id" IN (SELECT unnest("#)
                .bind::<Array<Text>, _>(ids.to_vec())
                .sql("))"),
        )
        .select(RecordRow::as_select())
        .load(conn)
        .await?)
}

/// The class of the register's advisory locks: with a key of their own, they share no key
/// with other locks on the same database.
const LOCK_CLASS: i32 = 0x636f_6e74;

/// A lock key's number: FNV-1a, the same in every process. Two keys with the same number
/// only wait for each other.
fn lock_number(key: &str) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// A PostgreSQL transaction lock, released at commit or rollback.
async fn lock_postgres(conn: &mut AsyncPgConnection, key: &str) -> Result<(), Error> {
    use diesel::sql_types::Integer;
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind::<Integer, _>(LOCK_CLASS)
        .bind::<Integer, _>(lock_number(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// SQLite needs no lock of its own: every write transaction begins IMMEDIATE, taking the
/// database's write lock before its first read, so write transactions already run one at a
/// time.
async fn lock_sqlite(_conn: &mut SqliteAsyncConnection, _key: &str) -> Result<(), Error> {
    Ok(())
}

async fn load_many_sqlite(
    conn: &mut SqliteAsyncConnection,
    ids: &[String],
) -> Result<Vec<RecordRow>, Error> {
    Ok(records::table
        .filter(records::id.eq_any(ids))
        .select(RecordRow::as_select())
        .load(conn)
        .await?)
}

/// A holder of a term value.
#[derive(QueryableByName)]
struct TermHolder {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    record_id: String,
}

/// The holders of every value in one statement: a lateral probe of the term index per
/// value, each cut at `limit`, so an import transaction's thousands of keys cost one
/// round trip.
async fn term_holders_postgres(
    conn: &mut AsyncPgConnection,
    kind: RecordKind,
    field: &str,
    values: Vec<String>,
    limit: i64,
) -> Result<HashMap<String, Vec<String>>, Error> {
    use diesel::sql_types::{Array, BigInt, Integer, Text};
    if values.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<TermHolder> = diesel::sql_query(
        "SELECT v.value, h.record_id FROM unnest($1::text[]) AS v(value) \
         CROSS JOIN LATERAL (SELECT t.record_id FROM record_terms t \
         WHERE t.field = $2 AND t.value = v.value AND t.kind = $3 LIMIT $4) h",
    )
    .bind::<Array<Text>, _>(values)
    .bind::<Text, _>(field)
    .bind::<Integer, _>(kind as i32)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    let mut holders: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        holders.entry(row.value).or_default().push(row.record_id);
    }
    Ok(holders)
}

/// SQLite answers in process: a query per value costs no round trip.
async fn term_holders_sqlite(
    conn: &mut SqliteAsyncConnection,
    kind: RecordKind,
    field: &str,
    values: Vec<String>,
    limit: i64,
) -> Result<HashMap<String, Vec<String>>, Error> {
    let mut holders = HashMap::new();
    for value in values {
        let ids: Vec<String> = record_terms::table
            .filter(record_terms::field.eq(field))
            .filter(record_terms::value.eq(&value))
            .filter(record_terms::kind.eq(kind as i32))
            .select(record_terms::record_id)
            .limit(limit)
            .load(conn)
            .await?;
        if !ids.is_empty() {
            holders.insert(value, ids);
        }
    }
    Ok(holders)
}

/// PostgreSQL indexes search text itself, so new records go in a few multi-row inserts
/// instead of a round trip per record and per term.
async fn insert_many_postgres(
    conn: &mut AsyncPgConnection,
    records: &[(RecordRow, Vec<(String, String)>)],
) -> Result<(), Error> {
    for chunk in records.chunks(RECORDS_PER_INSERT) {
        let rows: Vec<&RecordRow> = chunk.iter().map(|(row, _)| row).collect();
        diesel::insert_into(records::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    remember_words_postgres(
        conn,
        vocabulary(records.iter().map(|(row, _)| row.search_text.as_str())),
    )
    .await?;
    let mut terms = TermColumns::default();
    for (row, record_terms) in records {
        for (field, value) in distinct(record_terms) {
            terms.push(TermRow::of(row, field, value));
        }
    }
    terms.insert(conn).await
}

/// Term rows as one array per column: an import transaction's 17,000 terms go in one
/// statement of five parameters, where a multi-row VALUES list of 50,000 parameters cost as
/// much to parse and bind as to run.
#[derive(Default)]
struct TermColumns {
    fields: Vec<String>,
    values: Vec<String>,
    record_ids: Vec<String>,
    kinds: Vec<i32>,
    hidden: Vec<i16>,
}

impl TermColumns {
    fn push(&mut self, term: TermRow) {
        self.fields.push(term.field);
        self.values.push(term.value);
        self.record_ids.push(term.record_id);
        self.kinds.push(term.kind);
        self.hidden.push(term.hidden);
    }

    async fn insert(self, conn: &mut AsyncPgConnection) -> Result<(), Error> {
        use diesel::sql_types::{Array, Integer, SmallInt, Text};
        if self.fields.is_empty() {
            return Ok(());
        }
        diesel::sql_query(
            "INSERT INTO record_terms (field, value, record_id, kind, hidden) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::int2[])",
        )
        .bind::<Array<Text>, _>(self.fields)
        .bind::<Array<Text>, _>(self.values)
        .bind::<Array<Text>, _>(self.record_ids)
        .bind::<Array<Integer>, _>(self.kinds)
        .bind::<Array<SmallInt>, _>(self.hidden)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// SQLite numbers each record's search row, so records go in one by one, all in one
/// blocking task on the synchronous connection instead of a thread hand-off per statement.
async fn insert_many_sqlite(
    conn: &mut SqliteAsyncConnection,
    records: &[(RecordRow, Vec<(String, String)>)],
) -> Result<(), Error> {
    use diesel::RunQueryDsl as Sync;
    use diesel::sql_types::{BigInt, Text};
    let records: Vec<(RecordRow, Vec<(String, String)>)> = records.to_vec();
    conn.spawn_blocking(move |sync| {
        let max: SeqRow = Sync::get_result(
            diesel::sql_query("SELECT max(search_seq) AS seq FROM records"),
            sync,
        )?;
        let mut seq = max.seq.unwrap_or(0);
        for (row, terms) in records {
            let mut row = row;
            if !row.search_text.is_empty() {
                seq += 1;
                Sync::execute(
                    diesel::sql_query(
                        "INSERT INTO record_search (rowid, search_text) VALUES (?, ?)",
                    )
                    .bind::<BigInt, _>(seq)
                    .bind::<Text, _>(&row.search_text),
                    sync,
                )?;
                row.search_seq = Some(seq);
            }
            Sync::execute(diesel::insert_into(records::table).values(&row), sync)?;
            for (field, value) in distinct(&terms) {
                let term = TermRow::of(&row, field, value);
                Sync::execute(diesel::insert_into(record_terms::table).values(term), sync)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigram_query_tolerates_a_typo_by_matching_any_trigram() {
        assert_eq!(
            fts_trigram_query("ninos sur"),
            "\"nin\" OR \"ino\" OR \"nos\" OR \"sur\""
        );
        assert_eq!(fts_trigram_query("a b"), "");
    }

    #[test]
    fn every_query_word_is_required_as_a_whole_word_or_one_of_its_spellings() {
        assert_eq!(
            words_tsquery(&["asociasion", "ninos"], &[]),
            "('asociasion') & ('ninos')"
        );
        let variants = [
            WordVariant {
                query_word: "asociasion".into(),
                word: "asociacion".into(),
            },
            WordVariant {
                query_word: "asociasion".into(),
                word: "asociasion".into(),
            },
        ];
        assert_eq!(
            words_tsquery(&["asociasion", "ninos", "a"], &variants),
            "('asociasion' | 'asociacion') & ('ninos')"
        );
        assert_eq!(words_tsquery(&["a"], &[]), "('a')");
    }

    #[test]
    fn the_vocabulary_holds_plain_words_once_in_order() {
        assert_eq!(
            vocabulary(["ninos del sur ans.org info@ans.org", "sur ninos 2030"].into_iter()),
            ["2030", "del", "ninos", "sur"]
        );
        assert_eq!(misspellable(&["ab", "ans.org", "womens"]), ["womens"]);
    }

    fn row(delete_time: Option<i64>, merged_into: Option<&str>) -> RecordRow {
        RecordRow {
            id: "r".into(),
            kind: RecordKind::Organization as i32,
            parent_id: None,
            revision: 1,
            sort_1: String::new(),
            sort_2: String::new(),
            sort_3: String::new(),
            sort_4: String::new(),
            external_id: None,
            search_text: String::new(),
            search_seq: None,
            merged_into: merged_into.map(str::to_owned),
            merge_time: None,
            erase_time: None,
            create_time: 0,
            update_time: 0,
            delete_time,
            body: Vec::new(),
        }
    }

    #[test]
    fn a_listing_counts_the_term_rows_whose_record_it_shows() {
        let live = hidden(&row(None, None));
        let deleted = hidden(&row(Some(1), None));
        let merged = hidden(&row(None, Some("s")));
        let mut query = ListQuery::new(RecordKind::Organization);
        assert!(shown(&query).contains(&live));
        assert!(!shown(&query).contains(&deleted));
        assert!(!shown(&query).contains(&merged));
        query.show_deleted = true;
        assert!(shown(&query).contains(&deleted));
        assert!(!shown(&query).contains(&(deleted | merged)));
        query.show_erased = false;
        assert!(!shown(&query).contains(&(deleted | HIDDEN_ERASED)));
    }

    #[test]
    fn only_listings_of_term_owners_are_counted_from_terms() {
        let term = |field: &str, value: &str| Condition::Term {
            field: field.into(),
            value: value.into(),
            negated: false,
        };
        let mut query = ListQuery::new(RecordKind::Organization);
        assert!(counted_by_terms(&query).is_none(), "no term to count");
        query.conditions = vec![
            Condition::TermIn {
                field: "thematic_areas".into(),
                values: vec!["A".into(), "B".into()],
            },
            term("sector", "SECTOR_NGO"),
        ];
        let listing = counted_by_terms(&query).unwrap();
        assert_eq!((listing.field, listing.value), ("sector", "SECTOR_NGO"));
        assert_eq!(listing.also.len(), 1);
        query.conditions.push(Condition::Term {
            field: "tags".into(),
            value: "x".into(),
            negated: true,
        });
        assert!(counted_by_terms(&query).is_none(), "a negated term");
        query.conditions = vec![term("sector", "SECTOR_NGO")];
        query.parent_id = Some("p".into());
        assert!(counted_by_terms(&query).is_none(), "children of one parent");
    }

    #[test]
    fn the_term_with_fewest_owners_is_hashed_if_few_enough() {
        assert_eq!(hashed_term(&[Some(500_000), Some(37_000)]), Some(1));
        assert_eq!(hashed_term(&[Some(25_000)]), Some(0));
        assert_eq!(hashed_term(&[None, Some(HASHED_OWNERS_UP_TO)]), Some(1));
        assert_eq!(
            hashed_term(&[Some(500_000), Some(HASHED_OWNERS_UP_TO + 1)]),
            None,
            "many owners each: the walk probes the terms"
        );
        assert_eq!(hashed_term(&[None]), None, "no estimate");
    }
}
