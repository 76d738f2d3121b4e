//! `engage dev` from start to serving: the binary started on a fresh data folder (it
//! migrates five SQLite databases) and again on the same folder, each timed until the
//! gateway answers its health check SERVING; then its idle memory. The baseline is the
//! same binary started and stopped without serving (`engage version`).

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::drive::Measured;
use super::report::Row;
use crate::stats::resident_kib_of;

/// Idle memory allowed, in bytes (150 MB).
const IDLE_RSS_GOAL: f64 = 150e6;

fn free_port() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

async fn serving(address: SocketAddr) -> bool {
    let Ok(endpoint) = tonic::transport::Endpoint::from_shared(format!("http://{address}")) else {
        return false;
    };
    let Ok(channel) = endpoint.connect().await else {
        return false;
    };
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32)
}

/// One start: the time to serving and the idle memory two seconds later.
async fn start(engage: &Path, data_dir: &Path) -> Result<(Duration, u64)> {
    let address = free_port()?;
    let started = Instant::now();
    let mut child = Command::new(engage)
        .arg("dev")
        .arg("--listen")
        .arg(address.to_string())
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", engage.display()))?;
    let outcome = async {
        loop {
            if serving(address).await {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("not serving after 30 s");
            }
            if let Ok(Some(status)) = child.try_wait() {
                bail!("`engage dev` stopped: {status}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    .await;
    let taken = match outcome {
        Ok(taken) => taken,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = resident_kib_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Ok((taken, rss))
}

pub async fn measure(engage: &Path, scratch: &Path) -> Result<Vec<Row>> {
    if !engage.exists() {
        bail!(
            "{} is missing (cargo build --release -p engage)",
            engage.display()
        );
    }
    eprintln!("load: `engage dev`");
    let mut version = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        Command::new(engage)
            .arg("version")
            .stdout(Stdio::null())
            .status()?;
        version.push(started.elapsed());
    }
    version.sort();
    let baseline = version[version.len() / 2].as_secs_f64();
    let data_dir = scratch.join("engage-dev-data");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    let mut rows = Vec::new();
    for what in ["fresh data folder", "same folder again"] {
        let (taken, rss_kib) = start(engage, &data_dir).await?;
        let rss_bytes = rss_kib as f64 * 1024.0;
        let mut row = Row::measured(
            &format!("`engage dev` from start to serving ({what})"),
            "one start, then idle",
            &Measured::once(taken, 0, 0),
        )
        .against_seconds("`engage version` (start and exit)", baseline);
        row.server_rss_mib = Some(rss_kib as f64 / 1024.0);
        row.goal = Some("≤ 1 s, ≤ 150 MB idle".into());
        row.met = Some(taken <= Duration::from_secs(1) && rss_bytes <= IDLE_RSS_GOAL);
        rows.push(row);
    }
    std::fs::remove_dir_all(&data_dir)?;
    Ok(rows)
}
