//! The score of a pair of people.

use engage_api::contacts::{MatchKind, Person};
use engage_api::types::Date;

use super::*;

pub(super) const GIVEN_NAME: f64 = 0.3;
pub(super) const FAMILY_NAME: f64 = 0.4;
/// Penalty of a different name part; small, so that a shared email still makes a candidate.
pub(super) const NAME_PART_DIFFERENT: f64 = -0.025;
/// Swapped names are a common data-entry slip but also a weaker signal than a straight match.
pub(super) const SWAPPED_FACTOR: f64 = 0.95;
pub(super) const PERSON_EMAIL_SAME: f64 = 0.7;
pub(super) const PERSON_PHONE_SAME: f64 = 0.4;
pub(super) const PERSON_COUNTRY_SAME: f64 = 0.05;
pub(super) const PERSON_COUNTRY_DIFFERENT: f64 = -0.15;
pub(super) const BIRTH_SAME: f64 = 0.2;
pub(super) const BIRTH_TRANSPOSED: f64 = 0.1;
/// Two different recorded dates of birth are strong evidence of two people.
pub(super) const BIRTH_DIFFERENT: f64 = -0.4;
pub(super) const ORGANIZATION_SAME: f64 = 0.1;
pub(super) const ORGANIZATION_DIFFERENT: f64 = -0.02;

/// A given or family name with its words and their sound.
#[derive(Debug, Clone)]
pub(super) struct NamePart<'a> {
    pub(super) written: &'a str,
    pub(super) words: Words,
    pub(super) sound: String,
}

impl<'a> NamePart<'a> {
    pub(super) fn new(written: &'a str) -> Self {
        let words = words(written);
        Self {
            written,
            sound: phonetic(&words),
            words: Words::new(words),
        }
    }
}

/// A person with what the comparisons need worked out once (name words and sounds, primary
/// address), so that a scan comparing them with many others does not redo it for every pair.
#[derive(Debug, Clone)]
pub struct PreparedPerson<'a> {
    pub(super) person: &'a Person,
    pub(super) given: NamePart<'a>,
    pub(super) family: NamePart<'a>,
    pub(super) address: Option<PreparedAddress<'a>>,
}

impl<'a> PreparedPerson<'a> {
    pub fn new(person: &'a Person) -> Self {
        Self {
            person,
            given: NamePart::new(&person.given_name),
            family: NamePart::new(&person.family_name),
            address: primary_address(&person.addresses).map(PreparedAddress::new),
        }
    }
}

/// How one name part compares with another.
pub(super) fn compare_name_part(a: &NamePart, b: &NamePart) -> (MatchKind, f64) {
    if a.written == b.written {
        return (MatchKind::Exact, 1.0);
    }
    let (wa, wb) = (&a.words.words, &b.words.words);
    if wa == wb {
        return (MatchKind::Normalized, 1.0);
    }
    // "M." against "Maria": an initial.
    let initial_of = |short: &[String], long: &[String]| {
        short.len() == 1
            && short[0].chars().count() == 1
            && long
                .first()
                .is_some_and(|w| w.starts_with(short[0].as_str()))
    };
    if initial_of(wa, wb) || initial_of(wb, wa) {
        return (MatchKind::Abbreviation, 0.8);
    }
    let similarity = name_similarity(&a.words, &b.words);
    // Short names of unlike spelling often share a code ("Yui" and "Aoi", "Ren" and
    // "Rin"): a shared sound counts only for names that are spelt alike as well.
    if !a.sound.is_empty() && a.sound == b.sound && similarity >= FUZZY_FLOOR {
        (MatchKind::Phonetic, similarity.max(SAME_SOUND))
    } else if similarity >= FUZZY_FLOOR {
        (MatchKind::Fuzzy, similarity)
    } else {
        (MatchKind::Different, similarity)
    }
}

pub(super) fn name_part_weight(kind: MatchKind, similarity: f64, full: f64) -> f64 {
    match kind {
        MatchKind::Different => NAME_PART_DIFFERENT,
        MatchKind::Missing => 0.0,
        MatchKind::Abbreviation => full * 0.5,
        _ => full * ramp(similarity, NAME_RAMP_FLOOR),
    }
}

/// Compares given and family names straight and crossed, keeping the better reading.
pub(super) fn compare_person_names<'a>(
    a: &'a PreparedPerson,
    b: &'a PreparedPerson,
) -> Vec<Compared<'a>> {
    let part = |x: &NamePart, y: &NamePart, full: f64| -> (MatchKind, f64, f64) {
        if x.written.is_empty() || y.written.is_empty() {
            (MatchKind::Missing, 0.0, 0.0)
        } else {
            let (kind, similarity) = compare_name_part(x, y);
            (kind, similarity, name_part_weight(kind, similarity, full))
        }
    };
    let given = part(&a.given, &b.given, GIVEN_NAME);
    let family = part(&a.family, &b.family, FAMILY_NAME);
    let straight = given.2 + family.2;

    let crossed_given = part(&a.given, &b.family, GIVEN_NAME);
    let crossed_family = part(&a.family, &b.given, FAMILY_NAME);
    let both_present =
        |x: &PreparedPerson| !x.given.written.is_empty() && !x.family.written.is_empty();
    let crossed = (crossed_given.2 + crossed_family.2) * SWAPPED_FACTOR;
    if both_present(a)
        && both_present(b)
        && crossed > straight
        && crossed_given.0 != MatchKind::Different
        && crossed_family.0 != MatchKind::Different
    {
        return vec![
            field_match(
                "given_name",
                MatchKind::Swapped,
                crossed_given.1,
                crossed_given.2 * SWAPPED_FACTOR,
                a.given.written,
                b.given.written,
            ),
            field_match(
                "family_name",
                MatchKind::Swapped,
                crossed_family.1,
                crossed_family.2 * SWAPPED_FACTOR,
                a.family.written,
                b.family.written,
            ),
        ];
    }
    vec![
        field_match(
            "given_name",
            given.0,
            given.1,
            given.2,
            a.given.written,
            b.given.written,
        ),
        field_match(
            "family_name",
            family.0,
            family.1,
            family.2,
            a.family.written,
            b.family.written,
        ),
    ]
}

