//! The operator command line against a running system, through the gateway with a real
//! token: imports that report bad rows, JSON lines that import into another system, the
//! change feed with a saved cursor, and the messages for an unreachable gateway, a bad
//! token and a refused permission.

use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::TestSystem;
use engage_system_tests::operator::{Operator, write};
use serde_json::Value;

fn officer() -> Caller {
    Caller::new("officer-olga", &[Role::CsuOfficer])
}

/// The JSON lines of a list, parsed.
fn records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A record as any system shows it: without its name, etag and times, which are the
/// system's own.
fn as_seen(mut record: Value) -> Value {
    if let Value::Object(fields) = &mut record {
        for key in ["name", "etag", "createTime", "updateTime"] {
            fields.remove(key);
        }
    }
    record
}

const GOOD_AND_BAD: &str = "\
external_id,display_name,sector,country_code,emails,tags,thematic_areas
a-1,Casa del Río,ngo,AR,info@casadelrio.example.org,shelter;north,trafficking_in_persons
a-2,Instituto Horizonte,academia,XX,,,
a-3,Red Juvenil Sur,youth,CL,,youth,cybercrime
a-4,,ngo,PE,,,
a-5,Fundación Brisa,foundation,UY,contacto@brisa.example.org,,corruption
";

async fn an_import_with_bad_rows_reports_them_and_exits_non_zero(backend: TestBackend) {
    let system = TestSystem::start(backend).await;
    let olga = Operator::new(&system, &officer());
    let file = olga.file("partners.csv");
    write(&file, GOOD_AND_BAD);
    let file = file.display().to_string();
    let report = olga.file("report.csv");
    let report_arg = report.display().to_string();

    let dry = olga
        .run(&[
            "import",
            "organizations",
            &file,
            "--dry-run",
            "--report",
            &report_arg,
        ])
        .await;
    assert_eq!(dry.code, 3, "rows failed: {}{}", dry.stdout, dry.stderr);
    assert!(dry.stdout.contains("3 would be created"), "{}", dry.stdout);
    assert!(dry.stdout.contains("2 failed"), "{}", dry.stdout);
    assert_eq!(
        olga.ok(&["orgs", "list", "--json"]).await,
        "",
        "a dry run writes nothing"
    );

    let run = olga
        .run(&["import", "organizations", &file, "--report", &report_arg])
        .await;
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 created"), "{}", run.stdout);
    assert!(run.stderr.contains("report.csv"), "{}", run.stderr);
    let text = std::fs::read_to_string(&report).expect("the report was written");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<(String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.expect("a report row");
            (r[0].to_owned(), r[5].to_owned(), r[1].to_owned())
        })
        .collect();
    assert!(
        rows.contains(&("3".into(), "country_code".into(), "failed".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("5".into(), "display_name".into(), "failed".into())),
        "{rows:?}"
    );
    let listed = records(&olga.ok(&["orgs", "list", "--json"]).await);
    assert_eq!(listed.len(), 3, "the good rows were written");

    // Importing the same file again changes nothing, and still says the rows failed.
    let again = olga.run(&["import", "organizations", &file]).await;
    assert_eq!(again.code, 3);
    assert!(again.stdout.contains("3 unchanged"), "{}", again.stdout);
    system.stop().await;
}

async fn organisations_listed_as_json_lines_import_into_a_fresh_system(backend: TestBackend) {
    let first = TestSystem::start(backend).await;
    let olga = Operator::new(&first, &officer());
    let file = olga.file("partners.csv");
    write(&file, GOOD_AND_BAD);
    let imported = olga
        .run(&["import", "organizations", &file.display().to_string()])
        .await;
    assert_eq!(imported.code, 3, "{}", imported.stderr);
    let listed = olga
        .ok(&["orgs", "list", "--json", "--order-by", "display_name"])
        .await;
    let lines = olga.file("partners.jsonl");
    write(&lines, &listed);

    let second = TestSystem::start(backend).await;
    let oscar = Operator::new(&second, &officer());
    let outcome = oscar
        .run(&["import", "organizations", &lines.display().to_string()])
        .await;
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    assert!(outcome.stdout.contains("3 created"), "{}", outcome.stdout);
    let there = oscar
        .ok(&["orgs", "list", "--json", "--order-by", "display_name"])
        .await;
    let seen = |text: &str| records(text).into_iter().map(as_seen).collect::<Vec<_>>();
    assert_eq!(seen(&there), seen(&listed));
    // The table an operator reads shows the same organisations.
    let table = oscar.ok(&["orgs", "list"]).await;
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("Casa del Río") && table.contains("ngo"),
        "{table}"
    );

    // Importing them again into the same system matches them by external id.
    let again = oscar
        .run(&["import", "organizations", &lines.display().to_string()])
        .await;
    assert_eq!(again.code, 0);
    assert!(again.stdout.contains("3 unchanged"), "{}", again.stdout);
    first.stop().await;
    second.stop().await;
}

