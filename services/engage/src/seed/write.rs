//! Writes a [`Plan`] through the gateway, as an officer would: imports for the registers,
//! then the other records with a bounded number of calls in flight, each call waiting and
//! retrying when the gateway asks the caller to slow down.

use std::collections::HashMap;
use std::time::Duration;

use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::briefings::register_request::Participant;
use engage_api::briefings::{
    CreateEventRequest, Event, EventKind, PublishEventRequest, RegisterRequest, RegistrationStatus,
};
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    Accreditation, CreateAccreditationRequest, GrantAccreditationRequest,
    ImportOrganizationsRequest, ImportPeopleRequest, ImportRowOutcome,
};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    CreateDeclarationRequest, Declaration, DeclarationArea, OpenDeclarationRequest,
    SignDeclarationRequest, Signature, VerifySignatureRequest,
};
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::{
    ActivateInitiativeRequest, AppendProgressRequest, CivilSocietyPartner, Coordinator,
    CreateInitiativeRequest, CreateMilestoneRequest, Initiative, LaunchInitiativeRequest,
    Milestone, MilestoneOwner, MilestoneStatus, ProgressEntry, SuspendInitiativeRequest,
};
use engage_api::types::{Date, ThematicArea};
use futures::StreamExt as _;
use tonic::{Code, Status};

use super::plan::{CONFERENCE_SESSION, EventSort, Plan, Stage};
use crate::cli::connection::Gateway;

/// What was written, as the services answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Organisations created or matched by the import.
    pub organizations: usize,
    /// People created or matched.
    pub people: usize,
    /// Accreditations requested, and of them granted.
    pub accreditations: usize,
    /// Accreditations granted.
    pub accreditations_granted: usize,
    /// Events published.
    pub events: usize,
    /// Of them, side events organised by civil society.
    pub civil_society_side_events: usize,
    /// Registrations with a seat.
    pub registered: usize,
    /// Registrations on a waitlist.
    pub waitlisted: usize,
    /// Verified signatures of the declaration.
    pub signatures_verified: usize,
    /// Pending signatures.
    pub signatures_pending: usize,
    /// Initiatives.
    pub initiatives: usize,
    /// Milestones.
    pub milestones: usize,
    /// Milestones past their due date and not done.
    pub overdue_milestones: usize,
}

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {status}")]
pub struct SeedError {
    /// What was being written.
    pub action: String,
    /// The gateway's answer.
    pub status: Status,
}

fn failed(action: impl Into<String>) -> impl FnOnce(Status) -> SeedError {
    let action = action.into();
    move |status| SeedError { action, status }
}

/// How many times a call is tried when the gateway keeps asking to slow down.
const MAX_TRIES: u32 = 200;

/// Calls `call` until it is not refused for the rate limit, waiting as long as the gateway
/// says (a second when it does not).
async fn paced<T, F, Fut>(mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let mut tries = 0;
    loop {
        match call().await {
            Err(status) if status.code() == Code::ResourceExhausted && tries < MAX_TRIES => {
                tries += 1;
                use tonic_types::StatusExt as _;
                let wait = status
                    .get_details_retry_info()
                    .and_then(|r| r.retry_delay)
                    .unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(wait.clamp(Duration::from_millis(20), Duration::from_secs(5)))
                    .await;
            }
            other => return other,
        }
    }
}

/// Calls `$method` of `$client` with `$request`, paced (each try on a clone of both).
macro_rules! call {
    ($client:expr, $method:ident, $request:expr) => {
        paced(|| {
            let mut callee = $client.clone();
            let message = $request.clone();
            async move { callee.$method(message).await }
        })
    };
}

/// The channels calls are spread over, in turn.
#[derive(Clone)]
pub struct Lanes {
    channels: Vec<Gateway>,
    /// Calls in flight at most.
    pub concurrency: usize,
}

impl Lanes {
    /// Lanes over `channels` (at least one) with `concurrency` calls in flight.
    pub fn new(channels: Vec<Gateway>, concurrency: usize) -> Self {
        Self {
            channels,
            concurrency: concurrency.max(1),
        }
    }

    fn lane(&self, i: usize) -> Gateway {
        self.channels[i % self.channels.len()].clone()
    }
}

