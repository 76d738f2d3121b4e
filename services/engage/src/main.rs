//! `engage`: run the whole system on one machine, run one service, migrate databases.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use engage::system::{RunningSystem, SystemConfig};
use engage_briefings::Briefings;
use engage_contacts::Contacts;
use engage_declarations::Declarations;
use engage_feeds::Feeds;
use engage_gateway::{
    ConsoleConfig, GatewayArgs, IdentityArgs, RateLimitArgs, SignInArgs, mint_development_token,
};
use engage_initiatives::Initiatives;
use engage_platform::config::{DatabaseArgs, ServiceArgs};
use engage_platform::identity::{InternalKey, Secret};
use engage_platform::server::{EngageService, migrate_service, run, shutdown_signal};
use engage_platform::telemetry::{self, LogFormat};
use engage_platform::{Caller, Role};

#[derive(Parser)]
#[command(
    name = "engage",
    version,
    about = "The civil society engagement system"
)]
struct Cli {
    #[command(flatten)]
    connection: engage::cli::ConnectionArgs,
    #[command(flatten)]
    output: engage::cli::OutputArgs,

    /// How log lines are written.
    #[arg(long, global = true, env = "ENGAGE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service and the gateway on this machine, with SQLite files under a data
    /// folder. Prints the gateway and web console address and a development token. The
    /// gateway accepts development tokens and, when a JWKS is configured, the identity
    /// provider's tokens as well.
    Dev {
        /// Address of the gateway.
        #[arg(long, env = "ENGAGE_DEV_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder of the SQLite files, created when missing.
        #[arg(long, env = "ENGAGE_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// Fill the system with the demo data set of this seed number once it runs (best
        /// on an empty data folder; see `engage seed --help`).
        #[arg(long)]
        seed: Option<u64>,
        /// The demo data set's size relative to the full demo, with --seed.
        #[arg(long, default_value_t = 1.0, requires = "seed")]
        scale: f64,
        #[command(flatten)]
        identity: IdentityArgs,
        #[command(flatten)]
        rate_limits: RateLimitArgs,
        #[command(flatten)]
        sign_in: SignInArgs,
    },
    /// Run one service (as containers do).
    Serve {
        #[command(subcommand)]
        service: ServeTarget,
    },
    /// Apply a service's database migrations and exit.
    Migrate {
        /// The service whose database to migrate.
        #[arg(value_enum)]
        service: ServiceName,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Mint a development token (for `engage dev`, or a gateway run with
    /// ENGAGE_DEVELOPMENT and the same development key). Prints the token alone.
    Token {
        /// The token's subject.
        #[arg(long, default_value = "dev-user")]
        subject: String,
        /// A display name.
        #[arg(long, default_value = "")]
        name: String,
        /// A role to grant; repeat for several.
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleName>,
        /// For coordinators: an initiative they coordinate (`initiatives/{id}`); repeat for several.
        #[arg(long = "initiative")]
        initiatives: Vec<String>,
        /// How long the token is valid, in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
        /// The development key file; default: the one `engage dev` keeps in its data folder.
        #[arg(long, env = "ENGAGE_DEV_JWT_KEY_FILE")]
        dev_jwt_key_file: Option<PathBuf>,
        /// The data folder of `engage dev`, where its development key is kept.
        #[arg(long, env = "ENGAGE_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
    /// Ask a server for its gRPC health (for container health checks): exits 0 when it
    /// answers SERVING, 1 otherwise.
    Health {
        /// The server's address, host:port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        address: String,
        /// The service to ask about; empty for the server as a whole.
        #[arg(long, default_value = "")]
        service: String,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout_secs: u64,
    },
    /// Print the version.
    Version,
    /// Print a shell completion script, for example
    /// `engage completions bash > /etc/bash_completion.d/engage`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    #[command(flatten)]
    Client(engage::cli::ClientCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleName {
    Admin,
    CsuOfficer,
    Coordinator,
    Dashboard,
    Viewer,
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Self {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::CsuOfficer => Role::CsuOfficer,
            RoleName::Coordinator => Role::Coordinator,
            RoleName::Dashboard => Role::Dashboard,
            RoleName::Viewer => Role::Viewer,
        }
    }
}

#[derive(Subcommand)]
enum ServeTarget {
    /// The contacts service.
    Contacts(ServiceArgs),
    /// The initiatives service.
    Initiatives(ServiceArgs),
    /// The declarations service.
    Declarations(ServiceArgs),
    /// The briefings service.
    Briefings(ServiceArgs),
    /// The feeds service.
    Feeds(ServiceArgs),
    /// The gateway.
    Gateway(Box<GatewayArgs>),
}

impl ServeTarget {
    fn name(&self) -> &'static str {
        match self {
            ServeTarget::Contacts(_) => Contacts::NAME,
            ServeTarget::Initiatives(_) => Initiatives::NAME,
            ServeTarget::Declarations(_) => Declarations::NAME,
            ServeTarget::Briefings(_) => Briefings::NAME,
            ServeTarget::Feeds(_) => Feeds::NAME,
            ServeTarget::Gateway(_) => "gateway",
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ServiceName {
    Contacts,
    Initiatives,
    Declarations,
    Briefings,
    Feeds,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The operator's commands write their results and messages only, no log lines.
    if let Command::Client(command) = cli.command {
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        let code =
            engage::cli::run(command, &cli.connection, &cli.output, &mut out, &mut err).await;
        std::process::exit(code);
    }
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        // Written whole, so that a closed pipe (`| head`) ends the command quietly.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "engage", &mut script);
        let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
        return Ok(());
    }
    let process = match &cli.command {
        Command::Serve { service } => format!("engage-{}", service.name()),
        _ => "engage".to_owned(),
    };
    let telemetry = telemetry::init(&process, cli.log_format)?;
    let outcome = run_command(cli.command).await;
    telemetry.shutdown();
    outcome
}

async fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dev {
            listen,
            data_dir,
            seed,
            scale,
            identity,
            rate_limits,
            sign_in,
        } => {
            let trust = DevTrust {
                identity,
                rate_limits,
                sign_in,
            };
            dev(listen, data_dir, seed.map(|seed| (seed, scale)), trust).await
        }
        Command::Serve { service } => serve(service).await,
        Command::Migrate { service, database } => {
            let applied = match service {
                ServiceName::Contacts => migrate::<Contacts>(&database).await,
                ServiceName::Initiatives => migrate::<Initiatives>(&database).await,
                ServiceName::Declarations => migrate::<Declarations>(&database).await,
                ServiceName::Briefings => migrate::<Briefings>(&database).await,
                ServiceName::Feeds => migrate::<Feeds>(&database).await,
            }?;
            if applied.is_empty() {
                println!("up to date");
            } else {
                println!("applied {}", applied.join(", "));
            }
            Ok(())
        }
        Command::Token {
            subject,
            name,
            roles,
            initiatives,
            hours,
            dev_jwt_key_file,
            data_dir,
        } => {
            let key_file = dev_jwt_key_file.unwrap_or_else(|| data_dir.join(DEV_KEY_FILE));
            let secret = engage_platform::config::read_secret(
                Some(&key_file),
                "ENGAGE_DEV_JWT_KEY",
                "--dev-jwt-key-file",
            )
            .with_context(|| {
                format!(
                    "reading the development key {} (run `engage dev` once to create it)",
                    key_file.display()
                )
            })?;
            let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
            let mut caller = Caller::new(subject, &roles);
            caller.display_name = name;
            caller.initiatives = initiatives;
            println!(
                "{}",
                mint_development_token(&secret, &caller, Duration::from_secs(hours * 3600))?
            );
            Ok(())
        }
        Command::Health {
            address,
            service,
            timeout_secs,
        } => {
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
                .context("the address")?
                .connect_timeout(Duration::from_secs(timeout_secs))
                .timeout(Duration::from_secs(timeout_secs))
                .connect_lazy();
            let answer = tonic_health::pb::health_client::HealthClient::new(channel)
                .check(tonic_health::pb::HealthCheckRequest { service })
                .await;
            match answer.map(|r| r.into_inner().status()) {
                Ok(tonic_health::pb::health_check_response::ServingStatus::Serving) => {
                    println!("SERVING");
                    Ok(())
                }
                Ok(status) => {
                    println!("{}", status.as_str_name());
                    std::process::exit(1)
                }
                Err(status) => {
                    println!("{}: {}", status.code(), status.message());
                    std::process::exit(1)
                }
            }
        }
        Command::Version => {
            println!("engage {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        // Handled before logging starts.
        Command::Completions { .. } | Command::Client(_) => Ok(()),
    }
}

async fn migrate<S: EngageService>(database: &DatabaseArgs) -> anyhow::Result<Vec<String>> {
    let options = database.options(S::NAME);
    migrate_service::<S>(&options.url)
        .await
        .with_context(|| format!("migrating {}", S::NAME))
}

async fn serve(target: ServeTarget) -> anyhow::Result<()> {
    let done = match target {
        ServeTarget::Contacts(args) => run::<Contacts>(&args, shutdown_signal()).await,
        ServeTarget::Initiatives(args) => run::<Initiatives>(&args, shutdown_signal()).await,
        ServeTarget::Declarations(args) => run::<Declarations>(&args, shutdown_signal()).await,
        ServeTarget::Briefings(args) => run::<Briefings>(&args, shutdown_signal()).await,
        ServeTarget::Feeds(args) => run::<Feeds>(&args, shutdown_signal()).await,
        ServeTarget::Gateway(args) => {
            let mut config = args.load().await.context("configuring the gateway")?;
            config.console.assets = engage::console::assets();
            let address = args.listen();
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("listening on {address}"))?;
            tracing::info!(%address, "gateway serving");
            return engage_gateway::serve(config, listener, shutdown_signal())
                .await
                .context("gateway");
        }
    };
    done.context("serving")
}

/// The development token key's file in the data folder. Development only.
const DEV_KEY_FILE: &str = "dev-jwt.key";

/// Reads the development token key, creating it (readable by its owner only) on first use.
fn development_key(path: &std::path::Path) -> anyhow::Result<Secret> {
    if let Ok(text) = std::fs::read_to_string(path)
        && let Some(secret) = Secret::from_text(&text)
    {
        return Ok(secret);
    }
    let secret = Secret::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, secret.to_base64().as_bytes())?;
    Ok(secret)
}

/// How long a development token printed by `engage dev` stays valid.
const DEV_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// Parallel lanes of `engage dev --seed`: each calls as its own subject, so that the
/// gateway's per-caller write limit does not make seeding take minutes.
const SEED_LANES: usize = 8;

/// Whom `engage dev` trusts besides its development tokens, how it limits callers, and how
/// its console signs people in.
struct DevTrust {
    identity: IdentityArgs,
    rate_limits: RateLimitArgs,
    sign_in: SignInArgs,
}

async fn dev(
    listen: SocketAddr,
    data_dir: PathBuf,
    seed: Option<(u64, f64)>,
    trust: DevTrust,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    // The internal key lives only in this process. The development token key is kept in the
    // data folder (owner-only) so that `engage token` can mint tokens for this system.
    let internal_secret = Secret::generate();
    let token_secret = development_key(&data_dir.join(DEV_KEY_FILE))?;
    let sign_in = trust
        .sign_in
        .settings()
        .context("the console's sign-in settings")?;
    let keys = trust
        .identity
        .keys()
        .await
        .context("the identity provider's keys")?;
    let trusts_provider = keys.is_some();
    let console = engage::console::assets();
    let has_console = console.is_some();
    let folder = data_dir.clone();
    let config = SystemConfig {
        database_url: Box::new(move |service| {
            format!(
                "sqlite://{}",
                folder.join(format!("{service}.db")).display()
            )
        }),
        gateway_listen: listen,
        internal_key: InternalKey::new(&internal_secret),
        // Development tokens always; the identity provider's too when a JWKS is configured.
        authenticator: engage_gateway::Authenticator::new(
            trust.identity.settings(),
            keys,
            Some(&token_secret),
        ),
        limiter: engage_gateway::RateLimiter::in_memory(trust.rate_limits.rate_limits()),
        // Any local page may call the development system with gRPC-Web.
        cors_origins: vec!["*".to_owned()],
        // One process: the services' events travel in memory, restored from the outboxes
        // at start.
        bus: engage_platform::bus::EventBus::memory(),
        console: ConsoleConfig {
            assets: console,
            sign_in: sign_in.clone(),
            // Development sign-in: the console mints tokens with the development key.
            development_key: Some(token_secret.clone()),
        },
    };
    let mut system = RunningSystem::start(config)
        .await
        .context("starting engage")?;

    let mut admin = Caller::new("dev-admin", &[Role::Admin]);
    admin.display_name = "Development administrator".into();
    let token = mint_development_token(&token_secret, &admin, DEV_TOKEN_TTL)?;

    println!(
        "engage is running on this machine (SQLite files in {}/)",
        data_dir.display()
    );
    println!();
    if has_console {
        println!("  Console: http://{}/", system.gateway);
    } else {
        println!("  Console: not in this build (built without the `console` feature)");
    }
    println!();
    println!("  gateway       http://{}", system.gateway);
    for (name, address) in &system.services {
        println!("  {name:<13} http://{address}  (internal)");
    }
    println!();
    if trusts_provider {
        println!(
            "Tokens of {} are accepted as well as development tokens.",
            trust.identity.jwt_issuers.join(", ")
        );
    }
    if !sign_in.oidc_issuer.is_empty() {
        println!(
            "The console signs people in at {} (client {}), or with development sign-in.",
            sign_in.oidc_issuer, sign_in.oidc_client_id
        );
    }
    println!();
    println!("Development token (role admin, valid 12 hours; `engage token --help` mints others):");
    println!();
    println!("{token}");
    println!();
    println!("Try:  grpcurl -plaintext {} list", system.gateway);
    println!(
        "      grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" {} engage.gateway.v1.GatewayService/GetCaller",
        system.gateway
    );
    println!();
    if let Some((seed, scale)) = seed {
        let args = engage::seed::SeedArgs {
            seed,
            scale,
            concurrency: 16,
        };
        let endpoint = format!("http://{}", system.gateway);
        let mut lanes = Vec::new();
        for lane in 1..=SEED_LANES {
            let mut seeder = Caller::new(format!("dev-seed-{lane}"), &[Role::Admin]);
            seeder.display_name = "Demo data".into();
            let token = mint_development_token(&token_secret, &seeder, DEV_TOKEN_TTL)?;
            let connection = engage::cli::connection::Connection::with_token(&endpoint, &token)
                .map_err(|f| anyhow::anyhow!(f.message))?;
            lanes.push(connection.channel);
        }
        let written = engage::seed::seed_over(&args, lanes, &mut std::io::stdout())
            .await
            .context("seeding the demo data set")?;
        print!("{}", engage::seed::report(&args, &written, false));
        println!();
    }
    println!("Press Ctrl-C to stop.");

    tokio::select! {
        () = shutdown_signal() => {
            println!("stopping…");
            system.stop(Duration::from_secs(10)).await;
            println!("stopped");
            Ok(())
        }
        reason = system.failed() => Err(anyhow::anyhow!(reason)),
    }
}
