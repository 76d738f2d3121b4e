//! What a valid person is, how their values are normalised, how an Update applies (with the
//! youth birth-date rule), and what audit entries record.

use engage_api::contacts::{AgeBracket, Person};
use engage_platform::Violation;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::FieldChange;

use super::audit::{self, AuditValues};
use super::contact_points as rules;
use super::dates::{age, check_date, format_date};

/// The paths UpdatePerson accepts in its mask (list fields are replaced whole).
pub const UPDATABLE_FIELDS: &[&str] = &[
    "display_name",
    "given_name",
    "family_name",
    "honorific_prefix",
    "emails",
    "phones",
    "addresses",
    "country_code",
    "languages",
    "youth",
    "birth_date",
    "age_bracket",
    "thematic_areas",
    "tags",
    "external_id",
    "notes",
];

/// Longest display name.
pub const MAX_DISPLAY_NAME_LEN: usize = 300;
/// Longest given name, and longest family name.
pub const MAX_NAME_PART_LEN: usize = 200;
/// Longest honorific prefix.
pub const MAX_HONORIFIC_LEN: usize = 50;
/// Longest notes.
pub const MAX_NOTES_LEN: usize = 10_000;

/// Normalises the writable fields of `person` (trimming, display name from the name parts
/// when empty, country and regional group, emails, phones read in the person's country,
/// languages, tags, age bracket from the birth date as of `today`) and checks every limit of
/// the contract. `prefix` is the person's path in the request (`person`). All violations
/// are reported together.
pub fn normalize_person(
    person: &mut Person,
    prefix: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let p = person;
    let field = |name: &str| format!("{prefix}.{name}");

    rules::text(
        &mut out,
        &field("given_name"),
        &mut p.given_name,
        false,
        MAX_NAME_PART_LEN,
    );
    rules::text(
        &mut out,
        &field("family_name"),
        &mut p.family_name,
        false,
        MAX_NAME_PART_LEN,
    );
    if p.given_name.is_empty() && p.family_name.is_empty() {
        out.push(Violation::new(
            field("given_name"),
            "a given name or a family name is required",
        ));
    }
    rules::trim(&mut p.display_name);
    if p.display_name.is_empty() {
        p.display_name = format!("{} {}", p.given_name, p.family_name)
            .trim()
            .to_owned();
    }
    rules::text(
        &mut out,
        &field("display_name"),
        &mut p.display_name,
        false,
        MAX_DISPLAY_NAME_LEN,
    );
    rules::text(
        &mut out,
        &field("honorific_prefix"),
        &mut p.honorific_prefix,
        false,
        MAX_HONORIFIC_LEN,
    );
    p.regional_group =
        rules::country(&mut out, &field("country_code"), &mut p.country_code, false) as i32;
    rules::emails(&mut out, prefix, &mut p.emails);
    rules::phones(&mut out, prefix, &mut p.phones, &p.country_code);
    rules::addresses(&mut out, prefix, &mut p.addresses);
    rules::languages(&mut out, prefix, &mut p.languages);
    birth_date_and_bracket(&mut out, prefix, p, today);
    rules::thematic_areas(&mut out, prefix, &mut p.thematic_areas);
    rules::tags(&mut out, prefix, &mut p.tags);
    rules::external_id(&mut out, &field("external_id"), &mut p.external_id);
    rules::text(
        &mut out,
        &field("notes"),
        &mut p.notes,
        false,
        MAX_NOTES_LEN,
    );

    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The address a create with `find_by_email` looks people up by: the primary one, else the
/// first; none when the person has no email address. Read after [`normalize_person`], which
/// trims and lower-cases addresses, so that an address as typed finds the one stored.
pub fn email_to_find(person: &Person) -> Option<String> {
    person
        .emails
        .iter()
        .find(|e| e.primary)
        .or_else(|| person.emails.first())
        .map(|e| e.address.clone())
        .filter(|a| !a.is_empty())
}

fn birth_date_and_bracket(
    out: &mut Vec<Violation>,
    prefix: &str,
    p: &mut Person,
    today: time::Date,
) {
    let field = format!("{prefix}.birth_date");
    match check_date(out, &field, p.birth_date.as_ref()) {
        Some(birth) if birth > today => out.push(Violation::new(
            field,
            format!(
                "{} is in the future",
                p.birth_date.as_ref().map(format_date).unwrap_or_default()
            ),
        )),
        Some(birth) => p.age_bracket = age_bracket(age(birth, today)) as i32,
        None => rules::enum_value::<AgeBracket>(
            out,
            &format!("{prefix}.age_bracket"),
            p.age_bracket,
            false,
        ),
    }
}

/// The bracket of an age in completed years.
pub fn age_bracket(years: i32) -> AgeBracket {
    match years {
        ..18 => AgeBracket::Under18,
        18..=24 => AgeBracket::AgeBracket18To24,
        25..=29 => AgeBracket::AgeBracket25To29,
        30..=35 => AgeBracket::AgeBracket30To35,
        _ => AgeBracket::Over35,
    }
}

/// Copies the fields named in `mask` from `patch` into `current`. A caller who may not read
/// the person's birth date (`caller_reads_birth_date` false: not an admin, and the person
/// is youth) changes it only by naming `birth_date` in the mask
/// (`birth_date_named_explicitly`); with `*` it stays, since they saw it withheld and sent
/// it back empty.
pub fn apply_update_person(
    current: &mut Person,
    patch: &Person,
    mask: &UpdateMask,
    birth_date_named_explicitly: bool,
    caller_reads_birth_date: bool,
) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(
        mask,
        current,
        patch,
        [
            display_name,
            given_name,
            family_name,
            honorific_prefix,
            emails,
            phones,
            addresses,
            country_code,
            languages,
            youth,
            age_bracket,
            thematic_areas,
            tags,
            external_id,
            notes,
        ]
    );
    if mask.contains("birth_date") && (caller_reads_birth_date || birth_date_named_explicitly) {
        current.birth_date = patch.birth_date.take();
    }
}

