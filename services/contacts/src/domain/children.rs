//! Rules of the records that hang off an organisation or a person, and of interactions:
//! affiliations, accreditations (with their decision state machine), consent records (with
//! withdrawal) and interactions.
//!
//! Only what can be checked without the database is here: whether a named organisation or
//! person exists, is deleted or merged, and uniqueness rules are the caller's.

use engage_api::contacts::{
    Accreditation, AccreditationState, Affiliation, ConsentBasis, ConsentPurpose, ConsentRecord,
    ConsentSource, ConsentState, Interaction, InteractionKind,
};
use engage_api::types::Date;
use engage_platform::Violation;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::FieldChange;
use engage_platform::resource::parse_name;

use super::audit::{self, AuditValues};
use super::contact_points as rules;
use super::dates::{check_date, from_date, one_year_after, to_date};

fn finish(out: Vec<Violation>) -> Result<(), Vec<Violation>> {
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Refuses a date after `today`.
fn not_in_future(
    out: &mut Vec<Violation>,
    field: &str,
    date: Option<time::Date>,
    today: time::Date,
) {
    if date.is_some_and(|d| d > today) {
        out.push(Violation::new(field, "must not be in the future"));
    }
}

// ---------------------------------------------------------------------------------------
// Affiliations
// ---------------------------------------------------------------------------------------

/// The paths UpdateAffiliation accepts. The organisation is immutable: a move to another
/// organisation is a new affiliation, so the history stays true.
pub const AFFILIATION_UPDATABLE_FIELDS: &[&str] =
    &["title", "department", "start_date", "end_date", "primary"];

/// Longest job title, and longest department.
pub const MAX_TITLE_LEN: usize = 200;

/// Normalises and checks an affiliation: the organisation's name form, title and department
/// limits, real dates from 1900 with the end not before the start. Whether the organisation
/// exists is the caller's check.
pub fn normalize_affiliation(
    affiliation: &mut Affiliation,
    prefix: &str,
    _today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let a = affiliation;
    let field = |name: &str| format!("{prefix}.{name}");
    rules::trim(&mut a.organization);
    if let Err(v) = parse_name("organizations", &a.organization, &field("organization")) {
        out.push(v);
    }
    rules::text(
        &mut out,
        &field("title"),
        &mut a.title,
        false,
        MAX_TITLE_LEN,
    );
    rules::text(
        &mut out,
        &field("department"),
        &mut a.department,
        false,
        MAX_TITLE_LEN,
    );
    let start = check_date(&mut out, &field("start_date"), a.start_date.as_ref());
    let end = check_date(&mut out, &field("end_date"), a.end_date.as_ref());
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        out.push(Violation::new(
            field("end_date"),
            "must not be before start_date",
        ));
    }
    finish(out)
}

/// Whether the affiliation lasts on `today`: no end date, or an end date not before today
/// (the end date is its last day).
pub fn is_current(a: &Affiliation, today: time::Date) -> bool {
    a.end_date
        .as_ref()
        .and_then(to_date)
        .is_none_or(|end| end >= today)
}

/// Copies the fields named in `mask` from `patch` into `current`.
pub fn apply_update_affiliation(current: &mut Affiliation, patch: &Affiliation, mask: &UpdateMask) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(
        mask,
        current,
        patch,
        [title, department, start_date, end_date, primary]
    );
}

/// The audit value of every updatable field, in [`AFFILIATION_UPDATABLE_FIELDS`] order,
/// after the immutable organisation (recorded so a create names it).
pub fn audit_values_affiliation(a: &Affiliation) -> AuditValues {
    vec![
        ("organization", audit::text(&a.organization)),
        ("title", audit::text(&a.title)),
        ("department", audit::text(&a.department)),
        ("start_date", audit::date(a.start_date.as_ref())),
        ("end_date", audit::date(a.end_date.as_ref())),
        ("primary", audit::flag(a.primary)),
    ]
}

/// The fields that differ between two versions of an affiliation.
pub fn changes_affiliation(old: &Affiliation, new: &Affiliation) -> Vec<FieldChange> {
    audit::changes(audit_values_affiliation(old), audit_values_affiliation(new))
}

/// The fields a Create set.
pub fn created_affiliation(a: &Affiliation) -> Vec<FieldChange> {
    audit::created(audit_values_affiliation(a))
}

