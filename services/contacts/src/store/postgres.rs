//! The PostgreSQL backend: loading, locking, term holders and inserts, and its
//! [`Register`].

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::compared;

use super::schema::{record_terms, records};
use super::*;

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

/// Records one multi-row insert writes: 18 columns each, within PostgreSQL's 65,535
/// bind parameters.
pub(super) const RECORDS_PER_INSERT: usize = 1_000;

/// Records by id, on PostgreSQL: the ids as a set the primary key is probed with. A plain
/// `id = ANY($1) AND kind = $2` is a prepared statement whose plan, made once while the
/// register was small, may walk a whole `(kind, …, id)` index and compare each entry with
/// every id (seconds during an import: docs/benchmarks.md); a statement with
/// this literal is planned for each call.
pub(super) async fn load_many_postgres(
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
pub(super) const LOCK_CLASS: i32 = 0x636f_6e74;

/// A lock key's number: FNV-1a, the same in every process. Two keys with the same number
/// only wait for each other.
pub(super) fn lock_number(key: &str) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// A PostgreSQL transaction lock, released at commit or rollback.
pub(super) async fn lock_postgres(conn: &mut AsyncPgConnection, key: &str) -> Result<(), Error> {
    use diesel::sql_types::Integer;
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind::<Integer, _>(LOCK_CLASS)
        .bind::<Integer, _>(lock_number(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// A holder of a term value.
#[derive(QueryableByName)]
pub(super) struct TermHolder {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) value: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) record_id: String,
}

/// The holders of every value in one statement: a lateral probe of the term index per
/// value, each cut at `limit`, so an import transaction's thousands of keys cost one
/// round trip.
pub(super) async fn term_holders_postgres(
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

/// PostgreSQL indexes search text itself, so new records go in a few multi-row inserts
/// instead of a round trip per record and per term.
pub(super) async fn insert_many_postgres(
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
pub(super) struct TermColumns {
    pub(super) fields: Vec<String>,
    pub(super) values: Vec<String>,
    pub(super) record_ids: Vec<String>,
    pub(super) kinds: Vec<i32>,
    pub(super) hidden: Vec<i16>,
}

impl TermColumns {
    pub(super) fn push(&mut self, term: TermRow) {
        self.fields.push(term.field);
        self.values.push(term.value);
        self.record_ids.push(term.record_id);
        self.kinds.push(term.kind);
        self.hidden.push(term.hidden);
    }

    pub(super) async fn insert(self, conn: &mut AsyncPgConnection) -> Result<(), Error> {
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
