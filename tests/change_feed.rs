//! The change feed end to end: writes through the gateway to contacts on PostgreSQL, read
//! back from the feeds through the gateway with a real token, on a Redis bus and on the
//! in-process bus.

use std::collections::HashSet;
use std::time::Duration;

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{
    CreateInteractionRequest, CreateOrganizationRequest, Interaction, InteractionKind,
    Organization, UpdateOrganizationRequest,
};
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::subscribe_request::Start;
use engage_api::feeds::subscribe_response::Payload;
use engage_api::feeds::{
    ChangeEvent, ListTopicsRequest, SubscribeRequest, SubscribeResponse, Topic,
};
use engage_gateway::RateLimits;
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::{TestBus, TestSystem, records};

async fn start(bus: TestBus) -> TestSystem {
    // Writes in bulk: far above the default 20 a second.
    let limits = RateLimits {
        write: "100000/s".parse().expect("a rate"),
        read: "100000/s".parse().expect("a rate"),
        ..RateLimits::default()
    };
    TestSystem::start_with(TestBackend::Postgres, bus, limits).await
}

fn organizations() -> SubscribeRequest {
    SubscribeRequest {
        topics: vec![Topic {
            service: "contacts".into(),
            resource_type: "Organization".into(),
        }],
        ..Default::default()
    }
}

/// An organisation whose name is unlike every other's, so that duplicate detection finds
/// nothing to report (similar names would make every create slower than the last).
fn organization(n: usize) -> Organization {
    let letters: String = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(12)
        .map(|b| char::from(b'a' + b % 26))
        .collect();
    Organization {
        display_name: format!("Fundación {letters} {n}"),
        sector: engage_api::types::Sector::Ngo as i32,
        country_code: "AR".into(),
        ..Organization::default()
    }
}

async fn next(stream: &mut tonic::Streaming<SubscribeResponse>) -> Payload {
    match tokio::time::timeout(Duration::from_secs(10), stream.message()).await {
        Ok(Ok(Some(message))) => message.payload.expect("a payload"),
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn next_change(stream: &mut tonic::Streaming<SubscribeResponse>) -> ChangeEvent {
    loop {
        if let Payload::Change(change) = next(stream).await {
            return change;
        }
    }
}

/// The next `count` changes, then checks that no further change follows for a moment (the
/// relay may still be publishing when the replay reaches the bus's end, so the last ones can
/// arrive live).
async fn exactly(
    stream: &mut tonic::Streaming<SubscribeResponse>,
    count: usize,
) -> Vec<ChangeEvent> {
    let mut changes = Vec::new();
    while changes.len() < count {
        changes.push(next_change(stream).await);
    }
    let more = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            match stream.message().await {
                Ok(Some(SubscribeResponse {
                    payload: Some(Payload::Change(change)),
                })) => return Some(change),
                Ok(Some(_)) => {}
                _ => return None,
            }
        }
    })
    .await;
    assert!(
        !matches!(more, Ok(Some(_))),
        "a change beyond the {count} expected: {more:?}"
    );
    changes
}

async fn a_subscriber_resumes_after_a_feeds_restart_with_exactly_the_missed_events(bus: TestBus) {
    let mut system = start(bus).await;
    let viewer = Caller::new("vera", &[Role::Viewer]);
    let officer = Caller::new("olga", &[Role::CsuOfficer]);
    let mut feeds = FeedsServiceClient::new(system.channel_as(&viewer));
    let contacts = ContactsServiceClient::new(system.channel_as(&officer));

    let mut stream = feeds
        .subscribe(organizations())
        .await
        .expect("Subscribe through the gateway")
        .into_inner();
    assert!(matches!(next(&mut stream).await, Payload::Heartbeat(h) if h.caught_up));
    let created = contacts
        .clone()
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization(0)),
            ..Default::default()
        })
        .await
        .expect("create through the gateway")
        .into_inner()
        .organization
        .expect("the organisation");
    let seen = next_change(&mut stream).await;
    assert_eq!(seen.resource_name, created.name);
    assert_eq!(seen.event_type, "contacts.organization.created");
    let decoded: Organization = prost::Message::decode(
        seen.resource
            .as_ref()
            .expect("the resource")
            .value
            .as_slice(),
    )
    .expect("an organisation");
    assert_eq!(decoded, created);
    drop(stream);

    // Away: 500 writes (interactions with the organisation, which cost less than
    // organisations: no duplicate search), four at a time, and a restart of the feeds.
    let mut names = HashSet::new();
    let mut writers = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let mut contacts = contacts.clone();
        let organization = created.name.clone();
        writers.spawn(async move {
            let mut names = Vec::new();
            for n in (worker..500).step_by(4) {
                let interaction = Interaction {
                    kind: InteractionKind::Meeting as i32,
                    subject: format!("Follow-up meeting {n}"),
                    occur_date: Some(engage_api::types::Date {
                        year: 2026,
                        month: 3,
                        day: 12,
                    }),
                    organizations: vec![organization.clone()],
                    ..Interaction::default()
                };
                let created = contacts
                    .create_interaction(CreateInteractionRequest {
                        interaction: Some(interaction),
                        ..Default::default()
                    })
                    .await
                    .expect("create an interaction")
                    .into_inner()
                    .interaction
                    .expect("the interaction");
                names.push(created.name);
            }
            names
        });
    }
    while let Some(written) = writers.join_next().await {
        names.extend(written.expect("a writer"));
    }
    assert_eq!(names.len(), 500);
    system.restart_feeds().await;

    let mut resumed = feeds
        .subscribe(SubscribeRequest {
            start: Some(Start::Cursor(seen.cursor.clone())),
            topics: vec![Topic {
                service: "contacts".into(),
                resource_type: "Interaction".into(),
            }],
            ..Default::default()
        })
        .await
        .expect("resubscribe after the restart")
        .into_inner();
    let missed = exactly(&mut resumed, 500).await;
    assert_eq!(missed.len(), 500, "each missed write once");
    let received: HashSet<String> = missed.iter().map(|c| c.resource_name.clone()).collect();
    assert_eq!(received, names, "exactly the missed writes");
    assert!(
        missed.windows(2).all(|w| w[0].sequence < w[1].sequence),
        "in commit order"
    );
    assert!(missed[0].sequence > seen.sequence);
    system.stop().await;
}

