//! The SQL of lists, filters and figures. Roadmap figures are computed by the database with
//! one GROUP BY over the live milestones (docs/initiatives.md states the rule):
//! `progress` is the mean of `percent_complete` over the milestones that are not DROPPED,
//! a DONE one counting as 100, and 0 when there is none; a milestone is overdue when it is
//! open (PLANNED, IN_PROGRESS, BLOCKED) and due before today.

use engage_api::initiatives::{InitiativeStatus, MilestoneStatus};
use engage_api::types::{RegionalGroup, ThematicArea};
use engage_platform::Violation;
use engage_platform::query::{Comparator, FieldType, Filter, FilterField, Value};

use super::sql::{Bind, Sql};

/// Milestone statuses that are open, as an SQL list.
pub const OPEN: &str = "(1, 2, 4)";

/// The percent a milestone contributes to its roadmap's progress; NULL (left out) when it
/// is DROPPED.
const CONTRIBUTION: &str =
    "CASE WHEN m.status = 5 THEN NULL WHEN m.status = 3 THEN 100 ELSE m.percent_complete END";

/// Per-initiative roadmap figures as of `today`, with the open milestones due up to
/// `due_until` counted in `due_soon`; restricted to `ids` when given.
pub fn roadmaps(today: &str, due_until: &str, ids: Option<&[String]>) -> Sql {
    let mut sql = Sql::new(
        "SELECT m.initiative_id AS initiative_id, \
         CAST(COUNT(*) AS BIGINT) AS milestone_count, \
         CAST(SUM(CASE WHEN m.status = 1 THEN 1 ELSE 0 END) AS BIGINT) AS planned, \
         CAST(SUM(CASE WHEN m.status = 2 THEN 1 ELSE 0 END) AS BIGINT) AS in_progress, \
         CAST(SUM(CASE WHEN m.status = 3 THEN 1 ELSE 0 END) AS BIGINT) AS done, \
         CAST(SUM(CASE WHEN m.status = 4 THEN 1 ELSE 0 END) AS BIGINT) AS blocked, \
         CAST(SUM(CASE WHEN m.status = 5 THEN 1 ELSE 0 END) AS BIGINT) AS dropped, \
         CAST(SUM(CASE WHEN m.status IN (1, 2, 4) AND m.due_date < ",
    );
    sql.text(today)
        .push(
            " THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
             CAST(SUM(CASE WHEN m.status IN (1, 2, 4) AND m.due_date >= ",
        )
        .text(today)
        .push(" AND m.due_date <= ")
        .text(due_until)
        .push(" THEN 1 ELSE 0 END) AS BIGINT) AS due_soon, ")
        .push(&format!(
            "CAST(COALESCE(AVG({CONTRIBUTION}), 0) AS DOUBLE PRECISION) AS progress \
             FROM milestones m WHERE m.delete_time IS NULL"
        ));
    if let Some(ids) = ids {
        sql.push(" AND m.initiative_id IN ").list(ids);
    }
    sql.push(" GROUP BY m.initiative_id");
    sql
}

/// The open milestone of each of `ids` due first on or after `today` (ties by name).
pub fn next_due(today: &str, ids: &[String]) -> Sql {
    let mut sql = Sql::new(
        "SELECT m.initiative_id AS initiative_id, m.id AS id, m.title AS title, \
         m.due_date AS due_date FROM milestones m WHERE m.delete_time IS NULL \
         AND m.status IN (1, 2, 4) AND m.due_date >= ",
    );
    sql.text(today)
        .push(" AND m.initiative_id IN ")
        .list(ids)
        .push(
            " AND NOT EXISTS (SELECT 1 FROM milestones n WHERE n.initiative_id = m.initiative_id \
             AND n.delete_time IS NULL AND n.status IN (1, 2, 4) AND n.due_date >= ",
        )
        .text(today)
        .push(" AND (n.due_date < m.due_date OR (n.due_date = m.due_date AND n.id < m.id)))");
    sql
}

/// Figures of the live initiatives matching `condition`, grouped by status, regional group
/// and country, in one statement so that they describe one consistent read.
pub fn summary(today: &str, due_until: &str, condition: Option<Sql>) -> Sql {
    let mut sql = Sql::new(
        "SELECT i.status AS status, i.regional_group AS regional_group, \
         i.country_code AS country_code, CAST(COUNT(*) AS BIGINT) AS initiatives, \
         CAST(COALESCE(SUM(COALESCE(r.progress, 0)), 0) AS DOUBLE PRECISION) AS progress_sum, \
         CAST(COALESCE(SUM(r.planned), 0) AS BIGINT) AS planned, \
         CAST(COALESCE(SUM(r.in_progress), 0) AS BIGINT) AS in_progress, \
         CAST(COALESCE(SUM(r.done), 0) AS BIGINT) AS done, \
         CAST(COALESCE(SUM(r.blocked), 0) AS BIGINT) AS blocked, \
         CAST(COALESCE(SUM(r.dropped), 0) AS BIGINT) AS dropped, \
         CAST(COALESCE(SUM(r.overdue), 0) AS BIGINT) AS overdue, \
         CAST(COALESCE(SUM(r.due_soon), 0) AS BIGINT) AS due_soon \
         FROM initiatives i LEFT JOIN (",
    );
    sql.append(roadmaps(today, due_until, None))
        .push(") r ON r.initiative_id = i.id WHERE i.delete_time IS NULL");
    if let Some(condition) = condition {
        sql.push(" AND ").append(condition);
    }
    sql.push(" GROUP BY i.status, i.regional_group, i.country_code");
    sql
}

/// The SQL comparison operator of a filter comparator (`:` is handled by each field).
fn operator(c: Comparator) -> &'static str {
    match c {
        Comparator::Equal | Comparator::Has => "=",
        Comparator::NotEqual => "<>",
        Comparator::Less => "<",
        Comparator::LessOrEqual => "<=",
        Comparator::Greater => ">",
        Comparator::GreaterOrEqual => ">=",
    }
}

/// The field of a comparison, `None` for anything else.
fn compared_field(filter: &Filter) -> Option<&'static str> {
    match filter {
        Filter::Compare { field, .. } => Some(field),
        _ => None,
    }
}

