//! The raw PostgreSQL baseline: `pgbench` with prepared statements running the same point
//! select by primary key and the same single-row insert as the service, on the same table
//! (`records` of the contacts database under test), at the same concurrency.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use prost::Message as _;

use super::LoadArgs;
use super::drive::{Measured, Timing};
use super::report::{Report, Row};
use super::server::DatabaseKind;
use crate::stats::Latency;

/// GetOrganization's read: every column of one organisation by its id (ids as
/// [`super::dataset::organization_id`] writes them).
pub fn point_select(organizations: u64) -> String {
    format!(
        "\\set n random(0, {})\n\
         SELECT id, kind, parent_id, revision, sort_1, sort_2, sort_3, sort_4, external_id, \
         search_text, search_seq, merged_into, merge_time, erase_time, create_time, \
         update_time, delete_time, body FROM records \
         WHERE id = '00000000-0000-7000-8000-' || lpad(to_hex(:n::bigint), 12, '0') AND kind = 1;\n",
        organizations.saturating_sub(1)
    )
}

/// CreateOrganization's row, alone: one organisation into `records`, with its indexes
/// (the trigram index on search text included) but without terms, outbox or audit. The
/// body is a generated organisation's, so the row has the service's size.
pub fn single_row_insert() -> String {
    let body: String = super::dataset::organization(0)
        .encode_to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "\\set n random(1, 1000000000)\n\
         INSERT INTO records (id, kind, revision, sort_1, sort_4, search_text, create_time, \
         update_time, body) VALUES (gen_random_uuid()::text, 1, 1, \
         'pgbench organisation ' || :n, 'KE', \
         'pgbench organisation ' || :n || ' | contact@pgbench.org', 0, 0, \
         decode('{body}', 'hex'));\n"
    )
}

/// Whether pgbench is installed.
pub fn available() -> bool {
    Command::new("pgbench")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `script` against database `url` with `clients` connections for the warm-up, then
/// for the measured time with every transaction's latency logged.
pub fn run(
    url: &str,
    script: &str,
    clients: usize,
    timing: Timing,
    dir: &Path,
) -> Result<Measured> {
    std::fs::create_dir_all(dir)?;
    let script_path = dir.join("script.sql");
    std::fs::write(&script_path, script)?;
    let prefix = dir.join("log");
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("log."))
        {
            std::fs::remove_file(path)?;
        }
    }
    let pgbench = |seconds: Duration, log: bool| -> Result<String> {
        let mut command = Command::new("pgbench");
        command
            .args(["-n", "-M", "prepared", "-c"])
            .arg(clients.to_string())
            .arg("-j")
            .arg(clients.clamp(1, 2).to_string())
            .arg("-T")
            .arg(seconds.as_secs().max(1).to_string())
            .arg("-f")
            .arg(&script_path);
        if log {
            command
                .arg("-l")
                .arg(format!("--log-prefix={}", prefix.display()));
        }
        let output = command.arg(url).output().context("running pgbench")?;
        if !output.status.success() {
            bail!(
                "pgbench failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    if !timing.warmup.is_zero() {
        pgbench(timing.warmup, false)?;
    }
    let report = pgbench(timing.duration, true)?;
    let tps = report
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .context("pgbench printed no tps")?;
    let failed = report
        .lines()
        .find_map(|l| l.strip_prefix("number of failed transactions: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    // Each log line: client, transaction, latency in µs, script, epoch s, µs.
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("log."))
        {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            if let Some(us) = line.split_whitespace().nth(2).and_then(|v| v.parse().ok()) {
                latencies.push(us);
            }
        }
    }
    Ok(Measured {
        calls: latencies.len() as u64,
        errors: failed,
        throughput: tps,
        latency_us: Latency::of(latencies),
        first_error: None,
    })
}

/// pgbench's point select and single-row insert on the register of `organizations` at
/// `url`, with as many connections as the scenarios' callers, added to `report` as baselines named after `phase`;
/// `None`, with a note, where pgbench cannot run (SQLite, or pgbench missing).
pub fn baselines(
    args: &LoadArgs,
    url: &str,
    organizations: u64,
    timing: Timing,
    phase: Option<&str>,
    report: &mut Report,
) -> Result<Option<(Measured, Measured)>> {
    let (clients, out) = (args.concurrency, &args.out);
    let named = |what: &str| match phase {
        Some(phase) => format!("raw PostgreSQL: {what} ({phase} phase)"),
        None => format!("raw PostgreSQL: {what}"),
    };
    let dir = |what: &str| match phase {
        Some(phase) => out.join(format!("pgbench/{phase}-{what}")),
        None => out.join(format!("pgbench/{what}")),
    };
    if args.database != DatabaseKind::Postgres || !available() {
        let phase = phase
            .map(|p| format!(" for the {p} phase"))
            .unwrap_or_default();
        report.notes.push(format!(
            "No pgbench baseline{phase}: it runs on PostgreSQL only (and needs pgbench \
             installed)."
        ));
        return Ok(None);
    }
    let load = format!("closed, {clients} callers");
    let select = run(
        url,
        &point_select(organizations),
        clients,
        timing,
        &dir("select"),
    )?;
    let insert = run(url, &single_row_insert(), clients, timing, &dir("insert"))?;
    report.rows.push(Row::baseline(
        &named("pgbench point select by primary key"),
        &load,
        &select,
    ));
    report.rows.push(Row::baseline(
        &named("pgbench single-row insert"),
        &load,
        &insert,
    ));
    Ok(Some((select, insert)))
}
