//! CSV import and export through the generated client, on both databases: what a file does
//! to the register, what is reported row by row, and that an export imports back unchanged.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client};

use std::time::Instant;

use engage_api::contacts::*;
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};
use tonic::Code;
use tonic_types::StatusExt;

/// The status of a call that must fail.
fn status_of<T>(result: Result<T, tonic::Status>) -> tonic::Status {
    match result {
        Ok(_) => panic!("the call should have been refused"),
        Err(status) => status,
    }
}

/// What an import stream said: every message, in order.
struct Imported {
    messages: Vec<ImportProgress>,
    rows: Vec<ImportRowResult>,
}

impl Imported {
    fn last(&self) -> ImportProgress {
        *self.messages.last().expect("at least one message")
    }

    fn outcomes(&self) -> Vec<(i64, ImportRowOutcome)> {
        self.rows
            .iter()
            .map(|r| (r.row_number, r.outcome()))
            .collect()
    }
}

async fn try_import_organizations(
    client: &mut Client,
    csv: &str,
    dry_run: bool,
    report_all_rows: bool,
) -> Result<Imported, tonic::Status> {
    let mut stream = client
        .import_organizations(ImportOrganizationsRequest {
            csv_content: csv.as_bytes().to_vec(),
            dry_run,
            report_all_rows,
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut imported = Imported {
        messages: Vec::new(),
        rows: Vec::new(),
    };
    while let Some(message) = stream.message().await? {
        imported.messages.push(message.progress.expect("progress"));
        imported.rows.extend(message.row_results);
    }
    Ok(imported)
}

async fn import_organizations(
    client: &mut Client,
    csv: &str,
    dry_run: bool,
    report_all_rows: bool,
) -> Imported {
    try_import_organizations(client, csv, dry_run, report_all_rows)
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"))
}

async fn import_people(client: &mut Client, csv: &str, report_all_rows: bool) -> Imported {
    let mut stream = client
        .import_people(ImportPeopleRequest {
            csv_content: csv.as_bytes().to_vec(),
            report_all_rows,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("import people: {e:?}"))
        .into_inner();
    let mut imported = Imported {
        messages: Vec::new(),
        rows: Vec::new(),
    };
    while let Some(message) = stream.message().await.unwrap() {
        imported.messages.push(message.progress.expect("progress"));
        imported.rows.extend(message.row_results);
    }
    imported
}

/// The content an export streamed, after checking its chunks: header first, whole records,
/// at most 1 MiB each, one last message with `done` and the total.
async fn export_organizations(client: &mut Client, request: ExportOrganizationsRequest) -> String {
    let mut stream = client
        .export_organizations(request)
        .await
        .unwrap_or_else(|e| panic!("export: {e:?}"))
        .into_inner();
    let mut chunks = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        chunks.push(message);
    }
    finish_export(
        chunks
            .into_iter()
            .map(|c| (c.data, c.rows_written, c.done))
            .collect(),
    )
}

async fn export_people(client: &mut Client, request: ExportPeopleRequest) -> String {
    let mut stream = client
        .export_people(request)
        .await
        .unwrap_or_else(|e| panic!("export: {e:?}"))
        .into_inner();
    let mut chunks = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        chunks.push((message.data, message.rows_written, message.done));
    }
    finish_export(chunks)
}

fn finish_export(chunks: Vec<(Vec<u8>, i64, bool)>) -> String {
    let (last, data) = chunks.split_last().expect("a last message");
    assert!(last.2, "the last message is done");
    assert!(last.0.is_empty(), "the last message carries no data");
    let mut content = Vec::new();
    for (bytes, _, done) in data {
        assert!(!done, "only the last message is done");
        assert!(
            bytes.len() <= 1024 * 1024,
            "a chunk of {} bytes",
            bytes.len()
        );
        assert!(bytes.ends_with(b"\r\n"), "chunks hold whole records");
        content.extend_from_slice(bytes);
    }
    let content = String::from_utf8(content).unwrap();
    let records = csv::ReaderBuilder::new()
        .from_reader(content.as_bytes())
        .records()
        .count();
    assert_eq!(i64::try_from(records).unwrap(), last.1, "rows_written");
    content
}

/// The rows of a CSV as maps from column to cell.
fn rows_of(content: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(content.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of a journal table: what a write leaves behind even when it changes nothing visible.
async fn stored_count(server: &TestServer, table: &str) -> i64 {
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let count: Result<i64, engage_platform::Error> = async {
        Ok(engage_platform::with_connection!(server.database, |conn| {
            use diesel_async::RunQueryDsl;
            let count: Count = diesel::sql_query(&sql).get_result(conn).await?;
            count.n
        }))
    }
    .await;
    count.unwrap()
}

/// How many organisations a listing holds, counted page by page: above 1,000, a first
/// page's total_size is an estimate.
async fn organization_count(client: &mut Client, filter: &str) -> i32 {
    let mut count = 0;
    let mut page_token = String::new();
    loop {
        let page = client
            .list_organizations(ListOrganizationsRequest {
                filter: filter.into(),
                page_size: 1_000,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        count += i32::try_from(page.organizations.len()).unwrap();
        if page.next_page_token.is_empty() {
            return count;
        }
        page_token = page.next_page_token;
    }
}

/// Row `i` of the large file; every 500th row from the 8th is bad in one of four ways.
fn large_row(i: usize) -> (String, Option<(&'static str, &'static str)>) {
    let countries = ["AR", "CH", "KE", "FR"];
    let mut display_name = format!("Organisation {i}");
    let mut sector = "ngo";
    let mut country = countries[i % 4];
    let mut email = format!("info{i}@example.org");
    let mut bad = None;
    if i % 500 == 7 {
        match (i / 500) % 4 {
            0 => {
                country = "XX";
                bad = Some(("country_code", "INVALID_COUNTRY"));
            }
            1 => {
                email = "not-an-email".into();
                bad = Some(("emails", "INVALID_EMAIL"));
            }
            2 => {
                sector = "spaceship";
                bad = Some(("sector", "INVALID_ENUM"));
            }
            _ => {
                display_name.clear();
                bad = Some(("display_name", "REQUIRED"));
            }
        }
    }
    (
        format!(
            "ext-{i},{display_name},{sector},{country},{email},tag-{}\n",
            i % 7
        ),
        bad,
    )
}

async fn ten_thousand_rows_import_but_the_twenty_bad_ones_and_import_again_unchanged(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut csv = String::from("external_id,display_name,sector,country_code,emails,tags\n");
    let mut expected_bad = Vec::new();
    for i in 0..10_000 {
        let (row, bad) = large_row(i);
        csv.push_str(&row);
        if let Some((column, code)) = bad {
            expected_bad.push((i64::try_from(i).unwrap() + 2, column, code));
        }
    }
    assert_eq!(expected_bad.len(), 20);

    let started = Instant::now();
    let first = import_organizations(&mut officer, &csv, false, false).await;
    eprintln!(
        "{backend:?}: 10,000 rows imported in {:?}",
        started.elapsed()
    );
    let last = first.last();
    assert!(last.done && !last.dry_run);
    assert_eq!(last.rows_total, 10_000);
    assert_eq!(last.rows_processed, 10_000);
    assert_eq!(last.rows_created, 9_980);
    assert_eq!(last.rows_failed, 20);
    assert_eq!(
        last.rows_updated + last.rows_unchanged + last.rows_skipped,
        0
    );
    // A message at least every 1,000 rows, the first with the total before any row.
    assert_eq!(first.messages[0].rows_total, 10_000);
    assert_eq!(first.messages[0].rows_processed, 0);
    for pair in first.messages.windows(2) {
        assert!(pair[1].rows_processed - pair[0].rows_processed <= 1_000);
    }
    assert!(first.messages.iter().rev().skip(1).all(|m| !m.done));
    let reported: Vec<(i64, &str, &str)> = first
        .rows
        .iter()
        .map(|r| {
            assert_eq!(r.outcome(), ImportRowOutcome::Failed);
            assert!(r.resource.is_empty());
            assert_eq!(r.errors.len(), 1, "{r:?}");
            (
                r.row_number,
                r.errors[0].column.as_str(),
                r.errors[0].code.as_str(),
            )
        })
        .collect();
    assert_eq!(reported, expected_bad);
    assert_eq!(organization_count(&mut officer, "").await, 9_980);
    assert_eq!(
        organization_count(&mut officer, "country_code = \"CH\"").await,
        2_500
    );

    let audit = stored_count(&server, "audit_entries").await;
    let events = stored_count(&server, "outbox_events").await;
    assert_eq!(audit, 9_980);
    let started = Instant::now();
    let again = import_organizations(&mut officer, &csv, false, false).await;
    eprintln!(
        "{backend:?}: 10,000 rows imported again in {:?}",
        started.elapsed()
    );
    let last = again.last();
    assert_eq!(last.rows_unchanged, 9_980);
    assert_eq!(last.rows_failed, 20);
    assert_eq!(last.rows_created + last.rows_updated, 0);
    assert_eq!(stored_count(&server, "audit_entries").await, audit);
    assert_eq!(stored_count(&server, "outbox_events").await, events);
    assert_eq!(organization_count(&mut officer, "").await, 9_980);
}

async fn rows_match_by_name_then_external_id_and_a_dry_run_writes_nothing(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let created = import_organizations(
        &mut officer,
        "external_id,display_name,sector,country_code,website,address_lines,address_locality,address_country_code\n\
         ngo-1,Asociación Niños del Sur,ngo,AR,ninos.example.org,Av. Siempre Viva 742,Buenos Aires,AR\n\
         ngo-2,Geneva Youth Forum,ngo,CH,,,,\n",
        false,
        true,
    )
    .await;
    assert_eq!(created.last().rows_created, 2);
    let [first, second] = created.rows.as_slice() else {
        panic!("every row reported: {:?}", created.rows);
    };
    assert_eq!(first.outcome(), ImportRowOutcome::Created);
    assert!(first.resource.starts_with("organizations/"));
    assert_eq!(first.external_id, "ngo-1");
    // The scheme the register added to the website is noted.
    assert_eq!(first.warnings.len(), 1, "{first:?}");
    assert_eq!(first.warnings[0].column, "website");
    assert!(second.warnings.is_empty());

    // external_id finds ngo-1; only the columns in the header are written.
    let update = "external_id,display_name,sector,acronym\n\
         ngo-1,Asociación Niños del Sur,ngo,ANS\n\
         ngo-3,New Partner,private_sector,NP\n\
         ngo-3,Repeated Partner,ngo,RP\n";
    let updated = import_organizations(&mut officer, update, false, true).await;
    assert_eq!(
        updated.outcomes(),
        vec![
            (2, ImportRowOutcome::Updated),
            (3, ImportRowOutcome::Created),
            (4, ImportRowOutcome::Failed)
        ]
    );
    assert_eq!(updated.rows[0].resource, first.resource);
    assert_eq!(updated.rows[2].errors[0].code, "DUPLICATE_IN_FILE");
    let ngo_1 = officer
        .get_organization(GetOrganizationRequest {
            name: first.resource.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(ngo_1.acronym, "ANS");
    assert_eq!(ngo_1.country_code, "AR");
    assert_eq!(ngo_1.website, "https://ninos.example.org");
    assert_eq!(ngo_1.addresses.len(), 1);
    // Imported writes are audited under the import method, each with its fields.
    let trail = client(&server, Role::Admin)
        .list_audit_entries(ListAuditEntriesRequest {
            resource: first.resource.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_entries;
    let entries: Vec<(&str, &str)> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.method.as_str()))
        .collect();
    let method = "/engage.contacts.v1.ContactsService/ImportOrganizations";
    assert_eq!(entries, [("updated", method), ("created", method)]);
    let paths: Vec<&str> = trail[0].changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["acronym"]);

    // name wins over external_id; an unknown name fails its row.
    let by_name = format!(
        "name,external_id,display_name,sector\n\
         {},ngo-1-renamed,Niños del Sur,ngo\n\
         organizations/0190f0f0-0000-7000-8000-000000000001,,Nobody,ngo\n",
        second.resource
    );
    let renamed = import_organizations(&mut officer, &by_name, false, false).await;
    assert_eq!(renamed.last().rows_updated, 1);
    assert_eq!(renamed.outcomes(), vec![(3, ImportRowOutcome::Failed)]);
    assert_eq!(renamed.rows[0].errors[0].code, "NOT_FOUND");
    assert_eq!(renamed.rows[0].errors[0].column, "name");
    let ngo_2 = officer
        .get_organization(GetOrganizationRequest {
            name: second.resource.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(ngo_2.display_name, "Niños del Sur");
    assert_eq!(ngo_2.external_id, "ngo-1-renamed");

    // A dry run says what would happen and writes nothing.
    let audit = stored_count(&server, "audit_entries").await;
    let events = stored_count(&server, "outbox_events").await;
    let dry = import_organizations(
        &mut officer,
        "external_id,display_name,sector\nngo-1,Asociación Niños del Sur,ngo\nngo-9,Dry Partner,ngo\nngo-3,New Partner,private_sector\n",
        true,
        true,
    )
    .await;
    let last = dry.last();
    assert!(last.dry_run && last.done);
    assert_eq!(
        dry.outcomes(),
        vec![
            (2, ImportRowOutcome::Unchanged),
            (3, ImportRowOutcome::Created),
            (4, ImportRowOutcome::Unchanged)
        ]
    );
    assert!(dry.rows[1].resource.is_empty());
    let dry_update = import_organizations(
        &mut officer,
        "external_id,display_name,sector\nngo-3,Renamed Partner,private_sector\n",
        true,
        false,
    )
    .await;
    assert_eq!(dry_update.last().rows_updated, 1);
    assert_eq!(stored_count(&server, "audit_entries").await, audit);
    assert_eq!(stored_count(&server, "outbox_events").await, events);
    assert_eq!(organization_count(&mut officer, "").await, 3);

    // A structural error fails the call before anything is written.
    for (csv, row) in [
        (
            "external_id,display_name,sector\nngo-7,Fine,ngo\nngo-8,\"Broken,ngo\n",
            "row 3",
        ),
        ("external_id,display_name,colour\nngo-7,Fine,red\n", "row 1"),
        ("external_id,display_name\nngo-7,Fine\n", "row 1"),
    ] {
        let status = try_import_organizations(&mut officer, csv, false, false)
            .await
            .err()
            .unwrap_or_else(|| panic!("{csv:?} should be refused"));
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_eq!(
            status.get_details_error_info().unwrap().reason,
            "CSV_STRUCTURE"
        );
        let violations = status.get_details_bad_request().unwrap().field_violations;
        assert_eq!(violations[0].field, "csv_content");
        assert!(
            violations[0].description.contains(row),
            "{}",
            violations[0].description
        );
    }
    assert_eq!(stored_count(&server, "audit_entries").await, audit);
    assert_eq!(organization_count(&mut officer, "").await, 3);

    // A slice of a larger file keeps the file's row numbers.
    let mut stream =
        officer
            .import_organizations(ImportOrganizationsRequest {
                csv_content:
                    b"external_id,display_name,sector\nngo-20,Slice Partner,ngo\nngo-21,,ngo\n"
                        .to_vec(),
                first_row_number: 1_001,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    let mut slice_rows = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        slice_rows.extend(message.row_results);
    }
    let numbered: Vec<(i64, &str)> = slice_rows
        .iter()
        .map(|r| (r.row_number, r.errors[0].column.as_str()))
        .collect();
    assert_eq!(numbered, [(1_002, "display_name")]);
    assert_eq!(organization_count(&mut officer, "").await, 4);

    // Viewers export but never import.
    let mut viewer = client(&server, Role::Viewer);
    let refused = status_of(
        try_import_organizations(
            &mut viewer,
            "display_name,sector\nViewer's Partner,ngo\n",
            false,
            false,
        )
        .await,
    );
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(organization_count(&mut officer, "").await, 4);
}

async fn a_filtered_export_streams_each_match_once_and_imports_back_unchanged(
    backend: TestBackend,
) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut csv = String::from(
        "external_id,display_name,sector,country_code,emails,phones,tags,thematic_areas,description,address_lines,address_locality,address_country_code\n",
    );
    for i in 0..1_200 {
        let country = if i % 2 == 0 { "CH" } else { "KE" };
        csv.push_str(&format!(
            "e-{i},\"Partner {i}, \"\"the {i}th\"\"\",ngo,{country},a{i}@example.org;b{i}@example.org,+41 22 917 {:04},youth;donor,corruption,\"Line one\nline two\",Rue {i};Étage 2,Genève,CH\n",
            i % 10_000
        ));
    }
    let imported = import_organizations(&mut officer, &csv, false, false).await;
    assert_eq!(imported.last().rows_created, 1_200, "{:?}", imported.rows);

    let mut viewer = client(&server, Role::Viewer);
    let content = export_organizations(
        &mut viewer,
        ExportOrganizationsRequest {
            filter: "country_code = \"CH\"".into(),
            order_by: "display_name desc".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(content.starts_with("name,external_id,display_name,"));
    let rows = rows_of(&content);
    assert_eq!(rows.len(), 600);
    let mut names: Vec<&str> = rows.iter().map(|r| r["name"].as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 600, "each organisation exactly once");
    assert!(rows.iter().all(|r| r["country_code"] == "CH"));
    let displayed: Vec<&str> = rows.iter().map(|r| r["display_name"].as_str()).collect();
    let mut sorted = displayed.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(displayed, sorted, "in the order asked");

    let audit = stored_count(&server, "audit_entries").await;
    let again = import_organizations(&mut officer, &content, false, false).await;
    let last = again.last();
    assert_eq!(last.rows_unchanged, 600, "{:?}", again.rows);
    assert_eq!(last.rows_processed, 600);
    assert_eq!(stored_count(&server, "audit_entries").await, audit);

    // Columns in the order asked, after a byte-order mark.
    let narrow = export_organizations(
        &mut viewer,
        ExportOrganizationsRequest {
            filter: "country_code = \"KE\"".into(),
            columns: vec!["display_name".into(), "Country_Code".into()],
            utf8_bom: true,
            ..Default::default()
        },
    )
    .await;
    assert!(narrow.starts_with("\u{feff}display_name,country_code\r\n"));
    assert_eq!(rows_of(&narrow).len(), 600);
    let unknown = status_of(
        viewer
            .export_organizations(ExportOrganizationsRequest {
                columns: vec!["colour".into()],
                ..Default::default()
            })
            .await,
    );
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let bad_filter = status_of(
        viewer
            .export_organizations(ExportOrganizationsRequest {
                filter: "colour = \"red\"".into(),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(bad_filter.code(), Code::InvalidArgument);
}

async fn people_import_with_their_primary_affiliation_and_export_back(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let orgs = import_organizations(
        &mut officer,
        "external_id,display_name,sector\nunodc-1,Asociación Niños del Sur,ngo\nunodc-2,Geneva Youth Forum,ngo\n",
        false,
        true,
    )
    .await;
    let ninos = orgs.rows[0].resource.clone();
    let forum = orgs.rows[1].resource.clone();

    let people = import_people(
        &mut officer,
        &format!(
            "external_id,given_name,family_name,youth,birth_date,organization,organization_external_id,title\n\
             p-1,María,García,false,,,unodc-1,Programme Officer\n\
             p-2,Amara,Diallo,true,2008-03-09,{forum},unodc-2,Youth Delegate\n\
             p-3,John,Doe,false,,,unknown-org,\n\
             p-4,Jane,Roe,false,,{forum},unodc-1,\n"
        ),
        true,
    )
    .await;
    assert_eq!(
        people.outcomes(),
        vec![
            (2, ImportRowOutcome::Created),
            (3, ImportRowOutcome::Created),
            (4, ImportRowOutcome::Failed),
            (5, ImportRowOutcome::Failed)
        ]
    );
    assert_eq!(people.rows[2].errors[0].column, "organization_external_id");
    assert_eq!(people.rows[2].errors[0].code, "NOT_FOUND");
    assert_eq!(people.rows[3].errors[0].column, "organization_external_id");
    let maria = officer
        .get_person(GetPersonRequest {
            name: people.rows[0].resource.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(maria.primary_organization, ninos);
    assert_eq!(maria.primary_title, "Programme Officer");

    // A new organisation for María: the new affiliation becomes primary, the old one not.
    let moved = import_people(
        &mut officer,
        "external_id,organization_external_id,title\np-1,unodc-2,Adviser\n",
        true,
    )
    .await;
    assert_eq!(moved.outcomes(), vec![(2, ImportRowOutcome::Updated)]);
    let affiliations = officer
        .list_affiliations(ListAffiliationsRequest {
            parent: maria.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .affiliations;
    assert_eq!(affiliations.len(), 2);
    let primary: Vec<(&str, &str)> = affiliations
        .iter()
        .filter(|a| a.primary)
        .map(|a| (a.organization.as_str(), a.title.as_str()))
        .collect();
    assert_eq!(primary, vec![(forum.as_str(), "Adviser")]);
    let maria_after = officer
        .get_person(GetPersonRequest {
            name: maria.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(
        maria_after.given_name, "María",
        "fields outside the header stay"
    );

    // The export fills the affiliation columns and withholds a youth birth date from all
    // but admins; the viewer's export imports back unchanged, the birth date kept.
    let mut viewer = client(&server, Role::Viewer);
    let exported = export_people(&mut viewer, ExportPeopleRequest::default()).await;
    let rows = rows_of(&exported);
    assert_eq!(rows.len(), 2);
    let amara = rows.iter().find(|r| r["given_name"] == "Amara").unwrap();
    assert_eq!(amara["birth_date"], "");
    assert_eq!(amara["organization"], forum);
    assert_eq!(amara["organization_display_name"], "Geneva Youth Forum");
    assert_eq!(amara["organization_external_id"], "unodc-2");
    assert_eq!(amara["title"], "Youth Delegate");
    let admin_rows =
        rows_of(&export_people(&mut client(&server, Role::Admin), Default::default()).await);
    let amara_admin = admin_rows
        .iter()
        .find(|r| r["given_name"] == "Amara")
        .unwrap();
    assert_eq!(amara_admin["birth_date"], "2008-03-09");

    let audit = stored_count(&server, "audit_entries").await;
    let again = import_people(&mut officer, &exported, false).await;
    assert_eq!(again.last().rows_unchanged, 2, "{:?}", again.rows);
    assert!(again.rows.is_empty());
    assert_eq!(stored_count(&server, "audit_entries").await, audit);
    let kept = admin_rows_birth_date(&mut client(&server, Role::Admin)).await;
    assert_eq!(kept, "2008-03-09");

    let refused = status_of(
        client(&server, Role::Viewer)
            .import_people(ImportPeopleRequest {
                csv_content: b"given_name\nNobody\n".to_vec(),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(refused.code(), Code::PermissionDenied);
}

async fn admin_rows_birth_date(admin: &mut Client) -> String {
    let rows = rows_of(&export_people(admin, ExportPeopleRequest::default()).await);
    rows.iter()
        .find(|r| r["given_name"] == "Amara")
        .map(|r| r["birth_date"].clone())
        .unwrap_or_default()
}

/// csv.proto: a row's result carries its `external_id` cell whenever there is one, however
/// the row failed.
async fn failed_rows_keep_their_external_id(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let people = import_people(
        &mut officer,
        "external_id,given_name,family_name\nx-1,,\nx-2,Ana,Diaz\n",
        true,
    )
    .await;
    assert_eq!(
        people.outcomes(),
        [
            (2, ImportRowOutcome::Failed),
            (3, ImportRowOutcome::Created)
        ]
    );
    assert_eq!(people.rows[0].external_id, "x-1");
    assert_eq!(people.rows[0].errors[0].column, "given_name");
    assert_eq!(people.rows[1].external_id, "x-2");

    let organizations = import_organizations(
        &mut officer,
        "external_id,display_name,sector\nngo-1,,ngo\nngo-2,Foo,spaceship\nngo-3,Bar,ngo\n",
        false,
        true,
    )
    .await;
    let rows: Vec<_> = organizations
        .rows
        .iter()
        .map(|r| (r.external_id.as_str(), r.outcome()))
        .collect();
    assert_eq!(
        rows,
        [
            ("ngo-1", ImportRowOutcome::Failed),
            ("ngo-2", ImportRowOutcome::Failed),
            ("ngo-3", ImportRowOutcome::Created)
        ]
    );
}

engage_platform::on_both_databases!(
    failed_rows_keep_their_external_id,
    ten_thousand_rows_import_but_the_twenty_bad_ones_and_import_again_unchanged,
    rows_match_by_name_then_external_id_and_a_dry_run_writes_nothing,
    a_filtered_export_streams_each_match_once_and_imports_back_unchanged,
    people_import_with_their_primary_affiliation_and_export_back,
);
