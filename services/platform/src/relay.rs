//! The relay: each service publishes its outbox to the bus in commit order, marks what it
//! published, and after a crash or restart resumes from what the bus already holds, so every
//! committed event reaches the bus exactly once. Events older than the retention leave the
//! outbox and the bus.

use std::time::Duration;

use crate::bus::EventBus;
use crate::error::Error;
use crate::journal::Journal as _;
use crate::resource::now_micros;
use crate::storage::Database;
use crate::with_connection;

/// How the relay runs.
#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// How long events stay on the bus and in the outbox (at least seven days by default).
    pub retention: Duration,
    /// How often the relay looks for new events when it found none.
    pub poll_interval: Duration,
    /// Events published per round.
    pub batch: i64,
    /// How often old events are pruned.
    pub prune_interval: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(7 * 24 * 3600),
            poll_interval: Duration::from_millis(50),
            batch: 500,
            prune_interval: Duration::from_secs(600),
        }
    }
}

fn retention_cutoff(settings: &RelaySettings) -> i64 {
    now_micros() - i64::try_from(settings.retention.as_micros()).unwrap_or(i64::MAX)
}

/// Publishes events the bus lacks: those after its last sequence and within the retention,
/// published before or not. This fills a bus that lost its events (an in-process bus after
/// a restart) and finishes a publication a crash interrupted. Returns how many it sent.
pub async fn catch_up(
    service: &str,
    database: &Database,
    bus: &EventBus,
    settings: &RelaySettings,
) -> Result<usize, RelayError> {
    let mut last = bus.last_sequence(service).await?;
    let since = retention_cutoff(settings);
    let mut sent = 0;
    loop {
        let events = with_connection!(database, |conn| conn
            .events_since(last, since, settings.batch)
            .await?);
        let Some(newest) = events.last().map(|e| e.sequence) else {
            return Ok(sent);
        };
        bus.publish(service, &events).await?;
        with_connection!(database, |conn| conn
            .mark_published(newest, now_micros())
            .await?);
        sent += events.len();
        last = newest;
    }
}

/// Rebuilds `service`'s stream from the outbox when the bus does not hold this outbox's
/// history (ADR 0024): on first start, after Redis lost its data, or when the stream was
/// filled from another database. The retention is applied to the outbox; a stream that
/// cannot simply be completed (another outbox's, or one missing events below those it holds)
/// is emptied; the trim point of what the outbox pruned is marked again (so a cursor from
/// before it is refused as expired rather than resumed across a silent gap); the retained
/// events are published; and only then is the outbox named as the stream's origin: the feeds
/// start no stream on a bus without it. An empty stream (Redis restarted without its data)
/// is only added to, so relays of several replicas refilling at once never undo each other.
/// Returns how many events it sent.
pub async fn refill(
    service: &str,
    origin: &str,
    database: &Database,
    bus: &EventBus,
    settings: &RelaySettings,
) -> Result<usize, RelayError> {
    prune(service, database, bus, settings).await?;
    let foreign = bus
        .origin(service)
        .await?
        .is_some_and(|on_bus| on_bus != origin);
    let first_held = bus
        .read_after(service, 0, 1)
        .await?
        .first()
        .map(|e| e.event.sequence);
    let cutoff = retention_cutoff(settings);
    let first_kept = with_connection!(database, |conn| conn.first_sequence_since(cutoff).await?);
    let gap = matches!((first_held, first_kept), (Some(held), Some(kept)) if held > kept);
    if foreign || gap {
        bus.reset(service).await?;
    }
    let pruned = with_connection!(database, |conn| conn.outbox_origin().await?).pruned;
    if let Some((sequence, occur_time)) = pruned {
        bus.raise_trimmed(
            service,
            crate::bus::Trimmed {
                sequence,
                occur_time,
            },
        )
        .await?;
    }
    let sent = catch_up(service, database, bus, settings).await?;
    bus.set_origin(service, origin).await?;
    Ok(sent)
}

