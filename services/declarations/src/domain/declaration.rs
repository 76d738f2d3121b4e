//! The rules of a declaration: what a draft may hold, what must be there to open it, what
//! is frozen once it is open, and its status transitions.

use engage_api::declarations::{Declaration, DeclarationArea, DeclarationStatus};
use engage_platform::error::Violations;
use engage_platform::resource::new_id;
use engage_platform::{Error, Violation};

use super::dates;

/// Most areas a declaration covers.
pub const MAX_AREAS: usize = 50;
/// Most language versions besides the original.
pub const MAX_TRANSLATIONS: usize = 20;
const MAX_TITLE: usize = 300;
const MAX_TEXT: usize = 200_000;
const MAX_AREA_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 4_000;
const MAX_AREA_ID: usize = 63;

/// The fields UpdateDeclaration may name.
pub const UPDATABLE: &[&str] = &[
    "title",
    "text",
    "language_code",
    "areas",
    "translations",
    "planned_close_date",
];

/// The fields frozen once the declaration is open (translations are checked one by one).
const FROZEN: &[&str] = &["title", "text", "language_code", "areas"];

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn check_length(
    v: &mut Violations,
    field: String,
    value: &str,
    min: usize,
    max: usize,
    what: &str,
) {
    let n = chars(value);
    if n < min {
        v.add(field, format!("is required: {what}"));
    } else if n > max {
        v.add(field, format!("is {n} characters long; at most {max}"));
    }
}

fn check_language(v: &mut Violations, field: String, code: &str) {
    if code.is_empty() {
        v.add(
            field,
            "is required: a BCP 47 language tag such as en, fr or es-419",
        );
    } else if language_tags::LanguageTag::parse(code).is_err() {
        v.add(field, format!("{code:?} is not a BCP 47 language tag"));
    }
}

/// An area id as the contract allows: 1–63 characters of `a-z`, `0-9` and `-`.
fn valid_area_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_AREA_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Gives every area without an id a new one (a UUIDv7, which is a valid area id).
pub fn assign_area_ids(areas: &mut [DeclarationArea]) {
    for area in areas.iter_mut().filter(|a| a.id.is_empty()) {
        area.id = new_id();
    }
}

/// Checks what the client wrote of a declaration (`prefix` is the request field, such as
/// `declaration`); every bad field is reported at once.
pub fn check_content(d: &Declaration, prefix: &str) -> Result<(), Error> {
    let mut v = Violations::new();
    check_length(
        &mut v,
        format!("{prefix}.title"),
        d.title.trim(),
        1,
        MAX_TITLE,
        "the declaration's title",
    );
    check_length(&mut v, format!("{prefix}.text"), &d.text, 0, MAX_TEXT, "");
    check_language(&mut v, format!("{prefix}.language_code"), &d.language_code);
    if d.areas.len() > MAX_AREAS {
        v.add(
            format!("{prefix}.areas"),
            format!("has {} areas; at most {MAX_AREAS}", d.areas.len()),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (i, area) in d.areas.iter().enumerate() {
        let field = format!("{prefix}.areas[{i}]");
        if !valid_area_id(&area.id) {
            v.add(
                format!("{field}.id"),
                format!(
                    "{:?} is not an area id: 1–63 characters of a-z, 0-9 and -",
                    area.id
                ),
            );
        } else if !seen.insert(area.id.as_str()) {
            v.add(
                format!("{field}.id"),
                format!("{:?} names two areas", area.id),
            );
        }
        check_length(
            &mut v,
            format!("{field}.title"),
            area.title.trim(),
            1,
            MAX_AREA_TITLE,
            "the area's title",
        );
        check_length(
            &mut v,
            format!("{field}.description"),
            &area.description,
            0,
            MAX_DESCRIPTION,
            "",
        );
    }
    if d.translations.len() > MAX_TRANSLATIONS {
        v.add(
            format!("{prefix}.translations"),
            format!(
                "has {} translations; at most {MAX_TRANSLATIONS}",
                d.translations.len()
            ),
        );
    }
    let mut languages = std::collections::HashSet::new();
    for (i, t) in d.translations.iter().enumerate() {
        let field = format!("{prefix}.translations[{i}]");
        check_language(&mut v, format!("{field}.language_code"), &t.language_code);
        if t.language_code.eq_ignore_ascii_case(&d.language_code) {
            v.add(
                format!("{field}.language_code"),
                "is the declaration's own language: change the declaration instead",
            );
        } else if !languages.insert(t.language_code.to_ascii_lowercase()) {
            v.add(
                format!("{field}.language_code"),
                format!("{:?} is translated twice", t.language_code),
            );
        }
        check_length(
            &mut v,
            format!("{field}.title"),
            t.title.trim(),
            1,
            MAX_TITLE,
            "the translated title",
        );
        check_length(
            &mut v,
            format!("{field}.text"),
            &t.text,
            1,
            MAX_TEXT,
            "the translated text",
        );
        let mut translated = std::collections::HashSet::new();
        for (j, a) in t.areas.iter().enumerate() {
            let area_field = format!("{field}.areas[{j}]");
            if !d.areas.iter().any(|area| area.id == a.area_id) {
                v.add(
                    format!("{area_field}.area_id"),
                    format!("{:?} is not an area of the declaration", a.area_id),
                );
            } else if !translated.insert(a.area_id.as_str()) {
                v.add(
                    format!("{area_field}.area_id"),
                    format!("{:?} is translated twice", a.area_id),
                );
            }
            check_length(
                &mut v,
                format!("{area_field}.title"),
                a.title.trim(),
                1,
                MAX_AREA_TITLE,
                "the translated area title",
            );
            check_length(
                &mut v,
                format!("{area_field}.description"),
                &a.description,
                0,
                MAX_DESCRIPTION,
                "",
            );
        }
    }
    if let Some(date) = &d.planned_close_date
        && dates::to_date(date).is_none()
    {
        v.add(
            format!("{prefix}.planned_close_date"),
            "is not a calendar date",
        );
    }
    v.finish()
}

/// The status of a stored declaration.
pub fn status(d: &Declaration) -> DeclarationStatus {
    DeclarationStatus::try_from(d.status).unwrap_or(DeclarationStatus::Unspecified)
}

/// Refuses any change to a closed or deleted declaration.
pub fn ensure_changeable(d: &Declaration) -> Result<(), Error> {
    if d.delete_time.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "DECLARATION_DELETED",
            message: format!("{} is deleted: undelete it first", d.name),
        });
    }
    if status(d) == DeclarationStatus::Closed {
        return Err(Error::FailedPrecondition {
            reason: "DECLARATION_CLOSED",
            message: format!("{} is closed: create a new version to change it", d.name),
        });
    }
    Ok(())
}