/// A parsed filter as an SQL condition, each comparison translated by `compare`. The
/// contract's grammar is narrower than AIP-160: no `NOT`, and `OR` only between comparisons
/// of one field.
pub fn condition(
    filter: &Filter,
    compare: &dyn Fn(&str, Comparator, &Value) -> Result<Sql, Violation>,
) -> Result<Sql, Violation> {
    match filter {
        Filter::Or(parts)
            if parts
                .iter()
                .map(compared_field)
                .any(|f| f.is_none() || f != compared_field(&parts[0])) =>
        {
            Err(Violation::new(
                "filter",
                "OR may only join comparisons of the same field, such as (status = A OR status = B)",
            ))
        }
        Filter::Not(_) => Err(Violation::new(
            "filter",
            "NOT is not supported: use != instead",
        )),
        Filter::And(parts) | Filter::Or(parts) => {
            let joiner = if matches!(filter, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let mut sql = Sql::new("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                sql.append(condition(part, compare)?);
            }
            sql.push(")");
            Ok(sql)
        }
        Filter::Compare {
            field,
            comparator,
            value,
        } => compare(field, *comparator, value),
    }
}

fn unsupported(field: &str, c: Comparator) -> Violation {
    Violation::new("filter", format!("{field} cannot be compared with {c}"))
}

fn text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Timestamp(t) => t.to_string(),
    }
}

fn integer(value: &Value) -> i64 {
    match value {
        Value::Integer(i) | Value::Timestamp(i) => *i,
        _ => 0,
    }
}

/// `expr op ?` for a plain column.
fn column(expr: &str, c: Comparator, bind: Bind) -> Sql {
    let mut sql = Sql::new(&format!("{expr} {} ", operator(c)));
    sql.bind(bind);
    sql
}

/// A case-insensitive substring match, or an exact comparison.
fn title(expr: &str, c: Comparator, value: &Value) -> Result<Sql, Violation> {
    if c == Comparator::Has {
        let escaped = text(value)
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut sql = Sql::new(&format!("LOWER({expr}) LIKE "));
        sql.text(format!("%{escaped}%")).push(" ESCAPE '\\'");
        return Ok(sql);
    }
    Ok(column(expr, c, Bind::Text(text(value))))
}

/// A comparison on an optional date stored as text ("" when unset, which no date matches).
fn date(expr: &str, c: Comparator, value: &Value) -> Sql {
    let mut sql = Sql::new(&format!("({expr} <> '' AND "));
    sql.append(column(expr, c, Bind::Text(text(value))))
        .push(")");
    sql
}

