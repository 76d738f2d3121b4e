//! The change-feed benchmark.
//!
//! The driver runs each subscriber count in a fresh process (`feeds-run`), so that memory is
//! measured from a clean start. A run starts the whole system on PostgreSQL with the Redis
//! bus, as production runs it, and starts its subscribers in a third process (`swarm`), so
//! that the run's resident memory is the servers' alone. Once every subscriber has its first
//! heartbeat, the run measures its memory again, then creates organisations through the
//! gateway at a steady pace; each subscriber notes, for every change, the time from its commit
//! (`ChangeEvent.commit_time`) to its arrival. One subscriber is the baseline.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::subscribe_response::Payload;
use engage_api::feeds::{SubscribeRequest, Topic};
use engage_api::types::Sector;
use engage_platform::{Caller, Role};
use serde::{Deserialize, Serialize};
use std::io::BufRead as _;

use engage_platform::resource::{micros, now_micros};

use crate::stats::{Latency, ms, resident_kib};
use crate::system::{BenchSystem, bearer, channel};

/// Subscriptions carried by one client connection (HTTP/2 streams).
const STREAMS_PER_CONNECTION: usize = 100;

#[derive(Args)]
pub struct FeedsArgs {
    /// Subscriber counts to measure; the first is the baseline.
    #[arg(long, value_delimiter = ',', default_value = "1,1000,10000")]
    subscribers: Vec<usize>,
    /// Organisations created (changes delivered to every subscriber) per run.
    #[arg(long, default_value_t = 40)]
    events: usize,
    /// Pause between two writes, in milliseconds.
    #[arg(long, default_value_t = 200)]
    pace_ms: u64,
    /// Where the report goes.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

#[derive(Args)]
pub struct RunArgs {
    #[arg(long)]
    subscribers: usize,
    #[arg(long)]
    events: usize,
    #[arg(long)]
    pace_ms: u64,
}

#[derive(Args)]
pub struct SwarmArgs {
    #[arg(long)]
    gateway: SocketAddr,
    #[arg(long)]
    token: String,
    #[arg(long)]
    subscribers: usize,
    #[arg(long)]
    events: usize,
}

/// What one run measured.
#[derive(Debug, Serialize, Deserialize)]
struct RunReport {
    subscribers: usize,
    /// Subscribers that got their first heartbeat.
    subscribed: usize,
    events: usize,
    /// Deliveries expected (subscribers × events) and made.
    expected_deliveries: usize,
    latency_us: Latency,
    /// Resident memory of the servers before and after the subscribers connected, KiB.
    idle_rss_kib: u64,
    subscribed_rss_kib: u64,
    /// Seconds from the first subscription to the last first heartbeat.
    subscribe_seconds: f64,
}

impl RunReport {
    fn bytes_per_subscriber(&self) -> f64 {
        if self.subscribers == 0 {
            return 0.0;
        }
        (self.subscribed_rss_kib.saturating_sub(self.idle_rss_kib) as f64 * 1024.0)
            / self.subscribers as f64
    }
}

/// Runs every subscriber count in its own process and writes the report.
pub async fn drive(args: FeedsArgs) -> Result<()> {
    let me = std::env::current_exe().context("the benchmark's own path")?;
    let mut runs = Vec::new();
    for &subscribers in &args.subscribers {
        eprintln!("feeds: {subscribers} subscriber(s)…");
        let output = std::process::Command::new(&me)
            .args([
                "feeds-run",
                "--subscribers",
                &subscribers.to_string(),
                "--events",
                &args.events.to_string(),
                "--pace-ms",
                &args.pace_ms.to_string(),
            ])
            .stderr(Stdio::inherit())
            .output()
            .context("starting a run")?;
        if !output.status.success() {
            bail!("the run with {subscribers} subscribers failed");
        }
        let line = String::from_utf8_lossy(&output.stdout);
        let report: RunReport = serde_json::from_str(
            line.lines()
                .rev()
                .find(|l| l.starts_with('{'))
                .ok_or_else(|| anyhow!("the run printed no report"))?,
        )?;
        runs.push(report);
    }
    let markdown = markdown(&args, &runs);
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("feeds.md"), &markdown)?;
    std::fs::write(
        args.out.join("feeds.json"),
        serde_json::to_string_pretty(&runs)?,
    )?;
    println!("{markdown}");
    Ok(())
}

