//! Configuration shared by every server: flags, each with an `ENGAGE_*` environment variable.
//! Secrets are read only from the environment or from files, never from flags (which other
//! users of the machine can see), and never logged.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::identity::{InternalKey, Secret};
use crate::storage::DatabaseOptions;

/// What a configuration problem is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required secret is missing.
    #[error("{0} is not set: give it in the environment or name a file with {1}")]
    MissingSecret(&'static str, &'static str),
    /// A secret file could not be read.
    #[error("cannot read {0}: {1}")]
    SecretFile(PathBuf, std::io::Error),
}

/// Where one service listens and what database it uses.
#[derive(clap::Args, Debug, Clone)]
pub struct ServiceArgs {
    /// Address the gRPC server listens on. Default: 127.0.0.1 and the service's own port
    /// (contacts 50051, initiatives 50052, declarations 50053, briefings 50054, feeds 50055).
    #[arg(long, env = "ENGAGE_LISTEN")]
    pub listen: Option<SocketAddr>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub internal_key: InternalKeyArgs,

    #[command(flatten)]
    pub peers: PeerArgs,

    #[command(flatten)]
    pub events: EventArgs,
}

/// Where the service's events go.
#[derive(clap::Args, Debug, Clone)]
pub struct EventArgs {
    /// Redis for the event bus (Streams) that the feeds read, such as
    /// `redis://127.0.0.1:6379`. Without it, events stay in this process.
    #[arg(long = "events-redis-url", env = "ENGAGE_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Hours events stay on the bus and in the outbox (a feed can resume within them).
    #[arg(long, env = "ENGAGE_EVENT_RETENTION_HOURS", default_value_t = 168)]
    pub event_retention_hours: u64,
    /// Seconds events stay on the bus and in the outbox, instead of the hours: for tests of
    /// the retention, which cannot wait an hour. Old events are then pruned every tenth of it.
    #[arg(long, env = "ENGAGE_EVENT_RETENTION_SECONDS", hide = true)]
    pub event_retention_seconds: Option<u64>,
    /// Development: without `ENGAGE_REDIS_URL`, keep events in this process instead of
    /// refusing to start.
    #[arg(
        long = "events-development",
        env = "ENGAGE_DEVELOPMENT",
        default_value_t = false
    )]
    pub development: bool,
}

/// Why a service will not start without a bus.
pub const NO_BUS: &str = "ENGAGE_REDIS_URL is not set: without the event bus the feeds never \
see this service's changes. Set ENGAGE_REDIS_URL to the Redis the feeds read (or \
ENGAGE_DEVELOPMENT=true to keep events in this process, for development only)";

impl EventArgs {
    /// The bus: Redis when configured; otherwise, in development only, in this process. A
    /// service run on its own for production without a bus would commit changes that no feed
    /// ever sees, so it refuses to start ([`NO_BUS`]).
    pub fn bus(&self) -> Result<crate::bus::EventBus, crate::bus::BusError> {
        match &self.redis_url {
            Some(url) => crate::bus::EventBus::redis(url),
            None if !self.development => Err(crate::bus::BusError::NotConfigured(NO_BUS)),
            None => {
                tracing::warn!(
                    "no ENGAGE_REDIS_URL: events stay in this process, invisible to feeds elsewhere"
                );
                Ok(crate::bus::EventBus::memory())
            }
        }
    }

    /// The relay's settings.
    pub fn relay_settings(&self) -> crate::relay::RelaySettings {
        let defaults = crate::relay::RelaySettings::default();
        match self.event_retention_seconds {
            Some(seconds) => {
                let retention = Duration::from_secs(seconds.max(1));
                crate::relay::RelaySettings {
                    retention,
                    prune_interval: defaults.prune_interval.min(retention / 10),
                    ..defaults
                }
            }
            None => crate::relay::RelaySettings {
                retention: Duration::from_secs(self.event_retention_hours.max(1) * 3600),
                ..defaults
            },
        }
    }
}

