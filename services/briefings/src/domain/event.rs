//! The rules of an event: which fields are valid, which life-cycle steps are allowed, and
//! when registration is open.

use std::collections::HashSet;

use engage_api::briefings::{AttendanceMode, Event, EventKind, EventStatus, Venue};
use engage_api::types::ThematicArea;
use engage_platform::resource::micros;
use engage_platform::{Error, Violations};

use super::{check_email, check_https_url, check_language, check_len, precondition};

/// The per-organisation limit when an event does not set one.
pub const DEFAULT_PER_ORGANIZATION_LIMIT: i32 = 5;
/// Longest an event may last.
const MAX_DURATION_MICROS: i64 = 31 * 24 * 3600 * 1_000_000;

/// The fields UpdateEvent may change.
pub const UPDATABLE: &[&str] = &[
    "kind",
    "title",
    "description",
    "conference_session",
    "thematic_areas",
    "languages",
    "venue",
    "online_url",
    "start_time",
    "end_time",
    "time_zone",
    "organizers",
    "co_organizers",
    "registration_managers",
    "contact_email",
    "capacity",
    "waitlist_enabled",
    "waitlist_capacity",
    "per_organization_limit",
    "registration_start_time",
    "registration_end_time",
];

/// Checks a conference session code such as `COP12`.
pub fn check_conference_session(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `zone` names a zone of the IANA time zone database, such as `Europe/Vienna`.
/// The database is built into engage, so a container without tzdata answers the same.
pub fn check_time_zone(zone: &str) -> bool {
    jiff::tz::TimeZone::get(zone).is_ok()
}

/// Derives the attendance mode from the venue and the online link.
pub fn attendance_mode(event: &Event) -> AttendanceMode {
    match (event.venue.is_some(), !event.online_url.is_empty()) {
        (true, true) => AttendanceMode::Hybrid,
        (true, false) => AttendanceMode::InPerson,
        (false, true) => AttendanceMode::Online,
        (false, false) => AttendanceMode::Unspecified,
    }
}

fn check_venue(venue: &Venue, v: &mut Violations) {
    let name = venue.display_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        v.add(
            "event.venue.display_name",
            "is required, 1 to 200 characters",
        );
    }
    check_len(v, "event.venue.room", &venue.room, 100);
    check_len(v, "event.venue.address", &venue.address, 500);
    check_len(v, "event.venue.city", &venue.city, 100);
    if !venue.country_code.is_empty()
        && engage_platform::regions::country_name(&venue.country_code).is_none()
    {
        v.add(
            "event.venue.country_code",
            "is not a known ISO 3166-1 alpha-2 code (upper case)",
        );
    }
}

fn check_names(v: &mut Violations, field: &str, names: &[String], max: usize) {
    if names.len() > max {
        v.add(field, format!("at most {max} entries"));
    }
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            v.add(field, format!("{name} appears twice"));
        }
    }
}

/// Checks thematic areas: known values without duplicates.
pub fn check_thematic_areas(v: &mut Violations, field: &str, areas: &[i32]) {
    let mut seen = HashSet::new();
    for area in areas {
        match ThematicArea::try_from(*area) {
            Ok(ThematicArea::Unspecified) | Err(_) => {
                v.add(field, format!("{area} is not a thematic area"))
            }
            Ok(_) => {}
        }
        if !seen.insert(*area) {
            v.add(field, "has duplicates");
        }
    }
}

