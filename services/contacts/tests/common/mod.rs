//! What the contacts service tests share: a client that calls as one role, and the small
//! values every test writes.

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::types::Date;
use engage_platform::identity::InternalTokenInterceptor;
use engage_platform::testkit::TestServer;
use engage_platform::{Caller, Role};
use tonic::codegen::InterceptedService;
use tonic::transport::Channel;

/// The generated client, calling as if through the gateway.
pub type Client = ContactsServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;

/// A client calling as a caller with `role`, whose subject is the role's name.
pub fn client(server: &TestServer, role: Role) -> Client {
    ContactsServiceClient::new(server.channel_as(Caller::new(role.as_str(), &[role])))
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

/// Creates `org` and returns it as stored.
pub async fn create_organization(client: &mut Client, org: Organization) -> Organization {
    client
        .create_organization(CreateOrganizationRequest {
            organization: Some(org),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create: {e:?}"))
        .into_inner()
        .organization
        .unwrap()
}
