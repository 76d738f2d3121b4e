//! The duplicate-detection benchmark: quality and time of detection through the service.
//!
//! It makes the evaluation set (see `generate`), starts the whole system on PostgreSQL with
//! the Redis bus, and loads the set through the gateway with ImportOrganizations and
//! ImportPeople (each row is checked on import, as in production). Then it times
//! RunDuplicateDetection over the whole register, reads every open candidate back with
//! ListDuplicateCandidates page by page, and compares the pairs with the known duplicates:
//! precision, recall and F1 for the LIKELY band and for LIKELY and POSSIBLE together, and
//! recall by the kind of corruption the copies carry.

mod generate;
mod locales;
#[cfg(test)]
mod offline;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    DuplicateBand, DuplicateCandidateState, ImportDuplicatePolicy, ImportOrganizationsRequest,
    ImportPeopleRequest, ImportRowOutcome, ImportRowResult, ListDuplicateCandidatesRequest,
    RecordType, RunDuplicateDetectionRequest,
};
use engage_platform::{Caller, Role};
use serde::Serialize;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::system::{Bearer, BenchSystem, bearer, channel};
use generate::{Corruption, Plan};

#[derive(Args)]
pub struct DuplicatesArgs {
    /// People in the set, originals and copies (0 to leave people out).
    #[arg(long, default_value_t = 10_000)]
    people: usize,
    /// Organisations in the set, originals and copies (0 to leave organisations out).
    #[arg(long, default_value_t = 10_000)]
    organizations: usize,
    /// Share of originals registered again.
    #[arg(long, default_value_t = 0.35)]
    duplicated: f64,
    /// Share of those registered twice again (three records in all).
    #[arg(long, default_value_t = 0.2)]
    twice: f64,
    /// Seed of the generator: the same seed makes the same set.
    #[arg(long, default_value_t = 13)]
    seed: u64,
    /// Rows per import call.
    #[arg(long, default_value_t = 2_000)]
    chunk: usize,
    /// Candidates per ListDuplicateCandidates page.
    #[arg(long, default_value_t = 500)]
    page_size: i32,
    /// Where the report goes.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

type Client = ContactsServiceClient<InterceptedService<Channel, Bearer>>;

/// Precision, recall and F1 of one band.
#[derive(Debug, Default, Clone, Serialize)]
struct Quality {
    proposed: usize,
    true_positives: usize,
    precision: f64,
    recall: f64,
    f1: f64,
}

impl Quality {
    fn of(proposed: usize, true_positives: usize, duplicates: usize) -> Self {
        let precision = ratio(true_positives, proposed);
        let recall = ratio(true_positives, duplicates);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            proposed,
            true_positives,
            precision,
            recall,
            f1,
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Recall of the pairs whose copies carry one kind of corruption.
#[derive(Debug, Default, Clone, Serialize)]
struct KindRecall {
    kind: String,
    pairs: usize,
    found_likely: usize,
    found_any: usize,
}

/// What one register measured.
#[derive(Debug, Default, Serialize)]
struct RegisterReport {
    register: String,
    records: usize,
    failed_rows: usize,
    duplicate_pairs: usize,
    import_s: f64,
    detection_s: f64,
    detection_server_s: f64,
    pairs_compared: i64,
    listing_s: f64,
    likely: Quality,
    likely_or_possible: Quality,
    by_corruption: Vec<KindRecall>,
    /// A few pairs proposed LIKELY that are not duplicates, and duplicates not proposed.
    false_likely_examples: Vec<String>,
    false_possible_examples: Vec<String>,
    missed_examples: Vec<String>,
}

/// What a record of the set is: its cluster and how its copy was corrupted.
struct Truth {
    cluster: usize,
    corruptions: Vec<Corruption>,
    row: String,
}

pub async fn run(args: DuplicatesArgs) -> Result<()> {
    let system = BenchSystem::start().await?;
    let token = system.token(&Caller::new(
        "bench-officer",
        &[Role::CsuOfficer, Role::Admin],
    ))?;
    let mut client: Client =
        ContactsServiceClient::with_interceptor(channel(system.gateway()).await?, bearer(&token)?)
            .max_decoding_message_size(64 * 1024 * 1024)
            .max_encoding_message_size(64 * 1024 * 1024);
    let plan = |records| Plan {
        records,
        duplicated: args.duplicated,
        twice: args.twice,
        seed: args.seed,
    };
    let mut reports = Vec::new();
    if args.organizations > 0 {
        let set = generate::organizations(&plan(args.organizations));
        let rows: Vec<(String, Truth)> = set
            .iter()
            .map(|o| {
                (
                    generate::organization_row(o),
                    Truth {
                        cluster: o.cluster,
                        corruptions: o.corruptions.clone(),
                        row: o.display_name.clone(),
                    },
                )
            })
            .collect();
        reports.push(
            measure(
                &mut client,
                &args,
                RecordType::Organization,
                generate::ORGANIZATION_HEADER,
                rows,
            )
            .await?,
        );
    }
    if args.people > 0 {
        let set = generate::people(&plan(args.people));
        let rows: Vec<(String, Truth)> = set
            .iter()
            .map(|p| {
                (
                    generate::person_row(p),
                    Truth {
                        cluster: p.cluster,
                        corruptions: p.corruptions.clone(),
                        row: format!("{} / {} / {:?}", p.given_name, p.family_name, p.birth_date),
                    },
                )
            })
            .collect();
        reports.push(
            measure(
                &mut client,
                &args,
                RecordType::Person,
                generate::PERSON_HEADER,
                rows,
            )
            .await?,
        );
    }
    system.stop().await;
    write_report(&args, &reports)
}

/// Loads one register, runs detection and scores what it proposed.
async fn measure(
    client: &mut Client,
    args: &DuplicatesArgs,
    record_type: RecordType,
    header: &str,
    rows: Vec<(String, Truth)>,
) -> Result<RegisterReport> {
    let register = match record_type {
        RecordType::Person => "people",
        _ => "organisations",
    };
    eprintln!("{register}: importing {} rows", rows.len());
    let started = Instant::now();
    let mut truth: HashMap<String, Truth> = HashMap::new();
    let mut failed = 0;
    let mut by_external_id: HashMap<String, Truth> = HashMap::new();
    let mut chunks: Vec<String> = Vec::new();
    for (i, (row, t)) in rows.into_iter().enumerate() {
        if i % args.chunk.max(1) == 0 {
            chunks.push(format!("{header}\n"));
        }
        if let Some(chunk) = chunks.last_mut() {
            chunk.push_str(&row);
            chunk.push('\n');
        }
        let external_id = row.split(',').next().unwrap_or_default().to_owned();
        by_external_id.insert(external_id, t);
    }
    for chunk in chunks {
        for result in import(client, record_type, chunk).await? {
            if result.outcome != ImportRowOutcome::Created as i32 {
                failed += 1;
                if failed <= 5 {
                    eprintln!("  row not created: {result:?}");
                }
                continue;
            }
            if let Some(t) = by_external_id.remove(&result.external_id) {
                truth.insert(result.resource, t);
            }
        }
    }
    let import_s = started.elapsed().as_secs_f64();
    eprintln!("{register}: imported in {import_s:.1} s ({failed} rows not created)");

    let started = Instant::now();
    let run = client
        .run_duplicate_detection(RunDuplicateDetectionRequest {
            record_type: record_type as i32,
        })
        .await?
        .into_inner();
    let detection_s = started.elapsed().as_secs_f64();
    let detection_server_s = run
        .elapsed
        .map(|d| d.seconds as f64 + f64::from(d.nanos) / 1e9)
        .unwrap_or_default();
    eprintln!(
        "{register}: detection {detection_s:.2} s, {} pairs compared, {} new candidates, {} likely, {} possible",
        run.pairs_compared, run.new_candidates, run.likely_count, run.possible_count
    );

    let started = Instant::now();
    let mut proposed: HashMap<(String, String), DuplicateBand> = HashMap::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_duplicate_candidates(ListDuplicateCandidatesRequest {
                record_type: record_type as i32,
                state: DuplicateCandidateState::Open as i32,
                page_size: args.page_size,
                page_token: token,
                ..Default::default()
            })
            .await?
            .into_inner();
        for c in page.duplicate_candidates {
            let band = DuplicateBand::try_from(c.band).unwrap_or(DuplicateBand::Unspecified);
            proposed.insert(pair(&c.record_a, &c.record_b), band);
        }
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let listing_s = started.elapsed().as_secs_f64();

    Ok(score(
        RegisterReport {
            register: register.into(),
            records: truth.len(),
            failed_rows: failed,
            import_s,
            detection_s,
            detection_server_s,
            pairs_compared: run.pairs_compared,
            listing_s,
            ..Default::default()
        },
        &truth,
        &proposed,
    ))
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// Compares the proposed pairs with the known ones.
fn score(
    mut report: RegisterReport,
    truth: &HashMap<String, Truth>,
    proposed: &HashMap<(String, String), DuplicateBand>,
) -> RegisterReport {
    let mut clusters: BTreeMap<usize, Vec<&String>> = BTreeMap::new();
    for (name, t) in truth {
        clusters.entry(t.cluster).or_default().push(name);
    }
    let mut duplicates: HashSet<(String, String)> = HashSet::new();
    let mut kinds: BTreeMap<Corruption, KindRecall> = BTreeMap::new();
    for members in clusters.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                let key = pair(a, b);
                let band = proposed.get(&key);
                let mut carried: Vec<Corruption> = truth[*a]
                    .corruptions
                    .iter()
                    .chain(truth[*b].corruptions.iter())
                    .copied()
                    .collect();
                carried.sort();
                carried.dedup();
                for kind in carried {
                    let k = kinds.entry(kind).or_insert_with(|| KindRecall {
                        kind: kind.name().into(),
                        ..Default::default()
                    });
                    k.pairs += 1;
                    k.found_any += usize::from(band.is_some());
                    k.found_likely += usize::from(band == Some(&DuplicateBand::Likely));
                }
                if band.is_none() && report.missed_examples.len() < 15 {
                    report
                        .missed_examples
                        .push(format!("{} ~ {}", truth[*a].row, truth[*b].row));
                }
                duplicates.insert(key);
            }
        }
    }
    let likely: Vec<&(String, String)> = proposed
        .iter()
        .filter(|(_, b)| **b == DuplicateBand::Likely)
        .map(|(k, _)| k)
        .collect();
    let likely_true = likely.iter().filter(|k| duplicates.contains(**k)).count();
    let any_true = proposed.keys().filter(|k| duplicates.contains(*k)).count();
    for (a, b) in likely.iter().filter(|k| !duplicates.contains(**k)).take(15) {
        let row = |n: &String| truth.get(n).map(|t| t.row.clone()).unwrap_or_default();
        report
            .false_likely_examples
            .push(format!("{} ~ {}", row(a), row(b)));
    }
    for ((a, b), _) in proposed
        .iter()
        .filter(|(k, band)| **band == DuplicateBand::Possible && !duplicates.contains(*k))
        .take(15)
    {
        let row = |n: &String| truth.get(n).map(|t| t.row.clone()).unwrap_or_default();
        report
            .false_possible_examples
            .push(format!("{} ~ {}", row(a), row(b)));
    }
    report.duplicate_pairs = duplicates.len();
    report.likely = Quality::of(likely.len(), likely_true, duplicates.len());
    report.likely_or_possible = Quality::of(proposed.len(), any_true, duplicates.len());
    report.by_corruption = kinds.into_values().collect();
    report
}

async fn import(
    client: &mut Client,
    record_type: RecordType,
    csv: String,
) -> Result<Vec<ImportRowResult>> {
    let mut results = Vec::new();
    let policy = ImportDuplicatePolicy::Create as i32;
    match record_type {
        RecordType::Person => {
            let mut stream = client
                .import_people(ImportPeopleRequest {
                    csv_content: csv.into_bytes(),
                    duplicate_policy: policy,
                    report_all_rows: true,
                    ..Default::default()
                })
                .await?
                .into_inner();
            while let Some(m) = stream.message().await? {
                results.extend(m.row_results);
            }
        }
        RecordType::Organization => {
            let mut stream = client
                .import_organizations(ImportOrganizationsRequest {
                    csv_content: csv.into_bytes(),
                    duplicate_policy: policy,
                    report_all_rows: true,
                    ..Default::default()
                })
                .await?
                .into_inner();
            while let Some(m) = stream.message().await? {
                results.extend(m.row_results);
            }
        }
        RecordType::Unspecified => bail!("no register to import into"),
    }
    Ok(results)
}

fn write_report(args: &DuplicatesArgs, reports: &[RegisterReport]) -> Result<()> {
    let mut md = String::from(
        "# Duplicate detection\n\nOn PostgreSQL with the Redis bus, through the gateway. The \
         set is loaded with ImportOrganizations / ImportPeople (each row checked on import); \
         detection is one RunDuplicateDetection over the register, read back with \
         ListDuplicateCandidates page by page.\n\n\
         | register | records | duplicate pairs | band | proposed | precision | recall | F1 |\n\
         | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in reports {
        for (band, q) in [
            ("LIKELY", &r.likely),
            ("LIKELY+POSSIBLE", &r.likely_or_possible),
        ] {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {band} | {} | {:.3} | {:.3} | {:.3} |",
                r.register, r.records, r.duplicate_pairs, q.proposed, q.precision, q.recall, q.f1
            );
        }
    }
    md.push_str(
        "\n| register | import s | detection s (client) | detection s (server) | pairs compared | listing s |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in reports {
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.2} | {:.2} | {} | {:.2} |",
            r.register,
            r.import_s,
            r.detection_s,
            r.detection_server_s,
            r.pairs_compared,
            r.listing_s
        );
    }
    for r in reports {
        let _ = writeln!(
            md,
            "\nRecall by corruption, {}:\n\n| corruption | pairs | LIKELY | LIKELY+POSSIBLE |\n| --- | ---: | ---: | ---: |",
            r.register
        );
        for k in &r.by_corruption {
            let _ = writeln!(
                md,
                "| {} | {} | {:.3} | {:.3} |",
                k.kind,
                k.pairs,
                ratio(k.found_likely, k.pairs),
                ratio(k.found_any, k.pairs)
            );
        }
    }
    std::fs::create_dir_all(&args.out)?;
    let stem = format!("duplicates-{}o-{}p", args.organizations, args.people);
    std::fs::write(args.out.join(format!("{stem}.md")), &md)?;
    std::fs::write(
        args.out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(reports)?,
    )?;
    println!("{md}");
    for r in reports {
        println!(
            "\n{}: LIKELY pairs that are not duplicates (examples):",
            r.register
        );
        for e in &r.false_likely_examples {
            println!("  {e}");
        }
        println!(
            "{}: POSSIBLE pairs that are not duplicates (examples):",
            r.register
        );
        for e in &r.false_possible_examples {
            println!("  {e}");
        }
        println!("{}: duplicates not proposed (examples):", r.register);
        for e in &r.missed_examples {
            println!("  {e}");
        }
    }
    Ok(())
}
