//! Lists: the contract's `filter` and `order_by` turned into SQL over a resource's table,
//! keyset-paged with the platform's tokens (ties broken by id).

use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{
    Comparator, Direction, FieldType, Filter, FilterField, OrderBy, Value,
};
use engage_platform::storage::Backend;
use engage_platform::{Error, Violation};
use serde_json::Value as Json;

use crate::store::{Bind, Sql};

/// How a filter field is stored.
#[derive(Clone, Copy)]
pub enum Column {
    /// A text column compared as it is.
    Text(&'static str),
    /// An enum stored as its number; the filter names the value.
    Enum(&'static str, fn(&str) -> Option<i32>),
    /// A boolean column.
    Bool(&'static str),
    /// Microseconds since the epoch.
    Time(&'static str),
    /// A JSON array of strings, for `:` (has); enum lists map names to numbers.
    List(&'static str, Option<fn(&str) -> Option<i32>>),
    /// A `YYYY-MM-DD` text column.
    Date(&'static str),
    /// Follow-up actions past their due date while open or in progress (today in UTC).
    Overdue,
}

/// A filterable field of a resource.
pub struct Field {
    /// Its name and type for the filter parser.
    pub filter: FilterField,
    /// Where it is stored.
    pub column: Column,
}

/// The type of a sort key.
#[derive(Clone, Copy)]
pub enum KeyKind {
    /// Text.
    Text,
    /// A whole number.
    Number,
}

/// A sortable field: its SQL expression (never NULL) and how to read its key from a row.
pub struct Sort<R> {
    /// The name in `order_by`.
    pub name: &'static str,
    /// The SQL expression sorted on.
    pub expr: &'static str,
    /// Its type.
    pub kind: KeyKind,
    /// The row's value of it.
    pub key: fn(&R) -> Json,
}

/// What a resource's lists offer.
pub struct Spec<R: 'static> {
    /// Its table.
    pub table: &'static str,
    /// Filterable fields.
    pub fields: &'static [Field],
    /// Sortable fields.
    pub sorts: &'static [Sort<R>],
    /// The order when `order_by` is empty.
    pub default_order: &'static [(&'static str, Direction)],
}

/// A List request checked against a [`Spec`]: its SQL and its page.
pub struct Listing {
    /// The page's rows (one more than the page, to see whether another follows).
    pub select: Sql,
    /// Every matching row in order, for exports.
    pub all: Sql,
    /// How many rows match, ignoring the page.
    pub count: Sql,
    /// The page size and token.
    pub page: Page<Vec<Json>>,
    order: Vec<(usize, Direction)>,
}

/// What a List request says, apart from its parent and conditions the service adds.
pub struct Request<'a> {
    pub page_size: i32,
    pub page_token: &'a str,
    pub filter: &'a str,
    pub order_by: &'a str,
    /// Everything else that shapes the result (parent, show_deleted), for the token.
    pub scope: &'a [&'a str],
}

impl<R> Spec<R> {
    /// The SQL of a request, with `base` (conditions the service adds, such as the parent
    /// and visibility) ANDed to the filter.
    pub fn listing(
        &self,
        backend: Backend,
        request: &Request<'_>,
        base: &Sql,
    ) -> Result<Listing, Error> {
        let filter_fields: Vec<FilterField> = self.fields.iter().map(|f| f.filter).collect();
        let filter = Filter::parse(request.filter, &filter_fields)?;
        let names: Vec<&'static str> = self.sorts.iter().map(|s| s.name).collect();
        let order = OrderBy::parse(request.order_by, &names, self.default_order)?;
        let order: Vec<(usize, Direction)> = order
            .0
            .iter()
            .filter_map(|(name, d)| names.iter().position(|n| n == name).map(|i| (i, *d)))
            .collect();
        let mut scope = vec![request.filter, request.order_by];
        scope.extend_from_slice(request.scope);
        let page = Page::<Vec<Json>>::parse(
            self.table,
            request.page_size,
            request.page_token,
            &scope,
            PageLimits::default(),
        )?;

        let mut condition = Sql::new(backend, "");
        condition.append(base);
        if let Some(filter) = &filter {
            condition.push(" AND ");
            self.condition(&mut condition, filter)?;
        }

        let mut count = Sql::new(
            backend,
            &format!("SELECT COUNT(*) AS n FROM {} WHERE ", self.table),
        );
        count.append(&condition);

        let mut select = Sql::new(backend, &format!("SELECT * FROM {} WHERE ", self.table));
        select.append(&condition);
        if let Some(after) = &page.after {
            if after.len() != order.len() + 1 {
                return Err(Violation::new("page_token", "does not belong to this query").into());
            }
            select.push(" AND ");
            self.after(&mut select, &order, after, 0)?;
        }
        select.push(" ORDER BY ");
        for (i, direction) in &order {
            select.push(self.sorts[*i].expr);
            select.push(if *direction == Direction::Descending {
                " DESC, "
            } else {
                " ASC, "
            });
        }
        let last = order.last().map_or(Direction::Ascending, |(_, d)| *d);
        select.push(if last == Direction::Descending {
            "id DESC"
        } else {
            "id ASC"
        });
        let all = select.clone();
        select.push(&format!(" LIMIT {}", page.fetch_limit()));
        Ok(Listing {
            select,
            all,
            count,
            page,
            order,
        })
    }