/// Whether an update mask names `birth_date` itself (not through `*`), which a caller who
/// may not read a youth person's birth date must do to change it.
pub fn mask_names_birth_date(mask: Option<&prost_types::FieldMask>) -> bool {
    mask.is_some_and(|m| m.paths.iter().any(|p| p == "birth_date"))
}

/// Hides the birth date of a youth person from a caller who is not an admin, marking it
/// withheld when one is recorded (the contract's protection of minors' data).
pub fn withhold_birth_date(person: &mut Person, caller_is_admin: bool) {
    if person.youth && !caller_is_admin {
        person.birth_date_withheld = person.birth_date.take().is_some();
    } else {
        person.birth_date_withheld = false;
    }
}

/// The audit value of every updatable field, in [`UPDATABLE_FIELDS`] order.
pub fn audit_values_person(p: &Person) -> AuditValues {
    vec![
        ("display_name", audit::text(&p.display_name)),
        ("given_name", audit::text(&p.given_name)),
        ("family_name", audit::text(&p.family_name)),
        ("honorific_prefix", audit::text(&p.honorific_prefix)),
        ("emails", audit::emails(&p.emails)),
        ("phones", audit::phones(&p.phones)),
        ("addresses", audit::addresses(&p.addresses)),
        ("country_code", audit::text(&p.country_code)),
        ("languages", audit::texts(&p.languages)),
        ("youth", audit::flag(p.youth)),
        ("birth_date", audit::date(p.birth_date.as_ref())),
        (
            "age_bracket",
            audit::enum_name(p.age_bracket, AgeBracket::as_str_name),
        ),
        ("thematic_areas", audit::thematic_areas(&p.thematic_areas)),
        ("tags", audit::texts(&p.tags)),
        ("external_id", audit::text(&p.external_id)),
        ("notes", audit::text(&p.notes)),
    ]
}

/// The updatable fields that differ between two versions of a person.
pub fn changes_person(old: &Person, new: &Person) -> Vec<FieldChange> {
    audit::changes(audit_values_person(old), audit_values_person(new))
}

/// The fields a Create set.
pub fn created_person(p: &Person) -> Vec<FieldChange> {
    audit::created(audit_values_person(p))
}

#[cfg(test)]
mod tests {
    use engage_api::contacts::PhoneNumber;
    use engage_api::types::Date;
    use serde_json::json;

    use super::*;

    fn today() -> time::Date {
        super::super::dates::to_date(&Date {
            year: 2026,
            month: 11,
            day: 25,
        })
        .unwrap()
    }

    fn valid() -> Person {
        Person {
            given_name: " Ana ".into(),
            family_name: "Pérez".into(),
            country_code: "ar".into(),
            languages: vec!["ES".into(), "pt-br".into()],
            ..Default::default()
        }
    }

