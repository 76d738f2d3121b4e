//! Sessions with speakers, statements, follow-up actions and the participant export,
//! through the generated client on both databases with contacts behind.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::briefings::follow_up_action::Owner;
use engage_api::briefings::*;
use engage_api::types::{Date, Sector};
use engage_platform::Role;
use engage_platform::resource::{micros, timestamp};
use engage_platform::testkit::TestBackend;
use futures::StreamExt;
use tonic::Code;

const HOUR: i64 = 3_600_000_000;

async fn sessions_statements_and_follow_ups(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(
        &mut contacts,
        "Global Initiative Network",
        Sector::Ngo,
        "CH",
    )
    .await;
    let speaker = person(&mut contacts, "Amina", "Diallo", "SN", false).await;
    let moderator = person(&mut contacts, "Jonas", "Berg", "SE", false).await;
    let event = published(
        &mut officer,
        briefing("Dialogue with member states", 0, false),
    )
    .await;
    let start = micros(event.start_time.as_ref().unwrap());

    let session = |title: &str, from: i64, to: i64| Session {
        title: title.into(),
        start_time: Some(timestamp(from)),
        end_time: Some(timestamp(to)),
        speakers: vec![
            Speaker {
                person: speaker.clone(),
                organization: ngo.clone(),
                role: SpeakerRole::Panelist as i32,
                ..Default::default()
            },
            Speaker {
                person: moderator.clone(),
                role: SpeakerRole::Moderator as i32,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let opening = officer
        .create_session(CreateSessionRequest {
            parent: event.name.clone(),
            session: Some(session("Opening", start, start + HOUR)),
            ..Default::default()
        })
        .await
        .expect("session")
        .into_inner()
        .session
        .unwrap();
    assert_eq!(opening.speakers[0].display_name, "Amina Diallo");
    assert_eq!(
        opening.speakers[0].organization_display_name,
        "Global Initiative Network"
    );
    let outside = officer
        .create_session(CreateSessionRequest {
            parent: event.name.clone(),
            session: Some(session("Too late", start + 3 * HOUR, start + 4 * HOUR)),
            ..Default::default()
        })
        .await
        .expect_err("outside the event");
    assert_eq!(
        violated_fields(&outside),
        ["session.start_time", "session.end_time"]
    );
    let with_amina = officer
        .list_sessions(ListSessionsRequest {
            parent: event.name.clone(),
            filter: format!("speakers.person:\"{speaker}\""),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(with_amina.total_size, 1);

    let current = officer
        .get_event(GetEventRequest {
            name: event.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .event
        .unwrap();
    let squeezed = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: current.name.clone(),
                etag: current.etag.clone(),
                start_time: Some(timestamp(start + 30 * 60_000_000)),
                end_time: current.end_time,
                ..Default::default()
            }),
            update_mask: mask(&["start_time"]),
        })
        .await
        .expect_err("the opening would start before the event");
    assert_eq!(reason(&squeezed), "SESSIONS_OUTSIDE_EVENT");

    let renamed = officer
        .update_session(UpdateSessionRequest {
            session: Some(Session {
                name: opening.name.clone(),
                etag: opening.etag.clone(),
                title: "Opening and welcome".into(),
                ..Default::default()
            }),
            update_mask: mask(&["title"]),
        })
        .await
        .expect("rename")
        .into_inner()
        .session
        .unwrap();
    assert_eq!(
        renamed.speakers.len(),
        2,
        "speakers outside the mask are kept"
    );

    let statement = officer
        .create_statement(CreateStatementRequest {
            parent: event.name.clone(),
            statement: Some(Statement {
                speaker: speaker.clone(),
                organization: ngo.clone(),
                title: "Civil society and the review mechanism".into(),
                session: opening.name.clone(),
                link: "https://example.org/statement.pdf".into(),
                language: "fr".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("statement")
        .into_inner()
        .statement
        .unwrap();
    assert_eq!(statement.speaker_display_name, "Amina Diallo");
    let other = published(&mut officer, briefing("Another event", 0, false)).await;
    let wrong_session = officer
        .create_statement(CreateStatementRequest {
            parent: other.name.clone(),
            statement: Some(Statement {
                speaker: speaker.clone(),
                title: "Misplaced".into(),
                session: opening.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("a session of another event");
    assert_eq!(violated_fields(&wrong_session), ["statement.session"]);
    let unknown_session = officer
        .create_statement(CreateStatementRequest {
            parent: event.name.clone(),
            statement: Some(Statement {
                speaker: speaker.clone(),
                title: "At a session that never was".into(),
                session: format!(
                    "{}/sessions/0190aaaa-0000-7000-8000-000000000000",
                    event.name
                ),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("a session that does not exist");
    assert_eq!(violated_fields(&unknown_session), ["statement.session"]);
    let unknown_statement = officer
        .create_follow_up_action(CreateFollowUpActionRequest {
            parent: event.name.clone(),
            follow_up_action: Some(FollowUpAction {
                title: "Follow a statement never made".into(),
                owner: Some(Owner::OwnerSubject("olga".into())),
                statement: format!(
                    "{}/statements/0190aaaa-0000-7000-8000-000000000000",
                    event.name
                ),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("a statement that does not exist");
    assert_eq!(
        violated_fields(&unknown_statement),
        ["follow_up_action.statement"]
    );
    let everywhere = officer
        .list_statements(ListStatementsRequest {
            parent: "events/-".into(),
            filter: "conference_session = \"COP12\" AND language = \"fr\"".into(),
            ..Default::default()
        })
        .await
        .expect("statements of the session")
        .into_inner();
    assert_eq!(everywhere.total_size, 1);

    let no_owner = officer
        .create_follow_up_action(CreateFollowUpActionRequest {
            parent: event.name.clone(),
            follow_up_action: Some(FollowUpAction {
                title: "Answer the question on funding".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect_err("an owner is required");
    assert_eq!(
        violated_fields(&no_owner),
        ["follow_up_action.owner_person"]
    );
    let action = |title: &str, due: Option<Date>, owner: Owner| FollowUpAction {
        title: title.into(),
        due_date: due,
        owner: Some(owner),
        statement: statement.name.clone(),
        ..Default::default()
    };
    let overdue = officer
        .create_follow_up_action(CreateFollowUpActionRequest {
            parent: event.name.clone(),
            follow_up_action: Some(action(
                "Send the funding figures",
                Some(Date {
                    year: 2020,
                    month: 1,
                    day: 31,
                }),
                Owner::OwnerOrganization(ngo.clone()),
            )),
            ..Default::default()
        })
        .await
        .expect("action")
        .into_inner()
        .follow_up_action
        .unwrap();
    assert!(overdue.overdue);
    assert_eq!(overdue.status, FollowUpStatus::Open as i32);
    assert_eq!(overdue.owner_display_name, "Global Initiative Network");
    officer
        .create_follow_up_action(CreateFollowUpActionRequest {
            parent: event.name.clone(),
            follow_up_action: Some(action(
                "Publish the summary",
                None,
                Owner::OwnerSubject("officer-ana".into()),
            )),
            ..Default::default()
        })
        .await
        .expect("second action");
    let late = officer
        .list_follow_up_actions(ListFollowUpActionsRequest {
            parent: "events/-".into(),
            filter: "overdue = true".into(),
            ..Default::default()
        })
        .await
        .expect("overdue list")
        .into_inner();
    let late: Vec<&str> = late
        .follow_up_actions
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(late, [overdue.name.as_str()]);
    let done = officer
        .update_follow_up_action(UpdateFollowUpActionRequest {
            follow_up_action: Some(FollowUpAction {
                name: overdue.name.clone(),
                etag: overdue.etag.clone(),
                status: FollowUpStatus::Done as i32,
                ..Default::default()
            }),
            update_mask: mask(&["status"]),
        })
        .await
        .expect("done")
        .into_inner()
        .follow_up_action
        .unwrap();
    assert!(done.complete_time.is_some());
    assert!(!done.overdue, "done actions are not overdue");
    let back = officer
        .update_follow_up_action(UpdateFollowUpActionRequest {
            follow_up_action: Some(FollowUpAction {
                name: done.name.clone(),
                etag: done.etag.clone(),
                status: FollowUpStatus::InProgress as i32,
                ..Default::default()
            }),
            update_mask: mask(&["status"]),
        })
        .await
        .expect_err("done only reopens");
    assert_eq!(reason(&back), "INVALID_TRANSITION");

    let deleted = officer
        .delete_statement(DeleteStatementRequest {
            name: statement.name.clone(),
            etag: statement.etag.clone(),
        })
        .await
        .expect("delete")
        .into_inner()
        .statement
        .unwrap();
    let listed = officer
        .list_statements(ListStatementsRequest {
            parent: event.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 0, "deleted statements are left out");
    let again = officer
        .delete_statement(DeleteStatementRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .expect_err("deleted already");
    assert_eq!(again.code(), Code::FailedPrecondition);
    officer
        .undelete_statement(UndeleteStatementRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .expect("undelete");
    let types: Vec<_> = world
        .outbox()
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    for expected in [
        "session.created",
        "session.updated",
        "statement.created",
        "statement.deleted",
        "statement.undeleted",
        "follow_up_action.created",
        "follow_up_action.updated",
    ] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} in the outbox"
        );
    }
}

async fn export(
    client: &mut Client,
    request: ExportRegistrationsRequest,
) -> Result<(String, i64), tonic::Status> {
    let mut stream = client.export_registrations(request).await?.into_inner();
    let (mut csv, mut rows) = (Vec::new(), -1);
    while let Some(message) = stream.next().await {
        match message?.payload {
            Some(export_registrations_response::Payload::CsvChunk(chunk)) => csv.extend(chunk),
            Some(export_registrations_response::Payload::RowCount(n)) => rows = n,
            None => {}
        }
    }
    Ok((String::from_utf8(csv).expect("UTF-8"), rows))
}

async fn participant_lists_export_as_csv(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(&mut contacts, "Asociación Niños del Sur", Sector::Ngo, "AR").await;
    let event = published(
        &mut officer,
        briefing("Briefing, with \"quotes\", and commas", 1, true),
    )
    .await;
    let ana = person(&mut contacts, "Ana", "Gómez", "AR", true).await;
    let ben = person(&mut contacts, "Ben", "Okoro", "NG", false).await;
    let mut request = registering(&event, &ana, &ngo);
    request.accessibility_needs = "wheelchair access".into();
    officer.register(request).await.expect("ana");
    officer
        .register(registering(&event, &ben, ""))
        .await
        .expect("ben");

    let (csv, rows) = export(
        &mut officer,
        ExportRegistrationsRequest {
            parent: event.name.clone(),
            ..Default::default()
        },
    )
    .await
    .expect("export");
    assert_eq!(rows, 2);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines.len(),
        4,
        "header, two rows, and the final line end: {csv:?}"
    );
    assert!(lines[0].starts_with("event,event_title,registration,status,waitlist_position,badge_code,person,display_name,given_name,family_name,email"));
    assert!(lines[1].contains(",registered,0,"), "{}", lines[1]);
    assert!(
        lines[1].contains("Ana,Gómez,ana.gómez@example.org") || lines[1].contains(",Ana,Gómez,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",ngo,AR,latin_american_caribbean,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"Briefing, with \"\"quotes\"\", and commas\""));
    assert!(lines[2].contains(",waitlisted,1,"), "{}", lines[2]);

    let (csv, _) = export(
        &mut officer,
        ExportRegistrationsRequest {
            parent: "events/-".into(),
            filter: "status = REGISTRATION_STATUS_WAITLISTED".into(),
            columns: vec!["display_name".into(), "accessibility_needs".into()],
            ..Default::default()
        },
    )
    .await
    .expect("export of every event");
    assert_eq!(csv, "display_name,accessibility_needs\r\nBen Okoro,\r\n");
    let unknown = export(
        &mut officer,
        ExportRegistrationsRequest {
            parent: event.name.clone(),
            columns: vec!["shoe_size".into()],
            ..Default::default()
        },
    )
    .await
    .expect_err("unknown column");
    assert_eq!(violated_fields(&unknown), ["columns[0]"]);
    let viewer = export(
        &mut world.client(Role::Viewer),
        ExportRegistrationsRequest {
            parent: event.name.clone(),
            ..Default::default()
        },
    )
    .await
    .expect_err("viewers do not export");
    assert_eq!(viewer.code(), Code::PermissionDenied);
}

engage_platform::on_both_databases!(
    sessions_statements_and_follow_ups,
    participant_lists_export_as_csv,
);
