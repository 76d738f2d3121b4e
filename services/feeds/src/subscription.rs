//! One subscription: what it selects, and the task that replays from its cursor, switches to
//! the live fan-out without gap or duplicate, filters, redacts and sends heartbeats.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use engage_api::contacts::Person;
use engage_api::feeds::{
    ChangeAttributes, ChangeEvent, ChangeType, Heartbeat, SubscribeResponse, Topic,
    subscribe_response::Payload,
};
use engage_api::types::{Actor, RegionalGroup, Sector};
use engage_platform::Error;
use engage_platform::bus::BusEvent;
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::server::Stopping;
use prost::Message as _;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::cursor::Cursor;
use crate::hub::{Hub, Live, READ_BATCH};
use crate::topics::{PRODUCERS, short_type};

/// The message type whose youth members' birth dates only admins may read.
const PERSON: &str = "engage.contacts.v1.Person";

/// What a subscriber asked for and may read.
#[derive(Debug, Default)]
pub struct Selection {
    /// (service, resource type); an empty resource type is every type of the service.
    pub topics: Vec<(String, String)>,
    /// Countries to keep; empty keeps all.
    pub country_codes: HashSet<String>,
    /// Regional groups to keep; empty keeps all.
    pub regional_groups: HashSet<i32>,
    /// Sectors to keep; empty keeps all.
    pub sectors: HashSet<i32>,
    /// Initiatives to keep; empty keeps all.
    pub initiatives: HashSet<String>,
    /// Envelope only, no resource.
    pub names_only: bool,
    /// Whether the subscriber may read a youth person's date of birth (admins).
    pub reads_birth_dates: bool,
    /// For a caller who is only a coordinator: the initiatives they coordinate, the only
    /// ones whose `initiatives` changes they receive.
    pub coordinated: Option<HashSet<String>>,
}

/// The attributes of an outbox event, as its service wrote them (a JSON object of enum names).
pub fn attributes(json: &str) -> ChangeAttributes {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let text = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    ChangeAttributes {
        country_code: text("country_code"),
        regional_group: RegionalGroup::from_str_name(&text("regional_group"))
            .map_or(0, |g| g as i32),
        sector: Sector::from_str_name(&text("sector")).map_or(0, |s| s as i32),
        initiative: text("initiative"),
    }
}

