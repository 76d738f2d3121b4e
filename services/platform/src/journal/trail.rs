//! ListAuditEntries, the same in every service: the `audit_entries` of one resource (and,
//! when asked, of its children), narrowed by the contract's filter and paged by keyset.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::AuditEntry;
use super::schema::audit_entries;
use crate::Database;
use crate::error::{Error, Violation};
use crate::paging::{Page, PageLimits};
use crate::query::{Comparator, FieldType, Filter, FilterField, Value};
use crate::storage::SqliteAsyncConnection;

/// The fields an audit trail is filtered on.
const FIELDS: &[FilterField] = &[
    FilterField {
        name: "time",
        kind: FieldType::Timestamp,
    },
    FilterField {
        name: "actor.subject",
        kind: FieldType::Text,
    },
    FilterField {
        name: "method",
        kind: FieldType::Text,
    },
];

/// Which entries come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailOrder {
    /// The latest change first (contacts, initiatives, declarations).
    NewestFirst,
    /// The first change first (briefings).
    OldestFirst,
}

/// A ListAuditEntries request, after the service has checked the resource name and the
/// caller.
#[derive(Debug, Clone)]
pub struct AuditTrailQuery<'a> {
    /// The resource whose trail is listed.
    pub resource: &'a str,
    /// Also the entries of its children (`{resource}/…`).
    pub include_children: bool,
    /// The request's filter; empty for none.
    pub filter: &'a str,
    /// The request's `page_size`.
    pub page_size: i32,
    /// The request's `page_token`.
    pub page_token: &'a str,
    /// The method's page sizes.
    pub limits: PageLimits,
    /// Newest or oldest first, as the service's contract says.
    pub order: TrailOrder,
}

/// One page of an audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditTrail {
    /// The entries, as the API returns them.
    pub entries: Vec<engage_api::types::AuditEntry>,
    /// The token of the next page; empty on the last.
    pub next_page_token: String,
}

/// One condition the filter sets; every condition must hold.
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// `time` compared with an instant (µs).
    Time(Comparator, i64),
    /// `actor.subject` is one of these.
    Actors(Vec<String>),
    /// `method` is one of these full method names.
    Methods(Vec<String>),
}

/// Reads the filter: comparisons joined with AND; OR only between `=` comparisons of one
/// field; no NOT. `time` takes every comparator, `actor.subject` and `method` only `=`.
fn conditions(text: &str) -> Result<Vec<Condition>, Violation> {
    let mut out = Vec::new();
    if let Some(filter) = Filter::parse(text, FIELDS)? {
        collect(filter, &mut out)?;
    }
    Ok(out)
}

fn collect(filter: Filter, out: &mut Vec<Condition>) -> Result<(), Violation> {
    match filter {
        Filter::And(parts) => parts.into_iter().try_for_each(|p| collect(p, out)),
        Filter::Not(_) => Err(Violation::new(
            "filter",
            "NOT is not supported: compare with != instead",
        )),
        Filter::Or(parts) => {
            let mut any: Option<Condition> = None;
            for part in parts {
                let Filter::Compare {
                    field,
                    comparator,
                    value,
                } = part
                else {
                    return Err(or_refused());
                };
                any = match (any, condition(field, comparator, value)?) {
                    (None, Condition::Time(..)) => return Err(or_refused()),
                    (None, first) => Some(first),
                    (Some(Condition::Actors(mut all)), Condition::Actors(one)) => {
                        all.extend(one);
                        Some(Condition::Actors(all))
                    }
                    (Some(Condition::Methods(mut all)), Condition::Methods(one)) => {
                        all.extend(one);
                        Some(Condition::Methods(all))
                    }
                    _ => return Err(or_refused()),
                };
            }
            out.extend(any);
            Ok(())
        }
        Filter::Compare {
            field,
            comparator,
            value,
        } => {
            out.push(condition(field, comparator, value)?);
            Ok(())
        }
    }
}

fn or_refused() -> Violation {
    Violation::new(
        "filter",
        "OR joins = comparisons of one field only (actor.subject or method)",
    )
}

fn condition(field: &str, comparator: Comparator, value: Value) -> Result<Condition, Violation> {
    match (field, value) {
        ("time", Value::Timestamp(micros)) => Ok(Condition::Time(comparator, micros)),
        (_, _) if comparator != Comparator::Equal => Err(Violation::new(
            "filter",
            format!("{field} compares with = only"),
        )),
        ("actor.subject", Value::Text(subject)) => Ok(Condition::Actors(vec![subject])),
        ("method", Value::Text(method)) => Ok(Condition::Methods(vec![full_method(method)])),
        _ => Err(Violation::new(
            "filter",
            format!("{field} cannot be compared with {comparator}"),
        )),
    }
}

/// Entries record the method as `/package.Service/Method`; the contract's examples leave
/// the leading slash out, so both forms find the same entries.
fn full_method(method: String) -> String {
    if method.starts_with('/') {
        method
    } else {
        format!("/{method}")
    }
}

/// `LIKE` pattern of the names below `resource`, its own `%`, `_` and `\` taken literally.
fn children_pattern(resource: &str) -> String {
    let mut pattern = String::with_capacity(resource.len() + 2);
    for c in resource.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("/%");
    pattern
}

