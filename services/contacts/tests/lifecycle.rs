//! Get, update, delete and undelete of every child resource and of people; reference data;
//! a person merge preview: through the generated client on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client, date, mask};

use engage_api::contacts::*;
use engage_api::types::{RegionalGroup, Sector};
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};
use tonic::Code;
use tonic_types::StatusExt;

/// A person, an organisation, and one of each child resource.
struct Fixture {
    person: Person,
    organization: Organization,
    affiliation: Affiliation,
    accreditation: Accreditation,
    consent: ConsentRecord,
    interaction: Interaction,
}

async fn fixture(c: &mut Client) -> Fixture {
    let organization = c
        .create_organization(CreateOrganizationRequest {
            organization: Some(Organization {
                display_name: "Red de Mujeres".into(),
                sector: Sector::Ngo as i32,
                country_code: "PE".into(),
                ..Organization::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    let person = c
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: "Lucía".into(),
                family_name: "Pérez".into(),
                country_code: "PE".into(),
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let affiliation = c
        .create_affiliation(CreateAffiliationRequest {
            parent: person.name.clone(),
            affiliation: Some(Affiliation {
                organization: organization.name.clone(),
                title: "Coordinator".into(),
                start_date: date(2024, 2, 1),
                ..Affiliation::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    let accreditation = c
        .create_accreditation(CreateAccreditationRequest {
            parent: organization.name.clone(),
            accreditation: Some(Accreditation {
                conference_session: "COP12".into(),
                request_date: date(2026, 9, 1),
                ..Accreditation::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    let consent = c
        .create_consent_record(CreateConsentRecordRequest {
            parent: person.name.clone(),
            consent_record: Some(ConsentRecord {
                purpose: ConsentPurpose::EventCommunications as i32,
                basis: ConsentBasis::Consent as i32,
                given_date: date(2026, 3, 1),
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
    let interaction = c
        .create_interaction(CreateInteractionRequest {
            interaction: Some(Interaction {
                kind: InteractionKind::Call as i32,
                subject: "Follow-up".into(),
                occur_date: date(2026, 10, 1),
                people: vec![person.name.clone()],
                ..Interaction::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    Fixture {
        person,
        organization,
        affiliation,
        accreditation,
        consent,
        interaction,
    }
}

async fn every_child_resource_is_read_updated_deleted_and_restored(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut c = client(&server, Role::CsuOfficer);
    let f = fixture(&mut c).await;

    // Affiliation: update under its etag, refuse the immutable organisation, delete, undelete.
    let mut patch = f.affiliation.clone();
    patch.title = "Director".into();
    patch.end_date = date(2025, 12, 31);
    let updated = c
        .update_affiliation(UpdateAffiliationRequest {
            affiliation: Some(patch.clone()),
            update_mask: mask(&["title", "end_date"]),
        })
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert_eq!(updated.title, "Director");
    assert!(!updated.current);
    let immutable = c
        .update_affiliation(UpdateAffiliationRequest {
            affiliation: Some(updated.clone()),
            update_mask: mask(&["organization"]),
        })
        .await
        .unwrap_err();
    assert_eq!(immutable.code(), Code::InvalidArgument);
    let stale = c
        .update_affiliation(UpdateAffiliationRequest {
            affiliation: Some(patch),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let deleted = c
        .delete_affiliation(DeleteAffiliationRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert!(deleted.delete_time.is_some());
    let twice = c
        .delete_affiliation(DeleteAffiliationRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(twice.get_details_error_info().unwrap().reason, "DELETED");
    let restored = c
        .undelete_affiliation(UndeleteAffiliationRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .affiliation
        .unwrap();
    assert!(restored.delete_time.is_none());

    // Accreditation: get, update representatives, delete, undelete.
    let read = c
        .get_accreditation(GetAccreditationRequest {
            name: f.accreditation.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    assert_eq!(read, f.accreditation);
    let mut patch = read.clone();
    patch.representatives = vec![f.person.name.clone()];
    patch.state = AccreditationState::Granted as i32;
    let updated = c
        .update_accreditation(UpdateAccreditationRequest {
            accreditation: Some(patch),
            update_mask: mask(&["representatives"]),
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    assert_eq!(
        updated.representatives,
        std::slice::from_ref(&f.person.name)
    );
    assert_eq!(
        updated.state,
        AccreditationState::Requested as i32,
        "the state changes only by a decision"
    );
    let deleted = c
        .delete_accreditation(DeleteAccreditationRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    let restored = c
        .undelete_accreditation(UndeleteAccreditationRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .accreditation
        .unwrap();
    assert!(deleted.delete_time.is_some() && restored.delete_time.is_none());

    // Consent record: get, update the evidence, delete (entered in error), undelete.
    let read = c
        .get_consent_record(GetConsentRecordRequest {
            name: f.consent.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .consent_record
        .unwrap();
    assert_eq!(read.recorded_by.as_ref().unwrap().subject, "csu_officer");
    let mut patch = read.clone();
    patch.source_detail = "Registration form of the COP12 briefing".into();
    let updated = c
        .update_consent_record(UpdateConsentRecordRequest {
            consent_record: Some(patch),
            update_mask: mask(&["source_detail"]),
        })
        .await
        .unwrap()
        .into_inner()
        .consent_record
        .unwrap();
    assert_eq!(
        updated.source_detail,
        "Registration form of the COP12 briefing"
    );
    let purpose_fixed = c
        .update_consent_record(UpdateConsentRecordRequest {
            consent_record: Some(updated.clone()),
            update_mask: mask(&["purpose"]),
        })
        .await
        .unwrap_err();
    assert_eq!(purpose_fixed.code(), Code::InvalidArgument);
    let deleted = c
        .delete_consent_record(DeleteConsentRecordRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .consent_record
        .unwrap();
    let person = c
        .get_person(GetPersonRequest {
            name: f.person.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert!(
        person.active_consents.is_empty(),
        "a deleted record gives no consent"
    );
    c.undelete_consent_record(UndeleteConsentRecordRequest {
        name: deleted.name.clone(),
        etag: deleted.etag.clone(),
    })
    .await
    .unwrap();

    // Interaction: get, update participants, delete, undelete.
    let read = c
        .get_interaction(GetInteractionRequest {
            name: f.interaction.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    assert_eq!(read, f.interaction);
    let mut patch = read.clone();
    patch.organizations = vec![f.organization.name.clone()];
    patch.summary = "Agreed on a joint side event.".into();
    let updated = c
        .update_interaction(UpdateInteractionRequest {
            interaction: Some(patch),
            update_mask: mask(&["organizations", "summary"]),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    assert_eq!(
        updated.organizations,
        std::slice::from_ref(&f.organization.name)
    );
    let deleted = c
        .delete_interaction(DeleteInteractionRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    let restored = c
        .undelete_interaction(UndeleteInteractionRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .interaction
        .unwrap();
    assert!(restored.delete_time.is_none());

    // A child named under another parent does not exist.
    let other_parent = f.accreditation.name.replace(
        &f.organization.name,
        &f.person.name.replace("people", "organizations"),
    );
    let missing = c
        .get_accreditation(GetAccreditationRequest { name: other_parent })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

async fn people_are_deleted_restored_and_read_in_batches(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut c = client(&server, Role::CsuOfficer);
    let f = fixture(&mut c).await;
    let deleted = c
        .delete_person(DeletePersonRequest {
            name: f.person.name.clone(),
            etag: f.person.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert!(deleted.delete_time.is_some());
    let listed = c
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 0);
    // A deleted person takes no new children.
    let refused = c
        .create_consent_record(CreateConsentRecordRequest {
            parent: f.person.name.clone(),
            consent_record: Some(f.consent.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let batch = c
        .batch_get_people(BatchGetPeopleRequest {
            names: vec![f.person.name.clone(), f.person.name.clone()],
            resolve_merged: false,
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(batch.len(), 2);
    assert!(batch[0].delete_time.is_some());
    assert_eq!(batch[0].primary_organization, "");
    let restored = c
        .undelete_person(UndeletePersonRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert!(restored.delete_time.is_none());
    let unknown = c
        .batch_get_people(BatchGetPeopleRequest {
            names: vec![
                f.person.name.clone(),
                "people/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into(),
            ],
            resolve_merged: false,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert!(unknown.message().contains("0190f5e2"));
}

async fn reference_data_and_a_person_merge_preview(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut c = client(&server, Role::CsuOfficer);
    let african = c
        .list_countries(ListCountriesRequest {
            regional_group: RegionalGroup::African as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .countries;
    assert!(african.len() >= 50, "{}", african.len());
    let kenya = african.iter().find(|c| c.country_code == "KE").unwrap();
    assert_eq!(kenya.display_name, "Kenya");
    assert!(african.iter().all(|c| c.country_code != "FR"));
    // Every code a record may carry is listed, territories with REGIONAL_GROUP_NONE.
    let all = c
        .list_countries(ListCountriesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .countries;
    assert_eq!(all.len(), 249);
    let none = c
        .list_countries(ListCountriesRequest {
            regional_group: RegionalGroup::None as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .countries;
    let hong_kong = none.iter().find(|c| c.country_code == "HK").unwrap();
    assert_eq!(hong_kong.display_name, "Hong Kong");
    assert!(none.iter().any(|c| c.country_code == "PR"));
    assert!(none.iter().all(|c| c.country_code != "KE"));

    let mut people = Vec::new();
    for (given, family, youth, year) in [
        ("Amara", "Okafor", true, 2006),
        ("Amara", "Okafor", false, 2006),
    ] {
        people.push(
            c.create_person(CreatePersonRequest {
                person: Some(Person {
                    given_name: given.into(),
                    family_name: family.into(),
                    youth,
                    birth_date: date(year, 5, 17),
                    ..Person::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner(),
        );
    }
    let candidate = people[1].duplicate_candidates[0].clone();
    let fetched = c
        .get_duplicate_candidate(GetDuplicateCandidateRequest {
            name: candidate.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .duplicate_candidate
        .unwrap();
    assert_eq!(fetched, candidate);
    assert!(
        fetched
            .matches
            .iter()
            .filter(|m| m.field == "birth_date")
            .all(|m| m.value_a.is_empty() && m.value_b.is_empty()),
        "stored candidates never show a birth date"
    );
    let (survivor, merged) = (
        people[0].person.clone().unwrap(),
        people[1].person.clone().unwrap(),
    );
    let preview = c
        .preview_person_merge(PreviewPersonMergeRequest {
            survivor: survivor.name.clone(),
            merged: merged.name.clone(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.survivor_etag, survivor.etag);
    let result = preview.result.unwrap();
    assert!(result.birth_date.is_none() && result.birth_date_withheld);
    let birth = preview
        .fields
        .iter()
        .find(|f| f.field == "birth_date")
        .unwrap();
    assert!(matches!(
        birth.survivor_value.as_ref().and_then(|v| v.kind.as_ref()),
        Some(prost_types::value::Kind::NullValue(_))
    ));
    // The preview wrote nothing.
    let still = c
        .get_person(GetPersonRequest {
            name: merged.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert!(still.merged_into.is_empty());
    // A preview is a read: a viewer gets it too, with the youth birth date still withheld.
    let seen = client(&server, Role::Viewer)
        .preview_person_merge(PreviewPersonMergeRequest {
            survivor: survivor.name.clone(),
            merged: merged.name.clone(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap();
    assert!(seen.birth_date.is_none() && seen.birth_date_withheld);
}

engage_platform::on_both_databases!(
    every_child_resource_is_read_updated_deleted_and_restored,
    people_are_deleted_restored_and_read_in_batches,
    reference_data_and_a_person_merge_preview,
);
