//! The change feed over a bus in memory and in Redis: replay from a cursor, expired cursors,
//! topics and filters, redaction, slow subscribers and heartbeats.

mod support;

use std::time::Duration;

use engage_api::feeds::subscribe_request::Start;
use engage_api::feeds::subscribe_response::Payload;
use engage_api::feeds::{ChangeType, ListTopicsRequest, PayloadView, SubscriptionFilter};
use engage_api::types::{RegionalGroup, Sector};
use engage_feeds::cursor::Cursor;
use engage_platform::{Caller, Role};
use prost::Message as _;
use support::{
    Bus, Feed, bus, changes_until_caught_up, event, next, next_within, organization, request, topic,
};
use tonic_types::StatusExt as _;

fn viewer() -> Caller {
    Caller::new("vera", &[Role::Viewer])
}

fn cursor_at(positions: &[(&str, i64)]) -> String {
    let mut cursor = Cursor::default();
    for (service, position) in positions {
        cursor.positions.insert((*service).to_owned(), *position);
    }
    cursor.encode()
}

async fn replay_from_a_cursor_delivers_exactly_the_missed_events_once_in_order(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    let mut live = client
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribe")
        .into_inner();
    assert!(matches!(next(&mut live).await, Payload::Heartbeat(h) if h.caught_up));
    feed.bus
        .publish("contacts", &[organization(1, "AR", "SECTOR_NGO")])
        .await
        .expect("publish");
    let Payload::Change(first) = next(&mut live).await else {
        panic!("expected the change")
    };
    assert_eq!(first.sequence, 1);
    drop(live);

    // Missed while away: sparse sequences, and another service's events in between.
    let missed = [4, 5, 9, 12, 30];
    for sequence in missed {
        feed.bus
            .publish("contacts", &[organization(sequence, "FR", "SECTOR_NGO")])
            .await
            .expect("publish");
        feed.bus
            .publish(
                "initiatives",
                &[event(
                    sequence,
                    "initiative.updated",
                    "initiatives/i",
                    "engage.initiatives.v1.Initiative",
                    Vec::new(),
                    serde_json::json!({"initiative": "initiatives/i"}),
                )],
            )
            .await
            .expect("publish");
    }
    let mut resumed = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(first.cursor.clone())),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect("resubscribe")
        .into_inner();
    assert!(matches!(next(&mut resumed).await, Payload::Heartbeat(h) if !h.caught_up));
    let replayed = changes_until_caught_up(&mut resumed).await;
    let sequences: Vec<i64> = replayed.iter().map(|c| c.sequence).collect();
    assert_eq!(sequences, missed);
    assert!(
        replayed
            .iter()
            .all(|c| c.event_type == "contacts.organization.created"
                && c.change_type == ChangeType::Created as i32)
    );

    // And then live, with nothing replayed twice.
    feed.bus
        .publish("contacts", &[organization(31, "FR", "SECTOR_NGO")])
        .await
        .expect("publish");
    let Payload::Change(next_change) = next(&mut resumed).await else {
        panic!("expected the live change")
    };
    assert_eq!(next_change.sequence, 31);
    // Resuming from the last replayed change's cursor replays only the live one.
    let mut again = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(replayed[4].cursor.clone())),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect("resubscribe")
        .into_inner();
    let _ = next(&mut again).await;
    let sequences: Vec<i64> = changes_until_caught_up(&mut again)
        .await
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(sequences, [31]);
}

use engage_api::feeds::SubscribeRequest;