pub(super) fn format_date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// True when the two dates are the same but for day and month swapped, or for two adjacent
/// digits swapped: the usual slips when a date is typed.
pub(super) fn transposed(a: &Date, b: &Date) -> bool {
    if a.year == b.year && a.month == b.day && a.day == b.month {
        return true;
    }
    let (da, db): (Vec<char>, Vec<char>) = (
        format_date(a).chars().collect(),
        format_date(b).chars().collect(),
    );
    if da.len() != db.len() {
        return false;
    }
    let differing: Vec<usize> = (0..da.len()).filter(|&i| da[i] != db[i]).collect();
    matches!(differing.as_slice(), [i, j] if *j == i + 1 && da[*i] == db[*j] && da[*j] == db[*i])
}

pub(super) fn compare_birth_dates(
    a: Option<&Date>,
    b: Option<&Date>,
    reveal: bool,
) -> Compared<'static> {
    let shown = |d: Option<&Date>| match d {
        Some(d) if reveal => format_date(d),
        _ => String::new(),
    };
    let (value_a, value_b) = (shown(a), shown(b));
    match (a, b) {
        (Some(da), Some(db)) if da == db => field_match(
            "birth_date",
            MatchKind::Exact,
            1.0,
            BIRTH_SAME,
            value_a,
            value_b,
        ),
        (Some(da), Some(db)) if transposed(da, db) => field_match(
            "birth_date",
            MatchKind::Transposed,
            0.8,
            BIRTH_TRANSPOSED,
            value_a,
            value_b,
        ),
        (Some(_), Some(_)) => field_match(
            "birth_date",
            MatchKind::Different,
            0.0,
            BIRTH_DIFFERENT,
            value_a,
            value_b,
        ),
        _ => missing("birth_date", value_a, value_b),
    }
}

/// Scores a pair of people from their names (straight or swapped), emails, phones, country,
/// date of birth, primary address and primary organisation. Dates of birth always count;
/// `reveal_birth_dates` only decides whether the caller may see them in the matches.
pub fn score_people(a: &Person, b: &Person, reveal_birth_dates: bool) -> Scored {
    score_prepared_people(
        &PreparedPerson::new(a),
        &PreparedPerson::new(b),
        reveal_birth_dates,
    )
}

/// `score_people` of two prepared people.
pub fn score_prepared_people(
    prepared_a: &PreparedPerson,
    prepared_b: &PreparedPerson,
    reveal_birth_dates: bool,
) -> Scored {
    let (a, b) = (prepared_a.person, prepared_b.person);
    let mut matches = compare_person_names(prepared_a, prepared_b);
    matches.push(compare_sets(
        "emails",
        a.emails.iter().map(|e| e.address.as_str()),
        b.emails.iter().map(|e| e.address.as_str()),
        PERSON_EMAIL_SAME,
    ));
    matches.push(compare_sets(
        "phones",
        a.phones.iter().map(|p| p.e164.as_str()),
        b.phones.iter().map(|p| p.e164.as_str()),
        PERSON_PHONE_SAME,
    ));
    matches.push(compare_countries(
        &a.country_code,
        &b.country_code,
        PERSON_COUNTRY_SAME,
        PERSON_COUNTRY_DIFFERENT,
    ));
    matches.push(compare_birth_dates(
        a.birth_date.as_ref(),
        b.birth_date.as_ref(),
        reveal_birth_dates,
    ));
    let (address_a, address_b) = (prepared_a.address.as_ref(), prepared_b.address.as_ref());
    matches.push(compare_postal_codes(address_a, address_b));
    matches.push(compare_address_lines(address_a, address_b));
    let (org_a, org_b) = (&a.primary_organization, &b.primary_organization);
    matches.push(if org_a.is_empty() || org_b.is_empty() {
        missing("primary_organization", org_a, org_b)
    } else if org_a == org_b {
        field_match(
            "primary_organization",
            MatchKind::Exact,
            1.0,
            ORGANIZATION_SAME,
            org_a,
            org_b,
        )
    } else {
        field_match(
            "primary_organization",
            MatchKind::Different,
            0.0,
            ORGANIZATION_DIFFERENT,
            org_a,
            org_b,
        )
    });
    finish(matches)
}
