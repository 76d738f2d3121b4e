//! Calendar dates as the API sends them (`engage.type.v1.Date`) and as the store keeps them
//! (`YYYY-MM-DD` text, which sorts and compares like the dates themselves on both databases).

use engage_api::types::Date;
use engage_platform::Violation;
use engage_platform::dates::to_date;
pub use engage_platform::dates::{format, from_date, utc_date};

/// A date of the API, checked; `field` names it in the violation.
pub fn parse(field: &str, date: &Date) -> Result<time::Date, Violation> {
    to_date(date).ok_or_else(|| Violation::new(field, "is not a valid calendar date"))
}

/// An optional date of the API as stored text ("" when unset).
pub fn optional_text(field: &str, date: Option<&Date>) -> Result<String, Violation> {
    date.map(|d| parse(field, d).map(format))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Stored text as a date of the API; `None` for "" or anything unreadable.
pub fn from_text(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let date = Date {
        year: parts.next()?.parse().ok()?,
        month: parts.next()?.parse().ok()?,
        day: parts.next()?.parse().ok()?,
    };
    parse("", &date).ok().map(from_date)
}

/// Days from `today` to `date` (negative when `date` is past).
pub fn days_between(today: time::Date, date: time::Date) -> i32 {
    i32::try_from((date - today).whole_days()).unwrap_or(i32::MAX)
}

/// `today` plus `days`.
pub fn add_days(today: time::Date, days: i32) -> time::Date {
    today
        .checked_add(time::Duration::days(i64::from(days)))
        .unwrap_or(time::Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_their_stored_text() {
        let d = Date {
            year: 2026,
            month: 3,
            day: 9,
        };
        let text = format(parse("d", &d).unwrap());
        assert_eq!(text, "2026-03-09");
        assert_eq!(from_text(&text), Some(d));
        assert_eq!(from_text(""), None);
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (y, m, d) in [(2026, 2, 30), (2026, 13, 1), (0, 1, 1), (2026, 0, 1)] {
            let date = Date {
                year: y,
                month: m,
                day: d,
            };
            assert_eq!(parse("due_date", &date).unwrap_err().field, "due_date");
        }
    }

    #[test]
    fn day_arithmetic() {
        let today = parse(
            "d",
            &Date {
                year: 2026,
                month: 12,
                day: 30,
            },
        )
        .unwrap();
        assert_eq!(format(add_days(today, 3)), "2027-01-02");
        assert_eq!(days_between(today, add_days(today, -4)), -4);
        assert_eq!(format(utc_date(0)), "1970-01-01");
    }
}
