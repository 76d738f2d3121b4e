//! Dashboard summaries end to end: records written through the gateway to the four services
//! show in GetSummary and WatchSummary, read through the gateway with real tokens, on both
//! databases (PostgreSQL with the Redis bus, SQLite with the in-process bus).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::briefings::register_request::Participant;
use engage_api::briefings::{
    CreateEventRequest, Event, EventKind, PublishEventRequest, RegisterRequest,
};
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, CreatePersonRequest, Organization, Person};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    CreateDeclarationRequest, Declaration, DeclarationArea, OpenDeclarationRequest,
    SignDeclarationRequest, Signature, VerifySignatureRequest,
};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::watch_summary_response::Payload;
use engage_api::feeds::{
    DashboardSummary, GetSummaryRequest, InitiativeStatus as SummaryStatus, SummaryOptions,
    WatchSummaryRequest,
};
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::{
    CivilSocietyPartner, Coordinator, CreateInitiativeRequest, CreateMilestoneRequest, Initiative,
    LaunchInitiativeRequest, Milestone, MilestoneOwner,
};
use engage_api::types::{Date, RegionalGroup, Sector};
use engage_gateway::RateLimits;
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::{TestBus, TestSystem};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type Authorised = InterceptedService<
    Channel,
    Box<dyn FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Send + Sync>,
>;

fn as_caller(system: &TestSystem, caller: &Caller) -> Authorised {
    let bearer: tonic::metadata::MetadataValue<tonic::metadata::Ascii> =
        format!("Bearer {}", system.token_for(caller))
            .parse()
            .expect("metadata value");
    InterceptedService::new(
        system.gateway_channel(),
        Box::new(move |mut request: tonic::Request<()>| {
            request
                .metadata_mut()
                .insert("authorization", bearer.clone());
            Ok(request)
        }),
    )
}

fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

/// A time `days` from now.
fn in_days(days: i64) -> Option<prost_types::Timestamp> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    Some(prost_types::Timestamp {
        seconds: i64::try_from(now).expect("seconds") + days * 86_400,
        nanos: 0,
    })
}

async fn organization(
    contacts: &mut ContactsServiceClient<Authorised>,
    name: &str,
    sector: Sector,
    country: &str,
) -> Organization {
    contacts
        .create_organization(CreateOrganizationRequest {
            organization: Some(Organization {
                display_name: name.into(),
                sector: sector as i32,
                country_code: country.into(),
                ..Organization::default()
            }),
            ..Default::default()
        })
        .await
        .expect("organisation created")
        .into_inner()
        .organization
        .expect("an organisation")
}

