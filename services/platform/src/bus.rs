//! The event bus between the services' outboxes and the feeds: one ordered stream per
//! service, each event at most once, keyed by its outbox sequence.
//!
//! In production the bus is Redis Streams (`engage:events:{service}`), with each entry's id
//! `{sequence}-0`: Redis refuses an id that is not above the stream's last one, so an event
//! published twice (a relay that crashed after publishing and before marking) is stored
//! once, and every feeds replica reads the same order. Without Redis (the embedded default)
//! the bus lives in the process. See `docs/adr/0011-event-bus-and-relay.md`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::journal::StoredEvent;

/// An event as the bus carries it: the outbox row, and the service it came from.
#[derive(Debug, Clone)]
pub struct BusEvent {
    /// The service whose outbox it came from.
    pub service: String,
    /// The event, as the outbox stored it (`publish_time` is not carried).
    pub event: StoredEvent,
}

/// What went wrong talking to the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Redis could not be reached or refused a command.
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A stream entry is not one this bus wrote.
    #[error("malformed stream entry: {0}")]
    Malformed(String),
    /// No bus is configured where one is needed.
    #[error("{0}")]
    NotConfigured(&'static str),
}

#[derive(Default)]
/// The in-process streams, by service.
pub struct MemoryStreams {
    streams: HashMap<String, VecDeque<BusEvent>>,
    trimmed: HashMap<String, Trimmed>,
    origins: HashMap<String, String>,
}

/// The newest event a stream lost to the retention: a reader positioned before it would miss
/// events, so the feeds refuse to resume from there instead of leaving a silent gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trimmed {
    /// Its sequence: every event at or below it may be gone.
    pub sequence: i64,
    /// When it was written, in microseconds since the epoch.
    pub occur_time: i64,
}

/// The bus.
#[derive(Clone)]
pub enum EventBus {
    /// In this process.
    Memory(Arc<Mutex<MemoryStreams>>, Arc<tokio::sync::Notify>),
    /// In Redis Streams.
    Redis(Arc<RedisStreams>),
}

/// The Redis side of the bus.
pub struct RedisStreams {
    client: redis::Client,
    connection: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    /// Prepended to the service name to make the stream key (`engage:events:`); tests use
    /// their own so that parallel tests do not see each other's events.
    prefix: String,
}

impl RedisStreams {
    async fn connection(&self) -> Result<redis::aio::ConnectionManager, BusError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        Ok(self
            .connection
            .get_or_try_init(|| {
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await?
            .clone())
    }
}

/// The key prefix of the production streams.
pub const STREAM_PREFIX: &str = "engage:events:";

impl RedisStreams {
    fn stream_key(&self, service: &str) -> String {
        format!("{}{service}", self.prefix)
    }

    /// The hash beside the stream that records how far it was trimmed.
    fn trimmed_key(&self, service: &str) -> String {
        format!("{}{service}:trimmed", self.prefix)
    }

    /// The key beside the stream naming the outbox it was filled from.
    fn origin_key(&self, service: &str) -> String {
        format!("{}{service}:origin", self.prefix)
    }
}

fn sequence_of(id: &str) -> Result<i64, BusError> {
    id.split_once('-')
        .and_then(|(s, _)| s.parse().ok())
        .ok_or_else(|| BusError::Malformed(format!("id {id}")))
}

fn entry_to_event(
    service: &str,
    id: &str,
    fields: &HashMap<String, redis::Value>,
) -> Result<BusEvent, BusError> {
    Ok(BusEvent {
        service: service.to_owned(),
        event: StoredEvent {
            sequence: sequence_of(id)?,
            event_id: text(fields, "event_id")?,
            event_type: text(fields, "event_type")?,
            resource_name: text(fields, "resource_name")?,
            resource_type: text(fields, "resource_type")?,
            payload: redis::from_redis_value_ref::<Vec<u8>>(field(fields, "payload")?)
                .map_err(|e| BusError::Malformed(format!("payload: {e}")))?,
            attributes: text(fields, "attributes")?,
            actor: text(fields, "actor")?,
            occur_time: text(fields, "occur_time")?
                .parse()
                .map_err(|_| BusError::Malformed("occur_time".into()))?,
            publish_time: None,
        },
    })
}

/// Raises the recorded trim point of a stream, never lowers it (two relays may prune at once).
const RAISE_TRIMMED: &str = r"
local current = tonumber(redis.call('HGET', KEYS[1], 'sequence') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'sequence', ARGV[1], 'occur_time', ARGV[2])
end
return 0
";

fn field<'a>(
    fields: &'a HashMap<String, redis::Value>,
    name: &str,
) -> Result<&'a redis::Value, BusError> {
    fields
        .get(name)
        .ok_or_else(|| BusError::Malformed(format!("missing {name}")))
}

