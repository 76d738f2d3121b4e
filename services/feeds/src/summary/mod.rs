//! Dashboard summaries: one snapshot of the four services' figures, on request
//! (GetSummary) or streamed whenever they change (WatchSummary). See
//! `docs/adr/0017-dashboard-summaries.md`.

pub mod figures;
pub mod sources;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engage_api::feeds::{
    DashboardSummary, Heartbeat, SourceFreshness, SummaryOptions, WatchSummaryResponse,
    watch_summary_response::Payload,
};
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::server::Stopping;
use engage_platform::{Caller, Error, Violations};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::BroadcastStream;

use crate::api::{coordinator_only, duration};
use crate::hub::Hub;
use crate::subscription::server_stopping;
use sources::{SourceError, Sources};

const DAY: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);
const MAX_DECLARATIONS: usize = 20;
const DEFAULT_EVENT_LIMIT: i32 = 20;
const MAX_EVENT_LIMIT: i32 = 100;
/// Last known figures kept for this many distinct (caller scope, options) pairs.
const MAX_REMEMBERED: usize = 1024;
/// How often a watched summary is recomputed with no change: figures that move with the
/// clock (overdue milestones, events starting) must show without a write.
const CLOCK_REFRESH: Duration = Duration::from_secs(30);

/// The options of a summary, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Options {
    /// One conference session, or empty for all.
    pub conference_session: String,
    /// Declarations named, or empty for every open one.
    pub declarations: Vec<String>,
    /// The upcoming window.
    pub window: Duration,
    /// Upcoming events listed at most.
    pub event_limit: usize,
}

/// Checks the options of a request; `prefix` is the request field holding them.
pub fn checked_options(options: Option<&SummaryOptions>, prefix: &str) -> Result<Options, Error> {
    let options = options.cloned().unwrap_or_default();
    let mut v = Violations::new();
    let session = options.conference_session.trim().to_owned();
    if session.len() > 32
        || !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        v.add(
            format!("{prefix}.conference_session"),
            "a session code such as COP12: letters, digits, - or _, at most 32",
        );
    }
    if options.declarations.len() > MAX_DECLARATIONS {
        v.add(
            format!("{prefix}.declarations"),
            format!("at most {MAX_DECLARATIONS} declarations"),
        );
    }
    for (i, name) in options.declarations.iter().enumerate() {
        let well_formed = name
            .strip_prefix("declarations/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'));
        if !well_formed {
            v.add(
                format!("{prefix}.declarations[{i}]"),
                format!("must be declarations/{{declaration}}, got {name:?}"),
            );
        }
    }
    let window = match &options.upcoming_window {
        None => DEFAULT_WINDOW,
        Some(d) => match duration(d) {
            Some(w) if (DAY..=DAY * 366).contains(&w) => w,
            _ => {
                v.add(
                    format!("{prefix}.upcoming_window"),
                    "from 1 day to 366 days",
                );
                DEFAULT_WINDOW
            }
        },
    };
    let event_limit = match options.upcoming_event_limit {
        0 => DEFAULT_EVENT_LIMIT,
        n if (1..=MAX_EVENT_LIMIT).contains(&n) => n,
        _ => {
            v.add(
                format!("{prefix}.upcoming_event_limit"),
                format!("from 1 to {MAX_EVENT_LIMIT} (0 for the default, {DEFAULT_EVENT_LIMIT})"),
            );
            DEFAULT_EVENT_LIMIT
        }
    };
    v.finish()?;
    Ok(Options {
        conference_session: session,
        declarations: options.declarations,
        window,
        event_limit: usize::try_from(event_limit).unwrap_or(20),
    })
}

/// What was last read from each service for one scope and set of options.
#[derive(Default)]
struct LastKnown {
    summary: DashboardSummary,
    reached: HashMap<&'static str, Instant>,
}

/// Assembles summaries and streams them.
pub struct Summaries {
    sources: Sources,
    hub: Arc<Hub>,
    stale_after: Duration,
    last_known: Mutex<HashMap<String, LastKnown>>,
}

/// The services a scope reads, and the sections they fill.
const SERVICES: [&str; 4] = ["contacts", "initiatives", "declarations", "briefings"];

impl Summaries {
    /// Summaries read from `sources`, watching `hub` for changes; a service unreachable for
    /// longer than `stale_after` is reported stale.
    pub fn new(sources: Sources, hub: Arc<Hub>, stale_after: Duration) -> Arc<Self> {
        Arc::new(Self {
            sources,
            hub,
            stale_after,
            last_known: Mutex::new(HashMap::new()),
        })
    }

