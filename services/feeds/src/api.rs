//! The gRPC side of the feeds: the change feed (Subscribe, ListTopics) and the dashboard
//! summaries (GetSummary, WatchSummary).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use engage_api::feeds::feeds_service_server::FeedsService;
use engage_api::feeds::{
    GetSummaryRequest, GetSummaryResponse, ListTopicsRequest, ListTopicsResponse, PayloadView,
    SubscribeRequest, SubscribeResponse, Topic, TopicInfo, WatchSummaryRequest,
    WatchSummaryResponse, subscribe_request::Start,
};
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::bus::EventBus;
use engage_platform::identity::{InternalKey, Need};
use engage_platform::resource::{micros, now_micros, timestamp};
use engage_platform::server::{Peers, Stopping};
use engage_platform::{Caller, Error, Role, Violation, Violations};
use tokio::sync::mpsc;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::cursor::Cursor;
use crate::hub::{Hub, READ_BATCH};
use crate::subscription::{Selection, Subscription};
use crate::summary::{Summaries, checked_options, sources::Sources};
use crate::topics::{self, PRODUCERS, TOPICS};

/// How the change feed runs.
#[derive(Debug, Clone, Copy)]
pub struct FeedSettings {
    /// Live changes queued per subscriber before it is cut off as too slow.
    pub subscriber_buffer: usize,
    /// How long changes are kept for resuming (the relay's retention).
    pub retention: Duration,
    /// How long a service may be unreachable before its summary figures are marked stale.
    pub summary_stale_after: Duration,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            subscriber_buffer: 1024,
            retention: Duration::from_secs(7 * 24 * 3600),
            summary_stale_after: Duration::from_secs(30),
        }
    }
}

const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
const MIN_HEARTBEAT: Duration = Duration::from_secs(5);
const MAX_HEARTBEAT: Duration = Duration::from_secs(60);
const MAX_TOPICS: usize = 100;
const MAX_COUNTRIES: usize = 250;
const MAX_INITIATIVES: usize = 100;
/// Messages queued towards the transport per stream; the live buffer is the fan-out.
const OUTGOING: usize = 16;

const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(500);
const MIN_MIN_INTERVAL: Duration = Duration::from_millis(200);
const MAX_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// How long the streams' latest positions serve new subscriptions without a cursor: a burst
/// of dashboards (all reconnecting after a restart) asks the bus once, not once each. A
/// subscriber given positions this old also receives the changes of those last milliseconds,
/// which are real changes, never a gap.
const LATEST_POSITIONS_FRESH: Duration = Duration::from_millis(100);

/// How long a new subscription waits for the bus to hold every producer's history again
/// (after Redis lost its data, until the relays have refilled it) before it is refused as
/// UNAVAILABLE.
const STREAMS_READY_WAIT: Duration = Duration::from_secs(5);
const STREAMS_READY_POLL: Duration = Duration::from_millis(100);

/// The streams' latest positions, as last read from the bus.
struct LatestPositions {
    read_at: std::time::Instant,
    cursor: Cursor,
}

/// The feeds API.
pub struct FeedsApi {
    latest: tokio::sync::Mutex<Option<LatestPositions>>,
    hub: Arc<Hub>,
    settings: FeedSettings,
    stopping: Stopping,
    summaries: Arc<Summaries>,
}

impl FeedsApi {
    /// The API over `bus`, with no services to summarise until [`FeedsApi::summarising`].
    pub fn new(bus: EventBus, settings: FeedSettings) -> Self {
        let hub = Hub::new(bus, settings.subscriber_buffer);
        let summaries = Summaries::new(
            Sources::new(
                Peers::default(),
                InternalKey::new(&engage_platform::identity::Secret::generate()),
            ),
            hub.clone(),
            settings.summary_stale_after,
        );
        Self {
            latest: tokio::sync::Mutex::new(None),
            hub,
            settings,
            stopping: Stopping::default(),
            summaries,
        }
    }

    /// Summarises the services at `peers`, calling them with `key` on behalf of the caller.
    pub fn summarising(mut self, peers: Peers, key: InternalKey) -> Self {
        self.summaries = Summaries::new(
            Sources::new(peers, key),
            self.hub.clone(),
            self.settings.summary_stale_after,
        );
        self
    }