/// Where the other services listen, for the calls a service makes to them (for example
/// initiatives asking contacts about partner organisations). The same variables tell the
/// gateway where to forward.
#[derive(clap::Args, Debug, Clone)]
pub struct PeerArgs {
    /// Where the contacts service listens.
    #[arg(
        long,
        env = "ENGAGE_CONTACTS_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub contacts_url: String,
    /// Where the initiatives service listens.
    #[arg(
        long,
        env = "ENGAGE_INITIATIVES_URL",
        default_value = "http://127.0.0.1:50052"
    )]
    pub initiatives_url: String,
    /// Where the declarations service listens.
    #[arg(
        long,
        env = "ENGAGE_DECLARATIONS_URL",
        default_value = "http://127.0.0.1:50053"
    )]
    pub declarations_url: String,
    /// Where the briefings service listens.
    #[arg(
        long,
        env = "ENGAGE_BRIEFINGS_URL",
        default_value = "http://127.0.0.1:50054"
    )]
    pub briefings_url: String,
    /// Where the feeds service listens.
    #[arg(
        long,
        env = "ENGAGE_FEEDS_URL",
        default_value = "http://127.0.0.1:50055"
    )]
    pub feeds_url: String,
}

impl PeerArgs {
    /// Each service's short name with its URL.
    pub fn urls(&self) -> [(&'static str, &str); 5] {
        [
            ("contacts", &self.contacts_url),
            ("initiatives", &self.initiatives_url),
            ("declarations", &self.declarations_url),
            ("briefings", &self.briefings_url),
            ("feeds", &self.feeds_url),
        ]
    }
}

impl ServiceArgs {
    /// The configured address, or loopback on `default_port`.
    pub fn listen_or(&self, default_port: u16) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }
}

/// Which database to use.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// `postgres://user@host/db`, `sqlite://path/to/file.db` or a file path. Default:
    /// `sqlite://data/<service>.db`.
    #[arg(long, env = "ENGAGE_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Database connections kept open at most.
    #[arg(long, env = "ENGAGE_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: usize,

    /// Seconds a request waits for a free database connection before UNAVAILABLE.
    #[arg(
        long,
        env = "ENGAGE_DATABASE_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 5
    )]
    pub database_acquire_timeout_secs: u64,
}

impl DatabaseArgs {
    /// The options for `service`, defaulting to its SQLite file under `data/`.
    pub fn options(&self, service: &str) -> DatabaseOptions {
        DatabaseOptions {
            url: self
                .database_url
                .clone()
                .unwrap_or_else(|| format!("sqlite://data/{service}.db")),
            max_connections: self.database_max_connections.max(1),
            acquire_timeout: Duration::from_secs(self.database_acquire_timeout_secs.max(1)),
        }
    }
}

/// The internal key shared by the gateway and the services.
#[derive(clap::Args, Debug, Clone)]
pub struct InternalKeyArgs {
    /// A file holding the internal key (base64). Otherwise `ENGAGE_INTERNAL_KEY` is read
    /// from the environment.
    #[arg(long, env = "ENGAGE_INTERNAL_KEY_FILE")]
    pub internal_key_file: Option<PathBuf>,
}

impl InternalKeyArgs {
    /// Loads the key from the file or the environment.
    pub fn load(&self) -> Result<InternalKey, ConfigError> {
        read_secret(
            self.internal_key_file.as_ref(),
            "ENGAGE_INTERNAL_KEY",
            "--internal-key-file",
        )
        .map(|s| InternalKey::new(&s))
    }
}

/// Reads a secret from `file` if given, else from the environment variable `env`.
pub fn read_secret(
    file: Option<&PathBuf>,
    env: &'static str,
    file_flag: &'static str,
) -> Result<Secret, ConfigError> {
    let text = match file {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| ConfigError::SecretFile(path.clone(), e))?
        }
        None => std::env::var(env).unwrap_or_default(),
    };
    Secret::from_text(&text).ok_or(ConfigError::MissingSecret(env, file_flag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        events: EventArgs,
    }

    #[test]
    fn without_redis_only_development_keeps_events_in_process() {
        let production = Args::parse_from(["engage"]).events;
        let refused = production.bus().err().map(|e| e.to_string());
        assert_eq!(refused.as_deref(), Some(NO_BUS));
        let development = Args::parse_from(["engage", "--events-development"]).events;
        assert!(development.bus().is_ok());
    }
}
