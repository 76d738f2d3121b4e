//! What a valid organisation is, how its values are normalised, how an Update applies, and
//! what its audit entries record.

use engage_api::contacts::{EcosocStatus, Organization};
use engage_api::types::Sector;
use engage_platform::Violation;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::FieldChange;

use super::audit::{self, AuditValues};
use super::contact_points as rules;

/// The paths UpdateOrganization accepts in its mask (list fields are replaced whole).
pub const UPDATABLE_FIELDS: &[&str] = &[
    "display_name",
    "acronym",
    "alternative_names",
    "sector",
    "country_code",
    "website",
    "emails",
    "phones",
    "addresses",
    "thematic_areas",
    "tags",
    "ecosoc_status",
    "ecosoc_status_year",
    "external_id",
    "description",
];

/// Longest organisation name (also each alternative name).
pub const MAX_NAME_LEN: usize = 300;
/// Longest acronym.
pub const MAX_ACRONYM_LEN: usize = 32;
/// Most alternative names.
pub const MAX_ALTERNATIVE_NAMES: usize = 20;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 10_000;
/// The year ECOSOC first granted consultative status.
pub const FIRST_ECOSOC_YEAR: i32 = 1946;

/// Normalises the writable fields of `organization` (trimming, upper-cased country and its
/// regional group, lower-cased emails, parsed phones, website scheme, sorted tags, …) and
/// checks every limit of the contract. `prefix` is the organisation's path in the request
/// (`organization`). All violations are reported together. Output-only fields other than
/// `regional_group` are left for the caller.
pub fn normalize_organization(
    organization: &mut Organization,
    prefix: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let o = organization;
    let field = |name: &str| format!("{prefix}.{name}");

    rules::text(
        &mut out,
        &field("display_name"),
        &mut o.display_name,
        true,
        MAX_NAME_LEN,
    );
    rules::text(
        &mut out,
        &field("acronym"),
        &mut o.acronym,
        false,
        MAX_ACRONYM_LEN,
    );
    alternative_names(
        &mut out,
        &field("alternative_names"),
        &mut o.alternative_names,
    );
    rules::enum_value::<Sector>(&mut out, &field("sector"), o.sector, true);
    o.regional_group =
        rules::country(&mut out, &field("country_code"), &mut o.country_code, false) as i32;
    rules::website(&mut out, &field("website"), &mut o.website);
    rules::emails(&mut out, prefix, &mut o.emails);
    rules::phones(&mut out, prefix, &mut o.phones, &o.country_code);
    rules::addresses(&mut out, prefix, &mut o.addresses);
    rules::thematic_areas(&mut out, prefix, &mut o.thematic_areas);
    rules::tags(&mut out, prefix, &mut o.tags);
    rules::enum_value::<EcosocStatus>(&mut out, &field("ecosoc_status"), o.ecosoc_status, false);
    ecosoc_year(&mut out, &field("ecosoc_status_year"), o, today);
    rules::external_id(&mut out, &field("external_id"), &mut o.external_id);
    rules::text(
        &mut out,
        &field("description"),
        &mut o.description,
        false,
        MAX_DESCRIPTION_LEN,
    );

    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Trims alternative names, drops blank ones and repeats, and checks their number and length.
fn alternative_names(out: &mut Vec<Violation>, field: &str, names: &mut Vec<String>) {
    for name in names.iter_mut() {
        rules::trim(name);
    }
    names.retain(|n| !n.is_empty());
    let mut kept: Vec<String> = Vec::with_capacity(names.len());
    for name in names.drain(..) {
        if !kept.contains(&name) {
            kept.push(name);
        }
    }
    rules::count(
        out,
        field,
        kept.len(),
        MAX_ALTERNATIVE_NAMES,
        "alternative names",
    );
    for (i, name) in kept.iter_mut().enumerate() {
        rules::text(out, &format!("{field}[{i}]"), name, false, MAX_NAME_LEN);
    }
    *names = kept;
}

fn ecosoc_year(out: &mut Vec<Violation>, field: &str, o: &Organization, today: time::Date) {
    let year = o.ecosoc_status_year;
    if year == 0 {
        return;
    }
    let has_status = !matches!(
        EcosocStatus::try_from(o.ecosoc_status),
        Ok(EcosocStatus::Unspecified | EcosocStatus::None) | Err(_)
    );
    if !has_status {
        out.push(Violation::new(
            field,
            "must be 0 when the organisation has no ECOSOC status",
        ));
    } else if !(FIRST_ECOSOC_YEAR..=today.year()).contains(&year) {
        out.push(Violation::new(
            field,
            format!("must be from {FIRST_ECOSOC_YEAR} to {}", today.year()),
        ));
    }
}

/// Copies the fields named in `mask` from `patch` into `current`; list fields are replaced
/// whole.
pub fn apply_update_organization(
    current: &mut Organization,
    patch: &Organization,
    mask: &UpdateMask,
) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(
        mask,
        current,
        patch,
        [
            display_name,
            acronym,
            alternative_names,
            sector,
            country_code,
            website,
            emails,
            phones,
            addresses,
            thematic_areas,
            tags,
            ecosoc_status,
            ecosoc_status_year,
            external_id,
            description,
        ]
    );
}