fn text(fields: &HashMap<String, redis::Value>, name: &str) -> Result<String, BusError> {
    redis::from_redis_value_ref::<String>(field(fields, name)?)
        .map_err(|e| BusError::Malformed(format!("{name}: {e}")))
}

impl EventBus {
    /// A bus in this process.
    pub fn memory() -> Self {
        EventBus::Memory(
            Arc::new(Mutex::new(MemoryStreams::default())),
            Arc::new(tokio::sync::Notify::new()),
        )
    }

    /// A bus in Redis at `url`. Only a malformed URL fails here; the connection is made on
    /// first use.
    pub fn redis(url: &str) -> Result<Self, BusError> {
        Self::redis_with_prefix(url, STREAM_PREFIX)
    }

    /// A bus in Redis at `url` whose stream keys start with `prefix` instead of
    /// [`STREAM_PREFIX`], so that tests sharing one Redis stay apart.
    pub fn redis_with_prefix(url: &str, prefix: &str) -> Result<Self, BusError> {
        Ok(EventBus::Redis(Arc::new(RedisStreams {
            client: redis::Client::open(url)?,
            connection: tokio::sync::OnceCell::new(),
            prefix: prefix.to_owned(),
        })))
    }

    /// Publishes `events` (in commit order) to `service`'s stream. An event at or below the
    /// stream's last sequence is already there and is skipped.
    pub async fn publish(&self, service: &str, events: &[StoredEvent]) -> Result<(), BusError> {
        match self {
            EventBus::Memory(streams, notify) => {
                if let Ok(mut streams) = streams.lock() {
                    let stream = streams.streams.entry(service.to_owned()).or_default();
                    for event in events {
                        if stream
                            .back()
                            .is_none_or(|last| last.event.sequence < event.sequence)
                        {
                            stream.push_back(BusEvent {
                                service: service.to_owned(),
                                event: StoredEvent {
                                    publish_time: None,
                                    ..event.clone()
                                },
                            });
                        }
                    }
                }
                notify.notify_waiters();
                Ok(())
            }
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let key = redis.stream_key(service);
                for event in events {
                    let added: Result<String, redis::RedisError> = redis::cmd("XADD")
                        .arg(&key)
                        .arg(format!("{}-0", event.sequence))
                        .arg("event_id")
                        .arg(&event.event_id)
                        .arg("event_type")
                        .arg(&event.event_type)
                        .arg("resource_name")
                        .arg(&event.resource_name)
                        .arg("resource_type")
                        .arg(&event.resource_type)
                        .arg("payload")
                        .arg(event.payload.as_slice())
                        .arg("attributes")
                        .arg(&event.attributes)
                        .arg("actor")
                        .arg(&event.actor)
                        .arg("occur_time")
                        .arg(event.occur_time)
                        .query_async(&mut connection)
                        .await;
                    match added {
                        Ok(_) => {}
                        // Already published: the id is not above the stream's last one.
                        Err(e) if e.to_string().contains("equal or smaller") => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
        }
    }

    /// Events of `service` after `sequence`, in order, at most `limit`.
    pub async fn read_after(
        &self,
        service: &str,
        sequence: i64,
        limit: usize,
    ) -> Result<Vec<BusEvent>, BusError> {
        match self {
            EventBus::Memory(streams, _) => Ok(streams
                .lock()
                .map(|streams| {
                    streams
                        .streams
                        .get(service)
                        .map(|s| {
                            s.iter()
                                .filter(|e| e.event.sequence > sequence)
                                .take(limit)
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .unwrap_or_default()),
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let entries: Vec<(String, HashMap<String, redis::Value>)> = redis::cmd("XRANGE")
                    .arg(redis.stream_key(service))
                    .arg(format!("({sequence}-0"))
                    .arg("+")
                    .arg("COUNT")
                    .arg(limit)
                    .query_async(&mut connection)
                    .await?;
                entries
                    .iter()
                    .map(|(id, fields)| entry_to_event(service, id, fields))
                    .collect()
            }
        }
    }

    /// The last sequence in `service`'s stream; 0 when it is empty.
    pub async fn last_sequence(&self, service: &str) -> Result<i64, BusError> {
        match self {
            EventBus::Memory(streams, _) => Ok(streams
                .lock()
                .ok()
                .and_then(|s| {
                    s.streams
                        .get(service)
                        .and_then(|s| s.back().map(|e| e.event.sequence))
                })
                .unwrap_or(0)),
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let last: Vec<(String, HashMap<String, redis::Value>)> = redis::cmd("XREVRANGE")
                    .arg(redis.stream_key(service))
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(1)
                    .query_async(&mut connection)
                    .await?;
                Ok(last
                    .first()
                    .and_then(|(id, _)| id.split_once('-'))
                    .and_then(|(s, _)| s.parse().ok())
                    .unwrap_or(0))
            }
        }
    }

    /// Drops events of `service` below `sequence` (they passed the retention), and records
    /// the newest event dropped (see [`EventBus::trimmed`]).
    pub async fn trim_before(&self, service: &str, sequence: i64) -> Result<(), BusError> {
        match self {
            EventBus::Memory(streams, _) => {
                if let Ok(mut streams) = streams.lock() {
                    let mut dropped = None;
                    if let Some(stream) = streams.streams.get_mut(service) {
                        while stream.front().is_some_and(|e| e.event.sequence < sequence) {
                            dropped = stream.pop_front();
                        }
                    }
                    if let Some(dropped) = dropped {
                        let trimmed = streams.trimmed.entry(service.to_owned()).or_default();
                        if dropped.event.sequence > trimmed.sequence {
                            *trimmed = Trimmed {
                                sequence: dropped.event.sequence,
                                occur_time: dropped.event.occur_time,
                            };
                        }
                    }
                }
                Ok(())
            }
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let key = redis.stream_key(service);
                let newest_dropped: Vec<(String, HashMap<String, redis::Value>)> =
                    redis::cmd("XREVRANGE")
                        .arg(&key)
                        .arg(format!("({sequence}-0"))
                        .arg("-")
                        .arg("COUNT")
                        .arg(1)
                        .query_async(&mut connection)
                        .await?;
                // Recorded before trimming: a reader must never find the events gone and the
                // trim point not yet raised.
                if let Some((id, fields)) = newest_dropped.first() {
                    let event = entry_to_event(service, id, fields)?;
                    let _: i64 = redis::Script::new(RAISE_TRIMMED)
                        .key(redis.trimmed_key(service))
                        .arg(event.event.sequence)
                        .arg(event.event.occur_time)
                        .invoke_async(&mut connection)
                        .await?;
                }
                let _: i64 = redis::cmd("XTRIM")
                    .arg(&key)
                    .arg("MINID")
                    .arg(format!("{sequence}-0"))
                    .query_async(&mut connection)
                    .await?;
                Ok(())
            }
        }
    }

    /// The newest event of `service` lost to the retention, if any was.
    pub async fn trimmed(&self, service: &str) -> Result<Option<Trimmed>, BusError> {
        match self {
            EventBus::Memory(streams, _) => Ok(streams
                .lock()
                .ok()
                .and_then(|s| s.trimmed.get(service).copied())),
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let values: HashMap<String, i64> = redis::cmd("HGETALL")
                    .arg(redis.trimmed_key(service))
                    .query_async(&mut connection)
                    .await?;
                Ok(values.get("sequence").map(|&sequence| Trimmed {
                    sequence,
                    occur_time: values.get("occur_time").copied().unwrap_or(0),
                }))
            }
        }
    }

    /// The outbox `service`'s stream was filled from (see [`EventBus::set_origin`]); none
    /// while the stream is not known to hold that outbox's history, as after Redis lost its
    /// data, until the relay has refilled it.
    pub async fn origin(&self, service: &str) -> Result<Option<String>, BusError> {
        match self {
            EventBus::Memory(streams, _) => Ok(streams
                .lock()
                .ok()
                .and_then(|s| s.origins.get(service).cloned())),
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                Ok(redis::cmd("GET")
                    .arg(redis.origin_key(service))
                    .query_async(&mut connection)
                    .await?)
            }
        }
    }

    /// Records that `service`'s stream holds the history of the outbox `origin` (every event
    /// it still keeps, and the trim point of what it pruned). Written by the relay once a
    /// refill is complete, in the same store as the stream, so that losing one loses both.
    pub async fn set_origin(&self, service: &str, origin: &str) -> Result<(), BusError> {
        match self {
            EventBus::Memory(streams, _) => {
                if let Ok(mut streams) = streams.lock() {
                    streams
                        .origins
                        .insert(service.to_owned(), origin.to_owned());
                }
                Ok(())
            }
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let _: () = redis::cmd("SET")
                    .arg(redis.origin_key(service))
                    .arg(origin)
                    .query_async(&mut connection)
                    .await?;
                Ok(())
            }
        }
    }

