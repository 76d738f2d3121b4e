//! What the declarations service tests share: the service started beside a real contacts
//! service, clients calling as one role, and the small values every test writes.

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::*;
use engage_api::types::Sector;
use engage_contacts::Contacts;
use engage_declarations::Declarations;
use engage_platform::identity::InternalTokenInterceptor;
use engage_platform::testkit::{TestBackend, TestServer};
use engage_platform::{Caller, Role};
use tonic::codegen::InterceptedService;
use tonic::transport::Channel;

type Traced = InterceptedService<Channel, InternalTokenInterceptor>;

/// The declarations client, calling as if through the gateway.
pub type Client = DeclarationsServiceClient<Traced>;
/// The contacts client.
pub type ContactsClient = ContactsServiceClient<Traced>;

/// The service under test with the contacts service it checks signers with.
pub struct System {
    pub contacts: TestServer,
    pub declarations: TestServer,
}

impl System {
    pub async fn start(backend: TestBackend) -> Self {
        let contacts = TestServer::start::<Contacts>(backend).await;
        let declarations = contacts
            .start_beside::<Declarations>(backend, "contacts")
            .await;
        Self {
            contacts,
            declarations,
        }
    }

    /// A declarations client calling as a caller with `role`, whose subject is the role's name.
    pub fn client(&self, role: Role) -> Client {
        DeclarationsServiceClient::new(
            self.declarations
                .channel_as(Caller::new(role.as_str(), &[role])),
        )
    }

    /// A contacts client calling as an officer.
    pub fn contacts(&self) -> ContactsClient {
        ContactsServiceClient::new(
            self.contacts
                .channel_as(Caller::new("csu_officer", &[Role::CsuOfficer])),
        )
    }

    /// Creates an organisation in contacts.
    pub async fn organization(&self, name: &str, country: &str, sector: Sector) -> Organization {
        self.contacts()
            .create_organization(CreateOrganizationRequest {
                organization: Some(Organization {
                    display_name: name.into(),
                    country_code: country.into(),
                    sector: sector as i32,
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
            .into_inner()
            .organization
            .expect("organisation")
    }
}

/// Areas with these ids, titled after them.
pub fn areas(ids: &[&str]) -> Vec<DeclarationArea> {
    ids.iter()
        .map(|id| DeclarationArea {
            id: (*id).into(),
            title: format!("Area {id}"),
            ..Default::default()
        })
        .collect()
}

/// A draft declaration covering `area_ids`.
pub fn draft(area_ids: &[&str]) -> Declaration {
    Declaration {
        title: "Civil society declaration on the Convention".into(),
        text: "We, the undersigned organisations, …".into(),
        language_code: "en".into(),
        areas: areas(area_ids),
        ..Default::default()
    }
}

/// Creates a declaration and opens it for signature.
pub async fn open_declaration(client: &mut Client, area_ids: &[&str]) -> Declaration {
    let created = client
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(draft(area_ids)),
            ..Default::default()
        })
        .await
        .expect("create declaration")
        .into_inner()
        .declaration
        .expect("declaration");
    client
        .open_declaration(OpenDeclarationRequest {
            name: created.name.clone(),
            etag: created.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("open declaration")
        .into_inner()
        .declaration
        .expect("declaration")
}

/// A signature by an organisation, endorsing every area.
pub fn by_organization(organization: &str) -> Signature {
    Signature {
        signer: Some(Signer::Organization(organization.into())),
        ..Default::default()
    }
}

/// Signs `declaration` with `signature`.
pub async fn sign(
    client: &mut Client,
    declaration: &str,
    signature: Signature,
) -> Result<SignDeclarationResponse, tonic::Status> {
    client
        .sign_declaration(SignDeclarationRequest {
            parent: declaration.into(),
            signature: Some(signature),
            request_id: String::new(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The reason of a refusal (`ErrorInfo.reason`).
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// The fields a refusal names (`BadRequest` field violations).
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// Every signature of a declaration matching `filter`, through all pages.
pub async fn all_signatures(client: &mut Client, parent: &str, filter: &str) -> Vec<Signature> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_signatures(ListSignaturesRequest {
                parent: parent.into(),
                filter: filter.into(),
                page_size: 70,
                page_token: token,
                ..Default::default()
            })
            .await
            .expect("list signatures")
            .into_inner();
        out.extend(page.signatures);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

/// The audit trail of `resource` (and its children), newest first, read by an admin.
pub async fn audit_trail(
    system: &System,
    resource: &str,
    include_children: bool,
    filter: &str,
) -> Vec<engage_api::types::AuditEntry> {
    system
        .client(Role::Admin)
        .list_audit_entries(ListAuditEntriesRequest {
            resource: resource.into(),
            include_children,
            filter: filter.into(),
            ..Default::default()
        })
        .await
        .expect("audit trail")
        .into_inner()
        .audit_entries
}
