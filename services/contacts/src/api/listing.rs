//! From a List request's filter, order_by and page token to a [`ListQuery`].

use std::sync::LazyLock;

use engage_api::contacts::{
    AccreditationState, AgeBracket, ConsentBasis, ConsentPurpose, ConsentSource, ConsentState,
    EcosocStatus, InteractionKind,
};
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{
    Comparator, Direction, FieldType, Filter, FilterField, OrderBy, Value,
};
use engage_platform::{Error, Violation};

use crate::domain::dates::format_date;
use crate::domain::dates::from_date;
use crate::store::{Condition, ListQuery, RecordKind, SortColumn, SortValue, TimeColumn};

/// Names of the values of a protobuf enum, but its UNSPECIFIED zero.
fn names<E: TryFrom<i32>>(name: fn(E) -> &'static str) -> Vec<&'static str> {
    (1..64)
        .filter_map(|i| E::try_from(i).ok().map(name))
        .collect()
}

macro_rules! enum_names {
    ($static:ident, $enum:ty) => {
        static $static: LazyLock<Vec<&'static str>> =
            LazyLock::new(|| names(|e: $enum| e.as_str_name()));
    };
}

enum_names!(SECTORS, Sector);
enum_names!(REGIONAL_GROUPS, RegionalGroup);
enum_names!(ECOSOC_STATUSES, EcosocStatus);
enum_names!(ACCREDITATION_STATES, AccreditationState);
enum_names!(AGE_BRACKETS, AgeBracket);
enum_names!(CONSENT_PURPOSES, ConsentPurpose);
enum_names!(CONSENT_BASES, ConsentBasis);
enum_names!(CONSENT_STATES, ConsentState);
enum_names!(CONSENT_SOURCES, ConsentSource);
enum_names!(INTERACTION_KINDS, InteractionKind);

fn field(name: &'static str, kind: FieldType) -> FilterField {
    FilterField { name, kind }
}

fn enum_field(name: &'static str, values: &'static LazyLock<Vec<&'static str>>) -> FilterField {
    field(name, FieldType::Enum(values.as_slice()))
}

/// What a kind's List lets clients filter and order on.
pub struct ListSpec {
    kind: RecordKind,
    fields: Vec<FilterField>,
    sorts: &'static [(&'static str, SortColumn)],
    default_order: &'static [(&'static str, Direction)],
}

fn contact_fields() -> Vec<FilterField> {
    vec![
        field("country_code", FieldType::Text),
        field("external_id", FieldType::Text),
        enum_field("regional_group", &REGIONAL_GROUPS),
        field("thematic_areas", FieldType::List),
        field("tags", FieldType::List),
        field("emails.address", FieldType::Text),
        field("phones.e164", FieldType::Text),
        field("create_time", FieldType::Timestamp),
        field("update_time", FieldType::Timestamp),
    ]
}

/// ListOrganizations, SearchOrganizations and ExportOrganizations.
pub static ORGANIZATIONS: LazyLock<ListSpec> = LazyLock::new(|| {
    let mut fields = contact_fields();
    fields.extend([
        enum_field("sector", &SECTORS),
        enum_field("ecosoc_status", &ECOSOC_STATUSES),
        field("accreditation.conference_session", FieldType::Text),
        enum_field("accreditation.state", &ACCREDITATION_STATES),
    ]);
    ListSpec {
        kind: RecordKind::Organization,
        fields,
        sorts: &[
            ("display_name", SortColumn::Sort1),
            ("country_code", SortColumn::Sort4),
            ("create_time", SortColumn::CreateTime),
            ("update_time", SortColumn::UpdateTime),
        ],
        default_order: &[("display_name", Direction::Ascending)],
    }
});

/// ListPeople, SearchPeople and ExportPeople.
pub static PEOPLE: LazyLock<ListSpec> = LazyLock::new(|| {
    let mut fields = contact_fields();
    fields.extend([
        enum_field("age_bracket", &AGE_BRACKETS),
        field("youth", FieldType::Bool),
        field("languages", FieldType::List),
        field("active_consents", FieldType::List),
        field("affiliation.organization", FieldType::Text),
        field("affiliation.current", FieldType::Bool),
    ]);
    ListSpec {
        kind: RecordKind::Person,
        fields,
        sorts: &[
            ("display_name", SortColumn::Sort1),
            ("family_name", SortColumn::Sort2),
            ("given_name", SortColumn::Sort3),
            ("country_code", SortColumn::Sort4),
            ("create_time", SortColumn::CreateTime),
            ("update_time", SortColumn::UpdateTime),
        ],
        default_order: &[
            ("family_name", Direction::Ascending),
            ("given_name", Direction::Ascending),
        ],
    }
});