/// Normalises an event from a request (trims, default limit) and checks every field;
/// INVALID_ARGUMENT lists every bad field.
pub fn normalize_and_check(event: &mut Event) -> Result<(), Error> {
    let mut v = Violations::new();
    event.title = event.title.trim().to_owned();
    event.conference_session = event.conference_session.trim().to_owned();
    if event.per_organization_limit.is_none() {
        event.per_organization_limit = Some(DEFAULT_PER_ORGANIZATION_LIMIT);
    }
    if matches!(
        EventKind::try_from(event.kind),
        Ok(EventKind::Unspecified) | Err(_)
    ) {
        v.add("event.kind", "is required: one of the EVENT_KIND_ values");
    }
    if event.title.is_empty() || event.title.chars().count() > 300 {
        v.add("event.title", "is required, 1 to 300 characters");
    }
    check_len(&mut v, "event.description", &event.description, 20_000);
    if !event.conference_session.is_empty() && !check_conference_session(&event.conference_session)
    {
        v.add(
            "event.conference_session",
            "must be 2 to 32 upper-case letters, digits and hyphens, such as COP12",
        );
    }
    check_thematic_areas(&mut v, "event.thematic_areas", &event.thematic_areas);
    if event.languages.len() > 10 {
        v.add("event.languages", "at most 10 languages");
    }
    for language in &event.languages {
        if !check_language(language) {
            v.add(
                "event.languages",
                format!("{language:?} is not a BCP 47 tag"),
            );
        }
    }
    if let Some(venue) = &event.venue {
        check_venue(venue, &mut v);
    }
    if !event.online_url.is_empty() && !check_https_url(&event.online_url) {
        v.add(
            "event.online_url",
            "must be an absolute https URL of at most 2,048 characters",
        );
    }
    let start = event.start_time.as_ref().map(micros);
    let end = event.end_time.as_ref().map(micros);
    match (start, end) {
        (None, _) => v.add("event.start_time", "is required"),
        (_, None) => v.add("event.end_time", "is required"),
        (Some(s), Some(e)) if e <= s => v.add("event.end_time", "must be after start_time"),
        (Some(s), Some(e)) if e - s > MAX_DURATION_MICROS => {
            v.add("event.end_time", "must be at most 31 days after start_time")
        }
        _ => {}
    }
    if event.time_zone.is_empty() {
        v.add("event.time_zone", "is required, such as Europe/Vienna");
    } else if !check_time_zone(&event.time_zone) {
        v.add(
            "event.time_zone",
            format!("{:?} is not an IANA time zone", event.time_zone),
        );
    }
    check_names(&mut v, "event.organizers", &event.organizers, 20);
    check_names(&mut v, "event.co_organizers", &event.co_organizers, 50);
    if event
        .co_organizers
        .iter()
        .any(|c| event.organizers.contains(c))
    {
        v.add(
            "event.co_organizers",
            "must not name an organisation that is also an organiser",
        );
    }
    check_names(
        &mut v,
        "event.registration_managers",
        &event.registration_managers,
        50,
    );
    if event
        .registration_managers
        .iter()
        .any(|m| m.trim().is_empty())
    {
        v.add(
            "event.registration_managers",
            "must not hold an empty subject",
        );
    }
    if !event.contact_email.is_empty() && !check_email(&event.contact_email) {
        v.add("event.contact_email", "is not a valid email address");
    }
    if event.capacity < 0 || event.capacity > 100_000 {
        v.add("event.capacity", "must be 0 (unlimited) or 1 to 100,000");
    }
    if event.waitlist_capacity < 0 {
        v.add("event.waitlist_capacity", "must not be negative");
    }
    if event.per_organization_limit.is_some_and(|l| l < 0) {
        v.add("event.per_organization_limit", "must not be negative");
    }
    let opens = event.registration_start_time.as_ref().map(micros);
    let closes = event.registration_end_time.as_ref().map(micros);
    if let (Some(o), Some(c)) = (opens, closes)
        && c <= o
    {
        v.add(
            "event.registration_end_time",
            "must be after registration_start_time",
        );
    }
    if let (Some(c), Some(e)) = (closes, end)
        && c > e
    {
        v.add("event.registration_end_time", "must not be after end_time");
    }
    v.finish()?;
    event.attendance_mode = attendance_mode(event) as i32;
    Ok(())
}

/// The life-cycle steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// DRAFT → PUBLISHED.
    Publish,
    /// PUBLISHED → CLOSED.
    Close,
    /// CLOSED → PUBLISHED.
    Reopen,
    /// DRAFT / PUBLISHED / CLOSED → CANCELLED.
    Cancel,
}

impl Step {
    /// The outbox verb and audit action.
    pub fn verb(self) -> &'static str {
        match self {
            Step::Publish => "published",
            Step::Close => "closed",
            Step::Reopen => "reopened",
            Step::Cancel => "cancelled",
        }
    }
}

/// The status an event moves to by `step`, or FAILED_PRECONDITION.
pub fn transition(event: &Event, step: Step) -> Result<EventStatus, Error> {
    use EventStatus as S;
    let from = S::try_from(event.status).unwrap_or(S::Unspecified);
    let to = match (step, from) {
        (Step::Publish, S::Draft) => S::Published,
        (Step::Close, S::Published) => S::Closed,
        (Step::Reopen, S::Closed) => S::Published,
        (Step::Cancel, S::Draft | S::Published | S::Closed) => S::Cancelled,
        _ => {
            return Err(precondition(
                "INVALID_TRANSITION",
                format!("a {} event cannot be {}", status_word(from), step.verb()),
            ));
        }
    };
    if step == Step::Publish && attendance_mode(event) == AttendanceMode::Unspecified {
        return Err(precondition(
            "LOCATION_MISSING",
            "set a venue, an online link or both before publishing",
        ));
    }
    Ok(to)
}

/// A status in words, for messages.
pub fn status_word(status: EventStatus) -> &'static str {
    match status {
        EventStatus::Draft => "draft",
        EventStatus::Published => "published",
        EventStatus::Closed => "closed",
        EventStatus::Cancelled => "cancelled",
        EventStatus::Unspecified => "unknown",
    }
}

/// FAILED_PRECONDITION EVENT_CANCELLED when the event is cancelled (read-only).
pub fn check_not_cancelled(event: &Event) -> Result<(), Error> {
    if event.status == EventStatus::Cancelled as i32 {
        return Err(precondition(
            "EVENT_CANCELLED",
            "the event is cancelled and can no longer change",
        ));
    }
    Ok(())
}

