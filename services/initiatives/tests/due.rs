//! What is overdue and due soon on a fixed clock (25 November 2026), the roadmap figures,
//! the lists by country, regional group, status, coordinator and partner, and the summary
//! the dashboard reads: through the generated client on both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::initiatives::*;
use engage_api::types::RegionalGroup;
use engage_platform::Role;
use engage_platform::testkit::TestBackend;

struct World {
    env: Env,
    kenya: Initiative,
    brazil: Initiative,
    partner: String,
    /// Milestone names by title.
    names: std::collections::HashMap<String, String>,
}

async fn world(backend: TestBackend) -> World {
    let env = Env::start(backend).await;
    let mut officer = env.client(Role::CsuOfficer);
    let ngo = env.organization("Haki Africa", "haki.example.org").await;
    let mut draft = initiative("Kenya pilot", "KE", "coord-ke");
    draft.civil_society_partners = vec![CivilSocietyPartner {
        organization: ngo.name.clone(),
        ..Default::default()
    }];
    let kenya = create(&mut officer, draft).await;
    let brazil = create(&mut officer, initiative("Brazil pilot", "BR", "coord-br")).await;
    let ghana = create(&mut officer, initiative("Ghana pilot", "GH", "coord-gh")).await;
    let mut names = std::collections::HashMap::new();
    #[rustfmt::skip]
    let plan = [
        (&kenya, "coord-ke", "overdue", (2026, 11, 20), MilestoneStatus::Planned, 0),
        (&kenya, "coord-ke", "today", (2026, 11, 25), MilestoneStatus::InProgress, 50),
        (&kenya, "coord-ke", "next week", (2026, 12, 1), MilestoneStatus::Planned, 0),
        (&kenya, "coord-ke", "next year", (2027, 1, 15), MilestoneStatus::Planned, 0),
        (&kenya, "coord-ke", "done early", (2026, 11, 1), MilestoneStatus::Done, 0),
        (&kenya, "coord-ke", "dropped", (2026, 10, 1), MilestoneStatus::Dropped, 0),
        (&brazil, "coord-br", "blocked", (2026, 11, 24), MilestoneStatus::Blocked, 0),
        (&ghana, "coord-gh", "of a deleted initiative", (2026, 11, 1), MilestoneStatus::Planned, 0),
    ];
    for (initiative, coordinator, title, (y, m, d), status, percent) in plan {
        let mut draft = milestone(title, coordinator, date(y, m, d));
        draft.status = status as i32;
        draft.percent_complete = percent;
        let created = add_milestone(&mut officer, &initiative.name, draft).await;
        names.insert(title.to_owned(), created.name);
    }
    let ghana = get(&mut officer, &ghana.name).await;
    officer
        .delete_initiative(DeleteInitiativeRequest {
            name: ghana.name.clone(),
            etag: ghana.etag.clone(),
        })
        .await
        .unwrap();
    World {
        kenya,
        brazil,
        partner: ngo.name,
        names,
        env,
    }
}

async fn due(client: &mut Client, request: ListDueMilestonesRequest) -> ListDueMilestonesResponse {
    client
        .list_due_milestones(request)
        .await
        .unwrap()
        .into_inner()
}

fn titles_and_days(response: &ListDueMilestonesResponse) -> Vec<(String, i32)> {
    response
        .due_milestones
        .iter()
        .map(|d| {
            (
                d.milestone
                    .as_ref()
                    .map(|m| m.title.clone())
                    .unwrap_or_default(),
                d.days_until_due,
            )
        })
        .collect()
}

fn pairs(list: &[(&str, i32)]) -> Vec<(String, i32)> {
    list.iter().map(|(t, d)| ((*t).to_owned(), *d)).collect()
}