/// Whether the initiative (alias `i`) names `value` as a `kind` member.
fn member(kind: &str, c: Comparator, value: &Value) -> Result<Sql, Violation> {
    let negate = match c {
        Comparator::Equal | Comparator::Has => "",
        Comparator::NotEqual => "NOT ",
        other => return Err(unsupported(kind, other)),
    };
    let mut sql = Sql::new(&format!(
        "{negate}EXISTS (SELECT 1 FROM initiative_members x WHERE x.initiative_id = i.id \
         AND x.kind = '{kind}' AND x.value = "
    ));
    sql.text(text(value)).push(")");
    Ok(sql)
}

/// `expr op ?` for an enum column, the value given by its name.
fn enum_column(
    expr: &str,
    c: Comparator,
    field: &str,
    value: &Value,
    number: fn(&str) -> Option<i32>,
) -> Result<Sql, Violation> {
    let n = number(&text(value)).ok_or_else(|| {
        Violation::new(
            "filter",
            format!("{} is not a value of {field}", text(value)),
        )
    })?;
    Ok(column(expr, c, Bind::Int(i64::from(n))))
}

fn regional_group(name: &str) -> Option<i32> {
    RegionalGroup::from_str_name(name).map(|g| g as i32)
}

fn initiative_status(name: &str) -> Option<i32> {
    InitiativeStatus::from_str_name(name).map(|s| s as i32)
}

fn milestone_status(name: &str) -> Option<i32> {
    MilestoneStatus::from_str_name(name).map(|s| s as i32)
}

/// Names of the initiative statuses, for filters.
pub const INITIATIVE_STATUSES: &[&str] = &[
    "INITIATIVE_STATUS_PROPOSED",
    "INITIATIVE_STATUS_LAUNCHED",
    "INITIATIVE_STATUS_ACTIVE",
    "INITIATIVE_STATUS_COMPLETED",
    "INITIATIVE_STATUS_SUSPENDED",
];

/// Names of the milestone statuses, for filters.
pub const MILESTONE_STATUSES: &[&str] = &[
    "MILESTONE_STATUS_PLANNED",
    "MILESTONE_STATUS_IN_PROGRESS",
    "MILESTONE_STATUS_DONE",
    "MILESTONE_STATUS_BLOCKED",
    "MILESTONE_STATUS_DROPPED",
];

const REGIONAL_GROUPS: &[&str] = &[
    "REGIONAL_GROUP_AFRICAN",
    "REGIONAL_GROUP_ASIA_PACIFIC",
    "REGIONAL_GROUP_EASTERN_EUROPEAN",
    "REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN",
    "REGIONAL_GROUP_WESTERN_EUROPEAN_OTHERS",
    "REGIONAL_GROUP_NONE",
];

const THEMATIC_AREAS: &[&str] = &[
    "THEMATIC_AREA_TRAFFICKING_IN_PERSONS",
    "THEMATIC_AREA_SMUGGLING_OF_MIGRANTS",
    "THEMATIC_AREA_FIREARMS",
    "THEMATIC_AREA_CYBERCRIME",
    "THEMATIC_AREA_CRIMES_AFFECTING_THE_ENVIRONMENT",
    "THEMATIC_AREA_CORRUPTION",
    "THEMATIC_AREA_MONEY_LAUNDERING",
    "THEMATIC_AREA_DRUG_TRAFFICKING",
    "THEMATIC_AREA_TRAFFICKING_IN_CULTURAL_PROPERTY",
    "THEMATIC_AREA_FALSIFIED_MEDICAL_PRODUCTS",
    "THEMATIC_AREA_FRAUD",
    "THEMATIC_AREA_KIDNAPPING_AND_EXTORTION",
    "THEMATIC_AREA_MARITIME_CRIME",
    "THEMATIC_AREA_PREVENTION",
    "THEMATIC_AREA_VICTIM_AND_WITNESS_PROTECTION",
    "THEMATIC_AREA_INTERNATIONAL_COOPERATION",
    "THEMATIC_AREA_REVIEW_MECHANISM",
];

const fn field(name: &'static str, kind: FieldType) -> FilterField {
    FilterField { name, kind }
}