fn markdown(args: &FeedsArgs, runs: &[RunReport]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Change feed fan-out\n\n{} organisations created through the gateway, one every {} ms, \
         on PostgreSQL with the Redis bus; subscribers through the gateway, {} per connection. \
         Latency is from the change's commit to its arrival at the subscriber. Memory is the \
         servers' resident memory after the subscribers connected, less before, per \
         subscriber. The first row is the baseline.\n\n",
        args.events, args.pace_ms, STREAMS_PER_CONNECTION
    ));
    out.push_str(
        "| subscribers | subscribed | deliveries | p50 ms | p90 ms | p99 ms | max ms | p50 / baseline | p99 / baseline | KiB per idle subscriber | subscribe time s |\n",
    );
    out.push_str(
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let base = runs.first().map(|r| r.latency_us).unwrap_or_default();
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            "–".to_owned()
        } else {
            format!("{:.1}", a as f64 / b as f64)
        }
    };
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {} of {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} |\n",
            r.subscribers,
            r.subscribed,
            r.latency_us.count,
            r.expected_deliveries,
            ms(r.latency_us.p50),
            ms(r.latency_us.p90),
            ms(r.latency_us.p99),
            ms(r.latency_us.max),
            ratio(r.latency_us.p50, base.p50),
            ratio(r.latency_us.p99, base.p99),
            r.bytes_per_subscriber() / 1024.0,
            r.subscribe_seconds,
        ));
    }
    out
}