// ---------------------------------------------------------------------------------------
// Accreditations
// ---------------------------------------------------------------------------------------

/// The paths UpdateAccreditation accepts. The session is immutable; the state and the
/// decision change only through GrantAccreditation and RefuseAccreditation.
pub const ACCREDITATION_UPDATABLE_FIELDS: &[&str] = &["request_date", "representatives", "notes"];

/// Most representatives of an organisation at one session.
pub const MAX_REPRESENTATIVES: usize = 50;
/// Longest decision reason.
pub const MAX_DECISION_REASON_LEN: usize = 2_000;
/// Longest notes of an accreditation, a consent's evidence excepted.
pub const MAX_NOTES_LEN: usize = 10_000;

/// Normalises and checks an accreditation: the session code upper-cased, the state
/// defaulted to REQUESTED, the request date defaulted to `today`, a past decision (GRANTED
/// or REFUSED on Create) with its date (and, for a refusal, its reason), representatives as
/// `people/{uuid}` (repeats removed). Limits where the contract is silent: request and
/// decision dates from 1900 and not in the future, since both record what happened; a
/// REQUESTED accreditation carries no decision date or reason.
pub fn normalize_accreditation(
    accreditation: &mut Accreditation,
    prefix: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let a = accreditation;
    let field = |name: &str| format!("{prefix}.{name}");
    rules::conference_session(
        &mut out,
        &field("conference_session"),
        &mut a.conference_session,
        true,
    );
    if a.state == AccreditationState::Unspecified as i32 {
        a.state = AccreditationState::Requested as i32;
    }
    let state = AccreditationState::try_from(a.state);
    if state.is_err() {
        out.push(Violation::new(
            field("state"),
            format!("{} is not a known value", a.state),
        ));
    }
    if a.request_date.is_none() {
        a.request_date = Some(from_date(today));
    }
    let requested = check_date(&mut out, &field("request_date"), a.request_date.as_ref());
    not_in_future(&mut out, &field("request_date"), requested, today);
    let decided = check_date(&mut out, &field("decision_date"), a.decision_date.as_ref());
    not_in_future(&mut out, &field("decision_date"), decided, today);
    if let (Some(r), Some(d)) = (requested, decided)
        && d < r
    {
        out.push(Violation::new(
            field("decision_date"),
            "must not be before request_date",
        ));
    }
    rules::text(
        &mut out,
        &field("decision_reason"),
        &mut a.decision_reason,
        false,
        MAX_DECISION_REASON_LEN,
    );
    match state {
        Ok(AccreditationState::Granted | AccreditationState::Refused) => {
            if a.decision_date.is_none() {
                out.push(Violation::new(
                    field("decision_date"),
                    "is required with a decision (GRANTED or REFUSED)",
                ));
            }
            if state == Ok(AccreditationState::Refused) && a.decision_reason.is_empty() {
                out.push(Violation::new(
                    field("decision_reason"),
                    "is required for a refusal",
                ));
            }
        }
        Ok(_) => {
            if a.decision_date.is_some() {
                out.push(Violation::new(
                    field("decision_date"),
                    "is set only with a decision (GRANTED or REFUSED)",
                ));
            }
            if !a.decision_reason.is_empty() {
                out.push(Violation::new(
                    field("decision_reason"),
                    "is set only with a decision (GRANTED or REFUSED)",
                ));
            }
        }
        Err(_) => {}
    }
    rules::resource_names(
        &mut out,
        &field("representatives"),
        &mut a.representatives,
        "people",
        MAX_REPRESENTATIVES,
        false,
    );
    rules::text(
        &mut out,
        &field("notes"),
        &mut a.notes,
        false,
        MAX_NOTES_LEN,
    );
    finish(out)
}

