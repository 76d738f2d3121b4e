//! Duplicate people found on registration and by a scan, as an officer reviews them: through
//! the generated client on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client, date};

use engage_api::contacts::*;
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};

fn person(given: &str, family: &str, birth: (i32, i32, i32)) -> Person {
    Person {
        given_name: given.into(),
        family_name: family.into(),
        country_code: "CH".into(),
        birth_date: date(birth.0, birth.1, birth.2),
        ..Person::default()
    }
}

async fn create(client: &mut Client, person: Person) -> CreatePersonResponse {
    client
        .create_person(CreatePersonRequest {
            person: Some(person),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn candidates_of(client: &mut Client, record: &str) -> Vec<DuplicateCandidate> {
    client
        .list_duplicate_candidates(ListDuplicateCandidatesRequest {
            record: record.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .duplicate_candidates
}

fn field<'a>(candidate: &'a DuplicateCandidate, name: &str) -> &'a FieldMatch {
    candidate
        .matches
        .iter()
        .find(|m| m.field == name)
        .unwrap_or_else(|| panic!("no {name} in {candidate:?}"))
}

async fn a_surname_typo_with_the_same_birth_date_is_a_likely_duplicate(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let first = create(
        &mut officer,
        person("Amaru", "Quispe Mamani", (1994, 7, 21)),
    )
    .await
    .person
    .unwrap();
    // Someone else entirely, and a namesake born on another day: neither is likely.
    let other = create(&mut officer, person("Lena", "Hofstetter", (1988, 2, 3))).await;
    assert!(other.duplicate_candidates.is_empty());
    let namesake = create(&mut officer, person("Amaru", "Quispe Mamani", (1971, 1, 9))).await;
    assert!(
        namesake
            .duplicate_candidates
            .iter()
            .all(|c| c.band != DuplicateBand::Likely as i32),
        "{:?}",
        namesake.duplicate_candidates
    );

    let again = create(
        &mut officer,
        person("Amaru", "Quispe Mamami", (1994, 7, 21)),
    )
    .await;
    let found = &again.duplicate_candidates;
    let likely: Vec<&DuplicateCandidate> = found
        .iter()
        .filter(|c| c.band == DuplicateBand::Likely as i32)
        .collect();
    assert_eq!(likely.len(), 1, "{found:?}");
    assert_eq!(likely[0].record_a, first.name);
    assert!(likely[0].score >= 0.85, "{}", likely[0].score);
    let family = field(likely[0], "family_name");
    assert_eq!(family.kind, MatchKind::Fuzzy as i32);
    assert!(family.similarity > 0.9 && family.similarity < 1.0);
    assert_eq!(field(likely[0], "birth_date").kind, MatchKind::Exact as i32);

    // The record's own listing shows the same pair, best first.
    let listed = candidates_of(&mut officer, &again.person.unwrap().name).await;
    assert_eq!(listed[0].record_a, first.name);
    assert_eq!(listed[0].band, DuplicateBand::Likely as i32);
    assert!(listed.windows(2).all(|w| w[0].score >= w[1].score));
}

async fn swapped_given_and_family_names_are_found(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let first = create(&mut officer, person("Nguyen", "Thi Lan", (2001, 11, 5)))
        .await
        .person
        .unwrap();
    let swapped = create(&mut officer, person("Thi Lan", "Nguyen", (2001, 11, 5))).await;
    let found = &swapped.duplicate_candidates;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].record_a, first.name);
    assert_eq!(found[0].band, DuplicateBand::Likely as i32);
    assert_eq!(
        field(&found[0], "given_name").kind,
        MatchKind::Swapped as i32
    );
    assert_eq!(
        field(&found[0], "family_name").kind,
        MatchKind::Swapped as i32
    );
}

async fn a_pair_marked_not_a_duplicate_is_not_proposed_again(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let father = create(&mut officer, person("Jonas", "Keller", (1960, 3, 4)))
        .await
        .person
        .unwrap();
    let son = create(&mut officer, person("Jonas", "Keller", (1960, 4, 3))).await;
    let candidate = son.duplicate_candidates[0].clone();
    assert_eq!(candidate.record_a, father.name);
    officer
        .dismiss_duplicate_candidate(DismissDuplicateCandidateRequest {
            name: candidate.name.clone(),
            note: "Father and son".into(),
        })
        .await
        .unwrap();

    let run = officer
        .run_duplicate_detection(RunDuplicateDetectionRequest {
            record_type: RecordType::Person as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.records_scanned, 2);
    assert_eq!(run.new_candidates, 0);
    assert_eq!(run.likely_count + run.possible_count, 0);
    let son_name = son.person.unwrap().name;
    assert!(candidates_of(&mut officer, &son_name).await.is_empty());
    // Still not proposed when the record changes or another like it registers.
    let third = create(&mut officer, person("Jonas", "Keller", (1960, 3, 4))).await;
    assert!(
        third
            .duplicate_candidates
            .iter()
            .all(|c| c.record_a == father.name || c.record_a == son_name)
    );
    let open = officer
        .list_duplicate_candidates(ListDuplicateCandidatesRequest {
            record_type: RecordType::Person as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(open.total_size, 2, "{open:?}");
    assert!(open.duplicate_candidates.iter().all(|c| {
        let pair = [c.record_a.as_str(), c.record_b.as_str()];
        !(pair.contains(&father.name.as_str()) && pair.contains(&son_name.as_str()))
    }));
    let dismissed = officer
        .list_duplicate_candidates(ListDuplicateCandidatesRequest {
            record_type: RecordType::Person as i32,
            state: DuplicateCandidateState::NotDuplicate as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dismissed.duplicate_candidates.len(), 1);
    assert_eq!(
        dismissed.duplicate_candidates[0].decision_note,
        "Father and son"
    );
}

async fn phone_numbers_in_different_national_formats_compare_equal(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let phone = |text: &str| PhoneNumber {
        original_text: text.into(),
        ..Default::default()
    };
    // Different names, so that only the number can make them meet.
    let mut office = person("Sabine", "Meier", (1979, 5, 30));
    office.phones = vec![phone("022 917 12 34")];
    let first = create(&mut officer, office).await.person.unwrap();
    assert_eq!(first.phones[0].e164, "+41229171234");
    assert_eq!(first.phones[0].original_text, "022 917 12 34");
    let mut abroad = person("Sabina", "Mayer", (1979, 5, 30));
    abroad.country_code = "FR".into();
    abroad.phones = vec![phone("+41 22 917 1234")];
    let second = create(&mut officer, abroad).await;
    let found = &second.duplicate_candidates;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].record_a, first.name);
    let phones = field(&found[0], "phones");
    assert_eq!(phones.kind, MatchKind::Exact as i32);
    assert_eq!(phones.value_a, "+41229171234");
    assert!(phones.weight > 0.0);
}

async fn the_register_listing_is_paged_by_score(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    for (given, family, birth) in [
        ("Chidi", "Okafor", (1990, 1, 2)),
        ("Chidi", "Okafor", (1990, 1, 2)),
        ("Aroha", "Ngata", (1985, 6, 7)),
        ("Aroha", "Ngatta", (1985, 6, 7)),
        ("Mateo", "Fernández", (1999, 9, 9)),
        ("Mateo", "Fernandes", (0, 0, 0)),
    ] {
        let mut p = person(given, family, birth);
        if birth.0 == 0 {
            p.birth_date = None;
        }
        create(&mut officer, p).await;
    }
    let mut token = String::new();
    let mut seen = Vec::new();
    loop {
        let page = officer
            .list_duplicate_candidates(ListDuplicateCandidatesRequest {
                record_type: RecordType::Person as i32,
                page_size: 2,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.duplicate_candidates.len() <= 2);
        seen.extend(page.duplicate_candidates);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(field(&seen[0], "family_name").kind, MatchKind::Exact as i32);
    assert_eq!(field(&seen[0], "family_name").value_a, "Okafor");
}

async fn import_people(client: &mut Client, csv: &str) -> Vec<ImportRowResult> {
    let mut stream = client
        .import_people(ImportPeopleRequest {
            csv_content: csv.as_bytes().to_vec(),
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

async fn a_person_imported_again_with_another_address_form_is_reported_and_exported_whole(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let header = "external_id,given_name,family_name,phones,country_code,birth_date,\
                  address_kind,address_lines,address_locality,address_postal_code,\
                  address_country_code\n";
    let first = import_people(
        &mut officer,
        &format!(
            "{header}p-1,Léa,Rochat,022 917 12 34,CH,1990-05-17,home,\
             Rue du Rhône 12,Genève,1204,CH\n"
        ),
    )
    .await;
    assert_eq!(
        first[0].outcome,
        ImportRowOutcome::Created as i32,
        "{first:?}"
    );
    assert!(first[0].likely_duplicates.is_empty());

    // The same person from another spreadsheet: no accent, the street and number written
    // otherwise, the phone in international form. Created (the policy is CREATE) and
    // reported as a likely duplicate.
    let again = import_people(
        &mut officer,
        &format!(
            "{header}p-2,Lea,Rochat,+41 22 917 1234,CH,1990-05-17,,\
             RUE DU RHONE 12,GENEVE,1204,CH\n"
        ),
    )
    .await;
    assert_eq!(
        again[0].outcome,
        ImportRowOutcome::Created as i32,
        "{again:?}"
    );
    assert_eq!(again[0].likely_duplicates, vec![first[0].resource.clone()]);
    let candidate = candidates_of(&mut officer, &again[0].resource).await;
    assert_eq!(field(&candidate[0], "phones").kind, MatchKind::Exact as i32);
    assert_eq!(
        field(&candidate[0], "postal_code").kind,
        MatchKind::Exact as i32
    );
    assert_eq!(
        field(&candidate[0], "addresses").kind,
        MatchKind::Normalized as i32
    );

    // The export writes the address and the phone as they were given.
    let mut stream = officer
        .export_people(ExportPeopleRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut csv = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        csv.extend(message.data);
    }
    let csv = String::from_utf8(csv).unwrap();
    let lea = csv.lines().find(|l| l.contains("p-1")).unwrap();
    for cell in [
        "022 917 12 34",
        ",home,",
        "Rue du Rhône 12",
        "Genève",
        "1204",
    ] {
        assert!(lea.contains(cell), "{cell} not in {lea}");
    }
}

/// An office email shared by hundreds of staff is too common to compare people by (as in the
/// register scan), but it must not hide the one earlier record that shares a name and a birth
/// date with a new person.
async fn a_common_key_does_not_crowd_out_a_rare_one(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let office = "office@coalition.example";
    let mut original = person("Amina", "Diallo", (1985, 3, 2));
    original.emails = vec![EmailAddress {
        address: office.into(),
        ..EmailAddress::default()
    }];
    let original = create(&mut officer, original).await.person.unwrap();

    let mut csv =
        String::from("external_id,given_name,family_name,emails,country_code,birth_date\n");
    for i in 0..260 {
        let (given, family) = (format!("Gx{i:03}"), format!("Fy{i:03}"));
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "staff-{i},{given},{family},{office},CH,1970-01-{day:02}\n"
        ));
    }
    let imported = import_people(&mut officer, &csv).await;
    assert!(
        imported
            .iter()
            .all(|r| r.outcome == ImportRowOutcome::Created as i32),
        "{imported:?}"
    );

    let mut copy = person("Amina", "Dialo", (1985, 3, 2));
    copy.emails = vec![EmailAddress {
        address: office.into(),
        ..EmailAddress::default()
    }];
    let created = create(&mut officer, copy).await;
    let found: Vec<&str> = created
        .duplicate_candidates
        .iter()
        .map(|c| c.record_a.as_str())
        .collect();
    assert_eq!(found, [original.name.as_str()], "{created:?}");
}

engage_platform::on_both_databases!(
    a_person_imported_again_with_another_address_form_is_reported_and_exported_whole,
    a_surname_typo_with_the_same_birth_date_is_a_likely_duplicate,
    swapped_given_and_family_names_are_found,
    a_pair_marked_not_a_duplicate_is_not_proposed_again,
    phone_numbers_in_different_national_formats_compare_equal,
    the_register_listing_is_paged_by_score,
    a_common_key_does_not_crowd_out_a_rare_one,
);
