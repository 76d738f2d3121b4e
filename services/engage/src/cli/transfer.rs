//! `engage import` and `engage export`: organisations and people as CSV through the contacts
//! service's streaming import and export, with a progress bar on a terminal, the per-row
//! report in a file and an exit status that says whether rows failed.

use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    ExportOrganizationsRequest, ExportPeopleRequest, ImportOrganizationsRequest,
    ImportPeopleRequest, ImportProgress, ImportRowOutcome, ImportRowResult, Organization, Person,
};
use engage_contacts::domain::csv::{
    CsvWriter, ExportedAffiliation, ORGANIZATION_COLUMNS, PERSON_COLUMNS,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio_stream::StreamExt as _;

use super::connection::Connection;
use super::failure::{EXIT_OK, EXIT_ROWS_FAILED, Failure};
use super::json;

/// Which register a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Organisations.
    #[value(alias = "orgs", alias = "organisations")]
    Organizations,
    /// People, with their primary affiliation.
    People,
}

impl Kind {
    fn plural(self) -> &'static str {
        match self {
            Kind::Organizations => "organisations",
            Kind::People => "people",
        }
    }
}

/// How an import file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV with a header, as `engage export` writes it.
    Csv,
    /// One JSON record a line, as `engage orgs list --json` writes it.
    Jsonl,
}

/// `engage import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The file: CSV, or JSON lines (`.jsonl`, `.ndjson`, `.json`, or --format jsonl).
    pub file: PathBuf,
    /// Check every row and say what would happen, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The file's format (default: from its extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Where to write the per-row report (default: FILE.report.csv beside the file).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// JSON lines only: keep the records' `name` (and a person's `organization`), so that
    /// rows update the records of this same system; by default they are dropped, so that
    /// records listed from another system are created here (matched by `external_id`).
    #[arg(long)]
    pub keep_names: bool,
    /// Skip a new row that is a likely duplicate of an existing record, instead of creating it.
    #[arg(long)]
    pub skip_likely_duplicates: bool,
}

/// `engage export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The API's filter, as for `list`.
    #[arg(long, default_value = "")]
    pub filter: String,
    /// The API's order, as for `list`.
    #[arg(long, default_value = "")]
    pub order_by: String,
    /// Include deleted records.
    #[arg(long)]
    pub show_deleted: bool,
    /// The columns, comma separated (default: all, in the documented order).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// A server stream read as the fields the command needs (imports and exports of both
/// registers have the same shape).
type Answers<T> = std::pin::Pin<Box<dyn futures::Stream<Item = Result<T, tonic::Status>> + Send>>;

/// The largest slice of a file sent in one import call (the API takes 32 MiB); a larger file
/// goes as several calls, each with the header and whole rows.
const SLICE_BYTES: usize = 8 * 1024 * 1024;

/// Columns that JSON lines carry but that name records of the system they were listed from.
const SYSTEM_NAMES: &[&str] = &["name", "organization", "merged_into"];

/// A progress bar on the operator's terminal, none when standard error is not one.
fn progress_bar(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{per_sec}}  {{eta}} left  {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The CSV content of a JSON lines file: each line a record, written with the same cells an
/// export writes.
fn csv_from_json_lines(kind: Kind, text: &str, keep_names: bool) -> Result<Vec<u8>, Failure> {
    let all = match kind {
        Kind::Organizations => ORGANIZATION_COLUMNS,
        Kind::People => PERSON_COLUMNS,
    };
    let columns: Vec<&'static str> = all
        .iter()
        .copied()
        .filter(|c| keep_names || !SYSTEM_NAMES.contains(c))
        .collect();
    let mut writer =
        CsvWriter::new(columns, false).map_err(|e| Failure::other(format!("writing CSV: {e}")))?;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |e: json::JsonError| Failure::usage(format!("line {}: {e}", index + 1));
        let written = match kind {
            Kind::Organizations => {
                let org: Organization =
                    json::parse(line, "engage.contacts.v1.Organization").map_err(bad)?;
                writer.organization(&org)
            }
            Kind::People => {
                let person: Person = json::parse(line, "engage.contacts.v1.Person").map_err(bad)?;
                writer.person(&person, &ExportedAffiliation::default())
            }
        };
        written.map_err(|e| Failure::other(format!("writing CSV: {e}")))?;
    }
    Ok(writer.take())
}

