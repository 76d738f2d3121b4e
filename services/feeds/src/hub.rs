//! One reader per producing service per feeds replica: it follows the service's stream on
//! the bus and fans each event out to the subscriptions through a bounded broadcast channel,
//! so that a thousand subscribers cost one reader, and a slow subscriber never holds the
//! others up (it falls behind the channel's capacity and is cut off instead).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engage_platform::bus::{BusEvent, EventBus};
use tokio::sync::broadcast;

/// Events read per round trip to the bus.
pub const READ_BATCH: usize = 256;

/// How long a reader blocks waiting for new events before it checks whether anyone still
/// listens.
const WAIT: Duration = Duration::from_secs(1);

/// One event as fanned out, with the position the reader had before it: a subscription
/// whose own position is below `after` knows it missed events in between (it joined late, or
/// the reader started after it) and reads them from the bus instead of leaving a gap.
#[derive(Debug)]
pub struct Live {
    /// The reader's position before this event.
    pub after: i64,
    /// The event.
    pub event: BusEvent,
}

/// The readers of one replica, started on first use and stopped when nobody listens.
pub struct Hub {
    bus: EventBus,
    capacity: usize,
    readers: Mutex<HashMap<String, broadcast::Sender<Arc<Live>>>>,
}

impl Hub {
    /// A hub reading `bus`, with `capacity` events of fan-out per subscriber.
    pub fn new(bus: EventBus, capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            bus,
            capacity: capacity.max(1),
            readers: Mutex::new(HashMap::new()),
        })
    }

    /// The bus the hub reads.
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// Receives the live events of `service` from now on, starting its reader if needed.
    pub fn follow(self: &Arc<Self>, service: &str) -> broadcast::Receiver<Arc<Live>> {
        let mut readers = self
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sender) = readers.get(service) {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(self.capacity);
        readers.insert(service.to_owned(), sender.clone());
        tokio::spawn(read(self.clone(), service.to_owned(), sender));
        receiver
    }

    /// Removes the reader of `service` if nobody listens any more; checked under the same
    /// lock as [`Hub::follow`], so a new subscriber never joins a reader that is leaving.
    fn leave_if_unheard(&self, service: &str, sender: &broadcast::Sender<Arc<Live>>) -> bool {
        let mut readers = self
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sender.receiver_count() == 0 {
            readers.remove(service);
            true
        } else {
            false
        }
    }
}

async fn read(hub: Arc<Hub>, service: String, sender: broadcast::Sender<Arc<Live>>) {
    let mut waiter = hub.bus.waiter();
    let mut position = None;
    loop {
        if hub.leave_if_unheard(&service, &sender) {
            return;
        }
        let Some(after) = position else {
            match hub.bus.last_sequence(&service).await {
                Ok(last) => position = Some(last),
                Err(error) => {
                    tracing::warn!(%service, %error, "change feed cannot reach the bus; retrying");
                    tokio::time::sleep(WAIT).await;
                }
            }
            continue;
        };
        match hub.bus.read_after(&service, after, READ_BATCH).await {
            Ok(events) if !events.is_empty() => {
                let mut after = after;
                for event in events {
                    let sequence = event.event.sequence;
                    // No receiver is not an error: the next round notices and stops.
                    let _ = sender.send(Arc::new(Live { after, event }));
                    after = sequence;
                }
                position = Some(after);
            }
            Ok(_) => {
                if let Err(error) = waiter.wait_after(&service, after, WAIT).await {
                    tracing::warn!(%service, %error, "change feed lost the bus; retrying");
                    tokio::time::sleep(WAIT).await;
                }
            }
            Err(error) => {
                tracing::warn!(%service, %error, "change feed cannot read the bus; retrying");
                tokio::time::sleep(WAIT).await;
            }
        }
    }
}
