//! The dashboard's figures, put together from what each service reports: pure functions,
//! so that the shapes the contract promises (every sector listed, newest session first,
//! ongoing events first) are tested without a server.

use std::collections::{BTreeMap, HashMap};

use engage_api::briefings::{Event, EventStatus, RegistrationCounts};
use engage_api::contacts::{AccreditationState, GetContactsSummaryResponse};
use engage_api::declarations::{
    CountSignaturesResponse, Declaration, DeclarationStatus, SignatureStatusCounts, SignerKind,
};
use engage_api::feeds::{
    AccreditationSessionCount, BriefingsSummary, ContactsSummary, DashboardSummary,
    DeclarationSummary, EventRegistrationCounts, InitiativeProgress, InitiativeStatusCount,
    InitiativesSummary, MilestoneStatusCounts, PeopleRegionalGroupCount, RegionalGroupCount,
    RegionalGroupSignatureCounts, SectorCount, SectorRegionalGroupCount, SectorSignatureCounts,
    SignatureCounts, UpcomingEvent,
};
use engage_api::initiatives::{self, Initiative, InitiativeStatus, SummarizeInitiativesResponse};
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::resource::micros;
use prost::Message;
use sha2::{Digest, Sha256};

/// Accreditation sessions listed at most.
const MAX_SESSIONS: usize = 20;
/// Initiative lines listed at most.
pub const MAX_INITIATIVE_LINES: usize = 500;

/// Every value of a protobuf enum, in enum order (UNSPECIFIED first).
fn every<E: TryFrom<i32>>() -> impl Iterator<Item = i32> {
    (0..64).filter(|v| E::try_from(*v).is_ok())
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The contacts section. `session`, when set, keeps only that conference session's
/// accreditations.
pub fn contacts(report: &GetContactsSummaryResponse, session: &str) -> ContactsSummary {
    let mut by_sector: BTreeMap<i32, i64> = every::<Sector>().map(|s| (s, 0)).collect();
    let mut by_group: BTreeMap<i32, i64> = every::<RegionalGroup>().map(|g| (g, 0)).collect();
    let mut cells: BTreeMap<(i32, i32), i64> = BTreeMap::new();
    for c in &report.organization_counts {
        *by_sector.entry(c.sector).or_default() += c.count;
        *by_group.entry(c.regional_group).or_default() += c.count;
        *cells.entry((c.sector, c.regional_group)).or_default() += c.count;
    }
    let mut people: BTreeMap<i32, (i64, i64)> =
        every::<RegionalGroup>().map(|g| (g, (0, 0))).collect();
    for c in &report.person_counts {
        let entry = people.entry(c.regional_group).or_default();
        entry.0 += c.count;
        entry.1 += c.youth;
    }
    // (requested, granted, refused) and the latest request per session.
    let mut sessions: HashMap<&str, ([i64; 3], i64)> = HashMap::new();
    for c in report
        .accreditation_counts
        .iter()
        .filter(|c| session.is_empty() || c.conference_session == session)
    {
        let entry = sessions.entry(c.conference_session.as_str()).or_default();
        let slot = match AccreditationState::try_from(c.state) {
            Ok(AccreditationState::Granted) => 1,
            Ok(AccreditationState::Refused) => 2,
            _ => 0,
        };
        entry.0[slot] += c.count;
        let latest = c.latest_request_time.as_ref().map_or(0, micros);
        entry.1 = entry.1.max(latest);
    }
    let mut sessions: Vec<(&str, ([i64; 3], i64))> = sessions.into_iter().collect();
    sessions.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(b.0)));
    ContactsSummary {
        organizations_total: count(report.organization_counts.iter().map(|c| c.count).sum()),
        organizations_by_sector: by_sector
            .into_iter()
            .map(|(sector, n)| SectorCount {
                sector,
                count: count(n),
            })
            .collect(),
        organizations_by_regional_group: by_group
            .into_iter()
            .map(|(regional_group, n)| RegionalGroupCount {
                regional_group,
                count: count(n),
            })
            .collect(),
        organizations_by_sector_and_regional_group: cells
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|((sector, regional_group), n)| SectorRegionalGroupCount {
                sector,
                regional_group,
                count: count(n),
            })
            .collect(),
        people_total: count(report.person_count),
        youth_total: count(report.youth_count),
        people_by_regional_group: people
            .into_iter()
            .map(
                |(regional_group, (people, youth))| PeopleRegionalGroupCount {
                    regional_group,
                    people: count(people),
                    youth: count(youth),
                },
            )
            .collect(),
        accreditations: sessions
            .into_iter()
            .take(MAX_SESSIONS)
            .map(
                |(session, ([requested, granted, refused], _))| AccreditationSessionCount {
                    conference_session: session.to_owned(),
                    requested: count(requested),
                    granted: count(granted),
                    refused: count(refused),
                },
            )
            .collect(),
    }
}