/// A file cut into slices of whole records, each sent with the header.
struct Slices {
    /// Each slice's bytes and the row number of its first record.
    slices: Vec<(Vec<u8>, i64)>,
    rows: u64,
}

/// Cuts `content` after its header into slices of at most [`SLICE_BYTES`]. Content the
/// reader cannot cut (bad quoting...) goes whole, for the server to report precisely.
fn slice(content: &[u8]) -> Slices {
    let whole = |rows| Slices {
        slices: vec![(content.to_vec(), 2)],
        rows,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content);
    let mut starts = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let at = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(true) => starts.push(usize::try_from(at).unwrap_or(usize::MAX)),
            Ok(false) => break,
            Err(_) => return whole(0),
        }
    }
    let Some((&header_end, rows)) = starts.get(1).map(|end| (end, &starts[1..])) else {
        return whole(0);
    };
    let header = content[..header_end].to_vec();
    let mut slices = Vec::new();
    let mut first = 0;
    while first < rows.len() {
        let start = rows[first];
        let mut last = first + 1;
        while last < rows.len() && rows[last] - start < SLICE_BYTES {
            last += 1;
        }
        let end = rows.get(last).copied().unwrap_or(content.len());
        let mut bytes = header.clone();
        bytes.extend_from_slice(&content[start..end]);
        slices.push((bytes, 2 + i64::try_from(first).unwrap_or(i64::MAX)));
        first = last;
    }
    Slices {
        slices,
        rows: rows.len() as u64,
    }
}

/// The default report file: `people.csv` gives `people.csv.report.csv`.
fn default_report(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".report.csv");
    PathBuf::from(name)
}

/// The final counts of several calls added up.
fn add(total: &mut ImportProgress, part: &ImportProgress) {
    total.rows_total += part.rows_total;
    total.rows_processed += part.rows_processed;
    total.rows_created += part.rows_created;
    total.rows_updated += part.rows_updated;
    total.rows_unchanged += part.rows_unchanged;
    total.rows_failed += part.rows_failed;
    total.rows_skipped += part.rows_skipped;
    total.rows_with_likely_duplicates += part.rows_with_likely_duplicates;
}

