//! The initiatives, declarations and briefings services under load, through the gateway with
//! a bearer token as their users call them, each beside pgbench on the same PostgreSQL in the
//! same phase: writes beside its single-row insert, reads beside its point select.
//!
//! - A coordinator logs progress on the milestones of the roadmaps assigned to them
//!   (AppendProgress, spread over several initiatives), then reads those initiatives with
//!   their roadmap summary (GetInitiative).
//! - An officer records signatures of the declaration, each by a new signatory
//!   (SignDeclaration), then the public list of signatories is read (ListPublicSignatures).
//! - An officer registers people from the contacts register for one briefing of limited
//!   capacity with a waitlist (Register), all callers on the same event; afterwards the seats
//!   and the waitlist are checked against the capacity.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::briefings::{
    CreateEventRequest, Event, EventKind, GetEventRequest, ListRegistrationsRequest,
    PublishEventRequest, RegisterRequest, RegistrationStatus, register_request,
};
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreatePersonRequest, EmailAddress, Person};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    CreateDeclarationRequest, Declaration, DeclarationArea, GetDeclarationRequest,
    IndividualSigner, ListPublicSignaturesRequest, ListSignaturesRequest, OpenDeclarationRequest,
    SignDeclarationRequest, Signature, SignerContact, VerifySignatureRequest,
};
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::{
    ActivateInitiativeRequest, AppendProgressRequest, Coordinator, CreateInitiativeRequest,
    CreateMilestoneRequest, GetInitiativeRequest, Initiative, LaunchInitiativeRequest, Milestone,
    MilestoneOwner, MilestoneStatus, Priority, ProgressEntry,
};
use engage_api::types::{Date, Sector, ThematicArea};
use engage_platform::{Caller, Role};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::clients::Auth;
use super::drive;
use super::pgbench;
use super::report::{Goal, Report, Row};
use super::{Keys, LoadArgs, observed};

type Authorised = InterceptedService<Channel, Auth>;
type Initiatives = InitiativesServiceClient<Authorised>;
type Declarations = DeclarationsServiceClient<Authorised>;
type Briefings = BriefingsServiceClient<Authorised>;
type Contacts = ContactsServiceClient<Authorised>;

/// The coordinator's subject: every initiative of the run lists them, and their token names
/// every initiative, as an identity provider would.
const COORDINATOR: &str = "bench-coordinator";

/// Roadmaps the coordinator writes to. AppendProgress locks its initiative, so the
/// progress log is spread as a coordinator's portfolio would be, not piled on one.
const INITIATIVES: usize = 8;
const MILESTONES: usize = 4;

const COUNTRIES: &[&str] = &["KE", "BR", "NG", "MX", "PH", "ID", "CO", "ZA"];

/// Signatures verified before the public list is read: the demo data's declaration holds
/// 150, a popular one a few hundred.
const VERIFIED_SIGNATORIES: usize = 300;

/// Seats of the briefing: the unit's NGO briefings take some 50 to 100 people.
const SEATS: i32 = 100;

const GIVEN_NAMES: &[&str] = &[
    "Amina", "Joaquín", "Mei", "Olusegun", "Ana", "Tariq", "Priya", "Lucía", "Kwame", "Sofia",
    "Rahim", "Nadia",
];
const FAMILY_NAMES: &[&str] = &[
    "Okafor", "Haddad", "Silva", "Novak", "Tanaka", "Mensah", "Rossi", "Kowalski", "Nguyen",
    "Ibrahim", "Moreau", "Petrov",
];