    /// Ends every stream with UNAVAILABLE once `stopping` is raised, so that a server
    /// shutting down is not held open by its subscribers.
    pub fn ending_streams_on(mut self, stopping: Stopping) -> Self {
        self.stopping = stopping;
        self
    }

    fn bus(&self) -> &EventBus {
        self.hub.bus()
    }
}

/// Whether the caller is only a coordinator: their feed and their dashboard summary hold
/// contacts and the initiatives they coordinate, nothing of declarations or briefings.
pub(crate) fn coordinator_only(caller: &Caller) -> bool {
    !caller.roles.iter().any(|r| {
        matches!(
            r,
            Role::Admin | Role::CsuOfficer | Role::Dashboard | Role::Viewer
        )
    })
}

fn may_read_service(caller: &Caller, service: &str) -> bool {
    if caller.roles.is_empty() {
        return false;
    }
    !coordinator_only(caller) || matches!(service, "contacts" | "initiatives")
}

fn unavailable(e: impl std::fmt::Display) -> Error {
    Error::Unavailable(e.to_string())
}

pub(crate) fn duration(d: &prost_types::Duration) -> Option<Duration> {
    let seconds = u64::try_from(d.seconds).ok()?;
    let nanos = u32::try_from(d.nanos).ok()?;
    Some(Duration::new(seconds, nanos))
}

fn checked_topics(request: &SubscribeRequest, v: &mut Violations) -> Vec<(String, String)> {
    if request.topics.is_empty() {
        v.add("topics", "name at least one topic");
    }
    if request.topics.len() > MAX_TOPICS {
        v.add("topics", format!("at most {MAX_TOPICS} topics"));
    }
    let mut seen = HashSet::new();
    let mut selected = Vec::new();
    for (
        i,
        Topic {
            service,
            resource_type,
        },
    ) in request.topics.iter().enumerate()
    {
        if !topics::is_producer(service) {
            v.add(
                format!("topics[{i}].service"),
                format!(
                    "unknown service {service:?}; one of {}",
                    PRODUCERS.join(", ")
                ),
            );
        } else if !resource_type.is_empty() && topics::find(service, resource_type).is_none() {
            let known: Vec<_> = TOPICS
                .iter()
                .filter(|t| t.service == service)
                .map(|t| t.resource_type)
                .collect();
            v.add(
                format!("topics[{i}].resource_type"),
                format!(
                    "{service} has no resource type {resource_type:?}; one of {}",
                    known.join(", ")
                ),
            );
        }
        if !seen.insert((service.clone(), resource_type.clone())) {
            v.add(format!("topics[{i}]"), "is named twice");
        }
        selected.push((service.clone(), resource_type.clone()));
    }
    selected
}

fn checked_selection(request: &SubscribeRequest, caller: &Caller) -> Result<Selection, Error> {
    let mut v = Violations::new();
    let topics = checked_topics(request, &mut v);
    let filter = request.filter.clone().unwrap_or_default();
    if filter.country_codes.len() > MAX_COUNTRIES {
        v.add(
            "filter.country_codes",
            format!("at most {MAX_COUNTRIES} countries"),
        );
    }
    for (i, code) in filter.country_codes.iter().enumerate() {
        if engage_platform::regions::regional_group(code).is_none() {
            v.add(
                format!("filter.country_codes[{i}]"),
                format!("{code:?} is not an ISO 3166-1 alpha-2 code in upper case"),
            );
        }
    }
    for (i, &group) in filter.regional_groups.iter().enumerate() {
        if group == RegionalGroup::Unspecified as i32 || RegionalGroup::try_from(group).is_err() {
            v.add(
                format!("filter.regional_groups[{i}]"),
                "name a regional group (not REGIONAL_GROUP_UNSPECIFIED)",
            );
        }
    }
    for (i, &sector) in filter.sectors.iter().enumerate() {
        if sector == Sector::Unspecified as i32 || Sector::try_from(sector).is_err() {
            v.add(
                format!("filter.sectors[{i}]"),
                "name a sector (not SECTOR_UNSPECIFIED)",
            );
        }
    }
    if filter.initiatives.len() > MAX_INITIATIVES {
        v.add(
            "filter.initiatives",
            format!("at most {MAX_INITIATIVES} initiatives"),
        );
    }
    for (i, name) in filter.initiatives.iter().enumerate() {
        let id = name.strip_prefix("initiatives/").unwrap_or_default();
        if id.is_empty() || id.contains('/') {
            v.add(
                format!("filter.initiatives[{i}]"),
                format!("{name:?} is not an initiative name, initiatives/{{initiative}}"),
            );
        }
    }
    if PayloadView::try_from(request.view).is_err() {
        v.add("view", "is not a payload view");
    }
    v.finish()?;
    if let Some((service, _)) = topics.iter().find(|(s, _)| !may_read_service(caller, s)) {
        return Err(Error::PermissionDenied {
            reason: "TOPIC_NOT_ALLOWED",
            message: format!("your roles do not allow subscribing to {service} changes"),
        });
    }
    Ok(Selection {
        topics,
        country_codes: filter.country_codes.into_iter().collect(),
        regional_groups: filter.regional_groups.into_iter().collect(),
        sectors: filter.sectors.into_iter().collect(),
        initiatives: filter.initiatives.into_iter().collect(),
        names_only: request.view == PayloadView::NamesOnly as i32,
        reads_birth_dates: caller.has_role(Role::Admin),
        coordinated: coordinator_only(caller).then(|| caller.initiatives.iter().cloned().collect()),
    })
}

