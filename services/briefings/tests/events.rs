//! Events through the generated client on both databases: create with organisers checked in
//! contacts, update with etags, the life cycle, soft delete, lists with filters and keyset
//! pages, the outbox and the audit trail.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::briefings::*;
use engage_api::types::Sector;
use engage_platform::Role;
use engage_platform::testkit::TestBackend;
use tonic::Code;

async fn events_are_created_checked_updated_and_moved_through_their_life_cycle(
    backend: TestBackend,
) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(&mut contacts, "Transparency Coalition", Sector::Ngo, "AT").await;
    let mut draft = briefing("Side event on cybercrime", 40, true);
    draft.organizers = vec![ngo.clone()];
    draft.venue = Some(Venue {
        display_name: "Vienna International Centre".into(),
        room: "M3".into(),
        country_code: "AT".into(),
        ..Default::default()
    });
    let request_id = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e70";
    let create = |event: Event| CreateEventRequest {
        event: Some(event),
        request_id: request_id.into(),
    };
    let created = officer
        .create_event(create(draft.clone()))
        .await
        .expect("create")
        .into_inner()
        .event
        .unwrap();
    let retried = officer
        .create_event(create(draft.clone()))
        .await
        .expect("retry")
        .into_inner()
        .event
        .unwrap();
    assert_eq!(created, retried, "a retry returns the first result");
    assert_eq!(created.status, EventStatus::Draft as i32);
    assert_eq!(created.attendance_mode, AttendanceMode::Hybrid as i32);
    assert_eq!(created.per_organization_limit, Some(5));
    assert!(!created.etag.is_empty());

    let unknown = officer
        .create_event(CreateEventRequest {
            event: Some(Event {
                organizers: vec!["organizations/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".into()],
                ..draft.clone()
            }),
            ..Default::default()
        })
        .await
        .expect_err("unknown organiser");
    assert_eq!(violated_fields(&unknown), ["event.organizers[0]"]);

    let viewer_create = world
        .client(Role::Viewer)
        .create_event(create(draft.clone()))
        .await
        .expect_err("viewers read only");
    assert_eq!(viewer_create.code(), Code::PermissionDenied);

    let updated = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: created.name.clone(),
                etag: created.etag.clone(),
                title: "Side event on cybercrime and youth".into(),
                ..Default::default()
            }),
            update_mask: mask(&["title"]),
        })
        .await
        .expect("update")
        .into_inner()
        .event
        .unwrap();
    assert_eq!(updated.title, "Side event on cybercrime and youth");
    assert_eq!(updated.capacity, 40, "fields outside the mask are kept");
    assert_ne!(updated.etag, created.etag);
    let missing_etag = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: created.name.clone(),
                ..Default::default()
            }),
            update_mask: mask(&["title"]),
        })
        .await
        .expect_err("etag required");
    assert_eq!(violated_fields(&missing_etag), ["event.etag"]);

    let deleted = officer
        .delete_event(DeleteEventRequest {
            name: updated.name.clone(),
            etag: updated.etag.clone(),
        })
        .await
        .expect("drafts can be deleted")
        .into_inner()
        .event
        .unwrap();
    assert!(deleted.delete_time.is_some());
    let restored = officer
        .undelete_event(UndeleteEventRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .expect("undelete")
        .into_inner()
        .event
        .unwrap();
    let published = officer
        .publish_event(PublishEventRequest {
            name: restored.name.clone(),
            etag: restored.etag.clone(),
        })
        .await
        .expect("publish")
        .into_inner()
        .event
        .unwrap();
    assert_eq!(published.status, EventStatus::Published as i32);
    assert!(published.publish_time.is_some());
    let not_deletable = officer
        .delete_event(DeleteEventRequest {
            name: published.name.clone(),
            etag: published.etag.clone(),
        })
        .await
        .expect_err("published events are not deleted");
    assert_eq!(reason(&not_deletable), "EVENT_NOT_DELETABLE");
    let twice = officer
        .publish_event(PublishEventRequest {
            name: published.name.clone(),
            etag: published.etag.clone(),
        })
        .await
        .expect_err("published already");
    assert_eq!(reason(&twice), "INVALID_TRANSITION");
    let closed = officer
        .close_event(CloseEventRequest {
            name: published.name.clone(),
            etag: published.etag.clone(),
        })
        .await
        .expect("close")
        .into_inner()
        .event
        .unwrap();
    let reopened = officer
        .reopen_event(ReopenEventRequest {
            name: closed.name.clone(),
            etag: closed.etag.clone(),
        })
        .await
        .expect("reopen")
        .into_inner()
        .event
        .unwrap();
    let cancelled = officer
        .cancel_event(CancelEventRequest {
            name: reopened.name.clone(),
            etag: reopened.etag.clone(),
            reason: "postponed to the next session".into(),
        })
        .await
        .expect("cancel")
        .into_inner()
        .event
        .unwrap();
    assert_eq!(cancelled.cancel_reason, "postponed to the next session");
    let read_only = officer
        .update_event(UpdateEventRequest {
            event: Some(cancelled.clone()),
            update_mask: mask(&["title"]),
        })
        .await
        .expect_err("cancelled events are read-only");
    assert_eq!(reason(&read_only), "EVENT_CANCELLED");
    let speaker = person(&mut contacts, "Grace", "Mwangi", "KE", false).await;
    let late_session = officer
        .create_session(CreateSessionRequest {
            parent: cancelled.name.clone(),
            session: Some(Session {
                title: "Added after the cancellation".into(),
                start_time: cancelled.start_time,
                end_time: cancelled.end_time,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("the agenda of a cancelled event is frozen");
    assert_eq!(reason(&late_session), "EVENT_CANCELLED");
    officer
        .create_statement(CreateStatementRequest {
            parent: cancelled.name.clone(),
            statement: Some(Statement {
                speaker,
                title: "Written statement circulated instead".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("statements are still recorded");

    let no_place = create_no_place(&mut officer).await;
    let refused = officer
        .publish_event(PublishEventRequest {
            name: no_place.name.clone(),
            etag: no_place.etag.clone(),
        })
        .await
        .expect_err("no place");
    assert_eq!(reason(&refused), "LOCATION_MISSING");

    let outbox = world.outbox().await;
    let types: Vec<_> = outbox
        .iter()
        .filter(|e| e.resource_name == created.name)
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "event.created",
            "event.updated",
            "event.deleted",
            "event.undeleted",
            "event.published",
            "event.closed",
            "event.reopened",
            "event.cancelled"
        ]
    );
    let update = outbox
        .iter()
        .find(|e| e.event_type == "event.updated")
        .unwrap();
    let attributes: serde_json::Value = serde_json::from_str(&update.attributes).unwrap();
    assert_eq!(attributes["changed_fields"], serde_json::json!(["title"]));
    assert_eq!(attributes["country_code"], "AT");
    assert_eq!(
        attributes["regional_group"],
        "REGIONAL_GROUP_WESTERN_EUROPEAN_OTHERS"
    );

    let mut admin = world.client(Role::Admin);
    let trail = admin
        .list_audit_entries(ListAuditEntriesRequest {
            resource: created.name.clone(),
            ..Default::default()
        })
        .await
        .expect("audit")
        .into_inner()
        .audit_entries;
    assert_eq!(trail.len(), 8);
    assert_eq!(trail[1].action, "updated");
    assert_eq!(trail[1].changes[0].path, "title");
    let denied = officer
        .list_audit_entries(ListAuditEntriesRequest {
            resource: created.name.clone(),
            ..Default::default()
        })
        .await
        .expect_err("admins only");
    assert_eq!(denied.code(), Code::PermissionDenied);
}

async fn create_no_place(officer: &mut Client) -> Event {
    let mut event = briefing("Dialogue, place to be decided", 10, false);
    event.online_url.clear();
    create(officer, event).await
}

async fn lists_filter_order_and_page(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut names = Vec::new();
    for i in 0..7 {
        let mut event = briefing(&format!("Event {i}"), 10, false);
        event.kind = if i % 2 == 0 {
            EventKind::Briefing
        } else {
            EventKind::Training
        } as i32;
        if i == 3 {
            event.conference_session = "COP13".into();
        }
        // Later events start earlier, so the default order (start time) reverses creation.
        let start = event.start_time.unwrap().seconds - i64::from(i) * 3600;
        event.start_time = Some(prost_types::Timestamp {
            seconds: start,
            nanos: 0,
        });
        names.push(published(&mut officer, event).await.name);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = officer
            .list_events(ListEventsRequest {
                page_size: 2,
                page_token: token.clone(),
                filter: "conference_session = \"COP12\"".into(),
                ..Default::default()
            })
            .await
            .expect("page")
            .into_inner();
        assert_eq!(page.total_size, 6);
        seen.extend(page.events.into_iter().map(|e| e.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let expected: Vec<String> = names
        .iter()
        .rev()
        .filter(|n| **n != names[3])
        .cloned()
        .collect();
    assert_eq!(
        seen, expected,
        "every COP12 event once, earliest start first"
    );

    let trainings = officer
        .list_events(ListEventsRequest {
            filter: "kind = EVENT_KIND_TRAINING".into(),
            order_by: "title desc".into(),
            ..Default::default()
        })
        .await
        .expect("trainings")
        .into_inner();
    let titles: Vec<_> = trainings.events.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Event 5", "Event 3", "Event 1"]);
    let bad = officer
        .list_events(ListEventsRequest {
            filter: "colour = \"red\"".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown field");
    assert_eq!(violated_fields(&bad), ["filter"]);
    let token = officer
        .list_events(ListEventsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    let other_query = officer
        .list_events(ListEventsRequest {
            page_size: 2,
            page_token: token,
            filter: "kind = EVENT_KIND_BRIEFING".into(),
            ..Default::default()
        })
        .await
        .expect_err("a token of another query");
    assert_eq!(violated_fields(&other_query), ["page_token"]);
    let batch = officer
        .batch_get_events(BatchGetEventsRequest {
            names: vec![names[2].clone(), names[0].clone(), names[2].clone()],
        })
        .await
        .expect("batch")
        .into_inner()
        .events;
    let got: Vec<_> = batch.iter().map(|e| e.name.clone()).collect();
    assert_eq!(got, [names[2].clone(), names[0].clone(), names[2].clone()]);
}

engage_platform::on_both_databases!(
    events_are_created_checked_updated_and_moved_through_their_life_cycle,
    lists_filter_order_and_page,
);
