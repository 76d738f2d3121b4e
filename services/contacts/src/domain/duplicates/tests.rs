use engage_api::contacts::{
    DuplicateBand, EmailAddress, MatchKind, Organization, Person, PhoneNumber, PostalAddress,
};
use engage_api::types::Date;

use super::*;

fn keys(records: &[&[&str]]) -> Vec<Vec<String>> {
    records
        .iter()
        .map(|k| k.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn records_sharing_any_key_pair_once_and_too_common_keys_pair_none() {
    let shared = keys(&[&["a", "b"], &["a", "b"], &["b"], &["c"]]);
    assert_eq!(pairs_sharing_a_key(shared, 200), [(0, 1), (0, 2), (1, 2)]);
    let common = keys(&[&["x"], &["x"], &["x", "y"], &["y"]]);
    assert_eq!(pairs_sharing_a_key(common, 2), [(2, 3)]);
}

fn org(name: &str, country: &str) -> Organization {
    Organization {
        display_name: name.to_string(),
        country_code: country.to_string(),
        ..Default::default()
    }
}

fn person(given: &str, family: &str) -> Person {
    Person {
        given_name: given.to_string(),
        family_name: family.to_string(),
        ..Default::default()
    }
}

fn date(year: i32, month: i32, day: i32) -> Date {
    Date { year, month, day }
}

fn kind_of(scored: &Scored, field: &str) -> MatchKind {
    scored
        .matches
        .iter()
        .find(|m| m.field == field)
        .and_then(|m| MatchKind::try_from(m.kind).ok())
        .unwrap_or(MatchKind::Unspecified)
}

fn share_key(a: &[String], b: &[String]) -> bool {
    a.iter().any(|k| b.contains(k))
}

fn bands() -> Thresholds {
    Thresholds::default()
}

#[test]
fn same_name_without_accents_in_same_country_is_likely() {
    let a = org("Asociación Niños del Sur", "AR");
    let b = org("Asociacion Ninos del Sur", "AR");
    let scored = score_organizations(&a, &b);
    assert_eq!(band(scored.score, &bands()), Some(DuplicateBand::Likely));
    assert_eq!(kind_of(&scored, "display_name"), MatchKind::Normalized);
    assert!(share_key(
        &organization_blocking_keys(&a),
        &organization_blocking_keys(&b)
    ));
}

#[test]
fn a_typo_in_the_name_is_still_a_candidate() {
    let a = org("Asociación Niños del Sur", "AR");
    let b = org("Asociacion Ninos del Sud", "AR");
    let scored = score_organizations(&a, &b);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    assert!(share_key(
        &organization_blocking_keys(&a),
        &organization_blocking_keys(&b)
    ));
}

#[test]
fn an_acronym_matches_the_full_name_as_an_abbreviation() {
    let a = org("ANS", "AR");
    let mut b = org("Asociación Niños del Sur", "AR");
    b.acronym = "ANS".to_string();
    let scored = score_organizations(&a, &b);
    assert_eq!(kind_of(&scored, "display_name"), MatchKind::Abbreviation);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    assert!(share_key(
        &organization_blocking_keys(&a),
        &organization_blocking_keys(&b)
    ));

    // Without an acronym recorded, the initials of the name are used.
    let c = org("Asociación Niños del Sur", "");
    let scored = score_organizations(&a, &c);
    assert_eq!(kind_of(&scored, "display_name"), MatchKind::Abbreviation);
    // An acronym on one side and a full name on the other.
    let mut d = org("Asociacion Ninos del Sur", "AR");
    d.acronym = "ANS".to_string();
    let scored = score_organizations(&d, &org("Asociación Niños del Sur", "AR"));
    assert_eq!(kind_of(&scored, "acronym"), MatchKind::Abbreviation);
}

#[test]
fn names_that_differ_in_their_distinctive_word_are_not_candidates() {
    for (a, b) in [
        ("Colectivo Lope Caminos", "Colectivo Mira Caminos"),
        ("Fundación Agua Clara", "Fundación Agua Viva"),
    ] {
        let scored = score_organizations(&org(a, "MX"), &org(b, "MX"));
        assert_eq!(band(scored.score, &bands()), None, "{a} ~ {b}: {scored:?}");
    }
    // A typo in that word still leaves a candidate.
    let scored = score_organizations(
        &org("Colectivo Lope Caminos", "MX"),
        &org("Colectivo Lopa Caminos", "MX"),
    );
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
}

#[test]
fn a_shorter_form_of_the_name_is_a_candidate() {
    let scored = score_organizations(&org("Oxfam", "GB"), &org("Oxfam International", "GB"));
    assert_eq!(kind_of(&scored, "display_name"), MatchKind::Fuzzy);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
}

#[test]
fn different_organisations_in_different_countries_are_not_candidates() {
    let a = org("Asociación Niños del Sur", "AR");
    let b = org("Global Youth Climate Network", "DE");
    let scored = score_organizations(&a, &b);
    assert_eq!(band(scored.score, &bands()), None, "{scored:?}");
    assert!(!share_key(
        &organization_blocking_keys(&a),
        &organization_blocking_keys(&b)
    ));
}

#[test]
fn legal_forms_and_word_order_do_not_matter_for_keys() {
    let a = org("Stiftung Kinderhilfe e.V.", "DE");
    let b = org("Kinderhilfe Foundation", "DE");
    let keys_a = organization_blocking_keys(&a);
    assert!(keys_a.contains(&"n:kinderhilfe".to_string()), "{keys_a:?}");
    assert!(share_key(&keys_a, &organization_blocking_keys(&b)));
    assert!(!keys_a.iter().any(|k| k == "DE" || k.ends_with(":DE")));
}

#[test]
fn website_domain_key_drops_www_and_scheme() {
    let mut a = org("A", "");
    a.website = "https://www.ninosdelsur.org/about".to_string();
    let mut b = org("B", "");
    b.website = "ninosdelsur.org".to_string();
    let keys = organization_blocking_keys(&a);
    assert!(keys.contains(&"d:ninosdelsur.org".to_string()));
    assert!(share_key(&keys, &organization_blocking_keys(&b)));
}

#[test]
fn shared_email_alone_is_at_least_possible() {
    let email = |address: &str| EmailAddress {
        address: address.to_string(),
        primary: true,
        ..Default::default()
    };
    let mut a = org("Red Juvenil del Pacífico", "");
    a.emails = vec![email("contacto@rjp.org")];
    let mut b = org("Pacific Youth Network", "");
    b.emails = vec![email("contacto@rjp.org")];
    let scored = score_organizations(&a, &b);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    assert_eq!(scored.matches[0].field, "emails");

    let mut p = person("Ana", "Pérez");
    p.emails = vec![email("ana@example.org")];
    let mut q = person("Lucía", "Gómez");
    q.emails = vec![email("ana@example.org")];
    let scored = score_people(&p, &q, false);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    assert!(share_key(
        &person_blocking_keys(&p),
        &person_blocking_keys(&q)
    ));
}

#[test]
fn swapped_given_and_family_names_are_recognised() {
    let a = person("Maria", "Garcia");
    let b = person("Garcia", "Maria");
    let scored = score_people(&a, &b, true);
    assert_eq!(kind_of(&scored, "given_name"), MatchKind::Swapped);
    assert_eq!(kind_of(&scored, "family_name"), MatchKind::Swapped);
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    assert!(share_key(
        &person_blocking_keys(&a),
        &person_blocking_keys(&b)
    ));
}

#[test]
fn short_names_that_only_share_a_sound_code_are_not_phonetic_matches() {
    let scored = score_people(
        &person("Yui", "Kobayashi"),
        &person("Aoi", "Kobayashi"),
        true,
    );
    assert_eq!(kind_of(&scored, "given_name"), MatchKind::Different);
    assert_eq!(band(scored.score, &bands()), None, "{scored:?}");
    let scored = score_people(&person("Lena", "Meier"), &person("Lena", "Mayer"), true);
    assert_eq!(kind_of(&scored, "family_name"), MatchKind::Phonetic);
}

#[test]
fn day_and_month_swapped_is_a_transposed_date() {
    let mut a = person("María", "García");
    a.birth_date = Some(date(1990, 3, 12));
    let mut b = person("Maria", "Garcia");
    b.birth_date = Some(date(1990, 12, 3));
    let scored = score_people(&a, &b, true);
    assert_eq!(kind_of(&scored, "birth_date"), MatchKind::Transposed);
    let birth = scored.matches.iter().find(|m| m.field == "birth_date");
    assert_eq!(birth.map(|m| m.value_a.as_str()), Some("1990-03-12"));
    assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    // Both dates give the same blocking key.
    assert!(person_blocking_keys(&a).contains(&"b:1990-03-12".to_string()));
    assert!(person_blocking_keys(&b).contains(&"b:1990-03-12".to_string()));

    // Adjacent digits swapped.
    assert!(transposed(&date(1990, 3, 12), &date(1990, 3, 21)));
    assert!(transposed(&date(1990, 3, 12), &date(1909, 3, 12)));
    assert!(!transposed(&date(1990, 3, 12), &date(1991, 4, 12)));
}

#[test]
fn withheld_birth_dates_count_but_are_not_shown() {
    let mut a = person("Maria", "Garcia");
    a.birth_date = Some(date(2005, 1, 2));
    let mut b = person("Maria", "Garcia");
    b.birth_date = Some(date(2007, 8, 9));
    let scored = score_people(&a, &b, false);
    let birth = scored.matches.iter().find(|m| m.field == "birth_date");
    assert_eq!(birth.map(|m| m.value_a.as_str()), Some(""));
    assert_eq!(kind_of(&scored, "birth_date"), MatchKind::Different);
    assert!(birth.is_some_and(|m| m.weight < 0.0));
    assert!(scored.score < bands().likely);
}

#[test]
fn matches_are_sorted_by_weight_and_score_is_bounded() {
    let mut a = person("Maria", "Garcia");
    let mut b = person("María", "García");
    let phone = PhoneNumber {
        e164: "+5491122334455".to_string(),
        ..Default::default()
    };
    a.phones = vec![phone.clone()];
    b.phones = vec![phone];
    a.country_code = "AR".to_string();
    b.country_code = "AR".to_string();
    let scored = score_people(&a, &b, true);
    assert!((0.0..=1.0).contains(&scored.score));
    assert!(
        scored
            .matches
            .windows(2)
            .all(|w| w[0].weight >= w[1].weight)
    );
    assert_eq!(band(scored.score, &bands()), Some(DuplicateBand::Likely));
}

#[test]
fn person_keys_are_selective() {
    let mut p = person("Maria", "Garcia");
    p.country_code = "AR".to_string();
    p.addresses = vec![PostalAddress {
        postal_code: "C1000".to_string(),
        country_code: "AR".to_string(),
        ..Default::default()
    }];
    let keys = person_blocking_keys(&p);
    assert!(keys.iter().all(|k| k.len() > 3 && k != "AR"), "{keys:?}");
    assert!(keys.contains(&"z:C1000:AR:g".to_string()), "{keys:?}");
    // An initial instead of the given name still meets the full name.
    let q = person("M.", "García");
    assert!(share_key(&keys, &person_blocking_keys(&q)));
}

#[test]
fn the_bound_of_the_edit_similarity_is_never_below_it() {
    let words = |text: &str| Words::new(words(text));
    for (a, b) in [
        ("ninos del sur", "ninos del sud"),
        ("greenpeace", "green peace"),
        ("abcd", "badc"),
        ("red juvenil lope", "red juvenil mira"),
        ("oxfam", "oxfam international"),
        ("calle 12", "calle 21"),
        ("", "sur"),
        ("", ""),
    ] {
        let (a, b) = (words(a), words(b));
        let exact = strsim::normalized_damerau_levenshtein(&a.joined, &b.joined);
        let bound = whole_similarity_at_most(&a, &b);
        assert!(bound >= exact, "{a:?} {b:?}: {bound} < {exact}");
    }
    // Names of other letters are bounded well below 1, so the edit distance is skipped.
    let bound = whole_similarity_at_most(&words("red juvenil lope"), &words("red juvenil mira"));
    assert!(bound < 0.8, "{bound}");
}

#[test]
fn a_pair_found_below_the_lowest_score_early_is_below_it() {
    let mut with_email = org("Red Juvenil del Pacífico", "MX");
    with_email.emails = vec![EmailAddress {
        address: "contacto@rjp.org".to_string(),
        ..Default::default()
    }];
    let mut with_address = org("Red Juvenil Lope", "MX");
    with_address.addresses = vec![PostalAddress {
        address_lines: vec!["Calle Luna 12".to_string()],
        postal_code: "06700".to_string(),
        country_code: "MX".to_string(),
        ..Default::default()
    }];
    let records = [
        with_email.clone(),
        with_address.clone(),
        org("Red Juvenil Mira", "MX"),
        org("Red Juvenil Lopa", "MX"),
        org("Red Juvenil Lope", "AR"),
        org("RJP", "MX"),
        org("Green Peace", "MX"),
        org("Greenpeace", "MX"),
        Organization {
            alternative_names: vec!["Red Juvenil Lope".to_string()],
            ..org("Colectivo Caminos", "MX")
        },
        Organization {
            emails: with_email.emails.clone(),
            ..org("Pacific Youth Network", "")
        },
    ];
    let prepared: Vec<PreparedOrganization> =
        records.iter().map(PreparedOrganization::new).collect();
    let (mut kept, mut dropped) = (0, 0);
    for a in &prepared {
        for b in &prepared {
            let full = score_prepared_organizations(a, b);
            let lowest = bands().possible;
            let early = score_prepared_organizations_reaching(a, b, lowest);
            if full.score >= lowest {
                assert_eq!(early.as_ref(), Some(&full));
                kept += 1;
            } else {
                assert_eq!(early, None, "{full:?}");
                dropped += 1;
            }
        }
    }
    assert!(kept > 0 && dropped > 0);
}

#[test]
fn bands_follow_thresholds() {
    let t = Thresholds::default();
    assert_eq!(band(0.85, &t), Some(DuplicateBand::Likely));
    assert_eq!(band(0.6, &t), Some(DuplicateBand::Possible));
    assert_eq!(band(0.59, &t), None);
}
