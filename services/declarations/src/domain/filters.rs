//! The `filter` and `order_by` of the list, count and export requests: which fields each
//! offers, and the contract's subset of AIP-160 (comparisons joined with AND; OR only
//! between `=` or `:` comparisons of one field; no NOT), flattened into clauses the store
//! turns into SQL.

use engage_api::declarations::{DeclarationStatus, SignatureStatus, SignerKind};
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::Violation;
use engage_platform::query::{
    Comparator, Direction, FieldType, Filter, FilterField, OrderBy, Value,
};

const DECLARATION_STATUSES: &[&str] = &[
    "DECLARATION_STATUS_DRAFT",
    "DECLARATION_STATUS_OPEN",
    "DECLARATION_STATUS_CLOSED",
];
const SIGNATURE_STATUSES: &[&str] = &[
    "SIGNATURE_STATUS_PENDING",
    "SIGNATURE_STATUS_VERIFIED",
    "SIGNATURE_STATUS_REJECTED",
];
const SIGNER_KINDS: &[&str] = &["SIGNER_KIND_ORGANIZATION", "SIGNER_KIND_INDIVIDUAL"];
const REGIONAL_GROUPS: &[&str] = &[
    "REGIONAL_GROUP_UNSPECIFIED",
    "REGIONAL_GROUP_AFRICAN",
    "REGIONAL_GROUP_ASIA_PACIFIC",
    "REGIONAL_GROUP_EASTERN_EUROPEAN",
    "REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN",
    "REGIONAL_GROUP_WESTERN_EUROPEAN_OTHERS",
    "REGIONAL_GROUP_NONE",
];
const SECTORS: &[&str] = &[
    "SECTOR_UNSPECIFIED",
    "SECTOR_NGO",
    "SECTOR_ACADEMIA",
    "SECTOR_PRIVATE_SECTOR",
    "SECTOR_YOUTH",
    "SECTOR_FOUNDATION",
    "SECTOR_MEDIA",
    "SECTOR_OTHER",
];

const fn field(name: &'static str, kind: FieldType) -> FilterField {
    FilterField { name, kind }
}

/// ListDeclarations.
pub const DECLARATION_FIELDS: &[FilterField] = &[
    field("title", FieldType::Text),
    field("status", FieldType::Enum(DECLARATION_STATUSES)),
    field("language_code", FieldType::Text),
    field("previous_version", FieldType::Text),
    field("open_time", FieldType::Timestamp),
    field("close_time", FieldType::Timestamp),
    field("create_time", FieldType::Timestamp),
    field("update_time", FieldType::Timestamp),
];

/// The fields every signature filter shares (the public listing's and the counts').
const PLACE_FIELDS: [FilterField; 5] = [
    field("signer_kind", FieldType::Enum(SIGNER_KINDS)),
    field("regional_group", FieldType::Enum(REGIONAL_GROUPS)),
    field("country_code", FieldType::Text),
    field("sector", FieldType::Enum(SECTORS)),
    field("area", FieldType::Text),
];

/// ListSignatures, and the full export.
pub const SIGNATURE_FIELDS: &[FilterField] = &[
    PLACE_FIELDS[0],
    PLACE_FIELDS[1],
    PLACE_FIELDS[2],
    PLACE_FIELDS[3],
    PLACE_FIELDS[4],
    field("status", FieldType::Enum(SIGNATURE_STATUSES)),
    field("live", FieldType::Bool),
    field("withdrawn", FieldType::Bool),
    field("hide_from_public_listing", FieldType::Bool),
    field("redacted", FieldType::Bool),
    field("organization", FieldType::Text),
    field("individual.person", FieldType::Text),
    field("display_name", FieldType::Text),
    field("contact.email", FieldType::Text),
    field("sign_date", FieldType::Date),
    field("create_time", FieldType::Timestamp),
    field("update_time", FieldType::Timestamp),
];

