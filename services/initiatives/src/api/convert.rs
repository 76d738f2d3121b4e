//! Between stored rows and API messages. The protobuf body holds the resource; the
//! columns beside it are derived from it on every write, so the two never disagree.

use std::collections::BTreeSet;

use engage_api::initiatives::{
    Initiative, Milestone, MilestoneDue, MilestoneStatus, MilestoneStatusCounts, ProgressEntry,
    RoadmapSummary,
};
use engage_api::types::RegionalGroup;
use engage_platform::Error;
use engage_platform::resource::{etag, timestamp};
use prost::Message;

use crate::domain::{dates, milestone as rules};
use crate::store::{EntryRow, InitiativeRow, MilestoneRow, NextDueRow, RoadmapRow};

pub fn initiative_name(id: &str) -> String {
    format!("initiatives/{id}")
}

pub fn milestone_name(initiative_id: &str, id: &str) -> String {
    format!("initiatives/{initiative_id}/milestones/{id}")
}

pub fn entry_name(initiative_id: &str, id: &str) -> String {
    format!("initiatives/{initiative_id}/progressEntries/{id}")
}

fn corrupt(what: &str, e: prost::DecodeError) -> Error {
    Error::Internal(format!("stored {what} does not decode: {e}"))
}

/// The stored initiative, without its roadmap figures.
pub fn initiative(row: &InitiativeRow) -> Result<Initiative, Error> {
    let mut i = Initiative::decode(row.body.as_slice()).map_err(|e| corrupt("initiative", e))?;
    i.etag = etag(row.revision);
    Ok(i)
}

/// The row of `initiative` at `revision`.
pub fn initiative_row(initiative: &Initiative, id: &str, revision: i64) -> InitiativeRow {
    let stored = Initiative {
        roadmap: None,
        etag: String::new(),
        ..initiative.clone()
    };
    let date = |d: Option<&engage_api::types::Date>| {
        d.and_then(|d| dates::parse("", d).ok())
            .map(dates::format)
            .unwrap_or_default()
    };
    let time = |t: Option<&prost_types::Timestamp>| t.map(engage_platform::resource::micros);
    InitiativeRow {
        id: id.to_owned(),
        title: initiative.title.clone(),
        country_code: initiative.country_code.clone(),
        regional_group: initiative.regional_group,
        status: initiative.status,
        start_date: date(initiative.start_date.as_ref()),
        target_date: date(initiative.target_date.as_ref()),
        revision,
        create_time: time(initiative.create_time.as_ref()).unwrap_or_default(),
        update_time: time(initiative.update_time.as_ref()).unwrap_or_default(),
        delete_time: time(initiative.delete_time.as_ref()),
        body: stored.encode_to_vec(),
    }
}

/// What the initiative's filters look up: coordinators, partner organisations and people,
/// thematic areas.
pub fn members(initiative: &Initiative) -> Vec<(&'static str, String)> {
    let mut set = BTreeSet::new();
    for c in &initiative.coordinators {
        set.insert(("coordinator", c.subject.clone()));
    }
    for p in &initiative.civil_society_partners {
        set.insert(("partner_organization", p.organization.clone()));
        if !p.contact_person.is_empty() {
            set.insert(("partner_person", p.contact_person.clone()));
        }
    }
    for f in &initiative.government_focal_points {
        set.insert(("partner_person", f.person.clone()));
        if !f.organization.is_empty() {
            set.insert(("partner_organization", f.organization.clone()));
        }
    }
    for p in &initiative.priorities {
        if let Ok(area) = engage_api::types::ThematicArea::try_from(p.thematic_area) {
            set.insert(("thematic_area", area.as_str_name().to_owned()));
        }
    }
    set.into_iter().collect()
}

/// Roadmap figures from the database's row (none: an empty roadmap) and next-due row.
pub fn roadmap(figures: Option<&RoadmapRow>, next: Option<&NextDueRow>) -> RoadmapSummary {
    let f = figures.cloned().unwrap_or_default();
    let n = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    RoadmapSummary {
        milestone_count: n(f.milestone_count),
        status_counts: Some(MilestoneStatusCounts {
            planned: n(f.planned),
            in_progress: n(f.in_progress),
            done: n(f.done),
            blocked: n(f.blocked),
            dropped: n(f.dropped),
        }),
        progress_percent: f.progress,
        overdue_count: n(f.overdue),
        next_due: next.map(|d| MilestoneDue {
            milestone: milestone_name(&d.initiative_id, &d.id),
            title: d.title.clone(),
            due_date: dates::from_text(&d.due_date),
        }),
    }
}

/// Event attributes of anything about `initiative`.
pub fn attributes(
    initiative: &Initiative,
    changed_fields: Option<Vec<String>>,
) -> serde_json::Value {
    let group = RegionalGroup::try_from(initiative.regional_group)
        .unwrap_or(RegionalGroup::Unspecified)
        .as_str_name();
    let mut json = serde_json::json!({
        "country_code": initiative.country_code,
        "regional_group": group,
        "initiative": initiative.name,
    });
    if let Some(fields) = changed_fields {
        json["changed_fields"] = serde_json::json!(fields);
    }
    json
}

/// The stored milestone, with `overdue` as of `today`.
pub fn milestone(row: &MilestoneRow, today: &str) -> Result<Milestone, Error> {
    let mut m = Milestone::decode(row.body.as_slice()).map_err(|e| corrupt("milestone", e))?;
    m.etag = etag(row.revision);
    let status = MilestoneStatus::try_from(row.status).unwrap_or(MilestoneStatus::Planned);
    m.overdue =
        row.delete_time.is_none() && rules::is_open(status) && row.due_date.as_str() < today;
    Ok(m)
}

/// The row of `milestone` at `revision`.
pub fn milestone_row(m: &Milestone, initiative_id: &str, id: &str, revision: i64) -> MilestoneRow {
    let stored = Milestone {
        overdue: false,
        etag: String::new(),
        ..m.clone()
    };
    let (owner_kind, owner) = rules::owner_key(m).unwrap_or(("", String::new()));
    let time = |t: Option<&prost_types::Timestamp>| t.map(engage_platform::resource::micros);
    MilestoneRow {
        id: id.to_owned(),
        initiative_id: initiative_id.to_owned(),
        title: m.title.clone(),
        status: m.status,
        percent_complete: m.percent_complete,
        due_date: m
            .due_date
            .as_ref()
            .and_then(|d| dates::parse("", d).ok())
            .map(dates::format)
            .unwrap_or_default(),
        owner_kind: owner_kind.to_owned(),
        owner,
        priority_id: m.priority_id.clone(),
        revision,
        create_time: time(m.create_time.as_ref()).unwrap_or_default(),
        update_time: time(m.update_time.as_ref()).unwrap_or_default(),
        delete_time: time(m.delete_time.as_ref()),
        body: stored.encode_to_vec(),
    }
}

/// The stored entry, with the entries correcting it.
pub fn entry(row: &EntryRow, corrected_by: Vec<String>) -> Result<ProgressEntry, Error> {
    let mut e =
        ProgressEntry::decode(row.body.as_slice()).map_err(|e| corrupt("progress entry", e))?;
    e.corrected_by = corrected_by;
    Ok(e)
}

/// Now as a protobuf timestamp.
pub fn at(micros: i64) -> Option<prost_types::Timestamp> {
    Some(timestamp(micros))
}
