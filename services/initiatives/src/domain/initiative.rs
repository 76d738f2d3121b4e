//! What a valid initiative is, and which status may follow which.

use std::collections::HashSet;

use engage_api::initiatives::{Initiative, InitiativeStatus, Priority};
use engage_api::types::ThematicArea;
use engage_platform::error::Violations;
use engage_platform::{Error, Violation, regions};

use super::{check_length, dates};

/// The fields of an initiative an update may name.
pub const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "country_code",
    "government_focal_points",
    "civil_society_partners",
    "coordinators",
    "priorities",
    "start_date",
    "target_date",
];

/// Limits of the contract.
const MAX_FOCAL_POINTS: usize = 50;
const MAX_PARTNERS: usize = 200;
const MAX_COORDINATORS: usize = 20;
const MAX_PRIORITIES: usize = 50;

/// Checks `initiative` as a create or update would store it, trimming the title, upper-casing
/// the country, deriving its regional group and giving new priorities an id. Every broken
/// rule is reported at once, with the field path under `prefix` (`initiative`).
pub fn normalize(initiative: &mut Initiative, prefix: &str) -> Result<(), Error> {
    let mut v = Violations::new();
    let field = |name: &str| format!("{prefix}.{name}");
    initiative.title = initiative.title.trim().to_owned();
    check_length(&mut v, &field("title"), &initiative.title, 1, 200);
    check_length(
        &mut v,
        &field("description"),
        &initiative.description,
        0,
        10_000,
    );

    initiative.country_code = initiative.country_code.trim().to_owned();
    match regions::regional_group(&initiative.country_code) {
        _ if initiative.country_code.is_empty() => v.add(field("country_code"), "is required"),
        Some(group) => initiative.regional_group = group as i32,
        None => v.add(
            field("country_code"),
            format!(
                "{:?} is not an ISO 3166-1 alpha-2 country code (upper case)",
                initiative.country_code
            ),
        ),
    }

    if initiative.government_focal_points.len() > MAX_FOCAL_POINTS {
        v.add(
            field("government_focal_points"),
            format!("at most {MAX_FOCAL_POINTS} focal points"),
        );
    }
    for (i, point) in initiative.government_focal_points.iter().enumerate() {
        let at = field(&format!("government_focal_points[{i}]"));
        if point.person.is_empty() {
            v.add(format!("{at}.person"), "is required");
        }
        check_length(&mut v, &format!("{at}.role"), &point.role, 0, 200);
    }

    if initiative.civil_society_partners.len() > MAX_PARTNERS {
        v.add(
            field("civil_society_partners"),
            format!("at most {MAX_PARTNERS} partners"),
        );
    }
    let mut partners = HashSet::new();
    for (i, partner) in initiative.civil_society_partners.iter().enumerate() {
        let at = field(&format!("civil_society_partners[{i}]"));
        if partner.organization.is_empty() {
            v.add(format!("{at}.organization"), "is required");
        } else if !partners.insert(partner.organization.as_str()) {
            v.add(
                format!("{at}.organization"),
                format!(
                    "{} is already a partner of this initiative",
                    partner.organization
                ),
            );
        }
        check_length(&mut v, &format!("{at}.role"), &partner.role, 0, 200);
    }

    if initiative.coordinators.len() > MAX_COORDINATORS {
        v.add(
            field("coordinators"),
            format!("at most {MAX_COORDINATORS} coordinators"),
        );
    }
    let mut subjects = HashSet::new();
    for (i, coordinator) in initiative.coordinators.iter().enumerate() {
        let at = field(&format!("coordinators[{i}]"));
        check_length(
            &mut v,
            &format!("{at}.subject"),
            &coordinator.subject,
            1,
            255,
        );
        if !coordinator.subject.is_empty() && !subjects.insert(coordinator.subject.as_str()) {
            v.add(format!("{at}.subject"), "is listed twice");
        }
        check_length(
            &mut v,
            &format!("{at}.display_name"),
            &coordinator.display_name,
            0,
            200,
        );
    }

    check_priorities(&mut v, &field("priorities"), &mut initiative.priorities);

    let start = check_date(&mut v, &field("start_date"), initiative.start_date.as_ref());
    let target = check_date(
        &mut v,
        &field("target_date"),
        initiative.target_date.as_ref(),
    );
    if let (Some(start), Some(target)) = (start, target)
        && target < start
    {
        v.add(field("target_date"), "must be on or after start_date");
    }
    v.finish()
}

