//! Search: whole words, near spellings and text inside words (pg_trgm and full-text
//! search on PostgreSQL, FTS5 trigrams on SQLite), and the index kept for it.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::storage::SqliteAsyncConnection;

use super::*;

/// The words of a folded query as an FTS5 trigram query: any trigram of any word, so that a
/// word with a typo still shares most of its trigrams with the stored text.
pub(super) fn fts_trigram_query(folded_query: &str) -> String {
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
pub(super) async fn words_postgres(
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
pub(super) struct WordVariant {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) query_word: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(super) word: String,
}

/// Spellings looked up per query word, nearest first: enough for a typo's few likely
/// corrections or a word's few likely endings.
pub(super) const VARIANTS_PER_WORD: i64 = 8;

/// The query words that deserve a search for near spellings: a typo in one or two letters
/// says nothing, and the register's words (see [`vocabulary`]) are letters and digits.
pub(super) fn misspellable<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words
        .iter()
        .copied()
        .filter(|w| w.len() >= 3 && is_plain_word(w))
        .collect()
}

pub(super) fn is_plain_word(word: &str) -> bool {
    word.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The words of search texts that a misspelt query word is compared with: plain words of
/// three characters or more (not web hosts or emails, which are matched as they are), each
/// once, sorted so that concurrent writers take their locks in the same order.
pub(super) fn vocabulary<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
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
pub(super) async fn remember_words_postgres(
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
/// (many times slower: figures in docs/benchmarks.md). A one-letter word is left to the
/// ranking unless the query has nothing else.
pub(super) fn words_tsquery(words: &[&str], variants: &[WordVariant]) -> String {
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

pub(super) async fn search_postgres(
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

pub(super) async fn search_sqlite(
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
pub(super) async fn index_search_postgres(
    conn: &mut AsyncPgConnection,
    row: &RecordRow,
) -> Result<Option<i64>, Error> {
    remember_words_postgres(conn, vocabulary(std::iter::once(row.search_text.as_str()))).await?;
    Ok(row.search_seq)
}

/// SQLite keeps an FTS5 row per searchable record, keyed by `search_seq`.
pub(super) async fn index_search_sqlite(
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
