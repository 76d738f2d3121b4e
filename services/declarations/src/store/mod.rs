//! Storage of declarations and signatures on PostgreSQL and SQLite: ordinary tables with
//! real columns (see docs/adr/0015-declarations-signature-store.md). Queries are written
//! once in [`Store`] and expanded for both connection types.

pub mod rows;
pub mod schema;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::compared;
use engage_platform::query::Comparator;
use engage_platform::storage::SqliteAsyncConnection;

use crate::domain::filters::Clause;
use rows::{DeclarationRow, SignatureRow};
use schema::{declarations, signature_areas, signatures};

diesel::define_sql_function! {
    /// The first argument unless it is NULL.
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::BigInt>, y: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}

/// A sort key kept in a page token.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    /// A number (times, versions).
    Number(i64),
    /// Text (names, codes, dates).
    Text(String),
}

impl SortKey {
    fn number(&self) -> i64 {
        match self {
            SortKey::Number(n) => *n,
            SortKey::Text(t) => t.parse().unwrap_or_default(),
        }
    }

    fn int(&self) -> i32 {
        i32::try_from(self.number()).unwrap_or_default()
    }

    fn text(&self) -> String {
        match self {
            SortKey::Number(n) => n.to_string(),
            SortKey::Text(t) => t.clone(),
        }
    }
}

/// A page of a listing: its order and where the previous page ended.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The fields ordered by (`order_by` names of the contract), each with whether it is
    /// descending; ties are broken by the id, in the direction of the last field.
    pub order: Vec<(&'static str, bool)>,
    /// The sort keys and id of the last row of the previous page.
    pub after: Option<(Vec<SortKey>, String)>,
    /// How many rows to fetch.
    pub limit: i64,
}

/// Which signatures a query covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// One declaration's, or (None) those of every declaration not deleted.
    pub declaration_id: Option<String>,
    /// The request's filter.
    pub clauses: Vec<Clause>,
    /// Only the public listing: verified, live, not hidden, not a redacted individual.
    pub public_only: bool,
}

/// The sort keys of a declaration row for `order`.
pub fn declaration_keys(order: &[(&str, bool)], row: &DeclarationRow) -> Vec<SortKey> {
    order.iter().map(|(f, _)| declaration_key(f, row)).collect()
}

/// The sort keys of a signature row for `order`.
pub fn signature_keys(order: &[(&str, bool)], row: &SignatureRow) -> Vec<SortKey> {
    order.iter().map(|(f, _)| signature_key(f, row)).collect()
}

fn declaration_key(field: &str, row: &DeclarationRow) -> SortKey {
    match field {
        "title" => SortKey::Text(row.title_key.clone()),
        "version" => SortKey::Number(i64::from(row.version)),
        "open_time" => SortKey::Number(row.open_time.unwrap_or_default()),
        "update_time" => SortKey::Number(row.update_time),
        _ => SortKey::Number(row.create_time),
    }
}

fn signature_key(field: &str, row: &SignatureRow) -> SortKey {
    match field {
        "display_name" => SortKey::Text(row.name_key.clone()),
        "country_code" => SortKey::Text(row.country_code.clone()),
        "sign_date" => SortKey::Text(row.sign_date.clone()),
        "update_time" => SortKey::Number(row.update_time),
        _ => SortKey::Number(row.create_time),
    }
}

/// A figure grouped by one column: the column's value, the standing, the count.
pub type Grouped<T> = Vec<(T, i32, i64)>;