fn check_date(
    v: &mut Violations,
    field: &str,
    date: Option<&engage_api::types::Date>,
) -> Option<time::Date> {
    let date = date?;
    match dates::parse(field, date) {
        Ok(d) => Some(d),
        Err(violation) => {
            v.check(Err(violation));
            None
        }
    }
}

fn check_priorities(v: &mut Violations, field: &str, priorities: &mut [Priority]) {
    if priorities.len() > MAX_PRIORITIES {
        v.add(field, format!("at most {MAX_PRIORITIES} priorities"));
    }
    let mut ids = HashSet::new();
    for (i, priority) in priorities.iter_mut().enumerate() {
        let at = format!("{field}[{i}]");
        if priority.id.is_empty() {
            priority.id = engage_platform::resource::new_id();
        } else if !is_priority_id(&priority.id) {
            v.add(
                format!("{at}.id"),
                "must be 1-63 characters of a-z, 0-9 and -",
            );
        }
        if !ids.insert(priority.id.clone()) {
            v.add(format!("{at}.id"), "is used by another priority");
        }
        if ThematicArea::try_from(priority.thematic_area)
            .is_ok_and(|a| a == ThematicArea::Unspecified)
            || ThematicArea::try_from(priority.thematic_area).is_err()
        {
            v.add(format!("{at}.thematic_area"), "is required");
        }
        check_length(
            v,
            &format!("{at}.description"),
            &priority.description,
            1,
            2_000,
        );
    }
}

fn is_priority_id(id: &str) -> bool {
    (1..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The status a transition method leads to, and the statuses it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// PROPOSED → LAUNCHED
    Launch,
    /// LAUNCHED → ACTIVE
    Activate,
    /// ACTIVE → SUSPENDED
    Suspend,
    /// SUSPENDED → ACTIVE
    Resume,
    /// ACTIVE → COMPLETED
    Complete,
}

impl Transition {
    /// The status the initiative must be in.
    pub fn from(self) -> InitiativeStatus {
        match self {
            Transition::Launch => InitiativeStatus::Proposed,
            Transition::Activate => InitiativeStatus::Launched,
            Transition::Suspend | Transition::Complete => InitiativeStatus::Active,
            Transition::Resume => InitiativeStatus::Suspended,
        }
    }

    /// The status it leads to.
    pub fn to(self) -> InitiativeStatus {
        match self {
            Transition::Launch => InitiativeStatus::Launched,
            Transition::Activate | Transition::Resume => InitiativeStatus::Active,
            Transition::Suspend => InitiativeStatus::Suspended,
            Transition::Complete => InitiativeStatus::Completed,
        }
    }

    /// The verb of its event, such as `launched`.
    pub fn verb(self) -> &'static str {
        match self {
            Transition::Launch => "launched",
            Transition::Activate => "activated",
            Transition::Suspend => "suspended",
            Transition::Resume => "resumed",
            Transition::Complete => "completed",
        }
    }

    /// Checks that the transition may be made from `current`: FAILED_PRECONDITION
    /// (`INVALID_STATUS_TRANSITION`) saying why not.
    pub fn check(self, current: InitiativeStatus) -> Result<(), Error> {
        if current == self.from() {
            return Ok(());
        }
        let why = if current == InitiativeStatus::Completed {
            "a completed initiative is final".to_owned()
        } else {
            format!("only a {} initiative can be", self.from().as_str_name())
        };
        Err(Error::FailedPrecondition {
            reason: "INVALID_STATUS_TRANSITION",
            message: format!(
                "cannot move the initiative from {} to {}: {why}",
                current.as_str_name(),
                self.to().as_str_name()
            ),
        })
    }
}