async fn resuming_while_changes_commit_switches_to_live_without_gap_or_duplicate(kind: Bus) {
    const EVENTS: i64 = 400;
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    // Someone else keeps the reader running, so the fan-out runs ahead of the replay.
    let mut other = client
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribe")
        .into_inner();
    let _ = next(&mut other).await;
    let publishing = feed.bus.clone();
    let publisher = tokio::spawn(async move {
        for sequence in 1..=EVENTS {
            publishing
                .publish("contacts", &[organization(sequence, "KE", "SECTOR_NGO")])
                .await
                .expect("publish");
            if sequence % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut resumed = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(cursor_at(&[("contacts", 0)]))),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect("resubscribe")
        .into_inner();
    let mut sequences = Vec::new();
    while sequences.len() < EVENTS as usize {
        if let Payload::Change(change) = next(&mut resumed).await {
            sequences.push(change.sequence);
        }
    }
    publisher.await.expect("the publisher");
    assert_eq!(sequences, (1..=EVENTS).collect::<Vec<_>>());
    let more = tokio::time::timeout(Duration::from_millis(300), async {
        loop {
            if let Payload::Change(change) = next(&mut resumed).await {
                return change.sequence;
            }
        }
    })
    .await;
    assert!(more.is_err(), "a duplicate: {more:?}");
}

async fn a_cursor_of_another_deployment_or_beyond_a_stream_is_refused(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    let events: Vec<_> = (1..=3)
        .map(|s| organization(s, "KE", "SECTOR_NGO"))
        .collect();
    feed.bus
        .publish("contacts", &events)
        .await
        .expect("publish");
    let mut stream = client
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribed")
        .into_inner();
    let Payload::Heartbeat(first) = next(&mut stream).await else {
        panic!("a heartbeat first");
    };
    let ours = Cursor::decode(&first.cursor).expect("a cursor");
    assert_eq!(ours.position("contacts"), 3);
    assert_eq!(
        ours.origins.get("contacts").map(String::as_str),
        Some(support::ORIGIN),
        "the cursor names the outbox its position counts in"
    );

    let mut elsewhere = ours.clone();
    elsewhere
        .origins
        .insert("contacts".into(), "fedcba9876543210".into());
    let mut far = ours.clone();
    far.positions.insert("contacts".into(), 1_000_000_000);
    for (what, cursor) in [
        ("another deployment's cursor", elsewhere.encode()),
        ("a cursor beyond the stream", far.encode()),
        (
            "an older cursor beyond the stream",
            cursor_at(&[("contacts", 996)]),
        ),
    ] {
        let refused = client
            .subscribe(SubscribeRequest {
                start: Some(Start::Cursor(cursor)),
                ..request(vec![topic("contacts", "")])
            })
            .await
            .expect_err(what);
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{what}");
        assert_eq!(
            refused.get_details_error_info().expect("info").reason,
            "INVALID_CURSOR",
            "{what}"
        );
    }
    // An older cursor within the streams still resumes.
    let mut resumed = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(cursor_at(&[("contacts", 1)]))),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect("an older cursor")
        .into_inner();
    let _ = next(&mut resumed).await;
    let sequences: Vec<i64> = changes_until_caught_up(&mut resumed)
        .await
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(sequences, [2, 3]);
}

async fn no_stream_starts_while_the_bus_lacks_a_services_history(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    // As after Redis lost its data, before the relay refilled the stream.
    feed.bus.reset("declarations").await.expect("reset");
    let refused = client
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect_err("no stream before the refill");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    let info = refused.get_details_error_info().expect("info");
    assert_eq!(info.reason, "STREAMS_REFILLING");
    assert_eq!(
        info.metadata.get("services").map(String::as_str),
        Some("declarations")
    );
    feed.bus
        .set_origin("declarations", support::ORIGIN)
        .await
        .expect("refilled");
    client
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribed once refilled");
}

async fn a_cursor_older_than_the_trimmed_floor_is_refused(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    let events: Vec<_> = (1..=5)
        .map(|s| organization(s, "KE", "SECTOR_NGO"))
        .collect();
    feed.bus
        .publish("contacts", &events)
        .await
        .expect("publish");
    feed.bus.trim_before("contacts", 4).await.expect("trim");

    let refused = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(cursor_at(&[("contacts", 2)]))),
            ..request(vec![topic("contacts", "Organization")])
        })
        .await
        .expect_err("a cursor before the trimmed events");
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    let info = refused.get_details_error_info().expect("error info");
    assert_eq!(info.reason, "CURSOR_EXPIRED");
    assert!(
        info.metadata.contains_key("oldest_available_time"),
        "{info:?}"
    );

    let by_time = client
        .subscribe(SubscribeRequest {
            start: Some(Start::StartTime(engage_platform::resource::timestamp(
                events[0].occur_time,
            ))),
            ..request(vec![topic("contacts", "Organization")])
        })
        .await
        .expect_err("a start time before the trimmed events");
    assert_eq!(by_time.code(), tonic::Code::FailedPrecondition);

    // At the last trimmed event nothing is missing.
    let mut resumed = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(cursor_at(&[("contacts", 3)]))),
            ..request(vec![topic("contacts", "Organization")])
        })
        .await
        .expect("a cursor at the trimmed floor")
        .into_inner();
    let _ = next(&mut resumed).await;
    let sequences: Vec<i64> = changes_until_caught_up(&mut resumed)
        .await
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(sequences, [4, 5]);

    let listed = client
        .list_topics(ListTopicsRequest {})
        .await
        .expect("ListTopics")
        .into_inner();
    assert_eq!(
        listed
            .oldest_available_time
            .map(|t| engage_platform::resource::micros(&t)),
        Some(events[2].occur_time + 1)
    );

    let malformed = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor("bm90IGEgY3Vyc29y".into())),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect_err("a malformed cursor");
    assert_eq!(malformed.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        malformed.get_details_error_info().expect("info").reason,
        "INVALID_CURSOR"
    );
}

