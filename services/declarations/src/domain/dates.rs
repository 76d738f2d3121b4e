//! Calendar dates as the contract carries them (`engage.type.v1.Date`), as rules compare
//! them (`time::Date`) and as they are stored and written (`YYYY-MM-DD`, whose text order
//! is date order).

use engage_api::types::Date;

/// The calendar date `d` stands for, or `None` when it is not one (month 13, 30 February,
/// year outside 1 to 9999).
pub fn to_date(d: &Date) -> Option<time::Date> {
    if !(1..=9999).contains(&d.year) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(d.month).ok()?).ok()?;
    time::Date::from_calendar_date(d.year, month, u8::try_from(d.day).ok()?).ok()
}

/// The contract's form of a calendar date.
pub fn from_date(d: time::Date) -> Date {
    Date {
        year: d.year(),
        month: i32::from(u8::from(d.month())),
        day: i32::from(d.day()),
    }
}

/// `YYYY-MM-DD`.
pub fn format(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

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

/// The UTC date of an instant in microseconds since the epoch.
pub fn utc_date(micros: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
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