fn checked_heartbeat(interval: Option<&prost_types::Duration>) -> Result<Duration, Error> {
    let Some(interval) = interval else {
        return Ok(DEFAULT_HEARTBEAT);
    };
    match duration(interval) {
        Some(d) if (MIN_HEARTBEAT..=MAX_HEARTBEAT).contains(&d) => Ok(d),
        _ => Err(Error::invalid(
            "heartbeat_interval",
            "must be from 5 to 60 seconds",
        )),
    }
}

fn invalid_cursor(description: String) -> Error {
    Error::Refused {
        code: tonic::Code::InvalidArgument,
        reason: "INVALID_CURSOR",
        message: format!("cursor: {description}"),
        metadata: Vec::new(),
        violations: vec![Violation::new("cursor", description)],
    }
}

/// UNAVAILABLE: the bus does not hold these services' history yet.
fn streams_refilling(missing: &[&str]) -> Error {
    Error::Refused {
        code: tonic::Code::Unavailable,
        reason: "STREAMS_REFILLING",
        message: format!(
            "the change streams of {} are being refilled from their services (the event bus \
             lost them, or they have not started yet); subscribe again in a few seconds",
            missing.join(", ")
        ),
        metadata: vec![("services".to_owned(), missing.join(","))],
        violations: Vec::new(),
    }
}

impl FeedsApi {
    /// The outbox every producer's stream holds the history of (ADR 0024), once all of them
    /// do: a stream without one lost its data and is not refilled yet, so neither "now" nor
    /// the check of a cursor can be read from it. Waits a little for the relays.
    async fn origins(&self) -> Result<BTreeMap<String, String>, Error> {
        let deadline = tokio::time::Instant::now() + STREAMS_READY_WAIT;
        loop {
            let mut origins = BTreeMap::new();
            let mut missing = Vec::new();
            for service in PRODUCERS {
                match self.bus().origin(service).await.map_err(unavailable)? {
                    Some(origin) => {
                        origins.insert(service.to_owned(), origin);
                    }
                    None => missing.push(service),
                }
            }
            if missing.is_empty() {
                return Ok(origins);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(streams_refilling(&missing));
            }
            tokio::time::sleep(STREAMS_READY_POLL).await;
        }
    }

    /// The commit time of the oldest change still available: just after the newest change
    /// any stream lost to the retention, or the oldest change held when none was lost.
    async fn oldest_available_micros(&self) -> Result<i64, Error> {
        let mut newest_lost = None;
        let mut oldest_held = None;
        for service in PRODUCERS {
            if let Some(trimmed) = self.bus().trimmed(service).await.map_err(unavailable)? {
                newest_lost = newest_lost.max(Some(trimmed.occur_time));
            }
            if let Some(first) = self
                .bus()
                .read_after(service, 0, 1)
                .await
                .map_err(unavailable)?
                .first()
            {
                let t = first.event.occur_time;
                oldest_held = Some(oldest_held.map_or(t, |o: i64| o.min(t)));
            }
        }
        Ok(match newest_lost {
            Some(lost) => lost + 1,
            None => oldest_held.unwrap_or_else(now_micros),
        })
    }