/// Whether a registration made `now` is accepted: the event is published and `now` is in
/// its registration window.
pub fn check_registration_open(event: &Event, now: i64) -> Result<(), Error> {
    let status = EventStatus::try_from(event.status).unwrap_or(EventStatus::Unspecified);
    if status != EventStatus::Published {
        return Err(precondition(
            "EVENT_NOT_OPEN",
            format!(
                "the event is {}: registration is accepted only while it is published",
                status_word(status)
            ),
        ));
    }
    if let Some(opens) = &event.registration_start_time
        && now < micros(opens)
    {
        return Err(precondition(
            "REGISTRATION_NOT_STARTED",
            "registration for this event has not opened yet",
        ));
    }
    let closes = event
        .registration_end_time
        .as_ref()
        .or(event.end_time.as_ref())
        .map(micros)
        .unwrap_or(i64::MAX);
    if now > closes {
        return Err(precondition(
            "REGISTRATION_ENDED",
            "registration for this event has ended",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_platform::resource::timestamp;

    fn valid() -> Event {
        Event {
            kind: EventKind::Briefing as i32,
            title: "  NGO briefing ".into(),
            start_time: Some(timestamp(1_000_000_000)),
            end_time: Some(timestamp(2_000_000_000)),
            time_zone: "Europe/Vienna".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_event_gets_the_default_limit_and_a_trimmed_title() {
        let mut event = valid();
        normalize_and_check(&mut event).unwrap();
        assert_eq!(event.title, "NGO briefing");
        assert_eq!(event.per_organization_limit, Some(5));
        assert_eq!(event.attendance_mode, AttendanceMode::Unspecified as i32);
    }

    fn fields(mut event: Event) -> Vec<String> {
        match normalize_and_check(&mut event) {
            Err(Error::InvalidArgument(v)) => v.into_iter().map(|v| v.field).collect(),
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn time_zones_are_those_of_the_iana_database() {
        for known in [
            "Europe/Vienna",
            "America/Argentina/Buenos_Aires",
            "UTC",
            "Etc/GMT+3",
        ] {
            assert!(check_time_zone(known), "{known}");
        }
        for unknown in ["Europe/Viena", "Mars/Olympus", "", "vienna"] {
            assert!(!check_time_zone(unknown), "{unknown}");
        }
    }

    #[test]
    fn an_end_before_the_start_and_other_bad_fields_are_all_named() {
        let mut event = valid();
        event.end_time = Some(timestamp(500));
        event.capacity = -1;
        event.time_zone = "Europe/Viena".into();
        event.conference_session = "cop12".into();
        event.organizers = vec!["organizations/a".into()];
        event.co_organizers = vec!["organizations/a".into()];
        assert_eq!(
            fields(event),
            [
                "event.conference_session",
                "event.end_time",
                "event.time_zone",
                "event.co_organizers",
                "event.capacity"
            ]
        );
    }

    #[test]
    fn the_registration_window_must_end_by_the_event_end() {
        let mut event = valid();
        event.registration_end_time = Some(timestamp(3_000_000_000));
        assert_eq!(fields(event), ["event.registration_end_time"]);
    }

    #[test]
    fn time_zones_are_checked_for_form() {
        assert!(check_time_zone("Europe/Vienna"));
        assert!(check_time_zone("America/Argentina/Buenos_Aires"));
        assert!(check_time_zone("UTC"));
        assert!(!check_time_zone("Vienna"));
        assert!(!check_time_zone("Europe/"));
    }

    #[test]
    fn publishing_needs_a_draft_with_a_place() {
        let mut event = valid();
        event.status = EventStatus::Draft as i32;
        let Err(Error::FailedPrecondition { reason, .. }) = transition(&event, Step::Publish)
        else {
            panic!("no place")
        };
        assert_eq!(reason, "LOCATION_MISSING");
        event.online_url = "https://meet.example.org/x".into();
        assert_eq!(
            transition(&event, Step::Publish).unwrap(),
            EventStatus::Published
        );
        event.status = EventStatus::Cancelled as i32;
        let Err(Error::FailedPrecondition { reason, .. }) = transition(&event, Step::Cancel) else {
            panic!("cancelled is final")
        };
        assert_eq!(reason, "INVALID_TRANSITION");
    }

    #[test]
    fn registration_is_open_only_when_published_and_in_the_window() {
        let mut event = valid();
        event.status = EventStatus::Published as i32;
        event.registration_start_time = Some(timestamp(100));
        let reason = |e: &Event, now| match check_registration_open(e, now) {
            Ok(()) => "",
            Err(Error::FailedPrecondition { reason, .. }) => reason,
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(reason(&event, 50), "REGISTRATION_NOT_STARTED");
        assert_eq!(reason(&event, 150), "");
        assert_eq!(reason(&event, 2_000_000_001), "REGISTRATION_ENDED");
        event.status = EventStatus::Closed as i32;
        assert_eq!(reason(&event, 150), "EVENT_NOT_OPEN");
    }
}
