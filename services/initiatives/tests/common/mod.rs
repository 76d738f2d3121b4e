//! What the initiatives service tests share: the service on a fixed clock with a real
//! contacts service behind it, clients that call as one role, and small builders.

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, CreatePersonRequest, Organization, Person};
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::milestone_owner::Owner;
use engage_api::initiatives::*;
use engage_api::types::{Date, Sector, ThematicArea};
use engage_contacts::Contacts;
use engage_initiatives::{Clock, InitiativesService};
use engage_platform::identity::InternalTokenInterceptor;
use engage_platform::testkit::{TestBackend, TestServer};
use engage_platform::{Caller, Role};
use tonic::codegen::InterceptedService;
use tonic::transport::Channel;

/// The generated client, calling as if through the gateway.
pub type Client = InitiativesServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;

/// The contacts client.
pub type ContactsClient =
    ContactsServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;

/// The service's clock in these tests: 25 November 2026, noon UTC.
pub struct FixedClock;

/// Today by [`FixedClock`].
pub const TODAY: (i32, i32, i32) = (2026, 11, 25);

impl Clock for FixedClock {
    fn now_micros() -> i64 {
        // 2026-11-25T12:00:00Z
        1_795_608_000_000_000
    }
}

/// Contacts and initiatives, each on a fresh database of `backend`.
pub struct Env {
    pub contacts: TestServer,
    pub initiatives: TestServer,
}

impl Env {
    pub async fn start(backend: TestBackend) -> Self {
        let contacts = TestServer::start::<Contacts>(backend).await;
        let initiatives = contacts
            .start_beside::<InitiativesService<FixedClock>>(backend, "contacts")
            .await;
        Self {
            contacts,
            initiatives,
        }
    }

    /// A client calling as `caller`.
    pub fn client_as(&self, caller: Caller) -> Client {
        InitiativesServiceClient::new(self.initiatives.channel_as(caller))
    }

    /// A client calling with `role`, whose subject is the role's name.
    pub fn client(&self, role: Role) -> Client {
        self.client_as(Caller::new(role.as_str(), &[role]))
    }

    /// A coordinator whose token lists `initiatives`.
    pub fn coordinator(&self, subject: &str, initiatives: &[&str]) -> Client {
        let mut caller = Caller::new(subject, &[Role::Coordinator]);
        caller.initiatives = initiatives.iter().map(|i| (*i).to_owned()).collect();
        self.client_as(caller)
    }

    /// Contacts as a csu_officer.
    pub fn contacts(&self) -> ContactsClient {
        ContactsServiceClient::new(
            self.contacts
                .channel_as(Caller::new("csu_officer", &[Role::CsuOfficer])),
        )
    }

    /// A new organisation in contacts.
    pub async fn organization(&self, name: &str, website: &str) -> Organization {
        self.contacts()
            .create_organization(CreateOrganizationRequest {
                organization: Some(Organization {
                    display_name: name.into(),
                    sector: Sector::Ngo as i32,
                    country_code: "KE".into(),
                    website: website.into(),
                    ..Organization::default()
                }),
                ..Default::default()
            })
            .await
            .expect("organisation created in contacts")
            .into_inner()
            .organization
            .expect("organisation")
    }

    /// A new person in contacts.
    pub async fn person(&self, given: &str, family: &str) -> Person {
        self.contacts()
            .create_person(CreatePersonRequest {
                person: Some(Person {
                    given_name: given.into(),
                    family_name: family.into(),
                    ..Person::default()
                }),
                ..Default::default()
            })
            .await
            .expect("person created in contacts")
            .into_inner()
            .person
            .expect("person")
    }
}

/// A calendar date.
pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

/// An update mask naming `paths`.
pub fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}

/// An initiative in `country` with one coordinator and one priority, starting 1 January 2026.
pub fn initiative(title: &str, country: &str, coordinator: &str) -> Initiative {
    Initiative {
        title: title.into(),
        country_code: country.into(),
        coordinators: vec![Coordinator {
            subject: coordinator.into(),
            display_name: String::new(),
        }],
        priorities: vec![Priority {
            id: "victims".into(),
            thematic_area: ThematicArea::TraffickingInPersons as i32,
            description: "Identify and protect victims".into(),
        }],
        start_date: date(2026, 1, 1),
        ..Default::default()
    }
}

/// Creates `initiative` as a csu_officer.
pub async fn create(client: &mut Client, initiative: Initiative) -> Initiative {
    client
        .create_initiative(CreateInitiativeRequest {
            initiative: Some(initiative),
            request_id: String::new(),
        })
        .await
        .expect("initiative created")
        .into_inner()
        .initiative
        .expect("initiative")
}

/// A milestone owned by `coordinator`, due on `due`.
pub fn milestone(title: &str, coordinator: &str, due: Option<Date>) -> Milestone {
    Milestone {
        title: title.into(),
        owner: Some(MilestoneOwner {
            owner: Some(Owner::Coordinator(coordinator.into())),
        }),
        due_date: due,
        ..Default::default()
    }
}

/// Creates `milestone` in `parent`.
pub async fn add_milestone(client: &mut Client, parent: &str, milestone: Milestone) -> Milestone {
    client
        .create_milestone(CreateMilestoneRequest {
            parent: parent.into(),
            milestone: Some(milestone),
            request_id: String::new(),
        })
        .await
        .expect("milestone created")
        .into_inner()
        .milestone
        .expect("milestone")
}

/// Re-reads an initiative.
pub async fn get(client: &mut Client, name: &str) -> Initiative {
    client
        .get_initiative(GetInitiativeRequest { name: name.into() })
        .await
        .expect("initiative read")
        .into_inner()
        .initiative
        .expect("initiative")
}

/// Re-reads a milestone.
pub async fn get_milestone(client: &mut Client, name: &str) -> Milestone {
    client
        .get_milestone(GetMilestoneRequest { name: name.into() })
        .await
        .expect("milestone read")
        .into_inner()
        .milestone
        .expect("milestone")
}

/// The field violations of an INVALID_ARGUMENT.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|f| f.field).collect())
        .unwrap_or_default()
}

/// The ErrorInfo reason of a refusal.
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}