/// ListPublicSignatures, and the public export.
pub const PUBLIC_FIELDS: &[FilterField] = &[
    PLACE_FIELDS[0],
    PLACE_FIELDS[1],
    PLACE_FIELDS[2],
    PLACE_FIELDS[3],
    PLACE_FIELDS[4],
    field("display_name", FieldType::Text),
];

/// CountSignatures.
pub const COUNT_FIELDS: &[FilterField] = &[
    PLACE_FIELDS[0],
    PLACE_FIELDS[1],
    PLACE_FIELDS[2],
    PLACE_FIELDS[3],
    PLACE_FIELDS[4],
    field("sign_date", FieldType::Date),
];

/// CountSignaturesByDay: the counts' fields but `sign_date`, which the series spans.
pub const DAILY_FIELDS: &[FilterField] = &[
    PLACE_FIELDS[0],
    PLACE_FIELDS[1],
    PLACE_FIELDS[2],
    PLACE_FIELDS[3],
    PLACE_FIELDS[4],
];

/// ListDeclarations order.
pub const DECLARATION_ORDER: &[&str] = &[
    "title",
    "version",
    "open_time",
    "create_time",
    "update_time",
];
/// ListSignatures order.
pub const SIGNATURE_ORDER: &[&str] = &[
    "create_time",
    "sign_date",
    "display_name",
    "country_code",
    "update_time",
];
/// ListPublicSignatures order.
pub const PUBLIC_ORDER: &[&str] = &["display_name", "country_code", "sign_date"];

/// One condition: `field comparator value`, or, with several values, any of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The field's filter name.
    pub field: &'static str,
    /// How it compares.
    pub comparator: Comparator,
    /// The values; more than one only for an OR of `=` or `:` comparisons.
    pub values: Vec<Value>,
}

impl Clause {
    /// The values as text (enum names, strings, dates).
    pub fn texts(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Integer(i) => i.to_string(),
                Value::Timestamp(t) => t.to_string(),
            })
            .collect()
    }

    /// The values of an enum field as their numbers.
    pub fn numbers(&self) -> Vec<i32> {
        self.texts()
            .iter()
            .map(|name| enum_number(self.field, name))
            .collect()
    }

    /// The first value as a boolean.
    pub fn flag(&self) -> bool {
        let yes = matches!(self.values.first(), Some(Value::Bool(true)));
        yes != (self.comparator == Comparator::NotEqual)
    }

    /// The first value as microseconds.
    pub fn micros(&self) -> i64 {
        match self.values.first() {
            Some(Value::Timestamp(t)) => *t,
            _ => 0,
        }
    }

    /// The first value as text.
    pub fn text(&self) -> String {
        self.texts().into_iter().next().unwrap_or_default()
    }
}

fn enum_number(field: &str, name: &str) -> i32 {
    let number = match field {
        "status" if name.starts_with("DECLARATION") => {
            DeclarationStatus::from_str_name(name).map(|s| s as i32)
        }
        "status" => SignatureStatus::from_str_name(name).map(|s| s as i32),
        "signer_kind" => SignerKind::from_str_name(name).map(|s| s as i32),
        "regional_group" => RegionalGroup::from_str_name(name).map(|s| s as i32),
        "sector" => Sector::from_str_name(name).map(|s| s as i32),
        _ => None,
    };
    // The parser accepted only listed names, each of which has a number.
    number.unwrap_or(-1)
}

/// Parses `text` against `fields` into clauses that must all hold.
pub fn clauses(text: &str, fields: &[FilterField]) -> Result<Vec<Clause>, Violation> {
    let mut out = Vec::new();
    if let Some(filter) = Filter::parse(text, fields)? {
        flatten(filter, &mut out)?;
    }
    Ok(out)
}