/// ListAffiliations.
pub static AFFILIATIONS: LazyLock<ListSpec> = LazyLock::new(|| ListSpec {
    kind: RecordKind::Affiliation,
    fields: vec![
        field("organization", FieldType::Text),
        field("primary", FieldType::Bool),
        field("current", FieldType::Bool),
        field("start_date", FieldType::Date),
        field("end_date", FieldType::Date),
    ],
    sorts: &[
        ("start_date", SortColumn::Sort1),
        ("end_date", SortColumn::Sort2),
        ("create_time", SortColumn::CreateTime),
    ],
    default_order: &[("start_date", Direction::Descending)],
});

/// ListAccreditations.
pub static ACCREDITATIONS: LazyLock<ListSpec> = LazyLock::new(|| ListSpec {
    kind: RecordKind::Accreditation,
    fields: vec![
        field("conference_session", FieldType::Text),
        enum_field("state", &ACCREDITATION_STATES),
        field("representatives", FieldType::List),
        field("request_date", FieldType::Date),
        field("decision_date", FieldType::Date),
    ],
    sorts: &[
        ("conference_session", SortColumn::Sort1),
        ("request_date", SortColumn::Sort2),
        ("decision_date", SortColumn::Sort3),
        ("create_time", SortColumn::CreateTime),
    ],
    default_order: &[("create_time", Direction::Ascending)],
});

/// ListConsentRecords.
pub static CONSENT_RECORDS: LazyLock<ListSpec> = LazyLock::new(|| ListSpec {
    kind: RecordKind::ConsentRecord,
    fields: vec![
        enum_field("purpose", &CONSENT_PURPOSES),
        enum_field("basis", &CONSENT_BASES),
        enum_field("state", &CONSENT_STATES),
        enum_field("source", &CONSENT_SOURCES),
        field("given_date", FieldType::Date),
        field("expire_date", FieldType::Date),
        field("withdraw_date", FieldType::Date),
    ],
    sorts: &[
        ("given_date", SortColumn::Sort1),
        ("withdraw_date", SortColumn::Sort2),
        ("create_time", SortColumn::CreateTime),
    ],
    default_order: &[("create_time", Direction::Descending)],
});

/// ListInteractions.
pub static INTERACTIONS: LazyLock<ListSpec> = LazyLock::new(|| ListSpec {
    kind: RecordKind::Interaction,
    fields: vec![
        enum_field("kind", &INTERACTION_KINDS),
        field("people", FieldType::List),
        field("organizations", FieldType::List),
        field("thematic_areas", FieldType::List),
        field("conference_session", FieldType::Text),
        field("related_resource", FieldType::Text),
        field("author.subject", FieldType::Text),
        field("occur_date", FieldType::Date),
        field("create_time", FieldType::Timestamp),
    ],
    sorts: &[
        ("occur_date", SortColumn::Sort1),
        ("create_time", SortColumn::CreateTime),
    ],
    default_order: &[("occur_date", Direction::Descending)],
});

/// Fields whose values are dates, compared as YYYY-MM-DD text.
const DATE_FIELDS: &[&str] = &[
    "start_date",
    "end_date",
    "request_date",
    "decision_date",
    "given_date",
    "expire_date",
    "withdraw_date",
    "occur_date",
];

/// A List request's parameters.
pub struct ListRequest<'a> {
    pub filter: &'a str,
    pub order_by: &'a str,
    pub page_size: i32,
    pub page_token: &'a str,
    pub parent_id: Option<&'a str>,
    pub show_deleted: bool,
    pub show_merged: bool,
    pub limits: PageLimits,
}

/// A List request as a query and its page.
pub struct Listing {
    pub query: ListQuery,
    pub page: Page<(SortValue, String)>,
    pub first_page: bool,
}

