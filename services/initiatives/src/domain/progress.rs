//! What a progress entry may say. Entries are appended, never changed: a correction is a new
//! entry naming the one it corrects.

use engage_api::initiatives::{MilestoneStatus, ProgressEntry};
use engage_platform::Error;
use engage_platform::error::Violations;
use engage_platform::resource::parse_child_name;

use super::check_length;
use super::milestone::StatusChange;

const MAX_EVIDENCE: usize = 20;

/// What an entry asks: the milestone it is about (its id), the entry it corrects (its id),
/// and the change it makes to the milestone.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The milestone id, when the entry is about one.
    pub milestone_id: Option<String>,
    /// The corrected entry's id, when it is a correction.
    pub corrects_id: Option<String>,
    /// The change to the milestone.
    pub change: StatusChange,
}

/// Checks an entry appended to `initiative_id`'s log.
pub fn check(entry: &ProgressEntry, initiative_id: &str) -> Result<Checked, Error> {
    let mut v = Violations::new();
    let mut checked = Checked::default();
    if !entry.name.is_empty() {
        // Entries are never edited: a client sending an existing entry back means a change.
        v.add(
            "progress_entry.name",
            format!(
                "entries are never edited: append a new entry with corrects = {:?}",
                entry.name
            ),
        );
    }
    check_length(&mut v, "progress_entry.text", &entry.text, 1, 10_000);
    if !entry.milestone.is_empty() {
        match parse_child_name(
            "initiatives",
            "milestones",
            &entry.milestone,
            "progress_entry.milestone",
        ) {
            Ok((parent, id)) if parent == initiative_id => {
                checked.milestone_id = Some(id.to_owned())
            }
            Ok(_) => v.add(
                "progress_entry.milestone",
                "is a milestone of another initiative",
            ),
            Err(violation) => v.check(Err(violation)),
        }
    }
    if !entry.corrects.is_empty() {
        match parse_child_name(
            "initiatives",
            "progressEntries",
            &entry.corrects,
            "progress_entry.corrects",
        ) {
            Ok((parent, id)) if parent == initiative_id => {
                checked.corrects_id = Some(id.to_owned())
            }
            Ok(_) => v.add(
                "progress_entry.corrects",
                "is an entry of another initiative's log",
            ),
            Err(violation) => v.check(Err(violation)),
        }
    }
    let status = MilestoneStatus::try_from(entry.new_status).ok();
    match status {
        None => v.add("progress_entry.new_status", "is not a milestone status"),
        Some(MilestoneStatus::Unspecified) => {}
        Some(s) => checked.change.status = Some(s),
    }
    if let Some(p) = entry.new_percent_complete {
        if !(0..=100).contains(&p) {
            v.add(
                "progress_entry.new_percent_complete",
                "must be from 0 to 100",
            );
        }
        checked.change.percent = Some(p);
    }
    if entry.milestone.is_empty() {
        if checked.change.status.is_some() {
            v.add("progress_entry.new_status", "needs a milestone to change");
        }
        if checked.change.percent.is_some() {
            v.add(
                "progress_entry.new_percent_complete",
                "needs a milestone to change",
            );
        }
    }
    if entry.evidence.len() > MAX_EVIDENCE {
        v.add(
            "progress_entry.evidence",
            format!("at most {MAX_EVIDENCE} links"),
        );
    }
    for (i, link) in entry.evidence.iter().enumerate() {
        let at = format!("progress_entry.evidence[{i}]");
        check_length(&mut v, &format!("{at}.uri"), &link.uri, 1, 2_048);
        if !link.uri.is_empty()
            && !url::Url::parse(&link.uri)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        {
            v.add(format!("{at}.uri"), "must be an absolute http or https URL");
        }
        check_length(&mut v, &format!("{at}.title"), &link.title, 0, 200);
    }
    v.finish()?;
    Ok(checked)
}

/// Checks that a correction of `corrected` keeps to its milestone: the same one, or none to
/// move the statement to the initiative level.
pub fn check_correction(entry_milestone: &str, corrected_milestone: &str) -> Result<(), Error> {
    if !entry_milestone.is_empty() && entry_milestone != corrected_milestone {
        return Err(Error::invalid(
            "progress_entry.milestone",
            format!(
                "a correction must name the corrected entry's milestone ({}) or none",
                if corrected_milestone.is_empty() {
                    "none"
                } else {
                    corrected_milestone
                }
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::violated_fields as fields;
    use engage_api::initiatives::EvidenceLink;

    const I: &str = "0190aaaa-0000-7000-8000-000000000001";

    #[test]
    fn an_entry_about_a_milestone_carries_its_change() {
        let entry = ProgressEntry {
            milestone: format!("initiatives/{I}/milestones/0190aaaa-0000-7000-8000-000000000002"),
            text: "Workshop held".into(),
            new_status: MilestoneStatus::InProgress as i32,
            new_percent_complete: Some(40),
            evidence: vec![EvidenceLink {
                uri: "https://example.org/minutes.pdf".into(),
                title: "Minutes".into(),
            }],
            ..Default::default()
        };
        let checked = check(&entry, I).unwrap();
        assert_eq!(
            checked.milestone_id.as_deref(),
            Some("0190aaaa-0000-7000-8000-000000000002")
        );
        assert_eq!(checked.change.status, Some(MilestoneStatus::InProgress));
        assert_eq!(checked.change.percent, Some(40));
    }

    #[test]
    fn an_initiative_level_entry_changes_no_milestone() {
        let entry = ProgressEntry {
            text: String::new(),
            new_status: MilestoneStatus::Done as i32,
            new_percent_complete: Some(120),
            evidence: vec![EvidenceLink {
                uri: "ftp://example.org/x".into(),
                title: String::new(),
            }],
            corrects: "progressEntries/1".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(check(&entry, I).unwrap_err()),
            [
                "progress_entry.text",
                "progress_entry.corrects",
                "progress_entry.new_percent_complete",
                "progress_entry.new_status",
                "progress_entry.new_percent_complete",
                "progress_entry.evidence[0].uri",
            ]
        );
    }

    #[test]
    fn an_entry_sent_back_with_its_name_is_an_edit_and_refused() {
        let entry = ProgressEntry {
            name: format!("initiatives/{I}/progressEntries/0190aaaa-0000-7000-8000-000000000003"),
            text: "Changed my mind".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(check(&entry, I).unwrap_err()),
            ["progress_entry.name"]
        );
    }

    #[test]
    fn a_correction_keeps_to_its_milestone() {
        assert!(check_correction("", "m1").is_ok());
        assert!(check_correction("m1", "m1").is_ok());
        assert!(check_correction("m2", "m1").is_err());
    }
}
