//! Coordinators write only on the initiatives their token lists; csu_officer and admin on
//! all; everyone else reads. A test for each write RPC, through the generated client on
//! both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::initiatives::*;
use engage_platform::journal::Journal;
use engage_platform::testkit::TestBackend;
use engage_platform::{Error, Role, with_connection};
use tonic::Code;

async fn outbox_size(env: &Env) -> usize {
    let events: Result<_, Error> = async {
        Ok(with_connection!(env.initiatives.database, |conn| conn
            .events_after(0, 10_000)
            .await?))
    }
    .await;
    events.expect("outbox").len()
}

fn denied<T: std::fmt::Debug>(rpc: &str, result: Result<tonic::Response<T>, tonic::Status>) {
    match result {
        Err(status) => assert_eq!(status.code(), Code::PermissionDenied, "{rpc}: {status:?}"),
        Ok(answer) => panic!("{rpc} was allowed: {answer:?}"),
    }
}

async fn a_coordinator_of_another_initiative_is_refused_every_write(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let mine = create(&mut officer, initiative("Kenya pilot", "KE", "coord-ke")).await;
    // The other initiative even lists the coordinator's subject: what counts is the token's
    // `initiatives` claim, which the gateway verified.
    let theirs = create(&mut officer, initiative("Ghana pilot", "GH", "coord-ke")).await;
    let their_milestone = add_milestone(
        &mut officer,
        &theirs.name,
        milestone("Consultation", "coord-ke", date(2027, 1, 15)),
    )
    .await;
    let their_entry = officer
        .append_progress(AppendProgressRequest {
            parent: theirs.name.clone(),
            progress_entry: Some(ProgressEntry {
                text: "Kick-off held".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .progress_entry
        .unwrap();
    let events_before = outbox_size(&env).await;

    let mut coordinator = env.coordinator("coord-ke", &[&mine.name]);
    let c = &mut coordinator;
    let name = || theirs.name.clone();
    denied(
        "CreateInitiative",
        c.create_initiative(CreateInitiativeRequest {
            initiative: Some(initiative("Another", "KE", "coord-ke")),
            request_id: String::new(),
        })
        .await,
    );
    let mut renamed = theirs.clone();
    renamed.title = "Renamed".into();
    denied(
        "UpdateInitiative",
        c.update_initiative(UpdateInitiativeRequest {
            initiative: Some(renamed),
            update_mask: mask(&["title"]),
        })
        .await,
    );
    denied(
        "DeleteInitiative",
        c.delete_initiative(DeleteInitiativeRequest {
            name: name(),
            etag: theirs.etag.clone(),
        })
        .await,
    );
    denied(
        "UndeleteInitiative",
        c.undelete_initiative(UndeleteInitiativeRequest {
            name: name(),
            etag: theirs.etag.clone(),
        })
        .await,
    );
    denied(
        "LaunchInitiative",
        c.launch_initiative(LaunchInitiativeRequest {
            name: name(),
            ..Default::default()
        })
        .await,
    );
    denied(
        "ActivateInitiative",
        c.activate_initiative(ActivateInitiativeRequest {
            name: name(),
            ..Default::default()
        })
        .await,
    );
    denied(
        "SuspendInitiative",
        c.suspend_initiative(SuspendInitiativeRequest {
            name: name(),
            note: "No".into(),
            ..Default::default()
        })
        .await,
    );
    denied(
        "ResumeInitiative",
        c.resume_initiative(ResumeInitiativeRequest {
            name: name(),
            ..Default::default()
        })
        .await,
    );
    denied(
        "CompleteInitiative",
        c.complete_initiative(CompleteInitiativeRequest {
            name: name(),
            ..Default::default()
        })
        .await,
    );
    denied(
        "CreateMilestone",
        c.create_milestone(CreateMilestoneRequest {
            parent: name(),
            milestone: Some(milestone("Mine now", "coord-ke", date(2027, 2, 1))),
            request_id: String::new(),
        })
        .await,
    );
    // Refused before the request is looked at: an invalid milestone is still PERMISSION_DENIED.
    denied(
        "CreateMilestone (invalid)",
        c.create_milestone(CreateMilestoneRequest {
            parent: name(),
            milestone: Some(Milestone::default()),
            request_id: String::new(),
        })
        .await,
    );
    let mut done = their_milestone.clone();
    done.percent_complete = 90;
    denied(
        "UpdateMilestone",
        c.update_milestone(UpdateMilestoneRequest {
            milestone: Some(done),
            update_mask: mask(&["percent_complete"]),
        })
        .await,
    );
    denied(
        "DeleteMilestone",
        c.delete_milestone(DeleteMilestoneRequest {
            name: their_milestone.name.clone(),
            etag: their_milestone.etag.clone(),
        })
        .await,
    );
    denied(
        "UndeleteMilestone",
        c.undelete_milestone(UndeleteMilestoneRequest {
            name: their_milestone.name.clone(),
            etag: their_milestone.etag.clone(),
        })
        .await,
    );
    denied(
        "AppendProgress",
        c.append_progress(AppendProgressRequest {
            parent: name(),
            progress_entry: Some(ProgressEntry {
                milestone: their_milestone.name.clone(),
                text: "Done, says I".into(),
                new_status: MilestoneStatus::Done as i32,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await,
    );
    denied(
        "AppendProgress (correction)",
        c.append_progress(AppendProgressRequest {
            parent: name(),
            progress_entry: Some(ProgressEntry {
                text: "That was wrong".into(),
                corrects: their_entry.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await,
    );

    // Nothing changed.
    let after = get(&mut officer, &theirs.name).await;
    assert_eq!(after.etag, theirs.etag);
    assert_eq!(after.status(), InitiativeStatus::Proposed);
    assert_eq!(
        get_milestone(&mut officer, &their_milestone.name)
            .await
            .etag,
        their_milestone.etag
    );
    let log = officer
        .list_progress_entries(ListProgressEntriesRequest {
            parent: theirs.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(log.total_size, 1);
    let initiatives = officer
        .list_initiatives(ListInitiativesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(initiatives.total_size, 2);
    assert_eq!(
        outbox_size(&env).await,
        events_before,
        "no event for a refused write"
    );

    // Everyone reads the other initiative.
    assert_eq!(get(c, &theirs.name).await.title, "Ghana pilot");
}

async fn a_coordinator_writes_milestones_and_progress_on_their_own_initiative(
    backend: TestBackend,
) {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let mine = create(&mut officer, initiative("Kenya pilot", "KE", "coord-ke")).await;
    let mut coordinator = env.coordinator("coord-ke", &[&mine.name]);
    let created = add_milestone(
        &mut coordinator,
        &mine.name,
        milestone("Consultation", "coord-ke", date(2027, 1, 15)),
    )
    .await;
    let mut changed = created.clone();
    changed.title = "National consultation".into();
    let updated = coordinator
        .update_milestone(UpdateMilestoneRequest {
            milestone: Some(changed.clone()),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap()
        .into_inner()
        .milestone
        .unwrap();
    assert_eq!(updated.title, "National consultation");
    let stale = coordinator
        .update_milestone(UpdateMilestoneRequest {
            milestone: Some(changed),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let logged = coordinator
        .append_progress(AppendProgressRequest {
            parent: mine.name.clone(),
            progress_entry: Some(ProgressEntry {
                milestone: updated.name.clone(),
                text: "Venue booked".into(),
                new_percent_complete: Some(10),
                ..Default::default()
            }),
            milestone_etag: created.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        logged.code(),
        Code::Aborted,
        "the milestone changed since that etag"
    );

    // The initiative itself, and deleting milestones, stay with csu_officer and admin.
    denied(
        "DeleteMilestone on their own initiative",
        coordinator
            .delete_milestone(DeleteMilestoneRequest {
                name: updated.name.clone(),
                etag: updated.etag.clone(),
            })
            .await,
    );
    denied(
        "LaunchInitiative on their own initiative",
        coordinator
            .launch_initiative(LaunchInitiativeRequest {
                name: mine.name.clone(),
                ..Default::default()
            })
            .await,
    );
    // A viewer reads only.
    let mut viewer = env.client(Role::Viewer);
    assert_eq!(
        get(&mut viewer, &mine.name)
            .await
            .roadmap
            .unwrap()
            .milestone_count,
        1
    );
    denied(
        "AppendProgress as viewer",
        viewer
            .append_progress(AppendProgressRequest {
                parent: mine.name.clone(),
                progress_entry: Some(ProgressEntry {
                    text: "Hello".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await,
    );
}

engage_platform::on_both_databases!(
    a_coordinator_of_another_initiative_is_refused_every_write,
    a_coordinator_writes_milestones_and_progress_on_their_own_initiative,
);
