//! Resource identity and versions: UUIDv7 ids, resource names, etags, timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Violation};

/// A new resource id: a UUIDv7, so ids sort by creation time and index well.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that `id` is a UUID as engage writes it (lower case, hyphenated).
pub fn is_valid_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id)
}

/// Takes the id out of a resource name of the form `{collection}/{id}`, such as
/// `organizations/0190…`. `field` names the request field for the error.
pub fn parse_name<'a>(collection: &str, name: &'a str, field: &str) -> Result<&'a str, Violation> {
    match name.split_once('/') {
        Some((c, id)) if c == collection && is_valid_id(id) => Ok(id),
        _ if name.is_empty() => Err(Violation::new(field, "is required")),
        _ => Err(Violation::new(
            field,
            format!("must be a resource name of the form {collection}/{{id}}"),
        )),
    }
}

/// Takes the parent and child ids out of a name such as
/// `initiatives/{initiative}/milestones/{milestone}`.
pub fn parse_child_name<'a>(
    parent_collection: &str,
    collection: &str,
    name: &'a str,
    field: &str,
) -> Result<(&'a str, &'a str), Violation> {
    let mut parts = name.split('/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(pc), Some(pid), Some(c), Some(id), None)
            if pc == parent_collection
                && c == collection
                && is_valid_id(pid)
                && is_valid_id(id) =>
        {
            Ok((pid, id))
        }
        _ if name.is_empty() => Err(Violation::new(field, "is required")),
        _ => Err(Violation::new(
            field,
            format!(
                "must be a resource name of the form {parent_collection}/{{id}}/{collection}/{{id}}"
            ),
        )),
    }
}

/// Microseconds since the Unix epoch, the form in which every service stores instants.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Stored microseconds as a protobuf timestamp.
pub fn timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1_000) as i32,
    }
}

/// A protobuf timestamp as stored microseconds.
pub fn micros(ts: &prost_types::Timestamp) -> i64 {
    ts.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(ts.nanos) / 1_000)
}

/// The etag of a resource at a revision. Every successful write increments the revision;
/// the etag is opaque to clients, who only send it back.
pub fn etag(revision: i64) -> String {
    format!("\"{revision}\"")
}

/// Checks the etag a client sent against the current revision: an empty etag means the
/// client does not ask for the check; a different one is ABORTED.
pub fn check_etag(sent: &str, current_revision: i64, resource: &str) -> Result<(), Error> {
    if sent.is_empty() || sent == etag(current_revision) {
        Ok(())
    } else {
        Err(Error::StaleEtag {
            resource: resource.to_owned(),
        })
    }
}

/// A message field the request must carry: INVALID_ARGUMENT on `field` when it is absent.
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid(field, "is required"))
}

/// Update, Delete, Undelete and state changes must say which version they change: an empty
/// etag is INVALID_ARGUMENT on `field` (where [`check_etag`] would let it through).
pub fn require_etag(etag: &str, field: &str) -> Result<(), Error> {
    if etag.is_empty() {
        return Err(Error::invalid(
            field,
            "is required: send the etag of the version you read",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_valid_and_increase() {
        let a = new_id();
        let b = new_id();
        assert!(is_valid_id(&a));
        assert!(a < b, "UUIDv7 sort by creation: {a} < {b}");
    }

    #[test]
    fn names_are_parsed_strictly() {
        let id = new_id();
        let name = format!("organizations/{id}");
        assert_eq!(parse_name("organizations", &name, "name").unwrap(), id);
        assert!(parse_name("people", &name, "name").is_err());
        assert!(parse_name("organizations", "organizations/42", "name").is_err());
        assert!(parse_name("organizations", &format!("{name}/x"), "name").is_err());
        let empty = parse_name("organizations", "", "name").unwrap_err();
        assert_eq!(empty.description, "is required");
        let upper = format!("organizations/{}", id.to_uppercase());
        assert!(parse_name("organizations", &upper, "name").is_err());
    }

    #[test]
    fn child_names_are_parsed_strictly() {
        let (p, c) = (new_id(), new_id());
        let name = format!("initiatives/{p}/milestones/{c}");
        assert_eq!(
            parse_child_name("initiatives", "milestones", &name, "name").unwrap(),
            (p.as_str(), c.as_str())
        );
        assert!(parse_child_name("initiatives", "progressEntries", &name, "name").is_err());
    }

    #[test]
    fn timestamps_round_trip_including_before_the_epoch() {
        for m in [0, 1, 1_700_000_000_123_456, -1, -1_500_000] {
            assert_eq!(micros(&timestamp(m)), m);
        }
        let t = timestamp(-1);
        assert!(t.nanos >= 0 && t.nanos < 1_000_000_000);
    }

    #[test]
    fn etags_check_the_revision() {
        assert!(check_etag("", 3, "x").is_ok());
        assert!(check_etag(&etag(3), 3, "x").is_ok());
        assert!(matches!(
            check_etag(&etag(2), 3, "x"),
            Err(Error::StaleEtag { .. })
        ));
        assert!(matches!(
            check_etag("garbage", 3, "x"),
            Err(Error::StaleEtag { .. })
        ));
    }
}