/// Checks the effective date of a transition: not after today, not before the previous
/// transition's. Returns the date to record (today when none was given).
pub fn effective_date(
    given: Option<&engage_api::types::Date>,
    previous: Option<time::Date>,
    today: time::Date,
) -> Result<time::Date, Violation> {
    let date = match given {
        Some(d) => dates::parse("effective_date", d)?,
        None => today,
    };
    if date > today {
        return Err(Violation::new(
            "effective_date",
            format!("{} is in the future", dates::format(date)),
        ));
    }
    if let Some(previous) = previous
        && date < previous
    {
        return Err(Violation::new(
            "effective_date",
            format!(
                "must not be before the previous status change, effective {}",
                dates::format(previous)
            ),
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::violated_fields as fields;
    use engage_api::initiatives::{CivilSocietyPartner, Coordinator};
    use engage_api::types::Date;

    fn valid() -> Initiative {
        Initiative {
            title: "  Kenya pilot  ".into(),
            country_code: "KE".into(),
            priorities: vec![Priority {
                id: String::new(),
                thematic_area: ThematicArea::TraffickingInPersons as i32,
                description: "Victims identified".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_initiative_is_normalised() {
        let mut i = valid();
        normalize(&mut i, "initiative").unwrap();
        assert_eq!(i.title, "Kenya pilot");
        assert_eq!(
            i.regional_group,
            engage_api::types::RegionalGroup::African as i32
        );
        assert!(!i.priorities[0].id.is_empty(), "a new priority gets an id");
    }

    #[test]
    fn every_broken_rule_is_named() {
        let mut i = valid();
        i.title = " ".into();
        i.country_code = "ke".into();
        i.civil_society_partners = vec![
            CivilSocietyPartner {
                organization: "organizations/a".into(),
                ..Default::default()
            },
            CivilSocietyPartner {
                organization: "organizations/a".into(),
                ..Default::default()
            },
        ];
        i.coordinators = vec![Coordinator::default()];
        i.priorities[0].thematic_area = 0;
        i.priorities[0].id = "Bad Id".into();
        i.start_date = Some(Date {
            year: 2026,
            month: 5,
            day: 1,
        });
        i.target_date = Some(Date {
            year: 2026,
            month: 4,
            day: 1,
        });
        assert_eq!(
            fields(normalize(&mut i, "initiative").unwrap_err()),
            [
                "initiative.title",
                "initiative.country_code",
                "initiative.civil_society_partners[1].organization",
                "initiative.coordinators[0].subject",
                "initiative.priorities[0].id",
                "initiative.priorities[0].thematic_area",
                "initiative.target_date",
            ]
        );
    }

    #[test]
    fn only_the_lifecycle_transitions_are_allowed() {
        use InitiativeStatus::*;
        let all = [Proposed, Launched, Active, Completed, Suspended];
        let transitions = [
            Transition::Launch,
            Transition::Activate,
            Transition::Suspend,
            Transition::Resume,
            Transition::Complete,
        ];
        let mut allowed = Vec::new();
        for t in transitions {
            for s in all {
                match t.check(s) {
                    Ok(()) => allowed.push((s, t.to())),
                    Err(Error::FailedPrecondition { reason, .. }) => {
                        assert_eq!(reason, "INVALID_STATUS_TRANSITION")
                    }
                    Err(other) => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(
            allowed,
            [
                (Proposed, Launched),
                (Launched, Active),
                (Active, Suspended),
                (Suspended, Active),
                (Active, Completed),
            ]
        );
    }

    #[test]
    fn effective_dates_are_not_in_the_future_nor_before_the_last_change() {
        let today = dates::parse(
            "d",
            &Date {
                year: 2026,
                month: 11,
                day: 25,
            },
        )
        .unwrap();
        assert_eq!(effective_date(None, None, today).unwrap(), today);
        let tomorrow = Date {
            year: 2026,
            month: 11,
            day: 26,
        };
        assert!(effective_date(Some(&tomorrow), None, today).is_err());
        let earlier = Date {
            year: 2026,
            month: 11,
            day: 1,
        };
        let previous = dates::parse(
            "d",
            &Date {
                year: 2026,
                month: 11,
                day: 10,
            },
        )
        .unwrap();
        assert!(effective_date(Some(&earlier), Some(previous), today).is_err());
    }
}
