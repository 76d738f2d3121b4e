//! The resume cursor: the last position the stream passed in every producing service's
//! stream, as URL-safe base64 of a small JSON object, so that it is opaque to clients, valid
//! on any replica, and usable with other topics than the stream it came from.
//!
//! Since version 2 a cursor also names, per service, the outbox its position counts in (the
//! random id of that service's database, ADR 0024), so that a cursor from another deployment
//! is refused instead of being taken for a position in this one. Version 1 cursors (without
//! it) are still read; the feed checks their positions against the streams' ends only.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The largest cursor accepted, as the contract promises cursors of at most 2 KiB.
pub const MAX_CURSOR_LEN: usize = 2048;

/// The version written: positions and their outboxes.
const VERSION: u8 = 2;
/// Cursors handed out before they named their outboxes; still read.
const VERSION_WITHOUT_ORIGINS: u8 = 1;
/// The longest outbox id accepted (they are 16 hex digits).
const MAX_ORIGIN_LEN: usize = 64;

/// A position per service: every event at or below it was passed (delivered or skipped as
/// non-matching).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Last passed sequence, by service.
    pub positions: BTreeMap<String, i64>,
    /// The outbox each service's position counts in, by service; empty in a version 1
    /// cursor.
    pub origins: BTreeMap<String, String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    v: u8,
    p: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    o: BTreeMap<String, String>,
}

/// Why a cursor was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CursorError {
    /// Longer than any cursor the feed hands out.
    #[error("is longer than 2 KiB")]
    TooLong,
    /// Not a cursor of this feed.
    #[error("is not a cursor of this change feed")]
    Malformed,
}

impl Cursor {
    /// The position in `service`'s stream; 0 (the beginning) when the cursor has none.
    pub fn position(&self, service: &str) -> i64 {
        self.positions.get(service).copied().unwrap_or(0)
    }

    /// The cursor as clients see it.
    pub fn encode(&self) -> String {
        let wire = Wire {
            // Without outboxes it is what a version 1 cursor was.
            v: if self.origins.is_empty() {
                VERSION_WITHOUT_ORIGINS
            } else {
                VERSION
            },
            p: self.positions.clone(),
            o: self.origins.clone(),
        };
        // Serialising a map of strings to integers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
    }

    /// Reads a cursor a client sent back.
    pub fn decode(text: &str) -> Result<Self, CursorError> {
        if text.len() > MAX_CURSOR_LEN {
            return Err(CursorError::TooLong);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| CursorError::Malformed)?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        let known = wire
            .p
            .iter()
            .all(|(service, &position)| crate::topics::is_producer(service) && position >= 0);
        let origins_known = wire.o.iter().all(|(service, origin)| {
            crate::topics::is_producer(service)
                && !origin.is_empty()
                && origin.len() <= MAX_ORIGIN_LEN
                && origin.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        let versioned = match wire.v {
            VERSION => !wire.o.is_empty(),
            VERSION_WITHOUT_ORIGINS => wire.o.is_empty(),
            _ => false,
        };
        if !versioned || !known || !origins_known {
            return Err(CursorError::Malformed);
        }
        Ok(Self {
            positions: wire.p,
            origins: wire.o,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_it_was_written_and_stays_small() {
        let mut cursor = Cursor::default();
        for (i, service) in crate::topics::PRODUCERS.iter().enumerate() {
            cursor
                .positions
                .insert((*service).to_owned(), i64::MAX - i as i64);
        }
        for service in crate::topics::PRODUCERS {
            cursor
                .origins
                .insert((*service).to_owned(), "f".repeat(MAX_ORIGIN_LEN));
        }
        let text = cursor.encode();
        assert!(text.len() <= MAX_CURSOR_LEN);
        assert_eq!(Cursor::decode(&text), Ok(cursor));
    }

    #[test]
    fn a_cursor_names_the_outboxes_of_its_positions_and_older_cursors_still_read() {
        let mut cursor = Cursor::default();
        cursor.positions.insert("contacts".into(), 3);
        cursor
            .origins
            .insert("contacts".into(), "0123456789abcdef".into());
        let wire: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(cursor.encode()).unwrap()).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"v": 2, "p": {"contacts": 3}, "o": {"contacts": "0123456789abcdef"}})
        );
        let older = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":{"contacts":996}}"#);
        let read = Cursor::decode(&older).unwrap();
        assert_eq!(read.position("contacts"), 996);
        assert!(read.origins.is_empty());
    }

    #[test]
    fn foreign_or_damaged_cursors_are_refused() {
        assert_eq!(Cursor::decode("not base64!"), Err(CursorError::Malformed));
        let other = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":{"billing":3}}"#);
        assert_eq!(Cursor::decode(&other), Err(CursorError::Malformed));
        let negative = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":{"contacts":-1}}"#);
        assert_eq!(Cursor::decode(&negative), Err(CursorError::Malformed));
        assert_eq!(Cursor::decode(&"A".repeat(3000)), Err(CursorError::TooLong));
        for odd in [
            r#"{"v":2,"p":{"contacts":3}}"#,
            r#"{"v":1,"p":{"contacts":3},"o":{"contacts":"ab"}}"#,
            r#"{"v":2,"p":{"contacts":3},"o":{"billing":"ab"}}"#,
            r#"{"v":2,"p":{"contacts":3},"o":{"contacts":"a b"}}"#,
            r#"{"v":3,"p":{"contacts":3},"o":{"contacts":"ab"}}"#,
        ] {
            let text = URL_SAFE_NO_PAD.encode(odd.as_bytes());
            assert_eq!(Cursor::decode(&text), Err(CursorError::Malformed), "{odd}");
        }
    }
}