async fn start_time_replays_from_that_time(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    let early: Vec<_> = (1..=3)
        .map(|s| organization(s, "KE", "SECTOR_NGO"))
        .collect();
    feed.bus.publish("contacts", &early).await.expect("publish");
    tokio::time::sleep(Duration::from_millis(5)).await;
    let late: Vec<_> = (4..=6)
        .map(|s| organization(s, "KE", "SECTOR_NGO"))
        .collect();
    feed.bus.publish("contacts", &late).await.expect("publish");
    let mut stream = client
        .subscribe(SubscribeRequest {
            start: Some(Start::StartTime(engage_platform::resource::timestamp(
                late[0].occur_time,
            ))),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect("subscribe")
        .into_inner();
    let _ = next(&mut stream).await;
    let sequences: Vec<i64> = changes_until_caught_up(&mut stream)
        .await
        .iter()
        .map(|c| c.sequence)
        .collect();
    assert_eq!(sequences, [4, 5, 6]);
}

fn person(sequence: i64, youth: bool) -> engage_platform::journal::StoredEvent {
    let message = engage_api::contacts::Person {
        name: format!("people/p{sequence}"),
        given_name: "Amina".into(),
        youth,
        birth_date: Some(engage_api::types::Date {
            year: 2008,
            month: 4,
            day: 2,
        }),
        country_code: "KE".into(),
        ..Default::default()
    };
    event(
        sequence,
        "person.updated",
        &message.name,
        "engage.contacts.v1.Person",
        message.encode_to_vec(),
        serde_json::json!({"country_code": "KE", "regional_group": "REGIONAL_GROUP_AFRICAN"}),
    )
}

async fn replay_all(
    client: &mut support::Client,
    request: SubscribeRequest,
) -> Vec<engage_api::feeds::ChangeEvent> {
    let mut stream = client
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(Cursor::default().encode())),
            ..request
        })
        .await
        .expect("subscribe")
        .into_inner();
    let _ = next(&mut stream).await;
    changes_until_caught_up(&mut stream).await
}