async fn initiative(
    client: &mut InitiativesServiceClient<Authorised>,
    title: &str,
    country: &str,
    coordinator: &str,
    partner: &Organization,
) -> Initiative {
    client
        .create_initiative(CreateInitiativeRequest {
            initiative: Some(Initiative {
                title: title.into(),
                country_code: country.into(),
                coordinators: vec![Coordinator {
                    subject: coordinator.into(),
                    display_name: String::new(),
                }],
                civil_society_partners: vec![CivilSocietyPartner {
                    organization: partner.name.clone(),
                    ..Default::default()
                }],
                start_date: date(2020, 1, 1),
                target_date: date(2099, 12, 31),
                ..Initiative::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("initiative created")
        .into_inner()
        .initiative
        .expect("an initiative")
}

/// What the test wrote, for the assertions.
struct Written {
    kenyan_initiative: String,
    pending_signature: Signature,
}

/// Three organisations, a youth person, two initiatives (one launched with an overdue
/// milestone), an open declaration with one verified and one pending signature, and a
/// published event in three days with one registration.
async fn write_records(system: &TestSystem, officer: &Caller) -> Written {
    let mut contacts = ContactsServiceClient::new(as_caller(system, officer));
    let kenyan = organization(&mut contacts, "Haki Centre", Sector::Ngo, "KE").await;
    let brazilian = organization(&mut contacts, "Instituto Sol", Sector::Ngo, "BR").await;
    organization(&mut contacts, "Universität Nord", Sector::Academia, "DE").await;
    let amina = contacts
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: "Amina".into(),
                family_name: "Wanjiru".into(),
                country_code: "KE".into(),
                youth: true,
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .expect("person created")
        .into_inner()
        .person
        .expect("a person");

    let mut initiatives = InitiativesServiceClient::new(as_caller(system, officer));
    let ke = initiative(
        &mut initiatives,
        "Kenya national dialogue",
        "KE",
        "coordinator-ke",
        &kenyan,
    )
    .await;
    initiative(
        &mut initiatives,
        "Brazil national dialogue",
        "BR",
        "coordinator-br",
        &brazilian,
    )
    .await;
    let ke = initiatives
        .launch_initiative(LaunchInitiativeRequest {
            name: ke.name.clone(),
            etag: ke.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("initiative launched")
        .into_inner()
        .initiative
        .expect("an initiative");
    for (title, due) in [
        ("Map the partners", date(2020, 6, 1)),
        ("Hold the dialogue", date(2099, 6, 1)),
    ] {
        initiatives
            .create_milestone(CreateMilestoneRequest {
                parent: ke.name.clone(),
                milestone: Some(Milestone {
                    title: title.into(),
                    due_date: due,
                    owner: Some(MilestoneOwner {
                        owner: Some(Owner::Organization(kenyan.name.clone())),
                    }),
                    ..Milestone::default()
                }),
                request_id: String::new(),
            })
            .await
            .expect("milestone created");
    }

    let mut declarations = DeclarationsServiceClient::new(as_caller(system, officer));
    let declaration = declarations
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(Declaration {
                title: "Civil society declaration".into(),
                text: "We, the undersigned, commit to the convention's aims.".into(),
                language_code: "en".into(),
                areas: vec![
                    DeclarationArea {
                        id: "prevention".into(),
                        title: "Prevention".into(),
                        ..Default::default()
                    },
                    DeclarationArea {
                        id: "victims".into(),
                        title: "Victims".into(),
                        ..Default::default()
                    },
                ],
                ..Declaration::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("declaration created")
        .into_inner()
        .declaration
        .expect("a declaration");
    let declaration = declarations
        .open_declaration(OpenDeclarationRequest {
            name: declaration.name.clone(),
            etag: declaration.etag.clone(),
            request_id: String::new(),
        })
        .await
        .expect("declaration opened")
        .into_inner()
        .declaration
        .expect("a declaration");
    let mut signatures = Vec::new();
    for signer in [&kenyan, &brazilian] {
        signatures.push(
            declarations
                .sign_declaration(SignDeclarationRequest {
                    parent: declaration.name.clone(),
                    signature: Some(Signature {
                        signer: Some(Signer::Organization(signer.name.clone())),
                        ..Signature::default()
                    }),
                    request_id: String::new(),
                })
                .await
                .expect("signed")
                .into_inner()
                .signature
                .expect("a signature"),
        );
    }
    declarations
        .verify_signature(VerifySignatureRequest {
            name: signatures[0].name.clone(),
            etag: signatures[0].etag.clone(),
            ..Default::default()
        })
        .await
        .expect("signature verified");

    let mut briefings = BriefingsServiceClient::new(as_caller(system, officer));
    let event = briefings
        .create_event(CreateEventRequest {
            event: Some(Event {
                kind: EventKind::Briefing as i32,
                title: "NGO briefing".into(),
                conference_session: "COP12".into(),
                start_time: in_days(3),
                end_time: in_days(4),
                time_zone: "Europe/Vienna".into(),
                capacity: 10,
                online_url: "https://meet.example.org/briefing".into(),
                ..Event::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("event created")
        .into_inner()
        .event
        .expect("an event");
    let event = briefings
        .publish_event(PublishEventRequest {
            name: event.name.clone(),
            etag: event.etag.clone(),
        })
        .await
        .expect("event published")
        .into_inner()
        .event
        .expect("an event");
    briefings
        .register(RegisterRequest {
            parent: event.name.clone(),
            participant: Some(Participant::Person(amina.name.clone())),
            organization: kenyan.name.clone(),
            ..Default::default()
        })
        .await
        .expect("registered");
    Written {
        kenyan_initiative: ke.name,
        pending_signature: signatures.remove(1),
    }
}

fn sector_count(summary: &DashboardSummary, sector: Sector) -> i32 {
    summary
        .contacts
        .as_ref()
        .and_then(|c| {
            c.organizations_by_sector
                .iter()
                .find(|s| s.sector == sector as i32)
        })
        .map_or(-1, |s| s.count)
}

async fn next_summary(
    stream: &mut tonic::Streaming<engage_api::feeds::WatchSummaryResponse>,
) -> DashboardSummary {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("a summary within the timeout")
            .expect("the stream goes on")
            .expect("a message");
        if let Some(Payload::Summary(summary)) = message.payload {
            return summary;
        }
    }
}

async fn a_dashboard_sees_every_services_figures_and_each_change_as_it_happens(
    backend: TestBackend,
) {
    let bus = match backend {
        TestBackend::Postgres => TestBus::Redis,
        TestBackend::Sqlite => TestBus::Memory,
    };
    let limits = RateLimits {
        write: "100000/s".parse().expect("a rate"),
        read: "100000/s".parse().expect("a rate"),
        ..RateLimits::default()
    };
    let system = TestSystem::start_with(backend, bus, limits).await;
    let officer = Caller::new("officer-1", &[Role::CsuOfficer]);
    let written = write_records(&system, &officer).await;

    let dashboard = Caller::new("wallboard", &[Role::Dashboard]);
    let mut feeds = FeedsServiceClient::new(as_caller(&system, &dashboard));
    let summary = feeds
        .get_summary(GetSummaryRequest { options: None })
        .await
        .expect("a summary")
        .into_inner()
        .summary
        .expect("a summary");

    let contacts = summary.contacts.clone().expect("contacts figures");
    assert_eq!(contacts.organizations_total, 3);
    assert_eq!(sector_count(&summary, Sector::Ngo), 2);
    assert_eq!(sector_count(&summary, Sector::Academia), 1);
    assert_eq!((contacts.people_total, contacts.youth_total), (1, 1));
    let african_people = contacts
        .people_by_regional_group
        .iter()
        .find(|g| g.regional_group == RegionalGroup::African as i32)
        .map(|g| (g.people, g.youth));
    assert_eq!(african_people, Some((1, 1)));

    let initiatives = summary.initiatives.clone().expect("initiatives figures");
    assert_eq!(initiatives.initiatives_total, 2);
    let in_status = |status: SummaryStatus| {
        initiatives
            .by_status
            .iter()
            .find(|s| s.status == status as i32)
            .map_or(-1, |s| s.count)
    };
    assert_eq!(in_status(SummaryStatus::Launched), 1);
    assert_eq!(in_status(SummaryStatus::Proposed), 1);
    assert_eq!(initiatives.milestones_overdue, 1);
    assert_eq!(initiatives.milestones.map(|m| m.planned), Some(2));
    let lines: Vec<(&str, i32)> = initiatives
        .initiatives
        .iter()
        .map(|l| (l.initiative.as_str(), l.milestones_overdue))
        .collect();
    assert_eq!(lines, [(written.kenyan_initiative.as_str(), 1)]);

    assert_eq!(summary.declarations.len(), 1);
    let declaration = &summary.declarations[0];
    let totals = declaration.totals.expect("signature totals");
    assert_eq!((totals.verified, totals.pending), (1, 1));
    assert_eq!(declaration.verified_organizations, 1);
    assert_eq!(declaration.verified_countries, 1);
    let african_verified = declaration
        .by_regional_group
        .iter()
        .find(|g| g.regional_group == RegionalGroup::African as i32)
        .and_then(|g| g.counts)
        .map(|c| c.verified);
    assert_eq!(african_verified, Some(1));
    assert!(declaration.open_for_signature);

    let briefings = summary.briefings.clone().expect("briefings figures");
    assert_eq!(briefings.upcoming_event_count, 1);
    assert_eq!(briefings.upcoming_capacity, 10);
    assert_eq!(
        briefings.upcoming_registrations.map(|r| r.registered),
        Some(1)
    );
    assert_eq!(briefings.upcoming_events[0].title, "NGO briefing");
    assert!(briefings.upcoming_events[0].registration_open);
    let sources: Vec<(&str, bool)> = summary
        .sources
        .iter()
        .map(|s| (s.service.as_str(), s.stale))
        .collect();
    assert_eq!(
        sources,
        [
            ("contacts", false),
            ("initiatives", false),
            ("declarations", false),
            ("briefings", false)
        ]
    );

    // A session filter keeps only that session's events.
    let other_session = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                conference_session: "COP13".into(),
                ..Default::default()
            }),
        })
        .await
        .expect("a summary")
        .into_inner()
        .summary
        .expect("a summary");
    assert_eq!(
        other_session.briefings.map(|b| b.upcoming_event_count),
        Some(0)
    );

    // The stream starts with the same figures, then follows a change.
    let mut stream = feeds
        .watch_summary(WatchSummaryRequest::default())
        .await
        .expect("a stream")
        .into_inner();
    let first = next_summary(&mut stream).await;
    assert_eq!(first.etag, summary.etag, "the same figures, the same etag");
    let mut contacts_client = ContactsServiceClient::new(as_caller(&system, &officer));
    organization(&mut contacts_client, "Red Juvenil", Sector::Ngo, "PE").await;
    let next = next_summary(&mut stream).await;
    assert_eq!(next.contacts.map(|c| c.organizations_total), Some(4));
    assert_ne!(next.etag, first.etag);
    DeclarationsServiceClient::new(as_caller(&system, &officer))
        .verify_signature(VerifySignatureRequest {
            name: written.pending_signature.name.clone(),
            etag: written.pending_signature.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("the second signature verified");
    let verified = next_summary(&mut stream).await;
    let totals = verified.declarations[0].totals.expect("signature totals");
    assert_eq!((totals.verified, totals.pending), (2, 0));

    // A coordinator sees contacts and their own initiatives, nothing else.
    let mut coordinator = Caller::new("coordinator-ke", &[Role::Coordinator]);
    coordinator.initiatives = vec![written.kenyan_initiative.clone()];
    let theirs = FeedsServiceClient::new(as_caller(&system, &coordinator))
        .get_summary(GetSummaryRequest { options: None })
        .await
        .expect("a coordinator's summary")
        .into_inner()
        .summary
        .expect("a summary");
    let theirs_initiatives = theirs.initiatives.expect("their initiatives");
    assert_eq!(theirs_initiatives.initiatives_total, 1);
    assert_eq!(theirs_initiatives.milestones_overdue, 1);
    assert!(theirs.declarations.is_empty());
    assert!(theirs.briefings.is_none());
    assert_eq!(theirs.sources.len(), 2);

    // Bad options are refused field by field.
    let refused = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                upcoming_event_limit: 1000,
                declarations: vec!["declarations/unknown".into()],
                ..Default::default()
            }),
        })
        .await
        .expect_err("a limit of 1000 is refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let unknown = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                declarations: vec!["declarations/0190aaaa-0000-7000-8000-000000000000".into()],
                ..Default::default()
            }),
        })
        .await
        .expect_err("an unknown declaration is refused");
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument, "{unknown:?}");
    system.stop().await;
}

engage_platform::on_both_databases!(
    a_dashboard_sees_every_services_figures_and_each_change_as_it_happens
);