/// Whether an initiative is under way: launched, active or suspended.
pub fn under_way(status: i32) -> bool {
    matches!(
        InitiativeStatus::try_from(status),
        Ok(InitiativeStatus::Launched | InitiativeStatus::Active | InitiativeStatus::Suspended)
    )
}

fn milestone_counts(c: Option<&initiatives::MilestoneStatusCounts>) -> MilestoneStatusCounts {
    c.map(|c| MilestoneStatusCounts {
        planned: c.planned,
        in_progress: c.in_progress,
        done: c.done,
        blocked: c.blocked,
        dropped: c.dropped,
    })
    .unwrap_or_default()
}

/// The initiatives section from the service's own summary and the initiatives under way
/// (one line each, by country code).
pub fn initiatives(
    report: &SummarizeInitiativesResponse,
    under_way_initiatives: &[Initiative],
) -> InitiativesSummary {
    let by_status: HashMap<i32, &initiatives::InitiativeStatusSummary> =
        report.by_status.iter().map(|s| (s.status, s)).collect();
    let by_group: HashMap<i32, i32> = report
        .by_regional_group
        .iter()
        .map(|g| (g.regional_group, g.initiative_count))
        .collect();
    let (weighted, counted) = report
        .by_status
        .iter()
        .filter(|s| under_way(s.status))
        .fold((0.0, 0), |(sum, n), s| {
            (
                sum + s.average_progress_percent * f64::from(s.initiative_count),
                n + s.initiative_count,
            )
        });
    let mut lines: Vec<&Initiative> = under_way_initiatives
        .iter()
        .filter(|i| under_way(i.status))
        .collect();
    lines.sort_by(|a, b| {
        a.country_code
            .cmp(&b.country_code)
            .then_with(|| a.name.cmp(&b.name))
    });
    InitiativesSummary {
        initiatives_total: report.initiative_count,
        by_status: every::<InitiativeStatus>()
            .filter(|s| *s != 0)
            .map(|status| InitiativeStatusCount {
                status,
                count: by_status.get(&status).map_or(0, |s| s.initiative_count),
            })
            .collect(),
        by_regional_group: every::<RegionalGroup>()
            .map(|regional_group| RegionalGroupCount {
                regional_group,
                count: by_group.get(&regional_group).copied().unwrap_or(0),
            })
            .collect(),
        milestones: Some(milestone_counts(report.milestone_status_counts.as_ref())),
        milestones_overdue: report.overdue_milestone_count,
        milestones_due_soon: report.due_soon_milestone_count,
        average_roadmap_completion_percent: if counted == 0 {
            0.0
        } else {
            weighted / f64::from(counted)
        },
        initiatives: lines
            .into_iter()
            .take(MAX_INITIATIVE_LINES)
            .map(initiative_line)
            .collect(),
    }
}

fn initiative_line(i: &Initiative) -> InitiativeProgress {
    let roadmap = i.roadmap.clone().unwrap_or_default();
    InitiativeProgress {
        initiative: i.name.clone(),
        title: i.title.clone(),
        country_code: i.country_code.clone(),
        regional_group: i.regional_group,
        status: i.status,
        roadmap_completion_percent: roadmap.progress_percent.round().clamp(0.0, 100.0) as i32,
        milestones: Some(milestone_counts(roadmap.status_counts.as_ref())),
        milestones_overdue: roadmap.overdue_count,
        next_due_date: roadmap.next_due.and_then(|d| d.due_date),
        target_date: i.target_date,
    }
}

