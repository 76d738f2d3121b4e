//! The operator command line: `engage` subcommands that talk to a running gateway, as
//! library code so that the tests run them in-process as well as through the binary.
//!
//! [`run`] takes the parsed command and the writers for standard output and error and
//! returns the exit status; `main` only parses and exits with it.

pub mod connection;
pub mod failure;
pub mod feed;
pub mod json;
pub mod records;
pub mod table;
pub mod transfer;

use std::io::Write;

use clap::{Parser, Subcommand};

pub use connection::ConnectionArgs;
use failure::{EXIT_OK, Failure};
use records::{Declarations, Events, Initiatives, Organizations, People, RecordAction};

/// How results are written.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Write JSON lines (the canonical proto3 JSON mapping, one record a line) instead of a
    /// table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The subcommands that call a running gateway.
#[derive(Debug, Clone, Subcommand)]
pub enum ClientCommand {
    /// Organisations: list, get, create, update, delete.
    #[command(visible_alias = "organizations")]
    Orgs {
        #[command(subcommand)]
        action: RecordAction,
    },
    /// People: list, get, create, update, delete.
    People {
        #[command(subcommand)]
        action: RecordAction,
    },
    /// Pilot initiatives: list, get, create, update, delete.
    Initiatives {
        #[command(subcommand)]
        action: RecordAction,
    },
    /// Declarations: list, get, create, update, delete.
    Declarations {
        #[command(subcommand)]
        action: RecordAction,
    },
    /// Briefings, side events and dialogues: list, get, create, update, delete.
    Events {
        #[command(subcommand)]
        action: RecordAction,
    },
    /// Import organisations or people from CSV (or JSON lines); exit status 3 when rows failed.
    Import(transfer::ImportArgs),
    /// Export organisations or people as CSV.
    Export(transfer::ExportArgs),
    /// Follow the change feed.
    Feed(feed::FeedArgs),
    /// Print the dashboard summary.
    Summary(feed::SummaryArgs),
    /// Fill a running system with a generated demo data set, the same for the same seed.
    Seed(crate::seed::SeedArgs),
}

/// The client commands alone, for tests and tools that run them in-process.
#[derive(Debug, Parser)]
#[command(name = "engage")]
pub struct ClientCli {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: ClientCommand,
}

/// Parses `args` (the first is the program's name) and runs the command; a usage mistake
/// is written to `err` with exit status 2, as a binary would.
pub async fn run_args<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match ClientCli::try_parse_from(args) {
        Ok(cli) => run(cli.command, &cli.connection, &cli.output, out, err).await,
        Err(e) => {
            let _ = write!(err, "{}", e.render());
            e.exit_code()
        }
    }
}

/// Runs a client command; returns the exit status, having written any failure to `err`.
pub async fn run(
    command: ClientCommand,
    connection: &ConnectionArgs,
    output: &OutputArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match dispatch(command, connection, output, out, err).await {
        Ok(code) => code,
        Err(failure) => {
            let _ = writeln!(err, "engage: {}", failure.message);
            failure.exit_code
        }
    }
}

async fn dispatch(
    command: ClientCommand,
    connection: &ConnectionArgs,
    output: &OutputArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Failure> {
    let connection = connection.connect()?;
    let json = output.json;
    match command {
        ClientCommand::Orgs { action } => {
            records::run::<Organizations>(action, &connection, json, out).await?;
        }
        ClientCommand::People { action } => {
            records::run::<People>(action, &connection, json, out).await?;
        }
        ClientCommand::Initiatives { action } => {
            records::run::<Initiatives>(action, &connection, json, out).await?;
        }
        ClientCommand::Declarations { action } => {
            records::run::<Declarations>(action, &connection, json, out).await?;
        }
        ClientCommand::Events { action } => {
            records::run::<Events>(action, &connection, json, out).await?;
        }
        ClientCommand::Import(args) => return transfer::import(args, &connection, out, err).await,
        ClientCommand::Export(args) => return transfer::export(args, &connection, out, err).await,
        ClientCommand::Feed(args) => feed::feed(args, &connection, json, out).await?,
        ClientCommand::Summary(args) => feed::summary(args, &connection, json, out).await?,
        ClientCommand::Seed(args) => {
            crate::seed::seed(args, &connection, json, out, err).await?;
        }
    }
    Ok(EXIT_OK)
}