/// Publishes what is unpublished, once. Returns how many it sent.
pub async fn publish_pending(
    service: &str,
    database: &Database,
    bus: &EventBus,
    settings: &RelaySettings,
) -> Result<usize, RelayError> {
    let events = with_connection!(database, |conn| conn
        .unpublished_events(settings.batch)
        .await?);
    let (Some(oldest), Some(newest)) = (
        events.first().map(|e| e.sequence),
        events.last().map(|e| e.sequence),
    ) else {
        return Ok(0);
    };
    // The bus lacks events before these (Redis restarted without its data while the
    // service ran): catch it up first, so a reader never sees a gap.
    if bus.last_sequence(service).await? < oldest - 1 {
        catch_up(service, database, bus, settings).await?;
    }
    bus.publish(service, &events).await?;
    with_connection!(database, |conn| conn
        .mark_published(newest, now_micros())
        .await?);
    Ok(events.len())
}

/// Removes events older than the retention from the outbox and the bus, and forgets the
/// responses stored for request ids older than it.
pub async fn prune(
    service: &str,
    database: &Database,
    bus: &EventBus,
    settings: &RelaySettings,
) -> Result<usize, RelayError> {
    let cutoff = retention_cutoff(settings);
    if let Some(first_kept) =
        with_connection!(database, |conn| conn.first_sequence_since(cutoff).await?)
    {
        bus.trim_before(service, first_kept).await?;
    } else {
        let last = bus.last_sequence(service).await?;
        bus.trim_before(service, last + 1).await?;
    }
    // Retries of a create are answered for as long as events are kept (at least the
    // 24 hours the contracts promise).
    with_connection!(database, |conn| conn
        .prune_request_ids_before(cutoff)
        .await?);
    Ok(with_connection!(database, |conn| conn
        .prune_published_before(cutoff)
        .await?))
}

/// Why a relay round failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] Error),
    /// The bus failed.
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
}

/// Runs the relay of `service` until `shutdown` resolves: catch up, then publish new events
/// as they commit, pruning now and then. Failures are logged and retried after a pause.
pub async fn run(
    service: &'static str,
    database: Database,
    bus: EventBus,
    settings: RelaySettings,
    shutdown: impl Future<Output = ()> + Send,
) {
    let work = async {
        let mut origin: Option<String> = None;
        let mut caught_up = false;
        let mut last_prune = std::time::Instant::now();
        loop {
            let round = async {
                let ours = match &origin {
                    Some(id) => id.clone(),
                    None => {
                        let id = with_connection!(database, |conn| conn.outbox_origin().await?).id;
                        origin.insert(id).clone()
                    }
                };
                // Checked every round: Redis restarted without its data loses the origin with
                // the stream, and the stream must be whole again before anyone starts on it.
                match bus.origin(service).await? {
                    Some(on_bus) if on_bus == ours => {
                        if !caught_up {
                            catch_up(service, &database, &bus, &settings).await?;
                        }
                    }
                    on_bus => {
                        if let Some(other) = on_bus {
                            tracing::warn!(%service, %other, ours = %ours, "the event bus holds another outbox's stream; refilling it from this one");
                        }
                        let sent = refill(service, &ours, &database, &bus, &settings).await?;
                        tracing::info!(%service, sent, "event stream refilled from the outbox");
                        last_prune = std::time::Instant::now();
                    }
                }
                caught_up = true;
                if last_prune.elapsed() >= settings.prune_interval {
                    prune(service, &database, &bus, &settings).await?;
                    last_prune = std::time::Instant::now();
                }
                publish_pending(service, &database, &bus, &settings).await
            };
            match crate::storage::untraced(round).await {
                Ok(0) => tokio::time::sleep(settings.poll_interval).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%service, %error, "event relay failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    };
    tokio::select! {
        () = work => {}
        () = shutdown => {}
    }
}
