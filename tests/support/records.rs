//! A small, realistic set of records across the four services, written through the gateway
//! with a real token, for the tests that read them back (summaries, change feeds).

use std::time::{SystemTime, UNIX_EPOCH};

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
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::{
    CivilSocietyPartner, Coordinator, CreateInitiativeRequest, CreateMilestoneRequest, Initiative,
    LaunchInitiativeRequest, Milestone, MilestoneOwner,
};
use engage_api::types::{Date, Sector};
use engage_platform::Caller;

use crate::{Authorised, TestSystem};

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

/// Creates an organisation.
pub async fn organization(
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
pub struct Written {
    /// The launched Kenyan initiative, coordinated by `coordinator-ke`.
    pub kenyan_initiative: String,
    /// The Brazilian organisation's signature, still pending.
    pub pending_signature: Signature,
}

/// Three organisations, a youth person, two initiatives (one launched with an overdue
/// milestone), an open declaration with one verified and one pending signature, and a
/// published event in three days with one registration.
pub async fn write_records(system: &TestSystem, officer: &Caller) -> Written {
    let mut contacts = ContactsServiceClient::new(system.channel_as(officer));
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

    let mut initiatives = InitiativesServiceClient::new(system.channel_as(officer));
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

    let mut declarations = DeclarationsServiceClient::new(system.channel_as(officer));
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

    let mut briefings = BriefingsServiceClient::new(system.channel_as(officer));
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