    fn fields(result: Result<(), Vec<Violation>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    fn mask(paths: &[&str]) -> UpdateMask {
        UpdateMask::parse(
            Some(&prost_types::FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
            UPDATABLE_FIELDS,
        )
        .unwrap()
    }

    #[test]
    fn display_name_defaults_to_the_name_parts() {
        let mut p = valid();
        normalize_person(&mut p, "person", today()).unwrap();
        assert_eq!(p.display_name, "Ana Pérez");
        assert_eq!(p.languages, ["es", "pt-BR"]);
        let mut only_family = Person {
            family_name: "Okafor".into(),
            ..Default::default()
        };
        normalize_person(&mut only_family, "person", today()).unwrap();
        assert_eq!(only_family.display_name, "Okafor");
    }

    #[test]
    fn a_person_is_found_by_the_primary_address_as_stored() {
        let mut p = valid();
        assert_eq!(email_to_find(&p), None);
        p.emails = vec![
            engage_api::contacts::EmailAddress {
                address: " Ana@Work.example ".into(),
                ..Default::default()
            },
            engage_api::contacts::EmailAddress {
                address: "ANA@home.example".into(),
                primary: true,
                ..Default::default()
            },
        ];
        normalize_person(&mut p, "person", today()).unwrap();
        assert_eq!(email_to_find(&p).as_deref(), Some("ana@home.example"));
        p.emails[1].primary = false;
        assert_eq!(email_to_find(&p).as_deref(), Some("ana@work.example"));
    }

    #[test]
    fn a_person_needs_a_name() {
        let mut p = Person::default();
        assert_eq!(
            fields(normalize_person(&mut p, "person", today())),
            ["person.given_name"]
        );
    }

    #[test]
    fn phones_are_read_in_the_persons_country() {
        let mut p = valid();
        p.country_code = "CH".into();
        p.phones = vec![PhoneNumber {
            original_text: "022 917 12 34".into(),
            ..Default::default()
        }];
        normalize_person(&mut p, "person", today()).unwrap();
        assert_eq!(p.phones[0].e164, "+41229171234");
    }

    #[test]
    fn the_age_bracket_follows_the_birth_date() {
        let mut p = valid();
        p.birth_date = Some(Date {
            year: 2004,
            month: 11,
            day: 26,
        });
        p.age_bracket = AgeBracket::Over35 as i32;
        normalize_person(&mut p, "person", today()).unwrap();
        assert_eq!(p.age_bracket, AgeBracket::AgeBracket18To24 as i32);
        p.birth_date = Some(Date {
            year: 2010,
            month: 1,
            day: 1,
        });
        normalize_person(&mut p, "person", today()).unwrap();
        assert_eq!(p.age_bracket, AgeBracket::Under18 as i32);
        assert_eq!(age_bracket(35), AgeBracket::AgeBracket30To35);
        assert_eq!(age_bracket(36), AgeBracket::Over35);
    }

    #[test]
    fn a_birth_date_in_the_future_or_impossible_is_refused() {
        let mut p = valid();
        p.birth_date = Some(Date {
            year: 2026,
            month: 11,
            day: 26,
        });
        assert_eq!(
            fields(normalize_person(&mut p, "person", today())),
            ["person.birth_date"]
        );
        p.birth_date = Some(Date {
            year: 2001,
            month: 2,
            day: 29,
        });
        assert_eq!(
            fields(normalize_person(&mut p, "person", today())),
            ["person.birth_date"]
        );
    }

    #[test]
    fn several_violations_are_reported_at_once() {
        let mut p = valid();
        p.honorific_prefix = "x".repeat(51);
        p.country_code = "XX".into();
        p.languages = vec!["not a tag".into()];
        p.tags = vec!["ok".into(), "no/slash".into()];
        assert_eq!(
            fields(normalize_person(&mut p, "person", today())),
            [
                "person.honorific_prefix",
                "person.country_code",
                "person.languages[0]",
                "person.tags[1]"
            ]
        );
    }

    fn youth_with_birth_date() -> Person {
        Person {
            given_name: "Ana".into(),
            youth: true,
            birth_date: Some(Date {
                year: 2008,
                month: 5,
                day: 1,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_youth_birth_date_is_withheld_from_non_admins() {
        let mut seen = youth_with_birth_date();
        withhold_birth_date(&mut seen, false);
        assert_eq!(seen.birth_date, None);
        assert!(seen.birth_date_withheld);
        let mut admin = youth_with_birth_date();
        withhold_birth_date(&mut admin, true);
        assert!(admin.birth_date.is_some() && !admin.birth_date_withheld);
        let mut none = Person {
            youth: true,
            ..Default::default()
        };
        withhold_birth_date(&mut none, false);
        assert!(!none.birth_date_withheld);
    }

    #[test]
    fn star_keeps_a_withheld_birth_date_but_naming_it_changes_it() {
        let mut current = youth_with_birth_date();
        let patch = Person {
            given_name: "Ana María".into(),
            youth: true,
            ..Default::default()
        };
        apply_update_person(&mut current, &patch, &mask(&["*"]), false, false);
        assert_eq!(current.given_name, "Ana María");
        assert!(current.birth_date.is_some());
        apply_update_person(&mut current, &patch, &mask(&["birth_date"]), true, false);
        assert_eq!(current.birth_date, None);
        assert!(mask_names_birth_date(Some(&prost_types::FieldMask {
            paths: vec!["notes".into(), "birth_date".into()],
        })));
        assert!(!mask_names_birth_date(Some(&prost_types::FieldMask {
            paths: vec!["*".into()],
        })));
        let mut admin_view = youth_with_birth_date();
        apply_update_person(&mut admin_view, &patch, &mask(&["*"]), false, true);
        assert_eq!(admin_view.birth_date, None);
    }

    #[test]
    fn changes_list_the_fields_that_differ() {
        let old = youth_with_birth_date();
        let mut new = old.clone();
        new.youth = false;
        new.birth_date = None;
        assert_eq!(
            changes_person(&old, &new),
            [
                FieldChange::new("youth", json!(true), json!(false)),
                FieldChange::new("birth_date", json!("2008-05-01"), serde_json::Value::Null),
            ]
        );
        let paths: Vec<_> = created_person(&old).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, ["given_name", "youth", "birth_date"]);
    }
}
