//! What a merge keeps, field by field: the survivor's value, the merged record's, or both.
//!
//! Default rule (the contract's): a scalar field keeps the survivor's value, or the merged
//! record's when the survivor's is empty; a list field is COMBINED (survivor's entries first,
//! repeats removed, at most one primary: the survivor's). An organisation's merged display
//! name joins the survivor's alternative names. A caller's choice overrides the rule.

use engage_api::contacts::{
    EmailAddress, MergeField, MergeFieldChoice, MergeSource, Organization, Person, PhoneNumber,
    PostalAddress,
};
use engage_platform::Violation;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::json_to_value;
use prost_types::FieldMask;
use serde_json::Value;

use super::audit::AuditValues;
use super::{organization, person};

/// A record two of which can be merged.
pub trait Mergeable: Clone {
    /// The paths an update may write; a merge decides each of them but the external id,
    /// which stays the survivor's (it names one record in the outside system).
    const UPDATABLE: &'static [&'static str];
    /// Of those, the list fields, which can be COMBINED.
    const LISTS: &'static [&'static str];
    /// Every field's JSON value.
    fn values(&self) -> AuditValues;
    /// Copies `field` from `other`.
    fn take(&mut self, other: &Self, field: &str);
    /// Appends `other`'s entries of list `field` that this record lacks.
    fn combine(&mut self, other: &Self, field: &str);
    /// What else a merge does to the result (an organisation keeps the merged name).
    fn finish(&mut self, _merged: &Self) {}
}

fn mask(field: &str, updatable: &[&str]) -> Option<UpdateMask> {
    UpdateMask::parse(
        Some(&FieldMask {
            paths: vec![field.to_owned()],
        }),
        updatable,
    )
    .ok()
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn union_by<T: Clone, K: PartialEq>(into: &mut Vec<T>, from: &[T], key: impl Fn(&T) -> K) {
    for item in from {
        if !into.iter().any(|i| key(i) == key(item)) {
            into.push(item.clone());
        }
    }
}

/// Emails, phones and addresses carry a primary flag; the survivor's primary wins.
fn union_primary<T: Clone, K: PartialEq>(
    into: &mut Vec<T>,
    from: &[T],
    key: impl Fn(&T) -> K,
    primary: impl Fn(&mut T) -> &mut bool,
) {
    let had_primary = into.iter_mut().any(|i| *primary(i));
    let before = into.len();
    union_by(into, from, key);
    if had_primary {
        for added in &mut into[before..] {
            *primary(added) = false;
        }
    }
}

fn combine_contact_points(
    emails: (&mut Vec<EmailAddress>, &[EmailAddress]),
    phones: (&mut Vec<PhoneNumber>, &[PhoneNumber]),
    addresses: (&mut Vec<PostalAddress>, &[PostalAddress]),
    field: &str,
) {
    match field {
        "emails" => union_primary(
            emails.0,
            emails.1,
            |e| e.address.clone(),
            |e| &mut e.primary,
        ),
        "phones" => union_primary(
            phones.0,
            phones.1,
            |p| {
                if p.e164.is_empty() {
                    p.original_text.clone()
                } else {
                    format!("{}x{}", p.e164, p.extension)
                }
            },
            |p| &mut p.primary,
        ),
        "addresses" => union_primary(
            addresses.0,
            addresses.1,
            |a| {
                (
                    a.address_lines.clone(),
                    a.postal_code.replace(' ', "").to_lowercase(),
                    a.country_code.clone(),
                )
            },
            |a| &mut a.primary,
        ),
        _ => {}
    }
}

impl Mergeable for Organization {
    const UPDATABLE: &'static [&'static str] = organization::UPDATABLE_FIELDS;
    const LISTS: &'static [&'static str] = &[
        "alternative_names",
        "emails",
        "phones",
        "addresses",
        "thematic_areas",
        "tags",
    ];

    fn values(&self) -> AuditValues {
        organization::audit_values_organization(self)
    }

    fn take(&mut self, other: &Self, field: &str) {
        if let Some(mask) = mask(field, organization::UPDATABLE_FIELDS) {
            organization::apply_update_organization(self, other, &mask);
        }
    }

    fn combine(&mut self, other: &Self, field: &str) {
        match field {
            "alternative_names" => {
                union_by(&mut self.alternative_names, &other.alternative_names, |n| {
                    super::text::fold(n)
                })
            }
            "thematic_areas" => union_by(&mut self.thematic_areas, &other.thematic_areas, |a| *a),
            "tags" => union_by(&mut self.tags, &other.tags, Clone::clone),
            _ => combine_contact_points(
                (&mut self.emails, &other.emails),
                (&mut self.phones, &other.phones),
                (&mut self.addresses, &other.addresses),
                field,
            ),
        }
    }

    fn finish(&mut self, merged: &Self) {
        let name = merged.display_name.clone();
        let folded = super::text::fold(&name);
        if !name.is_empty()
            && super::text::fold(&self.display_name) != folded
            && !self
                .alternative_names
                .iter()
                .any(|n| super::text::fold(n) == folded)
        {
            self.alternative_names.push(name);
        }
    }
}

impl Mergeable for Person {
    const UPDATABLE: &'static [&'static str] = person::UPDATABLE_FIELDS;
    const LISTS: &'static [&'static str] = &[
        "emails",
        "phones",
        "addresses",
        "languages",
        "thematic_areas",
        "tags",
    ];

    fn values(&self) -> AuditValues {
        person::audit_values_person(self)
    }

    fn take(&mut self, other: &Self, field: &str) {
        if let Some(mask) = mask(field, person::UPDATABLE_FIELDS) {
            person::apply_update_person(self, other, &mask, true, true);
        }
    }

    fn combine(&mut self, other: &Self, field: &str) {
        match field {
            "languages" => union_by(&mut self.languages, &other.languages, Clone::clone),
            "thematic_areas" => union_by(&mut self.thematic_areas, &other.thematic_areas, |a| *a),
            "tags" => union_by(&mut self.tags, &other.tags, Clone::clone),
            _ => combine_contact_points(
                (&mut self.emails, &other.emails),
                (&mut self.phones, &other.phones),
                (&mut self.addresses, &other.addresses),
                field,
            ),
        }
    }
}