/// Applies the masked fields of `patch` to `current`. Once the declaration is open its
/// title, text, language and areas are frozen, and its translations may only grow.
pub fn apply_update(
    current: &Declaration,
    mut patch: Declaration,
    mask: &engage_platform::field_mask::UpdateMask,
) -> Result<Declaration, Error> {
    ensure_changeable(current)?;
    let mut next = current.clone();
    engage_platform::apply_mask!(
        mask,
        next,
        patch,
        [
            title,
            text,
            language_code,
            areas,
            translations,
            planned_close_date
        ]
    );
    assign_area_ids(&mut next.areas);
    if status(current) == DeclarationStatus::Open {
        let frozen = |path: &str| match path {
            "title" => current.title != next.title,
            "text" => current.text != next.text,
            "language_code" => current.language_code != next.language_code,
            _ => current.areas != next.areas,
        };
        if let Some(path) = FROZEN.iter().find(|p| frozen(p)) {
            return Err(text_frozen(&current.name, path));
        }
        for old in &current.translations {
            let kept = next
                .translations
                .iter()
                .find(|t| t.language_code == old.language_code);
            if kept != Some(old) {
                return Err(text_frozen(
                    &current.name,
                    &format!("translations ({})", old.language_code),
                ));
            }
        }
    }
    check_content(&next, "declaration")?;
    Ok(next)
}

fn text_frozen(name: &str, what: &str) -> Error {
    Error::FailedPrecondition {
        reason: "DECLARATION_TEXT_FROZEN",
        message: format!(
            "{name} is open for signature, so its {what} cannot change: create a new version instead"
        ),
    }
}

/// DRAFT → OPEN, once it has text and areas.
pub fn check_open(d: &Declaration) -> Result<(), Error> {
    transition(d, DeclarationStatus::Draft, "opened")?;
    let mut missing = Vec::new();
    if d.text.trim().is_empty() {
        missing.push(Violation::new("declaration.text", "is required to open"));
    }
    if d.areas.is_empty() {
        missing.push(Violation::new(
            "declaration.areas",
            "at least one area is required to open",
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused {
            code: tonic::Code::FailedPrecondition,
            reason: "DECLARATION_INCOMPLETE",
            message: format!("{} cannot open without text and areas", d.name),
            metadata: Vec::new(),
            violations: missing,
        })
    }
}

/// Signatures are taken only while the declaration is open (and not deleted).
pub fn check_signable(d: &Declaration) -> Result<(), Error> {
    let state = if d.delete_time.is_some() {
        "deleted"
    } else if status(d) == DeclarationStatus::Open {
        return Ok(());
    } else {
        status(d).as_str_name()
    };
    Err(Error::FailedPrecondition {
        reason: "DECLARATION_NOT_OPEN",
        message: format!(
            "{} is {state}: signatures are taken only while it is open",
            d.name
        ),
    })
}

/// OPEN → CLOSED.
pub fn check_close(d: &Declaration) -> Result<(), Error> {
    transition(d, DeclarationStatus::Open, "closed")
}

fn transition(d: &Declaration, from: DeclarationStatus, verb: &str) -> Result<(), Error> {
    if d.delete_time.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "DECLARATION_DELETED",
            message: format!("{} is deleted", d.name),
        });
    }
    if status(d) != from {
        return Err(Error::FailedPrecondition {
            reason: "INVALID_STATUS_TRANSITION",
            message: format!(
                "{} is {} and cannot be {verb}; only a {} declaration can",
                d.name,
                status(d).as_str_name(),
                from.as_str_name()
            ),
        });
    }
    Ok(())
}