/// The rows of one page, already narrowed to the request; what [`audit_trail`] runs on
/// either database.
struct Selection {
    resource: String,
    children: Option<String>,
    conditions: Vec<Condition>,
    after: Option<(i64, String)>,
    order: TrailOrder,
    limit: i64,
}

trait ReadTrail {
    fn read_trail(
        &mut self,
        selection: &Selection,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, Error>> + Send;
}

macro_rules! impl_read_trail {
    ($conn:ty, $backend:ty) => {
        impl ReadTrail for $conn {
            async fn read_trail(&mut self, s: &Selection) -> Result<Vec<AuditEntry>, Error> {
                let mut q = audit_entries::table.into_boxed::<$backend>();
                q = match &s.children {
                    Some(children) => q.filter(
                        audit_entries::resource_name.eq(s.resource.clone()).or(
                            audit_entries::resource_name
                                .like(children.clone())
                                .escape('\\'),
                        ),
                    ),
                    None => q.filter(audit_entries::resource_name.eq(s.resource.clone())),
                };
                for condition in &s.conditions {
                    q = match condition.clone() {
                        Condition::Time(comparator, t) => {
                            crate::compared!(q, audit_entries::occur_time, comparator, t)
                        }
                        Condition::Actors(subjects) => {
                            q.filter(audit_entries::actor.eq_any(subjects))
                        }
                        Condition::Methods(names) => q.filter(audit_entries::method.eq_any(names)),
                    };
                }
                q = match (&s.after, s.order) {
                    (None, _) => q,
                    (Some((time, id)), TrailOrder::NewestFirst) => q.filter(
                        audit_entries::occur_time
                            .lt(*time)
                            .or(audit_entries::occur_time
                                .eq(*time)
                                .and(audit_entries::id.lt(id.clone()))),
                    ),
                    (Some((time, id)), TrailOrder::OldestFirst) => q.filter(
                        audit_entries::occur_time
                            .gt(*time)
                            .or(audit_entries::occur_time
                                .eq(*time)
                                .and(audit_entries::id.gt(id.clone()))),
                    ),
                };
                q = match s.order {
                    TrailOrder::NewestFirst => {
                        q.order((audit_entries::occur_time.desc(), audit_entries::id.desc()))
                    }
                    TrailOrder::OldestFirst => {
                        q.order((audit_entries::occur_time.asc(), audit_entries::id.asc()))
                    }
                };
                Ok(q.limit(s.limit)
                    .select(AuditEntry::as_select())
                    .load(self)
                    .await?)
            }
        }
    };
}

impl_read_trail!(AsyncPgConnection, diesel::pg::Pg);
impl_read_trail!(SqliteAsyncConnection, diesel::sqlite::Sqlite);

/// One page of the audit trail `query` asks for. Errors name the request's `filter`,
/// `page_size` and `page_token` fields; the resource name and the caller's role are the
/// service's to check first.
pub async fn audit_trail(db: &Database, query: AuditTrailQuery<'_>) -> Result<AuditTrail, Error> {
    let conditions = conditions(query.filter)?;
    let children = if query.include_children { "c" } else { "" };
    let page = Page::<(i64, String)>::parse(
        "ListAuditEntries",
        query.page_size,
        query.page_token,
        &[query.resource, children, query.filter],
        query.limits,
    )?;
    let selection = Selection {
        resource: query.resource.to_owned(),
        children: query
            .include_children
            .then(|| children_pattern(query.resource)),
        conditions,
        after: page.after.clone(),
        order: query.order,
        limit: page.fetch_limit(),
    };
    let mut rows = crate::with_connection!(db, |conn| conn.read_trail(&selection).await?);
    let next_page_token = page.finish(&mut rows, |e| (e.occur_time, e.id.clone()));
    Ok(AuditTrail {
        entries: rows.iter().map(AuditEntry::to_proto).collect(),
        next_page_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_conditions_that_all_hold() {
        let got = conditions(
            r#"time >= "2026-01-01T00:00:00Z" AND (actor.subject = "ana" OR actor.subject = "ben") AND method = "engage.x.v1.X/Y""#,
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(matches!(
            got[0],
            Condition::Time(Comparator::GreaterOrEqual, _)
        ));
        assert_eq!(got[1], Condition::Actors(vec!["ana".into(), "ben".into()]));
        assert_eq!(got[2], Condition::Methods(vec!["/engage.x.v1.X/Y".into()]));
        assert!(conditions("").unwrap().is_empty());
    }

    #[test]
    fn what_the_contract_leaves_out_is_refused_on_the_filter() {
        for bad in [
            r#"method != "/a/B""#,
            r#"actor.subject > "ana""#,
            r#"NOT actor.subject = "ana""#,
            r#"(actor.subject = "ana" OR method = "/a/B")"#,
            r#"(time < "2026-01-01T00:00:00Z" OR time > "2026-02-01T00:00:00Z")"#,
            "resource = x",
        ] {
            assert_eq!(conditions(bad).unwrap_err().field, "filter", "{bad}");
        }
    }

    #[test]
    fn children_are_matched_literally() {
        assert_eq!(children_pattern("events/a_b"), r"events/a\_b/%");
        assert_eq!(children_pattern("events/1"), "events/1/%");
    }
}