/// Runs `tasks` with at most `lanes.concurrency` in flight; the first error stops them.
async fn all<T, Fut>(lanes: &Lanes, tasks: Vec<Fut>) -> Result<Vec<T>, SeedError>
where
    Fut: Future<Output = Result<T, SeedError>>,
{
    let mut stream = futures::stream::iter(tasks).buffer_unordered(lanes.concurrency);
    let mut done = Vec::new();
    while let Some(result) = stream.next().await {
        done.push(result?);
    }
    Ok(done)
}

/// Today (UTC) plus `days`.
fn date(days: i64) -> Option<Date> {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    Some(Date {
        year: day.year(),
        month: i32::from(u8::from(day.month())),
        day: i32::from(day.day()),
    })
}

/// Midnight UTC today plus `days` and `hours`.
fn instant(days: i64, hours: i64) -> Option<prost_types::Timestamp> {
    let midnight = time::OffsetDateTime::now_utc()
        .date()
        .midnight()
        .assume_utc()
        .unix_timestamp();
    Some(prost_types::Timestamp {
        seconds: midnight + days * 86_400 + hours * 3_600,
        nanos: 0,
    })
}

/// Imports the registers; returns each record's name by its external id.
async fn import(
    gateway: Gateway,
    people: bool,
    content: Vec<u8>,
) -> Result<HashMap<String, String>, SeedError> {
    let what = if people { "people" } else { "organisations" };
    let client = ContactsServiceClient::new(gateway)
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(40 * 1024 * 1024);
    let mut names = HashMap::new();
    let mut failures = Vec::new();
    let mut collect = |rows: Vec<engage_api::contacts::ImportRowResult>| {
        for row in rows {
            if row.outcome == ImportRowOutcome::Failed as i32 {
                failures.push(format!("row {}: {:?}", row.row_number, row.errors));
            } else if !row.resource.is_empty() {
                names.insert(row.external_id, row.resource);
            }
        }
    };
    let action = format!("importing the demo {what}");
    if people {
        let request = ImportPeopleRequest {
            csv_content: content,
            report_all_rows: true,
            ..Default::default()
        };
        let mut stream = call!(client, import_people, request)
            .await
            .map_err(failed(&action))?
            .into_inner();
        while let Some(message) = stream.next().await {
            collect(message.map_err(failed(&action))?.row_results);
        }
    } else {
        let request = ImportOrganizationsRequest {
            csv_content: content,
            report_all_rows: true,
            ..Default::default()
        };
        let mut stream = call!(client, import_organizations, request)
            .await
            .map_err(failed(&action))?
            .into_inner();
        while let Some(message) = stream.next().await {
            collect(message.map_err(failed(&action))?.row_results);
        }
    }
    if let Some(first) = failures.first() {
        return Err(SeedError {
            action,
            status: Status::invalid_argument(format!(
                "{} rows refused, first {first}",
                failures.len()
            )),
        });
    }
    Ok(names)
}

/// A second data set on top of the first would mix them (and the accreditations of the same
/// organisations for the same session are refused): seeding wants an empty system.
async fn refuse_a_seeded_system(gateway: Gateway, plan: &Plan) -> Result<(), SeedError> {
    let Some(first) = plan.organizations.first() else {
        return Ok(());
    };
    let action = "looking for an earlier demo data set";
    let request = engage_api::contacts::ListOrganizationsRequest {
        page_size: 1,
        filter: format!("external_id = \"{}\"", first.external_id),
        ..Default::default()
    };
    let client = ContactsServiceClient::new(gateway);
    let found = call!(client, list_organizations, request)
        .await
        .map_err(failed(action))?
        .into_inner()
        .organizations;
    match found.first() {
        Some(org) => Err(SeedError {
            action: action.to_owned(),
            status: Status::already_exists(format!(
                "this system holds a demo data set already ({} is {}); seed an empty system",
                first.external_id, org.name
            )),
        }),
        None => Ok(()),
    }
}

fn name_of(names: &HashMap<String, String>, external_id: &str) -> Result<String, SeedError> {
    names.get(external_id).cloned().ok_or_else(|| SeedError {
        action: "reading the import's results".to_owned(),
        status: Status::not_found(format!("no record for {external_id}")),
    })
}