impl ListSpec {
    /// The List method this spec serves, which its page tokens are bound to.
    pub fn list_name(&self) -> &'static str {
        match self.kind {
            RecordKind::Organization => "ListOrganizations",
            RecordKind::Person => "ListPeople",
            RecordKind::Affiliation => "ListAffiliations",
            RecordKind::Accreditation => "ListAccreditations",
            RecordKind::ConsentRecord => "ListConsentRecords",
            RecordKind::Interaction => "ListInteractions",
            RecordKind::DuplicateCandidate => "ListDuplicateCandidates",
        }
    }

    /// The Search method over this spec's records, which its page tokens are bound to.
    pub fn search_name(&self) -> &'static str {
        match self.kind {
            RecordKind::Person => "SearchPeople",
            _ => "SearchOrganizations",
        }
    }

    /// The conditions a filter stands for.
    pub fn conditions(&self, filter: &str, today: time::Date) -> Result<Vec<Condition>, Error> {
        let Some(parsed) = Filter::parse(filter, &self.fields)? else {
            return Ok(Vec::new());
        };
        let mut comparisons = Vec::new();
        flatten_and(parsed, &mut comparisons)?;
        let mut conditions = Vec::new();
        let mut accreditation = Vec::new();
        let mut affiliation = Vec::new();
        for (field, comparator, value) in comparisons {
            if let Some(child) = field.strip_prefix("accreditation.") {
                accreditation.push(Condition::Term {
                    field: child.to_owned(),
                    value: text_of(&value),
                    negated: false,
                });
                continue;
            }
            if let Some(child) = field.strip_prefix("affiliation.") {
                affiliation.push(child_condition(child, comparator, &value, today)?);
                continue;
            }
            if field == "active_consents" {
                let mut consents = ListQuery::new(RecordKind::ConsentRecord);
                consents.conditions = vec![
                    term("purpose", text_of(&value)),
                    term("state", ConsentState::Given.as_str_name().to_owned()),
                    Condition::NoTermBelow {
                        field: "expire_date".into(),
                        value: format_date(&from_date(today)),
                    },
                ];
                conditions.push(Condition::ParentOf(Box::new(consents)));
                continue;
            }
            if self.kind == RecordKind::Affiliation && field == "current" {
                conditions.push(child_condition(field, comparator, &value, today)?);
                continue;
            }
            conditions.push(simple_condition(field, comparator, value)?);
        }
        for (kind, group) in [
            (RecordKind::Accreditation, accreditation),
            (RecordKind::Affiliation, affiliation),
        ] {
            if !group.is_empty() {
                let mut children = ListQuery::new(kind);
                children.conditions = group;
                conditions.push(Condition::ParentOf(Box::new(children)));
            }
        }
        Ok(conditions)
    }

    /// The sort column and direction an order_by names.
    pub fn order(&self, order_by: &str) -> Result<(SortColumn, bool), Violation> {
        let fields: Vec<&'static str> = self.sorts.iter().map(|(f, _)| *f).collect();
        let order = OrderBy::parse(order_by, &fields, self.default_order)?;
        let column = |name: &str| self.sorts.iter().find(|(f, _)| *f == name).map(|(_, c)| *c);
        match order.0.as_slice() {
            [(name, direction)] => Ok((
                column(name).unwrap_or(SortColumn::CreateTime),
                *direction == Direction::Descending,
            )),
            // Family then given name is one stored key.
            [("family_name", a), ("given_name", b)] if a == b => {
                Ok((SortColumn::Sort2, *a == Direction::Descending))
            }
            _ => Err(Violation::new(
                "order_by",
                "orders by one field (people also by \"family_name, given_name\")",
            )),
        }
    }

    /// The query and page of a List request.
    pub fn listing(&self, request: &ListRequest<'_>, today: time::Date) -> Result<Listing, Error> {
        let conditions = self.conditions(request.filter, today)?;
        let (sort, descending) = self.order(request.order_by)?;
        let shape = [
            request.filter,
            request.order_by,
            request.parent_id.unwrap_or(""),
            if request.show_deleted { "d" } else { "" },
            if request.show_merged { "m" } else { "" },
        ];
        let page = Page::parse(
            self.list_name(),
            request.page_size,
            request.page_token,
            &shape,
            request.limits,
        )?;
        let first_page = page.after.is_none();
        let query = ListQuery {
            kind: self.kind,
            parent_id: request.parent_id.map(str::to_owned),
            show_deleted: request.show_deleted,
            show_merged: request.show_merged,
            show_erased: true,
            conditions,
            sort,
            descending,
            after: page.after.clone(),
            limit: Some(page.fetch_limit()),
        };
        Ok(Listing {
            query,
            page,
            first_page,
        })
    }
}

fn term(field: &str, value: String) -> Condition {
    Condition::Term {
        field: field.to_owned(),
        value,
        negated: false,
    }
}