/// The fields `ListInitiatives` and `SummarizeInitiatives` filter on.
pub const INITIATIVE_FIELDS: &[FilterField] = &[
    field("title", FieldType::Text),
    field("country_code", FieldType::Text),
    field("regional_group", FieldType::Enum(REGIONAL_GROUPS)),
    field("status", FieldType::Enum(INITIATIVE_STATUSES)),
    field("coordinator", FieldType::Text),
    field("partner_organization", FieldType::Text),
    field("partner_person", FieldType::Text),
    field("thematic_area", FieldType::Enum(THEMATIC_AREAS)),
    field("start_date", FieldType::Date),
    field("target_date", FieldType::Date),
    field("create_time", FieldType::Timestamp),
    field("update_time", FieldType::Timestamp),
    field("roadmap.overdue_count", FieldType::Integer),
    field("roadmap.progress_percent", FieldType::Integer),
];

/// One comparison of an initiative filter, on the initiative aliased `i`.
pub fn compare_initiative(
    today: &str,
) -> impl Fn(&str, Comparator, &Value) -> Result<Sql, Violation> + '_ {
    move |name, c, value| {
        Ok(match name {
            "title" => title("i.title", c, value)?,
            "country_code" => column("i.country_code", c, Bind::Text(text(value))),
            "regional_group" => enum_column("i.regional_group", c, name, value, regional_group)?,
            "status" => enum_column("i.status", c, name, value, initiative_status)?,
            "coordinator" => member("coordinator", c, value)?,
            "partner_organization" => member("partner_organization", c, value)?,
            "partner_person" => member("partner_person", c, value)?,
            "thematic_area" => {
                ThematicArea::from_str_name(&text(value)).ok_or_else(|| unsupported(name, c))?;
                member("thematic_area", c, value)?
            }
            "start_date" => date("i.start_date", c, value),
            "target_date" => date("i.target_date", c, value),
            "create_time" => column("i.create_time", c, Bind::Int(integer(value))),
            "update_time" => column("i.update_time", c, Bind::Int(integer(value))),
            "roadmap.overdue_count" => {
                let mut sql = Sql::new(
                    "(SELECT COUNT(*) FROM milestones m WHERE m.initiative_id = i.id \
                     AND m.delete_time IS NULL AND m.status IN (1, 2, 4) AND m.due_date < ",
                );
                sql.text(today)
                    .push(&format!(") {} ", operator(c)))
                    .int(integer(value));
                sql
            }
            "roadmap.progress_percent" => {
                let mut sql = Sql::new(&format!(
                    "COALESCE((SELECT AVG({CONTRIBUTION}) FROM milestones m \
                     WHERE m.initiative_id = i.id AND m.delete_time IS NULL), 0) {} ",
                    operator(c)
                ));
                #[allow(clippy::cast_precision_loss, reason = "percentages are small")]
                sql.bind(Bind::Float(integer(value) as f64));
                sql
            }
            other => return Err(Violation::new("filter", format!("unknown field {other}"))),
        })
    }
}

/// The fields `ListMilestones` filters on.
pub const MILESTONE_FIELDS: &[FilterField] = &[
    field("title", FieldType::Text),
    field("status", FieldType::Enum(MILESTONE_STATUSES)),
    field("overdue", FieldType::Bool),
    field("due_date", FieldType::Date),
    field("percent_complete", FieldType::Integer),
    field("priority_id", FieldType::Text),
    field("owner.organization", FieldType::Text),
    field("owner.person", FieldType::Text),
    field("owner.coordinator", FieldType::Text),
    field("depends_on", FieldType::List),
    field("update_time", FieldType::Timestamp),
];

/// The fields `ListDueMilestones` filters on.
pub const DUE_FIELDS: &[FilterField] = &[
    field("status", FieldType::Enum(MILESTONE_STATUSES)),
    field("owner.organization", FieldType::Text),
    field("owner.person", FieldType::Text),
    field("owner.coordinator", FieldType::Text),
    field("initiative.country_code", FieldType::Text),
    field(
        "initiative.regional_group",
        FieldType::Enum(REGIONAL_GROUPS),
    ),
    field("initiative.status", FieldType::Enum(INITIATIVE_STATUSES)),
    field("initiative.coordinator", FieldType::Text),
];

