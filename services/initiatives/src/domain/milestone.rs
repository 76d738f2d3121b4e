//! What a valid milestone is, when its status may change, and what forms a dependency cycle.

use std::collections::{HashMap, HashSet};

use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::{Initiative, Milestone, MilestoneStatus};
use engage_platform::error::Violations;
use engage_platform::resource::parse_child_name;
use engage_platform::{Error, Violation};

use super::{check_length, dates};

/// The fields of a milestone an update may name.
pub const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "owner",
    "priority_id",
    "due_date",
    "status",
    "status_note",
    "percent_complete",
    "depends_on",
];

const MAX_DEPENDENCIES: usize = 50;

/// Whether a milestone in `status` is still open (and so can be overdue or due).
pub fn is_open(status: MilestoneStatus) -> bool {
    matches!(
        status,
        MilestoneStatus::Planned | MilestoneStatus::InProgress | MilestoneStatus::Blocked
    )
}

/// Whether a milestone in `status` no longer holds up the milestones depending on it.
pub fn is_finished(status: MilestoneStatus) -> bool {
    matches!(status, MilestoneStatus::Done | MilestoneStatus::Dropped)
}

/// Why an initiative cannot be completed yet: the milestones (name, title, status) that are
/// neither done nor dropped, in the order given; `None` when every one is finished.
pub fn open_milestones_message(milestones: &[(String, String, MilestoneStatus)]) -> Option<String> {
    let open: Vec<String> = milestones
        .iter()
        .filter(|(_, _, status)| !is_finished(*status))
        .map(|(name, title, _)| format!("{name} (\"{title}\")"))
        .collect();
    (!open.is_empty()).then(|| {
        format!(
            "finish or drop the open milestones first: {}",
            open.join(", ")
        )
    })
}

/// The owner as stored: its kind and value (`organization`, `organizations/…`).
pub fn owner_key(milestone: &Milestone) -> Option<(&'static str, String)> {
    match milestone.owner.as_ref()?.owner.as_ref()? {
        Owner::Organization(o) => Some(("organization", o.clone())),
        Owner::Person(p) => Some(("person", p.clone())),
        Owner::Coordinator(c) => Some(("coordinator", c.clone())),
    }
}

/// Whether the initiative has `owner` on it as a partner, focal point or coordinator.
pub fn initiative_has_owner(initiative: &Initiative, kind: &str, value: &str) -> bool {
    match kind {
        "organization" => {
            initiative
                .civil_society_partners
                .iter()
                .any(|p| p.organization == value)
                || initiative
                    .government_focal_points
                    .iter()
                    .any(|f| f.organization == value)
        }
        "person" => {
            initiative
                .government_focal_points
                .iter()
                .any(|f| f.person == value)
                || initiative
                    .civil_society_partners
                    .iter()
                    .any(|p| p.contact_person == value)
        }
        "coordinator" => initiative.coordinators.iter().any(|c| c.subject == value),
        _ => false,
    }
}