async fn filters_and_topics_select_the_right_events(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut client = feed.client(viewer());
    feed.bus
        .publish(
            "contacts",
            &[
                organization(1, "AR", "SECTOR_NGO"),
                organization(2, "AR", "SECTOR_PRIVATE_SECTOR"),
                organization(3, "FR", "SECTOR_NGO"),
                person(4, false),
                organization(5, "BR", "SECTOR_NGO"),
            ],
        )
        .await
        .expect("publish");
    let initiative = |sequence, name: &str, verb: &str| {
        event(
            sequence,
            &format!("initiative.{verb}"),
            name,
            "engage.initiatives.v1.Initiative",
            Vec::new(),
            serde_json::json!({"initiative": name, "country_code": "KE"}),
        )
    };
    feed.bus
        .publish(
            "initiatives",
            &[
                initiative(1, "initiatives/a", "created"),
                initiative(2, "initiatives/b", "created"),
                initiative(3, "initiatives/a", "deleted"),
            ],
        )
        .await
        .expect("publish");

    let sequences = |changes: &[engage_api::feeds::ChangeEvent]| {
        changes
            .iter()
            .map(|c| (c.topic.clone().unwrap_or_default().service, c.sequence))
            .collect::<Vec<_>>()
    };
    let ngos_in_latin_america = replay_all(
        &mut client,
        SubscribeRequest {
            filter: Some(SubscriptionFilter {
                sectors: vec![Sector::Ngo as i32],
                regional_groups: vec![RegionalGroup::LatinAmericanCaribbean as i32],
                ..Default::default()
            }),
            ..request(vec![
                topic("contacts", "Organization"),
                topic("initiatives", ""),
            ])
        },
    )
    .await;
    assert_eq!(
        sequences(&ngos_in_latin_america),
        [("contacts".to_owned(), 1), ("contacts".to_owned(), 5)]
    );
    assert!(ngos_in_latin_america.iter().all(|c| c.resource.is_some()));

    let people_names_only = replay_all(
        &mut client,
        SubscribeRequest {
            view: PayloadView::NamesOnly as i32,
            ..request(vec![topic("contacts", "Person")])
        },
    )
    .await;
    assert_eq!(sequences(&people_names_only), [("contacts".to_owned(), 4)]);
    assert_eq!(people_names_only[0].resource, None);
    assert_eq!(people_names_only[0].change_type, ChangeType::Updated as i32);

    let one_initiative = replay_all(
        &mut client,
        SubscribeRequest {
            filter: Some(SubscriptionFilter {
                initiatives: vec!["initiatives/a".into()],
                ..Default::default()
            }),
            ..request(vec![
                topic("contacts", ""),
                topic("initiatives", "Initiative"),
            ])
        },
    )
    .await;
    assert_eq!(
        sequences(&one_initiative),
        [("initiatives".to_owned(), 1), ("initiatives".to_owned(), 3)]
    );
    assert_eq!(one_initiative[1].change_type, ChangeType::Deleted as i32);
    assert_eq!(
        one_initiative[1].event_type,
        "initiatives.initiative.deleted"
    );

    // A coordinator receives only the initiatives they coordinate, and may not read
    // declarations at all.
    let mut coordinator = Caller::new("cora", &[Role::Coordinator]);
    coordinator.initiatives = vec!["initiatives/b".into()];
    let mut coordinator_client = feed.client(coordinator);
    let coordinated = replay_all(
        &mut coordinator_client,
        request(vec![topic("initiatives", "")]),
    )
    .await;
    assert_eq!(sequences(&coordinated), [("initiatives".to_owned(), 2)]);
    let denied = coordinator_client
        .subscribe(request(vec![topic("declarations", "")]))
        .await
        .expect_err("declarations are not for coordinators");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let coordinator_topics = coordinator_client
        .list_topics(ListTopicsRequest {})
        .await
        .expect("ListTopics")
        .into_inner();
    assert!(coordinator_topics.topics.iter().all(|t| matches!(
        t.topic.as_ref().map(|t| t.service.as_str()),
        Some("contacts" | "initiatives")
    )));

    let all_topics = client
        .list_topics(ListTopicsRequest {})
        .await
        .expect("ListTopics")
        .into_inner();
    let organization_topic = all_topics
        .topics
        .iter()
        .find(|t| t.message_type == "engage.contacts.v1.Organization")
        .expect("the organisation topic");
    assert!(
        organization_topic
            .event_types
            .contains(&"contacts.organization.merged".to_owned())
    );
    assert_eq!(all_topics.retention.map(|d| d.seconds), Some(7 * 24 * 3600));
    assert!(all_topics.topics.len() > coordinator_topics.topics.len());

    let bad = client
        .subscribe(SubscribeRequest {
            filter: Some(SubscriptionFilter {
                country_codes: vec!["ar".into()],
                sectors: vec![Sector::Unspecified as i32],
                ..Default::default()
            }),
            heartbeat_interval: Some(prost_types::Duration {
                seconds: 2,
                nanos: 0,
            }),
            ..request(vec![topic("billing", ""), topic("contacts", "Invoice")])
        })
        .await
        .expect_err("bad topics and filter");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    let mut fields: Vec<String> = bad
        .get_details_bad_request()
        .expect("field violations")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "filter.country_codes[0]",
            "filter.sectors[0]",
            "topics[0].service",
            "topics[1].resource_type"
        ]
    );
    let no_topics = client
        .subscribe(request(Vec::new()))
        .await
        .expect_err("no topics");
    assert_eq!(no_topics.code(), tonic::Code::InvalidArgument);
    let slow_heartbeat = client
        .subscribe(SubscribeRequest {
            heartbeat_interval: Some(prost_types::Duration {
                seconds: 61,
                nanos: 0,
            }),
            ..request(vec![topic("contacts", "")])
        })
        .await
        .expect_err("a heartbeat interval over a minute");
    assert_eq!(
        slow_heartbeat
            .get_details_bad_request()
            .expect("field violations")
            .field_violations[0]
            .field,
        "heartbeat_interval"
    );
}