/// One comparison of a milestone filter, on the milestone aliased `m` and its initiative
/// aliased `i`.
pub fn compare_milestone(
    today: &str,
) -> impl Fn(&str, Comparator, &Value) -> Result<Sql, Violation> + '_ {
    move |name, c, value| {
        Ok(match name {
            "title" => title("m.title", c, value)?,
            "status" => enum_column("m.status", c, name, value, milestone_status)?,
            "overdue" => {
                let overdue = matches!(value, Value::Bool(true)) == (c == Comparator::Equal);
                let mut sql = Sql::new(if overdue {
                    "(m.status IN (1, 2, 4) AND m.due_date < "
                } else {
                    "NOT (m.status IN (1, 2, 4) AND m.due_date < "
                });
                sql.text(today).push(")");
                sql
            }
            "due_date" => column("m.due_date", c, Bind::Text(text(value))),
            "percent_complete" => column("m.percent_complete", c, Bind::Int(integer(value))),
            "priority_id" => column("m.priority_id", c, Bind::Text(text(value))),
            "owner.organization" | "owner.person" | "owner.coordinator" => {
                let kind = name.trim_start_matches("owner.");
                let mut sql = Sql::new(&format!("(m.owner_kind = '{kind}' AND "));
                sql.append(column("m.owner", c, Bind::Text(text(value))))
                    .push(")");
                sql
            }
            "depends_on" => {
                let id = text(value)
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let mut sql = Sql::new(
                    "EXISTS (SELECT 1 FROM milestone_dependencies d WHERE d.milestone_id = m.id \
                     AND d.depends_on_id = ",
                );
                sql.text(id).push(")");
                sql
            }
            "update_time" => column("m.update_time", c, Bind::Int(integer(value))),
            "initiative.country_code" => column("i.country_code", c, Bind::Text(text(value))),
            "initiative.regional_group" => {
                enum_column("i.regional_group", c, name, value, regional_group)?
            }
            "initiative.status" => enum_column("i.status", c, name, value, initiative_status)?,
            "initiative.coordinator" => member("coordinator", c, value)?,
            other => return Err(Violation::new("filter", format!("unknown field {other}"))),
        })
    }
}

/// The fields `ListProgressEntries` filters on.
pub const ENTRY_FIELDS: &[FilterField] = &[
    field("milestone", FieldType::Text),
    field("author.subject", FieldType::Text),
    field("create_time", FieldType::Timestamp),
    field("corrects", FieldType::Text),
    field("corrected", FieldType::Bool),
    field("new_status", FieldType::Enum(MILESTONE_STATUSES)),
];

/// One comparison of a progress entry filter, on the entry aliased `e`.
pub fn compare_entry(name: &str, c: Comparator, value: &Value) -> Result<Sql, Violation> {
    let last_id = |v: &Value| text(v).rsplit('/').next().unwrap_or_default().to_owned();
    Ok(match name {
        "milestone" => column("e.milestone_id", c, Bind::Text(last_id(value))),
        "corrects" => column("e.corrects_id", c, Bind::Text(last_id(value))),
        "author.subject" => column("e.author", c, Bind::Text(text(value))),
        "create_time" => column("e.create_time", c, Bind::Int(integer(value))),
        "new_status" => enum_column("e.new_status", c, name, value, milestone_status)?,
        "corrected" => {
            let corrected = matches!(value, Value::Bool(true)) == (c == Comparator::Equal);
            Sql::new(if corrected {
                "EXISTS (SELECT 1 FROM progress_entries k WHERE k.corrects_id = e.id)"
            } else {
                "NOT EXISTS (SELECT 1 FROM progress_entries k WHERE k.corrects_id = e.id)"
            })
        }
        other => return Err(Violation::new("filter", format!("unknown field {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translate(text: &str) -> Result<String, Violation> {
        let filter = Filter::parse(text, INITIATIVE_FIELDS)?.expect("a filter");
        Ok(condition(&filter, &compare_initiative("2026-11-25"))?.render(false))
    }

    #[test]
    fn filters_become_conditions_with_bound_values() {
        assert_eq!(
            translate("country_code = \"KE\" AND (status = INITIATIVE_STATUS_ACTIVE OR status = INITIATIVE_STATUS_SUSPENDED)")
                .unwrap(),
            "(i.country_code = ? AND (i.status = ? OR i.status = ?))"
        );
        assert!(
            translate("coordinator = \"auth0|1\"")
                .unwrap()
                .starts_with("EXISTS (SELECT 1 FROM initiative_members")
        );
    }

    #[test]
    fn or_across_fields_and_not_are_refused() {
        assert!(translate("(country_code = \"KE\" OR status = INITIATIVE_STATUS_ACTIVE)").is_err());
        assert!(translate("NOT country_code = \"KE\"").is_err());
    }
}
