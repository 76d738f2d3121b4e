//! The `engage` binary as an operator runs it from a shell: `engage dev` on SQLite in a
//! temporary folder, a token from `engage token`, and the client commands with their exit
//! statuses, nothing drawn when the output is piped, and shell completion.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const ENGAGE: &str = env!("CARGO_BIN_EXE_engage");

/// `engage dev` on a free port; stopped (killed) when dropped.
struct Dev {
    child: Child,
    endpoint: String,
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_dev(data: &Path) -> Dev {
    let mut child = Command::new(ENGAGE)
        .args(["dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("ENGAGE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("engage dev starts");
    let stdout = child.stdout.take().expect("its output");
    let mut endpoint = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(address) = line.trim().strip_prefix("gateway") {
            endpoint = Some(address.trim().to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    Dev {
        child,
        endpoint: endpoint.expect("engage dev printed the gateway's address"),
    }
}

fn engage(args: &[&str], endpoint: &str, token: &str) -> Output {
    Command::new(ENGAGE)
        .args(args)
        .env("ENGAGE_ENDPOINT", endpoint)
        .env("ENGAGE_TOKEN", token)
        .env_remove("ENGAGE_TOKEN_FILE")
        .output()
        .expect("engage runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_operator_works_against_engage_dev_from_a_shell() {
    let folder = tempfile::tempdir().expect("a folder");
    let data = folder.path().join("data");
    let dev = start_dev(&data);
    let token = Command::new(ENGAGE)
        .args([
            "token",
            "--role",
            "csu-officer",
            "--subject",
            "olga",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("engage token runs");
    assert!(token.status.success());
    let token = text(&token.stdout).trim().to_owned();

    let file = folder.path().join("partners.csv");
    std::fs::write(
        &file,
        "display_name,sector,country_code\nCasa Lumen,ngo,PE\nSin Sector,,PE\n",
    )
    .expect("file written");
    let imported = engage(
        &["import", "organizations", &file.display().to_string()],
        &dev.endpoint,
        &token,
    );
    assert_eq!(
        imported.status.code(),
        Some(3),
        "{}",
        text(&imported.stderr)
    );
    assert!(text(&imported.stdout).contains("1 created"));
    let errors = text(&imported.stderr);
    assert!(
        !errors.contains('\r'),
        "no progress bar when piped: {errors:?}"
    );
    assert!(folder.path().join("partners.csv.report.csv").exists());

    let listed = engage(&["orgs", "list"], &dev.endpoint, &token);
    assert!(listed.status.success());
    let table = text(&listed.stdout);
    assert!(table.starts_with("NAME"), "a table, no log lines: {table}");
    assert!(table.contains("Casa Lumen"), "{table}");

    let unreachable = engage(&["orgs", "list"], "http://127.0.0.1:9", &token);
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(unreachable.stdout.is_empty());
    assert!(text(&unreachable.stderr).contains("cannot reach the gateway"));
}

/// A service run on its own without the event bus would commit changes no feed sees: it
/// refuses to start and says what to set.
#[test]
fn a_service_without_the_event_bus_refuses_to_start() {
    let data = tempfile::tempdir().expect("a temporary folder");
    let database = format!("sqlite://{}", data.path().join("contacts.db").display());
    let output = Command::new(ENGAGE)
        .args(["serve", "contacts", "--listen", "127.0.0.1:0"])
        .env("ENGAGE_DATABASE_URL", &database)
        .env_remove("ENGAGE_REDIS_URL")
        .env_remove("ENGAGE_DEVELOPMENT")
        .output()
        .expect("engage runs");
    assert!(!output.status.success());
    let said = text(&output.stderr);
    assert!(said.contains("ENGAGE_REDIS_URL is not set"), "{said}");
    assert!(
        !data.path().join("contacts.db").exists(),
        "nothing was created"
    );
}

#[test]
fn completion_scripts_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let output = engage(&["completions", shell], "http://127.0.0.1:9", "");
        assert!(output.status.success(), "{shell}");
        let script = text(&output.stdout);
        assert!(
            script.contains("orgs") && script.contains("import"),
            "{shell}"
        );
    }
}