/// Writes `plan`; calls `progress` with a line after each part.
pub async fn write(
    plan: &Plan,
    lanes: &Lanes,
    progress: &mut dyn FnMut(&str),
) -> Result<Written, SeedError> {
    let mut written = Written::default();
    refuse_a_seeded_system(lanes.lane(0), plan).await?;
    let csv_error = |e: csv::Error| SeedError {
        action: "writing the demo CSV".to_owned(),
        status: Status::internal(e.to_string()),
    };
    let orgs = import(
        lanes.lane(0),
        false,
        plan.organizations_csv().map_err(csv_error)?,
    )
    .await?;
    written.organizations = orgs.len();
    progress(&format!("{} organisations", orgs.len()));
    let people = import(lanes.lane(1), true, plan.people_csv().map_err(csv_error)?).await?;
    written.people = people.len();
    progress(&format!("{} people with their affiliations", people.len()));
    let org_names: Vec<String> = plan
        .organizations
        .iter()
        .map(|o| name_of(&orgs, &o.external_id))
        .collect::<Result<_, _>>()?;
    let person_names: Vec<String> = plan
        .people
        .iter()
        .map(|p| name_of(&people, &p.external_id))
        .collect::<Result<_, _>>()?;

    // Accreditations for the conference session.
    let tasks = plan
        .accreditations
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let gateway = lanes.lane(i);
            let parent = org_names[a.organization].clone();
            let granted = a.granted;
            async move {
                let client = ContactsServiceClient::new(gateway);
                let request = CreateAccreditationRequest {
                    parent,
                    accreditation: Some(Accreditation {
                        conference_session: CONFERENCE_SESSION.to_owned(),
                        request_date: date(-40),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                };
                let created = call!(client, create_accreditation, request)
                    .await
                    .map_err(failed("requesting an accreditation"))?
                    .into_inner()
                    .accreditation
                    .unwrap_or_default();
                if granted {
                    let grant = GrantAccreditationRequest {
                        name: created.name.clone(),
                        etag: created.etag.clone(),
                        decision_date: date(-5),
                        decision_reason: "Meets the criteria".to_owned(),
                        ..Default::default()
                    };
                    call!(client, grant_accreditation, grant)
                        .await
                        .map_err(failed("granting an accreditation"))?;
                }
                Ok::<bool, SeedError>(granted)
            }
        })
        .collect();
    let grants = all(lanes, tasks).await?;
    written.accreditations = grants.len();
    written.accreditations_granted = grants.iter().filter(|g| **g).count();
    progress(&format!(
        "{} accreditations for {CONFERENCE_SESSION} ({} granted)",
        written.accreditations, written.accreditations_granted
    ));

    // Events, published, then their registrations.
    let tasks = plan
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let gateway = lanes.lane(i);
            let organizers: Vec<String> =
                e.organizers.iter().map(|o| org_names[*o].clone()).collect();
            let (kind, session) = match e.sort {
                EventSort::Briefing => (EventKind::Briefing, ""),
                EventSort::SideEvent => (EventKind::SideEvent, CONFERENCE_SESSION),
                EventSort::YouthConsultation => (EventKind::Consultation, ""),
            };
            let event = Event {
                kind: kind as i32,
                title: e.title.clone(),
                conference_session: session.to_owned(),
                start_time: instant(e.starts_in_days, e.start_hour),
                end_time: instant(e.starts_in_days, e.start_hour + 2),
                time_zone: "Europe/Vienna".to_owned(),
                capacity: e.capacity,
                waitlist_enabled: e.waitlist_capacity > 0,
                waitlist_capacity: e.waitlist_capacity,
                online_url: format!("https://meet.example.org/demo-{}", i + 1),
                organizers,
                ..Event::default()
            };
            async move {
                let client = BriefingsServiceClient::new(gateway);
                let request = CreateEventRequest {
                    event: Some(event),
                    request_id: String::new(),
                };
                let created = call!(client, create_event, request)
                    .await
                    .map_err(failed("creating an event"))?
                    .into_inner()
                    .event
                    .unwrap_or_default();
                let publish = PublishEventRequest {
                    name: created.name.clone(),
                    etag: created.etag.clone(),
                };
                call!(client, publish_event, publish)
                    .await
                    .map_err(failed("publishing an event"))?;
                Ok::<(usize, String), SeedError>((i, created.name))
            }
        })
        .collect();
    let mut events = all(lanes, tasks).await?;
    events.sort();
    written.events = events.len();
    written.civil_society_side_events = plan
        .events
        .iter()
        .filter(|e| e.sort == EventSort::SideEvent && !e.organizers.is_empty())
        .count();
    progress(&format!(
        "{} events ({} side events by civil society)",
        written.events, written.civil_society_side_events
    ));
    // Registrations of one event go one after another, so that who waits is the same
    // every time; events are registered in parallel.
    let tasks = plan
        .events
        .iter()
        .zip(events.iter())
        .enumerate()
        .map(|(i, (e, (_, event)))| {
            let gateway = lanes.lane(i);
            let registrants: Vec<(String, String)> = e
                .registrants
                .iter()
                .map(|p| {
                    (
                        person_names[*p].clone(),
                        org_names[plan.people[*p].organization].clone(),
                    )
                })
                .collect();
            let event = event.clone();
            async move {
                let client = BriefingsServiceClient::new(gateway);
                let (mut seated, mut waiting) = (0, 0);
                for (person, organization) in registrants {
                    let request = RegisterRequest {
                        parent: event.clone(),
                        participant: Some(Participant::Person(person)),
                        organization,
                        ..Default::default()
                    };
                    let registration = call!(client, register, request)
                        .await
                        .map_err(failed("registering a participant"))?
                        .into_inner()
                        .registration
                        .unwrap_or_default();
                    if registration.status == RegistrationStatus::Waitlisted as i32 {
                        waiting += 1;
                    } else {
                        seated += 1;
                    }
                }
                Ok::<(usize, usize), SeedError>((seated, waiting))
            }
        })
        .collect();
    for (seated, waiting) in all(lanes, tasks).await? {
        written.registered += seated;
        written.waitlisted += waiting;
    }
    progress(&format!(
        "{} registrations ({} on waitlists)",
        written.registered + written.waitlisted,
        written.waitlisted
    ));

    // The declaration and its signatures.
    let client = DeclarationsServiceClient::new(lanes.lane(0));
    let request = CreateDeclarationRequest {
        declaration: Some(Declaration {
            title: plan.declaration_title.clone(),
            text: "We, the undersigned organisations, commit to work with governments and \
                   each other to prevent and counter transnational organized crime, and to \
                   put the rights of victims first."
                .to_owned(),
            language_code: "en".to_owned(),
            areas: super::names::DECLARATION_AREAS
                .iter()
                .map(|(id, title, theme)| DeclarationArea {
                    id: (*id).to_owned(),
                    title: (*title).to_owned(),
                    thematic_area: ThematicArea::from_str_name(theme).map_or(0, |t| t as i32),
                    ..Default::default()
                })
                .collect(),
            ..Declaration::default()
        }),
        request_id: String::new(),
    };
    let declaration = call!(client, create_declaration, request)
        .await
        .map_err(failed("creating the declaration"))?
        .into_inner()
        .declaration
        .unwrap_or_default();
    let open = OpenDeclarationRequest {
        name: declaration.name.clone(),
        etag: declaration.etag.clone(),
        request_id: String::new(),
    };
    call!(client, open_declaration, open)
        .await
        .map_err(failed("opening the declaration"))?;
    let tasks = plan
        .signatures
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let gateway = lanes.lane(i);
            let request = SignDeclarationRequest {
                parent: declaration.name.clone(),
                signature: Some(Signature {
                    signer: Some(Signer::Organization(org_names[s.organization].clone())),
                    endorsed_area_ids: s.areas.iter().map(|a| (*a).to_owned()).collect(),
                    ..Signature::default()
                }),
                request_id: String::new(),
            };
            let verified = s.verified;
            async move {
                let client = DeclarationsServiceClient::new(gateway);
                let signature = call!(client, sign_declaration, request)
                    .await
                    .map_err(failed("signing the declaration"))?
                    .into_inner()
                    .signature
                    .unwrap_or_default();
                if verified {
                    let verify = VerifySignatureRequest {
                        name: signature.name.clone(),
                        etag: signature.etag.clone(),
                        ..Default::default()
                    };
                    call!(client, verify_signature, verify)
                        .await
                        .map_err(failed("verifying a signature"))?;
                }
                Ok::<bool, SeedError>(verified)
            }
        })
        .collect();
    let signatures = all(lanes, tasks).await?;
    written.signatures_verified = signatures.iter().filter(|v| **v).count();
    written.signatures_pending = signatures.len() - written.signatures_verified;
    progress(&format!(
        "a declaration with {} verified and {} pending signatures",
        written.signatures_verified, written.signatures_pending
    ));

    // Pilot initiatives with their roadmaps.
    let tasks = plan
        .initiatives
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let gateway = lanes.lane(i);
            let partners: Vec<String> = seed
                .partners
                .iter()
                .map(|p| org_names[*p].clone())
                .collect();
            async move {
                let client = InitiativesServiceClient::new(gateway);
                let request = CreateInitiativeRequest {
                    initiative: Some(Initiative {
                        title: seed.title.clone(),
                        country_code: seed.country_code.clone(),
                        coordinators: vec![Coordinator {
                            subject: format!("demo-coordinator-{}", i + 1),
                            display_name: String::new(),
                        }],
                        civil_society_partners: partners
                            .iter()
                            .map(|p| CivilSocietyPartner {
                                organization: p.clone(),
                                ..Default::default()
                            })
                            .collect(),
                        start_date: date(-400),
                        target_date: date(400),
                        ..Initiative::default()
                    }),
                    request_id: String::new(),
                };
                let initiative = call!(client, create_initiative, request)
                    .await
                    .map_err(failed("creating an initiative"))?
                    .into_inner()
                    .initiative
                    .unwrap_or_default();
                let name = initiative.name.clone();
                let (mut milestones, mut overdue) = (0, 0);
                for m in &seed.milestones {
                    let request = CreateMilestoneRequest {
                        parent: name.clone(),
                        milestone: Some(Milestone {
                            title: m.title.to_owned(),
                            due_date: date(m.due_in_days),
                            owner: partners.first().map(|p| MilestoneOwner {
                                owner: Some(Owner::Organization(p.clone())),
                            }),
                            ..Milestone::default()
                        }),
                        request_id: String::new(),
                    };
                    let milestone = call!(client, create_milestone, request)
                        .await
                        .map_err(failed("creating a milestone"))?
                        .into_inner()
                        .milestone
                        .unwrap_or_default();
                    milestones += 1;
                    if m.done {
                        let request = AppendProgressRequest {
                            parent: name.clone(),
                            progress_entry: Some(ProgressEntry {
                                milestone: milestone.name.clone(),
                                text: format!("{}: done, minutes attached.", m.title),
                                new_status: MilestoneStatus::Done as i32,
                                ..Default::default()
                            }),
                            ..Default::default()
                        };
                        call!(client, append_progress, request)
                            .await
                            .map_err(failed("logging progress"))?;
                    } else if m.due_in_days < 0 {
                        overdue += 1;
                    }
                }
                if seed.stage != Stage::Proposed {
                    let launch = LaunchInitiativeRequest {
                        name: name.clone(),
                        ..Default::default()
                    };
                    call!(client, launch_initiative, launch)
                        .await
                        .map_err(failed("launching an initiative"))?;
                }
                if matches!(seed.stage, Stage::Active | Stage::Suspended) {
                    let activate = ActivateInitiativeRequest {
                        name: name.clone(),
                        ..Default::default()
                    };
                    call!(client, activate_initiative, activate)
                        .await
                        .map_err(failed("activating an initiative"))?;
                }
                if seed.stage == Stage::Suspended {
                    let suspend = SuspendInitiativeRequest {
                        name: name.clone(),
                        note: "Paused until the new government confirms its focal points."
                            .to_owned(),
                        ..Default::default()
                    };
                    call!(client, suspend_initiative, suspend)
                        .await
                        .map_err(failed("suspending an initiative"))?;
                }
                Ok::<(usize, usize), SeedError>((milestones, overdue))
            }
        })
        .collect();
    let initiatives = all(lanes, tasks).await?;
    written.initiatives = initiatives.len();
    written.milestones = initiatives.iter().map(|i| i.0).sum();
    written.overdue_milestones = initiatives.iter().map(|i| i.1).sum();
    progress(&format!(
        "{} pilot initiatives with {} milestones ({} overdue)",
        written.initiatives, written.milestones, written.overdue_milestones
    ));
    Ok(written)
}
