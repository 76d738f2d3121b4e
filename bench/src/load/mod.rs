//! The load benchmark: engage under load, each figure beside a baseline measured in the
//! same run on the same machine, so that the ratios hold on a busy machine.
//!
//! Five phases, each starting the system afresh in a process of its own
//! ([`server::SystemProcess`]) so that its CPU time and memory are the servers' alone:
//!
//! 1. Point reads and writes on a contacts register of `--seed` organisations: the bare
//!    tonic server (raw gRPC), `pgbench` (raw PostgreSQL), GetOrganization and
//!    CreateOrganization through the gateway and straight to the contacts service, closed
//!    loop at `--concurrency` callers, then an open loop at half the gateway's throughput.
//! 2. Listing and search over `--organizations` organisations (one million by default),
//!    stored once in a database of their own and reused by later runs.
//! 3. A CSV import of `--import-rows` organisations through the gateway into an empty
//!    register, then duplicate detection over them.
//! 4. The initiatives, declarations and briefings services through the gateway
//!    ([`services`]): a coordinator's milestone progress and initiative reads, signatures
//!    and the list of signatories, registration for one briefing under contention; beside
//!    pgbench measured in the same phase.
//! 5. `engage dev` from start to serving, and its idle memory.

mod clients;
mod dataset;
mod dev;
mod drive;
mod pgbench;
mod report;
mod server;
mod services;

pub use server::{SystemArgs, serve as serve_system};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use clap::Args;
use engage_api::contacts::{
    CreateOrganizationRequest, ExportOrganizationsRequest, GetOrganizationRequest,
    ImportOrganizationsRequest, ListOrganizationsRequest, RecordType, RunDuplicateDetectionRequest,
    SearchOrganizationsRequest,
};
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::testkit::TestDatabase;
use engage_platform::{Caller, Role};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use clients::Auth;
use drive::{Measured, Timing};
use report::{Goal, Report, Row};
use server::{DatabaseKind, SystemProcess};

#[derive(Args, Clone)]
pub struct LoadArgs {
    /// Where the system keeps its data: PostgreSQL (and the pgbench baseline) or the
    /// embedded SQLite of `engage dev`.
    #[arg(long, value_enum, default_value = "postgres")]
    database: DatabaseKind,
    /// Seconds each scenario is measured for.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load before each measurement, not counted.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Concurrent callers of the closed-loop scenarios (and pgbench clients).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Concurrent callers of the listing and search scenarios.
    #[arg(long, default_value_t = 4)]
    list_concurrency: usize,
    /// Organisations in the register of the point reads and writes.
    #[arg(long, default_value_t = 10_000)]
    seed: u64,
    /// Organisations in the listing and search data set.
    #[arg(long, default_value_t = 1_000_000)]
    organizations: u64,
    /// Organisations in the CSV import (duplicate detection runs over them).
    #[arg(long, default_value_t = 100_000)]
    import_rows: u64,
    /// A quick run to try the harness: 3 s per scenario, 100,000 organisations listed,
    /// 20,000 imported.
    #[arg(long)]
    quick: bool,
    /// Phases to run (points, lists, import, services, dev); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The `engage` binary for the `engage dev` phase.
    #[arg(long, default_value = "target/release/engage")]
    engage: PathBuf,
    /// Where the report goes.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

impl LoadArgs {
    /// The warm-up and measured time of every scenario.
    fn timing(&self) -> Timing {
        Timing {
            warmup: Duration::from_secs(self.warmup),
            duration: Duration::from_secs(self.duration),
        }
    }

    fn runs(&self, phase: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == phase)
    }
}

/// The keys of this run and the callers it calls as.
struct Keys {
    token: Secret,
    internal: Secret,
    officer: Caller,
}

impl Keys {
    fn gateway(&self) -> Result<Auth> {
        let token = engage_gateway::mint_development_token(
            &self.token,
            &self.officer,
            Duration::from_secs(6 * 3600),
        )
        .map_err(|e| anyhow!("a token: {e}"))?;
        Auth::bearer(&token)
    }

    fn direct(&self) -> Result<Auth> {
        Auth::internal(InternalKey::new(&self.internal), self.officer.clone())
    }

    fn start(&self, database: DatabaseKind, contacts_url: Option<&str>) -> Result<SystemProcess> {
        SystemProcess::start(database, contacts_url, &self.token, &self.internal)
    }
}

