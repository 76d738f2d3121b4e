//! The SQLite backend: loading, locking, term holders and inserts, and its [`Register`].

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use engage_platform::Error;
use engage_platform::compared;
use engage_platform::storage::SqliteAsyncConnection;

use super::schema::{record_terms, records};
use super::*;

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

/// SQLite needs no lock of its own: every write transaction begins IMMEDIATE, taking the
/// database's write lock before its first read, so write transactions already run one at a
/// time.
pub(super) async fn lock_sqlite(
    _conn: &mut SqliteAsyncConnection,
    _key: &str,
) -> Result<(), Error> {
    Ok(())
}

pub(super) async fn load_many_sqlite(
    conn: &mut SqliteAsyncConnection,
    ids: &[String],
) -> Result<Vec<RecordRow>, Error> {
    Ok(records::table
        .filter(records::id.eq_any(ids))
        .select(RecordRow::as_select())
        .load(conn)
        .await?)
}

/// SQLite answers in process: a query per value costs no round trip.
pub(super) async fn term_holders_sqlite(
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

/// SQLite numbers each record's search row, so records go in one by one, all in one
/// blocking task on the synchronous connection instead of a thread hand-off per statement.
pub(super) async fn insert_many_sqlite(
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