/// One run: the system, its subscribers in another process, the writes.
pub async fn run(args: RunArgs) -> Result<()> {
    let system = BenchSystem::start().await?;
    let gateway = system.gateway();
    let officer = system.token(&Caller::new("bench-officer", &[Role::CsuOfficer]))?;
    let dashboard = system.token(&Caller::new("bench-wallboard", &[Role::Dashboard]))?;

    // Warm the write path and the relay before measuring anything.
    let mut contacts =
        ContactsServiceClient::with_interceptor(channel(gateway).await?, bearer(&officer)?);
    for n in 0..5 {
        create(&mut contacts, n).await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_kib = resident_kib();

    let mut swarm = std::process::Command::new(std::env::current_exe()?)
        .args([
            "swarm",
            "--gateway",
            &gateway.to_string(),
            "--token",
            &dashboard,
            "--subscribers",
            &args.subscribers.to_string(),
            "--events",
            &args.events.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the subscribers")?;
    let stdout = swarm.stdout.take().ok_or_else(|| anyhow!("no pipe"))?;
    // The swarm's report lines, read on a thread of their own.
    let (line_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready: SwarmReady = match lines.recv().await {
        Some(line) => serde_json::from_str(&line)?,
        None => bail!("the subscribers ended before they were ready"),
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let subscribed_rss_kib = resident_kib();

    for n in 0..args.events {
        create(&mut contacts, 1000 + n).await?;
        tokio::time::sleep(Duration::from_millis(args.pace_ms)).await;
    }
    let done = tokio::time::timeout(Duration::from_secs(300), lines.recv()).await;
    let done: SwarmDone = match done {
        Ok(Some(line)) => serde_json::from_str(&line)?,
        Ok(None) => bail!("the subscribers ended without a result"),
        Err(_) => {
            let _ = swarm.kill();
            bail!("the subscribers did not finish in 5 minutes")
        }
    };
    let _ = swarm.wait();
    let report = RunReport {
        subscribers: args.subscribers,
        subscribed: ready.subscribed,
        events: args.events,
        expected_deliveries: args.subscribers * args.events,
        latency_us: done.latency_us,
        idle_rss_kib,
        subscribed_rss_kib,
        subscribe_seconds: ready.seconds,
    };
    system.stop().await;
    let mut out = std::io::stdout();
    writeln!(out, "{}", serde_json::to_string(&report)?)?;
    Ok(())
}

async fn create<T>(contacts: &mut ContactsServiceClient<T>, n: usize) -> Result<()>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    contacts
        .create_organization(CreateOrganizationRequest {
            organization: Some(Organization {
                display_name: format!("Benchmark Network {n}"),
                sector: Sector::Ngo as i32,
                country_code: "KE".into(),
                ..Organization::default()
            }),
            ..Default::default()
        })
        .await
        .map_err(|s| anyhow!("creating an organisation: {s}"))?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct SwarmReady {
    subscribed: usize,
    seconds: f64,
}

#[derive(Serialize, Deserialize)]
struct SwarmDone {
    latency_us: Latency,
}

/// The subscribers: connect them all, say so, then gather the latencies of `events`
/// changes each and print their percentiles.
pub async fn swarm(args: SwarmArgs) -> Result<()> {
    let connections = args.subscribers.div_ceil(STREAMS_PER_CONNECTION).max(1);
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        channels.push(channel(args.gateway).await?);
    }
    let started = Instant::now();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(args.subscribers.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.subscribers {
        let mut client = FeedsServiceClient::with_interceptor(
            channels[i % connections].clone(),
            bearer(&args.token)?,
        );
        let ready_tx = ready_tx.clone();
        let events = args.events;
        tasks.spawn(async move {
            let request = SubscribeRequest {
                topics: vec![Topic {
                    service: "contacts".into(),
                    resource_type: "Organization".into(),
                }],
                ..Default::default()
            };
            let mut stream = match client.subscribe(request).await {
                Ok(response) => response.into_inner(),
                Err(status) => {
                    eprintln!("subscriber {i}: {} {}", status.code(), status.message());
                    let _ = ready_tx.send(false).await;
                    return Vec::new();
                }
            };
            // The first message is a heartbeat: the subscription is live.
            let first = stream.message().await;
            if let Err(status) = &first {
                eprintln!("subscriber {i}: {} {}", status.code(), status.message());
            }
            let live = matches!(first, Ok(Some(_)));
            let _ = ready_tx.send(live).await;
            drop(ready_tx);
            let mut latencies = Vec::with_capacity(events);
            while live && latencies.len() < events {
                let message =
                    match tokio::time::timeout(Duration::from_secs(120), stream.message()).await {
                        Ok(Ok(Some(message))) => message,
                        Ok(Err(status)) => {
                            eprintln!(
                                "subscriber {i} cut off: {} {}",
                                status.code(),
                                status.message()
                            );
                            break;
                        }
                        _ => break,
                    };
                if let Some(Payload::Change(change)) = message.payload {
                    let commit = change.commit_time.as_ref().map_or(0, micros);
                    latencies.push(u64::try_from(now_micros() - commit).unwrap_or(0));
                }
            }
            latencies
        });
    }
    drop(ready_tx);
    let mut subscribed = 0;
    for _ in 0..args.subscribers {
        match ready_rx.recv().await {
            Some(live) => subscribed += usize::from(live),
            None => break,
        }
    }
    let ready = SwarmReady {
        subscribed,
        seconds: started.elapsed().as_secs_f64(),
    };
    println!("{}", serde_json::to_string(&ready)?);
    let mut all = Vec::with_capacity(args.subscribers * args.events);
    while let Some(latencies) = tasks.join_next().await {
        all.extend(latencies?);
    }
    let done = SwarmDone {
        latency_us: Latency::of(all),
    };
    println!("{}", serde_json::to_string(&done)?);
    Ok(())
}