fn flatten(filter: Filter, out: &mut Vec<Clause>) -> Result<(), Violation> {
    let refuse = |m: &str| Violation::new("filter", m.to_owned());
    match filter {
        Filter::And(parts) => parts.into_iter().try_for_each(|p| flatten(p, out)),
        Filter::Not(_) => Err(refuse("NOT is not supported: compare with != instead")),
        Filter::Compare {
            field,
            comparator,
            value,
        } => {
            check_comparator(field, comparator)?;
            out.push(Clause {
                field,
                comparator,
                values: vec![value],
            });
            Ok(())
        }
        Filter::Or(parts) => {
            let mut clause: Option<Clause> = None;
            for part in parts {
                let Filter::Compare {
                    field,
                    comparator,
                    value,
                } = part
                else {
                    return Err(refuse("OR joins comparisons of one field only"));
                };
                check_comparator(field, comparator)?;
                let area_has = comparator == Comparator::Has && field == "area";
                if comparator != Comparator::Equal && !area_has {
                    return Err(refuse("OR joins = comparisons (or area:) only"));
                }
                match &mut clause {
                    None => {
                        clause = Some(Clause {
                            field,
                            comparator,
                            values: vec![value],
                        })
                    }
                    Some(c) if c.field == field && c.comparator == comparator => {
                        c.values.push(value)
                    }
                    Some(_) => return Err(refuse("OR joins comparisons of one field only")),
                }
            }
            out.extend(clause);
            Ok(())
        }
    }
}

/// Names, titles and areas take `:`; identifiers and codes compare whole.
fn check_comparator(field: &str, comparator: Comparator) -> Result<(), Violation> {
    let has_only = matches!(field, "area" | "title" | "display_name");
    let ok = match comparator {
        Comparator::Has => has_only,
        _ => !has_only,
    };
    if ok {
        Ok(())
    } else {
        Err(Violation::new(
            "filter",
            format!("{field} cannot be compared with {comparator}"),
        ))
    }
}

/// The fields a listing is ordered by, each with whether it is descending.
pub type Order = Vec<(&'static str, bool)>;

/// Parses an `order_by` (ties are broken by the resource name).
pub fn order(
    text: &str,
    fields: &[&'static str],
    default: (&'static str, Direction),
) -> Result<Order, Violation> {
    let parsed = OrderBy::parse(text, fields, &[default])?;
    Ok(parsed
        .0
        .into_iter()
        .map(|(field, direction)| (field, direction == Direction::Descending))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ands_flatten_and_ors_group_one_field() {
        let got = clauses(
            r#"status = SIGNATURE_STATUS_PENDING AND (country_code = "KE" OR country_code = "UG") AND area:"prevention""#,
            SIGNATURE_FIELDS,
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].numbers(), [SignatureStatus::Pending as i32]);
        assert_eq!(got[1].texts(), ["KE", "UG"]);
        assert_eq!(got[2].field, "area");
    }

    #[test]
    fn what_the_contract_leaves_out_is_refused() {
        for bad in [
            "NOT live = true",
            r#"(country_code = "KE" OR sector = SECTOR_NGO)"#,
            r#"area = "prevention""#,
            r#"sign_date : "2026-01-01""#,
            "contact = 1",
        ] {
            assert_eq!(
                clauses(bad, SIGNATURE_FIELDS).unwrap_err().field,
                "filter",
                "{bad}"
            );
        }
        assert!(clauses("status = SIGNATURE_STATUS_PENDING", PUBLIC_FIELDS).is_err());
    }

    #[test]
    fn order_by_lists_fields_with_directions() {
        let default = ("create_time", Direction::Descending);
        assert_eq!(
            order("", SIGNATURE_ORDER, default).unwrap(),
            [("create_time", true)]
        );
        assert_eq!(
            order("country_code, display_name desc", SIGNATURE_ORDER, default).unwrap(),
            [("country_code", false), ("display_name", true)]
        );
        assert!(order("status", SIGNATURE_ORDER, default).is_err());
    }
}
