//! The rules of a registration: where a new one goes (seat, waitlist or refusal), which
//! status changes are allowed, badge codes, and the registration form.

use engage_api::briefings::{Event, NewPerson, RegistrationStatus};
use engage_platform::{Error, Violations};

use super::{check_email, check_language, check_len, precondition};
use crate::store::StatusCounts;

/// The fields UpdateRegistration may change.
pub const UPDATABLE: &[&str] = &["organization", "gender", "accessibility_needs", "notes"];

/// Where a new registration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// It holds a seat.
    Registered,
    /// It waits at this 1-based position.
    Waitlisted(i32),
}

/// Decides a new registration from the event's settings and its current counts (read in
/// the same transaction, with the event locked): the per-organisation limit first, then
/// capacity, then the waitlist.
pub fn place(
    event: &Event,
    counts: &StatusCounts,
    organization_count: Option<i64>,
) -> Result<Placement, Error> {
    if let (Some(count), Some(limit)) = (organization_count, event.per_organization_limit)
        && limit > 0
        && count >= i64::from(limit)
    {
        return Err(precondition(
            "ORGANIZATION_LIMIT_REACHED",
            format!(
                "the organisation already has {count} registrations, the event's limit is {limit}"
            ),
        ));
    }
    if event.capacity == 0 || counts.seats_held() < i64::from(event.capacity) {
        return Ok(Placement::Registered);
    }
    if !event.waitlist_enabled {
        return Err(precondition(
            "EVENT_FULL",
            format!(
                "all {} seats are taken and the event has no waitlist",
                event.capacity
            ),
        ));
    }
    if event.waitlist_capacity > 0 && counts.waitlisted >= i64::from(event.waitlist_capacity) {
        return Err(precondition(
            "WAITLIST_FULL",
            format!("the waitlist is full ({} waiting)", counts.waitlisted),
        ));
    }
    Ok(Placement::Waitlisted(
        i32::try_from(counts.waitlisted + 1).unwrap_or(i32::MAX),
    ))
}

/// How many waitlisted registrations a capacity of `capacity` admits now.
pub fn free_seats(capacity: i32, counts: &StatusCounts) -> i64 {
    if capacity == 0 {
        counts.waitlisted
    } else {
        (i64::from(capacity) - counts.seats_held()).clamp(0, counts.waitlisted)
    }
}

fn status_of(status: i32) -> RegistrationStatus {
    RegistrationStatus::try_from(status).unwrap_or(RegistrationStatus::Unspecified)
}

/// FAILED_PRECONDITION REGISTRATION_FINAL unless the registration is REGISTERED or
/// WAITLISTED (what can still be cancelled or moved to another organisation).
pub fn check_live(status: i32, what: &str) -> Result<(), Error> {
    match status_of(status) {
        RegistrationStatus::Registered | RegistrationStatus::Waitlisted => Ok(()),
        other => Err(precondition(
            "REGISTRATION_FINAL",
            format!("a registration that is {} cannot {what}", word(other)),
        )),
    }
}

/// Whether a check-in changes the registration (`Ok(true)`), finds it attended already
/// (`Ok(false)`), or is refused.
pub fn check_in(status: i32) -> Result<bool, Error> {
    match status_of(status) {
        RegistrationStatus::Registered | RegistrationStatus::NoShow => Ok(true),
        RegistrationStatus::Attended => Ok(false),
        RegistrationStatus::Waitlisted => Err(precondition(
            "REGISTRATION_WAITLISTED",
            "the participant is on the waitlist: raise the capacity to admit them",
        )),
        _ => Err(precondition(
            "REGISTRATION_CANCELLED",
            "the registration is cancelled",
        )),
    }
}

/// Whether marking a no-show changes the registration (`Ok(true)`), finds it marked
/// already (`Ok(false)`), or is refused; `ended` says whether the event is over.
pub fn mark_no_show(status: i32, ended: bool, name: &str) -> Result<bool, Error> {
    if !ended {
        return Err(precondition(
            "EVENT_NOT_ENDED",
            "no-shows are marked once the event has ended",
        ));
    }
    match status_of(status) {
        RegistrationStatus::Registered => Ok(true),
        RegistrationStatus::NoShow => Ok(false),
        other => Err(precondition(
            "INVALID_TRANSITION",
            format!("{name} is {} and cannot be marked no-show", word(other)),
        )),
    }
}

/// A status in words, for messages.
pub fn word(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Registered => "registered",
        RegistrationStatus::Waitlisted => "waitlisted",
        RegistrationStatus::Cancelled => "cancelled",
        RegistrationStatus::Attended => "attended",
        RegistrationStatus::NoShow => "no_show",
        RegistrationStatus::Unspecified => "unknown",
    }
}

/// Crockford base32 without I, L, O, U.
const BADGE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new random badge code.
pub fn new_badge_code() -> String {
    (0..8)
        .map(|_| BADGE_ALPHABET[rand::random_range(0..BADGE_ALPHABET.len())] as char)
        .collect()
}

/// A badge code as typed (any case, with spaces or hyphens, I/L read as 1 and O as 0) in
/// the form it is stored, or `None` when it cannot be one.
pub fn normalize_badge_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect();
    (code.len() == 8 && code.bytes().all(|b| BADGE_ALPHABET.contains(&b))).then_some(code)
}