/// Measures `work` and the system's CPU and memory around it.
async fn observed<F: Future<Output = Measured>>(
    system: &SystemProcess,
    work: F,
) -> (Measured, f64, f64) {
    let before = system.sample();
    let measured = work.await;
    let after = system.sample();
    (
        measured,
        after.cores_since(&before),
        after.rss_kib as f64 / 1024.0,
    )
}

pub async fn run(mut args: LoadArgs) -> Result<()> {
    if args.quick {
        args.duration = 3;
        args.warmup = 1;
        args.organizations = args.organizations.min(100_000);
        args.import_rows = args.import_rows.min(20_000);
    }
    let keys = Keys {
        token: Secret::generate(),
        internal: Secret::generate(),
        officer: Caller::new("bench-officer", &[Role::CsuOfficer]),
    };
    let mut report = Report::new(&args);
    // The report is written after each phase, so that a long run stopped half-way keeps
    // what it measured.
    if args.runs("points") {
        points(&args, &keys, &mut report).await?;
        report.save(&args.out)?;
    }
    if args.runs("lists") {
        lists(&args, &keys, &mut report).await?;
        report.save(&args.out)?;
    }
    if args.runs("import") {
        import(&args, &keys, &mut report).await?;
        report.save(&args.out)?;
    }
    if args.runs("services") {
        services::run(&args, &keys, &mut report).await?;
        report.save(&args.out)?;
    }
    if args.runs("dev") {
        match dev::measure(&args.engage, &args.out).await {
            Ok(rows) => report.rows.extend(rows),
            Err(e) => report
                .notes
                .push(format!("`engage dev` not measured: {e:#}")),
        }
    }
    report.write(&args.out)?;
    Ok(())
}

/// A fresh contacts database holding `count` generated organisations.
async fn fresh_contacts(database: DatabaseKind, count: u64) -> Result<TestDatabase> {
    let db = TestDatabase::create(database.backend()).await;
    engage_platform::server::migrate_service::<engage_contacts::Contacts>(&db.url)
        .await
        .map_err(|e| anyhow!("migrating {}: {e}", db.url))?;
    dataset::store(&db.url, 0..count).await?;
    Ok(db)
}