    /// Empties `service`'s stream and forgets its origin and trim mark, before a refill that
    /// cannot add to what the stream holds: events of another outbox, or events published
    /// into a stream that had lost its history, which sit above the gap and would keep the
    /// older ones from being added back below them.
    pub async fn reset(&self, service: &str) -> Result<(), BusError> {
        match self {
            EventBus::Memory(streams, _) => {
                if let Ok(mut streams) = streams.lock() {
                    streams.origins.remove(service);
                    streams.streams.remove(service);
                    streams.trimmed.remove(service);
                }
                Ok(())
            }
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let _: i64 = redis::cmd("DEL")
                    .arg(redis.origin_key(service))
                    .arg(redis.stream_key(service))
                    .arg(redis.trimmed_key(service))
                    .query_async(&mut connection)
                    .await?;
                Ok(())
            }
        }
    }

    /// Raises the recorded trim point of `service` to `trimmed` (never lowers it): how a
    /// refill restores what the retention took before the bus lost its data.
    pub async fn raise_trimmed(&self, service: &str, trimmed: Trimmed) -> Result<(), BusError> {
        match self {
            EventBus::Memory(streams, _) => {
                if let Ok(mut streams) = streams.lock() {
                    let current = streams.trimmed.entry(service.to_owned()).or_default();
                    if trimmed.sequence > current.sequence {
                        *current = trimmed;
                    }
                }
                Ok(())
            }
            EventBus::Redis(redis) => {
                let mut connection = redis.connection().await?;
                let _: i64 = redis::Script::new(RAISE_TRIMMED)
                    .key(redis.trimmed_key(service))
                    .arg(trimmed.sequence)
                    .arg(trimmed.occur_time)
                    .invoke_async(&mut connection)
                    .await?;
                Ok(())
            }
        }
    }

    /// A waiter for new events, with its own Redis connection when the bus is Redis.
    pub fn waiter(&self) -> Waiter {
        Waiter {
            bus: self.clone(),
            connection: None,
        }
    }

    /// Resolves when something is published to an in-process bus (never for Redis, whose
    /// readers poll or block on the stream).
    pub async fn published(&self) {
        match self {
            EventBus::Memory(_, notify) => notify.notified().await,
            EventBus::Redis(_) => std::future::pending().await,
        }
    }
}