pub(super) async fn run(args: &LoadArgs, keys: &Keys, report: &mut Report) -> Result<()> {
    let timing = args.timing();
    let n = args.concurrency;
    let connections = n.clamp(1, 4);
    let seed = args.seed.max(1);
    eprintln!("load: services — initiatives, declarations, briefings; {n} callers");
    // The contacts database holds the register pgbench reads and writes, as in `points`.
    let db = super::fresh_contacts(args.database, seed).await?;
    let system = keys.start(args.database, Some(&db.url))?;
    let gateway = system.addresses.gateway;
    let closed = format!("closed, {n} callers");

    // The baselines, seconds before the scenarios they are compared with.
    let pg = pgbench::baselines(args, &db.url, seed, timing, Some("services"), report)?;
    let against_insert = |row: Row, goal: Goal| match &pg {
        Some((_, insert)) => row.against_throughput("pgbench single-row insert", insert, goal),
        None => row,
    };
    let against_select = |row: Row, goal: Goal| match &pg {
        Some((select, _)) => row.against_throughput("pgbench point select", select, goal),
        None => row,
    };

    let officer = keys.gateway()?;

    // Initiatives: a coordinator's progress log, then reads of their initiatives.
    let roadmaps = Arc::new(roadmaps(&connect(gateway, 1, &officer, initiatives).await?).await?);
    let coordinator = coordinator_auth(keys, &roadmaps.initiatives)?;
    let clients = connect(gateway, connections, &coordinator, initiatives).await?;
    let (progress, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, {
            let clients = clients.clone();
            let roadmaps = roadmaps.clone();
            move |i| log_progress(&clients, &roadmaps, i)
        }),
    )
    .await;
    report.rows.push(against_insert(
        Row::measured(
            &format!(
                "AppendProgress through the gateway: a coordinator's milestone progress \
                 ({INITIATIVES} initiatives × {MILESTONES} milestones)"
            ),
            &closed,
            &progress,
        )
        .server(cpu, rss),
        Goal::AtLeast(0.4),
    ));
    let (read, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, {
            let roadmaps = roadmaps.clone();
            move |i| {
                let mut client = clients[i as usize % clients.len()].clone();
                let name =
                    roadmaps.initiatives[super::spread(i, INITIATIVES as u64) as usize].clone();
                async move {
                    client
                        .get_initiative(GetInitiativeRequest { name })
                        .await
                        .map(|_| ())
                }
            }
        }),
    )
    .await;
    report.rows.push(against_select(
        Row::measured(
            "GetInitiative through the gateway: an initiative with its roadmap summary",
            &closed,
            &read,
        )
        .server(cpu, rss),
        Goal::AtLeast(0.5),
    ));
    report.notes.push(format!(
        "AppendProgress: each entry sets its milestone IN_PROGRESS with a new percentage, on \
         the coordinator's {INITIATIVES} initiatives in turn (a coordinator token naming them); \
         no milestone etag is sent, so no ABORTED is possible and the errors column holds \
         failures only. GetInitiative read those initiatives afterwards, each with \
         {MILESTONES} milestones and the progress log just written."
    ));

    // Declarations: signatures by new signatories, then the public list of signatories.
    let clients = connect(gateway, connections, &officer, declarations).await?;
    let declaration = open_declaration(&mut clients[0].clone()).await?;
    let already = Arc::new(AtomicU64::new(0));
    let (signing, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, {
            let clients = clients.clone();
            let declaration = declaration.clone();
            let already = already.clone();
            move |i| sign(&clients, &declaration, i, &already)
        }),
    )
    .await;
    report.rows.push(against_insert(
        Row::measured(
            "SignDeclaration through the gateway: a new individual signatory each call",
            &closed,
            &signing,
        )
        .server(cpu, rss),
        Goal::AtLeast(0.4),
    ));
    let verified = verify_first(&mut clients[0].clone(), &declaration).await?;
    let signatures = clients[0]
        .clone()
        .get_declaration(GetDeclarationRequest {
            name: declaration.clone(),
        })
        .await?
        .into_inner()
        .declaration
        .and_then(|d| d.signature_counts)
        .map_or(0, |c| c.pending + c.verified);
    let (listing, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, move |i| {
            let mut client = clients[i as usize % clients.len()].clone();
            let parent = declaration.clone();
            async move {
                client
                    .list_public_signatures(ListPublicSignaturesRequest {
                        parent,
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
            }
        }),
    )
    .await;
    report.rows.push(against_select(
        Row::measured(
            "ListPublicSignatures through the gateway: first page of 50 signatories",
            &closed,
            &listing,
        )
        .server(cpu, rss),
        Goal::None,
    ));
    report.notes.push(format!(
        "SignDeclaration: individual signatories, each with an email of their own and no \
         contacts person (so no call to contacts), endorsing every area; {} answers said \
         `already_signed` (0 expected). ListPublicSignatures then read the first page (default \
         order, by name) of a declaration holding {signatures} signatures, {verified} of them \
         verified (the only ones listed); a page is not a point read, so it has no goal \
         against the point select.",
        already.load(Ordering::Relaxed),
    ));

    // Briefings: registration for one event of limited capacity, under contention.
    let contacts = connect(gateway, connections, &officer, contacts).await?;
    // One person per call at up to 600 registrations a second, three times what one event
    // took here; a call past the pool finds its person registered already, counted below.
    let pool_size = (600 * (args.warmup + args.duration)).clamp(1_000, 20_000) as usize;
    let people = Arc::new(people(&contacts, pool_size, n).await?);
    let clients = connect(gateway, connections, &officer, briefings).await?;
    let event = briefing(&mut clients[0].clone()).await?;
    let tally = Arc::new(Tally::default());
    let (registering, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, {
            let clients = clients.clone();
            let event = event.clone();
            let tally = tally.clone();
            let people = people.clone();
            move |i| register(&clients, &event, &people, i, &tally)
        }),
    )
    .await;
    report.rows.push(against_insert(
        Row::measured(
            &format!(
                "Register through the gateway: one briefing of {SEATS} seats, waitlist beyond, \
                 every caller on it"
            ),
            &closed,
            &registering,
        )
        .server(cpu, rss),
        Goal::None,
    ));
    let check = check_seats(&mut clients[0].clone(), &event, &tally).await?;
    report.notes.push(format!(
        "Register: distinct people of the contacts register ({pool_size} created before, \
         through the gateway) registered for the same briefing; the waitlist is unlimited, so \
         no answer is a correct refusal (EVENT_FULL or WAITLIST_FULL cannot occur) and the \
         errors column holds failures only. Every registration locks the event, as the \
         contract's \"never exceeded, ordered by commit\" requires, so the calls serialise by \
         design and the row has no goal. {check}"
    ));
    system.stop();
    drop(db);
    Ok(())
}

