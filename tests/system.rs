//! The whole system through its gateway, on PostgreSQL and on SQLite.

use engage_api::gateway::GetCallerRequest;
use engage_api::gateway::gateway_service_client::GatewayServiceClient;
use engage_api::service_names;
use engage_platform::testkit::{ServingStatus, TestBackend, health_status, reflected_services};
use engage_platform::{Caller, Role};
use engage_system_tests::TestSystem;

const ALL_SERVICES: [&str; 6] = [
    service_names::CONTACTS,
    service_names::INITIATIVES,
    service_names::DECLARATIONS,
    service_names::BRIEFINGS,
    service_names::FEEDS,
    service_names::GATEWAY,
];

async fn every_service_is_healthy_through_the_gateway(backend: TestBackend) {
    let system = TestSystem::start(backend).await;
    let channel = system.gateway_channel();
    assert_eq!(
        health_status(channel.clone(), "").await.ok(),
        Some(ServingStatus::Serving),
        "the gateway itself"
    );
    for service in ALL_SERVICES {
        let status = health_status(channel.clone(), service).await;
        assert_eq!(
            status.ok(),
            Some(ServingStatus::Serving),
            "{service} through the gateway"
        );
    }
    let unknown = health_status(channel, "engage.nothing.v1.NothingService")
        .await
        .expect_err("an unknown service");
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    system.stop().await;
}

async fn reflection_lists_every_api(backend: TestBackend) {
    let system = TestSystem::start(backend).await;
    let listed = reflected_services(system.gateway_channel())
        .await
        .expect("reflection");
    for service in ALL_SERVICES {
        assert!(
            listed.iter().any(|s| s == service),
            "{service} missing from {listed:?}"
        );
    }
    system.stop().await;
}

async fn the_gateway_names_the_verified_caller(backend: TestBackend) {
    let system = TestSystem::start(backend).await;
    let mut coordinator = Caller::new("coordinator-7", &[Role::Coordinator, Role::Viewer]);
    coordinator.initiatives = vec!["initiatives/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into()];
    let token = system.token_for(&coordinator);

    let mut client = GatewayServiceClient::new(system.gateway_channel());
    let mut request = tonic::Request::new(GetCallerRequest {});
    let bearer = format!("Bearer {token}").parse().expect("metadata value");
    request.metadata_mut().insert("authorization", bearer);
    let caller = client
        .get_caller(request)
        .await
        .expect("GetCaller")
        .into_inner();
    assert_eq!(caller.subject, "coordinator-7");
    assert_eq!(caller.initiatives, coordinator.initiatives);
    use engage_api::gateway::Role as Wire;
    assert_eq!(
        caller.roles,
        [Wire::Coordinator as i32, Wire::Viewer as i32]
    );

    let refused = client
        .get_caller(tonic::Request::new(GetCallerRequest {}))
        .await
        .expect_err("no token");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    system.stop().await;
}

async fn calls_reach_the_services_through_the_gateway_and_only_with_permission(
    backend: TestBackend,
) {
    use engage_api::contacts::contacts_service_client::ContactsServiceClient;
    use engage_api::contacts::{CreateOrganizationRequest, GetOrganizationRequest, Organization};

    let system = TestSystem::start(backend).await;
    let contacts_as = |caller: Caller| ContactsServiceClient::new(system.channel_as(&caller));
    let mut officer = contacts_as(Caller::new("olga", &[Role::CsuOfficer]));
    let mut viewer = contacts_as(Caller::new("vera", &[Role::Viewer]));
    let organization = Organization {
        display_name: "Asociación Niños del Sur".into(),
        sector: engage_api::types::Sector::Ngo as i32,
        country_code: "AR".into(),
        ..Organization::default()
    };
    let created = officer
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization.clone()),
            ..Default::default()
        })
        .await
        .expect("an officer creates through the gateway")
        .into_inner()
        .organization
        .expect("the organisation");
    let read = viewer
        .get_organization(GetOrganizationRequest {
            name: created.name.clone(),
        })
        .await
        .expect("a viewer reads through the gateway")
        .into_inner()
        .organization;
    assert_eq!(read.as_ref(), Some(&created));
    let denied = viewer
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization),
            ..Default::default()
        })
        .await
        .expect_err("a viewer may not write");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied, "{denied:?}");
    system.stop().await;
}

engage_platform::on_both_databases!(
    calls_reach_the_services_through_the_gateway_and_only_with_permission,
    every_service_is_healthy_through_the_gateway,
    reflection_lists_every_api,
    the_gateway_names_the_verified_caller,
);