    /// Rows strictly after `after` in the order: `(a, b, id) > (x, y, z)` spelled out, as
    /// each column may sort its own way.
    fn after(
        &self,
        sql: &mut Sql,
        order: &[(usize, Direction)],
        after: &[Json],
        at: usize,
    ) -> Result<(), Error> {
        let bad = || {
            Error::from(Violation::new(
                "page_token",
                "does not belong to this query",
            ))
        };
        let last = order.last().map_or(Direction::Ascending, |(_, d)| *d);
        if at == order.len() {
            let id = after.last().and_then(Json::as_str).ok_or_else(bad)?;
            sql.push(if last == Direction::Descending {
                "id < "
            } else {
                "id > "
            });
            sql.bind(Bind::Text(id.to_owned()));
            return Ok(());
        }
        let (i, direction) = order[at];
        let sort = &self.sorts[i];
        let value = match sort.kind {
            KeyKind::Text => Bind::Text(after[at].as_str().ok_or_else(bad)?.to_owned()),
            KeyKind::Number => Bind::Big(after[at].as_i64().ok_or_else(bad)?),
        };
        let op = if direction == Direction::Descending {
            " < "
        } else {
            " > "
        };
        sql.push("(").push(sort.expr).push(op).bind(value.clone());
        sql.push(" OR (")
            .push(sort.expr)
            .push(" = ")
            .bind(value)
            .push(" AND ");
        self.after(sql, order, after, at + 1)?;
        sql.push("))");
        Ok(())
    }

