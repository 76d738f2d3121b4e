use engage_api::contacts::Organization;

use super::*;

fn org(name: &str) -> Organization {
    Organization {
        display_name: name.into(),
        country_code: "FR".into(),
        ..Default::default()
    }
}

#[test]
fn names_that_differ_by_a_number_are_different_organisations() {
    for (a, b) in [
        ("Organisation 12", "Organisation 13"),
        ("Partner 0001", "Partner 0002"),
    ] {
        let (a, b) = (org(a), org(b));
        let keys_b = organization_blocking_keys(&b);
        assert!(
            organization_blocking_keys(&a)
                .iter()
                .all(|k| !keys_b.contains(k)),
            "{a:?} and {b:?} share a blocking key"
        );
        let score = score_organizations(&a, &b).score;
        assert!(score < Thresholds::default().possible, "{score}");
    }
    let same = score_organizations(&org("Section 12 Paris"), &org("Section 12, Paris"));
    assert!(same.score >= Thresholds::default().likely, "{}", same.score);
}