    async fn expired(&self) -> Error {
        let oldest = self
            .oldest_available_micros()
            .await
            .map(|t| timestamp(t).to_string())
            .unwrap_or_default();
        Error::Refused {
            code: tonic::Code::FailedPrecondition,
            reason: "CURSOR_EXPIRED",
            message: format!(
                "some changes after this point are no longer retained (oldest available: \
                 {oldest}); reload the current state with the List methods and subscribe \
                 again without a cursor"
            ),
            metadata: vec![("oldest_available_time".to_owned(), oldest)],
            violations: Vec::new(),
        }
    }

    /// Where a subscription starts: after the cursor, before the start time, or now. Every
    /// stream must hold its service's history first (see [`FeedsApi::origins`]), and the
    /// cursor handed out names the outboxes its positions count in.
    async fn start(&self, start: Option<&Start>) -> Result<Cursor, Error> {
        let origins = self.origins().await?;
        let mut cursor = Cursor::default();
        match start {
            None => cursor = self.latest_positions().await?,
            Some(Start::Cursor(text)) => {
                let given = Cursor::decode(text).map_err(|e| invalid_cursor(e.to_string()))?;
                self.check_belongs_here(&given, &origins).await?;
                for service in PRODUCERS {
                    let position = given.position(service);
                    let trimmed = self.bus().trimmed(service).await.map_err(unavailable)?;
                    if trimmed.is_some_and(|t| t.sequence > position) {
                        return Err(self.expired().await);
                    }
                    cursor.positions.insert(service.to_owned(), position);
                }
            }
            Some(Start::StartTime(time)) => {
                let since = micros(time);
                if since > now_micros() {
                    return Err(Error::invalid("start_time", "is in the future"));
                }
                for service in PRODUCERS {
                    let trimmed = self.bus().trimmed(service).await.map_err(unavailable)?;
                    if trimmed.is_some_and(|t| t.occur_time >= since) {
                        return Err(self.expired().await);
                    }
                    let position = self.position_before(service, since).await?;
                    cursor.positions.insert(service.to_owned(), position);
                }
            }
        }
        // Positions read from a bus that lost its data meanwhile would not be this outbox's.
        if self.origins().await? != origins {
            return Err(streams_refilling(&PRODUCERS));
        }
        cursor.origins = origins;
        Ok(cursor)
    }

    /// Refuses a cursor whose positions are not positions of this deployment's streams: one
    /// naming another outbox, or (for cursors that name none) one beyond a stream's end,
    /// which no stream here ever handed out.
    async fn check_belongs_here(
        &self,
        given: &Cursor,
        origins: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        for service in PRODUCERS {
            if let Some(origin) = given.origins.get(service)
                && origins.get(service) != Some(origin)
            {
                return Err(invalid_cursor(format!(
                    "comes from another deployment: its {service} position counts in an outbox \
                     this one does not have; subscribe without a cursor"
                )));
            }
            let position = given.position(service);
            let last = self
                .bus()
                .last_sequence(service)
                .await
                .map_err(unavailable)?;
            let trimmed = self
                .bus()
                .trimmed(service)
                .await
                .map_err(unavailable)?
                .map_or(0, |t| t.sequence);
            let end = last.max(trimmed);
            if position > end {
                return Err(invalid_cursor(format!(
                    "is beyond the end of the {service} stream (position {position}, the stream \
                     ends at {end}), so it comes from another deployment; subscribe without a \
                     cursor"
                )));
            }
        }
        Ok(())
    }

    /// The last position of every producer's stream, read from the bus at most once per
    /// [`LATEST_POSITIONS_FRESH`]; callers arriving meanwhile wait for that one read.
    async fn latest_positions(&self) -> Result<Cursor, Error> {
        let mut latest = self.latest.lock().await;
        if let Some(known) = latest.as_ref()
            && known.read_at.elapsed() < LATEST_POSITIONS_FRESH
        {
            return Ok(known.cursor.clone());
        }
        let mut cursor = Cursor::default();
        for service in PRODUCERS {
            let last = self
                .bus()
                .last_sequence(service)
                .await
                .map_err(unavailable)?;
            cursor.positions.insert(service.to_owned(), last);
        }
        *latest = Some(LatestPositions {
            read_at: std::time::Instant::now(),
            cursor: cursor.clone(),
        });
        Ok(cursor)
    }