/// A state change that the contract's state machines do not allow; answered as
/// FAILED_PRECONDITION with reason INVALID_TRANSITION.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The record is in the requested state already (granting a granted accreditation,
    /// withdrawing a withdrawn consent).
    #[error("the record is already {0}")]
    Already(&'static str),
    /// The target is not a decision (only GRANTED and REFUSED are).
    #[error("{0} is not a decision")]
    NotADecision(&'static str),
}

impl From<TransitionError> for engage_platform::Error {
    fn from(e: TransitionError) -> Self {
        engage_platform::Error::FailedPrecondition {
            reason: "INVALID_TRANSITION",
            message: e.to_string(),
        }
    }
}

/// Whether an accreditation in `current` may be moved to `new` by GrantAccreditation or
/// RefuseAccreditation: REQUESTED to GRANTED or REFUSED, and a decision reversed (GRANTED ↔
/// REFUSED). Deciding the same again is refused so that a repeated click does not record a
/// second, misleading decision date.
pub fn decide(current: AccreditationState, new: AccreditationState) -> Result<(), TransitionError> {
    if !matches!(
        new,
        AccreditationState::Granted | AccreditationState::Refused
    ) {
        return Err(TransitionError::NotADecision(new.as_str_name()));
    }
    if current == new {
        return Err(TransitionError::Already(current.as_str_name()));
    }
    Ok(())
}

/// Copies the fields named in `mask` from `patch` into `current`.
pub fn apply_update_accreditation(
    current: &mut Accreditation,
    patch: &Accreditation,
    mask: &UpdateMask,
) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(mask, current, patch, [request_date, representatives, notes]);
}

/// The audit value of the session, the decision and every updatable field. The session,
/// state and decision are recorded too because Create, Grant and Refuse set them.
pub fn audit_values_accreditation(a: &Accreditation) -> AuditValues {
    vec![
        ("conference_session", audit::text(&a.conference_session)),
        (
            "state",
            audit::enum_name(a.state, AccreditationState::as_str_name),
        ),
        ("request_date", audit::date(a.request_date.as_ref())),
        ("decision_date", audit::date(a.decision_date.as_ref())),
        ("decision_reason", audit::text(&a.decision_reason)),
        ("representatives", audit::texts(&a.representatives)),
        ("notes", audit::text(&a.notes)),
    ]
}

/// The fields that differ between two versions of an accreditation.
pub fn changes_accreditation(old: &Accreditation, new: &Accreditation) -> Vec<FieldChange> {
    audit::changes(
        audit_values_accreditation(old),
        audit_values_accreditation(new),
    )
}

/// The fields a Create set.
pub fn created_accreditation(a: &Accreditation) -> Vec<FieldChange> {
    audit::created(audit_values_accreditation(a))
}

// ---------------------------------------------------------------------------------------
// Consent records
// ---------------------------------------------------------------------------------------

/// The paths UpdateConsentRecord accepts (corrections of dates and evidence). Purpose, basis
/// and state are fixed: a different consent is a new record. The withdrawal fields are
/// accepted only on a WITHDRAWN record, which [`normalize_consent_record`] enforces.
pub const CONSENT_RECORD_UPDATABLE_FIELDS: &[&str] = &[
    "purpose_description",
    "given_date",
    "expire_date",
    "source",
    "source_detail",
    "withdraw_date",
    "withdraw_source",
    "withdraw_source_detail",
];

/// Longest purpose description and evidence texts.
pub const MAX_CONSENT_TEXT_LEN: usize = 500;

