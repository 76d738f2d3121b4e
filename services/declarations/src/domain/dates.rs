//! Calendar dates as the contract carries them (`engage.type.v1.Date`), as rules compare
//! them (`time::Date`) and as they are stored and written (`YYYY-MM-DD`, whose text order
//! is date order).

use engage_api::types::Date;
pub use engage_platform::dates::{format, from_date, to_date, utc_date};

/// Reads `YYYY-MM-DD` as stored; `None` for anything else.
pub fn parse(s: &str) -> Option<time::Date> {
    let bytes = s.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| s.get(range)?.parse::<i32>().ok();
    to_date(&Date {
        year: number(0..4)?,
        month: number(5..7)?,
        day: number(8..10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_refuse_what_is_not_a_day() {
        let d = to_date(&Date {
            year: 2026,
            month: 2,
            day: 28,
        })
        .unwrap();
        assert_eq!(format(d), "2026-02-28");
        assert_eq!(parse("2026-02-28"), Some(d));
        assert_eq!(from_date(d).day, 28);
        assert_eq!(parse("2026-02-30"), None);
        assert_eq!(parse("2026-2-28"), None);
        assert!(
            to_date(&Date {
                year: 2026,
                month: 13,
                day: 1
            })
            .is_none()
        );
    }

    #[test]
    fn instants_fall_on_their_utc_day() {
        // 2026-11-25T23:59:59Z and one second later.
        assert_eq!(format(utc_date(1_795_651_199_000_000)), "2026-11-25");
        assert_eq!(format(utc_date(1_795_651_200_000_000)), "2026-11-26");
    }
}
