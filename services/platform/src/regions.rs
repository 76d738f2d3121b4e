//! Country → UN regional group, from the checked reference table shipped in
//! `reference/un-regional-groups.csv` (sources in `reference/README.md`).

use std::collections::HashMap;
use std::sync::LazyLock;

use engage_api::types::RegionalGroup;

const TABLE: &str = include_str!("../reference/un-regional-groups.csv");

static GROUPS: LazyLock<HashMap<&'static str, (&'static str, RegionalGroup)>> =
    LazyLock::new(|| {
        TABLE
            .lines()
            .skip(1)
            .filter_map(|line| {
                // iso_alpha2,country,regional_group,note — the note may be quoted and hold commas,
                // but the first three columns never do.
                let mut cols = line.splitn(4, ',');
                let code = cols.next()?;
                let country = cols.next()?;
                let group = match cols.next()? {
                    "african" => RegionalGroup::African,
                    "asia_pacific" => RegionalGroup::AsiaPacific,
                    "eastern_european" => RegionalGroup::EasternEuropean,
                    "latin_american_caribbean" => RegionalGroup::LatinAmericanCaribbean,
                    "western_european_others" => RegionalGroup::WesternEuropeanOthers,
                    "none" => RegionalGroup::None,
                    _ => return None,
                };
                Some((code, (country, group)))
            })
            .collect()
    });

/// The regional group of an ISO 3166-1 alpha-2 code (upper case), or `None` when the code
/// is not a UN member or observer state in the table.
pub fn regional_group(country_code: &str) -> Option<RegionalGroup> {
    GROUPS.get(country_code).map(|(_, g)| *g)
}

/// The UN short name of a country code.
pub fn country_name(country_code: &str) -> Option<&'static str> {
    GROUPS.get(country_code).map(|(n, _)| *n)
}

/// Every country code in the table, sorted.
pub fn country_codes() -> Vec<&'static str> {
    let mut codes: Vec<_> = GROUPS.keys().copied().collect();
    codes.sort_unstable();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_member_and_both_observers() {
        assert_eq!(country_codes().len(), 195);
        let count = |g| {
            country_codes()
                .into_iter()
                .filter(|c| regional_group(c) == Some(g))
                .count()
        };
        assert_eq!(count(RegionalGroup::African), 54);
        assert_eq!(count(RegionalGroup::EasternEuropean), 23);
        assert_eq!(count(RegionalGroup::LatinAmericanCaribbean), 33);
    }

    #[test]
    fn special_cases_follow_the_reference_notes() {
        assert_eq!(
            regional_group("US"),
            Some(RegionalGroup::WesternEuropeanOthers)
        );
        assert_eq!(
            regional_group("IL"),
            Some(RegionalGroup::WesternEuropeanOthers)
        );
        assert_eq!(
            regional_group("TR"),
            Some(RegionalGroup::WesternEuropeanOthers)
        );
        assert_eq!(regional_group("CY"), Some(RegionalGroup::AsiaPacific));
        assert_eq!(regional_group("PS"), Some(RegionalGroup::AsiaPacific));
        assert_eq!(
            regional_group("VA"),
            Some(RegionalGroup::WesternEuropeanOthers)
        );
        assert_eq!(country_name("AT"), Some("Austria"));
        assert_eq!(regional_group("XK"), None);
        assert_eq!(regional_group("at"), None);
    }
}