/// Normalises and checks a consent record: purpose, basis and source required, a
/// description for OTHER purposes, the state defaulted to GIVEN, a given date (not in the
/// future) for a GIVEN record, an expiry after it, a withdrawal date (not in the future,
/// not before the given date) for a WITHDRAWN record and no withdrawal fields on a GIVEN
/// one. Dates from 1900.
pub fn normalize_consent_record(
    record: &mut ConsentRecord,
    prefix: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let c = record;
    let field = |name: &str| format!("{prefix}.{name}");
    rules::enum_value::<ConsentPurpose>(&mut out, &field("purpose"), c.purpose, true);
    rules::text(
        &mut out,
        &field("purpose_description"),
        &mut c.purpose_description,
        c.purpose == ConsentPurpose::Other as i32,
        MAX_CONSENT_TEXT_LEN,
    );
    rules::enum_value::<ConsentBasis>(&mut out, &field("basis"), c.basis, true);
    if c.state == ConsentState::Unspecified as i32 {
        c.state = ConsentState::Given as i32;
    }
    rules::enum_value::<ConsentState>(&mut out, &field("state"), c.state, true);
    let withdrawn = c.state == ConsentState::Withdrawn as i32;

    let given = check_date(&mut out, &field("given_date"), c.given_date.as_ref());
    not_in_future(&mut out, &field("given_date"), given, today);
    if !withdrawn && c.given_date.is_none() {
        out.push(Violation::new(
            field("given_date"),
            "is required for a GIVEN consent",
        ));
    }
    let expires = check_date(&mut out, &field("expire_date"), c.expire_date.as_ref());
    if let (Some(g), Some(e)) = (given, expires)
        && e <= g
    {
        out.push(Violation::new(
            field("expire_date"),
            "must be after given_date",
        ));
    }
    rules::enum_value::<ConsentSource>(&mut out, &field("source"), c.source, true);
    rules::text(
        &mut out,
        &field("source_detail"),
        &mut c.source_detail,
        false,
        MAX_CONSENT_TEXT_LEN,
    );

    let withdrawn_on = check_date(&mut out, &field("withdraw_date"), c.withdraw_date.as_ref());
    rules::enum_value::<ConsentSource>(
        &mut out,
        &field("withdraw_source"),
        c.withdraw_source,
        false,
    );
    rules::text(
        &mut out,
        &field("withdraw_source_detail"),
        &mut c.withdraw_source_detail,
        false,
        MAX_CONSENT_TEXT_LEN,
    );
    if withdrawn {
        if c.withdraw_date.is_none() {
            out.push(Violation::new(
                field("withdraw_date"),
                "is required for a WITHDRAWN record",
            ));
        }
        withdraw_date_bounds(
            &mut out,
            &field("withdraw_date"),
            withdrawn_on,
            given,
            today,
        );
    } else {
        for (name, set) in [
            ("withdraw_date", c.withdraw_date.is_some()),
            ("withdraw_source", c.withdraw_source != 0),
            (
                "withdraw_source_detail",
                !c.withdraw_source_detail.is_empty(),
            ),
        ] {
            if set {
                out.push(Violation::new(
                    field(name),
                    "is set only on a WITHDRAWN record (use WithdrawConsentRecord)",
                ));
            }
        }
    }
    finish(out)
}

fn withdraw_date_bounds(
    out: &mut Vec<Violation>,
    field: &str,
    withdrawn: Option<time::Date>,
    given: Option<time::Date>,
    today: time::Date,
) {
    not_in_future(out, field, withdrawn, today);
    if let (Some(w), Some(g)) = (withdrawn, given)
        && w < g
    {
        out.push(Violation::new(field, "must not be before given_date"));
    }
}

/// Whether a consent is in force on `today`: GIVEN and not expired. A consent expires on its
/// expiry date, so it is no longer active that day.
pub fn is_active(c: &ConsentRecord, today: time::Date) -> bool {
    c.state == ConsentState::Given as i32
        && c.expire_date
            .as_ref()
            .and_then(to_date)
            .is_none_or(|expires| today < expires)
}

/// Whether a consent record may be withdrawn: withdrawal is final, so a WITHDRAWN record
/// cannot be withdrawn again (a renewed consent is a new record).
pub fn decide_withdrawal(current: ConsentState) -> Result<(), TransitionError> {
    if current == ConsentState::Withdrawn {
        Err(TransitionError::Already(current.as_str_name()))
    } else {
        Ok(())
    }
}

/// Records the withdrawal of a GIVEN consent, as WithdrawConsentRecord asks: the date
/// defaults to `today`, must not be in the future nor before the given date; the source is
/// required. Violations name the request's top-level fields (`withdraw_date`, …). Call
/// [`decide_withdrawal`] first.
pub fn withdraw_consent_record(
    record: &mut ConsentRecord,
    withdraw_date: Option<Date>,
    withdraw_source: i32,
    withdraw_source_detail: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let date = withdraw_date.unwrap_or_else(|| from_date(today));
    let withdrawn = check_date(&mut out, "withdraw_date", Some(&date));
    let given = record.given_date.as_ref().and_then(to_date);
    withdraw_date_bounds(&mut out, "withdraw_date", withdrawn, given, today);
    rules::enum_value::<ConsentSource>(&mut out, "withdraw_source", withdraw_source, true);
    let mut detail = withdraw_source_detail.to_owned();
    rules::text(
        &mut out,
        "withdraw_source_detail",
        &mut detail,
        false,
        MAX_CONSENT_TEXT_LEN,
    );
    if !out.is_empty() {
        return Err(out);
    }
    record.state = ConsentState::Withdrawn as i32;
    record.withdraw_date = Some(date);
    record.withdraw_source = withdraw_source;
    record.withdraw_source_detail = detail;
    Ok(())
}