    fn services(caller: &Caller) -> &'static [&'static str] {
        if coordinator_only(caller) {
            &SERVICES[..2]
        } else {
            &SERVICES
        }
    }

    /// The current summary for `caller`.
    pub async fn snapshot(
        &self,
        caller: &Caller,
        options: &Options,
    ) -> Result<DashboardSummary, Error> {
        let now = now_micros();
        let until = now.saturating_add(i64::try_from(options.window.as_micros()).unwrap_or(0));
        let window_days = i32::try_from(options.window.as_secs() / DAY.as_secs()).unwrap_or(30);
        let coordinator = coordinator_only(caller);
        let (contacts, initiatives, declarations, events) = tokio::join!(
            self.sources.contacts(caller),
            async {
                if coordinator {
                    self.sources
                        .coordinated_initiatives(caller, window_days)
                        .await
                } else {
                    self.sources.initiatives(caller, window_days).await
                }
            },
            async {
                if coordinator {
                    Ok(Vec::new())
                } else {
                    self.sources
                        .declarations(caller, &options.declarations)
                        .await
                }
            },
            async {
                if coordinator {
                    Ok(Vec::new())
                } else {
                    self.sources
                        .events(caller, now, until, &options.conference_session)
                        .await
                }
            },
        );
        let mut fresh = DashboardSummary::default();
        let mut as_of: HashMap<&str, Option<prost_types::Timestamp>> = HashMap::new();
        let mut failed: Vec<&'static str> = Vec::new();
        let mut note = |service: &'static str, e: SourceError| match e {
            SourceError::Refused(e) => Err(e),
            SourceError::Unreachable(why) => {
                tracing::warn!(service, %why, "summary source unreachable");
                failed.push(service);
                Ok(())
            }
        };
        match contacts {
            Ok(report) => {
                fresh.contacts = Some(figures::contacts(&report, &options.conference_session));
                as_of.insert("contacts", report.as_of);
            }
            Err(e) => note("contacts", e)?,
        }
        match initiatives {
            Ok((report, lines)) => {
                as_of.insert("initiatives", report.as_of_time.or(Some(timestamp(now))));
                fresh.initiatives = Some(figures::initiatives(&report, &lines));
            }
            Err(e) => note("initiatives", e)?,
        }
        if !coordinator {
            match declarations {
                Ok(found) => {
                    let latest = found
                        .iter()
                        .filter_map(|(_, c)| c.as_of_time)
                        .max_by_key(|t: &prost_types::Timestamp| (t.seconds, t.nanos));
                    as_of.insert("declarations", latest.or(Some(timestamp(now))));
                    fresh.declarations = found
                        .iter()
                        .map(|(d, counts)| figures::declaration(d, counts))
                        .collect();
                }
                Err(e) => note("declarations", e)?,
            }
            match events {
                Ok(events) => {
                    as_of.insert("briefings", Some(timestamp(now)));
                    fresh.briefings =
                        Some(figures::briefings(&events, now, until, options.event_limit));
                }
                Err(e) => note("briefings", e)?,
            }
        }
        Ok(self.with_last_known(caller, options, fresh, &as_of, &failed))
    }

    /// Fills what could not be read with the last known figures and says how fresh each
    /// section is; remembers what was read.
    fn with_last_known(
        &self,
        caller: &Caller,
        options: &Options,
        mut summary: DashboardSummary,
        as_of: &HashMap<&str, Option<prost_types::Timestamp>>,
        failed: &[&'static str],
    ) -> DashboardSummary {
        let key = format!(
            "{}|{:?}|{options:?}",
            coordinator_only(caller),
            coordinator_only(caller).then_some(&caller.initiatives)
        );
        let mut remembered = self
            .last_known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if remembered.len() >= MAX_REMEMBERED && !remembered.contains_key(&key) {
            remembered.clear();
        }
        let last = remembered.entry(key).or_default();
        let now = Instant::now();
        let mut sources = Vec::new();
        for &service in Self::services(caller) {
            let reached = if failed.contains(&service) {
                match service {
                    "contacts" => summary.contacts = last.summary.contacts.clone(),
                    "initiatives" => summary.initiatives = last.summary.initiatives.clone(),
                    "declarations" => summary.declarations = last.summary.declarations.clone(),
                    _ => summary.briefings = last.summary.briefings.clone(),
                }
                last.reached.get(service).copied()
            } else {
                last.reached.insert(service, now);
                Some(now)
            };
            let previous = last
                .summary
                .sources
                .iter()
                .find(|s| s.service == service)
                .and_then(|s| s.as_of);
            sources.push(SourceFreshness {
                service: service.to_owned(),
                as_of: as_of.get(service).cloned().flatten().or(previous),
                stale: reached.is_none_or(|t| now.duration_since(t) > self.stale_after),
            });
        }
        summary.sources = sources;
        summary.compute_time = Some(timestamp(now_micros()));
        summary.etag = figures::etag(&summary);
        last.summary = summary.clone();
        summary
    }

    /// Streams the summary: a snapshot at once, then one whenever the figures change, at
    /// most one per `min_interval`, with heartbeats while they do not.
    pub fn watch(
        self: Arc<Self>,
        caller: Caller,
        options: Options,
        min_interval: Duration,
        heartbeat: Duration,
        stopping: Stopping,
        out: mpsc::Sender<Result<WatchSummaryResponse, tonic::Status>>,
    ) {
        tokio::spawn(async move {
            let mut changes = futures::stream::select_all(
                Self::services(&caller)
                    .iter()
                    .map(|service| BroadcastStream::new(self.hub.follow(service))),
            );
            let mut last_etag = String::new();
            let mut dirty = true;
            let mut last_snapshot = Instant::now() - min_interval;
            let mut last_message = Instant::now();
            let mut clock = tokio::time::interval(CLOCK_REFRESH);
            clock.tick().await;
            loop {
                let due = last_snapshot + min_interval;
                let message = tokio::select! {
                    () = out.closed() => return,
                    () = stopping.stopped() => {
                        let stopping =
                            server_stopping("watch again: the first message is a full snapshot");
                        let _ = out.send(Err(stopping)).await;
                        return;
                    }
                    change = changes.next() => {
                        // A lagging receiver also means something changed.
                        if change.is_some() {
                            dirty = true;
                        }
                        continue;
                    }
                    _ = clock.tick() => {
                        dirty = true;
                        continue;
                    }
                    () = tokio::time::sleep_until(due.into()), if dirty => {
                        dirty = false;
                        last_snapshot = Instant::now();
                        match self.snapshot(&caller, &options).await {
                            Ok(summary) if summary.etag != last_etag => {
                                last_etag = summary.etag.clone();
                                Ok(WatchSummaryResponse { payload: Some(Payload::Summary(summary)) })
                            }
                            Ok(_) => continue,
                            Err(e) => Err(tonic::Status::from(e)),
                        }
                    }
                    () = tokio::time::sleep_until((last_message + heartbeat).into()) => {
                        Ok(WatchSummaryResponse {
                            payload: Some(Payload::Heartbeat(Heartbeat {
                                server_time: Some(timestamp(now_micros())),
                                cursor: String::new(),
                                caught_up: true,
                            })),
                        })
                    }
                };
                let failed = message.is_err();
                if out.send(message).await.is_err() || failed {
                    return;
                }
                last_message = Instant::now();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use engage_platform::Role;

    use super::*;

    #[test]
    fn options_default_to_a_general_dashboard() {
        let options = checked_options(None, "options").map_err(|e| e.to_string());
        assert_eq!(
            options,
            Ok(Options {
                conference_session: String::new(),
                declarations: Vec::new(),
                window: DEFAULT_WINDOW,
                event_limit: 20,
            })
        );
    }

    #[test]
    fn bad_options_name_every_field_at_fault() {
        let options = SummaryOptions {
            conference_session: "COP 12".into(),
            declarations: vec!["declarations/1".into(), "events/2".into()],
            upcoming_window: Some(prost_types::Duration {
                seconds: 3600,
                nanos: 0,
            }),
            upcoming_event_limit: 101,
        };
        let Err(Error::InvalidArgument(violations)) = checked_options(Some(&options), "options")
        else {
            panic!("bad options were accepted");
        };
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "options.conference_session",
                "options.declarations[1]",
                "options.upcoming_window",
                "options.upcoming_event_limit"
            ]
        );
    }

    #[test]
    fn a_coordinator_alone_sees_contacts_and_initiatives_only() {
        let coordinator = Caller::new("c", &[Role::Coordinator]);
        assert_eq!(
            Summaries::services(&coordinator),
            ["contacts", "initiatives"]
        );
        let officer = Caller::new("o", &[Role::Coordinator, Role::CsuOfficer]);
        assert_eq!(Summaries::services(&officer).len(), 4);
    }
}
