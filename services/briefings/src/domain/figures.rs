//! Attendance figures from the database's `GROUP BY` counts: each breakdown lists the
//! values that occur, in enum order, and its rows add up to the totals.

use std::collections::BTreeMap;

use engage_api::briefings::{
    AttendanceBreakdown, GenderAttendance, RegionalGroupAttendance, RegistrationCounts,
    SectorAttendance,
};

use crate::store::StatusCounts;
use crate::store::sql::Counted;

/// The counts as the API returns them.
pub fn counts(c: &StatusCounts) -> RegistrationCounts {
    let n = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    RegistrationCounts {
        registered: n(c.registered),
        waitlisted: n(c.waitlisted),
        cancelled: n(c.cancelled),
        attended: n(c.attended),
        no_show: n(c.no_show),
    }
}

/// Sums `(key, status, n)` rows per key, keys in ascending (enum) order.
pub fn by_key(rows: &[Counted]) -> BTreeMap<i32, StatusCounts> {
    let mut map: BTreeMap<i32, StatusCounts> = BTreeMap::new();
    for row in rows {
        map.entry(row.key).or_default().add(row.status, row.n);
    }
    map
}

/// The grouped counts of one set of registrations.
#[derive(Debug, Default)]
pub struct Grouped {
    /// By status only (key 0).
    pub totals: Vec<Counted>,
    /// By sector.
    pub sector: Vec<Counted>,
    /// By regional group.
    pub regional_group: Vec<Counted>,
    /// By gender.
    pub gender: Vec<Counted>,
    /// By the youth flag (key 1 for youth).
    pub youth: Vec<Counted>,
    /// Distinct organisations with an attended registration.
    pub organizations_attended: i64,
    /// Distinct countries with an attended registration.
    pub countries_attended: i64,
}

/// Assembles a breakdown.
pub fn breakdown(g: &Grouped) -> AttendanceBreakdown {
    let totals = by_key(&g.totals)
        .into_values()
        .fold(StatusCounts::default(), |mut acc, c| {
            acc.merge(&c);
            acc
        });
    let youth = by_key(&g.youth).remove(&1).unwrap_or_default();
    AttendanceBreakdown {
        totals: Some(counts(&totals)),
        by_sector: by_key(&g.sector)
            .into_iter()
            .map(|(sector, c)| SectorAttendance {
                sector,
                counts: Some(counts(&c)),
            })
            .collect(),
        by_regional_group: by_key(&g.regional_group)
            .into_iter()
            .map(|(regional_group, c)| RegionalGroupAttendance {
                regional_group,
                counts: Some(counts(&c)),
            })
            .collect(),
        by_gender: by_key(&g.gender)
            .into_iter()
            .map(|(gender, c)| GenderAttendance {
                gender,
                counts: Some(counts(&c)),
            })
            .collect(),
        youth: Some(counts(&youth)),
        organizations_attended: i32::try_from(g.organizations_attended).unwrap_or(i32::MAX),
        countries_attended: i32::try_from(g.countries_attended).unwrap_or(i32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: i32, status: i32, n: i64) -> Counted {
        Counted { key, status, n }
    }

    #[test]
    fn rows_are_summed_per_value_in_enum_order() {
        let g = Grouped {
            totals: vec![row(0, 1, 3), row(0, 4, 2)],
            sector: vec![row(2, 1, 1), row(1, 1, 2), row(1, 4, 2)],
            youth: vec![row(0, 1, 3), row(1, 4, 1)],
            ..Default::default()
        };
        let b = breakdown(&g);
        let totals = b.totals.unwrap();
        assert_eq!((totals.registered, totals.attended), (3, 2));
        let sectors: Vec<_> = b.by_sector.iter().map(|s| s.sector).collect();
        assert_eq!(sectors, [1, 2]);
        assert_eq!(b.by_sector[0].counts.unwrap().attended, 2);
        assert_eq!(b.youth.unwrap().attended, 1);
        assert_eq!(b.youth.unwrap().registered, 0);
    }
}