async fn a_youth_birth_date_is_redacted_for_anyone_but_admins(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    feed.bus
        .publish("contacts", &[person(1, true), person(2, false)])
        .await
        .expect("publish");
    let decode = |change: &engage_api::feeds::ChangeEvent| {
        engage_api::contacts::Person::decode(
            change
                .resource
                .as_ref()
                .expect("the person")
                .value
                .as_slice(),
        )
        .expect("a person")
    };
    for role in [Role::Viewer, Role::CsuOfficer, Role::Dashboard] {
        let changes = replay_all(
            &mut feed.client(Caller::new("someone", &[role])),
            request(vec![topic("contacts", "Person")]),
        )
        .await;
        let youth = decode(&changes[0]);
        assert_eq!(youth.birth_date, None, "{role:?}");
        assert!(youth.birth_date_withheld);
        assert_eq!(
            changes[0].redacted_fields.clone().unwrap_or_default().paths,
            ["birth_date"]
        );
        assert!(
            decode(&changes[1]).birth_date.is_some(),
            "an adult's is kept"
        );
        assert_eq!(changes[1].redacted_fields, None);
    }
    let admin = replay_all(
        &mut feed.client(Caller::new("ada", &[Role::Admin])),
        request(vec![topic("contacts", "Person")]),
    )
    .await;
    assert!(decode(&admin[0]).birth_date.is_some());
    assert_eq!(admin[0].redacted_fields, None);
}