async fn a_failed_write_produces_no_event(bus: TestBus) {
    let system = start(bus).await;
    let viewer = Caller::new("vera", &[Role::Viewer]);
    let officer = Caller::new("olga", &[Role::CsuOfficer]);
    let mut feeds = FeedsServiceClient::new(system.channel_as(&viewer));
    let mut contacts = ContactsServiceClient::new(system.channel_as(&officer));
    let mut stream = feeds
        .subscribe(organizations())
        .await
        .expect("Subscribe")
        .into_inner();
    let _ = next(&mut stream).await;
    let first = contacts
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization(1)),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .organization
        .expect("the organisation");
    let refused = contacts
        .update_organization(UpdateOrganizationRequest {
            organization: Some(Organization {
                display_name: "Renamed".into(),
                etag: "\"stale\"".into(),
                ..first.clone()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .expect_err("a stale etag");
    assert_eq!(refused.code(), tonic::Code::Aborted);
    let second = contacts
        .create_organization(CreateOrganizationRequest {
            organization: Some(organization(2)),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .organization
        .expect("the organisation");
    let a = next_change(&mut stream).await;
    let b = next_change(&mut stream).await;
    assert_eq!(
        [a.resource_name.as_str(), a.event_type.as_str()],
        [first.name.as_str(), "contacts.organization.created"]
    );
    assert_eq!(
        [b.resource_name.as_str(), b.event_type.as_str()],
        [second.name.as_str(), "contacts.organization.created"],
        "nothing from the refused update in between"
    );
    system.stop().await;
}

async fn two_feeds_replicas_both_deliver_every_event() {
    let mut system = start(TestBus::Redis).await;
    let viewer = Caller::new("vera", &[Role::Viewer]);
    let officer = Caller::new("olga", &[Role::CsuOfficer]);
    let replica = system.start_feeds_replica(viewer.clone()).await;
    let mut through_gateway = FeedsServiceClient::new(system.channel_as(&viewer))
        .subscribe(organizations())
        .await
        .expect("Subscribe through the gateway")
        .into_inner();
    let mut on_replica = FeedsServiceClient::new(replica)
        .subscribe(organizations())
        .await
        .expect("Subscribe on the second replica")
        .into_inner();
    let _ = next(&mut through_gateway).await;
    let _ = next(&mut on_replica).await;
    let mut contacts = ContactsServiceClient::new(system.channel_as(&officer));
    let mut names = Vec::new();
    for n in 0..20 {
        let created = contacts
            .create_organization(CreateOrganizationRequest {
                organization: Some(organization(n)),
                ..Default::default()
            })
            .await
            .expect("create")
            .into_inner()
            .organization
            .expect("the organisation");
        names.push(created.name);
    }
    for stream in [&mut through_gateway, &mut on_replica] {
        let mut received = Vec::new();
        while received.len() < names.len() {
            received.push(next_change(stream).await.resource_name);
        }
        assert_eq!(received, names);
    }
    system.stop().await;
}

/// Every change of a replay from `start`, up to the heartbeat that says it caught up.
async fn replayed(
    feeds: &mut FeedsServiceClient<engage_system_tests::Authorised>,
    topics: Vec<Topic>,
    start: prost_types::Timestamp,
) -> Vec<ChangeEvent> {
    let mut stream = feeds
        .subscribe(SubscribeRequest {
            topics,
            start: Some(Start::StartTime(start)),
            ..Default::default()
        })
        .await
        .expect("Subscribe from a start time")
        .into_inner();
    let mut changes = Vec::new();
    loop {
        match next(&mut stream).await {
            Payload::Change(change) => changes.push(change),
            Payload::Heartbeat(h) if h.caught_up => return changes,
            Payload::Heartbeat(_) => {}
        }
    }
}

fn service(name: &str) -> Topic {
    Topic {
        service: name.into(),
        resource_type: String::new(),
    }
}

async fn every_service_publishes_its_changes_as_the_catalogue_names_them(bus: TestBus) {
    let system = start(bus).await;
    let start_time = prost_types::Timestamp::from(std::time::SystemTime::now());
    let officer = Caller::new("olga", &[Role::CsuOfficer]);
    let written = records::write_records(&system, &officer).await;

    let viewer = Caller::new("vera", &[Role::Viewer]);
    let mut feeds = FeedsServiceClient::new(system.channel_as(&viewer));
    let catalogue = feeds
        .list_topics(ListTopicsRequest::default())
        .await
        .expect("the topics")
        .into_inner()
        .topics;
    let expected = [
        "initiatives.initiative.created",
        "initiatives.initiative.launched",
        "initiatives.milestone.created",
        "declarations.declaration.created",
        "declarations.declaration.opened",
        "declarations.signature.created",
        "declarations.signature.verified",
        "briefings.event.created",
        "briefings.event.published",
        "briefings.registration.registered",
    ];
    // The relays publish each service's outbox a moment after the write answered, so the last
    // writes may not be on the bus yet when a replay first catches up: replay until they are.
    let patience = std::time::Instant::now() + Duration::from_secs(20);
    let changes = loop {
        let changes = replayed(
            &mut feeds,
            vec![
                service("initiatives"),
                service("declarations"),
                service("briefings"),
            ],
            start_time,
        )
        .await;
        let arrived = expected
            .iter()
            .all(|e| changes.iter().any(|c| c.event_type == *e));
        if arrived || std::time::Instant::now() > patience {
            break changes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for change in &changes {
        let topic = change.topic.clone().expect("a topic");
        let info = catalogue
            .iter()
            .find(|t| t.topic.as_ref() == Some(&topic))
            .unwrap_or_else(|| panic!("{topic:?} is not in the catalogue"));
        assert!(
            info.event_types.contains(&change.event_type),
            "{} is not an event type of {topic:?}: {:?}",
            change.event_type,
            info.event_types
        );
        let resource = change
            .resource
            .as_ref()
            .expect("the resource after the change");
        assert!(
            resource.type_url.ends_with(&info.message_type),
            "{} carries {}",
            change.event_type,
            resource.type_url
        );
    }
    let types: HashSet<&str> = changes.iter().map(|c| c.event_type.as_str()).collect();
    for expected in expected {
        assert!(types.contains(expected), "no {expected} among {types:?}");
    }

    // A coordinator's feed carries their own initiative's changes and no other's.
    let mut coordinator = Caller::new("coordinator-ke", &[Role::Coordinator]);
    coordinator.initiatives = vec![written.kenyan_initiative.clone()];
    let mut theirs = FeedsServiceClient::new(system.channel_as(&coordinator));
    let their_changes = replayed(&mut theirs, vec![service("initiatives")], start_time).await;
    assert!(their_changes.len() >= 3, "{their_changes:?}");
    assert!(
        their_changes
            .iter()
            .all(|c| c.resource_name.starts_with(&written.kenyan_initiative)),
        "{:?}",
        their_changes
            .iter()
            .map(|c| &c.resource_name)
            .collect::<Vec<_>>()
    );
    let refused = theirs
        .subscribe(SubscribeRequest {
            topics: vec![service("declarations")],
            ..Default::default()
        })
        .await
        .expect_err("a coordinator may not follow declarations");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    system.stop().await;
}

mod redis {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_subscriber_resumes_after_a_feeds_restart_with_exactly_the_missed_events() {
        super::a_subscriber_resumes_after_a_feeds_restart_with_exactly_the_missed_events(
            TestBus::Redis,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_produces_no_event() {
        super::a_failed_write_produces_no_event(TestBus::Redis).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_service_publishes_its_changes_as_the_catalogue_names_them() {
        super::every_service_publishes_its_changes_as_the_catalogue_names_them(TestBus::Redis).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_feeds_replicas_both_deliver_every_event() {
        super::two_feeds_replicas_both_deliver_every_event().await
    }
}

mod memory {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_subscriber_resumes_after_a_feeds_restart_with_exactly_the_missed_events() {
        super::a_subscriber_resumes_after_a_feeds_restart_with_exactly_the_missed_events(
            TestBus::Memory,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_produces_no_event() {
        super::a_failed_write_produces_no_event(TestBus::Memory).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_service_publishes_its_changes_as_the_catalogue_names_them() {
        super::every_service_publishes_its_changes_as_the_catalogue_names_them(TestBus::Memory)
            .await
    }
}