async fn overdue_and_due_soon_milestones_on_a_fixed_clock(backend: TestBackend) {
    let w = world(backend).await;
    let mut viewer = w.env.client(Role::Viewer);
    let all = "initiatives/-".to_owned();

    let overdue = due(
        &mut viewer,
        ListDueMilestonesRequest {
            parent: all.clone(),
            include_overdue: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles_and_days(&overdue),
        pairs(&[("overdue", -5), ("blocked", -1)])
    );
    assert_eq!(overdue.total_size, 2);
    let blocked = &overdue.due_milestones[1];
    assert_eq!(blocked.initiative_title, "Brazil pilot");
    assert_eq!(blocked.country_code, "BR");
    assert_eq!(
        blocked.regional_group(),
        RegionalGroup::LatinAmericanCaribbean
    );
    assert_eq!(blocked.initiative_status(), InitiativeStatus::Proposed);
    assert!(blocked.milestone.as_ref().unwrap().overdue);

    let soon = due(
        &mut viewer,
        ListDueMilestonesRequest {
            parent: all.clone(),
            within_days: Some(7),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles_and_days(&soon),
        pairs(&[("today", 0), ("next week", 6)])
    );

    let both = due(
        &mut viewer,
        ListDueMilestonesRequest {
            parent: all.clone(),
            include_overdue: true,
            within_days: Some(7),
            filter: "initiative.country_code = \"KE\"".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles_and_days(&both),
        pairs(&[("overdue", -5), ("today", 0), ("next week", 6)])
    );

    // One initiative, a wider window, a page at a time.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = due(
            &mut viewer,
            ListDueMilestonesRequest {
                parent: w.kenya.name.clone(),
                include_overdue: true,
                within_days: Some(60),
                page_size: 3,
                page_token: token.clone(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(page.total_size, 4);
        seen.extend(titles_and_days(&page));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(
        seen,
        pairs(&[
            ("overdue", -5),
            ("today", 0),
            ("next week", 6),
            ("next year", 51)
        ])
    );

    let neither = viewer
        .list_due_milestones(ListDueMilestonesRequest {
            parent: all.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&neither), ["within_days"]);

    // The roadmap figures as of the same day.
    let kenya = get(&mut viewer, &w.kenya.name).await;
    let roadmap = kenya.roadmap.unwrap();
    assert_eq!(roadmap.milestone_count, 6);
    let counts = roadmap.status_counts.unwrap();
    assert_eq!(
        (
            counts.planned,
            counts.in_progress,
            counts.done,
            counts.blocked,
            counts.dropped
        ),
        (3, 1, 1, 0, 1)
    );
    // Mean over the five milestones not dropped: (0 + 50 + 0 + 0 + 100) / 5.
    assert!(
        (roadmap.progress_percent - 30.0).abs() < 1e-9,
        "{}",
        roadmap.progress_percent
    );
    assert_eq!(roadmap.overdue_count, 1);
    let next = roadmap.next_due.unwrap();
    assert_eq!(
        (next.title.as_str(), next.due_date),
        ("today", date(2026, 11, 25))
    );
    assert_eq!(next.milestone, w.names["today"]);

    let overdue_only = viewer
        .list_milestones(ListMilestonesRequest {
            parent: w.kenya.name.clone(),
            filter: "overdue = true".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(overdue_only.milestones.len(), 1);
    assert_eq!(overdue_only.milestones[0].name, w.names["overdue"]);
}

async fn list_names(client: &mut Client, filter: &str) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_initiatives(ListInitiativesRequest {
            filter: filter.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e:?}"))
        .into_inner()
        .initiatives
        .into_iter()
        .map(|i| i.title)
        .collect();
    names.sort();
    names
}

async fn initiatives_are_listed_by_country_group_status_coordinator_and_partner(
    backend: TestBackend,
) {
    let w = world(backend).await;
    let mut viewer = w.env.client(Role::Viewer);
    let cases: Vec<(String, Vec<&str>)> = vec![
        (String::new(), vec!["Brazil pilot", "Kenya pilot"]),
        ("country_code = \"KE\"".into(), vec!["Kenya pilot"]),
        (
            "regional_group = REGIONAL_GROUP_LATIN_AMERICAN_CARIBBEAN".into(),
            vec!["Brazil pilot"],
        ),
        (
            "(status = INITIATIVE_STATUS_PROPOSED OR status = INITIATIVE_STATUS_ACTIVE)".into(),
            vec!["Brazil pilot", "Kenya pilot"],
        ),
        ("status = INITIATIVE_STATUS_ACTIVE".into(), vec![]),
        ("coordinator = \"coord-br\"".into(), vec!["Brazil pilot"]),
        (
            format!("partner_organization = \"{}\"", w.partner),
            vec!["Kenya pilot"],
        ),
        (
            "thematic_area = THEMATIC_AREA_TRAFFICKING_IN_PERSONS".into(),
            vec!["Brazil pilot", "Kenya pilot"],
        ),
        ("title : \"KENYA\"".into(), vec!["Kenya pilot"]),
        (
            "roadmap.overdue_count > 0".into(),
            vec!["Brazil pilot", "Kenya pilot"],
        ),
        ("roadmap.progress_percent >= 30".into(), vec!["Kenya pilot"]),
        (
            "regional_group = REGIONAL_GROUP_AFRICAN AND roadmap.overdue_count > 0".into(),
            vec!["Kenya pilot"],
        ),
        (
            "start_date >= \"2026-01-01\"".into(),
            vec!["Brazil pilot", "Kenya pilot"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(list_names(&mut viewer, &filter).await, expected, "{filter}");
    }
    let unknown = viewer
        .list_initiatives(ListInitiativesRequest {
            filter: "budget > 3".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&unknown), ["filter"]);

    // Ordered by title, one per page; the deleted Ghana initiative shows only on request.
    let first = viewer
        .list_initiatives(ListInitiativesRequest {
            order_by: "title".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (first.initiatives[0].title.as_str(), first.total_size),
        ("Brazil pilot", 2)
    );
    let second = viewer
        .list_initiatives(ListInitiativesRequest {
            order_by: "title".into(),
            page_size: 1,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.initiatives[0].title, "Kenya pilot");
    assert!(second.next_page_token.is_empty());
    let other_query = viewer
        .list_initiatives(ListInitiativesRequest {
            order_by: "title desc".into(),
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&other_query), ["page_token"]);
    let with_deleted = viewer
        .list_initiatives(ListInitiativesRequest {
            show_deleted: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_deleted.total_size, 3);

    let by_id = viewer
        .batch_get_initiatives(BatchGetInitiativesRequest {
            names: vec![
                w.brazil.name.clone(),
                w.kenya.name.clone(),
                w.brazil.name.clone(),
            ],
        })
        .await
        .unwrap()
        .into_inner()
        .initiatives;
    let titles: Vec<&str> = by_id.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Brazil pilot", "Kenya pilot", "Brazil pilot"]);
}

async fn the_dashboard_summary_is_computed_as_of_today(backend: TestBackend) {
    let w = world(backend).await;
    let mut dashboard = w.env.client(Role::Dashboard);
    let summary = dashboard
        .summarize_initiatives(SummarizeInitiativesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summary.initiative_count, 2,
        "the deleted initiative is not counted"
    );
    assert_eq!(summary.by_status.len(), 5, "every status, in enum order");
    let proposed = &summary.by_status[0];
    assert_eq!(proposed.status(), InitiativeStatus::Proposed);
    assert_eq!(proposed.initiative_count, 2);
    assert!((proposed.average_progress_percent - 15.0).abs() < 1e-9);
    assert_eq!(proposed.overdue_milestone_count, 2);
    assert!(
        summary.by_status[1..]
            .iter()
            .all(|s| s.initiative_count == 0)
    );
    let groups: Vec<(i32, i32)> = summary
        .by_regional_group
        .iter()
        .map(|g| (g.regional_group, g.initiative_count))
        .collect();
    assert_eq!(
        groups,
        [
            (RegionalGroup::African as i32, 1),
            (RegionalGroup::LatinAmericanCaribbean as i32, 1)
        ]
    );
    let countries: Vec<&str> = summary
        .by_country
        .iter()
        .map(|c| c.country_code.as_str())
        .collect();
    assert_eq!(countries, ["BR", "KE"]);
    let counts = summary.milestone_status_counts.unwrap();
    assert_eq!(
        (
            counts.planned,
            counts.in_progress,
            counts.done,
            counts.blocked,
            counts.dropped
        ),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(summary.overdue_milestone_count, 2);
    assert_eq!(
        summary.due_soon_milestone_count, 2,
        "today and next week, within 30 days"
    );
    assert!((summary.average_progress_percent - 15.0).abs() < 1e-9);
    assert_eq!(summary.as_of_time.map(|t| t.seconds), Some(1_795_608_000));

    let kenya_only = dashboard
        .summarize_initiatives(SummarizeInitiativesRequest {
            filter: "country_code = \"KE\"".into(),
            due_within_days: Some(60),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kenya_only.initiative_count, 1);
    assert_eq!(kenya_only.due_soon_milestone_count, 3);
    let out_of_range = dashboard
        .summarize_initiatives(SummarizeInitiativesRequest {
            due_within_days: Some(400),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&out_of_range), ["due_within_days"]);
}

/// The roadmap figures and next milestone due that GetInitiative reads through diesel's
/// query builder are those of the composed SQL the lists and the summary use, on any day.
async fn built_roadmap_queries_answer_as_the_composed_sql(backend: TestBackend) {
    use engage_initiatives::store::{NextDueRow, RoadmapRow, Store, queries};
    let world = world(backend).await;
    let mut officer = world.env.client(Role::CsuOfficer);
    // Two due the same day (the tie goes to the lower id), and a mean of thirds: Brazil's
    // blocked 0, 34 and 0, the dropped one left out.
    for (title, status, percent) in [
        ("tie one", MilestoneStatus::InProgress, 34),
        ("tie two", MilestoneStatus::Planned, 0),
        ("dropped too", MilestoneStatus::Dropped, 0),
    ] {
        let mut draft = milestone(title, "coord-br", date(2026, 12, 3));
        draft.status = status as i32;
        draft.percent_complete = percent;
        add_milestone(&mut officer, &world.brazil.name, draft).await;
    }
    let ids: Vec<String> = [&world.kenya, &world.brazil]
        .iter()
        .map(|i| i.name.trim_start_matches("initiatives/").to_owned())
        .chain(["no-such-initiative".to_owned()])
        .collect();
    for today in [
        "2026-01-01",
        "2026-11-24",
        "2026-11-25",
        "2026-12-02",
        "2026-12-03",
        "2027-06-01",
    ] {
        let answers: Result<_, engage_platform::Error> = async {
            Ok(engage_platform::with_connection!(
                world.env.initiatives.database,
                |conn| {
                    let built = conn.roadmap_figures(today, &ids).await?;
                    let composed: Vec<RoadmapRow> = conn
                        .rows(&queries::roadmaps(today, today, Some(&ids)))
                        .await?;
                    let next_built = conn.next_due(today, &ids).await?;
                    let next_composed: Vec<NextDueRow> =
                        conn.rows(&queries::next_due(today, &ids)).await?;
                    (built, composed, next_built, next_composed)
                }
            ))
        }
        .await;
        let (mut built, mut composed, mut next_built, mut next_composed) =
            answers.expect("queries");
        let figures = |rows: &mut Vec<RoadmapRow>| {
            rows.sort_by(|a, b| a.initiative_id.cmp(&b.initiative_id));
            rows.iter()
                .map(|r| {
                    let counts = (r.milestone_count, r.planned, r.in_progress, r.done);
                    let more = (r.blocked, r.dropped, r.overdue, r.progress.to_bits());
                    (r.initiative_id.clone(), counts, more)
                })
                .collect::<Vec<_>>()
        };
        let built = figures(&mut built);
        assert_eq!(
            built.len(),
            2,
            "{today}: the two initiatives with milestones"
        );
        assert_eq!(built, figures(&mut composed), "{today}");
        let due = |rows: &mut Vec<NextDueRow>| {
            rows.sort_by(|a, b| a.initiative_id.cmp(&b.initiative_id));
            rows.iter()
                .map(|r| {
                    (
                        r.initiative_id.clone(),
                        r.id.clone(),
                        r.title.clone(),
                        r.due_date.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(due(&mut next_built), due(&mut next_composed), "{today}");
    }
}

engage_platform::on_both_databases!(
    built_roadmap_queries_answer_as_the_composed_sql,
    overdue_and_due_soon_milestones_on_a_fixed_clock,
    initiatives_are_listed_by_country_group_status_coordinator_and_partner,
    the_dashboard_summary_is_computed_as_of_today,
);
