//! Calendar dates as the contract carries them (`engage.type.v1.Date`), as rules compare
//! them (`time::Date`) and as services store them (`YYYY-MM-DD` text, whose order is the
//! dates' order on both databases).

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

/// `YYYY-MM-DD`, as stored.
pub fn format(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
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

    fn date(year: i32, month: i32, day: i32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn real_dates_convert_both_ways() {
        let d = date(2024, 2, 29);
        let t = to_date(&d).unwrap();
        assert_eq!(from_date(t), d);
        assert_eq!(format(t), "2024-02-29");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (y, m, d) in [
            (2023, 2, 29),
            (2023, 13, 1),
            (0, 1, 1),
            (2026, 0, 1),
            (10_000, 1, 1),
        ] {
            assert_eq!(to_date(&date(y, m, d)), None, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn instants_fall_on_their_utc_day() {
        // 2026-11-25T23:59:59Z and one second later; before the epoch rounds down.
        assert_eq!(format(utc_date(1_795_651_199_000_000)), "2026-11-25");
        assert_eq!(format(utc_date(1_795_651_200_000_000)), "2026-11-26");
        assert_eq!(format(utc_date(-1)), "1969-12-31");
    }
}