engage_platform::on_both_databases!(
    an_import_with_bad_rows_reports_them_and_exits_non_zero,
    organisations_listed_as_json_lines_import_into_a_fresh_system,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_created_updated_read_and_deleted() {
    let system = TestSystem::start(TestBackend::Sqlite).await;
    let olga = Operator::new(&system, &officer());
    let created = records(
        &olga
            .ok(&[
                "orgs",
                "create",
                "--json",
                "--data",
                r#"{"displayName":"Centro Aurora","sector":"SECTOR_NGO","countryCode":"MX"}"#,
            ])
            .await,
    );
    let name = created[0]["name"].as_str().expect("a name").to_owned();
    assert_eq!(
        created[0]["regionalGroup"],
        "REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN"
    );
    let updated = records(
        &olga
            .ok(&[
                "orgs",
                "update",
                &name,
                "--json",
                "--data",
                r#"{"acronym":"CA"}"#,
            ])
            .await,
    );
    assert_eq!(updated[0]["acronym"], "CA");
    assert_eq!(
        updated[0]["displayName"], "Centro Aurora",
        "other fields stay"
    );
    let id = name.trim_start_matches("organizations/");
    let shown = olga.ok(&["orgs", "get", id]).await;
    assert!(
        shown.contains("Centro Aurora") && shown.contains("MX"),
        "{shown}"
    );
    olga.ok(&["orgs", "delete", &name]).await;
    assert_eq!(olga.ok(&["orgs", "list", "--json"]).await, "");
    let with_deleted = olga.ok(&["orgs", "list", "--json", "--show-deleted"]).await;
    assert_eq!(records(&with_deleted).len(), 1);
    let bad = olga
        .run(&["orgs", "create", "--data", r#"{"displayNam":"typo"}"#])
        .await;
    assert_eq!(bad.code, 2, "a misspelt field is the operator's mistake");
    assert!(bad.stderr.contains("displayNam"), "{}", bad.stderr);
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_is_told_why_a_command_failed() {
    let system = TestSystem::start(TestBackend::Sqlite).await;
    // Nothing listens on port 9 of the loopback (the discard port is never served here).
    let nowhere = Operator::with_token("http://127.0.0.1:9", "anything");
    let outcome = nowhere.run(&["orgs", "list"]).await;
    assert_eq!(outcome.code, 1);
    assert!(
        outcome
            .stderr
            .contains("cannot reach the gateway at http://127.0.0.1:9"),
        "{}",
        outcome.stderr
    );

    let forged = Operator::with_token(&format!("http://{}", system.gateway), "not.a.token");
    let outcome = forged.run(&["people", "list"]).await;
    assert_eq!(outcome.code, 1);
    assert!(
        outcome.stderr.contains("expired or invalid"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("engage token"),
        "{}",
        outcome.stderr
    );

    let vera = Operator::new(&system, &Caller::new("viewer-vera", &[Role::Viewer]));
    let outcome = vera
        .run(&[
            "orgs",
            "create",
            "--data",
            r#"{"displayName":"Casa","sector":"SECTOR_NGO"}"#,
        ])
        .await;
    assert_eq!(outcome.code, 1);
    assert!(
        outcome
            .stderr
            .contains("creating the organisation: permission refused"),
        "{}",
        outcome.stderr
    );
    // Reading is allowed to a viewer.
    assert_eq!(vera.run(&["orgs", "list"]).await.code, 0);
    system.stop().await;
}

/// `engage feed` of organisation changes as JSON lines, resuming from the cursor in
/// `cursor`, with `more` arguments.
fn organisation_feed<'a>(cursor: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "feed",
        "--json",
        "--topic",
        "contacts/Organization",
        "--resume",
        cursor,
    ];
    args.extend_from_slice(more);
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_resumes_from_its_saved_cursor_and_the_summary_counts() {
    let system = TestSystem::start(TestBackend::Sqlite).await;
    let olga = Operator::new(&system, &officer());
    let cursor = olga.file("cursor");
    let cursor_arg = cursor.display().to_string();
    // Without a saved cursor a feed starts at the present, so the operator saves where the
    // present is before the import; the import's changes are then after the cursor whenever
    // the relay happens to publish them.
    let before = olga
        .ok(&organisation_feed(&cursor_arg, &["--until-caught-up"]))
        .await;
    assert_eq!(before, "", "nothing has changed yet");
    assert!(cursor.exists(), "the present was saved as the cursor");
    let file = olga.file("partners.csv");
    write(&file, GOOD_AND_BAD);
    olga.run(&["import", "organizations", &file.display().to_string()])
        .await;
    let changes = records(
        &olga
            .ok(&organisation_feed(&cursor_arg, &["--limit", "3"]))
            .await,
    );
    let mut created: Vec<String> = changes
        .iter()
        .map(|c| {
            c["resource"]["displayName"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    created.sort();
    assert_eq!(
        created,
        ["Casa del Río", "Fundación Brisa", "Red Juvenil Sur"],
        "the import's three organisations, after the saved cursor: {changes:?}"
    );
    olga.ok(&[
        "orgs",
        "create",
        "--data",
        r#"{"displayName":"Colectivo Faro","sector":"SECTOR_NGO","countryCode":"CO"}"#,
    ])
    .await;
    let next = records(
        &olga
            .ok(&organisation_feed(&cursor_arg, &["--limit", "1"]))
            .await,
    );
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0]["changeType"], "CHANGE_TYPE_CREATED",
        "{:?}",
        next[0]
    );
    assert!(
        next[0]["resource"].to_string().contains("Colectivo Faro"),
        "the change after the cursor, once: {:?}",
        next[0]
    );

    let summary = records(&olga.ok(&["summary", "--json"]).await);
    assert_eq!(
        summary[0]["contacts"]["organizationsTotal"], 4,
        "{:?}",
        summary[0]
    );
    let text = olga.ok(&["summary"]).await;
    assert!(text.contains("organizations total: 4"), "{text}");
    system.stop().await;
}