    fn condition(&self, sql: &mut Sql, filter: &Filter) -> Result<(), Error> {
        match filter {
            Filter::And(parts) | Filter::Or(parts) => {
                let joiner = if matches!(filter, Filter::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                sql.push("(");
                for (n, part) in parts.iter().enumerate() {
                    if n > 0 {
                        sql.push(joiner);
                    }
                    self.condition(sql, part)?;
                }
                sql.push(")");
            }
            Filter::Not(inner) => {
                sql.push("NOT (");
                self.condition(sql, inner)?;
                sql.push(")");
            }
            Filter::Compare {
                field,
                comparator,
                value,
            } => {
                let column = self
                    .fields
                    .iter()
                    .find(|f| f.filter.name == *field)
                    .map(|f| f.column)
                    .ok_or_else(|| Violation::new("filter", format!("unknown field {field}")))?;
                compare(sql, column, field, *comparator, value)?;
            }
        }
        Ok(())
    }

    /// The next page token and the page's rows.
    pub fn finish(&self, listing: &Listing, rows: &mut Vec<R>, id: fn(&R) -> &str) -> String {
        let sorts = self.sorts;
        let order = listing.order.clone();
        listing.page.finish(rows, |row| {
            let mut key: Vec<Json> = order.iter().map(|(i, _)| (sorts[*i].key)(row)).collect();
            key.push(Json::String(id(row).to_owned()));
            key
        })
    }
}

fn operator(comparator: Comparator) -> &'static str {
    match comparator {
        Comparator::Equal | Comparator::Has => " = ",
        Comparator::NotEqual => " <> ",
        Comparator::Less => " < ",
        Comparator::LessOrEqual => " <= ",
        Comparator::Greater => " > ",
        Comparator::GreaterOrEqual => " >= ",
    }
}

fn compare(
    sql: &mut Sql,
    column: Column,
    field: &str,
    comparator: Comparator,
    value: &Value,
) -> Result<(), Error> {
    let invalid = |what: &str| Error::from(Violation::new("filter", format!("{field}: {what}")));
    let text = |value: &Value| match value {
        Value::Text(t) => Ok(t.clone()),
        _ => Err(invalid("expects a quoted string")),
    };
    match column {
        Column::Text(c) | Column::Date(c) => {
            sql.push(c)
                .push(operator(comparator))
                .bind(Bind::Text(text(value)?));
        }
        Column::Enum(c, parse) => {
            let name = text(value)?;
            let n = parse(&name).ok_or_else(|| invalid(&format!("{name} is not a value")))?;
            sql.push(c).push(operator(comparator)).bind(Bind::Int(n));
        }
        Column::Bool(c) => {
            let Value::Bool(b) = value else {
                return Err(invalid("expects true or false"));
            };
            sql.push(c).push(operator(comparator)).bind(Bind::Bool(*b));
        }
        Column::Time(c) => {
            let Value::Timestamp(t) = value else {
                return Err(invalid("expects an RFC 3339 time"));
            };
            sql.push(c).push(operator(comparator)).bind(Bind::Big(*t));
        }
        Column::List(c, parse) => {
            let item = text(value)?;
            let item = match parse {
                Some(parse) => parse(&item)
                    .ok_or_else(|| invalid(&format!("{item} is not a value")))?
                    .to_string(),
                None => item,
            };
            contains(sql, c, &item);
        }
        Column::Overdue => {
            let Value::Bool(b) = value else {
                return Err(invalid("expects true or false"));
            };
            let overdue = *b == (comparator == Comparator::Equal);
            if !overdue {
                sql.push("NOT ");
            }
            sql.push("(due_date IS NOT NULL AND status IN (1, 2) AND due_date < ")
                .bind(Bind::Text(today()))
                .push(")");
        }
    }
    Ok(())
}

/// `column` (a JSON array of strings) holds `item`: a `LIKE` on the item's JSON form, with
/// the pattern characters of the item escaped.
pub fn contains(sql: &mut Sql, column: &str, item: &str) {
    let json = serde_json::Value::String(item.to_owned()).to_string();
    let escaped = json
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sql.push(column)
        .push(" LIKE ")
        .bind(Bind::Text(format!("%{escaped}%")))
        .push(" ESCAPE '\\'");
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    engage_platform::dates::format(time::OffsetDateTime::now_utc().date())
}

/// A filter field.
pub const fn field(name: &'static str, kind: FieldType, column: Column) -> Field {
    Field {
        filter: FilterField { name, kind },
        column,
    }
}

/// The numbers of enum values named in filters.
pub mod values {
    use engage_api::briefings::{
        AttendanceMode, EventKind, EventStatus, FollowUpStatus, Gender, RegistrationStatus,
    };
    use engage_api::types::{RegionalGroup, Sector, ThematicArea};

    macro_rules! parsers {
        ($($name:ident: $enum:ty),+ $(,)?) => {
            $(
                /// The number of the value named, if it is one.
                pub fn $name(name: &str) -> Option<i32> {
                    <$enum>::from_str_name(name).map(|v| v as i32)
                }
            )+
        };
    }

    parsers! {
        event_kind: EventKind,
        event_status: EventStatus,
        attendance: AttendanceMode,
        thematic_area: ThematicArea,
        registration_status: RegistrationStatus,
        gender: Gender,
        sector: Sector,
        regional_group: RegionalGroup,
        follow_up_status: FollowUpStatus,
    }
}
