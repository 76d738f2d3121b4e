//! The relay between a service's outbox and the event bus, on both databases and both
//! buses (in process, and Redis Streams).

use std::time::Duration;

use engage_platform::bus::EventBus;
use engage_platform::journal::{Event, Journal, RequestId, StoredEvent};
use engage_platform::relay::{self, RelaySettings};
use engage_platform::storage::{Database, Migrations};
use engage_platform::testkit::{TestBackend, TestDatabase};
use engage_platform::{Caller, Error, Role, with_connection, write_transaction};

static NO_TABLES: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("tests/migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("tests/migrations/sqlite"),
};

#[derive(Clone, Copy, Debug)]
enum Bus {
    Memory,
    Redis,
}

struct Setup {
    _db: TestDatabase,
    database: Database,
    bus: EventBus,
    service: String,
}

impl Setup {
    /// Loses the test's stream, as a Redis restarted without persistence would.
    async fn lose_stream(&self) {
        match self.bus {
            EventBus::Memory(..) => self
                .bus
                .trim_before(&self.service, i64::MAX)
                .await
                .expect("emptied"),
            EventBus::Redis(_) => self.delete_stream().await,
        }
    }

    async fn delete_stream(&self) {
        let client = redis::Client::open(redis_url()).expect("url");
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("Redis");
        let _: i64 = redis::cmd("DEL")
            .arg(format!("engage:events:{}", self.service))
            .arg(format!("engage:events:{}:trimmed", self.service))
            .arg(format!("engage:events:{}:origin", self.service))
            .query_async(&mut connection)
            .await
            .expect("DEL");
    }

    /// Removes the test's stream from Redis.
    async fn cleanup(self) {
        if let EventBus::Redis(_) = self.bus {
            self.delete_stream().await;
        }
    }
}