fn outcome_text(outcome: i32) -> String {
    ImportRowOutcome::try_from(outcome)
        .map(|o| {
            o.as_str_name()
                .trim_start_matches("IMPORT_ROW_OUTCOME_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

/// Writes the per-row report: one line per issue (or per reported row without issues).
fn write_report(path: &Path, results: &[ImportRowResult]) -> Result<(), Failure> {
    let failed = |e: &dyn std::fmt::Display| {
        Failure::other(format!("writing the report {}: {e}", path.display()))
    };
    let mut writer = csv::Writer::from_path(path).map_err(|e| failed(&e))?;
    writer
        .write_record([
            "row",
            "outcome",
            "external_id",
            "resource",
            "severity",
            "column",
            "code",
            "reason",
            "likely_duplicates",
        ])
        .map_err(|e| failed(&e))?;
    for result in results {
        let row = result.row_number.to_string();
        let outcome = outcome_text(result.outcome);
        let duplicates = result.likely_duplicates.join(";");
        let issues = result
            .errors
            .iter()
            .map(|i| ("error", i))
            .chain(result.warnings.iter().map(|i| ("warning", i)));
        let mut wrote = false;
        for (severity, issue) in issues {
            writer
                .write_record([
                    row.as_str(),
                    &outcome,
                    &result.external_id,
                    &result.resource,
                    severity,
                    &issue.column,
                    &issue.code,
                    &issue.reason,
                    &duplicates,
                ])
                .map_err(|e| failed(&e))?;
            wrote = true;
        }
        if !wrote {
            writer
                .write_record([
                    row.as_str(),
                    &outcome,
                    &result.external_id,
                    &result.resource,
                    "",
                    "",
                    "",
                    "",
                    &duplicates,
                ])
                .map_err(|e| failed(&e))?;
        }
    }
    writer.flush().map_err(|e| failed(&e))
}

/// One import call: streams one slice and feeds the bar; returns its final counts.
async fn import_slice(
    connection: &Connection,
    args: &ImportArgs,
    content: Vec<u8>,
    first_row_number: i64,
    bar: &ProgressBar,
    done_before: u64,
    results: &mut Vec<ImportRowResult>,
) -> Result<ImportProgress, Failure> {
    let action = format!("importing {}", args.kind.plural());
    let refused =
        |status: tonic::Status| Failure::from_status(&action, &connection.endpoint, &status);
    let policy = if args.skip_likely_duplicates {
        engage_api::contacts::ImportDuplicatePolicy::Skip
    } else {
        engage_api::contacts::ImportDuplicatePolicy::Create
    } as i32;
    let mut client = ContactsServiceClient::new(connection.channel.clone())
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(40 * 1024 * 1024);
    // Both streams carry the same two fields; each is read into (progress, results).
    let mut stream: Answers<(Option<ImportProgress>, Vec<ImportRowResult>)> = match args.kind {
        Kind::Organizations => Box::pin(
            client
                .import_organizations(ImportOrganizationsRequest {
                    csv_content: content,
                    dry_run: args.dry_run,
                    first_row_number,
                    duplicate_policy: policy,
                    report_all_rows: false,
                })
                .await
                .map_err(refused)?
                .into_inner()
                .map(|m| m.map(|m| (m.progress, m.row_results))),
        ),
        Kind::People => Box::pin(
            client
                .import_people(ImportPeopleRequest {
                    csv_content: content,
                    dry_run: args.dry_run,
                    first_row_number,
                    duplicate_policy: policy,
                    report_all_rows: false,
                })
                .await
                .map_err(refused)?
                .into_inner()
                .map(|m| m.map(|m| (m.progress, m.row_results))),
        ),
    };
    let mut last = None;
    while let Some(message) = stream.next().await {
        let (progress, rows) = message.map_err(refused)?;
        results.extend(rows);
        if let Some(progress) = progress {
            bar.set_position(done_before + u64::try_from(progress.rows_processed).unwrap_or(0));
            if progress.done {
                return Ok(progress);
            }
            last = Some(progress);
        }
    }
    let processed = last.map_or(0, |p| p.rows_processed);
    Err(Failure::other(format!(
        "{action}: the stream ended before the import finished ({processed} rows were \
         handled and committed; importing the file again is safe for rows with a name or \
         external_id)"
    )))
}

/// `engage import`: returns the exit status.
pub async fn import(
    args: ImportArgs,
    connection: &Connection,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Failure> {
    let raw = std::fs::read(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let format = args.format.unwrap_or_else(|| {
        let extension = args
            .file
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        match extension.as_deref() {
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            _ => Format::Csv,
        }
    });
    let content = match format {
        Format::Csv => raw,
        Format::Jsonl => {
            let text = String::from_utf8(raw)
                .map_err(|_| Failure::usage(format!("{} is not UTF-8", args.file.display())))?;
            csv_from_json_lines(args.kind, &text, args.keep_names)?
        }
    };
    let slices = slice(&content);
    let bar = progress_bar(slices.rows, "rows");
    let mut total = ImportProgress::default();
    let mut results = Vec::new();
    for (bytes, first_row) in slices.slices {
        let done_before = u64::try_from(total.rows_processed).unwrap_or(0);
        let part = import_slice(
            connection,
            &args,
            bytes,
            first_row,
            &bar,
            done_before,
            &mut results,
        )
        .await;
        match part {
            Ok(part) => add(&mut total, &part),
            Err(failure) => {
                bar.abandon();
                return Err(failure);
            }
        }
    }
    bar.finish_and_clear();

    let report = args
        .report
        .clone()
        .unwrap_or_else(|| default_report(&args.file));
    if !results.is_empty() {
        write_report(&report, &results)?;
    }
    let verb = if args.dry_run { "would be " } else { "" };
    let text = format!(
        "{} {}: {} rows, {} {verb}created, {} {verb}updated, {} unchanged, {} failed, {} \
         skipped, {} with likely duplicates{}\n",
        if args.dry_run { "checked" } else { "imported" },
        args.kind.plural(),
        total.rows_total,
        total.rows_created,
        total.rows_updated,
        total.rows_unchanged,
        total.rows_failed,
        total.rows_skipped,
        total.rows_with_likely_duplicates,
        if args.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        },
    );
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::other(format!("writing the output: {e}")))?;
    if !results.is_empty() {
        let _ = writeln!(
            err,
            "{} rows reported (failed, skipped or with warnings): see {}",
            results.len(),
            report.display()
        );
    }
    Ok(if total.rows_failed > 0 {
        let _ = writeln!(
            err,
            "{} rows failed: nothing of them was written",
            total.rows_failed
        );
        EXIT_ROWS_FAILED
    } else {
        EXIT_OK
    })
}

/// `engage export`: streams the CSV to standard output or the file.
pub async fn export(
    args: ExportArgs,
    connection: &Connection,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Failure> {
    let action = format!("exporting {}", args.kind.plural());
    let refused =
        |status: tonic::Status| Failure::from_status(&action, &connection.endpoint, &status);
    let mut client = ContactsServiceClient::new(connection.channel.clone())
        .max_decoding_message_size(8 * 1024 * 1024);
    let mut stream: Answers<(Vec<u8>, i64, bool)> = match args.kind {
        Kind::Organizations => Box::pin(
            client
                .export_organizations(ExportOrganizationsRequest {
                    filter: args.filter.clone(),
                    order_by: args.order_by.clone(),
                    show_deleted: args.show_deleted,
                    show_merged: false,
                    columns: args.columns.clone(),
                    utf8_bom: false,
                })
                .await
                .map_err(refused)?
                .into_inner()
                .map(|m| m.map(|m| (m.data, m.rows_written, m.done))),
        ),
        Kind::People => Box::pin(
            client
                .export_people(ExportPeopleRequest {
                    filter: args.filter.clone(),
                    order_by: args.order_by.clone(),
                    show_deleted: args.show_deleted,
                    show_merged: false,
                    columns: args.columns.clone(),
                    utf8_bom: false,
                })
                .await
                .map_err(refused)?
                .into_inner()
                .map(|m| m.map(|m| (m.data, m.rows_written, m.done))),
        ),
    };
    let mut file = match &args.output {
        Some(path) => Some(
            std::fs::File::create(path)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let bar = ProgressBar::with_draw_target(
        None,
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} rows  {per_sec}  {elapsed}") {
        bar.set_style(style);
    }
    while let Some(message) = stream.next().await {
        let (data, rows, done) = message.map_err(refused)?;
        let target: &mut dyn Write = match file.as_mut() {
            Some(file) => file,
            None => &mut *out,
        };
        target
            .write_all(&data)
            .map_err(|e| Failure::other(format!("writing the export: {e}")))?;
        bar.set_position(u64::try_from(rows).unwrap_or(0));
        if done {
            bar.finish_and_clear();
            let _ = writeln!(err, "exported {rows} {}", args.kind.plural());
            return Ok(EXIT_OK);
        }
    }
    bar.abandon();
    Err(Failure::other(format!(
        "{action}: the stream ended before the export finished; the output is incomplete"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_cut_between_whole_records_each_with_the_header() {
        let content = b"display_name,sector\n\"A, with\nbreak\",ngo\nB,ngo\n";
        let slices = slice(content);
        assert_eq!(slices.rows, 2);
        assert_eq!(slices.slices.len(), 1);
        assert_eq!(slices.slices[0].0, content.to_vec());
        assert_eq!(slices.slices[0].1, 2);
    }

    #[test]
    fn json_lines_become_csv_rows_without_the_other_systems_names() {
        let csv = csv_from_json_lines(
            Kind::Organizations,
            "{\"name\":\"organizations/9\",\"displayName\":\"Casa\",\"sector\":\"SECTOR_NGO\"}\n",
            false,
        )
        .expect("csv");
        let text = String::from_utf8(csv).expect("utf-8");
        let header = text.lines().next().expect("a header");
        assert!(!header.split(',').any(|c| c == "name"), "{header}");
        assert!(text.contains("Casa,"), "{text}");
        assert!(text.contains(",ngo,"), "{text}");
    }
}