/// Copies the fields named in `mask` from `patch` into `current`.
pub fn apply_update_consent_record(
    current: &mut ConsentRecord,
    patch: &ConsentRecord,
    mask: &UpdateMask,
) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(
        mask,
        current,
        patch,
        [
            purpose_description,
            given_date,
            expire_date,
            source,
            source_detail,
            withdraw_date,
            withdraw_source,
            withdraw_source_detail,
        ]
    );
}

/// The audit value of purpose, basis, state and every updatable field (the first three
/// because Create and Withdraw set them).
pub fn audit_values_consent_record(c: &ConsentRecord) -> AuditValues {
    vec![
        (
            "purpose",
            audit::enum_name(c.purpose, ConsentPurpose::as_str_name),
        ),
        ("purpose_description", audit::text(&c.purpose_description)),
        (
            "basis",
            audit::enum_name(c.basis, ConsentBasis::as_str_name),
        ),
        (
            "state",
            audit::enum_name(c.state, ConsentState::as_str_name),
        ),
        ("given_date", audit::date(c.given_date.as_ref())),
        ("expire_date", audit::date(c.expire_date.as_ref())),
        (
            "source",
            audit::enum_name(c.source, ConsentSource::as_str_name),
        ),
        ("source_detail", audit::text(&c.source_detail)),
        ("withdraw_date", audit::date(c.withdraw_date.as_ref())),
        (
            "withdraw_source",
            audit::enum_name(c.withdraw_source, ConsentSource::as_str_name),
        ),
        (
            "withdraw_source_detail",
            audit::text(&c.withdraw_source_detail),
        ),
    ]
}

/// The fields that differ between two versions of a consent record.
pub fn changes_consent_record(old: &ConsentRecord, new: &ConsentRecord) -> Vec<FieldChange> {
    audit::changes(
        audit_values_consent_record(old),
        audit_values_consent_record(new),
    )
}

/// The fields a Create set.
pub fn created_consent_record(c: &ConsentRecord) -> Vec<FieldChange> {
    audit::created(audit_values_consent_record(c))
}

// ---------------------------------------------------------------------------------------
// Interactions
// ---------------------------------------------------------------------------------------

/// The paths UpdateInteraction accepts.
pub const INTERACTION_UPDATABLE_FIELDS: &[&str] = &[
    "kind",
    "subject",
    "summary",
    "occur_date",
    "start_time",
    "people",
    "organizations",
    "conference_session",
    "thematic_areas",
    "related_resource",
];

/// Longest subject.
pub const MAX_SUBJECT_LEN: usize = 300;
/// Longest summary.
pub const MAX_SUMMARY_LEN: usize = 20_000;
/// Most people, and most organisations, taking part in one interaction.
pub const MAX_PARTICIPANTS: usize = 200;
/// Longest related resource name.
pub const MAX_RELATED_RESOURCE_LEN: usize = 500;

/// Normalises and checks an interaction: kind, subject and date required, the date from
/// 1900 and at most a year after `today`, a start time falling on that date in some time
/// zone (UTC−12 to UTC+14), participants as resource names without repeats and at least
/// one of them, the session code, thematic areas and the related resource's length.
pub fn normalize_interaction(
    interaction: &mut Interaction,
    prefix: &str,
    today: time::Date,
) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let i = interaction;
    let field = |name: &str| format!("{prefix}.{name}");
    rules::enum_value::<InteractionKind>(&mut out, &field("kind"), i.kind, true);
    rules::text(
        &mut out,
        &field("subject"),
        &mut i.subject,
        true,
        MAX_SUBJECT_LEN,
    );
    rules::text(
        &mut out,
        &field("summary"),
        &mut i.summary,
        false,
        MAX_SUMMARY_LEN,
    );
    let occurred = check_date(&mut out, &field("occur_date"), i.occur_date.as_ref());
    if i.occur_date.is_none() {
        out.push(Violation::new(field("occur_date"), "is required"));
    }
    if occurred.is_some_and(|d| d > one_year_after(today)) {
        out.push(Violation::new(
            field("occur_date"),
            "must not be more than one year in the future",
        ));
    }
    if let (Some(day), Some(start)) = (occurred, i.start_time.as_ref())
        && !starts_on(start, day)
    {
        out.push(Violation::new(
            field("start_time"),
            "must fall on occur_date in some time zone",
        ));
    }
    rules::resource_names(
        &mut out,
        &field("people"),
        &mut i.people,
        "people",
        MAX_PARTICIPANTS,
        true,
    );
    rules::resource_names(
        &mut out,
        &field("organizations"),
        &mut i.organizations,
        "organizations",
        MAX_PARTICIPANTS,
        true,
    );
    if i.people.is_empty() && i.organizations.is_empty() {
        out.push(Violation::new(
            field("people"),
            "at least one participant (people or organizations) is required",
        ));
    }
    rules::conference_session(
        &mut out,
        &field("conference_session"),
        &mut i.conference_session,
        false,
    );
    rules::thematic_areas(&mut out, prefix, &mut i.thematic_areas);
    rules::text(
        &mut out,
        &field("related_resource"),
        &mut i.related_resource,
        false,
        MAX_RELATED_RESOURCE_LEN,
    );
    finish(out)
}

