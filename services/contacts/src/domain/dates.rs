//! Calendar dates as the contract carries them (`engage.type.v1.Date`) and as the rules
//! compare them (`time::Date`).

use engage_api::types::Date;
use engage_platform::Violation;
pub use engage_platform::dates::{from_date, to_date};

/// The earliest year the register accepts in any date. Older dates are typing mistakes
/// rather than history (the contract states it for birth dates; it is applied to every date).
pub const MIN_YEAR: i32 = 1900;

/// `YYYY-MM-DD`, the form filters, audit entries and CSV files use.
pub fn format_date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// Reads `YYYY-MM-DD` (exactly that shape, a real calendar date).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i32> {
        let part = s.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let date = Date {
        year: number(0..4)?,
        month: number(5..7)?,
        day: number(8..10)?,
    };
    to_date(&date).map(|_| date)
}

/// Checks an optional date field: when set it must be a real calendar date from
/// [`MIN_YEAR`]. Returns the date for further comparisons.
pub(crate) fn check_date(
    out: &mut Vec<Violation>,
    field: &str,
    value: Option<&Date>,
) -> Option<time::Date> {
    let d = value?;
    match to_date(d) {
        Some(date) if date.year() >= MIN_YEAR => Some(date),
        Some(_) => {
            out.push(Violation::new(
                field,
                format!("must be in {MIN_YEAR} or later"),
            ));
            None
        }
        None => {
            out.push(Violation::new(
                field,
                format!("{} is not a calendar date", format_date(d)),
            ));
            None
        }
    }
}

/// Completed years between `birth` and `today`.
pub(crate) fn age(birth: time::Date, today: time::Date) -> i32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The same day a year after `today` (28 February for 29 February).
pub(crate) fn one_year_after(today: time::Date) -> time::Date {
    today
        .replace_year(today.year() + 1)
        .or_else(|_| {
            today
                .replace_day(28)
                .and_then(|d| d.replace_year(d.year() + 1))
        })
        .unwrap_or(today)
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
        assert_eq!(format_date(&d), "2024-02-29");
        assert_eq!(parse_date("2024-02-29"), Some(d));
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(to_date(&date(2023, 2, 29)), None);
        assert_eq!(to_date(&date(2023, 13, 1)), None);
        assert_eq!(to_date(&date(0, 1, 1)), None);
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("2023-2-3"), None);
        assert_eq!(parse_date("+023-02-03"), None);
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = to_date(&date(2000, 6, 15)).unwrap();
        assert_eq!(age(birth, to_date(&date(2018, 6, 14)).unwrap()), 17);
        assert_eq!(age(birth, to_date(&date(2018, 6, 15)).unwrap()), 18);
    }

    #[test]
    fn a_year_after_a_leap_day_is_the_28th() {
        let leap = to_date(&date(2024, 2, 29)).unwrap();
        assert_eq!(from_date(one_year_after(leap)), date(2025, 2, 28));
    }

    #[test]
    fn dates_before_1900_are_refused() {
        let mut out = Vec::new();
        assert!(check_date(&mut out, "person.birth_date", Some(&date(1899, 12, 31))).is_none());
        assert_eq!(out[0].field, "person.birth_date");
    }
}