/// Checks the fields of `milestone` against its initiative (owner, priority, start date) and
/// the contract's limits; trims the title. Dependencies are checked here for their form
/// only; see [`find_cycle`] for the graph.
pub fn check(
    milestone: &mut Milestone,
    initiative: &Initiative,
    initiative_name: &str,
) -> Result<(), Error> {
    let mut v = Violations::new();
    milestone.title = milestone.title.trim().to_owned();
    check_length(&mut v, "milestone.title", &milestone.title, 1, 200);
    check_length(
        &mut v,
        "milestone.description",
        &milestone.description,
        0,
        4_000,
    );
    check_length(
        &mut v,
        "milestone.status_note",
        &milestone.status_note,
        0,
        2_000,
    );
    match owner_key(milestone) {
        None => v.add("milestone.owner", "is required: an organization, person or coordinator"),
        Some((kind, value)) if !initiative_has_owner(initiative, kind, &value) => v.add(
            format!("milestone.owner.{kind}"),
            format!("{value} is not on the initiative (add it as a partner, focal point or coordinator first)"),
        ),
        Some(_) => {}
    }
    if !milestone.priority_id.is_empty()
        && !initiative
            .priorities
            .iter()
            .any(|p| p.id == milestone.priority_id)
    {
        v.add(
            "milestone.priority_id",
            format!("the initiative has no priority {:?}", milestone.priority_id),
        );
    }
    match milestone.due_date.as_ref() {
        None => v.add("milestone.due_date", "is required"),
        Some(due) => match dates::parse("milestone.due_date", due) {
            Err(violation) => v.check(Err(violation)),
            Ok(due) => {
                if let Some(start) = initiative
                    .start_date
                    .as_ref()
                    .and_then(|s| dates::parse("", s).ok())
                    && due < start
                {
                    v.add(
                        "milestone.due_date",
                        format!(
                            "{} is before the initiative's start date {}",
                            dates::format(due),
                            dates::format(start)
                        ),
                    );
                }
            }
        },
    }
    if !(0..=100).contains(&milestone.percent_complete) {
        v.add("milestone.percent_complete", "must be from 0 to 100");
    }
    if MilestoneStatus::try_from(milestone.status).is_err() {
        v.add("milestone.status", "is not a milestone status");
    }
    check_dependencies(&mut v, milestone, initiative_name);
    v.finish()
}

fn check_dependencies(v: &mut Violations, milestone: &Milestone, initiative_name: &str) {
    if milestone.depends_on.len() > MAX_DEPENDENCIES {
        v.add(
            "milestone.depends_on",
            format!("at most {MAX_DEPENDENCIES} dependencies"),
        );
    }
    let mut seen = HashSet::new();
    for (i, name) in milestone.depends_on.iter().enumerate() {
        let field = format!("milestone.depends_on[{i}]");
        match parse_child_name("initiatives", "milestones", name, &field) {
            Err(violation) => v.check(Err(violation)),
            Ok((initiative, _)) if format!("initiatives/{initiative}") != initiative_name => v.add(
                field,
                format!("{name} is a milestone of another initiative"),
            ),
            Ok(_) if *name == milestone.name => v.add(field, "a milestone cannot depend on itself"),
            Ok(_) if !seen.insert(name.as_str()) => v.add(field, "is listed twice"),
            Ok(_) => {}
        }
    }
}

/// Checks a status note given on its own.
pub fn check_note(note: &str) -> Result<(), Error> {
    let mut v = Violations::new();
    check_length(&mut v, "milestone.status_note", note, 0, 2_000);
    v.finish()
}

/// A change of status, percent and note, from an update or a progress entry.
#[derive(Debug, Clone, Default)]
pub struct StatusChange {
    /// The new status, if it changes.
    pub status: Option<MilestoneStatus>,
    /// The new percent complete, if it changes.
    pub percent: Option<i32>,
    /// The new note, if one is given.
    pub note: Option<String>,
}

/// Applies `change` to `milestone` under the milestone rules: DONE needs every dependency
/// finished (`unfinished` lists those that are not) and means 100 percent; a status change
/// without a note clears the old note. `field` prefixes the violations (`milestone` or
/// `progress_entry`). `now` stamps `done_time`.
pub fn apply(
    milestone: &mut Milestone,
    change: &StatusChange,
    unfinished: &[String],
    field: (&str, &str),
    now: i64,
) -> Result<(), Error> {
    let (status_field, percent_field) = field;
    let before = MilestoneStatus::try_from(milestone.status).unwrap_or(MilestoneStatus::Planned);
    if change.status == Some(MilestoneStatus::Unspecified) {
        return Err(Error::invalid(status_field, "must be a milestone status"));
    }
    if let Some(p) = change.percent
        && !(0..=100).contains(&p)
    {
        return Err(Error::invalid(percent_field, "must be from 0 to 100"));
    }
    let after = change.status.unwrap_or(before);
    if after == MilestoneStatus::Done {
        if let Some(p) = change.percent
            && p != 100
        {
            return Err(Error::invalid(
                percent_field,
                "a DONE milestone is 100 percent complete",
            ));
        }
        if before != MilestoneStatus::Done && !unfinished.is_empty() {
            return Err(Error::FailedPrecondition {
                reason: "DEPENDENCIES_NOT_FINISHED",
                message: format!(
                    "the milestone cannot be DONE before {} is DONE or DROPPED",
                    unfinished.join(", ")
                ),
            });
        }
    }
    if after != before {
        milestone.status_note.clear();
    }
    if let Some(note) = &change.note {
        milestone.status_note = note.clone();
    }
    milestone.status = after as i32;
    if let Some(p) = change.percent {
        milestone.percent_complete = p;
    }
    if after == MilestoneStatus::Done {
        milestone.percent_complete = 100;
        if before != MilestoneStatus::Done {
            milestone.done_time = Some(engage_platform::resource::timestamp(now));
        }
    } else {
        milestone.done_time = None;
    }
    Ok(())
}