/// Whether the instant `start` is on `day` in some time zone from UTC−12 to UTC+14.
fn starts_on(start: &prost_types::Timestamp, day: time::Date) -> bool {
    if !(0..1_000_000_000).contains(&start.nanos) {
        return false;
    }
    let midnight = day.midnight().assume_utc().unix_timestamp();
    let earliest = midnight - 14 * 3600;
    let end = midnight + 86_400 + 12 * 3600;
    (earliest..end).contains(&start.seconds)
}

/// Copies the fields named in `mask` from `patch` into `current`.
pub fn apply_update_interaction(current: &mut Interaction, patch: &Interaction, mask: &UpdateMask) {
    let mut patch = patch.clone();
    engage_platform::apply_mask!(
        mask,
        current,
        patch,
        [
            kind,
            subject,
            summary,
            occur_date,
            start_time,
            people,
            organizations,
            conference_session,
            thematic_areas,
            related_resource,
        ]
    );
}

/// The audit value of every updatable field, in [`INTERACTION_UPDATABLE_FIELDS`] order.
pub fn audit_values_interaction(i: &Interaction) -> AuditValues {
    vec![
        (
            "kind",
            audit::enum_name(i.kind, InteractionKind::as_str_name),
        ),
        ("subject", audit::text(&i.subject)),
        ("summary", audit::text(&i.summary)),
        ("occur_date", audit::date(i.occur_date.as_ref())),
        ("start_time", audit::timestamp(i.start_time.as_ref())),
        ("people", audit::texts(&i.people)),
        ("organizations", audit::texts(&i.organizations)),
        ("conference_session", audit::text(&i.conference_session)),
        ("thematic_areas", audit::thematic_areas(&i.thematic_areas)),
        ("related_resource", audit::text(&i.related_resource)),
    ]
}

/// The fields that differ between two versions of an interaction.
pub fn changes_interaction(old: &Interaction, new: &Interaction) -> Vec<FieldChange> {
    audit::changes(audit_values_interaction(old), audit_values_interaction(new))
}

