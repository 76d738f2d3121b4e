//! The contacts server on a real port, against a fresh database on each backend.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::client;

use engage_api::contacts::*;
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer, check_service_basics};
use tonic::Code;

async fn serves_health_and_reflection_and_refuses_calls_around_the_gateway(backend: TestBackend) {
    check_service_basics::<Contacts>(backend).await;
}

/// ADR 0009: only the imports accept messages beyond the default 4 MiB.
async fn only_imports_accept_requests_over_four_mebibytes(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let five_mb = "a".repeat(5 * 1024 * 1024);
    let refused = officer
        .search_organizations(SearchOrganizationsRequest {
            query: five_mb.clone(),
            ..Default::default()
        })
        .await
        .expect_err("a 5 MB search is refused");
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");

    // A 5 MB CSV is read: its row is answered (its 5 MB cell is too long for the register).
    let padded = format!("display_name,sector,description\nBig file,ngo,{five_mb}\n");
    let mut stream = officer
        .import_organizations(ImportOrganizationsRequest {
            csv_content: padded.into_bytes(),
            report_all_rows: true,
            ..Default::default()
        })
        .await
        .expect("a 5 MB import is accepted")
        .into_inner();
    let mut rows = Vec::new();
    while let Some(message) = stream.message().await.expect("import streams") {
        rows.extend(message.row_results);
    }
    assert_eq!(rows[0].outcome(), ImportRowOutcome::Failed);
    assert_eq!(rows[0].errors[0].code, "TOO_LONG");
}

engage_platform::on_both_databases!(
    serves_health_and_reflection_and_refuses_calls_around_the_gateway,
    only_imports_accept_requests_over_four_mebibytes,
);