/// The filter's comparisons, which the contract joins with AND only.
pub(super) fn flatten_and(
    filter: Filter,
    out: &mut Vec<(&'static str, Comparator, Value)>,
) -> Result<(), Violation> {
    match filter {
        Filter::And(parts) => {
            for part in parts {
                flatten_and(part, out)?;
            }
            Ok(())
        }
        Filter::Compare {
            field,
            comparator,
            value,
        } => {
            out.push((field, comparator, value));
            Ok(())
        }
        Filter::Or(_) | Filter::Not(_) => Err(Violation::new(
            "filter",
            "joins comparisons with AND only (no OR, NOT or -)",
        )),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Timestamp(t) => t.to_string(),
    }
}

/// Values as the terms keep them: countries upper case, emails lower case, phones E.164.
fn normalised(field: &str, value: &Value) -> String {
    let text = text_of(value);
    match field {
        "country_code" => text.trim().to_uppercase(),
        "emails.address" | "tags" => text.trim().to_lowercase(),
        "phones.e164" => phonenumber::parse(None, text.trim())
            .map(|n| n.format().mode(phonenumber::Mode::E164).to_string())
            .unwrap_or(text),
        _ => text,
    }
}

fn simple_condition(
    field: &'static str,
    comparator: Comparator,
    value: Value,
) -> Result<Condition, Error> {
    let time_column = match field {
        "create_time" => Some(TimeColumn::CreateTime),
        "update_time" => Some(TimeColumn::UpdateTime),
        _ => None,
    };
    if let (Some(column), Value::Timestamp(micros)) = (time_column, &value) {
        return Ok(Condition::Time {
            column,
            comparator,
            micros: *micros,
        });
    }
    let text = normalised(field, &value);
    // Dates (checked by the parser) compare as YYYY-MM-DD text.
    if DATE_FIELDS.contains(&field) {
        return Ok(Condition::TermRange {
            field: field.to_owned(),
            comparator,
            value: text,
        });
    }
    Ok(match comparator {
        Comparator::NotEqual => Condition::Term {
            field: field.to_owned(),
            value: text,
            negated: true,
        },
        Comparator::Equal | Comparator::Has => term(field, text),
        other => {
            return Err(Error::invalid(
                "filter",
                format!("{field} cannot be compared with {other}"),
            ));
        }
    })
}

/// A condition on one affiliation: its organisation, whether it is current.
fn child_condition(
    field: &str,
    comparator: Comparator,
    value: &Value,
    today: time::Date,
) -> Result<Condition, Error> {
    let today = format_date(&from_date(today));
    match (field, value) {
        ("current", Value::Bool(current)) => {
            let current = *current != (comparator == Comparator::NotEqual);
            Ok(if current {
                Condition::NoTermBelow {
                    field: "end_date".into(),
                    value: today,
                }
            } else {
                Condition::TermRange {
                    field: "end_date".into(),
                    comparator: Comparator::Less,
                    value: today,
                }
            })
        }
        _ => Ok(term(field, text_of(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::March, 1).unwrap()
    }

    #[test]
    fn an_organisation_filter_becomes_terms_and_one_accreditation() {
        let conditions = ORGANIZATIONS
            .conditions(
                "sector = SECTOR_NGO AND country_code = \"fr\" AND tags:\"Donor\" AND \
                 accreditation.conference_session = \"COP12\" AND \
                 accreditation.state = ACCREDITATION_STATE_GRANTED",
                today(),
            )
            .unwrap();
        assert_eq!(conditions[0], term("sector", "SECTOR_NGO".into()));
        assert_eq!(conditions[1], term("country_code", "FR".into()));
        assert_eq!(conditions[2], term("tags", "donor".into()));
        let Condition::ParentOf(accreditations) = &conditions[3] else {
            panic!("expected one accreditation listing, got {conditions:?}");
        };
        assert_eq!(accreditations.conditions.len(), 2);
    }

    #[test]
    fn or_and_bad_enum_values_are_refused() {
        assert!(
            ORGANIZATIONS
                .conditions("sector = SECTOR_NGO OR sector = SECTOR_MEDIA", today())
                .is_err()
        );
        assert!(
            ORGANIZATIONS
                .conditions("sector = SPACESHIP", today())
                .is_err()
        );
        assert!(ORGANIZATIONS.conditions("sector >", today()).is_err());
    }

    #[test]
    fn people_order_by_family_then_given_name() {
        assert_eq!(PEOPLE.order("").unwrap(), (SortColumn::Sort2, false));
        assert_eq!(
            PEOPLE.order("family_name desc, given_name desc").unwrap(),
            (SortColumn::Sort2, true)
        );
        assert!(PEOPLE.order("country_code, display_name").is_err());
        assert_eq!(
            ORGANIZATIONS.order("update_time desc").unwrap(),
            (SortColumn::UpdateTime, true)
        );
    }
}
