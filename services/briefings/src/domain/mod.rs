//! The rules of briefings, free of I/O: events, registrations, follow-up actions, and the
//! checks of single fields they share.

pub mod event;
pub mod figures;
pub mod registration;

use engage_api::briefings::FollowUpStatus;
use engage_platform::{Error, Violations};

/// FAILED_PRECONDITION with a stable reason.
pub fn precondition(reason: &'static str, message: impl Into<String>) -> Error {
    Error::FailedPrecondition {
        reason,
        message: message.into(),
    }
}

/// Records a violation when `value` is longer than `max` characters.
pub fn check_len(v: &mut Violations, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
}

/// A syntactically valid email address of at most 254 characters.
pub fn check_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An absolute `https` URL of at most 2,048 characters.
pub fn check_https_url(link: &str) -> bool {
    link.len() <= 2048
        && url::Url::parse(link).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
}

/// A BCP 47 tag of the common form: a 2–3 letter language, then subtags of letters and
/// digits.
pub fn check_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A list of names as stored in a column: a JSON array, searchable for `"value"`.
pub fn json_list<T: ToString>(items: &[T]) -> String {
    serde_json::Value::Array(
        items
            .iter()
            .map(|i| serde_json::Value::String(i.to_string()))
            .collect(),
    )
    .to_string()
}

/// An enum value's name as exports write it: lower case without the type's prefix
/// (`REGISTRATION_STATUS_NO_SHOW` → `no_show`).
pub fn short_name(full: &str, prefix: &str) -> String {
    full.strip_prefix(prefix)
        .unwrap_or(full)
        .to_ascii_lowercase()
}

/// Whether a follow-up action may go from `from` to `to`: anything, except that a DONE or
/// CANCELLED action only reopens (to OPEN).
pub fn follow_up_transition(from: FollowUpStatus, to: FollowUpStatus) -> Result<(), Error> {
    use FollowUpStatus as S;
    if from == to || !matches!(from, S::Done | S::Cancelled) || to == S::Open {
        Ok(())
    } else {
        Err(precondition(
            "INVALID_TRANSITION",
            format!(
                "a {} action can only be reopened (set to FOLLOW_UP_STATUS_OPEN)",
                short_name(from.as_str_name(), "FOLLOW_UP_STATUS_")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_field_checks() {
        assert!(check_email("a.b@example.org"));
        assert!(!check_email("a b@example.org"));
        assert!(!check_email("ab@example"));
        assert!(check_https_url("https://example.org/x"));
        assert!(!check_https_url("http://example.org/x"));
        assert!(check_language("en"));
        assert!(check_language("pt-BR"));
        assert!(!check_language("english"));
        assert_eq!(json_list(&["a".to_owned()]), r#"["a"]"#);
        assert_eq!(
            short_name("SECTOR_PRIVATE_SECTOR", "SECTOR_"),
            "private_sector"
        );
    }

    #[test]
    fn done_actions_only_reopen() {
        use FollowUpStatus as S;
        assert!(follow_up_transition(S::Open, S::Done).is_ok());
        assert!(follow_up_transition(S::Done, S::Open).is_ok());
        assert!(follow_up_transition(S::Done, S::InProgress).is_err());
        assert!(follow_up_transition(S::Cancelled, S::Done).is_err());
    }
}