/// The service's summary figures of `initiatives` alone (a coordinator's), with
/// `due_soon` counted by the caller: the same shape as SummarizeInitiatives answers.
pub fn summarize_initiatives(
    initiatives: &[Initiative],
    due_soon: i32,
) -> SummarizeInitiativesResponse {
    let mut by_status: BTreeMap<i32, (i32, f64, i32)> = BTreeMap::new();
    let mut by_group: BTreeMap<i32, i32> = BTreeMap::new();
    let mut milestones = initiatives::MilestoneStatusCounts::default();
    let mut overdue = 0;
    for i in initiatives {
        let roadmap = i.roadmap.clone().unwrap_or_default();
        let entry = by_status.entry(i.status).or_default();
        entry.0 += 1;
        entry.1 += roadmap.progress_percent;
        entry.2 += roadmap.overdue_count;
        *by_group.entry(i.regional_group).or_default() += 1;
        if let Some(c) = roadmap.status_counts {
            milestones.planned += c.planned;
            milestones.in_progress += c.in_progress;
            milestones.done += c.done;
            milestones.blocked += c.blocked;
            milestones.dropped += c.dropped;
        }
        overdue += roadmap.overdue_count;
    }
    SummarizeInitiativesResponse {
        initiative_count: i32::try_from(initiatives.len()).unwrap_or(i32::MAX),
        by_status: by_status
            .into_iter()
            .map(
                |(status, (n, progress, overdue))| initiatives::InitiativeStatusSummary {
                    status,
                    initiative_count: n,
                    average_progress_percent: progress / f64::from(n),
                    overdue_milestone_count: overdue,
                },
            )
            .collect(),
        by_regional_group: by_group
            .into_iter()
            .map(
                |(regional_group, initiative_count)| initiatives::RegionalGroupCount {
                    regional_group,
                    initiative_count,
                },
            )
            .collect(),
        milestone_status_counts: Some(milestones),
        overdue_milestone_count: overdue,
        due_soon_milestone_count: due_soon,
        ..Default::default()
    }
}

fn signature_counts(c: Option<&SignatureStatusCounts>) -> SignatureCounts {
    c.map(|c| SignatureCounts {
        pending: c.pending,
        verified: c.verified,
        rejected: c.rejected,
        withdrawn: c.withdrawn,
    })
    .unwrap_or_default()
}

/// One declaration's section.
pub fn declaration(
    declaration: &Declaration,
    report: &CountSignaturesResponse,
) -> DeclarationSummary {
    let groups: HashMap<i32, SignatureCounts> = report
        .by_regional_group
        .iter()
        .map(|g| (g.regional_group, signature_counts(g.counts.as_ref())))
        .collect();
    let sectors: HashMap<i32, SignatureCounts> = report
        .by_sector
        .iter()
        .map(|s| (s.sector, signature_counts(s.counts.as_ref())))
        .collect();
    let verified_of = |kind: SignerKind| {
        report
            .by_signer_kind
            .iter()
            .find(|k| k.signer_kind == kind as i32)
            .map_or(0, |k| signature_counts(k.counts.as_ref()).verified)
    };
    DeclarationSummary {
        declaration: declaration.name.clone(),
        title: declaration.title.clone(),
        version: declaration.version.to_string(),
        open_for_signature: declaration.status == DeclarationStatus::Open as i32,
        totals: Some(signature_counts(report.totals.as_ref())),
        by_regional_group: every::<RegionalGroup>()
            .map(|regional_group| RegionalGroupSignatureCounts {
                regional_group,
                counts: Some(groups.get(&regional_group).copied().unwrap_or_default()),
            })
            .collect(),
        by_sector: every::<Sector>()
            .map(|sector| SectorSignatureCounts {
                sector,
                counts: Some(sectors.get(&sector).copied().unwrap_or_default()),
            })
            .collect(),
        verified_organizations: verified_of(SignerKind::Organization),
        verified_individuals: verified_of(SignerKind::Individual),
        verified_countries: report.signatory_country_count,
    }
}

fn micros_of(t: Option<&prost_types::Timestamp>) -> Option<i64> {
    t.map(micros)
}

/// Whether `event` counts as upcoming at `now` for a window ending at `until` (both
/// microseconds): published or closed, not ended, starting before the window ends.
pub fn upcoming(event: &Event, now: i64, until: i64) -> bool {
    let shown = matches!(
        EventStatus::try_from(event.status),
        Ok(EventStatus::Published | EventStatus::Closed)
    );
    let not_ended = micros_of(event.end_time.as_ref()).is_none_or(|end| end > now);
    let starts_in_window = micros_of(event.start_time.as_ref()).is_some_and(|s| s <= until);
    event.delete_time.is_none() && shown && not_ended && starts_in_window
}

fn registration_counts(c: Option<&RegistrationCounts>) -> EventRegistrationCounts {
    c.map(|c| EventRegistrationCounts {
        registered: c.registered,
        waitlisted: c.waitlisted,
        cancelled: c.cancelled,
        attended: c.attended,
        no_show: c.no_show,
    })
    .unwrap_or_default()
}