fn redis_url() -> String {
    std::env::var("ENGAGE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn setup(backend: TestBackend, bus: Bus) -> Setup {
    let (db, database) = TestDatabase::migrated(backend, &NO_TABLES).await;
    let bus = match bus {
        Bus::Memory => EventBus::memory(),
        Bus::Redis => EventBus::redis(&redis_url()).expect("a Redis URL"),
    };
    Setup {
        _db: db,
        database,
        bus,
        // A stream of its own per test.
        service: format!("test-{}", uuid::Uuid::now_v7().simple()),
    }
}

async fn write_events(database: &Database, count: usize) {
    let caller = Caller::new("officer-1", &[Role::CsuOfficer]);
    for i in 0..count {
        let written: Result<(), Error> = write_transaction!(database, |conn| {
            conn.append_event(
                &caller,
                Event {
                    event_type: "note.created".into(),
                    resource_name: format!("notes/{i}"),
                    resource_type: "engage.test.v1.Note".into(),
                    payload: vec![u8::try_from(i).unwrap_or(0); 3],
                    attributes: serde_json::json!({ "n": i }),
                },
            )
            .await
        });
        written.expect("event written");
    }
}

async fn unpublished(database: &Database) -> usize {
    let pending: Result<_, Error> = async {
        Ok(with_connection!(database, |conn| conn
            .unpublished_events(1000)
            .await?))
    }
    .await;
    pending.expect("read outbox").len()
}

async fn sequences(setup: &Setup) -> Vec<i64> {
    setup
        .bus
        .read_after(&setup.service, 0, 1000)
        .await
        .expect("read bus")
        .iter()
        .map(|e| e.event.sequence)
        .collect()
}

async fn events_reach_the_bus_in_commit_order_once(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    write_events(&setup.database, 5).await;
    let settings = RelaySettings::default();
    let sent = relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("published");
    assert_eq!(sent, 5);
    assert_eq!(sequences(&setup).await, [1, 2, 3, 4, 5]);
    assert_eq!(unpublished(&setup.database).await, 0, "marked as published");

    let read = setup
        .bus
        .read_after(&setup.service, 2, 10)
        .await
        .expect("read");
    assert_eq!(
        read.iter().map(|e| e.event.sequence).collect::<Vec<_>>(),
        [3, 4, 5],
        "a reader resumes after its cursor"
    );
    assert_eq!(read[0].event.resource_name, "notes/2");
    assert_eq!(read[0].event.payload, [2, 2, 2]);
    assert_eq!(read[0].event.actor, "officer-1");

    let again = relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("nothing new");
    assert_eq!(again, 0);
    assert_eq!(sequences(&setup).await.len(), 5);
    setup.cleanup().await;
}

async fn a_crash_after_publishing_publishes_nothing_twice(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    write_events(&setup.database, 3).await;
    // Published, then the process died before marking the rows.
    let pending: Result<_, Error> = async {
        Ok(with_connection!(setup.database, |conn| conn
            .unpublished_events(10)
            .await?))
    }
    .await;
    setup
        .bus
        .publish(&setup.service, &pending.expect("outbox"))
        .await
        .expect("published");
    write_events(&setup.database, 2).await;

    let settings = RelaySettings::default();
    relay::catch_up(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("caught up");
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("published");
    assert_eq!(
        sequences(&setup).await,
        [1, 2, 3, 4, 5],
        "each event once, in order"
    );
    assert_eq!(unpublished(&setup.database).await, 0);
    setup.cleanup().await;
}

async fn a_bus_that_lost_its_events_is_refilled_within_the_retention(
    backend: TestBackend,
    bus: Bus,
) {
    let setup = setup(backend, bus).await;
    write_events(&setup.database, 4).await;
    let settings = RelaySettings::default();
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("published");

    // A restart of an in-process bus, or a Redis that lost its data.
    let fresh = match setup.bus {
        EventBus::Memory(..) => EventBus::memory(),
        EventBus::Redis(_) => {
            setup.delete_stream().await;
            setup.bus.clone()
        }
    };
    let sent = relay::catch_up(&setup.service, &setup.database, &fresh, &settings)
        .await
        .expect("caught up");
    assert_eq!(sent, 4);
    let refilled: Vec<i64> = fresh
        .read_after(&setup.service, 0, 100)
        .await
        .expect("read")
        .iter()
        .map(|e| e.event.sequence)
        .collect();
    assert_eq!(refilled, [1, 2, 3, 4]);
    setup.cleanup().await;
}

async fn a_bus_that_lost_its_events_while_running_is_caught_up_before_new_ones(
    backend: TestBackend,
    bus: Bus,
) {
    let setup = setup(backend, bus).await;
    write_events(&setup.database, 3).await;
    let settings = RelaySettings::default();
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("published");
    // The bus loses everything (Redis restarted without persistence) while the service runs.
    setup.lose_stream().await;
    assert!(sequences(&setup).await.is_empty());

    write_events(&setup.database, 2).await;
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &settings)
        .await
        .expect("published");
    assert_eq!(
        sequences(&setup).await,
        [1, 2, 3, 4, 5],
        "no gap before the new events"
    );
    setup.cleanup().await;
}

async fn remembered(database: &Database, request: &RequestId) -> bool {
    let found: Result<_, Error> = async {
        Ok(with_connection!(database, |conn| conn
            .find_response("/test/Create", request)
            .await?))
    }
    .await;
    found.expect("read request ids").is_some()
}

async fn events_past_the_retention_leave_outbox_and_bus(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    write_events(&setup.database, 3).await;
    let response = prost_types::Duration {
        seconds: 1,
        nanos: 0,
    };
    let request = RequestId::parse(&uuid::Uuid::now_v7().to_string(), &response)
        .expect("a UUID")
        .expect("given");
    let recorded: Result<(), Error> = write_transaction!(setup.database, |conn| {
        conn.record_response("/test/Create", &request, &response)
            .await
    });
    recorded.expect("recorded");
    let keep_all = RelaySettings::default();
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &keep_all)
        .await
        .expect("published");
    assert_eq!(
        relay::prune(&setup.service, &setup.database, &setup.bus, &keep_all)
            .await
            .expect("prune"),
        0
    );
    assert_eq!(sequences(&setup).await.len(), 3);
    assert!(
        remembered(&setup.database, &request).await,
        "kept within the retention"
    );

    tokio::time::sleep(Duration::from_millis(5)).await;
    let keep_none = RelaySettings {
        retention: Duration::from_millis(1),
        ..RelaySettings::default()
    };
    let pruned = relay::prune(&setup.service, &setup.database, &setup.bus, &keep_none)
        .await
        .expect("prune");
    assert_eq!(pruned, 3);
    assert!(sequences(&setup).await.is_empty());
    // The bus remembers how far it was trimmed, so that the feeds refuse older cursors.
    let trimmed = setup
        .bus
        .trimmed(&setup.service)
        .await
        .expect("trimmed")
        .expect("recorded");
    assert_eq!(trimmed.sequence, 3);
    assert!(trimmed.occur_time > 0);
    assert!(
        !remembered(&setup.database, &request).await,
        "old request ids are forgotten"
    );

    // Numbering goes on after a prune: sequences are never reused.
    write_events(&setup.database, 1).await;
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &keep_all)
        .await
        .expect("published");
    assert_eq!(sequences(&setup).await, [4]);
    setup.cleanup().await;
}

