//! Duplicates found, reviewed and merged; erasure and tag renames: through the generated
//! client on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client};

use engage_api::contacts::*;
use engage_api::types::{Date, Sector};
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};
use tonic::Code;
use tonic_types::StatusExt;

fn organization(name: &str, website: &str) -> Organization {
    Organization {
        display_name: name.into(),
        sector: Sector::Ngo as i32,
        country_code: "AR".into(),
        website: website.into(),
        ..Organization::default()
    }
}

async fn create(client: &mut Client, org: Organization) -> CreateOrganizationResponse {
    client
        .create_organization(CreateOrganizationRequest {
            organization: Some(org),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn get(client: &mut Client, name: &str) -> Organization {
    client
        .get_organization(GetOrganizationRequest { name: name.into() })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap()
}

async fn open_candidates(client: &mut Client) -> ListDuplicateCandidatesResponse {
    client
        .list_duplicate_candidates(ListDuplicateCandidatesRequest {
            record_type: RecordType::Organization as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn duplicates_are_found_on_create_reviewed_and_never_proposed_again(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let first = create(
        &mut officer,
        organization("Asociación Niños del Sur", "https://www.ans.org.ar"),
    )
    .await
    .organization
    .unwrap();
    assert!(
        create(
            &mut officer,
            organization("Fundación Mar Azul", "marazul.cl")
        )
        .await
        .duplicate_candidates
        .is_empty()
    );
    let second = create(
        &mut officer,
        organization("Asociacion Ninos del Sur", "ans.org.ar"),
    )
    .await;
    let found = &second.duplicate_candidates;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].record_a, first.name);
    assert_eq!(found[0].band, DuplicateBand::Likely as i32);
    assert!(!found[0].matches.is_empty());

    // Refusing likely duplicates stores nothing; validate_only stores nothing either.
    let refused = officer
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization("ASOCIACION NIÑOS DEL SUR", "ans.org.ar")),
            refuse_likely_duplicate: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::AlreadyExists);
    assert_eq!(
        refused.get_details_error_info().unwrap().reason,
        "LIKELY_DUPLICATE"
    );
    let checked = officer
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization("Asociación Niños del Sur", "ans.org.ar")),
            validate_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(checked.duplicate_candidates.len(), 2);
    assert!(
        checked
            .duplicate_candidates
            .iter()
            .all(|c| c.name.is_empty())
    );
    let listed = open_candidates(&mut officer).await;
    assert_eq!(listed.total_size, 1);
    assert_eq!(listed.thresholds.unwrap().likely, 0.85);
    let candidate = listed.duplicate_candidates[0].clone();

    let dismissed = officer
        .dismiss_duplicate_candidate(DismissDuplicateCandidateRequest {
            name: candidate.name.clone(),
            note: "Two branches of one network".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .duplicate_candidate
        .unwrap();
    assert_eq!(
        dismissed.state,
        DuplicateCandidateState::NotDuplicate as i32
    );
    assert_eq!(dismissed.decided_by.unwrap().subject, "csu_officer");
    let run = officer
        .run_duplicate_detection(RunDuplicateDetectionRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.records_scanned, 3);
    assert_eq!(run.new_candidates, 0);
    assert_eq!(run.likely_count, 0);
    assert!(
        open_candidates(&mut officer)
            .await
            .duplicate_candidates
            .is_empty()
    );

    let reopened = officer
        .reopen_duplicate_candidate(ReopenDuplicateCandidateRequest {
            name: candidate.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .duplicate_candidate
        .unwrap();
    assert_eq!(reopened.state, DuplicateCandidateState::Open as i32);
    assert_eq!(open_candidates(&mut officer).await.total_size, 1);
}

async fn a_merge_leaves_nothing_pointing_at_the_merged_organisation(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let survivor = create(
        &mut officer,
        organization("Asociación Niños del Sur", "ans.org.ar"),
    )
    .await
    .organization
    .unwrap();
    let mut duplicate = organization("Asociacion Ninos del Sur (ANS)", "ans.org.ar");
    duplicate.acronym = "ANS".into();
    duplicate.tags = vec!["cop12".into()];
    let merged = create(&mut officer, duplicate).await.organization.unwrap();
    let person = officer
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: "Lucía".into(),
                family_name: "Pérez".into(),
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    officer
        .create_affiliation(CreateAffiliationRequest {
            parent: person.name.clone(),
            affiliation: Some(Affiliation {
                organization: merged.name.clone(),
                primary: true,
                ..Affiliation::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    officer
        .create_interaction(CreateInteractionRequest {
            interaction: Some(Interaction {
                kind: InteractionKind::Meeting as i32,
                subject: "Side event planning".into(),
                occur_date: Some(Date {
                    year: 2026,
                    month: 11,
                    day: 2,
                }),
                organizations: vec![merged.name.clone(), survivor.name.clone()],
                people: vec![person.name.clone()],
                ..Interaction::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let accredit = |parent: &str, state: AccreditationState| CreateAccreditationRequest {
        parent: parent.into(),
        accreditation: Some(Accreditation {
            conference_session: "COP12".into(),
            state: state as i32,
            decision_date: (state != AccreditationState::Requested).then_some(Date {
                year: 2026,
                month: 10,
                day: 1,
            }),
            request_date: Some(Date {
                year: 2026,
                month: 9,
                day: 1,
            }),
            ..Accreditation::default()
        }),
        request_id: String::new(),
    };
    officer
        .create_accreditation(accredit(&survivor.name, AccreditationState::Requested))
        .await
        .unwrap();
    officer
        .create_accreditation(accredit(&merged.name, AccreditationState::Granted))
        .await
        .unwrap();

    let preview = officer
        .preview_organization_merge(PreviewOrganizationMergeRequest {
            survivor: survivor.name.clone(),
            merged: merged.name.clone(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    let impact = preview.impact.unwrap();
    assert_eq!(impact.affiliations_moved, 1);
    assert_eq!(impact.interactions_updated, 1);
    assert_eq!(impact.accreditations_moved, 1);
    assert_eq!(impact.accreditations_dropped, 1);
    assert_eq!(impact.duplicate_candidates_closed, 1);
    let result = preview.result.clone().unwrap();
    assert_eq!(result.acronym, "ANS");
    assert_eq!(result.tags, ["cop12"]);
    assert!(
        result
            .alternative_names
            .contains(&"Asociacion Ninos del Sur (ANS)".to_owned())
    );
    // The preview wrote nothing.
    assert!(get(&mut officer, &merged.name).await.merged_into.is_empty());
    // A preview is a read: a viewer sees the same, and still may not merge.
    let mut viewer = client(&server, Role::Viewer);
    let seen = viewer
        .preview_organization_merge(PreviewOrganizationMergeRequest {
            survivor: survivor.name.clone(),
            merged: merged.name.clone(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen.impact, preview.impact);
    assert_eq!(seen.result, preview.result);
    let refused = viewer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: preview.survivor_etag.clone(),
            merged: merged.name.clone(),
            merged_etag: preview.merged_etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(get(&mut officer, &merged.name).await.merged_into.is_empty());

    let into_itself = officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: preview.survivor_etag.clone(),
            merged: survivor.name.clone(),
            merged_etag: preview.survivor_etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(into_itself.code(), Code::InvalidArgument);
    let stale = officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: survivor.etag.clone(),
            merged: merged.name.clone(),
            merged_etag: "\"999\"".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let done = officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: preview.survivor_etag.clone(),
            merged: merged.name.clone(),
            merged_etag: preview.merged_etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.merged.as_ref().unwrap().merged_into, survivor.name);
    assert_eq!(done.survivor.as_ref().unwrap().acronym, "ANS");

    let affiliations_at = |organization: &str| ListAffiliationsRequest {
        parent: "people/-".into(),
        filter: format!("organization = \"{organization}\""),
        show_deleted: true,
        ..Default::default()
    };
    let at_merged = officer
        .list_affiliations(affiliations_at(&merged.name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(at_merged.total_size, 0);
    let at_survivor = officer
        .list_affiliations(affiliations_at(&survivor.name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(at_survivor.total_size, 1);
    let interactions_with_merged = officer
        .list_interactions(ListInteractionsRequest {
            filter: format!("organizations:\"{}\"", merged.name),
            show_deleted: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(interactions_with_merged.total_size, 0);
    let interactions = officer
        .list_interactions(ListInteractionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .interactions;
    assert_eq!(
        interactions[0].organizations,
        std::slice::from_ref(&survivor.name)
    );
    let accreditations = officer
        .list_accreditations(ListAccreditationsRequest {
            parent: survivor.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .accreditations;
    assert_eq!(accreditations.len(), 1);
    assert_eq!(accreditations[0].state, AccreditationState::Granted as i32);
    let person_now = officer
        .get_person(GetPersonRequest {
            name: person.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(person_now.primary_organization, survivor.name);

    // The merged record still resolves, read-only, and answers for its survivor.
    let gone = get(&mut officer, &merged.name).await;
    let update = officer
        .update_organization(UpdateOrganizationRequest {
            organization: Some(gone.clone()),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["acronym".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(update.code(), Code::FailedPrecondition);
    assert_eq!(update.get_details_error_info().unwrap().reason, "MERGED");
    let survivor_now = get(&mut officer, &survivor.name).await;
    let into_merged = officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: merged.name.clone(),
            survivor_etag: gone.etag.clone(),
            merged: survivor.name.clone(),
            merged_etag: survivor_now.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(into_merged.code(), Code::FailedPrecondition);
    let resolved = officer
        .batch_get_organizations(BatchGetOrganizationsRequest {
            names: vec![merged.name.clone()],
            resolve_merged: true,
        })
        .await
        .unwrap()
        .into_inner()
        .organizations;
    assert_eq!(resolved[0].name, survivor.name);
    let listed = officer
        .list_organizations(ListOrganizationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 1);
    let candidates = officer
        .list_duplicate_candidates(ListDuplicateCandidatesRequest {
            record_type: RecordType::Organization as i32,
            state: DuplicateCandidateState::Merged as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(candidates.total_size, 1);
}

async fn a_person_merge_moves_affiliations_and_consents_and_keeps_one_primary(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let ngo = create(&mut officer, organization("Red de Mujeres", "rdm.pe"))
        .await
        .organization
        .unwrap();
    let university = create(&mut officer, organization("Universidad del Sur", "uds.edu"))
        .await
        .organization
        .unwrap();
    let mut people = Vec::new();
    for (given, organization) in [("Maria", &ngo), ("María", &university)] {
        let p = officer
            .create_person(CreatePersonRequest {
                person: Some(Person {
                    given_name: given.into(),
                    family_name: "Garcia".into(),
                    emails: vec![EmailAddress {
                        address: format!("{}@example.org", given.len()),
                        ..Default::default()
                    }],
                    ..Person::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .person
            .unwrap();
        officer
            .create_affiliation(CreateAffiliationRequest {
                parent: p.name.clone(),
                affiliation: Some(Affiliation {
                    organization: organization.name.clone(),
                    primary: true,
                    ..Affiliation::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap();
        people.push(p);
    }
    let (keep, merge) = (people[0].clone(), people[1].clone());
    officer
        .create_consent_record(CreateConsentRecordRequest {
            parent: merge.name.clone(),
            consent_record: Some(ConsentRecord {
                purpose: ConsentPurpose::Newsletter as i32,
                basis: ConsentBasis::Consent as i32,
                given_date: Some(Date {
                    year: 2026,
                    month: 1,
                    day: 5,
                }),
                source: ConsentSource::PaperForm as i32,
                ..ConsentRecord::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let keep_now = officer
        .get_person(GetPersonRequest {
            name: keep.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let merge_now = officer
        .get_person(GetPersonRequest {
            name: merge.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let done = officer
        .merge_people(MergePeopleRequest {
            survivor: keep.name.clone(),
            survivor_etag: keep_now.etag,
            merged: merge.name.clone(),
            merged_etag: merge_now.etag,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let impact = done.impact.unwrap();
    assert_eq!((impact.affiliations_moved, impact.consents_moved), (1, 1));
    let survivor = done.survivor.unwrap();
    assert_eq!(survivor.emails.len(), 2);
    let survivor = officer
        .get_person(GetPersonRequest {
            name: keep.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(survivor.primary_organization, ngo.name);
    assert_eq!(
        survivor.active_consents,
        [ConsentPurpose::Newsletter as i32]
    );
    let affiliations = officer
        .list_affiliations(ListAffiliationsRequest {
            parent: keep.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .affiliations;
    assert_eq!(affiliations.len(), 2);
    assert_eq!(affiliations.iter().filter(|a| a.primary).count(), 1);
    let left = officer
        .list_affiliations(ListAffiliationsRequest {
            parent: merge.name.clone(),
            show_deleted: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(left.total_size, 0);
}

async fn erasing_a_person_keeps_a_tombstone_and_redacts_the_trail(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut admin = client(&server, Role::Admin);
    let ngo = create(&mut officer, organization("Red de Mujeres", "rdm.pe"))
        .await
        .organization
        .unwrap();
    let person = officer
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: "Amara".into(),
                family_name: "Okafor".into(),
                emails: vec![EmailAddress {
                    address: "amara@example.org".into(),
                    ..Default::default()
                }],
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    officer
        .create_affiliation(CreateAffiliationRequest {
            parent: person.name.clone(),
            affiliation: Some(Affiliation {
                organization: ngo.name.clone(),
                title: "Youth delegate".into(),
                ..Affiliation::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let request = ErasePersonRequest {
        name: person.name.clone(),
        etag: person.etag.clone(),
        reason: "Request ref. 2026-114".into(),
        request_id: String::new(),
    };
    let denied = officer.erase_person(request.clone()).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let tombstone = admin
        .erase_person(request)
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(tombstone.display_name, "Erased person");
    assert!(tombstone.emails.is_empty() && tombstone.given_name.is_empty());
    assert!(tombstone.erase_time.is_some());

    let trail = admin
        .list_audit_entries(ListAuditEntriesRequest {
            resource: person.name.clone(),
            include_children: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_entries;
    let printed = format!("{trail:?}");
    assert!(!printed.contains("amara@example.org"), "{printed}");
    assert!(!printed.contains("Okafor") && !printed.contains("Youth delegate"));
    assert!(printed.contains("Request ref. 2026-114"));
    let again = officer
        .update_person(UpdatePersonRequest {
            person: Some(tombstone),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["notes".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(again.get_details_error_info().unwrap().reason, "ERASED");
    let found = officer
        .search_people(SearchPeopleRequest {
            query: "okafor".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(found.results.is_empty());
}

async fn renaming_a_tag_changes_every_record_that_carries_it(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    for (name, tags) in [
        ("Red de Mujeres", vec!["cop-12", "donor"]),
        ("Universidad del Sur", vec!["cop-12"]),
        ("Fundación Mar Azul", vec!["donor"]),
    ] {
        let mut org = organization(name, "");
        org.website.clear();
        org.tags = tags.into_iter().map(String::from).collect();
        create(&mut officer, org).await;
    }
    let renamed = officer
        .rename_tag(RenameTagRequest {
            tag: "COP-12".into(),
            new_tag: "cop12".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.organizations_updated, 2);
    let tags = officer
        .list_tags(ListTagsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .tags;
    let usage: Vec<(String, i64)> = tags
        .into_iter()
        .map(|t| (t.tag, t.organization_count))
        .collect();
    assert_eq!(usage, [("cop12".into(), 2), ("donor".into(), 2)]);
    let same = officer
        .rename_tag(RenameTagRequest {
            tag: "donor".into(),
            new_tag: "Donor".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(same.code(), Code::InvalidArgument);
}

async fn import_rows(
    client: &mut Client,
    csv: &str,
    policy: ImportDuplicatePolicy,
) -> Vec<ImportRowResult> {
    let mut stream = client
        .import_organizations(ImportOrganizationsRequest {
            csv_content: csv.as_bytes().to_vec(),
            duplicate_policy: policy as i32,
            report_all_rows: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut rows = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        rows.extend(message.row_results);
    }
    rows
}

async fn an_import_reports_likely_duplicates_and_skips_them_when_asked(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let existing = create(
        &mut officer,
        organization("Asociación Niños del Sur", "ans.org.ar"),
    )
    .await
    .organization
    .unwrap();
    let csv = "display_name,sector,country_code,website\n\
               Asociacion Ninos del Sur,ngo,AR,ans.org.ar\n\
               Fundación Mar Azul,ngo,CL,marazul.cl\n";
    let skipped = import_rows(&mut officer, csv, ImportDuplicatePolicy::Skip).await;
    assert_eq!(skipped[0].outcome, ImportRowOutcome::Skipped as i32);
    assert_eq!(
        skipped[0].likely_duplicates,
        std::slice::from_ref(&existing.name)
    );
    assert_eq!(skipped[1].outcome, ImportRowOutcome::Created as i32);
    assert!(skipped[1].likely_duplicates.is_empty());

    let created = import_rows(
        &mut officer,
        "display_name,sector,country_code,website\nAsociacion Ninos del Sur,ngo,AR,ans.org.ar\n",
        ImportDuplicatePolicy::Create,
    )
    .await;
    assert_eq!(created[0].outcome, ImportRowOutcome::Created as i32);
    assert_eq!(
        created[0].likely_duplicates,
        std::slice::from_ref(&existing.name)
    );
    let listed = open_candidates(&mut officer).await;
    assert_eq!(listed.total_size, 1);
    assert_eq!(listed.duplicate_candidates[0].record_a, existing.name);
}

/// Rows of one file that duplicate each other are paired once and name each other; a row
/// duplicating a stored record names it; a file's unrelated row names nothing.
async fn rows_of_one_import_are_paired_with_each_other_and_the_register(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let existing = create(
        &mut officer,
        organization("Asociación Niños del Sur", "ans.org.ar"),
    )
    .await
    .organization
    .unwrap();
    let csv = "display_name,sector,country_code,website\n\
               Asociacion Ninos del Sur,ngo,AR,ans.org.ar\n\
               Red Juvenil Andina,ngo,PE,redjuvenilandina.pe\n\
               Fundación Mar Azul,ngo,CL,marazul.cl\n\
               Red Juvenil Andina,ngo,PE,https://www.redjuvenilandina.pe\n";
    let rows = import_rows(&mut officer, csv, ImportDuplicatePolicy::Create).await;
    assert!(
        rows.iter()
            .all(|r| r.outcome == ImportRowOutcome::Created as i32),
        "{rows:?}"
    );
    assert_eq!(rows[0].likely_duplicates, vec![existing.name.clone()]);
    assert_eq!(rows[1].likely_duplicates, vec![rows[3].resource.clone()]);
    assert!(rows[2].likely_duplicates.is_empty(), "{rows:?}");
    assert_eq!(rows[3].likely_duplicates, vec![rows[1].resource.clone()]);

    let listed = open_candidates(&mut officer).await;
    assert_eq!(listed.total_size, 2, "{listed:?}");
    let pair = |a: &str, b: &str| {
        listed
            .duplicate_candidates
            .iter()
            .find(|c| (c.record_a == a && c.record_b == b) || (c.record_a == b && c.record_b == a))
    };
    let stored = pair(&existing.name, &rows[0].resource).expect("the stored record's pair");
    assert_eq!(
        stored.record_a, existing.name,
        "the stored record is the older"
    );
    assert_eq!(stored.suggested_survivor, existing.name);
    let in_file = pair(&rows[1].resource, &rows[3].resource).expect("the file's own pair");
    assert_eq!(
        in_file.record_a, rows[1].resource,
        "the earlier row is the older"
    );
    assert_eq!(in_file.suggested_survivor, rows[1].resource);
    assert_eq!(in_file.band, DuplicateBand::Likely as i32);
}

engage_platform::on_both_databases!(
    rows_of_one_import_are_paired_with_each_other_and_the_register,
    an_import_reports_likely_duplicates_and_skips_them_when_asked,
    duplicates_are_found_on_create_reviewed_and_never_proposed_again,
    a_merge_leaves_nothing_pointing_at_the_merged_organisation,
    a_person_merge_moves_affiliations_and_consents_and_keeps_one_primary,
    erasing_a_person_keeps_a_tombstone_and_redacts_the_trail,
    renaming_a_tag_changes_every_record_that_carries_it,
);