async fn points(args: &LoadArgs, keys: &Keys, report: &mut Report) -> Result<()> {
    let timing = args.timing();
    let n = args.concurrency;
    let connections = n.clamp(1, 4);
    let seed = args.seed.max(1);
    eprintln!("load: points — {seed} organisations, {n} callers");
    let db = fresh_contacts(args.database, seed).await?;
    let system = keys.start(args.database, Some(&db.url))?;
    let addresses = system.addresses.clone();
    let closed = format!("closed, {n} callers");

    // Raw gRPC: the bare health server.
    let mut health = Vec::new();
    for _ in 0..connections {
        health.push(HealthClient::new(
            crate::system::channel(addresses.echo).await?,
        ));
    }
    let (echo, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, move |i| {
            let mut client = health[i as usize % health.len()].clone();
            async move {
                client
                    .check(HealthCheckRequest::default())
                    .await
                    .map(|_| ())
            }
        }),
    )
    .await;
    report
        .rows
        .push(Row::baseline("raw gRPC: bare tonic health check", &closed, &echo).server(cpu, rss));

    // Raw PostgreSQL.
    let pg = pgbench::baselines(args, &db.url, seed, timing, None, report)?;

    let gateway = clients::contacts(addresses.gateway, connections, &keys.gateway()?).await?;
    let direct = clients::contacts(addresses.contacts, connections, &keys.direct()?).await?;
    let get = |clients: &Vec<clients::Contacts>| {
        let clients = clients.clone();
        move |i: u64| get_spread(&clients, i, seed)
    };
    let (get_direct, cpu, rss) = observed(&system, drive::closed(n, timing, get(&direct))).await;
    let (get_gateway, gcpu, grss) =
        observed(&system, drive::closed(n, timing, get(&gateway))).await;
    let one = Timing {
        warmup: Duration::from_secs(1),
        duration: timing.duration,
    };
    let (get_direct_1, _, _) = observed(&system, drive::closed(1, one, get(&direct))).await;
    let (get_gateway_1, _, _) = observed(&system, drive::closed(1, one, get(&gateway))).await;

    let mut row = Row::measured("GetOrganization through the gateway", &closed, &get_gateway)
        .server(gcpu, grss);
    if let Some((select, _)) = &pg {
        row = row.against_throughput("pgbench point select", select, Goal::AtLeast(0.5));
    }
    report.rows.push(row);
    report.rows.push(
        Row::measured("GetOrganization straight to contacts", &closed, &get_direct)
            .server(cpu, rss)
            .against_throughput("raw gRPC health check", &echo, Goal::None),
    );
    report.rows.push(
        Row::measured(
            "gateway overhead: GetOrganization through the gateway",
            &closed,
            &get_gateway,
        )
        .against_throughput(
            "the same call straight to contacts",
            &get_direct,
            Goal::AtLeast(0.5),
        ),
    );
    report.rows.push(
        Row::measured(
            "gateway overhead: GetOrganization through the gateway",
            "closed, 1 caller",
            &get_gateway_1,
        )
        .against_added_p50("the same call straight to contacts", &get_direct_1, 150),
    );

    // Writes.
    let create = |clients: &Vec<clients::Contacts>, offset: u64| {
        let clients = clients.clone();
        move |i: u64| {
            let mut client = clients[i as usize % clients.len()].clone();
            let organization = dataset::organization(offset + i);
            async move {
                client
                    .create_organization(CreateOrganizationRequest {
                        organization: Some(organization),
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
            }
        }
    };
    let (create_gateway, gcpu, grss) = observed(
        &system,
        drive::closed(n, timing, create(&gateway, 10_000_000)),
    )
    .await;
    let (create_direct, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, create(&direct, 20_000_000)),
    )
    .await;
    let mut row = Row::measured(
        "CreateOrganization through the gateway (outbox and audit)",
        &closed,
        &create_gateway,
    )
    .server(gcpu, grss);
    if let Some((_, insert)) = &pg {
        row = row.against_throughput("pgbench single-row insert", insert, Goal::AtLeast(0.4));
    }
    report.rows.push(row);
    report.rows.push(
        Row::measured(
            "CreateOrganization straight to contacts",
            &closed,
            &create_direct,
        )
        .server(cpu, rss)
        .against_throughput(
            "the same call through the gateway",
            &create_gateway,
            Goal::None,
        ),
    );

    // Latency under a steady load: half what the gateway sustained.
    let rate = (get_gateway.throughput / 2.0).max(10.0).round();
    let open = format!("open, {rate}/s");
    let (open_gateway, gcpu, grss) =
        observed(&system, drive::open(rate, timing, get(&gateway))).await;
    let (open_direct, cpu, rss) = observed(&system, drive::open(rate, timing, get(&direct))).await;
    report.rows.push(
        Row::measured("GetOrganization straight to contacts", &open, &open_direct).server(cpu, rss),
    );
    report.rows.push(
        Row::measured("GetOrganization through the gateway", &open, &open_gateway)
            .server(gcpu, grss)
            .against_added_p50("the same load straight to contacts", &open_direct, 150),
    );
    system.stop();
    drop(db);
    Ok(())
}

/// Call `i` of a point-read load: one of the first `count` organisations of the data set,
/// spread as pgbench spreads its reads, on `clients` in turn.
fn get_spread(
    clients: &[clients::Contacts],
    i: u64,
    count: u64,
) -> impl Future<Output = Result<(), tonic::Status>> + Send + use<> {
    let mut client = clients[i as usize % clients.len()].clone();
    let id = dataset::organization_id(spread(i, count));
    async move {
        client
            .get_organization(GetOrganizationRequest {
                name: format!("organizations/{id}"),
            })
            .await
            .map(|_| ())
    }
}

/// Call `i`'s organisation among `count`: a fixed scramble, so consecutive calls read
/// different rows.
fn spread(i: u64, count: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17) % count.max(1)
}

/// The listing and search data set's location for `args`.
fn data_set_url(args: &LoadArgs) -> String {
    let size = register_size(args.organizations).to_lowercase();
    match args.database {
        DatabaseKind::Postgres => dataset::postgres_url(&format!("engage_bench_{size}")),
        DatabaseKind::Sqlite => {
            let path = std::path::absolute(args.out.join(format!("engage_bench_{size}.sqlite")))
                .unwrap_or_else(|_| args.out.join(format!("engage_bench_{size}.sqlite")));
            format!("sqlite://{}", path.display())
        }
    }
}

