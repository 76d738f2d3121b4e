//! Affiliations, accreditations, consent records and interactions, and what they tell about
//! their people and organisations, through the generated client on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, date};

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::*;
use engage_api::types::{Date, RegionalGroup, Sector};
use engage_contacts::Contacts;
use engage_platform::testkit::{TestBackend, TestServer};
use engage_platform::{Caller, Role};
use tonic::Code;
use tonic_types::StatusExt;

fn officer(server: &TestServer) -> Client {
    ContactsServiceClient::new(server.channel_as(Caller::new("olga", &[Role::CsuOfficer])))
}

async fn organization(client: &mut Client, name: &str, country: &str) -> Organization {
    client
        .create_organization(CreateOrganizationRequest {
            organization: Some(Organization {
                display_name: name.into(),
                sector: Sector::Ngo as i32,
                country_code: country.into(),
                ..Organization::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap()
}

async fn person(client: &mut Client, given: &str, family: &str) -> Person {
    client
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: given.into(),
                family_name: family.into(),
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
}

async fn get_person(client: &mut Client, name: &str) -> Person {
    client
        .get_person(GetPersonRequest { name: name.into() })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
}

async fn people_matching(client: &mut Client, filter: &str) -> Vec<String> {
    client
        .list_people(ListPeopleRequest {
            filter: filter.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people
        .into_iter()
        .map(|p| p.name)
        .collect()
}

async fn affiliations_set_the_primary_organisation_and_one_primary_at_a_time(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut client = officer(&server);
    let unodc = organization(&mut client, "Red de Mujeres", "PE").await;
    let youth = organization(&mut client, "Youth Network", "KE").await;
    let amara = person(&mut client, "Amara", "Okafor").await;
    let affiliate =
        |organization: &Organization, primary: bool, end: Option<Date>| CreateAffiliationRequest {
            parent: amara.name.clone(),
            affiliation: Some(Affiliation {
                organization: organization.name.clone(),
                title: "Programme Officer".into(),
                start_date: date(2020, 1, 6),
                end_date: end,
                primary,
                ..Affiliation::default()
            }),
            request_id: String::new(),
        };
    let first = client
        .create_affiliation(affiliate(&unodc, true, None))
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert!(
        first
            .name
            .starts_with(&format!("{}/affiliations/", amara.name))
    );
    assert!(first.current && first.primary);
    let read = get_person(&mut client, &amara.name).await;
    assert_eq!(read.primary_organization, unodc.name);
    assert_eq!(read.primary_title, "Programme Officer");

    client
        .create_affiliation(affiliate(&youth, true, None))
        .await
        .unwrap();
    let before = client
        .get_affiliation(GetAffiliationRequest {
            name: first.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert!(!before.primary, "the earlier primary was cleared");
    assert_ne!(before.etag, first.etag);
    assert_eq!(
        get_person(&mut client, &amara.name)
            .await
            .primary_organization,
        youth.name
    );

    // A past affiliation is not current.
    let past = client
        .create_affiliation(affiliate(&unodc, false, date(2021, 12, 31)))
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert!(!past.current);
    let current = client
        .list_affiliations(ListAffiliationsRequest {
            parent: amara.name.clone(),
            filter: "current = true".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.total_size, 2);
    let at_unodc_now = format!(
        "affiliation.organization = \"{}\" AND affiliation.current = true",
        unodc.name
    );
    assert_eq!(
        people_matching(&mut client, &at_unodc_now).await,
        std::slice::from_ref(&amara.name)
    );
    let at_youth_in_the_past = format!(
        "affiliation.organization = \"{}\" AND affiliation.current = false",
        youth.name
    );
    assert!(
        people_matching(&mut client, &at_youth_in_the_past)
            .await
            .is_empty()
    );

    let unknown = client
        .create_affiliation(CreateAffiliationRequest {
            parent: amara.name.clone(),
            affiliation: Some(Affiliation {
                organization: "organizations/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into(),
                ..Affiliation::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument);
    client
        .delete_organization(DeleteOrganizationRequest {
            name: youth.name.clone(),
            etag: youth.etag.clone(),
        })
        .await
        .unwrap();
    let deleted = client
        .create_affiliation(affiliate(&youth, false, None))
        .await
        .unwrap_err();
    assert_eq!(deleted.code(), Code::FailedPrecondition, "{deleted:?}");
}

async fn accreditations_move_from_requested_to_a_dated_attributed_decision(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut client = officer(&server);
    let ngo = organization(&mut client, "Asociación Niños del Sur", "AR").await;
    let other = organization(&mut client, "Fundación Mar Azul", "CL").await;
    let request = |organization: &Organization| CreateAccreditationRequest {
        parent: organization.name.clone(),
        accreditation: Some(Accreditation {
            conference_session: "cop12".into(),
            ..Accreditation::default()
        }),
        request_id: String::new(),
    };
    let requested = client
        .create_accreditation(request(&ngo))
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    assert_eq!(requested.conference_session, "COP12");
    assert_eq!(requested.state, AccreditationState::Requested as i32);
    client.create_accreditation(request(&other)).await.unwrap();
    let twice = client
        .create_accreditation(request(&ngo))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists);
    assert_eq!(
        twice.get_details_error_info().unwrap().reason,
        "ACCREDITATION_EXISTS"
    );

    let granted = client
        .grant_accreditation(GrantAccreditationRequest {
            name: requested.name.clone(),
            etag: requested.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    assert_eq!(granted.state, AccreditationState::Granted as i32);
    assert!(granted.decision_date.is_some());
    assert_eq!(granted.decided_by.unwrap().subject, "olga");
    let again = client
        .grant_accreditation(GrantAccreditationRequest {
            name: granted.name.clone(),
            etag: granted.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert_eq!(
        again.get_details_error_info().unwrap().reason,
        "INVALID_TRANSITION"
    );
    let no_reason = client
        .refuse_accreditation(RefuseAccreditationRequest {
            name: granted.name.clone(),
            etag: granted.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(no_reason.code(), Code::InvalidArgument, "{no_reason:?}");

    let accredited = client
        .list_organizations(ListOrganizationsRequest {
            filter: "accreditation.conference_session = \"COP12\" AND \
                     accreditation.state = ACCREDITATION_STATE_GRANTED"
                .into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organizations;
    assert_eq!(
        accredited.iter().map(|o| &o.name).collect::<Vec<_>>(),
        [&ngo.name]
    );

    let summary = client
        .get_contacts_summary(GetContactsSummaryRequest {})
        .await
        .unwrap()
        .into_inner();
    let mut counts: Vec<(String, i32, i64)> = summary
        .accreditation_counts
        .iter()
        .map(|c| (c.conference_session.clone(), c.state, c.count))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        [
            ("COP12".to_owned(), AccreditationState::Requested as i32, 1),
            ("COP12".to_owned(), AccreditationState::Granted as i32, 1),
        ]
    );
    let latin_american_ngos: i64 = summary
        .organization_counts
        .iter()
        .filter(|c| {
            c.sector == Sector::Ngo as i32
                && c.regional_group == RegionalGroup::LatinAmericanCaribbean as i32
        })
        .map(|c| c.count)
        .sum();
    assert_eq!(latin_american_ngos, 2);
    assert!(
        summary.accreditation_counts.iter().all(|c| c
            .latest_request_time
            .as_ref()
            .is_some_and(|t| t.seconds > 0)),
        "{summary:?}"
    );
    let people: i64 = summary.person_counts.iter().map(|c| c.count).sum();
    let youth: i64 = summary.person_counts.iter().map(|c| c.youth).sum();
    assert_eq!((people, youth), (summary.person_count, summary.youth_count));
}

async fn consent_given_then_withdrawn_shows_on_the_person(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut client = officer(&server);
    let amara = person(&mut client, "Amara", "Okafor").await;
    let given = client
        .create_consent_record(CreateConsentRecordRequest {
            parent: amara.name.clone(),
            consent_record: Some(ConsentRecord {
                purpose: ConsentPurpose::Newsletter as i32,
                basis: ConsentBasis::Consent as i32,
                given_date: date(2025, 3, 1),
                source: ConsentSource::WebForm as i32,
                ..ConsentRecord::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .consent_record
        .unwrap();
    assert_eq!(given.state, ConsentState::Given as i32);
    assert_eq!(given.recorded_by.as_ref().unwrap().subject, "olga");
    assert_eq!(
        get_person(&mut client, &amara.name).await.active_consents,
        [ConsentPurpose::Newsletter as i32]
    );
    assert_eq!(
        people_matching(&mut client, "active_consents:CONSENT_PURPOSE_NEWSLETTER").await,
        std::slice::from_ref(&amara.name)
    );

    let withdrawn = client
        .withdraw_consent_record(WithdrawConsentRecordRequest {
            name: given.name.clone(),
            etag: given.etag.clone(),
            withdraw_source: ConsentSource::Email as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .consent_record
        .unwrap();
    assert_eq!(withdrawn.state, ConsentState::Withdrawn as i32);
    assert!(withdrawn.withdraw_date.is_some());
    assert!(
        get_person(&mut client, &amara.name)
            .await
            .active_consents
            .is_empty()
    );
    assert!(
        people_matching(&mut client, "active_consents:CONSENT_PURPOSE_NEWSLETTER")
            .await
            .is_empty()
    );
    let twice = client
        .withdraw_consent_record(WithdrawConsentRecordRequest {
            name: withdrawn.name.clone(),
            etag: withdrawn.etag.clone(),
            withdraw_source: ConsentSource::Email as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    let listed = client
        .list_consent_records(ListConsentRecordsRequest {
            parent: "people/-".into(),
            filter: "state = CONSENT_STATE_WITHDRAWN".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 1);
}

async fn interactions_log_who_met_whom_and_refuse_unknown_participants(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut client = officer(&server);
    let ngo = organization(&mut client, "Red de Mujeres", "PE").await;
    let amara = person(&mut client, "Amara", "Okafor").await;
    let logged = client
        .create_interaction(CreateInteractionRequest {
            interaction: Some(Interaction {
                kind: InteractionKind::Meeting as i32,
                subject: "Briefing follow-up".into(),
                occur_date: date(2026, 10, 14),
                people: vec![amara.name.clone()],
                organizations: vec![ngo.name.clone()],
                conference_session: "COP12".into(),
                ..Interaction::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    assert_eq!(logged.author.as_ref().unwrap().subject, "olga");
    let listed = client
        .list_interactions(ListInteractionsRequest {
            filter: format!(
                "organizations:\"{}\" AND occur_date >= \"2026-10-01\"",
                ngo.name
            ),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .interactions;
    assert_eq!(listed, std::slice::from_ref(&logged));

    let unknown = client
        .create_interaction(CreateInteractionRequest {
            interaction: Some(Interaction {
                kind: InteractionKind::Call as i32,
                subject: "Call".into(),
                occur_date: date(2026, 10, 15),
                people: vec!["people/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into()],
                ..Interaction::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let fields: Vec<String> = unknown
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["interaction.people[0]"]);

    let deleted = client
        .delete_interaction(DeleteInteractionRequest {
            name: logged.name.clone(),
            etag: logged.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    assert!(deleted.delete_time.is_some());
    let after = client
        .list_interactions(ListInteractionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.total_size, 0);
}

engage_platform::on_both_databases!(
    affiliations_set_the_primary_organisation_and_one_primary_at_a_time,
    accreditations_move_from_requested_to_a_dated_attributed_decision,
    consent_given_then_withdrawn_shows_on_the_person,
    interactions_log_who_met_whom_and_refuse_unknown_participants,
);