/// The resource paths a change modified, as its service listed them in the event's
/// attributes (`changed_fields`); empty when it did not.
pub fn changed_fields(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    value
        .get("changed_fields")
        .and_then(serde_json::Value::as_array)
        .map(|paths| {
            paths
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The generic kind of change an outbox verb is.
pub fn change_type(event_type: &str) -> ChangeType {
    match event_type.rsplit('.').next().unwrap_or_default() {
        "created" => ChangeType::Created,
        "deleted" => ChangeType::Deleted,
        "undeleted" => ChangeType::Undeleted,
        "erased" => ChangeType::Erased,
        _ => ChangeType::Updated,
    }
}

impl Selection {
    fn wants_topic(&self, service: &str, resource_type: &str) -> bool {
        self.topics
            .iter()
            .any(|(s, t)| s == service && (t.is_empty() || t == resource_type))
    }

    fn wants_attributes(&self, service: &str, a: &ChangeAttributes) -> bool {
        let one_of = |set: &HashSet<String>, value: &str| set.is_empty() || set.contains(value);
        let one_of_enum = |set: &HashSet<i32>, value: i32| set.is_empty() || set.contains(&value);
        let coordinated = match &self.coordinated {
            Some(initiatives) if service == "initiatives" => initiatives.contains(&a.initiative),
            _ => true,
        };
        coordinated
            && one_of(&self.country_codes, &a.country_code)
            && one_of_enum(&self.regional_groups, a.regional_group)
            && one_of_enum(&self.sectors, a.sector)
            && one_of(&self.initiatives, &a.initiative)
    }

    /// The change as this subscriber receives it, or `None` when it does not match; the
    /// cursor is left for the caller to set.
    pub fn change(&self, bus_event: &BusEvent) -> Option<ChangeEvent> {
        let service = bus_event.service.as_str();
        let event = &bus_event.event;
        let resource_type = short_type(&event.resource_type);
        if !self.wants_topic(service, resource_type) {
            return None;
        }
        let attributes = attributes(&event.attributes);
        if !self.wants_attributes(service, &attributes) {
            return None;
        }
        let change_type = change_type(&event.event_type);
        let mut redacted = Vec::new();
        let resource = if self.names_only || change_type == ChangeType::Erased {
            None
        } else {
            self.readable(&event.resource_type, &event.payload, &mut redacted)
                .map(|value| prost_types::Any {
                    type_url: format!("type.googleapis.com/{}", event.resource_type),
                    value,
                })
        };
        let mut changed = match change_type {
            ChangeType::Created | ChangeType::Erased => Vec::new(),
            _ => changed_fields(&event.attributes),
        };
        // A path the subscriber may not read is not theirs to know changed either.
        if event.resource_type == PERSON && !self.reads_birth_dates {
            changed.retain(|p| p != "birth_date");
        }
        Some(ChangeEvent {
            event_id: event.event_id.clone(),
            event_type: format!("{service}.{}", event.event_type),
            change_type: change_type as i32,
            topic: Some(Topic {
                service: service.to_owned(),
                resource_type: resource_type.to_owned(),
            }),
            resource_name: event.resource_name.clone(),
            resource,
            changed_fields: (!changed.is_empty())
                .then_some(prost_types::FieldMask { paths: changed }),
            redacted_fields: (!redacted.is_empty())
                .then_some(prost_types::FieldMask { paths: redacted }),
            actor: Some(Actor {
                subject: event.actor.clone(),
                display_name: String::new(),
            }),
            commit_time: Some(timestamp(event.occur_time)),
            sequence: event.sequence,
            cursor: String::new(),
            attributes: Some(attributes),
        })
    }

    /// The payload with what the subscriber may not read removed. A person that cannot be
    /// decoded is left out rather than risk sending a birth date.
    fn readable(
        &self,
        message_type: &str,
        payload: &[u8],
        redacted: &mut Vec<String>,
    ) -> Option<Vec<u8>> {
        if message_type != PERSON || self.reads_birth_dates {
            return Some(payload.to_vec());
        }
        let mut person = Person::decode(payload).ok()?;
        if person.youth && person.birth_date.take().is_some() {
            person.birth_date_withheld = true;
            redacted.push("birth_date".to_owned());
        }
        Some(person.encode_to_vec())
    }
}

/// What a subscription sends to its client.
pub type Outgoing = Result<SubscribeResponse, tonic::Status>;

enum Stop {
    /// The client went away: nothing to say.
    ClientGone,
    /// End the stream with this status.
    Status(tonic::Status),
}

/// UNAVAILABLE with reason SERVER_STOPPING, telling the client `how` to come back.
pub(crate) fn server_stopping(how: &str) -> tonic::Status {
    Error::Refused {
        code: tonic::Code::Unavailable,
        reason: "SERVER_STOPPING",
        message: format!("this feeds server is stopping; {how}"),
        metadata: Vec::new(),
        violations: Vec::new(),
    }
    .into()
}

enum Wake {
    ClientGone,
    Received(usize, Result<Arc<Live>, broadcast::error::RecvError>),
    Idle,
}

/// A running subscription.
pub struct Subscription {
    hub: Arc<Hub>,
    selection: Selection,
    cursor: Cursor,
    heartbeat: Duration,
    capacity: usize,
    out: mpsc::Sender<Outgoing>,
    deadline: Instant,
    stopping: Stopping,
}

impl Subscription {
    /// A subscription that starts after `cursor` (which holds a position for every producer)
    /// and sends to `out`.
    pub fn new(
        hub: Arc<Hub>,
        selection: Selection,
        cursor: Cursor,
        heartbeat: Duration,
        capacity: usize,
        out: mpsc::Sender<Outgoing>,
        stopping: Stopping,
    ) -> Self {
        Self {
            hub,
            selection,
            cursor,
            heartbeat,
            capacity,
            out,
            deadline: Instant::now() + heartbeat,
            stopping,
        }
    }

    /// Runs until the client leaves or the stream must end. `replay` is whether the client
    /// gave a cursor or start time (so it is not caught up until the replay is done).
    pub async fn run(mut self, replay: bool) {
        let _open = crate::metrics::OpenSubscription::open();
        let stopping = self.stopping.clone();
        let ended = tokio::select! {
            ended = self.serve(replay) => ended,
            () = stopping.stopped() => Err(Stop::Status(server_stopping(
                "subscribe again with the cursor of the last message you processed"
            ))),
        };
        let Err(Stop::Status(status)) = ended else {
            return;
        };
        // Queued behind what the client has not read yet; given up when the server stops,
        // so that a client that does not read never holds the shutdown open.
        if let Err(mpsc::error::TrySendError::Full(message)) = self.out.try_send(Err(status)) {
            tokio::select! {
                _ = self.out.send(message) => {}
                () = stopping.stopped() => {}
            }
        }
    }

    async fn serve(&mut self, replay: bool) -> Result<(), Stop> {
        self.beat(!replay).await?;
        // Replayed at the client's pace, before following the live fan-out, so that a long
        // replay never overflows the live buffer.
        for service in PRODUCERS {
            self.catch_up(service, !replay).await?;
        }
        let mut receivers: Vec<(&'static str, broadcast::Receiver<Arc<Live>>)> = PRODUCERS
            .iter()
            .map(|service| (*service, self.hub.follow(service)))
            .collect();
        // What was committed between the replay and following.
        for service in PRODUCERS {
            self.catch_up(service, !replay).await?;
        }
        if replay {
            self.beat(true).await?;
        }
        loop {
            let wake = {
                let next =
                    futures::future::select_all(receivers.iter_mut().enumerate().map(
                        |(i, (_, receiver))| Box::pin(async move { (i, receiver.recv().await) }),
                    ));
                tokio::select! {
                    biased;
                    () = self.out.closed() => Wake::ClientGone,
                    ((i, received), _, _) = next => Wake::Received(i, received),
                    () = tokio::time::sleep_until(self.deadline) => Wake::Idle,
                }
            };
            match wake {
                Wake::ClientGone => return Err(Stop::ClientGone),
                Wake::Idle => self.beat(true).await?,
                Wake::Received(i, Ok(live)) => {
                    let service = receivers.get(i).map_or("", |(s, _)| *s);
                    self.on_live(service, &live).await?;
                }
                Wake::Received(_, Err(broadcast::error::RecvError::Lagged(_))) => {
                    return Err(Stop::Status(self.too_slow()));
                }
                Wake::Received(i, Err(broadcast::error::RecvError::Closed)) => {
                    // The reader stopped (it never does while we listen); follow a new one.
                    if let Some((service, receiver)) = receivers.get_mut(i) {
                        *receiver = self.hub.follow(service);
                        self.catch_up(service, true).await?;
                    }
                }
            }
        }
    }

    async fn on_live(&mut self, service: &str, live: &Live) -> Result<(), Stop> {
        let position = self.cursor.position(service);
        if live.event.event.sequence <= position {
            // Already replayed.
            return Ok(());
        }
        if live.after > position {
            // Events between our position and this one were fanned out before we followed:
            // read them (and this one) from the bus.
            return self.catch_up(service, true).await;
        }
        self.pass(&live.event, true).await
    }

    /// Delivers (or skips) everything of `service` on the bus after our position.
    async fn catch_up(&mut self, service: &str, caught_up: bool) -> Result<(), Stop> {
        loop {
            let events = self
                .hub
                .bus()
                .read_after(service, self.cursor.position(service), READ_BATCH)
                .await
                .map_err(|e| Stop::Status(Error::Unavailable(e.to_string()).into()))?;
            if events.is_empty() {
                return Ok(());
            }
            for event in &events {
                self.pass(event, caught_up).await?;
            }
        }
    }

    /// Moves past one event, sending it if it matches.
    async fn pass(&mut self, event: &BusEvent, caught_up: bool) -> Result<(), Stop> {
        self.cursor
            .positions
            .insert(event.service.clone(), event.event.sequence);
        match self.selection.change(event) {
            Some(mut change) => {
                change.cursor = self.cursor.encode();
                self.send(Payload::Change(change)).await?;
                if caught_up {
                    let lag = (now_micros() - event.event.occur_time).max(0) as f64 / 1_000.0;
                    crate::metrics::feed_metrics().lag.record(lag, &[]);
                }
                Ok(())
            }
            // A long run of non-matching changes still shows the stream alive, and moves
            // the client's cursor on.
            None if Instant::now() >= self.deadline => self.beat(caught_up).await,
            None => Ok(()),
        }
    }

    async fn beat(&mut self, caught_up: bool) -> Result<(), Stop> {
        let heartbeat = Heartbeat {
            server_time: Some(timestamp(now_micros())),
            cursor: self.cursor.encode(),
            caught_up,
        };
        self.send(Payload::Heartbeat(heartbeat)).await
    }

    async fn send(&mut self, payload: Payload) -> Result<(), Stop> {
        let message = SubscribeResponse {
            payload: Some(payload),
        };
        self.out
            .send(Ok(message))
            .await
            .map_err(|_| Stop::ClientGone)?;
        self.deadline = Instant::now() + self.heartbeat;
        Ok(())
    }

    fn too_slow(&self) -> tonic::Status {
        crate::metrics::feed_metrics().cut_off.add(1, &[]);
        Error::Refused {
            code: tonic::Code::ResourceExhausted,
            reason: "SUBSCRIBER_TOO_SLOW",
            message: format!(
                "this subscriber fell more than {} changes behind the live feed; subscribe \
                 again with the cursor of the last message you processed",
                self.capacity
            ),
            metadata: vec![
                ("buffer".to_owned(), self.capacity.to_string()),
                ("cursor".to_owned(), self.cursor.encode()),
            ],
            violations: Vec::new(),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_platform::bus::EventBus;
    use engage_platform::journal::StoredEvent;

    fn stored(sequence: i64) -> StoredEvent {
        StoredEvent {
            sequence,
            event_id: format!("e{sequence}"),
            event_type: "organization.updated".into(),
            resource_name: format!("organizations/o{sequence}"),
            resource_type: "engage.contacts.v1.Organization".into(),
            payload: Vec::new(),
            attributes: "{}".into(),
            actor: "olga".into(),
            occur_time: sequence,
            publish_time: None,
        }
    }

    #[test]
    fn changed_fields_come_from_the_event_without_what_the_subscriber_may_not_read() {
        let person_update = BusEvent {
            service: "contacts".into(),
            event: StoredEvent {
                event_type: "person.updated".into(),
                resource_type: PERSON.into(),
                attributes: r#"{"changed_fields":["notes","birth_date"]}"#.into(),
                ..stored(1)
            },
        };
        let selection = |reads_birth_dates| Selection {
            topics: vec![("contacts".into(), String::new())],
            reads_birth_dates,
            names_only: true,
            ..Selection::default()
        };
        let paths = |s: Selection| {
            s.change(&person_update)
                .and_then(|c| c.changed_fields)
                .map(|m| m.paths)
                .unwrap_or_default()
        };
        assert_eq!(paths(selection(false)), ["notes"]);
        assert_eq!(paths(selection(true)), ["notes", "birth_date"]);
        let created = BusEvent {
            event: StoredEvent {
                event_type: "person.created".into(),
                ..person_update.event.clone()
            },
            ..person_update.clone()
        };
        assert!(
            selection(true)
                .change(&created)
                .unwrap()
                .changed_fields
                .is_none()
        );
    }

    /// A subscription to contacts at `position`, over a bus holding `sequences`.
    async fn at(
        position: i64,
        sequences: &[i64],
    ) -> (Subscription, mpsc::Receiver<Outgoing>, EventBus) {
        let bus = EventBus::memory();
        let events: Vec<_> = sequences.iter().map(|&s| stored(s)).collect();
        bus.publish("contacts", &events).await.expect("published");
        let (out, received) = mpsc::channel(64);
        let mut cursor = Cursor::default();
        cursor.positions.insert("contacts".into(), position);
        let selection = Selection {
            topics: vec![("contacts".into(), String::new())],
            ..Selection::default()
        };
        let subscription = Subscription::new(
            Hub::new(bus.clone(), 16),
            selection,
            cursor,
            Duration::from_secs(15),
            16,
            out,
            Stopping::default(),
        );
        (subscription, received, bus)
    }

    fn live(after: i64, sequence: i64) -> Live {
        Live {
            after,
            event: BusEvent {
                service: "contacts".into(),
                event: stored(sequence),
            },
        }
    }

    fn delivered(received: &mut mpsc::Receiver<Outgoing>) -> Vec<i64> {
        let mut sequences = Vec::new();
        while let Ok(Ok(SubscribeResponse {
            payload: Some(Payload::Change(change)),
        })) = received.try_recv()
        {
            sequences.push(change.sequence);
        }
        sequences
    }

    #[tokio::test]
    async fn a_live_change_already_replayed_is_skipped() {
        let (mut subscription, mut received, _bus) = at(3, &[1, 2, 3]).await;
        assert!(subscription.on_live("contacts", &live(2, 3)).await.is_ok());
        assert_eq!(delivered(&mut received), Vec::<i64>::new());
    }

    #[tokio::test]
    async fn a_live_change_after_a_gap_brings_the_missed_ones_from_the_bus_first() {
        let (mut subscription, mut received, _bus) = at(1, &[1, 2, 4, 7, 9]).await;
        assert!(subscription.on_live("contacts", &live(7, 9)).await.is_ok());
        assert_eq!(delivered(&mut received), [2, 4, 7, 9]);
        assert_eq!(subscription.cursor.position("contacts"), 9);
    }

    #[tokio::test]
    async fn the_next_live_change_is_delivered_as_it_comes() {
        let (mut subscription, mut received, _bus) = at(7, &[1, 2, 4, 7, 9]).await;
        assert!(subscription.on_live("contacts", &live(7, 9)).await.is_ok());
        assert_eq!(delivered(&mut received), [9]);
    }
}
