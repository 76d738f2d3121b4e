//! The dashboard summary benchmark: the time from a signature's verification (the write
//! answered through the gateway) to the WatchSummary snapshot that shows it, beside the
//! time one GetSummary takes in the same run (what assembling a snapshot costs at least).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Args;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{CreateOrganizationRequest, Organization};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::signature::Signer;
use engage_api::declarations::{
    CreateDeclarationRequest, Declaration, DeclarationArea, OpenDeclarationRequest,
    SignDeclarationRequest, Signature, VerifySignatureRequest,
};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::watch_summary_response::Payload;
use engage_api::feeds::{GetSummaryRequest, WatchSummaryRequest};
use engage_api::types::Sector;
use engage_platform::{Caller, Role};
use serde::Serialize;

use crate::stats::{Latency, ms};
use crate::system::{BenchSystem, bearer, channel};

#[derive(Args)]
pub struct SummaryArgs {
    /// Signatures verified, one at a time, each timed.
    #[arg(long, default_value_t = 30)]
    changes: usize,
    /// Where the report goes.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

#[derive(Serialize)]
struct SummaryReport {
    changes: usize,
    /// Verification answered → snapshot showing it arrived.
    change_to_snapshot_us: Latency,
    /// One GetSummary call through the gateway: the baseline.
    get_summary_us: Latency,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

pub async fn run(args: SummaryArgs) -> Result<()> {
    let system = BenchSystem::start().await?;
    let gateway = channel(system.gateway()).await?;
    let officer = system.token(&Caller::new("bench-officer", &[Role::CsuOfficer]))?;
    let dashboard = system.token(&Caller::new("bench-wallboard", &[Role::Dashboard]))?;
    let mut contacts = ContactsServiceClient::with_interceptor(gateway.clone(), bearer(&officer)?);
    let mut declarations =
        DeclarationsServiceClient::with_interceptor(gateway.clone(), bearer(&officer)?);
    let mut feeds = FeedsServiceClient::with_interceptor(gateway.clone(), bearer(&dashboard)?);

    let declaration = declarations
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(Declaration {
                title: "Benchmark declaration".into(),
                text: "We support the convention.".into(),
                language_code: "en".into(),
                areas: vec![DeclarationArea {
                    id: "prevention".into(),
                    title: "Prevention".into(),
                    ..Default::default()
                }],
                ..Declaration::default()
            }),
            request_id: String::new(),
        })
        .await?
        .into_inner()
        .declaration
        .context("a declaration")?;
    let declaration = declarations
        .open_declaration(OpenDeclarationRequest {
            name: declaration.name,
            etag: declaration.etag,
            request_id: String::new(),
        })
        .await?
        .into_inner()
        .declaration
        .context("an open declaration")?;
    let mut pending: Vec<Signature> = Vec::with_capacity(args.changes);
    for n in 0..args.changes {
        let organization = contacts
            .create_organization(CreateOrganizationRequest {
                organization: Some(Organization {
                    display_name: format!("Signatory Network {n}"),
                    sector: Sector::Ngo as i32,
                    country_code: "KE".into(),
                    ..Organization::default()
                }),
                ..Default::default()
            })
            .await?
            .into_inner()
            .organization
            .context("an organisation")?;
        pending.push(
            declarations
                .sign_declaration(SignDeclarationRequest {
                    parent: declaration.name.clone(),
                    signature: Some(Signature {
                        signer: Some(Signer::Organization(organization.name)),
                        ..Signature::default()
                    }),
                    request_id: String::new(),
                })
                .await?
                .into_inner()
                .signature
                .context("a signature")?,
        );
    }

    let mut baseline = Vec::with_capacity(args.changes);
    for _ in 0..args.changes {
        let started = Instant::now();
        feeds
            .get_summary(GetSummaryRequest { options: None })
            .await?;
        baseline.push(micros(started.elapsed()));
    }

    let mut stream = feeds
        .watch_summary(WatchSummaryRequest::default())
        .await?
        .into_inner();
    stream.message().await?.context("a first snapshot")?;
    let mut latencies = Vec::with_capacity(args.changes);
    for (n, signature) in pending.into_iter().enumerate() {
        // Past the stream's coalescing interval, so each change is timed on its own.
        tokio::time::sleep(Duration::from_millis(700)).await;
        declarations
            .verify_signature(VerifySignatureRequest {
                name: signature.name,
                etag: signature.etag,
                ..Default::default()
            })
            .await?;
        let started = Instant::now();
        let wanted = i32::try_from(n + 1)?;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), stream.message())
                .await
                .context("no snapshot within 30 s")??
                .ok_or_else(|| anyhow!("the stream ended"))?;
            let verified = match message.payload {
                Some(Payload::Summary(summary)) => summary
                    .declarations
                    .first()
                    .and_then(|d| d.totals)
                    .map_or(0, |t| t.verified),
                _ => continue,
            };
            if verified >= wanted {
                latencies.push(micros(started.elapsed()));
                break;
            }
        }
    }
    system.stop().await;

    let report = SummaryReport {
        changes: args.changes,
        change_to_snapshot_us: Latency::of(latencies),
        get_summary_us: Latency::of(baseline),
    };
    let row = |what: &str, l: &Latency| {
        format!(
            "| {what} | {} | {} | {} | {} | {} |\n",
            l.count,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max)
        )
    };
    let markdown = format!(
        "# Dashboard summary\n\nOn PostgreSQL with the Redis bus, through the gateway, one \
         WatchSummary stream with the default 500 ms interval. Each signature is verified \
         700 ms after the previous snapshot and timed from the verification's answer to the \
         first snapshot that counts it. The baseline is one GetSummary call.\n\n\
         | measure | samples | p50 ms | p90 ms | p99 ms | max ms |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n{}{}",
        row("verification → snapshot", &report.change_to_snapshot_us),
        row("GetSummary (baseline)", &report.get_summary_us),
    );
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("summary.md"), &markdown)?;
    std::fs::write(
        args.out.join("summary.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("{markdown}");
    Ok(())
}