/// A phone number in E.164 form: `+` and 7 to 15 digits.
fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Checks the registration form's new person.
pub fn check_new_person(person: &mut NewPerson) -> Result<(), Error> {
    let mut v = Violations::new();
    let field = |f: &str| format!("new_person.{f}");
    person.given_name = person.given_name.trim().to_owned();
    person.family_name = person.family_name.trim().to_owned();
    person.email = person.email.trim().to_owned();
    if person.given_name.is_empty() || person.given_name.chars().count() > 100 {
        v.add(field("given_name"), "is required, 1 to 100 characters");
    }
    check_len(&mut v, &field("family_name"), &person.family_name, 100);
    if person.email.is_empty() || !check_email(&person.email) {
        v.add(field("email"), "is required: a valid email address");
    }
    if !person.phone.is_empty() && !is_e164(&person.phone) {
        v.add(field("phone"), "must be in E.164 form, such as +431260600");
    }
    if !person.country_code.is_empty()
        && engage_platform::regions::country_name(&person.country_code).is_none()
    {
        v.add(
            field("country_code"),
            "is not a known ISO 3166-1 alpha-2 code",
        );
    }
    check_len(&mut v, &field("job_title"), &person.job_title, 200);
    if !person.preferred_language.is_empty() && !check_language(&person.preferred_language) {
        v.add(field("preferred_language"), "is not a BCP 47 tag");
    }
    if !person.consent_given {
        v.add(
            field("consent_given"),
            "must be true: the participant agrees that engage stores their data for this event",
        );
    }
    v.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(capacity: i32, waitlist: bool, waitlist_capacity: i32) -> Event {
        Event {
            capacity,
            waitlist_enabled: waitlist,
            waitlist_capacity,
            per_organization_limit: Some(2),
            ..Default::default()
        }
    }

    fn counts(registered: i64, waitlisted: i64) -> StatusCounts {
        StatusCounts {
            registered,
            waitlisted,
            ..Default::default()
        }
    }

    fn reason(result: Result<Placement, Error>) -> &'static str {
        match result {
            Err(Error::FailedPrecondition { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn seats_then_waitlist_then_refusals() {
        let e = event(2, true, 1);
        assert_eq!(
            place(&e, &counts(1, 0), None).unwrap(),
            Placement::Registered
        );
        assert_eq!(
            place(&e, &counts(2, 0), None).unwrap(),
            Placement::Waitlisted(1)
        );
        assert_eq!(reason(place(&e, &counts(2, 1), None)), "WAITLIST_FULL");
        assert_eq!(
            reason(place(&event(2, false, 0), &counts(2, 0), None)),
            "EVENT_FULL"
        );
        assert_eq!(
            reason(place(&e, &counts(0, 0), Some(2))),
            "ORGANIZATION_LIMIT_REACHED"
        );
        let unlimited = event(0, false, 0);
        assert_eq!(
            place(&unlimited, &counts(10_000, 0), None).unwrap(),
            Placement::Registered
        );
    }

    #[test]
    fn attended_and_no_shows_hold_seats() {
        let held = StatusCounts {
            attended: 1,
            no_show: 1,
            ..Default::default()
        };
        assert_eq!(
            reason(place(&event(2, false, 0), &held, None)),
            "EVENT_FULL"
        );
        assert_eq!(free_seats(3, &counts(1, 5)), 2);
        assert_eq!(free_seats(3, &counts(1, 1)), 1);
        assert_eq!(free_seats(0, &counts(1, 4)), 4);
        assert_eq!(free_seats(1, &counts(3, 4)), 0);
    }

    #[test]
    fn check_in_and_no_show_follow_the_status_rules() {
        use RegistrationStatus as S;
        assert!(check_in(S::Registered as i32).unwrap());
        assert!(check_in(S::NoShow as i32).unwrap());
        assert!(!check_in(S::Attended as i32).unwrap());
        assert!(check_in(S::Cancelled as i32).is_err());
        assert!(check_in(S::Waitlisted as i32).is_err());
        assert!(mark_no_show(S::Registered as i32, false, "r").is_err());
        assert!(mark_no_show(S::Registered as i32, true, "r").unwrap());
        assert!(!mark_no_show(S::NoShow as i32, true, "r").unwrap());
        assert!(mark_no_show(S::Attended as i32, true, "r").is_err());
    }

    #[test]
    fn badge_codes_are_read_leniently() {
        let code = new_badge_code();
        assert_eq!(
            normalize_badge_code(&code.to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(
            normalize_badge_code("abcd-efgh").as_deref(),
            Some("ABCDEFGH")
        );
        assert_eq!(
            normalize_badge_code("0OIL 2345").as_deref(),
            Some("00112345")
        );
        assert_eq!(normalize_badge_code("ABCDEFGU"), None);
        assert_eq!(normalize_badge_code("ABC"), None);
    }

    #[test]
    fn the_form_needs_a_name_an_email_and_consent() {
        let mut person = NewPerson {
            given_name: " Ana ".into(),
            email: "ana@example.org".into(),
            consent_given: true,
            ..Default::default()
        };
        check_new_person(&mut person).unwrap();
        assert_eq!(person.given_name, "Ana");
        person.consent_given = false;
        person.email = "nope".into();
        let Err(Error::InvalidArgument(v)) = check_new_person(&mut person) else {
            panic!("refused")
        };
        let fields: Vec<_> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["new_person.email", "new_person.consent_given"]);
    }
}