async fn a_waiter_wakes_when_events_are_published(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    let mut waiter = setup.bus.waiter();
    let started = std::time::Instant::now();
    assert!(
        !waiter
            .wait_after(&setup.service, 0, Duration::from_millis(300))
            .await
            .expect("waited"),
        "nothing yet"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "it blocked"
    );
    let bus = setup.bus.clone();
    let service = setup.service.clone();
    let publisher = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let event = StoredEvent {
            sequence: 1,
            event_id: uuid::Uuid::now_v7().to_string(),
            event_type: "thing.created".into(),
            resource_name: "things/1".into(),
            resource_type: "test.Thing".into(),
            payload: Vec::new(),
            attributes: "{}".into(),
            actor: "tester".into(),
            occur_time: 1,
            publish_time: None,
        };
        bus.publish(&service, &[event]).await.expect("published");
    });
    let started = std::time::Instant::now();
    assert!(
        waiter
            .wait_after(&setup.service, 0, Duration::from_secs(5))
            .await
            .expect("waited")
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "woken, not timed out"
    );
    publisher.await.expect("the publisher");
    setup.cleanup().await;
}

async fn the_running_relay_publishes_as_writes_commit(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service: &'static str = Box::leak(setup.service.clone().into_boxed_str());
    tokio::spawn(relay::run(
        service,
        setup.database.clone(),
        setup.bus.clone(),
        RelaySettings {
            poll_interval: Duration::from_millis(10),
            ..RelaySettings::default()
        },
        async {
            let _ = stopped.await;
        },
    ));
    write_events(&setup.database, 3).await;
    let mut seen = Vec::new();
    for _ in 0..200 {
        seen = sequences(&setup).await;
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen, [1, 2, 3]);
    let _ = stop.send(());
    setup.cleanup().await;
}

