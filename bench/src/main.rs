//! engage's benchmarks. Each scenario starts the system itself on this machine and reports
//! its figures beside a baseline measured in the same run, in Markdown and JSON under
//! `target/bench/`.
//!
//! `engage-bench feeds`: the change feed with 1 (the baseline), 1,000 and 10,000 concurrent
//! subscribers through the gateway: latency from commit to delivery and server memory per
//! idle subscriber.
//!
//! `engage-bench load`: engage under load (point reads and writes, listing and search over a
//! million organisations, CSV import, duplicate detection, progress on initiatives,
//! signatures, registration for a briefing under contention, `engage dev` start), beside raw
//! PostgreSQL (pgbench), raw gRPC and the contacts service called without the gateway.
//!
//! `engage-bench summary`: the time from a verified signature to the WatchSummary snapshot
//! that shows it, beside one GetSummary call.

mod duplicates;
mod feeds;
mod load;
mod stats;
mod summary;
mod system;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "engage-bench", about = "Benchmarks of engage on this machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Change-feed fan-out: commit-to-delivery latency and memory per subscriber.
    Feeds(feeds::FeedsArgs),
    /// Dashboard summary: time from a verified signature to the snapshot showing it.
    Summary(summary::SummaryArgs),
    /// Duplicate detection: precision, recall, F1 and time on a generated set with known duplicates.
    Duplicates(duplicates::DuplicatesArgs),
    /// engage under load beside raw PostgreSQL, raw gRPC and the service without the gateway.
    Load(load::LoadArgs),
    /// The system under load, in a process of its own (started by `load`).
    #[command(hide = true)]
    LoadSystem(load::SystemArgs),
    /// One measured run of the feeds scenario in a process of its own (started by `feeds`).
    #[command(hide = true)]
    FeedsRun(feeds::RunArgs),
    /// The subscribers of one run, in a process of their own (started by `feeds-run`).
    #[command(hide = true)]
    Swarm(feeds::SwarmArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // The servers' warnings and errors (RUST_LOG to see more) go to stderr beside the report.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Feeds(args) => feeds::drive(args).await,
            Command::Summary(args) => summary::run(args).await,
            Command::Duplicates(args) => duplicates::run(args).await,
            Command::Load(args) => load::run(args).await,
            Command::LoadSystem(args) => load::serve_system(args).await,
            Command::FeedsRun(args) => feeds::run(args).await,
            Command::Swarm(args) => feeds::swarm(args).await,
        }
    })
}
