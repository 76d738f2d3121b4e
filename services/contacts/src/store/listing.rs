//! Listing: a listing's rows, page and order, the queries every backend shares (written
//! once as macros and expanded for each connection type), and the terms kept beside records.

use diesel::prelude::*;
use engage_platform::Error;

use super::schema::record_terms;
use super::*;

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
                            // the first term or walked every term row, several times slower
                            // (figures in docs/benchmarks.md).
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
pub(super) async fn resolve_children<C: Register + Send>(
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
pub(super) fn distinct(terms: &[(String, String)]) -> impl Iterator<Item = &(String, String)> {
    let mut unique: Vec<&(String, String)> = terms.iter().collect();
    unique.sort();
    unique.dedup();
    unique.into_iter()
}

#[derive(Clone, Insertable)]
#[diesel(table_name = record_terms)]
pub(super) struct TermRow {
    pub(super) field: String,
    pub(super) value: String,
    pub(super) record_id: String,
    pub(super) kind: i32,
    pub(super) hidden: i16,
}

impl TermRow {
    pub(super) fn of(row: &RecordRow, field: &str, value: &str) -> Self {
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
pub(super) const HIDDEN_DELETED: i16 = 1;
pub(super) const HIDDEN_MERGED: i16 = 2;
pub(super) const HIDDEN_ERASED: i16 = 4;

/// What a term row keeps of its record's state, so that counts read terms alone.
pub(super) fn hidden(row: &RecordRow) -> i16 {
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
pub(super) fn shown(query: &ListQuery) -> Vec<i16> {
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
pub(super) struct TermListing<'a> {
    pub(super) field: &'a str,
    pub(super) value: &'a str,
    pub(super) also: Vec<(&'a str, Vec<String>)>,
}

pub(super) fn counted_by_terms(query: &ListQuery) -> Option<TermListing<'_>> {
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
