//! What the briefings tests share: briefings started beside a real contacts server, clients
//! that call as one role, and small builders of people, organisations and events.

use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::briefings::*;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    CreateOrganizationRequest, CreatePersonRequest, EmailAddress, Organization, Person,
};
use engage_api::types::Sector;
use engage_briefings::Briefings;
use engage_platform::identity::InternalTokenInterceptor;
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::testkit::{TestBackend, TestServer};
use engage_platform::{Caller, Role};
use tonic::codegen::InterceptedService;
use tonic::transport::Channel;
use tonic_types::StatusExt;

/// The generated briefings client, calling as if through the gateway.
pub type Client = BriefingsServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;
/// The generated contacts client.
pub type Contacts = ContactsServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;

/// Briefings with a real contacts server behind it.
pub struct World {
    pub contacts: TestServer,
    pub briefings: TestServer,
}

impl World {
    pub async fn start(backend: TestBackend) -> Self {
        let contacts = TestServer::start::<engage_contacts::Contacts>(backend).await;
        let briefings = contacts
            .start_beside::<Briefings>(backend, "contacts")
            .await;
        Self {
            contacts,
            briefings,
        }
    }

    /// Briefings as `caller`.
    pub fn client_as(&self, caller: Caller) -> Client {
        BriefingsServiceClient::new(self.briefings.channel_as(caller))
    }

    /// Briefings as a caller holding `role`, whose subject is the role's name.
    pub fn client(&self, role: Role) -> Client {
        self.client_as(Caller::new(role.as_str(), &[role]))
    }

    /// Contacts as an officer.
    pub fn contacts(&self) -> Contacts {
        ContactsServiceClient::new(
            self.contacts
                .channel_as(Caller::new("csu_officer", &[Role::CsuOfficer])),
        )
    }

    /// The outbox of briefings, in commit order.
    pub async fn outbox(&self) -> Vec<engage_platform::journal::StoredEvent> {
        use engage_platform::journal::Journal;
        let events: Result<_, engage_platform::Error> = async {
            Ok(engage_platform::with_connection!(
                self.briefings.database,
                |conn| conn.events_after(0, 100_000).await?
            ))
        }
        .await;
        events.expect("reading the outbox")
    }
}

/// An organisation in contacts; returns its name.
pub async fn organization(
    contacts: &mut Contacts,
    name: &str,
    sector: Sector,
    country: &str,
) -> String {
    contacts
        .create_organization(CreateOrganizationRequest {
            organization: Some(Organization {
                display_name: name.into(),
                sector: sector as i32,
                country_code: country.into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e:?}"))
        .into_inner()
        .organization
        .expect("organization")
        .name
}

/// A person in contacts; returns their name.
pub async fn person(
    contacts: &mut Contacts,
    given: &str,
    family: &str,
    country: &str,
    youth: bool,
) -> String {
    contacts
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: given.into(),
                family_name: family.into(),
                country_code: country.into(),
                youth,
                emails: vec![EmailAddress {
                    address: format!(
                        "{}.{}@example.org",
                        given.to_lowercase(),
                        family.to_lowercase()
                    ),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("creating {given} {family}: {e:?}"))
        .into_inner()
        .person
        .expect("person")
        .name
}

const FAMILY_NAMES: &[&str] = &[
    "Okafor", "Haddad", "Silva", "Novak", "Tanaka", "Mensah", "Rossi", "Kowalski", "Nguyen",
    "Ibrahim", "Moreau", "Petrov",
];

/// `n` different people in contacts, created a few at a time.
pub async fn people(world: &World, n: usize) -> Vec<String> {
    let mut names = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
        let mut tasks = Vec::new();
        for i in chunk {
            let mut contacts = world.contacts();
            let i = *i;
            tasks.push(tokio::spawn(async move {
                let given = format!("Participant{}", (b'A' + (i % 26) as u8) as char);
                let family = format!("{}{}", FAMILY_NAMES[i % FAMILY_NAMES.len()], i);
                person(&mut contacts, &given, &family, "KE", false).await
            }));
        }
        for t in tasks {
            names.push(t.await.expect("task"));
        }
    }
    names
}

const HOUR: i64 = 3_600_000_000;

/// A briefing open for registration from now, starting tomorrow.
pub fn briefing(title: &str, capacity: i32, waitlist: bool) -> Event {
    let now = now_micros();
    Event {
        kind: EventKind::Briefing as i32,
        title: title.into(),
        conference_session: "COP12".into(),
        online_url: "https://meet.example.org/briefing".into(),
        start_time: Some(timestamp(now + 24 * HOUR)),
        end_time: Some(timestamp(now + 26 * HOUR)),
        time_zone: "Europe/Vienna".into(),
        capacity,
        waitlist_enabled: waitlist,
        ..Default::default()
    }
}

/// Creates an event as a draft.
pub async fn create(client: &mut Client, event: Event) -> Event {
    client
        .create_event(CreateEventRequest {
            event: Some(event),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create event: {e:?}"))
        .into_inner()
        .event
        .expect("event")
}

/// Creates and publishes an event.
pub async fn published(client: &mut Client, event: Event) -> Event {
    let draft = create(client, event).await;
    client
        .publish_event(PublishEventRequest {
            name: draft.name,
            etag: draft.etag,
        })
        .await
        .unwrap_or_else(|e| panic!("publish: {e:?}"))
        .into_inner()
        .event
        .expect("event")
}

/// Registers a contacts person.
pub fn registering(event: &Event, person: &str, organization: &str) -> RegisterRequest {
    RegisterRequest {
        parent: event.name.clone(),
        participant: Some(register_request::Participant::Person(person.into())),
        organization: organization.into(),
        ..Default::default()
    }
}

/// Reads an event again.
pub async fn event(client: &mut Client, name: &str) -> Event {
    client
        .get_event(GetEventRequest { name: name.into() })
        .await
        .expect("get event")
        .into_inner()
        .event
        .expect("event")
}

/// Every registration of an event, in registration order.
pub async fn registrations(client: &mut Client, event: &str, filter: &str) -> Vec<Registration> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_registrations(ListRegistrationsRequest {
                parent: event.into(),
                page_size: 40,
                page_token: token,
                filter: filter.into(),
                ..Default::default()
            })
            .await
            .expect("list registrations")
            .into_inner();
        all.extend(page.registrations);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

/// The reason of a FAILED_PRECONDITION.
pub fn reason(status: &tonic::Status) -> String {
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// The fields of an INVALID_ARGUMENT.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// An update mask naming `paths`.
pub fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}
