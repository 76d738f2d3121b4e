//! `engage feed` follows the change feed; `engage summary` prints the dashboard summary.

use std::io::Write;
use std::path::PathBuf;

use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::subscribe_request::Start;
use engage_api::feeds::subscribe_response::Payload;
use engage_api::feeds::{GetSummaryRequest, SubscribeRequest, SummaryOptions, Topic};
use prost_reflect::{DynamicMessage, ReflectMessage as _, Value};
use tokio_stream::StreamExt as _;

use super::connection::Connection;
use super::failure::Failure;
use super::json;
use super::table::text;

/// The services whose changes `engage feed` follows when no topic is named.
const ALL_SERVICES: [&str; 4] = ["contacts", "initiatives", "declarations", "briefings"];

/// `engage feed`.
#[derive(Debug, Clone, clap::Args)]
pub struct FeedArgs {
    /// A topic: a service (`contacts`) or a service and resource type
    /// (`contacts/Organization`); repeat for several. Default: every service.
    #[arg(long = "topic")]
    pub topics: Vec<String>,
    /// A file keeping the last cursor: the feed resumes after it when the file exists, and
    /// every message received updates it.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Stop once the feed has caught up with the present, instead of following it.
    #[arg(long)]
    pub until_caught_up: bool,
    /// Stop after this many changes.
    #[arg(long)]
    pub limit: Option<u64>,
}

/// `engage summary`.
#[derive(Debug, Clone, clap::Args)]
pub struct SummaryArgs {
    /// Count accreditations and attendance of this conference session (for example COP12).
    #[arg(long, default_value = "")]
    pub conference_session: String,
}

fn topic(text: &str) -> Topic {
    let (service, resource_type) = text.split_once('/').unwrap_or((text, ""));
    Topic {
        service: service.to_owned(),
        resource_type: resource_type.to_owned(),
    }
}

fn write_line(out: &mut dyn Write, line: &str) -> Result<(), Failure> {
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::other(format!("writing the output: {e}")))
}

/// Keeps the cursor: written beside and renamed, so a crash never leaves half a cursor.
fn save_cursor(path: &PathBuf, cursor: &str) -> Result<(), Failure> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, cursor)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| Failure::other(format!("saving the cursor in {}: {e}", path.display())))
}

/// `engage feed`: prints each change as it commits.
pub async fn feed(
    args: FeedArgs,
    connection: &Connection,
    as_json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let topics = if args.topics.is_empty() {
        ALL_SERVICES.iter().map(|s| topic(s)).collect()
    } else {
        args.topics.iter().map(|s| topic(s)).collect()
    };
    let start = match &args.resume {
        Some(path) if path.exists() => {
            let cursor = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("reading {}: {e}", path.display())))?;
            let cursor = cursor.trim().to_owned();
            (!cursor.is_empty()).then_some(Start::Cursor(cursor))
        }
        _ => None,
    };
    let refused = |status: tonic::Status| {
        Failure::from_status("following the change feed", &connection.endpoint, &status)
    };
    let mut stream = FeedsServiceClient::new(connection.channel.clone())
        .subscribe(SubscribeRequest {
            topics,
            start,
            ..Default::default()
        })
        .await
        .map_err(refused)?
        .into_inner();
    let mut changes = 0u64;
    while let Some(message) = stream.next().await {
        let message = message.map_err(refused)?;
        let cursor = match message.payload {
            Some(Payload::Change(change)) => {
                if as_json {
                    let dynamic = json::dynamic(&change, "engage.feeds.v1.ChangeEvent")
                        .and_then(|d| json::line(&d))
                        .map_err(|e| Failure::other(e.to_string()))?;
                    write_line(out, &dynamic)?;
                } else {
                    let dynamic = json::dynamic(&change, "engage.feeds.v1.ChangeEvent")
                        .map_err(|e| Failure::other(e.to_string()))?;
                    let line = format!(
                        "{}  {:<8}  {:<40}  {}  by {}",
                        super::table::cell(&dynamic, "commit_time"),
                        super::table::cell(&dynamic, "change_type"),
                        change.resource_name,
                        change.event_type,
                        change.actor.as_ref().map_or("", |a| a.subject.as_str()),
                    );
                    write_line(out, &line)?;
                }
                changes += 1;
                Some(change.cursor)
            }
            Some(Payload::Heartbeat(heartbeat)) => {
                if heartbeat.caught_up && args.until_caught_up {
                    if let Some(path) = &args.resume
                        && !heartbeat.cursor.is_empty()
                    {
                        save_cursor(path, &heartbeat.cursor)?;
                    }
                    return Ok(());
                }
                Some(heartbeat.cursor)
            }
            None => None,
        };
        if let (Some(path), Some(cursor)) = (&args.resume, cursor)
            && !cursor.is_empty()
        {
            save_cursor(path, &cursor)?;
        }
        if args.limit.is_some_and(|limit| changes >= limit) {
            return Ok(());
        }
    }
    Err(Failure::other(
        "the change feed ended; run the command again (with --resume FILE to go on where it \
         stopped)"
            .to_owned(),
    ))
}

/// `engage summary`.
pub async fn summary(
    args: SummaryArgs,
    connection: &Connection,
    as_json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let summary = FeedsServiceClient::new(connection.channel.clone())
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                conference_session: args.conference_session,
                ..Default::default()
            }),
        })
        .await
        .map_err(|status| {
            Failure::from_status(
                "reading the dashboard summary",
                &connection.endpoint,
                &status,
            )
        })?
        .into_inner()
        .summary
        .unwrap_or_default();
    let dynamic = json::dynamic(&summary, "engage.feeds.v1.DashboardSummary")
        .map_err(|e| Failure::other(e.to_string()))?;
    let text = if as_json {
        json::line(&dynamic).map_err(|e| Failure::other(e.to_string()))? + "\n"
    } else {
        let mut text = String::new();
        outline(&dynamic, 0, &mut text);
        text
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::other(format!("writing the output: {e}")))
}

/// A message as an indented outline of its set fields, for reading at a terminal.
fn outline(message: &DynamicMessage, depth: usize, text: &mut String) {
    let indent = "  ".repeat(depth);
    for (field, value) in message.fields() {
        let name = field.name().replace('_', " ");
        match value {
            Value::Message(inner) if !is_scalar_message(inner) => {
                text.push_str(&format!("{indent}{name}:\n"));
                outline(inner, depth + 1, text);
            }
            Value::List(items)
                if items
                    .first()
                    .is_some_and(|i| matches!(i, Value::Message(m) if !is_scalar_message(m))) =>
            {
                text.push_str(&format!("{indent}{name}:\n"));
                for item in items {
                    if let Value::Message(inner) = item {
                        let mut entry = String::new();
                        outline(inner, 0, &mut entry);
                        let joined: Vec<&str> = entry.lines().map(str::trim).collect();
                        if joined.is_empty() {
                            continue;
                        }
                        text.push_str(&format!("{indent}  - {}\n", joined.join(", ")));
                    }
                }
            }
            value => {
                text.push_str(&format!(
                    "{indent}{name}: {}\n",
                    text_of(value, &field.kind())
                ));
            }
        }
    }
}

fn is_scalar_message(message: &DynamicMessage) -> bool {
    matches!(
        message.descriptor().full_name(),
        "google.protobuf.Timestamp" | "google.protobuf.Duration" | "engage.type.v1.Date"
    )
}

fn text_of(value: &Value, kind: &prost_reflect::Kind) -> String {
    let shown = text(value, kind);
    if shown.is_empty() {
        "-".to_owned()
    } else {
        shown
    }
}
