//! The system under load runs in a process of its own (`engage-bench load-system`), so that
//! its CPU time and resident memory are the servers' alone and the load generator does not
//! count in them. Beside the system it serves a bare tonic server answering the gRPC health
//! check: the raw gRPC baseline, in the same process and on the same cores.

use std::io::{BufRead as _, Read as _};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use engage_platform::identity::Secret;
use engage_platform::testkit::TestBackend;
use serde::{Deserialize, Serialize};

use crate::stats::resident_kib_of;
use crate::system::{BenchOptions, BenchSystem};

/// The environment variables that hand the keys to the system's process.
const TOKEN_SECRET_VAR: &str = "ENGAGE_BENCH_TOKEN_SECRET";
const INTERNAL_SECRET_VAR: &str = "ENGAGE_BENCH_INTERNAL_SECRET";

/// Where the system keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    /// PostgreSQL (`ENGAGE_TEST_POSTGRES_URL`) with the Redis bus, as production runs.
    Postgres,
    /// The embedded SQLite default of `engage dev`, with the Redis bus.
    Sqlite,
}

impl DatabaseKind {
    pub fn backend(self) -> TestBackend {
        match self {
            DatabaseKind::Postgres => TestBackend::Postgres,
            DatabaseKind::Sqlite => TestBackend::Sqlite,
        }
    }
}

#[derive(Args)]
pub struct SystemArgs {
    #[arg(long, value_enum)]
    database: DatabaseKind,
    /// The contacts service's database (a prepared data set); a fresh one when absent.
    #[arg(long)]
    contacts_url: Option<String>,
}

/// What the system's process tells the load generator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Addresses {
    pub gateway: SocketAddr,
    pub contacts: SocketAddr,
    /// The bare tonic health server.
    pub echo: SocketAddr,
}

/// The system's process: starts everything, prints its addresses as one JSON line, and
/// stops when its standard input closes.
pub async fn serve(args: SystemArgs) -> Result<()> {
    let secret = |var: &str| {
        std::env::var(var)
            .ok()
            .and_then(|text| Secret::from_text(&text))
            .ok_or_else(|| anyhow!("{var} is not set"))
    };
    let system = BenchSystem::start_with(BenchOptions {
        backend: args.database.backend(),
        contacts_url: args.contacts_url,
        token_secret: secret(TOKEN_SECRET_VAR)?,
        internal_secret: secret(INTERNAL_SECRET_VAR)?,
    })
    .await?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let echo = listener.local_addr()?;
    let (_reporter, health) = tonic_health::server::health_reporter();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let echo_server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming_shutdown(engage_platform::server::accepting(listener), async {
                let _ = stopped.await;
            }),
    );
    let addresses = Addresses {
        gateway: system.gateway(),
        contacts: system
            .service("contacts")
            .context("the contacts service's address")?,
        echo,
    };
    println!("{}", serde_json::to_string(&addresses)?);
    // The load generator closes our standard input when it is done (or dies).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    let _ = stop.send(());
    let _ = echo_server.await;
    system.stop().await;
    Ok(())
}

/// The system's process, seen from the load generator.
pub struct SystemProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pub addresses: Addresses,
}

impl SystemProcess {
    /// Starts the system on `database` (its contacts on `contacts_url` when given) and
    /// waits until it listens.
    pub fn start(
        database: DatabaseKind,
        contacts_url: Option<&str>,
        token_secret: &Secret,
        internal_secret: &Secret,
    ) -> Result<Self> {
        let me = std::env::current_exe().context("the benchmark's own path")?;
        let mut command = Command::new(me);
        command
            .arg("load-system")
            .arg("--database")
            .arg(match database {
                DatabaseKind::Postgres => "postgres",
                DatabaseKind::Sqlite => "sqlite",
            })
            .env(TOKEN_SECRET_VAR, token_secret.to_base64())
            .env(INTERNAL_SECRET_VAR, internal_secret.to_base64())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(url) = contacts_url {
            command.arg("--contacts-url").arg(url);
        }
        let mut child = command.spawn().context("starting the system's process")?;
        let stdout = child.stdout.take().context("the system's output")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let addresses: Addresses = serde_json::from_str(line.trim())
            .with_context(|| format!("the system did not start: {line:?}"))?;
        let stdin = child.stdin.take();
        Ok(Self {
            child,
            stdin,
            addresses,
        })
    }

    /// The process's CPU time so far and its resident memory now.
    pub fn sample(&self) -> ProcessSample {
        ProcessSample::of(self.child.id())
    }

    /// Stops the system and waits for its process (at most 20 s, then kills it).
    pub fn stop(mut self) {
        drop(self.stdin.take());
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SystemProcess {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            drop(self.stdin.take());
            let _ = self.child.wait();
        }
    }
}

/// A process's CPU time and memory at one moment, from `/proc`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessSample {
    /// User and system CPU time, in clock ticks (1/100 s on Linux).
    pub cpu_ticks: u64,
    /// Resident memory, KiB.
    pub rss_kib: u64,
    pub at: Option<std::time::Instant>,
}

/// Clock ticks per second of `/proc/*/stat` (USER_HZ, 100 on every Linux we run on).
const TICKS_PER_SECOND: f64 = 100.0;

impl ProcessSample {
    pub fn of(pid: u32) -> Self {
        let cpu_ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                // Fields after the command name, which may hold spaces: state is field 3,
                // utime field 14 and stime field 15.
                let rest = stat.rsplit_once(") ")?.1;
                let fields: Vec<&str> = rest.split_whitespace().collect();
                let utime: u64 = fields.get(11)?.parse().ok()?;
                let stime: u64 = fields.get(12)?.parse().ok()?;
                Some(utime + stime)
            })
            .unwrap_or(0);
        Self {
            cpu_ticks,
            rss_kib: resident_kib_of(pid),
            at: Some(std::time::Instant::now()),
        }
    }

    /// CPU used between `earlier` and this sample, in cores (1.0 is one core busy).
    pub fn cores_since(&self, earlier: &ProcessSample) -> f64 {
        let seconds = match (self.at, earlier.at) {
            (Some(now), Some(then)) => (now - then).as_secs_f64(),
            _ => 0.0,
        };
        if seconds <= 0.0 {
            return 0.0;
        }
        self.cpu_ticks.saturating_sub(earlier.cpu_ticks) as f64 / TICKS_PER_SECOND / seconds
    }
}