/// A new version must follow an existing, undeleted, non-draft declaration that no other
/// declaration follows yet (checked by the caller with `followed`).
pub fn check_previous(previous: &Declaration, followed: bool) -> Result<(), Error> {
    let refuse = |message: String| Error::FailedPrecondition {
        reason: "INVALID_PREVIOUS_VERSION",
        message,
    };
    if previous.delete_time.is_some() {
        return Err(refuse(format!("{} is deleted", previous.name)));
    }
    if status(previous) == DeclarationStatus::Draft {
        return Err(refuse(format!(
            "{} is a draft: change it instead of versioning it",
            previous.name
        )));
    }
    if followed {
        return Err(refuse(format!(
            "{} already has a next version",
            previous.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_api::declarations::DeclarationTranslation;

    fn draft() -> Declaration {
        Declaration {
            name: "declarations/x".into(),
            title: "Vienna civil society declaration".into(),
            text: "We, the undersigned…".into(),
            language_code: "en".into(),
            areas: vec![DeclarationArea {
                id: "prevention".into(),
                title: "Prevention".into(),
                ..Default::default()
            }],
            status: DeclarationStatus::Draft as i32,
            ..Default::default()
        }
    }

    fn mask(paths: &[&str]) -> engage_platform::field_mask::UpdateMask {
        let m = prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        };
        engage_platform::field_mask::UpdateMask::parse(Some(&m), UPDATABLE).unwrap()
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::InvalidArgument(v) => v.into_iter().map(|v| v.field).collect(),
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn content_errors_name_every_field() {
        let mut d = draft();
        d.title = String::new();
        d.planned_close_date = Some(engage_api::types::Date {
            year: 2026,
            month: 2,
            day: 30,
        });
        d.areas.push(DeclarationArea {
            id: "Prevention".into(),
            title: "x".into(),
            ..Default::default()
        });
        d.translations.push(DeclarationTranslation {
            language_code: "en".into(),
            title: "t".into(),
            text: "t".into(),
            ..Default::default()
        });
        let got = fields(check_content(&d, "declaration").unwrap_err());
        assert_eq!(
            got,
            [
                "declaration.title",
                "declaration.areas[1].id",
                "declaration.translations[0].language_code",
                "declaration.planned_close_date"
            ]
        );
        assert!(check_content(&draft(), "declaration").is_ok());
    }

    #[test]
    fn an_open_declaration_keeps_its_text_but_may_gain_languages() {
        let mut open = draft();
        open.status = DeclarationStatus::Open as i32;
        let mut patch = draft();
        patch.text = "Changed".into();
        let refused = apply_update(&open, patch, &mask(&["text"])).unwrap_err();
        assert!(matches!(
            refused,
            Error::FailedPrecondition {
                reason: "DECLARATION_TEXT_FROZEN",
                ..
            }
        ));
        let mut patch = draft();
        patch.translations.push(DeclarationTranslation {
            language_code: "fr".into(),
            title: "Déclaration".into(),
            text: "Nous…".into(),
            ..Default::default()
        });
        let grown = apply_update(&open, patch, &mask(&["translations"])).unwrap();
        assert_eq!(grown.translations.len(), 1);
        let removed = apply_update(&grown, draft(), &mask(&["translations"])).unwrap_err();
        assert!(matches!(
            removed,
            Error::FailedPrecondition {
                reason: "DECLARATION_TEXT_FROZEN",
                ..
            }
        ));
        // Sending the same title back is no change.
        assert!(apply_update(&open, draft(), &mask(&["title", "planned_close_date"])).is_ok());
    }

    #[test]
    fn status_moves_draft_open_closed_only() {
        let mut d = draft();
        d.areas.clear();
        let incomplete = check_open(&d).unwrap_err();
        assert_eq!(incomplete.code(), tonic::Code::FailedPrecondition);
        let d = draft();
        assert!(check_open(&d).is_ok());
        assert!(check_close(&d).is_err());
        let mut open = d.clone();
        open.status = DeclarationStatus::Open as i32;
        assert!(check_open(&open).is_err());
        assert!(check_close(&open).is_ok());
        assert!(check_signable(&open).is_ok());
        assert!(check_signable(&d).is_err(), "a draft takes no signatures");
        let mut closed = open;
        closed.status = DeclarationStatus::Closed as i32;
        assert!(check_signable(&closed).is_err());
        assert!(apply_update(&closed, draft(), &mask(&["title"])).is_err());
    }

    #[test]
    fn areas_without_id_get_one() {
        let mut areas = vec![DeclarationArea {
            title: "Victims".into(),
            ..Default::default()
        }];
        assign_area_ids(&mut areas);
        assert!(valid_area_id(&areas[0].id));
    }
}
