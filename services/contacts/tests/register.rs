//! The register through its generated client, on a real port, on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client, create_organization};

use engage_api::contacts::*;
use engage_api::types::{Date, RegionalGroup, Sector};
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};
use tonic::Code;
use tonic_types::StatusExt;

fn organization(name: &str, country: &str) -> Organization {
    Organization {
        display_name: name.into(),
        sector: Sector::Ngo as i32,
        country_code: country.into(),
        ..Organization::default()
    }
}

async fn outbox(server: &TestServer) -> Vec<engage_platform::journal::StoredEvent> {
    use engage_platform::journal::Journal;
    let events: Result<_, engage_platform::Error> = async {
        Ok(engage_platform::with_connection!(server.database, |conn| {
            conn.events_after(0, 1000).await?
        }))
    }
    .await;
    events.unwrap()
}

fn violated_fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

async fn list_all(client: &mut Client, filter: &str) -> Vec<Organization> {
    client
        .list_organizations(ListOrganizationsRequest {
            filter: filter.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .organizations
}

async fn an_organisation_lives_through_create_update_delete_with_its_audit_trail(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut org = organization("  Asociación Niños del Sur ", "ar");
    org.emails = vec![EmailAddress {
        address: " Info@ANS.org ".into(),
        ..Default::default()
    }];
    org.phones = vec![PhoneNumber {
        original_text: "011 4321 5678".into(),
        ..Default::default()
    }];
    org.tags = vec!["Donor".into(), "donor".into()];
    let created = create_organization(&mut officer, org).await;
    assert!(created.name.starts_with("organizations/"));
    assert_eq!(created.display_name, "Asociación Niños del Sur");
    assert_eq!(created.country_code, "AR");
    assert_eq!(
        created.regional_group,
        RegionalGroup::LatinAmericanCaribbean as i32
    );
    assert_eq!(created.emails[0].address, "info@ans.org");
    assert!(
        created.phones[0].e164.starts_with("+54"),
        "{:?}",
        created.phones
    );
    assert_eq!(created.tags, vec!["donor"]);

    let fetched = officer
        .get_organization(GetOrganizationRequest {
            name: created.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(fetched, created);

    let mut patch = created.clone();
    patch.acronym = "ANS".into();
    patch.display_name = "ignored, not in the mask".into();
    let mask = prost_types::FieldMask {
        paths: vec!["acronym".into()],
    };
    let updated = officer
        .update_organization(UpdateOrganizationRequest {
            organization: Some(patch.clone()),
            update_mask: Some(mask.clone()),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(updated.acronym, "ANS");
    assert_eq!(updated.display_name, created.display_name);
    assert_ne!(updated.etag, created.etag);

    // The etag read before the update is stale now; an update without one is refused.
    let stale = officer
        .update_organization(UpdateOrganizationRequest {
            organization: Some(patch.clone()),
            update_mask: Some(mask.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    assert_eq!(stale.get_details_error_info().unwrap().reason, "STALE_ETAG");
    patch.etag.clear();
    let missing = officer
        .update_organization(UpdateOrganizationRequest {
            organization: Some(patch),
            update_mask: Some(mask),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&missing), vec!["organization.etag"]);

    let deleted = officer
        .delete_organization(DeleteOrganizationRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert!(deleted.delete_time.is_some());
    assert!(list_all(&mut officer, "").await.is_empty());
    let restored = officer
        .undelete_organization(UndeleteOrganizationRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert!(restored.delete_time.is_none());
    assert_eq!(list_all(&mut officer, "").await.len(), 1);

    // Only an admin reads the trail; it lists every write, newest first, with its fields.
    let refused = officer
        .list_audit_entries(ListAuditEntriesRequest {
            resource: created.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let trail = client(&server, Role::Admin)
        .list_audit_entries(ListAuditEntriesRequest {
            resource: created.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_entries;
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["undeleted", "deleted", "updated", "created"]);
    let update = &trail[2];
    assert_eq!(update.actor.as_ref().unwrap().subject, "csu_officer");
    let paths: Vec<&str> = update.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["acronym"]);

    // Each write appended its event to the outbox, in commit order; the refused ones none.
    let events = outbox(&server).await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "organization.created",
            "organization.updated",
            "organization.deleted",
            "organization.undeleted"
        ]
    );
    assert!(events.iter().all(|e| e.resource_name == created.name));
    assert!(events.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let attributes: serde_json::Value = serde_json::from_str(&events[0].attributes).unwrap();
    assert_eq!(
        attributes["regional_group"],
        "REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN"
    );

    // Viewers read but never write.
    let mut viewer = client(&server, Role::Viewer);
    assert_eq!(list_all(&mut viewer, "").await.len(), 1);
    let denied = viewer
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization("Another", "FR")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

async fn bad_input_is_refused_field_by_field_and_nothing_is_stored(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let bad = Organization {
        display_name: "   ".into(),
        acronym: "A".repeat(40),
        sector: 0,
        country_code: "XX".into(),
        emails: vec![EmailAddress {
            address: "not an email".into(),
            ..Default::default()
        }],
        ..Organization::default()
    };
    let status = officer
        .create_organization(CreateOrganizationRequest {
            organization: Some(bad),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "organization.acronym",
            "organization.country_code",
            "organization.display_name",
            "organization.emails[0].address",
            "organization.sector",
        ]
    );
    let malformed = officer
        .list_organizations(ListOrganizationsRequest {
            filter: "sector = SECTOR_NGO OR country_code = \"FR\"".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&malformed), ["filter"]);
    let unknown = officer
        .get_organization(GetOrganizationRequest {
            name: "organizations/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    let mut first = organization("Fundación Mar Azul", "CL");
    first.external_id = "crm-17".into();
    create_organization(&mut officer, first.clone()).await;
    first.display_name = "Fundacion Mar Azul (again)".into();
    let taken = officer
        .create_organization(CreateOrganizationRequest {
            organization: Some(first),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists);
    assert_eq!(
        taken.get_details_error_info().unwrap().reason,
        "EXTERNAL_ID_TAKEN"
    );
    assert_eq!(list_all(&mut officer, "").await.len(), 1);
    assert_eq!(
        outbox(&server).await.len(),
        1,
        "refused writes leave no event"
    );
}

async fn filters_order_and_search_find_what_an_officer_asks_for(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut ans = organization("Asociación Niños del Sur", "AR");
    ans.tags = vec!["cop12".into()];
    create_organization(&mut officer, ans).await;
    let mut academia = organization("Université de Genève", "CH");
    academia.sector = Sector::Academia as i32;
    create_organization(&mut officer, academia).await;
    create_organization(&mut officer, organization("Bogotá Youth Network", "CO")).await;

    let names = |orgs: Vec<Organization>| -> Vec<String> {
        orgs.into_iter().map(|o| o.display_name).collect()
    };
    assert_eq!(
        names(
            list_all(
                &mut officer,
                "regional_group = REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN"
            )
            .await
        ),
        ["Asociación Niños del Sur", "Bogotá Youth Network"]
    );
    assert_eq!(
        names(list_all(&mut officer, "sector = SECTOR_ACADEMIA").await),
        ["Université de Genève"]
    );
    assert_eq!(
        names(list_all(&mut officer, "tags:\"COP12\" AND country_code = \"ar\"").await),
        ["Asociación Niños del Sur"]
    );
    assert_eq!(
        names(list_all(&mut officer, "sector != SECTOR_NGO").await),
        ["Université de Genève"]
    );
    let by_country = officer
        .list_organizations(ListOrganizationsRequest {
            order_by: "country_code desc".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_country.total_size, 3);
    assert_eq!(
        names(by_country.organizations),
        [
            "Bogotá Youth Network",
            "Université de Genève",
            "Asociación Niños del Sur"
        ]
    );

    for query in ["asociacion ninos", "ASOCIACIÓN niños", "asociasion ninos"] {
        let results = officer
            .search_organizations(SearchOrganizationsRequest {
                query: query.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .results;
        assert!(!results.is_empty(), "{query:?} found nothing");
        let top = &results[0];
        assert_eq!(
            top.organization.as_ref().unwrap().display_name,
            "Asociación Niños del Sur",
            "{query:?}"
        );
        assert!(top.matched_fields.contains(&"display_name".to_owned()));
    }
    let none = officer
        .search_organizations(SearchOrganizationsRequest {
            query: "zzzzqqq".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(none.results.is_empty());
}

async fn paging_returns_each_existing_row_once_while_rows_are_inserted(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut existing = std::collections::HashSet::new();
    for i in 0..1000 {
        let org =
            create_organization(&mut officer, organization(&format!("Partner {i:04}"), "FR")).await;
        existing.insert(org.name);
    }
    let mut writer = client(&server, Role::CsuOfficer);
    let inserts = tokio::spawn(async move {
        for i in 0..200 {
            // Names that sort before, between and after the pages being read.
            let name = format!("{} {i}", ["Aaa", "Partner 0500x", "Zzz"][i % 3]);
            create_organization(&mut writer, organization(&name, "DE")).await;
        }
    });
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = officer
            .list_organizations(ListOrganizationsRequest {
                page_size: 37,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.organizations.into_iter().map(|o| o.name));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    inserts.await.unwrap();
    let mut counts = std::collections::HashMap::new();
    for name in &seen {
        *counts.entry(name.clone()).or_insert(0) += 1;
    }
    assert!(counts.values().all(|n| *n == 1), "a row came twice");
    assert!(
        existing.iter().all(|n| counts.contains_key(n)),
        "a row was skipped"
    );

    let first_page_token = officer
        .list_organizations(ListOrganizationsRequest {
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    let wrong_query = officer
        .list_organizations(ListOrganizationsRequest {
            page_size: 10,
            page_token: first_page_token,
            filter: "country_code = \"FR\"".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&wrong_query), ["page_token"]);
}

async fn of_two_updates_from_the_same_version_one_wins_and_one_is_aborted(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let org = create_organization(&mut officer, organization("Red de Mujeres", "PE")).await;
    let update = |acronym: &'static str| {
        let mut client = client(&server, Role::CsuOfficer);
        let mut patch = org.clone();
        patch.acronym = acronym.into();
        async move {
            client
                .update_organization(UpdateOrganizationRequest {
                    organization: Some(patch),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["acronym".into()],
                    }),
                })
                .await
        }
    };
    let (a, b) = tokio::join!(update("RDM"), update("RM"));
    let codes = [
        a.as_ref().map(|_| Code::Ok).unwrap_or_else(|e| e.code()),
        b.as_ref().map(|_| Code::Ok).unwrap_or_else(|e| e.code()),
    ];
    assert!(
        codes.contains(&Code::Ok) && codes.contains(&Code::Aborted),
        "{codes:?}"
    );
    let winner = a.or(b).unwrap().into_inner().organization.unwrap();
    let stored = officer
        .get_organization(GetOrganizationRequest {
            name: org.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(stored.acronym, winner.acronym);
}

async fn a_youth_birth_date_is_shown_only_to_admins(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let person = officer
        .create_person(CreatePersonRequest {
            person: Some(Person {
                given_name: "Amara".into(),
                family_name: "Okafor".into(),
                youth: true,
                birth_date: Some(Date {
                    year: 2006,
                    month: 5,
                    day: 17,
                }),
                languages: vec!["EN".into(), "fr".into()],
                ..Person::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(person.display_name, "Amara Okafor");
    assert_eq!(person.languages, ["en", "fr"]);
    assert!(person.birth_date.is_none() && person.birth_date_withheld);
    assert_ne!(person.age_bracket, AgeBracket::Unspecified as i32);

    let as_admin = client(&server, Role::Admin)
        .get_person(GetPersonRequest {
            name: person.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(as_admin.birth_date.unwrap().year, 2006);

    // An officer's "*" update leaves the withheld date alone.
    let mut patch = person.clone();
    patch.notes = "Speaker at the youth consultation".into();
    officer
        .update_person(UpdatePersonRequest {
            person: Some(patch),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["*".into()],
            }),
        })
        .await
        .unwrap();
    let after = client(&server, Role::Admin)
        .list_people(ListPeopleRequest {
            filter: "youth = true AND languages:\"fr\"".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].birth_date.as_ref().unwrap().year, 2006);
    assert_eq!(after[0].notes, "Speaker at the youth consultation");
}

/// A person from a registration form, found by their email address or created.
fn form_person(given: &str, email: &str) -> Person {
    Person {
        given_name: given.into(),
        family_name: "Mensah".into(),
        country_code: "GH".into(),
        emails: vec![EmailAddress {
            address: email.into(),
            primary: true,
            ..Default::default()
        }],
        ..Person::default()
    }
}

fn found_or_created(person: Person, request_id: &str) -> CreatePersonRequest {
    CreatePersonRequest {
        person: Some(person),
        request_id: request_id.into(),
        find_by_email: true,
        ..Default::default()
    }
}

/// Sends every request at once; the answers in the same order.
async fn all_at_once(
    server: &TestServer,
    requests: Vec<CreatePersonRequest>,
) -> Vec<CreatePersonResponse> {
    let mut tasks = Vec::new();
    for request in requests {
        let mut officer = client(server, Role::CsuOfficer);
        tasks.push(tokio::spawn(
            async move { officer.create_person(request).await },
        ));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().unwrap().into_inner());
    }
    answers
}

async fn holders_of(officer: &mut Client, email: &str) -> Vec<String> {
    officer
        .list_people(ListPeopleRequest {
            filter: format!("emails.address = \"{email}\""),
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

async fn a_person_found_by_email_is_created_once_also_by_calls_at_the_same_moment(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);

    // Someone already in the register, under one of their addresses, is found as typed.
    let mut known = form_person("Kofi", "kofi@home.example");
    known.emails.push(EmailAddress {
        address: "kofi.mensah@example.org".into(),
        ..Default::default()
    });
    let known = officer
        .create_person(CreatePersonRequest {
            person: Some(known),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let found = officer
        .create_person(found_or_created(
            form_person("Kofi", " Kofi.Mensah@Example.org "),
            "",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(found.found_existing);
    assert!(found.duplicate_candidates.is_empty());
    assert_eq!(found.person.unwrap().name, known.name);
    assert_eq!(
        holders_of(&mut officer, "kofi.mensah@example.org").await,
        std::slice::from_ref(&known.name)
    );

    // The same form sent 2 to 5 times at once: one person, every call answered with them.
    for round in 0..10 {
        let email = format!("ama{round}@example.org");
        let requests = (0..2 + round % 4)
            .map(|_| found_or_created(form_person("Ama", &email), ""))
            .collect();
        let answers = all_at_once(&server, requests).await;
        let names: Vec<String> = answers
            .iter()
            .map(|a| a.person.clone().unwrap().name)
            .collect();
        assert!(
            names.iter().all(|n| *n == names[0]),
            "round {round}: {names:?}"
        );
        assert_eq!(
            answers.iter().filter(|a| !a.found_existing).count(),
            1,
            "round {round}: one call creates"
        );
        assert_eq!(
            holders_of(&mut officer, &email).await,
            [names[0].clone()],
            "round {round}"
        );
    }

    // Different addresses at the same moment are different people.
    let answers = all_at_once(
        &server,
        vec![
            found_or_created(form_person("Esi", "esi@example.org"), ""),
            found_or_created(form_person("Yaw", "yaw@example.org"), ""),
        ],
    )
    .await;
    assert!(answers.iter().all(|a| !a.found_existing));
    assert_ne!(answers[0].person, answers[1].person);

    // Under one request id at the same moment: one person, the first answer replayed.
    let rid = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e71";
    let answers = all_at_once(
        &server,
        (0..3)
            .map(|_| found_or_created(form_person("Abena", "abena@example.org"), rid))
            .collect(),
    )
    .await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert!(!answers[0].found_existing);
    assert_eq!(holders_of(&mut officer, "abena@example.org").await.len(), 1);

    // A deleted person is not found; without find_by_email the address is not looked up.
    let deleted = officer
        .delete_person(DeletePersonRequest {
            name: known.name.clone(),
            etag: known.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let created = officer
        .create_person(found_or_created(
            form_person("Kofi", "kofi.mensah@example.org"),
            "",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!created.found_existing);
    assert_ne!(created.person.clone().unwrap().name, deleted.name);
    let another = officer
        .create_person(CreatePersonRequest {
            person: Some(form_person("Kofi", "kofi.mensah@example.org")),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!another.found_existing);
    assert_eq!(
        holders_of(&mut officer, "kofi.mensah@example.org")
            .await
            .len(),
        2
    );

    // With two live people holding the address, the one created first is returned.
    let first = officer
        .create_person(found_or_created(
            form_person("Kofi", "kofi.mensah@example.org"),
            "",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(first.found_existing);
    assert_eq!(first.person.map(|p| p.name), created.person.map(|p| p.name));

    let refused = officer
        .create_person(found_or_created(
            Person {
                given_name: "Nobody".into(),
                ..Person::default()
            },
            "",
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["person.emails"]);
}

engage_platform::on_both_databases!(
    an_organisation_lives_through_create_update_delete_with_its_audit_trail,
    bad_input_is_refused_field_by_field_and_nothing_is_stored,
    filters_order_and_search_find_what_an_officer_asks_for,
    paging_returns_each_existing_row_once_while_rows_are_inserted,
    of_two_updates_from_the_same_version_one_wins_and_one_is_aborted,
    a_youth_birth_date_is_shown_only_to_admins,
    a_person_found_by_email_is_created_once_also_by_calls_at_the_same_moment,
);