/// What the service asks of its database.
pub trait Store {
    /// Makes the reads of the current transaction one consistent snapshot.
    fn snapshot_reads(&mut self) -> impl Future<Output = Result<(), Error>> + Send;
    fn declaration(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<DeclarationRow>, Error>> + Send;
    fn insert_declaration(
        &mut self,
        row: &DeclarationRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Saves `row` if the stored revision is still `revision`; false when it is not.
    fn update_declaration(
        &mut self,
        row: &DeclarationRow,
        revision: i64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    /// (previous, next) for the declarations among `ids` that another follows.
    fn next_versions(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<(String, String)>, Error>> + Send;
    /// (declaration, standing, count) for the declarations among `ids`.
    fn standing_counts(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<(String, i32, i64)>, Error>> + Send;
    fn list_declarations(
        &mut self,
        clauses: &[Clause],
        show_deleted: bool,
        listing: &Listing,
    ) -> impl Future<Output = Result<Vec<DeclarationRow>, Error>> + Send;
    fn count_declarations(
        &mut self,
        clauses: &[Clause],
        show_deleted: bool,
    ) -> impl Future<Output = Result<i64, Error>> + Send;

    fn signature(
        &mut self,
        declaration_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<SignatureRow>, Error>> + Send;
    /// The live signature of `signer_key` on the declaration, if any.
    fn live_signature(
        &mut self,
        declaration_id: &str,
        signer_key: &str,
    ) -> impl Future<Output = Result<Option<SignatureRow>, Error>> + Send;
    fn insert_signature(
        &mut self,
        row: &SignatureRow,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    fn update_signature(
        &mut self,
        row: &SignatureRow,
        revision: i64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;
    fn list_signatures(
        &mut self,
        scope: &Scope,
        listing: &Listing,
    ) -> impl Future<Output = Result<Vec<SignatureRow>, Error>> + Send;
    fn count_signatures(
        &mut self,
        scope: &Scope,
    ) -> impl Future<Output = Result<i64, Error>> + Send;
    /// Counts by standing, and by standing within each regional group, sector and signer
    /// kind, country, and endorsed area.
    fn figures(&mut self, scope: &Scope) -> impl Future<Output = Result<Figures, Error>> + Send;
    /// Signatories per sign date from `start` to `end` (YYYY-MM-DD), and before `start`.
    fn daily(
        &mut self,
        scope: &Scope,
        start: &str,
        end: &str,
    ) -> impl Future<Output = Result<(Vec<(String, i64)>, i64), Error>> + Send;
}

/// The grouped counts of CountSignatures, each computed by the database.
#[derive(Debug, Default)]
pub struct Figures {
    pub totals: Vec<(i32, i64)>,
    pub by_regional_group: Grouped<i32>,
    pub by_country: Grouped<String>,
    pub by_sector: Grouped<i32>,
    pub by_signer_kind: Grouped<i32>,
    pub by_area: Grouped<String>,
}

/// `$column` is (`=`) or is not (`!=`) among the clause's values.
macro_rules! among {
    ($q:expr, $column:expr, $clause:expr, $values:expr) => {
        if $clause.comparator == Comparator::NotEqual {
            $q.filter($column.ne_all($values))
        } else {
            $q.filter($column.eq_any($values))
        }
    };
}

/// `%needle%` for LIKE on a text key, with LIKE's wildcards escaped.
fn contains(needle: &str) -> String {
    let key = rows::text_key(needle)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{key}%")
}

/// A boxed query of the signatures in `$scope`.
macro_rules! scoped {
    ($scope:expr) => {{
        let scope: &Scope = $scope;
        let mut q = signatures::table.into_boxed();
        q = match &scope.declaration_id {
            Some(id) => q.filter(signatures::declaration_id.eq(id.clone())),
            None => q.filter(
                signatures::declaration_id.eq_any(
                    declarations::table
                        .filter(declarations::delete_time.is_null())
                        .select(declarations::id),
                ),
            ),
        };
        if scope.public_only {
            q = q
                .filter(
                    signatures::standing.eq(crate::domain::signature::Standing::Verified as i32),
                )
                .filter(signatures::hide_from_public_listing.eq(false))
                .filter(
                    signatures::redact_time.is_null().or(signatures::signer_kind
                        .eq(engage_api::declarations::SignerKind::Organization as i32)),
                );
        }
        for c in &scope.clauses {
            q = match c.field {
                "status" => among!(q, signatures::status, c, c.numbers()),
                "signer_kind" => among!(q, signatures::signer_kind, c, c.numbers()),
                "regional_group" => among!(q, signatures::regional_group, c, c.numbers()),
                "sector" => among!(q, signatures::sector, c, c.numbers()),
                "country_code" => among!(q, signatures::country_code, c, c.texts()),
                "organization" => among!(q, signatures::organization, c, c.texts()),
                "individual.person" => among!(q, signatures::person, c, c.texts()),
                "contact.email" => among!(q, signatures::contact_email, c, c.texts()),
                "live" if c.flag() => q.filter(signatures::standing.le(2)),
                "live" => q.filter(signatures::standing.gt(2)),
                "withdrawn" if c.flag() => q.filter(signatures::standing.eq(4)),
                "withdrawn" => q.filter(signatures::standing.ne(4)),
                "hide_from_public_listing" => {
                    q.filter(signatures::hide_from_public_listing.eq(c.flag()))
                }
                "redacted" if c.flag() => q.filter(signatures::redact_time.is_not_null()),
                "redacted" => q.filter(signatures::redact_time.is_null()),
                "area" => q.filter(
                    signatures::id.eq_any(
                        signature_areas::table
                            .filter(signature_areas::area_id.eq_any(c.texts()))
                            .select(signature_areas::signature_id),
                    ),
                ),
                "display_name" => {
                    q.filter(signatures::name_key.like(contains(&c.text())).escape('\\'))
                }
                "sign_date" => compared!(q, signatures::sign_date, c.comparator, c.text()),
                "create_time" => compared!(q, signatures::create_time, c.comparator, c.micros()),
                "update_time" => compared!(q, signatures::update_time, c.comparator, c.micros()),
                _ => q,
            };
        }
        q
    }};
}

/// A boxed query of the declarations a ListDeclarations filter selects.
macro_rules! declarations_filtered {
    ($clauses:expr, $show_deleted:expr) => {{
        let mut q = declarations::table.into_boxed();
        if !$show_deleted {
            q = q.filter(declarations::delete_time.is_null());
        }
        for c in $clauses.iter() {
            q = match c.field {
                "title" => q.filter(
                    declarations::title_key
                        .like(contains(&c.text()))
                        .escape('\\'),
                ),
                "status" => among!(q, declarations::status, c, c.numbers()),
                "language_code" => among!(q, declarations::language_code, c, c.texts()),
                "previous_version" => among!(
                    q,
                    declarations::previous_version,
                    c,
                    c.texts().iter().map(|t| rows::id_of(t)).collect::<Vec<_>>()
                ),
                "open_time" => compared!(q, declarations::open_time, c.comparator, c.micros()),
                "close_time" => compared!(q, declarations::close_time, c.comparator, c.micros()),
                "create_time" => {
                    compared!(q, declarations::create_time, c.comparator, c.micros())
                }
                "update_time" => {
                    compared!(q, declarations::update_time, c.comparator, c.micros())
                }
                _ => q,
            };
        }
        q
    }};
}

/// `$column` compared to `$value` (`Less`: below, `Equal`, `Greater`: above), boxed.
macro_rules! compare_boxed {
    ($ordering:expr, $column:expr, $value:expr) => {
        match $ordering {
            std::cmp::Ordering::Less => Box::new($column.lt($value)),
            std::cmp::Ordering::Equal => Box::new($column.eq($value)),
            std::cmp::Ordering::Greater => Box::new($column.gt($value)),
        }
    };
}

/// Adds `$column` to the order of boxed query `$q`, first or after what is there.
macro_rules! order_step {
    ($q:expr, $first:expr, $descending:expr, $column:expr) => {
        match ($first, $descending) {
            (true, false) => $q.order_by($column.asc()),
            (true, true) => $q.order_by($column.desc()),
            (false, false) => $q.then_order_by($column.asc()),
            (false, true) => $q.then_order_by($column.desc()),
        }
    };
}

/// One page of boxed query `$q` of `$table` in `$listing`'s order: strictly after the
/// previous page's last row (a keyset condition over every order field and the id), then
/// ordered and limited. `$columns` maps each `order_by` name to its column and key value;
/// the last entry is the default.
macro_rules! keyset_page {
    ($q:expr, $listing:expr, $table:ident, $db:ty,
     [$($name:literal => $column:expr, $value:path;)+ _ => $default:expr, $default_value:path]) => {{
        type Condition =
            Box<dyn BoxableExpression<$table::table, $db, SqlType = diesel::sql_types::Bool>>;
        let compare = |field: &str, ordering: std::cmp::Ordering, key: &SortKey| -> Condition {
            match field {
                "id" => compare_boxed!(ordering, $table::id, key.text()),
                $($name => compare_boxed!(ordering, $column, $value(key)),)+
                _ => compare_boxed!(ordering, $default, $default_value(key)),
            }
        };
        let listing: &Listing = $listing;
        let mut fields = listing.order.clone();
        let last_descending = fields.last().is_some_and(|(_, d)| *d);
        fields.push(("id", last_descending));
        let mut q = $q;
        if let Some((keys, id)) = &listing.after {
            let mut values = keys.clone();
            values.push(SortKey::Text(id.clone()));
            // (f1 > v1) OR (f1 = v1 AND f2 > v2) OR … with > as < on descending fields.
            let mut after: Option<Condition> = None;
            for (i, (field, descending)) in fields.iter().enumerate() {
                let beyond = if *descending {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                };
                let mut step = compare(field, beyond, &values[i]);
                for (j, (earlier, _)) in fields.iter().enumerate().take(i) {
                    step = Box::new(step.and(compare(earlier, std::cmp::Ordering::Equal, &values[j])));
                }
                after = Some(match after {
                    None => step,
                    Some(before) => Box::new(before.or(step)),
                });
            }
            if let Some(after) = after {
                q = q.filter(after);
            }
        }
        for (i, (field, descending)) in fields.iter().enumerate() {
            q = match *field {
                "id" => order_step!(q, i == 0, *descending, $table::id),
                $($name => order_step!(q, i == 0, *descending, $column),)+
                _ => order_step!(q, i == 0, *descending, $default),
            };
        }
        q.limit(listing.limit)
    }};
}

/// Counts `$query`'s signatures grouped by `$column` and standing.
macro_rules! grouped {
    ($conn:expr, $scope:expr, $column:expr) => {
        signatures::table
            .filter(signatures::id.eq_any(scoped!($scope).select(signatures::id)))
            .group_by(($column, signatures::standing))
            .select(($column, signatures::standing, count_star()))
            .load($conn)
            .await?
    };
}

/// The `signature_areas` rows of a signature's endorsed areas.
type AreaRows = Vec<(
    diesel::dsl::Eq<signature_areas::signature_id, String>,
    diesel::dsl::Eq<signature_areas::area_id, String>,
)>;

fn area_rows(row: &SignatureRow) -> AreaRows {
    row.areas()
        .into_iter()
        .map(|area| {
            (
                signature_areas::signature_id.eq(row.id.clone()),
                signature_areas::area_id.eq(area),
            )
        })
        .collect()
}

/// Writes a signature's endorsed areas (at most 50) in one multi-row INSERT.
trait InsertAreas {
    fn insert_areas(&mut self, rows: AreaRows) -> impl Future<Output = Result<(), Error>> + Send;
}

impl InsertAreas for AsyncPgConnection {
    async fn insert_areas(&mut self, rows: AreaRows) -> Result<(), Error> {
        if !rows.is_empty() {
            diesel::insert_into(signature_areas::table)
                .values(rows)
                .execute(self)
                .await?;
        }
        Ok(())
    }
}

impl InsertAreas for SqliteAsyncConnection {
    async fn insert_areas(&mut self, rows: AreaRows) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        // diesel writes a multi-row INSERT on SQLite only through the synchronous
        // connection, which the async wrapper lends to one blocking task (in the
        // transaction already open on it).
        self.spawn_blocking(move |sync| {
            diesel::RunQueryDsl::execute(
                diesel::insert_into(signature_areas::table).values(rows),
                sync,
            )
        })
        .await?;
        Ok(())
    }
}

macro_rules! impl_store {
    ($conn:ty, $db:ty, $snapshot:expr) => {
        impl Store for $conn {
            async fn snapshot_reads(&mut self) -> Result<(), Error> {
                let statement: &str = $snapshot;
                if !statement.is_empty() {
                    diesel::sql_query(statement).execute(self).await?;
                }
                Ok(())
            }

            async fn declaration(&mut self, id: &str) -> Result<Option<DeclarationRow>, Error> {
                Ok(declarations::table
                    .find(id)
                    .select(DeclarationRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_declaration(&mut self, row: &DeclarationRow) -> Result<(), Error> {
                diesel::insert_into(declarations::table)
                    .values(row)
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn update_declaration(
                &mut self,
                row: &DeclarationRow,
                revision: i64,
            ) -> Result<bool, Error> {
                let n = diesel::update(
                    declarations::table
                        .find(&row.id)
                        .filter(declarations::revision.eq(revision)),
                )
                .set(row)
                .execute(self)
                .await?;
                Ok(n == 1)
            }

            async fn next_versions(
                &mut self,
                ids: &[String],
            ) -> Result<Vec<(String, String)>, Error> {
                let found: Vec<(Option<String>, String)> = declarations::table
                    .filter(declarations::previous_version.eq_any(ids))
                    .select((declarations::previous_version, declarations::id))
                    .load(self)
                    .await?;
                Ok(found
                    .into_iter()
                    .filter_map(|(p, n)| p.map(|p| (p, n)))
                    .collect())
            }

            async fn standing_counts(
                &mut self,
                ids: &[String],
            ) -> Result<Vec<(String, i32, i64)>, Error> {
                Ok(signatures::table
                    .filter(signatures::declaration_id.eq_any(ids))
                    .group_by((signatures::declaration_id, signatures::standing))
                    .select((
                        signatures::declaration_id,
                        signatures::standing,
                        count_star(),
                    ))
                    .load(self)
                    .await?)
            }

            async fn list_declarations(
                &mut self,
                clauses: &[Clause],
                show_deleted: bool,
                listing: &Listing,
            ) -> Result<Vec<DeclarationRow>, Error> {
                let q = declarations_filtered!(clauses, show_deleted)
                    .select(DeclarationRow::as_select());
                Ok(keyset_page!(q, listing, declarations, $db, [
                    "title" => declarations::title_key, SortKey::text;
                    "version" => declarations::version, SortKey::int;
                    "open_time" => coalesce(declarations::open_time, 0), SortKey::number;
                    "update_time" => declarations::update_time, SortKey::number;
                    _ => declarations::create_time, SortKey::number
                ])
                .load(self)
                .await?)
            }

            async fn count_declarations(
                &mut self,
                clauses: &[Clause],
                show_deleted: bool,
            ) -> Result<i64, Error> {
                Ok(declarations_filtered!(clauses, show_deleted)
                    .count()
                    .get_result(self)
                    .await?)
            }

            async fn signature(
                &mut self,
                declaration_id: &str,
                id: &str,
            ) -> Result<Option<SignatureRow>, Error> {
                Ok(signatures::table
                    .find(id)
                    .filter(signatures::declaration_id.eq(declaration_id))
                    .select(SignatureRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn live_signature(
                &mut self,
                declaration_id: &str,
                signer_key: &str,
            ) -> Result<Option<SignatureRow>, Error> {
                Ok(signatures::table
                    .filter(signatures::declaration_id.eq(declaration_id))
                    .filter(signatures::signer_key.eq(signer_key))
                    .filter(signatures::standing.le(2))
                    .select(SignatureRow::as_select())
                    .first(self)
                    .await
                    .optional()?)
            }

            async fn insert_signature(&mut self, row: &SignatureRow) -> Result<(), Error> {
                diesel::insert_into(signatures::table)
                    .values(row)
                    .execute(self)
                    .await?;
                self.insert_areas(area_rows(row)).await?;
                Ok(())
            }

            async fn update_signature(
                &mut self,
                row: &SignatureRow,
                revision: i64,
            ) -> Result<bool, Error> {
                let n = diesel::update(
                    signatures::table
                        .find(&row.id)
                        .filter(signatures::revision.eq(revision)),
                )
                .set(row)
                .execute(self)
                .await?;
                if n != 1 {
                    return Ok(false);
                }
                diesel::delete(
                    signature_areas::table.filter(signature_areas::signature_id.eq(&row.id)),
                )
                .execute(self)
                .await?;
                self.insert_areas(area_rows(row)).await?;
                Ok(true)
            }

            async fn list_signatures(
                &mut self,
                scope: &Scope,
                listing: &Listing,
            ) -> Result<Vec<SignatureRow>, Error> {
                let q = scoped!(scope).select(SignatureRow::as_select());
                Ok(keyset_page!(q, listing, signatures, $db, [
                    "display_name" => signatures::name_key, SortKey::text;
                    "country_code" => signatures::country_code, SortKey::text;
                    "sign_date" => signatures::sign_date, SortKey::text;
                    "update_time" => signatures::update_time, SortKey::number;
                    _ => signatures::create_time, SortKey::number
                ])
                .load(self)
                .await?)
            }

            async fn count_signatures(&mut self, scope: &Scope) -> Result<i64, Error> {
                Ok(scoped!(scope).count().get_result(self).await?)
            }

            async fn figures(&mut self, scope: &Scope) -> Result<Figures, Error> {
                let totals = signatures::table
                    .filter(signatures::id.eq_any(scoped!(scope).select(signatures::id)))
                    .group_by(signatures::standing)
                    .select((signatures::standing, count_star()))
                    .load(self)
                    .await?;
                let by_area = signature_areas::table
                    .inner_join(signatures::table)
                    .filter(signatures::id.eq_any(scoped!(scope).select(signatures::id)))
                    .group_by((signature_areas::area_id, signatures::standing))
                    .select((signature_areas::area_id, signatures::standing, count_star()))
                    .load(self)
                    .await?;
                Ok(Figures {
                    totals,
                    by_regional_group: grouped!(self, scope, signatures::regional_group),
                    by_country: grouped!(self, scope, signatures::country_code),
                    by_sector: grouped!(self, scope, signatures::sector),
                    by_signer_kind: grouped!(self, scope, signatures::signer_kind),
                    by_area,
                })
            }

            async fn daily(
                &mut self,
                scope: &Scope,
                start: &str,
                end: &str,
            ) -> Result<(Vec<(String, i64)>, i64), Error> {
                let signatories = || {
                    scoped!(scope)
                        .filter(signatures::standing.eq(2))
                        .select(signatures::id)
                };
                let days = signatures::table
                    .filter(signatures::id.eq_any(signatories()))
                    .filter(signatures::sign_date.ge(start))
                    .filter(signatures::sign_date.le(end))
                    .group_by(signatures::sign_date)
                    .select((signatures::sign_date, count_star()))
                    .order(signatures::sign_date.asc())
                    .load(self)
                    .await?;
                let before = signatures::table
                    .filter(signatures::id.eq_any(signatories()))
                    .filter(signatures::sign_date.lt(start))
                    .count()
                    .get_result(self)
                    .await?;
                Ok((days, before))
            }
        }
    };
}

// PostgreSQL reads each statement's own snapshot unless told otherwise; a SQLite
// transaction is one snapshot already.
impl_store!(
    AsyncPgConnection,
    diesel::pg::Pg,
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
);
impl_store!(SqliteAsyncConnection, diesel::sqlite::Sqlite, "");