async fn the_running_relay_refills_a_lost_bus_with_its_trim_mark(backend: TestBackend, bus: Bus) {
    let setup = setup(backend, bus).await;
    let keep_all = RelaySettings::default();
    write_events(&setup.database, 3).await;
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &keep_all)
        .await
        .expect("published");
    tokio::time::sleep(Duration::from_millis(5)).await;
    let keep_none = RelaySettings {
        retention: Duration::from_millis(1),
        ..RelaySettings::default()
    };
    relay::prune(&setup.service, &setup.database, &setup.bus, &keep_none)
        .await
        .expect("pruned");
    write_events(&setup.database, 2).await;
    relay::publish_pending(&setup.service, &setup.database, &setup.bus, &keep_all)
        .await
        .expect("published");
    let before = setup
        .bus
        .trimmed(&setup.service)
        .await
        .expect("trimmed")
        .expect("recorded");

    // Redis restarted without its data; an in-process bus after a restart is a new one.
    let lost = match bus {
        Bus::Memory => EventBus::memory(),
        Bus::Redis => {
            setup.delete_stream().await;
            setup.bus.clone()
        }
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service: &'static str = Box::leak(setup.service.clone().into_boxed_str());
    tokio::spawn(relay::run(
        service,
        setup.database.clone(),
        lost.clone(),
        RelaySettings {
            poll_interval: Duration::from_millis(10),
            ..keep_all
        },
        async {
            let _ = stopped.await;
        },
    ));
    let origin: Result<_, Error> = async {
        Ok(with_connection!(setup.database, |conn| conn
            .outbox_origin()
            .await?))
    }
    .await;
    let origin = origin.expect("the outbox's origin");
    let mut named = None;
    for _ in 0..500 {
        named = lost.origin(&setup.service).await.expect("read");
        if named.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(named.as_deref(), Some(origin.id.as_str()), "refilled");
    assert_eq!(origin.pruned.map(|(sequence, _)| sequence), Some(3));
    assert_eq!(
        lost.trimmed(&setup.service).await.expect("trimmed"),
        Some(before),
        "the trim mark is back, so older cursors stay expired"
    );
    let held: Vec<i64> = lost
        .read_after(&setup.service, 0, 100)
        .await
        .expect("read")
        .iter()
        .map(|e| e.event.sequence)
        .collect();
    assert_eq!(held, [4, 5]);
    let _ = stop.send(());
    setup.cleanup().await;
}

async fn a_refill_rebuilds_a_stream_with_a_gap_or_of_another_outbox(
    backend: TestBackend,
    bus: Bus,
) {
    let setup = setup(backend, bus).await;
    let settings = RelaySettings::default();
    write_events(&setup.database, 4).await;
    let events: Result<_, Error> = async {
        Ok(with_connection!(setup.database, |conn| conn
            .events_after(0, 10)
            .await?))
    }
    .await;
    let events = events.expect("outbox");
    let origin: Result<_, Error> = async {
        Ok(with_connection!(setup.database, |conn| conn
            .outbox_origin()
            .await?))
    }
    .await;
    let origin = origin.expect("origin").id;

    // The last event reached a stream that had lost the others.
    setup
        .bus
        .publish(&setup.service, &events[3..])
        .await
        .expect("published");
    relay::refill(
        &setup.service,
        &origin,
        &setup.database,
        &setup.bus,
        &settings,
    )
    .await
    .expect("refilled");
    assert_eq!(sequences(&setup).await, [1, 2, 3, 4]);
    assert_eq!(
        setup.bus.origin(&setup.service).await.expect("origin"),
        Some(origin.clone())
    );

    // Another outbox's stream, with its own trim mark, is replaced whole.
    setup
        .bus
        .set_origin(&setup.service, "0ther0utb0x")
        .await
        .expect("set");
    setup
        .bus
        .trim_before(&setup.service, 3)
        .await
        .expect("trimmed");
    relay::refill(
        &setup.service,
        &origin,
        &setup.database,
        &setup.bus,
        &settings,
    )
    .await
    .expect("refilled");
    assert_eq!(sequences(&setup).await, [1, 2, 3, 4]);
    assert_eq!(setup.bus.trimmed(&setup.service).await.expect("mark"), None);
    setup.cleanup().await;
}

macro_rules! on_both_buses {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use super::{Bus, TestBackend};
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_memory() { super::$name(TestBackend::Postgres, Bus::Memory).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_redis() { super::$name(TestBackend::Postgres, Bus::Redis).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_memory() { super::$name(TestBackend::Sqlite, Bus::Memory).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_redis() { super::$name(TestBackend::Sqlite, Bus::Redis).await }
            }
        )+
    };
}

on_both_buses!(
    events_reach_the_bus_in_commit_order_once,
    a_crash_after_publishing_publishes_nothing_twice,
    a_bus_that_lost_its_events_is_refilled_within_the_retention,
    a_bus_that_lost_its_events_while_running_is_caught_up_before_new_ones,
    events_past_the_retention_leave_outbox_and_bus,
    the_running_relay_publishes_as_writes_commit,
    the_running_relay_refills_a_lost_bus_with_its_trim_mark,
    a_refill_rebuilds_a_stream_with_a_gap_or_of_another_outbox,
    a_waiter_wakes_when_events_are_published,
);