/// The fields a Create set.
pub fn created_interaction(i: &Interaction) -> Vec<FieldChange> {
    audit::created(audit_values_interaction(i))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ORG: &str = "organizations/0190b5a4-7c3e-7000-8000-000000000001";
    const PERSON: &str = "people/0190b5a4-7c3e-7000-8000-000000000002";

    fn date(year: i32, month: i32, day: i32) -> Option<Date> {
        Some(Date { year, month, day })
    }

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::November, 25).unwrap()
    }

    fn fields(result: Result<(), Vec<Violation>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|v| v.field).collect()
    }

    fn mask(paths: &[&str], updatable: &[&str]) -> UpdateMask {
        UpdateMask::parse(
            Some(&prost_types::FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
            updatable,
        )
        .unwrap()
    }

    #[test]
    fn an_affiliation_names_an_organisation_and_ends_after_it_starts() {
        let mut a = Affiliation {
            organization: format!(" {ORG} "),
            title: " Programme Officer ".into(),
            start_date: date(2020, 1, 1),
            ..Default::default()
        };
        normalize_affiliation(&mut a, "affiliation", today()).unwrap();
        assert_eq!(a.organization, ORG);
        assert_eq!(a.title, "Programme Officer");

        a.organization = "people/0190b5a4-7c3e-7000-8000-000000000001".into();
        a.end_date = date(2019, 12, 31);
        assert_eq!(
            fields(normalize_affiliation(&mut a, "affiliation", today())),
            ["affiliation.organization", "affiliation.end_date"]
        );
    }

    #[test]
    fn an_affiliation_is_current_until_its_last_day() {
        let mut a = Affiliation::default();
        assert!(is_current(&a, today()));
        a.end_date = date(2026, 11, 25);
        assert!(is_current(&a, today()));
        a.end_date = date(2026, 11, 24);
        assert!(!is_current(&a, today()));
    }

    #[test]
    fn an_affiliation_update_keeps_the_organisation() {
        let mut current = Affiliation {
            organization: ORG.into(),
            title: "Old".into(),
            ..Default::default()
        };
        let old = current.clone();
        let patch = Affiliation {
            title: "New".into(),
            primary: true,
            ..Default::default()
        };
        apply_update_affiliation(
            &mut current,
            &patch,
            &mask(&["*"], AFFILIATION_UPDATABLE_FIELDS),
        );
        assert_eq!(current.organization, ORG);
        assert_eq!(
            changes_affiliation(&old, &current),
            [
                FieldChange::new("title", json!("Old"), json!("New")),
                FieldChange::new("primary", json!(false), json!(true)),
            ]
        );
    }

    fn accreditation() -> Accreditation {
        Accreditation {
            conference_session: " cop12 ".into(),
            representatives: vec![PERSON.into(), PERSON.into()],
            ..Default::default()
        }
    }

    #[test]
    fn an_accreditation_defaults_to_requested_today() {
        let mut a = accreditation();
        normalize_accreditation(&mut a, "accreditation", today()).unwrap();
        assert_eq!(a.conference_session, "COP12");
        assert_eq!(a.state, AccreditationState::Requested as i32);
        assert_eq!(a.request_date, date(2026, 11, 25));
        assert_eq!(a.representatives, [PERSON]);
        let created: Vec<_> = created_accreditation(&a)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(
            created,
            [
                "conference_session",
                "state",
                "request_date",
                "representatives"
            ]
        );
    }

    #[test]
    fn a_past_refusal_needs_its_date_and_reason() {
        let mut a = accreditation();
        a.state = AccreditationState::Refused as i32;
        a.request_date = date(2026, 3, 1);
        assert_eq!(
            fields(normalize_accreditation(&mut a, "accreditation", today())),
            [
                "accreditation.decision_date",
                "accreditation.decision_reason"
            ]
        );
        a.decision_date = date(2026, 2, 1);
        a.decision_reason = "Not in the field".into();
        assert_eq!(
            fields(normalize_accreditation(&mut a, "accreditation", today())),
            ["accreditation.decision_date"]
        );
        a.decision_date = date(2026, 4, 1);
        assert!(normalize_accreditation(&mut a, "accreditation", today()).is_ok());
    }

    #[test]
    fn a_bad_session_and_representative_are_refused() {
        let mut a = Accreditation {
            conference_session: "COP 12".into(),
            representatives: vec!["people/42".into()],
            ..Default::default()
        };
        assert_eq!(
            fields(normalize_accreditation(&mut a, "accreditation", today())),
            [
                "accreditation.conference_session",
                "accreditation.representatives[0]"
            ]
        );
    }

    #[test]
    fn decisions_follow_the_state_machine() {
        use AccreditationState::*;
        assert!(decide(Requested, Granted).is_ok());
        assert!(decide(Requested, Refused).is_ok());
        assert!(decide(Granted, Refused).is_ok());
        assert!(decide(Refused, Granted).is_ok());
        assert_eq!(
            decide(Granted, Granted),
            Err(TransitionError::Already("ACCREDITATION_STATE_GRANTED"))
        );
        assert!(decide(Refused, Refused).is_err());
        assert!(decide(Granted, Requested).is_err());
        let error: engage_platform::Error = TransitionError::Already("GRANTED").into();
        assert_eq!(error.code(), tonic::Code::FailedPrecondition);
    }

    fn consent() -> ConsentRecord {
        ConsentRecord {
            purpose: ConsentPurpose::Newsletter as i32,
            basis: ConsentBasis::Consent as i32,
            given_date: date(2025, 1, 10),
            source: ConsentSource::WebForm as i32,
            ..Default::default()
        }
    }

    #[test]
    fn a_consent_defaults_to_given_and_needs_its_date() {
        let mut c = consent();
        normalize_consent_record(&mut c, "consent_record", today()).unwrap();
        assert_eq!(c.state, ConsentState::Given as i32);
        c.given_date = None;
        c.purpose = ConsentPurpose::Other as i32;
        c.withdraw_source = ConsentSource::Email as i32;
        assert_eq!(
            fields(normalize_consent_record(&mut c, "consent_record", today())),
            [
                "consent_record.purpose_description",
                "consent_record.given_date",
                "consent_record.withdraw_source"
            ]
        );
    }

    #[test]
    fn a_consent_expires_after_it_is_given_and_stops_being_active() {
        let mut c = consent();
        c.expire_date = date(2025, 1, 10);
        assert_eq!(
            fields(normalize_consent_record(&mut c, "consent_record", today())),
            ["consent_record.expire_date"]
        );
        c.expire_date = date(2026, 11, 26);
        assert!(is_active(&c, today()));
        c.expire_date = date(2026, 11, 25);
        assert!(!is_active(&c, today()));
        c.expire_date = None;
        c.state = ConsentState::Withdrawn as i32;
        assert!(!is_active(&c, today()));
    }

    #[test]
    fn a_withdrawal_is_dated_sourced_and_final() {
        let mut c = consent();
        c.state = ConsentState::Given as i32;
        assert!(decide_withdrawal(ConsentState::Given).is_ok());
        assert_eq!(
            fields(withdraw_consent_record(
                &mut c.clone(),
                date(2024, 12, 31),
                0,
                "",
                today()
            )),
            ["withdraw_date", "withdraw_source"]
        );
        withdraw_consent_record(&mut c, None, ConsentSource::Email as i32, " mail ", today())
            .unwrap();
        assert_eq!(c.state, ConsentState::Withdrawn as i32);
        assert_eq!(c.withdraw_date, date(2026, 11, 25));
        assert_eq!(c.withdraw_source_detail, "mail");
        assert!(normalize_consent_record(&mut c, "consent_record", today()).is_ok());
        assert!(decide_withdrawal(ConsentState::Withdrawn).is_err());
    }

    fn interaction() -> Interaction {
        Interaction {
            kind: InteractionKind::Meeting as i32,
            subject: " Side event planning ".into(),
            occur_date: date(2026, 11, 20),
            organizations: vec![ORG.into()],
            conference_session: "cop12".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_interaction_is_normalised() {
        let mut i = interaction();
        normalize_interaction(&mut i, "interaction", today()).unwrap();
        assert_eq!(i.subject, "Side event planning");
        assert_eq!(i.conference_session, "COP12");
    }

    #[test]
    fn an_interaction_needs_kind_subject_date_and_participants() {
        let mut i = Interaction::default();
        assert_eq!(
            fields(normalize_interaction(&mut i, "interaction", today())),
            [
                "interaction.kind",
                "interaction.subject",
                "interaction.occur_date",
                "interaction.people"
            ]
        );
        let mut repeated = interaction();
        repeated.people = vec![PERSON.into(), PERSON.into()];
        repeated.occur_date = date(2027, 11, 26);
        assert_eq!(
            fields(normalize_interaction(&mut repeated, "interaction", today())),
            ["interaction.occur_date", "interaction.people[1]"]
        );
    }

    #[test]
    fn the_start_time_falls_on_the_date_in_some_time_zone() {
        let mut i = interaction();
        let midnight = time::Date::from_calendar_date(2026, time::Month::November, 20)
            .unwrap()
            .midnight()
            .assume_utc()
            .unix_timestamp();
        // 22:00 UTC the day before is 08:00 on the day in UTC+10.
        i.start_time = Some(prost_types::Timestamp {
            seconds: midnight - 2 * 3600,
            nanos: 0,
        });
        assert!(normalize_interaction(&mut i, "interaction", today()).is_ok());
        i.start_time = Some(prost_types::Timestamp {
            seconds: midnight - 15 * 3600,
            nanos: 0,
        });
        assert_eq!(
            fields(normalize_interaction(&mut i, "interaction", today())),
            ["interaction.start_time"]
        );
        assert_eq!(
            audit_values_interaction(&i)[4].1,
            json!("2026-11-19T09:00:00Z")
        );
    }
}