/// Waits for events beyond a position. On Redis it blocks in `XREAD` on a connection of its
/// own, without the response timeout of the shared connection (a block of a second would
/// otherwise fail as a timeout, and would hold up every other command on that connection).
pub struct Waiter {
    bus: EventBus,
    connection: Option<redis::aio::MultiplexedConnection>,
}

impl Waiter {
    /// Resolves once `service`'s stream holds an event after `sequence`, or after `timeout`
    /// with nothing new; returns whether there is something new.
    pub async fn wait_after(
        &mut self,
        service: &str,
        sequence: i64,
        timeout: Duration,
    ) -> Result<bool, BusError> {
        match &self.bus {
            EventBus::Memory(_, notify) => {
                let notified = notify.notified();
                tokio::pin!(notified);
                // Registered before looking, so a publication in between is not missed.
                notified.as_mut().enable();
                if self.bus.last_sequence(service).await? > sequence {
                    return Ok(true);
                }
                let _ = tokio::time::timeout(timeout, notified).await;
                Ok(self.bus.last_sequence(service).await? > sequence)
            }
            EventBus::Redis(redis) => {
                let connection = match &mut self.connection {
                    Some(connection) => connection,
                    None => {
                        let config = redis::AsyncConnectionConfig::new()
                            .set_connection_timeout(Some(Duration::from_secs(2)))
                            .set_response_timeout(None);
                        let connection = redis
                            .client
                            .get_multiplexed_async_connection_with_config(&config)
                            .await?;
                        self.connection.insert(connection)
                    }
                };
                let block = u64::try_from(timeout.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1);
                let found: Result<redis::Value, redis::RedisError> = redis::cmd("XREAD")
                    .arg("COUNT")
                    .arg(1)
                    .arg("BLOCK")
                    .arg(block)
                    .arg("STREAMS")
                    .arg(redis.stream_key(service))
                    .arg(format!("{sequence}-0"))
                    .query_async(connection)
                    .await;
                match found {
                    Ok(redis::Value::Nil) => Ok(false),
                    Ok(_) => Ok(true),
                    Err(e) => {
                        // Reconnect on the next wait.
                        self.connection = None;
                        Err(e.into())
                    }
                }
            }
        }
    }
}