    /// The sequence of the last event of `service` committed before `since`.
    async fn position_before(&self, service: &str, since: i64) -> Result<i64, Error> {
        let mut position = self
            .bus()
            .trimmed(service)
            .await
            .map_err(unavailable)?
            .map_or(0, |t| t.sequence);
        loop {
            let events = self
                .bus()
                .read_after(service, position, READ_BATCH)
                .await
                .map_err(unavailable)?;
            let Some(last) = events.last() else {
                return Ok(position);
            };
            if let Some(first_after) = events.iter().find(|e| e.event.occur_time >= since) {
                return Ok(events
                    .iter()
                    .take_while(|e| e.event.sequence < first_after.event.sequence)
                    .last()
                    .map_or(position, |e| e.event.sequence));
            }
            position = last.event.sequence;
        }
    }
}

#[tonic::async_trait]
impl FeedsService for FeedsApi {
    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<BoxStream<SubscribeResponse>>, Status> {
        let caller = Caller::of(&request)?.clone();
        let request = request.into_inner();
        let selection = checked_selection(&request, &caller)?;
        let heartbeat = checked_heartbeat(request.heartbeat_interval.as_ref())?;
        let cursor = self.start(request.start.as_ref()).await?;
        let (out, stream) = mpsc::channel(OUTGOING);
        let subscription = Subscription::new(
            self.hub.clone(),
            selection,
            cursor,
            heartbeat,
            self.settings.subscriber_buffer,
            out,
            self.stopping.clone(),
        );
        tokio::spawn(subscription.run(request.start.is_some()));
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(stream),
        )))
    }

    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let topics = TOPICS
            .iter()
            .filter(|t| may_read_service(caller, t.service))
            .map(|t| TopicInfo {
                topic: Some(Topic {
                    service: t.service.to_owned(),
                    resource_type: t.resource_type.to_owned(),
                }),
                description: t.description.to_owned(),
                message_type: t.message_type(),
                event_types: t.event_types(),
                filterable_fields: t.filterable.iter().map(|f| (*f).to_owned()).collect(),
            })
            .collect();
        let retention = prost_types::Duration {
            seconds: i64::try_from(self.settings.retention.as_secs()).unwrap_or(i64::MAX),
            nanos: 0,
        };
        Ok(Response::new(ListTopicsResponse {
            topics,
            retention: Some(retention),
            oldest_available_time: Some(timestamp(self.oldest_available_micros().await?)),
        }))
    }

    async fn get_summary(
        &self,
        request: Request<GetSummaryRequest>,
    ) -> Result<Response<GetSummaryResponse>, Status> {
        let caller = Caller::require(&request, Need::Read)?;
        let options = checked_options(request.get_ref().options.as_ref(), "options")?;
        let summary = self.summaries.snapshot(&caller, &options).await?;
        Ok(Response::new(GetSummaryResponse {
            summary: Some(summary),
        }))
    }

    async fn watch_summary(
        &self,
        request: Request<WatchSummaryRequest>,
    ) -> Result<Response<BoxStream<WatchSummaryResponse>>, Status> {
        let caller = Caller::require(&request, Need::Read)?;
        let request = request.into_inner();
        let mut v = Violations::new();
        let options = match checked_options(request.options.as_ref(), "options") {
            Ok(options) => Some(options),
            Err(Error::InvalidArgument(violations)) => {
                for violation in violations {
                    v.add(violation.field, violation.description);
                }
                None
            }
            Err(e) => return Err(e.into()),
        };
        let min_interval = match request.min_interval.as_ref() {
            None => DEFAULT_MIN_INTERVAL,
            Some(d) => match duration(d) {
                Some(d) if (MIN_MIN_INTERVAL..=MAX_MIN_INTERVAL).contains(&d) => d,
                _ => {
                    v.add("min_interval", "from 200 milliseconds to 60 seconds");
                    DEFAULT_MIN_INTERVAL
                }
            },
        };
        let heartbeat = match checked_heartbeat(request.heartbeat_interval.as_ref()) {
            Ok(h) => h,
            Err(_) => {
                v.add("heartbeat_interval", "must be from 5 to 60 seconds");
                DEFAULT_HEARTBEAT
            }
        };
        v.finish()?;
        let Some(options) = options else {
            return Err(Error::Internal("options checked without a result".into()).into());
        };
        let (out, stream) = mpsc::channel(OUTGOING);
        self.summaries.clone().watch(
            caller,
            options,
            min_interval,
            heartbeat,
            self.stopping.clone(),
            out,
        );
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(stream),
        )))
    }
}