/// Filters an officer uses: a country, a sector with its own order, a sector and a theme.
const LIST_REQUESTS: &[(&str, &str)] = &[
    ("country_code = \"KE\"", ""),
    ("sector = SECTOR_ACADEMIA", "create_time desc"),
    (
        "sector = SECTOR_NGO AND thematic_areas:THEMATIC_AREA_CORRUPTION",
        "display_name",
    ),
    (
        "country_code = \"BR\" AND sector = SECTOR_YOUTH",
        "update_time desc",
    ),
];

/// What an officer types: a place and a kind, a theme, a made-up founder's name, a typo.
const SEARCH_QUERIES: &[&str] = &[
    "youth network nairobi",
    "transparency",
    "legal aid bogota",
    "kamuti",
    "anti-corruption coalition",
    "womens asociation",
];

/// A register's size as the report names it: 1M, 100k, or the number itself.
fn register_size(organizations: u64) -> String {
    let n = organizations;
    if n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

async fn lists(args: &LoadArgs, keys: &Keys, report: &mut Report) -> Result<()> {
    let timing = args.timing();
    let url = data_set_url(args);
    std::fs::create_dir_all(&args.out)?;
    let prepared = dataset::prepare(
        &url,
        args.database == DatabaseKind::Postgres,
        args.organizations,
    )
    .await?;
    report.notes.push(format!(
        "The listing and search data set ({} organisations) {} {:.0} s to load{}.",
        prepared.organizations,
        if prepared.reused {
            "was reused from an earlier run; it took"
        } else {
            "took"
        },
        prepared.load_seconds,
        if prepared.reused { " then" } else { "" },
    ));
    report.data_set = Some(prepared);
    let n = args.list_concurrency;
    let count = args.organizations;
    eprintln!("load: lists — {count} organisations, {n} callers");
    let system = keys.start(args.database, Some(&url))?;
    let gateway =
        clients::contacts(system.addresses.gateway, n.clamp(1, 4), &keys.gateway()?).await?;
    let closed = format!("closed, {n} callers");

    let clients = gateway.clone();
    let (get, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, move |i| get_spread(&clients, i, count)),
    )
    .await;
    report.rows.push(
        Row::baseline(
            &format!(
                "GetOrganization through the gateway, {} register",
                register_size(count)
            ),
            &closed,
            &get,
        )
        .server(cpu, rss),
    );

    let clients = gateway.clone();
    let (list, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, move |i| {
            let mut client = clients[i as usize % clients.len()].clone();
            let (filter, order_by) = LIST_REQUESTS[i as usize % LIST_REQUESTS.len()];
            async move {
                client
                    .list_organizations(ListOrganizationsRequest {
                        page_size: 50,
                        filter: filter.to_owned(),
                        order_by: order_by.to_owned(),
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
            }
        }),
    )
    .await;
    report.rows.push(
        Row::measured(
            "ListOrganizations with a filter, first page of 50",
            &closed,
            &list,
        )
        .server(cpu, rss)
        .against_p95("GetOrganization", &get, 20_000),
    );

    let clients = gateway.clone();
    let (search, cpu, rss) = observed(
        &system,
        drive::closed(n, timing, move |i| {
            let mut client = clients[i as usize % clients.len()].clone();
            let query = SEARCH_QUERIES[i as usize % SEARCH_QUERIES.len()];
            async move {
                client
                    .search_organizations(SearchOrganizationsRequest {
                        query: query.to_owned(),
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
            }
        }),
    )
    .await;
    report.rows.push(
        Row::measured("SearchOrganizations, first page of 20", &closed, &search)
            .server(cpu, rss)
            .against_p95("GetOrganization", &get, 20_000),
    );
    system.stop();
    Ok(())
}

async fn import(args: &LoadArgs, keys: &Keys, report: &mut Report) -> Result<()> {
    let rows = args.import_rows;
    eprintln!("load: import — {rows} organisations");
    let db = fresh_contacts(args.database, 0).await?;
    let system = keys.start(args.database, Some(&db.url))?;
    let mut client = clients::contacts(system.addresses.gateway, 1, &keys.gateway()?)
        .await?
        .remove(0);
    // Files over the 32 MiB limit of one call go as several, as the contract says.
    let file = dataset::csv(0..rows);
    let chunks = split_csv(&file, 30 * 1024 * 1024);
    let before = system.sample();
    let started = Instant::now();
    let mut created = 0;
    let mut first_row = 2;
    let mut errors = 0;
    let mut first_failure = None;
    for chunk in chunks {
        let lines = chunk.iter().filter(|b| **b == b'\n').count() as i64 - 1;
        let mut stream = client
            .import_organizations(ImportOrganizationsRequest {
                csv_content: chunk,
                first_row_number: first_row,
                ..Default::default()
            })
            .await?
            .into_inner();
        while let Some(message) = stream.message().await? {
            if first_failure.is_none()
                && let Some(row) = message.row_results.iter().find(|r| !r.errors.is_empty())
            {
                first_failure = Some(format!("row {}: {:?}", row.row_number, row.errors));
            }
            if let Some(progress) = message.progress
                && progress.done
            {
                created += progress.rows_created;
                errors += progress.rows_failed;
            }
        }
        first_row += lines;
    }
    let import_time = started.elapsed();
    let after = system.sample();
    let seconds = import_time.as_secs_f64();
    let mut imported = Measured::once(import_time, created as u64, errors as u64);
    imported.first_error = first_failure;
    let mut row = Row::measured(
        &format!("CSV import of {rows} organisations through the gateway"),
        "one import",
        &imported,
    )
    .server(after.cores_since(&before), after.rss_kib as f64 / 1024.0)
    .within_seconds(10.0, seconds);
    if let Some(insert) = report.insert_baseline() {
        row = row.against_seconds(
            &format!("{rows} pgbench single-row inserts at its rate"),
            rows as f64 / insert.throughput.max(1.0),
        );
    }
    report.rows.push(row);

    // Reading every organisation once, as an export does: the least a scan can cost.
    let started = Instant::now();
    let mut stream = client
        .export_organizations(ExportOrganizationsRequest::default())
        .await?
        .into_inner();
    while stream.message().await?.is_some() {}
    let export_seconds = started.elapsed().as_secs_f64();

    let before = system.sample();
    let started = Instant::now();
    let detection = client
        .run_duplicate_detection(RunDuplicateDetectionRequest {
            record_type: RecordType::Organization as i32,
        })
        .await;
    let taken = started.elapsed();
    let after = system.sample();
    let (found, failed, note) = match detection {
        Ok(answer) => {
            let answer = answer.into_inner();
            (
                (answer.likely_count + answer.possible_count) as u64,
                0,
                format!(
                    "Duplicate detection scanned {} organisations, compared {} pairs and holds \
                     {} likely and {} possible candidates.",
                    answer.records_scanned,
                    answer.pairs_compared,
                    answer.likely_count,
                    answer.possible_count
                ),
            )
        }
        Err(status) => (0, 1, format!("Duplicate detection failed: {status}")),
    };
    report.notes.push(note);
    report.rows.push(
        Row::measured(
            &format!("RunDuplicateDetection over {rows} organisations"),
            "one run",
            &Measured::once(taken, found, failed),
        )
        .server(after.cores_since(&before), after.rss_kib as f64 / 1024.0)
        .within_seconds(5.0, taken.as_secs_f64())
        .against_seconds(
            "ExportOrganizations of the same organisations",
            export_seconds,
        ),
    );
    system.stop();
    drop(db);
    Ok(())
}

/// `file` (header first) as pieces of at most `limit` bytes, each with the header.
fn split_csv(file: &[u8], limit: usize) -> Vec<Vec<u8>> {
    let Some(header_end) = file.iter().position(|b| *b == b'\n') else {
        return vec![file.to_vec()];
    };
    let header = &file[..=header_end];
    let mut chunks = Vec::new();
    let mut current = header.to_vec();
    for line in file[header_end + 1..].split_inclusive(|b| *b == b'\n') {
        if current.len() + line.len() > limit && current.len() > header.len() {
            chunks.push(std::mem::replace(&mut current, header.to_vec()));
        }
        current.extend_from_slice(line);
    }
    chunks.push(current);
    chunks
}

#[cfg(test)]
mod tests {
    use super::register_size;

    #[test]
    fn a_register_is_named_by_its_size() {
        assert_eq!(register_size(1_000_000), "1M");
        assert_eq!(register_size(100_000), "100k");
        assert_eq!(register_size(1_500), "1500");
        assert_eq!(register_size(42), "42");
    }
}
