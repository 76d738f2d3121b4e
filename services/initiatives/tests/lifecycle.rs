//! An initiative from proposed to completed with a roadmap of dependent milestones, through
//! the generated client on both databases, with contacts behind the service.

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

async fn append(
    client: &mut Client,
    parent: &str,
    entry: ProgressEntry,
) -> Result<AppendProgressResponse, tonic::Status> {
    client
        .append_progress(AppendProgressRequest {
            parent: parent.into(),
            progress_entry: Some(entry),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

fn progress(
    milestone: &str,
    text: &str,
    status: MilestoneStatus,
    percent: Option<i32>,
) -> ProgressEntry {
    ProgressEntry {
        milestone: milestone.into(),
        text: text.into(),
        new_status: status as i32,
        new_percent_complete: percent,
        ..Default::default()
    }
}

async fn an_initiative_goes_from_proposed_to_completed_with_its_roadmap(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let ngo = env.organization("Haki Africa", "haki.example.org").await;
    let ministry = env
        .organization("Ministry of Interior of Kenya", "interior.example.go.ke")
        .await;
    let focal = env.person("Amina", "Odhiambo").await;

    let mut draft = initiative(
        "Kenya pilot initiative on trafficking in persons",
        "KE",
        "coord-ke",
    );
    draft.civil_society_partners = vec![CivilSocietyPartner {
        organization: ngo.name.clone(),
        contact_person: String::new(),
        role: "co-lead, priority 1".into(),
    }];
    draft.government_focal_points = vec![GovernmentFocalPoint {
        person: focal.name.clone(),
        organization: ministry.name.clone(),
        role: "National coordinator".into(),
    }];
    let created = create(&mut officer, draft).await;
    let name = created.name.clone();
    assert_eq!(created.status(), InitiativeStatus::Proposed);
    assert_eq!(
        created.regional_group,
        engage_api::types::RegionalGroup::African as i32
    );
    assert_eq!(created.status_history.len(), 1);
    assert_eq!(
        created.status_history[0].from_status(),
        InitiativeStatus::Unspecified
    );
    assert_eq!(created.status_history[0].effective_date, date(2026, 11, 25));
    assert_eq!(created.roadmap.as_ref().map(|r| r.milestone_count), Some(0));

    // A roadmap: consultation, then the national action plan, then its adoption.
    let mut first = milestone("National consultation held", "coord-ke", date(2026, 12, 1));
    first.priority_id = "victims".into();
    let consultation = add_milestone(&mut officer, &name, first).await;
    assert_eq!(consultation.status(), MilestoneStatus::Planned);
    let mut second = milestone("Action plan drafted", &ngo.name, date(2027, 2, 1));
    second.owner = Some(MilestoneOwner {
        owner: Some(milestone_owner::Owner::Organization(ngo.name.clone())),
    });
    second.depends_on = vec![consultation.name.clone()];
    let plan = add_milestone(&mut officer, &name, second).await;
    let mut third = milestone("Action plan adopted", "coord-ke", date(2027, 4, 1));
    third.depends_on = vec![plan.name.clone()];
    let adoption = add_milestone(&mut officer, &name, third).await;

    // No cycles, no self-dependency, no due date before the start, percent within 0–100.
    let mut cyclic = consultation.clone();
    cyclic.depends_on = vec![adoption.name.clone()];
    let refused = officer
        .update_milestone(UpdateMilestoneRequest {
            milestone: Some(cyclic),
            update_mask: mask(&["depends_on"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["milestone.depends_on"]);
    assert!(
        refused.message().contains(&adoption.name),
        "{}",
        refused.message()
    );
    let mut itself = consultation.clone();
    itself.depends_on = vec![consultation.name.clone()];
    let refused = officer
        .update_milestone(UpdateMilestoneRequest {
            milestone: Some(itself),
            update_mask: mask(&["depends_on"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["milestone.depends_on[0]"]);
    let mut early = milestone("Too early", "coord-ke", date(2025, 12, 31));
    early.percent_complete = 150;
    let refused = officer
        .create_milestone(CreateMilestoneRequest {
            parent: name.clone(),
            milestone: Some(early),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&refused),
        ["milestone.due_date", "milestone.percent_complete"]
    );
    assert_eq!(
        get_milestone(&mut officer, &consultation.name).await.etag,
        consultation.etag,
        "refused updates changed nothing"
    );

    // Launch, activate; a transition out of order is refused with its reason.
    let launched = officer
        .launch_initiative(LaunchInitiativeRequest {
            name: name.clone(),
            etag: created.etag.clone(),
            effective_date: date(2026, 11, 25),
            note: "Launched with the Ministry".into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    assert_eq!(launched.status(), InitiativeStatus::Launched);
    let again = officer
        .launch_initiative(LaunchInitiativeRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert_eq!(reason(&again), "INVALID_STATUS_TRANSITION");
    let future = officer
        .activate_initiative(ActivateInitiativeRequest {
            name: name.clone(),
            effective_date: date(2026, 12, 1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&future), ["effective_date"]);
    let before_launch = officer
        .activate_initiative(ActivateInitiativeRequest {
            name: name.clone(),
            effective_date: date(2026, 11, 20),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&before_launch), ["effective_date"]);
    officer
        .activate_initiative(ActivateInitiativeRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

    // Suspension needs a reason; resuming returns to active.
    let no_reason = officer
        .suspend_initiative(SuspendInitiativeRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&no_reason), ["note"]);
    officer
        .suspend_initiative(SuspendInitiativeRequest {
            name: name.clone(),
            note: "Elections".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let early_completion = officer
        .complete_initiative(CompleteInitiativeRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&early_completion), "INVALID_STATUS_TRANSITION");
    officer
        .resume_initiative(ResumeInitiativeRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

    // The coordinator logs progress; a milestone is DONE only after what it depends on.
    let mut coordinator = env.coordinator("coord-ke", &[&name]);
    let too_soon = append(
        &mut coordinator,
        &name,
        progress(&plan.name, "Plan finished", MilestoneStatus::Done, None),
    )
    .await
    .unwrap_err();
    assert_eq!(too_soon.code(), Code::FailedPrecondition);
    assert_eq!(reason(&too_soon), "DEPENDENCIES_NOT_FINISHED");
    let halfway = append(
        &mut coordinator,
        &name,
        progress(
            &consultation.name,
            "Two of four regional sessions held",
            MilestoneStatus::InProgress,
            Some(50),
        ),
    )
    .await
    .unwrap();
    let entry = halfway.progress_entry.unwrap();
    assert_eq!(entry.previous_status(), MilestoneStatus::Planned);
    assert_eq!(entry.previous_percent_complete, Some(0));
    assert_eq!(
        entry.author.as_ref().map(|a| a.subject.as_str()),
        Some("coord-ke")
    );
    let after = halfway.milestone.unwrap();
    assert_eq!(
        (after.status(), after.percent_complete),
        (MilestoneStatus::InProgress, 50)
    );
    assert_eq!(after.latest_progress_entry, entry.name);
    assert_ne!(after.etag, consultation.etag);

    // A wrong entry is corrected by a new one that names it; the log keeps both.
    let correction = append(
        &mut coordinator,
        &name,
        ProgressEntry {
            milestone: consultation.name.clone(),
            text: "Correction: three of four sessions were held".into(),
            new_percent_complete: Some(75),
            corrects: entry.name.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .progress_entry
    .unwrap();
    let wrong_milestone = append(
        &mut coordinator,
        &name,
        ProgressEntry {
            milestone: plan.name.clone(),
            text: "Moved".into(),
            corrects: entry.name.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        violated_fields(&wrong_milestone),
        ["progress_entry.milestone"]
    );
    let mut edited = entry.clone();
    edited.text = "Three of four sessions held".into();
    let edit = append(&mut coordinator, &name, edited).await.unwrap_err();
    assert_eq!(violated_fields(&edit), ["progress_entry.name"]);
    let original = coordinator
        .get_progress_entry(GetProgressEntryRequest {
            name: entry.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .progress_entry
        .unwrap();
    assert_eq!(
        original.text, entry.text,
        "the corrected entry is unchanged"
    );
    assert_eq!(original.corrected_by, vec![correction.name.clone()]);
    let log = |filter: &str| {
        let mut client = env.client(Role::Viewer);
        let request = ListProgressEntriesRequest {
            parent: name.clone(),
            filter: filter.into(),
            order_by: "create_time".into(),
            ..Default::default()
        };
        async move {
            client
                .list_progress_entries(request)
                .await
                .unwrap()
                .into_inner()
                .progress_entries
                .into_iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(log("").await, [entry.name.clone(), correction.name.clone()]);
    assert_eq!(log("corrected = true").await, vec![entry.name.clone()]);
    assert_eq!(
        log(&format!("corrects = \"{}\"", entry.name)).await,
        vec![correction.name.clone()]
    );
    assert_eq!(
        log("author.subject = \"csu_officer\"").await,
        Vec::<String>::new()
    );

    // Roadmap: (75 + 0 + 0) / 3 with the consultation in progress.
    let roadmap = get(&mut officer, &name).await.roadmap.unwrap();
    assert_eq!(roadmap.milestone_count, 3);
    assert!(
        (roadmap.progress_percent - 25.0).abs() < 1e-9,
        "{roadmap:?}"
    );
    let counts = roadmap.status_counts.unwrap();
    assert_eq!((counts.planned, counts.in_progress, counts.done), (2, 1, 0));
    assert_eq!(roadmap.overdue_count, 0);
    assert_eq!(
        roadmap.next_due.map(|d| d.milestone),
        Some(consultation.name.clone())
    );

    // Not completed while milestones are open: the refusal names them, nothing changes.
    let open = get(&mut officer, &name).await;
    let refused = officer
        .complete_initiative(CompleteInitiativeRequest {
            name: name.clone(),
            etag: open.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert_eq!(reason(&refused), "OPEN_MILESTONES");
    assert!(
        refused.message().contains(&consultation.name),
        "{refused:?}"
    );
    assert_eq!(get(&mut officer, &name).await.etag, open.etag);

    for (m, text) in [
        (&consultation, "All sessions held"),
        (&plan, "Plan drafted"),
        (&adoption, "Adopted by cabinet"),
    ] {
        let done = append(
            &mut coordinator,
            &name,
            progress(&m.name, text, MilestoneStatus::Done, None),
        )
        .await
        .unwrap()
        .milestone
        .unwrap();
        assert_eq!(
            (done.status(), done.percent_complete),
            (MilestoneStatus::Done, 100)
        );
        assert!(done.done_time.is_some());
    }
    let before_completion = get(&mut officer, &name).await;
    let roadmap = before_completion.roadmap.clone().unwrap();
    assert!((roadmap.progress_percent - 100.0).abs() < 1e-9);
    assert!(roadmap.next_due.is_none());

    let completed = officer
        .complete_initiative(CompleteInitiativeRequest {
            name: name.clone(),
            etag: before_completion.etag.clone(),
            note: "Roadmap carried out".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    let steps: Vec<(InitiativeStatus, InitiativeStatus)> = completed
        .status_history
        .iter()
        .map(|t| (t.from_status(), t.to_status()))
        .collect();
    use InitiativeStatus::*;
    assert_eq!(
        steps,
        [
            (Unspecified, Proposed),
            (Proposed, Launched),
            (Launched, Active),
            (Active, Suspended),
            (Suspended, Active),
            (Active, Completed),
        ]
    );
    assert_eq!(
        completed.status_history[1].effective_date,
        date(2026, 11, 25)
    );
    assert_eq!(
        completed.status_history[1].note,
        "Launched with the Ministry"
    );
    assert_eq!(completed.status_history[3].note, "Elections");
    assert!(completed.status_history.iter().all(|t| {
        t.actor.as_ref().is_some_and(|a| a.subject == "csu_officer") && t.record_time.is_some()
    }));

    // Completed is final: no transition, no roadmap change.
    let reopen = officer
        .suspend_initiative(SuspendInitiativeRequest {
            name: name.clone(),
            note: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&reopen), "INVALID_STATUS_TRANSITION");
    let late = append(
        &mut coordinator,
        &name,
        progress(
            &adoption.name,
            "Reopened",
            MilestoneStatus::InProgress,
            None,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    let more = officer
        .create_milestone(CreateMilestoneRequest {
            parent: name.clone(),
            milestone: Some(milestone("After the end", "coord-ke", date(2027, 5, 1))),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(more.code(), Code::FailedPrecondition);

    // Every write left its event in the outbox and its audit entry.
    let events: Result<_, Error> = async {
        Ok(with_connection!(env.initiatives.database, |conn| conn
            .events_after(0, 1_000)
            .await?))
    }
    .await;
    let events = events.unwrap();
    let launched = events
        .iter()
        .find(|e| e.event_type == "initiative.launched")
        .expect("launch event");
    let attributes: serde_json::Value = serde_json::from_str(&launched.attributes).unwrap();
    assert_eq!(attributes["country_code"], "KE");
    assert_eq!(attributes["regional_group"], "REGIONAL_GROUP_AFRICAN");
    assert_eq!(attributes["initiative"], name.as_str());
    assert_eq!(launched.resource_type, "engage.initiatives.v1.Initiative");
    let types: Vec<String> = events.into_iter().map(|e| e.event_type).collect();
    for expected in [
        "initiative.created",
        "milestone.created",
        "initiative.launched",
        "initiative.activated",
        "initiative.suspended",
        "initiative.resumed",
        "progress_entry.created",
        "milestone.updated",
        "initiative.completed",
    ] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} in {types:?}"
        );
    }
    let trail = env
        .client(Role::Admin)
        .list_audit_entries(ListAuditEntriesRequest {
            resource: name.clone(),
            include_children: true,
            page_size: 1_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_entries;
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.first(),
        Some(&"completed"),
        "newest first: {actions:?}"
    );
    assert_eq!(actions.last(), Some(&"created"));
    // 1 create, 3 milestones, 5 transitions, 5 entries each with its milestone change.
    assert_eq!(trail.len(), 1 + 3 + 5 + 5 * 2, "{actions:?}");
    let viewer_trail = env
        .client(Role::Viewer)
        .list_audit_entries(ListAuditEntriesRequest {
            resource: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(viewer_trail.code(), Code::PermissionDenied);
}

async fn deleted_initiatives_keep_their_roadmap_and_come_back(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let created = create(&mut officer, initiative("Peru pilot", "PE", "coord-pe")).await;
    let first = add_milestone(
        &mut officer,
        &created.name,
        milestone("Mapping", "coord-pe", date(2027, 1, 10)),
    )
    .await;
    let mut next = milestone("Workshop", "coord-pe", date(2027, 2, 10));
    next.depends_on = vec![first.name.clone()];
    let second = add_milestone(&mut officer, &created.name, next).await;

    let blocked = officer
        .delete_milestone(DeleteMilestoneRequest {
            name: first.name.clone(),
            etag: first.etag.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&blocked), "MILESTONE_HAS_DEPENDENTS");
    assert!(blocked.message().contains(&second.name));
    let dropped = officer
        .delete_milestone(DeleteMilestoneRequest {
            name: second.name.clone(),
            etag: second.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .milestone
        .unwrap();
    assert!(dropped.delete_time.is_some());
    let live = officer
        .list_milestones(ListMilestonesRequest {
            parent: created.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(live.total_size, 1);
    let back = officer
        .undelete_milestone(UndeleteMilestoneRequest {
            name: second.name.clone(),
            etag: dropped.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .milestone
        .unwrap();
    assert!(back.delete_time.is_none());
    let by_dependency = officer
        .list_milestones(ListMilestonesRequest {
            parent: "initiatives/-".into(),
            filter: format!("depends_on:\"{}\"", first.name),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_dependency.milestones.len(), 1);
    assert_eq!(by_dependency.milestones[0].name, second.name);

    let no_etag = officer
        .delete_initiative(DeleteInitiativeRequest {
            name: created.name.clone(),
            etag: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&no_etag), ["etag"]);
    let deleted = officer
        .delete_initiative(DeleteInitiativeRequest {
            name: created.name.clone(),
            etag: created.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    assert!(deleted.delete_time.is_some());
    let stale = officer
        .undelete_initiative(UndeleteInitiativeRequest {
            name: created.name.clone(),
            etag: created.etag.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let listed = officer
        .list_initiatives(ListInitiativesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 0, "deleted initiatives are not listed");
    let frozen = officer
        .launch_initiative(LaunchInitiativeRequest {
            name: created.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&frozen), "INITIATIVE_DELETED");

    let restored = officer
        .undelete_initiative(UndeleteInitiativeRequest {
            name: created.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    assert!(restored.delete_time.is_none());
    assert_eq!(
        restored.roadmap.as_ref().map(|r| r.milestone_count),
        Some(2)
    );

    // A retried launch with the same request id answers the first result, not
    // INVALID_STATUS_TRANSITION.
    let launch = LaunchInitiativeRequest {
        name: created.name.clone(),
        request_id: "0190aaaa-0000-7000-8000-0000000000bb".into(),
        ..Default::default()
    };
    let first = officer
        .launch_initiative(launch.clone())
        .await
        .unwrap()
        .into_inner();
    let retry = officer
        .launch_initiative(launch)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retry);
    let restored = first.initiative.unwrap();
    assert_eq!(restored.status_history.len(), 2);

    // Removing the coordinator that owns live milestones is refused.
    let mut without = restored.clone();
    without.coordinators.clear();
    let refused = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(without),
            update_mask: mask(&["coordinators"]),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "OWNER_IN_USE");
    let mut later = restored.clone();
    later.start_date = date(2027, 1, 15);
    let refused = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(later),
            update_mask: mask(&["start_date"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&refused), ["initiative.start_date"]);
    let mut renamed = restored.clone();
    renamed.title = "Peru pilot initiative".into();
    let updated = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(renamed.clone()),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    assert_eq!(updated.title, "Peru pilot initiative");
    let stale = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(renamed),
            update_mask: mask(&["title"]),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
}

engage_platform::on_both_databases!(
    an_initiative_goes_from_proposed_to_completed_with_its_roadmap,
    deleted_initiatives_keep_their_roadmap_and_come_back,
);

/// Two people linking two milestones to each other at the same moment: one of them wins,
/// the other is told about the cycle, and the roadmap never holds one.
async fn concurrent_dependency_changes_never_form_a_cycle(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let created = create(&mut officer, initiative("Peru pilot", "PE", "coord-pe")).await;
    for round in 0..5 {
        let a = add_milestone(
            &mut officer,
            &created.name,
            milestone(&format!("A{round}"), "coord-pe", date(2027, 1, 10)),
        )
        .await;
        let b = add_milestone(
            &mut officer,
            &created.name,
            milestone(&format!("B{round}"), "coord-pe", date(2027, 1, 11)),
        )
        .await;
        let link = |from: &Milestone, to: &Milestone| {
            let mut client = env.client(Role::CsuOfficer);
            let mut changed = from.clone();
            changed.depends_on = vec![to.name.clone()];
            async move {
                client
                    .update_milestone(UpdateMilestoneRequest {
                        milestone: Some(changed),
                        update_mask: mask(&["depends_on"]),
                    })
                    .await
            }
        };
        let (first, second) = tokio::join!(link(&a, &b), link(&b, &a));
        let outcomes = [first.is_ok(), second.is_ok()];
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "exactly one link holds: {first:?} {second:?}"
        );
        let refused = first.err().or(second.err()).unwrap();
        assert_eq!(violated_fields(&refused), ["milestone.depends_on"]);
    }
}

engage_platform::on_both_databases!(concurrent_dependency_changes_never_form_a_cycle);