/// Clients of one service at `address` over `connections` HTTP/2 connections.
async fn connect<C>(
    address: SocketAddr,
    connections: usize,
    auth: &Auth,
    client: fn(Authorised) -> C,
) -> Result<Vec<C>> {
    let mut clients = Vec::new();
    for _ in 0..connections.max(1) {
        let channel = crate::system::channel(address).await?;
        clients.push(client(InterceptedService::new(channel, auth.clone())));
    }
    Ok(clients)
}

fn initiatives(service: Authorised) -> Initiatives {
    InitiativesServiceClient::new(service)
}

fn declarations(service: Authorised) -> Declarations {
    DeclarationsServiceClient::new(service)
}

fn briefings(service: Authorised) -> Briefings {
    BriefingsServiceClient::new(service)
}

fn contacts(service: Authorised) -> Contacts {
    ContactsServiceClient::new(service)
}

/// The current year by the system clock, closely enough for dates the services accept.
fn this_year() -> i32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    1970 + i32::try_from(seconds / 31_556_952).unwrap_or(0)
}

/// The initiatives and their milestones, as `initiatives/{id}` and
/// `initiatives/{id}/milestones/{id}`.
struct Roadmaps {
    initiatives: Vec<String>,
    milestones: Vec<Vec<String>>,
}