/// The audit value of every updatable field, in [`UPDATABLE_FIELDS`] order.
pub fn audit_values_organization(o: &Organization) -> AuditValues {
    vec![
        ("display_name", audit::text(&o.display_name)),
        ("acronym", audit::text(&o.acronym)),
        ("alternative_names", audit::texts(&o.alternative_names)),
        ("sector", audit::enum_name(o.sector, Sector::as_str_name)),
        ("country_code", audit::text(&o.country_code)),
        ("website", audit::text(&o.website)),
        ("emails", audit::emails(&o.emails)),
        ("phones", audit::phones(&o.phones)),
        ("addresses", audit::addresses(&o.addresses)),
        ("thematic_areas", audit::thematic_areas(&o.thematic_areas)),
        ("tags", audit::texts(&o.tags)),
        (
            "ecosoc_status",
            audit::enum_name(o.ecosoc_status, EcosocStatus::as_str_name),
        ),
        ("ecosoc_status_year", audit::number(o.ecosoc_status_year)),
        ("external_id", audit::text(&o.external_id)),
        ("description", audit::text(&o.description)),
    ]
}

/// The updatable fields that differ between two versions of an organisation.
pub fn changes_organization(old: &Organization, new: &Organization) -> Vec<FieldChange> {
    audit::changes(
        audit_values_organization(old),
        audit_values_organization(new),
    )
}

/// The fields a Create set.
pub fn created_organization(o: &Organization) -> Vec<FieldChange> {
    audit::created(audit_values_organization(o))
}

#[cfg(test)]
mod tests {
    use engage_api::contacts::{EmailAddress, PhoneNumber};
    use engage_api::types::RegionalGroup;
    use serde_json::json;

    use super::*;

    fn today() -> time::Date {
        super::super::dates::to_date(&engage_api::types::Date {
            year: 2026,
            month: 11,
            day: 25,
        })
        .unwrap()
    }

    fn valid() -> Organization {
        Organization {
            display_name: "  Asociación Niños del Sur ".into(),
            acronym: "ANS".into(),
            sector: Sector::Ngo as i32,
            country_code: "ch".into(),
            website: "example.org".into(),
            phones: vec![PhoneNumber {
                original_text: "022 917 12 34".into(),
                ..Default::default()
            }],
            tags: vec!["Donor".into(), "donor ".into()],
            ..Default::default()
        }
    }

    fn fields(result: Result<(), Vec<Violation>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn a_valid_organisation_is_normalised() {
        let mut o = valid();
        normalize_organization(&mut o, "organization", today()).unwrap();
        assert_eq!(o.display_name, "Asociación Niños del Sur");
        assert_eq!(o.country_code, "CH");
        assert_eq!(
            o.regional_group,
            RegionalGroup::WesternEuropeanOthers as i32
        );
        assert_eq!(o.website, "https://example.org");
        assert_eq!(o.phones[0].e164, "+41229171234");
        assert_eq!(o.tags, ["donor"]);
    }

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let mut o = Organization {
            display_name: "  ".into(),
            acronym: "A".repeat(33),
            country_code: "XX".into(),
            emails: vec![
                EmailAddress {
                    address: "ok@example.org".into(),
                    ..Default::default()
                },
                EmailAddress {
                    address: "bad@".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            fields(normalize_organization(&mut o, "organization", today())),
            [
                "organization.display_name",
                "organization.acronym",
                "organization.sector",
                "organization.country_code",
                "organization.emails[1].address",
            ]
        );
    }

    #[test]
    fn ecosoc_year_needs_a_status_and_a_plausible_year() {
        let mut o = valid();
        o.ecosoc_status_year = 2000;
        assert_eq!(
            fields(normalize_organization(&mut o, "organization", today())),
            ["organization.ecosoc_status_year"]
        );
        o.ecosoc_status = EcosocStatus::Special as i32;
        assert!(normalize_organization(&mut o, "organization", today()).is_ok());
        o.ecosoc_status_year = 1945;
        assert!(normalize_organization(&mut o, "organization", today()).is_err());
    }

    #[test]
    fn alternative_names_drop_blanks_and_repeats() {
        let mut o = valid();
        o.alternative_names = vec!["ANS ".into(), "".into(), "ANS".into(), "Niños".into()];
        normalize_organization(&mut o, "organization", today()).unwrap();
        assert_eq!(o.alternative_names, ["ANS", "Niños"]);
    }

    #[test]
    fn an_update_copies_only_masked_fields_and_is_audited() {
        let mut current = valid();
        normalize_organization(&mut current, "organization", today()).unwrap();
        let old = current.clone();
        let patch = Organization {
            acronym: "NEW".into(),
            display_name: "ignored".into(),
            ..Default::default()
        };
        let mask = UpdateMask::parse(
            Some(&prost_types::FieldMask {
                paths: vec!["acronym".into()],
            }),
            UPDATABLE_FIELDS,
        )
        .unwrap();
        apply_update_organization(&mut current, &patch, &mask);
        assert_eq!(current.acronym, "NEW");
        assert_eq!(current.display_name, old.display_name);
        assert_eq!(
            changes_organization(&old, &current),
            [FieldChange::new("acronym", json!("ANS"), json!("NEW"))]
        );
    }

    #[test]
    fn a_create_records_every_set_field() {
        let mut o = valid();
        normalize_organization(&mut o, "organization", today()).unwrap();
        let created = created_organization(&o);
        let paths: Vec<_> = created.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "display_name",
                "acronym",
                "sector",
                "country_code",
                "website",
                "phones",
                "tags"
            ]
        );
        assert_eq!(created[2].new, json!("SECTOR_NGO"));
        assert_eq!(audit_values_organization(&o).len(), UPDATABLE_FIELDS.len());
    }
}