/// The fields a merge decides.
fn mergeable<R: Mergeable>() -> impl Iterator<Item = &'static str> {
    R::UPDATABLE.iter().copied().filter(|f| *f != "external_id")
}

/// The survivor after the merge and, for each field, what each side held and what it keeps.
/// Violations name `field_choices[i]` for an unknown field or a COMBINED scalar.
pub fn merge<R: Mergeable>(
    survivor: &R,
    merged: &R,
    choices: &[MergeFieldChoice],
) -> Result<(R, Vec<MergeField>), Vec<Violation>> {
    let mut violations = Vec::new();
    for (i, choice) in choices.iter().enumerate() {
        let field = format!("field_choices[{i}]");
        if !mergeable::<R>().any(|f| f == choice.field) {
            violations.push(Violation::new(
                format!("{field}.field"),
                format!(
                    "{:?} cannot be chosen; mergeable: {}",
                    choice.field,
                    mergeable::<R>().collect::<Vec<_>>().join(", ")
                ),
            ));
        } else if choice.source == MergeSource::Combined as i32
            && !R::LISTS.contains(&choice.field.as_str())
        {
            violations.push(Violation::new(
                format!("{field}.source"),
                "COMBINED applies to list fields only",
            ));
        }
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    let survivor_values = survivor.values();
    let merged_values = merged.values();
    let value_of = |values: &AuditValues, field: &str| {
        values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    };
    let mut result = survivor.clone();
    let mut sources = Vec::new();
    for field in mergeable::<R>() {
        let ours = value_of(&survivor_values, field);
        let theirs = value_of(&merged_values, field);
        let chosen = choices
            .iter()
            .find(|c| c.field == field && c.source != MergeSource::Unspecified as i32)
            .and_then(|c| MergeSource::try_from(c.source).ok());
        let source = chosen.unwrap_or(if R::LISTS.contains(&field) {
            MergeSource::Combined
        } else if is_empty(&ours) && !is_empty(&theirs) {
            MergeSource::Merged
        } else {
            MergeSource::Survivor
        });
        match source {
            MergeSource::Merged => result.take(merged, field),
            MergeSource::Combined => result.combine(merged, field),
            _ => {}
        }
        sources.push((field, ours, theirs, source));
    }
    result.finish(merged);
    let result_values = result.values();
    let fields = sources
        .into_iter()
        .map(|(field, ours, theirs, source)| MergeField {
            field: field.to_owned(),
            conflict: !is_empty(&ours) && !is_empty(&theirs) && ours != theirs,
            survivor_value: Some(json_to_value(ours)),
            merged_value: Some(json_to_value(theirs)),
            result_value: Some(json_to_value(value_of(&result_values, field))),
            source: source as i32,
        })
        .collect();
    Ok((result, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(address: &str, primary: bool) -> EmailAddress {
        EmailAddress {
            address: address.into(),
            primary,
            ..Default::default()
        }
    }

    #[test]
    fn the_survivor_keeps_its_values_fills_gaps_and_combines_lists() {
        let survivor = Organization {
            display_name: "Asociación Niños del Sur".into(),
            emails: vec![email("info@ans.org", true)],
            tags: vec!["donor".into()],
            ..Default::default()
        };
        let merged = Organization {
            display_name: "Asociacion Ninos del Sur (ANS)".into(),
            acronym: "ANS".into(),
            emails: vec![
                email("info@ans.org", false),
                email("director@ans.org", true),
            ],
            tags: vec!["cop12".into()],
            ..Default::default()
        };
        let (result, fields) = merge(&survivor, &merged, &[]).unwrap();
        assert_eq!(result.display_name, survivor.display_name);
        assert_eq!(result.acronym, "ANS");
        assert_eq!(
            result.emails,
            [
                email("info@ans.org", true),
                email("director@ans.org", false)
            ]
        );
        assert_eq!(result.tags, ["donor", "cop12"]);
        assert_eq!(result.alternative_names, ["Asociacion Ninos del Sur (ANS)"]);
        let name = fields.iter().find(|f| f.field == "display_name").unwrap();
        assert!(name.conflict);
        assert_eq!(name.source, MergeSource::Survivor as i32);
        let acronym = fields.iter().find(|f| f.field == "acronym").unwrap();
        assert_eq!(acronym.source, MergeSource::Merged as i32);
        assert!(!acronym.conflict);
    }

    #[test]
    fn a_choice_overrides_the_rule_and_bad_choices_are_refused() {
        let survivor = Person {
            given_name: "Maria".into(),
            family_name: "Garcia".into(),
            ..Default::default()
        };
        let merged = Person {
            given_name: "María".into(),
            family_name: "García López".into(),
            ..Default::default()
        };
        let choose = |field: &str, source: MergeSource| MergeFieldChoice {
            field: field.into(),
            source: source as i32,
        };
        let (result, _) = merge(
            &survivor,
            &merged,
            &[choose("family_name", MergeSource::Merged)],
        )
        .unwrap();
        assert_eq!(result.family_name, "García López");
        assert_eq!(result.given_name, "Maria");
        let refused = merge(
            &survivor,
            &merged,
            &[
                choose("given_name", MergeSource::Combined),
                choose("external_id", MergeSource::Merged),
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["field_choices[0].source", "field_choices[1].field"]
        );
    }
}