/// The dependency cycle that giving `milestone` the dependencies `depends_on` would close in
/// a roadmap whose other edges are `edges` (milestone → what it depends on), as the path
/// from `milestone` back to itself; `None` when there is none.
pub fn find_cycle(
    edges: &HashMap<String, Vec<String>>,
    milestone: &str,
    depends_on: &[String],
) -> Option<Vec<String>> {
    let mut visited = HashSet::new();
    for first in depends_on {
        let mut path = vec![milestone.to_owned()];
        if walk(edges, first, milestone, &mut visited, &mut path) {
            return Some(path);
        }
    }
    None
}

fn walk(
    edges: &HashMap<String, Vec<String>>,
    at: &str,
    target: &str,
    visited: &mut HashSet<String>,
    path: &mut Vec<String>,
) -> bool {
    path.push(at.to_owned());
    if at == target {
        return true;
    }
    if visited.insert(at.to_owned()) {
        for next in edges.get(at).into_iter().flatten() {
            if walk(edges, next, target, visited, path) {
                return true;
            }
        }
    }
    path.pop();
    false
}

/// A violation naming the cycle.
pub fn cycle_violation(cycle: &[String]) -> Violation {
    Violation::new(
        "milestone.depends_on",
        format!("would form a dependency cycle: {}", cycle.join(" -> ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_initiative_completes_only_with_every_milestone_done_or_dropped() {
        let m = |name: &str, status| {
            (
                format!("initiatives/i/milestones/{name}"),
                name.to_uppercase(),
                status,
            )
        };
        let finished = [
            m("a", MilestoneStatus::Done),
            m("b", MilestoneStatus::Dropped),
        ];
        assert_eq!(open_milestones_message(&finished), None);
        let open = [
            m("a", MilestoneStatus::Done),
            m("b", MilestoneStatus::InProgress),
            m("c", MilestoneStatus::Blocked),
            m("d", MilestoneStatus::Planned),
        ];
        let said = open_milestones_message(&open).unwrap_or_default();
        assert!(
            said.contains("milestones/b (\"B\")") && said.contains("milestones/d"),
            "{said}"
        );
        assert!(!said.contains("milestones/a"), "{said}");
    }
    use crate::domain::violated_fields as fields;
    use engage_api::initiatives::{Coordinator, MilestoneOwner, Priority};
    use engage_api::types::Date;

    const I: &str = "initiatives/0190aaaa-0000-7000-8000-000000000001";

    fn name(n: u32) -> String {
        format!("{I}/milestones/0190aaaa-0000-7000-8000-{n:012}")
    }

    fn initiative() -> Initiative {
        Initiative {
            name: I.into(),
            coordinators: vec![Coordinator {
                subject: "coord-1".into(),
                display_name: String::new(),
            }],
            priorities: vec![Priority {
                id: "victims".into(),
                ..Default::default()
            }],
            start_date: Some(Date {
                year: 2026,
                month: 1,
                day: 1,
            }),
            ..Default::default()
        }
    }

    fn milestone() -> Milestone {
        Milestone {
            name: name(1),
            title: "Consultation held".into(),
            owner: Some(MilestoneOwner {
                owner: Some(Owner::Coordinator("coord-1".into())),
            }),
            due_date: Some(Date {
                year: 2026,
                month: 3,
                day: 1,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_milestone_is_checked_against_its_initiative() {
        assert!(check(&mut milestone(), &initiative(), I).is_ok());
        let mut m = milestone();
        m.owner = Some(MilestoneOwner {
            owner: Some(Owner::Coordinator("stranger".into())),
        });
        m.priority_id = "unknown".into();
        m.due_date = Some(Date {
            year: 2025,
            month: 12,
            day: 31,
        });
        m.percent_complete = 101;
        m.depends_on = vec![
            name(1),
            name(2),
            name(2),
            "initiatives/x/milestones/y".into(),
        ];
        assert_eq!(
            fields(check(&mut m, &initiative(), I).unwrap_err()),
            [
                "milestone.owner.coordinator",
                "milestone.priority_id",
                "milestone.due_date",
                "milestone.percent_complete",
                "milestone.depends_on[0]",
                "milestone.depends_on[2]",
                "milestone.depends_on[3]",
            ]
        );
    }

    #[test]
    fn done_needs_finished_dependencies_and_means_100_percent() {
        let mut m = milestone();
        let done = StatusChange {
            status: Some(MilestoneStatus::Done),
            ..Default::default()
        };
        let refused = apply(&mut m, &done, &[name(2)], ("s", "p"), 5).unwrap_err();
        assert!(matches!(
            refused,
            Error::FailedPrecondition {
                reason: "DEPENDENCIES_NOT_FINISHED",
                ..
            }
        ));
        apply(&mut m, &done, &[], ("s", "p"), 5).unwrap();
        assert_eq!(m.percent_complete, 100);
        assert_eq!(m.done_time.as_ref().map(|t| t.seconds), Some(0));

        let lower = StatusChange {
            percent: Some(50),
            ..Default::default()
        };
        assert!(apply(&mut m, &lower, &[], ("s", "p"), 6).is_err());
        let reopen = StatusChange {
            status: Some(MilestoneStatus::InProgress),
            percent: Some(80),
            note: None,
        };
        apply(&mut m, &reopen, &[], ("s", "p"), 7).unwrap();
        assert_eq!((m.percent_complete, m.done_time), (80, None));
        let beyond = StatusChange {
            percent: Some(101),
            ..Default::default()
        };
        assert_eq!(
            fields(apply(&mut m, &beyond, &[], ("s", "p"), 8).unwrap_err()),
            ["p"]
        );
    }

    #[test]
    fn a_status_change_without_a_note_clears_the_old_one() {
        let mut m = milestone();
        let block = StatusChange {
            status: Some(MilestoneStatus::Blocked),
            note: Some("waiting for the ministry".into()),
            ..Default::default()
        };
        apply(&mut m, &block, &[], ("s", "p"), 1).unwrap();
        assert_eq!(m.status_note, "waiting for the ministry");
        let unblock = StatusChange {
            status: Some(MilestoneStatus::InProgress),
            ..Default::default()
        };
        apply(&mut m, &unblock, &[], ("s", "p"), 2).unwrap();
        assert_eq!(m.status_note, "");
    }

    #[test]
    fn cycles_are_found_with_their_path() {
        let edges: HashMap<String, Vec<String>> = [
            ("b".to_owned(), vec!["c".to_owned()]),
            ("c".to_owned(), vec!["a".to_owned()]),
            ("d".to_owned(), vec![]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            find_cycle(&edges, "a", &["d".into(), "b".into()]),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        assert_eq!(find_cycle(&edges, "a", &["d".into()]), None);
        assert_eq!(find_cycle(&edges, "e", &["b".into()]), None);
        assert_eq!(
            find_cycle(&edges, "a", &["a".into()]),
            Some(vec!["a".into(), "a".into()])
        );
    }
}
