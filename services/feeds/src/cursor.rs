//! The resume cursor: the last position the stream passed in every producing service's
//! stream, as URL-safe base64 of a small JSON object, so that it is opaque to clients, valid
//! on any replica, and usable with other topics than the stream it came from.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The largest cursor accepted, as the contract promises cursors of at most 2 KiB.
pub const MAX_CURSOR_LEN: usize = 2048;

const VERSION: u8 = 1;

/// A position per service: every event at or below it was passed (delivered or skipped as
/// non-matching).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Last passed sequence, by service.
    pub positions: BTreeMap<String, i64>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    v: u8,
    p: BTreeMap<String, i64>,
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
            v: VERSION,
            p: self.positions.clone(),
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
        if wire.v != VERSION || !known {
            return Err(CursorError::Malformed);
        }
        Ok(Self { positions: wire.p })
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
        let text = cursor.encode();
        assert!(text.len() <= MAX_CURSOR_LEN);
        assert_eq!(Cursor::decode(&text), Ok(cursor));
    }

    #[test]
    fn foreign_or_damaged_cursors_are_refused() {
        assert_eq!(Cursor::decode("not base64!"), Err(CursorError::Malformed));
        let other = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":{"billing":3}}"#);
        assert_eq!(Cursor::decode(&other), Err(CursorError::Malformed));
        let negative = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":{"contacts":-1}}"#);
        assert_eq!(Cursor::decode(&negative), Err(CursorError::Malformed));
        assert_eq!(Cursor::decode(&"A".repeat(3000)), Err(CursorError::TooLong));
    }
}