/// The briefings section from the events that may be upcoming, as of `now`, with the
/// window ending at `until` and at most `limit` events listed.
pub fn briefings(events: &[Event], now: i64, until: i64, limit: usize) -> BriefingsSummary {
    let mut upcoming: Vec<(bool, &Event)> = events
        .iter()
        .filter(|e| upcoming(e, now, until))
        .map(|e| {
            let started = micros_of(e.start_time.as_ref()).is_some_and(|s| s <= now);
            (started, e)
        })
        .collect();
    upcoming.sort_by(|(a_on, a), (b_on, b)| {
        b_on.cmp(a_on)
            .then_with(|| micros_of(a.start_time.as_ref()).cmp(&micros_of(b.start_time.as_ref())))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut totals = EventRegistrationCounts::default();
    let mut capacity = 0i32;
    for (_, e) in &upcoming {
        let c = registration_counts(e.registration_counts.as_ref());
        totals.registered += c.registered;
        totals.waitlisted += c.waitlisted;
        totals.cancelled += c.cancelled;
        totals.attended += c.attended;
        totals.no_show += c.no_show;
        if e.capacity > 0 {
            capacity = capacity.saturating_add(e.capacity);
        }
    }
    BriefingsSummary {
        upcoming_event_count: i32::try_from(upcoming.len()).unwrap_or(i32::MAX),
        upcoming_registrations: Some(totals),
        upcoming_capacity: capacity,
        upcoming_events: upcoming
            .into_iter()
            .take(limit)
            .map(|(in_progress, e)| {
                let registration_open = e.status == EventStatus::Published as i32
                    && micros_of(e.registration_start_time.as_ref()).is_none_or(|s| s <= now)
                    && micros_of(e.registration_end_time.as_ref()).is_none_or(|end| now < end);
                UpcomingEvent {
                    event: e.name.clone(),
                    title: e.title.clone(),
                    kind: e.kind,
                    conference_session: e.conference_session.clone(),
                    start_time: e.start_time,
                    end_time: e.end_time,
                    time_zone: e.time_zone.clone(),
                    in_progress,
                    registration_open,
                    capacity: e.capacity,
                    registrations: Some(registration_counts(e.registration_counts.as_ref())),
                }
            })
            .collect(),
    }
}

/// The etag of a summary: a checksum of its figures, leaving out when it was computed and
/// how fresh each source is, so that equal figures give equal etags on every replica.
pub fn etag(summary: &DashboardSummary) -> String {
    let figures = DashboardSummary {
        compute_time: None,
        etag: String::new(),
        sources: Vec::new(),
        ..summary.clone()
    };
    let digest = Sha256::digest(figures.encode_to_vec());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use engage_api::contacts::{AccreditationCount, OrganizationCount, PersonCount};
    use engage_api::initiatives::RoadmapSummary;

    use super::*;

    fn at(seconds: i64) -> Option<prost_types::Timestamp> {
        Some(prost_types::Timestamp { seconds, nanos: 0 })
    }

    #[test]
    fn contacts_figures_list_every_sector_and_group_and_the_newest_session_first() {
        let report = GetContactsSummaryResponse {
            organization_counts: vec![
                OrganizationCount {
                    sector: Sector::Ngo as i32,
                    regional_group: RegionalGroup::African as i32,
                    count: 3,
                },
                OrganizationCount {
                    sector: Sector::Ngo as i32,
                    regional_group: RegionalGroup::Unspecified as i32,
                    count: 1,
                },
            ],
            person_count: 5,
            youth_count: 2,
            person_counts: vec![PersonCount {
                regional_group: RegionalGroup::African as i32,
                count: 5,
                youth: 2,
            }],
            accreditation_counts: vec![
                AccreditationCount {
                    conference_session: "COP11".into(),
                    state: AccreditationState::Granted as i32,
                    count: 7,
                    latest_request_time: at(100),
                },
                AccreditationCount {
                    conference_session: "COP12".into(),
                    state: AccreditationState::Requested as i32,
                    count: 2,
                    latest_request_time: at(200),
                },
                AccreditationCount {
                    conference_session: "COP12".into(),
                    state: AccreditationState::Refused as i32,
                    count: 1,
                    latest_request_time: at(150),
                },
            ],
            as_of: at(300),
        };
        let summary = contacts(&report, "");
        assert_eq!(summary.organizations_total, 4);
        assert_eq!(
            summary.organizations_by_sector.len(),
            every::<Sector>().count()
        );
        let ngos = summary
            .organizations_by_sector
            .iter()
            .find(|s| s.sector == Sector::Ngo as i32)
            .map(|s| s.count);
        assert_eq!(ngos, Some(4));
        assert_eq!(summary.organizations_by_sector_and_regional_group.len(), 2);
        let sessions: Vec<(&str, i32, i32, i32)> = summary
            .accreditations
            .iter()
            .map(|a| {
                (
                    a.conference_session.as_str(),
                    a.requested,
                    a.granted,
                    a.refused,
                )
            })
            .collect();
        assert_eq!(sessions, [("COP12", 2, 0, 1), ("COP11", 0, 7, 0)]);
        let only = contacts(&report, "COP11");
        assert_eq!(only.accreditations.len(), 1);
        let african = summary
            .people_by_regional_group
            .iter()
            .find(|g| g.regional_group == RegionalGroup::African as i32)
            .map(|g| (g.people, g.youth));
        assert_eq!(african, Some((5, 2)));
    }

    fn initiative(
        name: &str,
        country: &str,
        status: InitiativeStatus,
        progress: f64,
    ) -> Initiative {
        Initiative {
            name: name.into(),
            country_code: country.into(),
            regional_group: RegionalGroup::African as i32,
            status: status as i32,
            roadmap: Some(RoadmapSummary {
                milestone_count: 2,
                status_counts: Some(initiatives::MilestoneStatusCounts {
                    planned: 1,
                    done: 1,
                    ..Default::default()
                }),
                progress_percent: progress,
                overdue_count: 1,
                next_due: None,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_coordinators_initiatives_are_summed_as_the_service_would_and_listed_by_country() {
        let mine = [
            initiative("initiatives/b", "NG", InitiativeStatus::Active, 50.0),
            initiative("initiatives/a", "KE", InitiativeStatus::Suspended, 25.0),
            initiative("initiatives/c", "GH", InitiativeStatus::Proposed, 0.0),
        ];
        let report = summarize_initiatives(&mine, 4);
        let summary = initiatives(&report, &mine);
        assert_eq!(summary.initiatives_total, 3);
        assert_eq!(summary.milestones_overdue, 3);
        assert_eq!(summary.milestones_due_soon, 4);
        assert_eq!(summary.milestones.map(|m| m.done), Some(3));
        // Proposed initiatives are not under way: (50 + 25) / 2.
        assert!((summary.average_roadmap_completion_percent - 37.5).abs() < 1e-9);
        let lines: Vec<&str> = summary
            .initiatives
            .iter()
            .map(|l| l.initiative.as_str())
            .collect();
        assert_eq!(lines, ["initiatives/a", "initiatives/b"]);
        let active = summary
            .by_status
            .iter()
            .find(|s| s.status == InitiativeStatus::Active as i32)
            .map(|s| s.count);
        assert_eq!(active, Some(1));
        assert_eq!(summary.by_status.len(), 5);
    }

    fn event(name: &str, status: EventStatus, start: i64, end: i64, capacity: i32) -> Event {
        Event {
            name: name.into(),
            status: status as i32,
            start_time: at(start),
            end_time: at(end),
            capacity,
            registration_counts: Some(RegistrationCounts {
                registered: 10,
                waitlisted: 2,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn upcoming_events_put_the_ongoing_first_and_leave_out_drafts_past_and_far_ones() {
        let now = 1_000 * 1_000_000;
        let until = 5_000 * 1_000_000;
        let events = [
            event("events/later", EventStatus::Published, 3_000, 3_600, 50),
            event("events/ongoing", EventStatus::Closed, 900, 1_100, 0),
            event("events/soon", EventStatus::Published, 2_000, 2_600, 20),
            event("events/draft", EventStatus::Draft, 2_000, 2_600, 20),
            event("events/past", EventStatus::Published, 100, 200, 20),
            event("events/far", EventStatus::Published, 9_000, 9_600, 20),
        ];
        let summary = briefings(&events, now, until, 2);
        assert_eq!(summary.upcoming_event_count, 3);
        assert_eq!(summary.upcoming_capacity, 70);
        assert_eq!(
            summary.upcoming_registrations.map(|r| r.registered),
            Some(30)
        );
        let listed: Vec<(&str, bool)> = summary
            .upcoming_events
            .iter()
            .map(|e| (e.event.as_str(), e.in_progress))
            .collect();
        assert_eq!(listed, [("events/ongoing", true), ("events/soon", false)]);
    }

    #[test]
    fn equal_figures_have_equal_etags_whenever_they_were_computed() {
        let mut a = DashboardSummary {
            compute_time: at(1),
            contacts: Some(ContactsSummary {
                people_total: 3,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut b = a.clone();
        b.compute_time = at(2);
        assert_eq!(etag(&a), etag(&b));
        a.contacts = Some(ContactsSummary {
            people_total: 4,
            ..Default::default()
        });
        assert_ne!(etag(&a), etag(&b));
    }
}