async fn a_slow_subscriber_is_cut_off_while_a_fast_one_keeps_receiving(kind: Bus) {
    const BUFFER: usize = 512;
    const EVENTS: i64 = 2000;
    let feed = Feed::start(bus(kind), BUFFER).await;
    let mut slow = feed
        .narrow_client(viewer())
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribe")
        .into_inner();
    let mut fast = feed
        .client(viewer())
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribe")
        .into_inner();
    assert!(matches!(next(&mut slow).await, Payload::Heartbeat(_)));
    assert!(matches!(next(&mut fast).await, Payload::Heartbeat(_)));
    let reader = tokio::spawn(async move {
        let mut sequences = Vec::new();
        while sequences.len() < EVENTS as usize {
            if let Payload::Change(c) = next(&mut fast).await {
                sequences.push(c.sequence);
            }
        }
        sequences
    });
    let padding = "x".repeat(2000);
    for batch in 0..EVENTS / 50 {
        let events: Vec<_> = (1..=50)
            .map(|i| {
                let mut e = organization(batch * 50 + i, "KE", "SECTOR_NGO");
                e.attributes =
                    serde_json::json!({"country_code": "KE", "padding": padding}).to_string();
                e.resource_name = format!("organizations/{padding}");
                e
            })
            .collect();
        feed.bus
            .publish("contacts", &events)
            .await
            .expect("publish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let received = reader.await.expect("the fast reader");
    assert_eq!(received, (1..=EVENTS).collect::<Vec<_>>());

    let mut delivered = 0;
    let status = loop {
        match next_within(&mut slow, 10).await {
            Ok(Payload::Change(_)) => delivered += 1,
            Ok(Payload::Heartbeat(_)) => {}
            Err(status) => break status,
        }
    };
    assert!(
        delivered < EVENTS,
        "the slow one was cut off ({delivered} delivered)"
    );
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("subscribe again"));
    let info = status.get_details_error_info().expect("error info");
    assert_eq!(info.reason, "SUBSCRIBER_TOO_SLOW");
    assert!(info.metadata.contains_key("cursor"));
}

async fn heartbeats_arrive_on_an_idle_stream(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut stream = feed
        .client(viewer())
        .subscribe(SubscribeRequest {
            heartbeat_interval: Some(prost_types::Duration {
                seconds: 5,
                nanos: 0,
            }),
            ..request(vec![topic("initiatives", "")])
        })
        .await
        .expect("subscribe")
        .into_inner();
    let Payload::Heartbeat(first) = next(&mut stream).await else {
        panic!("the first message is a heartbeat")
    };
    assert!(first.caught_up);
    // Changes of other topics are skipped, but the cursor moves past them.
    feed.bus
        .publish("contacts", &[organization(7, "KE", "SECTOR_NGO")])
        .await
        .expect("publish");
    let started = tokio::time::Instant::now();
    let Payload::Heartbeat(second) = next_within(&mut stream, 8).await.expect("a heartbeat") else {
        panic!("only heartbeats on an idle stream")
    };
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(4), "{waited:?}");
    assert!(second.caught_up);
    let cursor = Cursor::decode(&second.cursor).expect("a cursor");
    assert_eq!(cursor.position("contacts"), 7);
}

async fn a_stopping_server_ends_its_streams_with_unavailable(kind: Bus) {
    let feed = Feed::start(bus(kind), 1024).await;
    let mut stream = feed
        .client(viewer())
        .subscribe(request(vec![topic("contacts", "")]))
        .await
        .expect("subscribe")
        .into_inner();
    let _ = next(&mut stream).await;
    feed.stopping();
    let status = next_within(&mut stream, 5)
        .await
        .expect_err("the stream ends");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(
        status.get_details_error_info().expect("error info").reason,
        "SERVER_STOPPING"
    );
}

on_both_buses!(
    resuming_while_changes_commit_switches_to_live_without_gap_or_duplicate,
    a_stopping_server_ends_its_streams_with_unavailable,
    replay_from_a_cursor_delivers_exactly_the_missed_events_once_in_order,
    a_cursor_older_than_the_trimmed_floor_is_refused,
    a_cursor_of_another_deployment_or_beyond_a_stream_is_refused,
    no_stream_starts_while_the_bus_lacks_a_services_history,
    start_time_replays_from_that_time,
    filters_and_topics_select_the_right_events,
    a_youth_birth_date_is_redacted_for_anyone_but_admins,
    a_slow_subscriber_is_cut_off_while_a_fast_one_keeps_receiving,
    heartbeats_arrive_on_an_idle_stream,
);