/// Creates, launches and activates the coordinator's initiatives, each with its roadmap,
/// as an officer.
async fn roadmaps(clients: &[Initiatives]) -> Result<Roadmaps> {
    let mut client = clients.first().context("an initiatives client")?.clone();
    let year = this_year();
    let mut roadmaps = Roadmaps {
        initiatives: Vec::new(),
        milestones: Vec::new(),
    };
    for (k, country) in COUNTRIES.iter().cycle().take(INITIATIVES).enumerate() {
        let created = client
            .create_initiative(CreateInitiativeRequest {
                initiative: Some(Initiative {
                    title: format!("Pilot initiative {}: civil society and government", k + 1),
                    country_code: (*country).to_owned(),
                    coordinators: vec![Coordinator {
                        subject: COORDINATOR.to_owned(),
                        display_name: "Bench coordinator".to_owned(),
                    }],
                    priorities: vec![Priority {
                        id: "victims".to_owned(),
                        thematic_area: ThematicArea::TraffickingInPersons as i32,
                        description: "Identify and protect victims".to_owned(),
                    }],
                    start_date: Some(Date {
                        year,
                        month: 1,
                        day: 1,
                    }),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await?
            .into_inner()
            .initiative
            .context("a created initiative")?;
        let name = created.name;
        client
            .launch_initiative(LaunchInitiativeRequest {
                name: name.clone(),
                ..Default::default()
            })
            .await?;
        client
            .activate_initiative(ActivateInitiativeRequest {
                name: name.clone(),
                ..Default::default()
            })
            .await?;
        let mut milestones = Vec::new();
        for m in 0..MILESTONES {
            let milestone = client
                .create_milestone(CreateMilestoneRequest {
                    parent: name.clone(),
                    milestone: Some(Milestone {
                        title: format!("Roadmap step {}", m + 1),
                        owner: Some(MilestoneOwner {
                            owner: Some(Owner::Coordinator(COORDINATOR.to_owned())),
                        }),
                        priority_id: "victims".to_owned(),
                        due_date: Some(Date {
                            year: year + 1,
                            month: i32::try_from(m % 12).unwrap_or(0) + 1,
                            day: 15,
                        }),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                })
                .await?
                .into_inner()
                .milestone
                .context("a created milestone")?;
            milestones.push(milestone.name);
        }
        roadmaps.initiatives.push(name);
        roadmaps.milestones.push(milestones);
    }
    Ok(roadmaps)
}

/// A bearer token for the coordinator of `initiatives`.
fn coordinator_auth(keys: &Keys, initiatives: &[String]) -> Result<Auth> {
    let mut caller = Caller::new(COORDINATOR, &[Role::Coordinator]);
    caller.initiatives = initiatives.to_vec();
    let token =
        engage_gateway::mint_development_token(&keys.token, &caller, Duration::from_secs(6 * 3600))
            .map_err(|e| anyhow!("a coordinator's token: {e}"))?;
    Auth::bearer(&token)
}

/// Call `i` of the progress load: the initiatives in turn, then their milestones.
fn log_progress(
    clients: &[Initiatives],
    roadmaps: &Roadmaps,
    i: u64,
) -> impl Future<Output = Result<(), tonic::Status>> + Send + use<> {
    let mut client = clients[i as usize % clients.len()].clone();
    let k = i as usize % INITIATIVES;
    let m = (i as usize / INITIATIVES) % MILESTONES;
    let request = AppendProgressRequest {
        parent: roadmaps.initiatives[k].clone(),
        progress_entry: Some(ProgressEntry {
            milestone: roadmaps.milestones[k][m].clone(),
            text: format!("Consultation {i} held with the partners; minutes shared"),
            new_status: MilestoneStatus::InProgress as i32,
            new_percent_complete: Some(1 + i32::try_from(i % 99).unwrap_or(0)),
            ..Default::default()
        }),
        ..Default::default()
    };
    async move { client.append_progress(request).await.map(|_| ()) }
}

/// Creates the declaration, with eight areas as the demo's, and opens it for signature.
async fn open_declaration(client: &mut Declarations) -> Result<String> {
    let areas = [
        ("prevention", ThematicArea::TraffickingInPersons),
        ("victims", ThematicArea::TraffickingInPersons),
        ("migrants", ThematicArea::SmugglingOfMigrants),
        ("firearms", ThematicArea::Firearms),
        ("cybercrime", ThematicArea::Cybercrime),
        ("environment", ThematicArea::CrimesAffectingTheEnvironment),
        ("corruption", ThematicArea::Corruption),
        ("laundering", ThematicArea::MoneyLaundering),
    ];
    let created = client
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(Declaration {
                title: "Civil society declaration on the review of the Convention".to_owned(),
                text: "We, the undersigned organisations and individuals, call on States \
                       parties to involve civil society in every stage of the review."
                    .to_owned(),
                language_code: "en".to_owned(),
                areas: areas
                    .iter()
                    .map(|(id, area)| DeclarationArea {
                        id: (*id).to_owned(),
                        title: format!("On {id}"),
                        thematic_area: *area as i32,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner()
        .declaration
        .context("a created declaration")?;
    client
        .open_declaration(OpenDeclarationRequest {
            name: created.name.clone(),
            etag: created.etag,
            request_id: String::new(),
        })
        .await?;
    Ok(created.name)
}

/// Call `i` of the signing load: signatory `i`, new to the declaration.
fn sign(
    clients: &[Declarations],
    declaration: &str,
    i: u64,
    already: &Arc<AtomicU64>,
) -> impl Future<Output = Result<(), tonic::Status>> + Send + use<> {
    let mut client = clients[i as usize % clients.len()].clone();
    let given = GIVEN_NAMES[i as usize % GIVEN_NAMES.len()];
    let family = FAMILY_NAMES[(i as usize / GIVEN_NAMES.len()) % FAMILY_NAMES.len()];
    let request = SignDeclarationRequest {
        parent: declaration.to_owned(),
        signature: Some(Signature {
            signer: Some(Signer::Individual(IndividualSigner {
                display_name: format!("{given} {family}"),
                country_code: COUNTRIES[i as usize % COUNTRIES.len()].to_owned(),
                affiliation: "Independent researcher".to_owned(),
                sector: Sector::Academia as i32,
                ..Default::default()
            })),
            contact: Some(SignerContact {
                email: format!(
                    "{}.{}.{i}@example.org",
                    given.to_lowercase(),
                    family.to_lowercase()
                ),
                ..Default::default()
            }),
            ..Default::default()
        }),
        request_id: String::new(),
    };
    let already = already.clone();
    async move {
        let answer = client.sign_declaration(request).await?.into_inner();
        if answer.already_signed {
            already.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Verifies the declaration's first signatures, so that the public list has signatories;
/// returns how many were verified.
async fn verify_first(client: &mut Declarations, declaration: &str) -> Result<usize> {
    let page = client
        .list_signatures(ListSignaturesRequest {
            parent: declaration.to_owned(),
            page_size: VERIFIED_SIGNATORIES as i32,
            order_by: "create_time".to_owned(),
            ..Default::default()
        })
        .await?
        .into_inner();
    for signature in &page.signatures {
        client
            .verify_signature(VerifySignatureRequest {
                name: signature.name.clone(),
                note: "confirmed by email".to_owned(),
                ..Default::default()
            })
            .await?;
    }
    Ok(page.signatures.len())
}

/// Creates `count` people in contacts through the gateway on `concurrency` callers and
/// returns their names.
async fn people(clients: &[Contacts], count: usize, concurrency: usize) -> Result<Vec<String>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..concurrency.max(1) {
        let mut client = clients[c % clients.len()].clone();
        let next = next.clone();
        tasks.spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= count {
                    return Ok::<_, anyhow::Error>(made);
                }
                let given = GIVEN_NAMES[i % GIVEN_NAMES.len()];
                let family = FAMILY_NAMES[(i / GIVEN_NAMES.len()) % FAMILY_NAMES.len()];
                let person = client
                    .create_person(CreatePersonRequest {
                        person: Some(Person {
                            given_name: given.to_owned(),
                            family_name: format!("{family}-{i}"),
                            country_code: COUNTRIES[i % COUNTRIES.len()].to_owned(),
                            emails: vec![EmailAddress {
                                address: format!(
                                    "{}.{}.{i}@example.org",
                                    given.to_lowercase(),
                                    family.to_lowercase()
                                ),
                                ..Default::default()
                            }],
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .await?
                    .into_inner()
                    .person
                    .context("a created person")?;
                made.push(person.name);
            }
        });
    }
    let mut names = Vec::with_capacity(count);
    for made in tasks.join_all().await {
        names.extend(made?);
    }
    Ok(names)
}

/// Creates the briefing, a week from now, and publishes it; returns its name.
async fn briefing(client: &mut Briefings) -> Result<String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let at = |seconds: u64| prost_types::Timestamp {
        seconds: i64::try_from(seconds).unwrap_or(i64::MAX),
        nanos: 0,
    };
    let created = client
        .create_event(CreateEventRequest {
            event: Some(Event {
                kind: EventKind::Briefing as i32,
                title: "NGO briefing on the review mechanism".to_owned(),
                conference_session: "COP13".to_owned(),
                online_url: "https://meet.example.org/ngo-briefing".to_owned(),
                start_time: Some(at(now + 7 * 86_400)),
                end_time: Some(at(now + 7 * 86_400 + 2 * 3_600)),
                time_zone: "Europe/Vienna".to_owned(),
                capacity: SEATS,
                waitlist_enabled: true,
                waitlist_capacity: 0,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await?
        .into_inner()
        .event
        .context("a created event")?;
    client
        .publish_event(PublishEventRequest {
            name: created.name.clone(),
            etag: created.etag,
        })
        .await?;
    Ok(created.name)
}

/// What the registration answers said.
#[derive(Default)]
struct Tally {
    registered: AtomicU64,
    waitlisted: AtomicU64,
    already: AtomicU64,
}

/// Call `i` of the registration load: person `i` of the pool.
fn register(
    clients: &[Briefings],
    event: &str,
    people: &[String],
    i: u64,
    tally: &Arc<Tally>,
) -> impl Future<Output = Result<(), tonic::Status>> + Send + use<> {
    let mut client = clients[i as usize % clients.len()].clone();
    let request = RegisterRequest {
        parent: event.to_owned(),
        participant: Some(register_request::Participant::Person(
            people[i as usize % people.len()].clone(),
        )),
        ..Default::default()
    };
    let tally = tally.clone();
    async move {
        let answer = client.register(request).await?.into_inner();
        let status = answer.registration.map_or(0, |r| r.status);
        let counter = if answer.already_registered {
            &tally.already
        } else if status == RegistrationStatus::Registered as i32 {
            &tally.registered
        } else {
            &tally.waitlisted
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Whether the seats held stayed within the capacity and the waitlist is one unbroken
/// queue, as the answers, the event's counts and the registrations themselves tell; said
/// as a sentence for the report.
async fn check_seats(client: &mut Briefings, event: &str, tally: &Tally) -> Result<String> {
    let counts = client
        .get_event(GetEventRequest {
            name: event.to_owned(),
        })
        .await?
        .into_inner()
        .event
        .and_then(|e| e.registration_counts)
        .context("the event's registration counts")?;
    let listed = |status: RegistrationStatus| ListRegistrationsRequest {
        parent: event.to_owned(),
        page_size: 1_000,
        filter: format!("status = {}", status.as_str_name()),
        order_by: "waitlist_position".to_owned(),
        ..Default::default()
    };
    let registered = client
        .list_registrations(ListRegistrationsRequest {
            page_size: 1,
            ..listed(RegistrationStatus::Registered)
        })
        .await?
        .into_inner()
        .total_size;
    // The waitlist's positions, all of them: they must be 1, 2, … without gap or repeat.
    let mut positions = Vec::new();
    let mut request = listed(RegistrationStatus::Waitlisted);
    loop {
        let page = client
            .list_registrations(request.clone())
            .await?
            .into_inner();
        positions.extend(page.registrations.iter().map(|r| r.waitlist_position));
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    positions.sort_unstable();
    let unbroken = positions
        .iter()
        .enumerate()
        .all(|(k, p)| usize::try_from(*p).is_ok_and(|p| p == k + 1));
    let answered_registered = tally.registered.load(Ordering::Relaxed);
    let answered_waitlisted = tally.waitlisted.load(Ordering::Relaxed);
    let within =
        counts.registered <= SEATS && registered <= SEATS && answered_registered <= SEATS as u64;
    let agree = u64::try_from(counts.registered).ok() == Some(answered_registered)
        && u64::try_from(counts.waitlisted).ok() == Some(answered_waitlisted)
        && usize::try_from(counts.waitlisted).ok() == Some(positions.len());
    Ok(format!(
        "Seats under contention (warm-up included): {answered_registered} answers REGISTERED \
         and {answered_waitlisted} WAITLISTED ({} already registered, from a pool run out); \
         the event counts {} registered and {} waitlisted, and {registered} registrations are \
         listed as REGISTERED. Never above the {SEATS} seats: {}. Answers and counts agree: \
         {}. Waitlist positions 1 to {} without gap or repeat: {}.",
        tally.already.load(Ordering::Relaxed),
        counts.registered,
        counts.waitlisted,
        if within { "holds" } else { "**broken**" },
        if agree { "yes" } else { "**no**" },
        positions.len(),
        if unbroken { "holds" } else { "**broken**" },
    ))
}
