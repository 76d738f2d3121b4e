//! Attendance figures against a count done by hand, per event and per conference session,
//! on both databases with real contacts behind.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::briefings::*;
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::Role;
use engage_platform::resource::{now_micros, timestamp};
use engage_platform::testkit::TestBackend;

fn counts(
    registered: i32,
    waitlisted: i32,
    cancelled: i32,
    attended: i32,
    no_show: i32,
) -> Option<RegistrationCounts> {
    Some(RegistrationCounts {
        registered,
        waitlisted,
        cancelled,
        attended,
        no_show,
    })
}

async fn register(
    client: &mut Client,
    event: &Event,
    person: &str,
    organization: &str,
    gender: Gender,
) -> Registration {
    let mut request = registering(event, person, organization);
    request.gender = gender as i32;
    client
        .register(request)
        .await
        .expect("register")
        .into_inner()
        .registration
        .expect("registration")
}

async fn check_in(client: &mut Client, registration: &Registration) {
    client
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(registration.name.clone())),
        })
        .await
        .expect("check in");
}

async fn figures_match_a_count_by_hand(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(
        &mut contacts,
        "Kenya Anti-Corruption Network",
        Sector::Ngo,
        "KE",
    )
    .await;
    let uni = organization(&mut contacts, "Sciences Po", Sector::Academia, "FR").await;
    let firm = organization(
        &mut contacts,
        "Integridade Empresarial",
        Sector::PrivateSector,
        "BR",
    )
    .await;
    let p: Vec<String> = vec![
        person(&mut contacts, "Wanjiru", "Kamau", "KE", true).await,
        person(&mut contacts, "Otieno", "Odhiambo", "KE", false).await,
        person(&mut contacts, "Claire", "Dubois", "FR", false).await,
        person(&mut contacts, "Joao", "Pereira", "BR", false).await,
        person(&mut contacts, "Yuki", "Sato", "JP", true).await,
        person(&mut contacts, "Pierre", "Martin", "FR", false).await,
        person(&mut contacts, "Lucia", "Fernandez", "AR", false).await,
    ];

    let a = published(
        &mut officer,
        briefing("Briefing on the review mechanism", 5, true),
    )
    .await;
    let r0 = register(&mut officer, &a, &p[0], &ngo, Gender::Female).await;
    let r1 = register(&mut officer, &a, &p[1], &ngo, Gender::Male).await;
    let r2 = register(&mut officer, &a, &p[2], &uni, Gender::Female).await;
    let r3 = register(&mut officer, &a, &p[3], &firm, Gender::Unspecified).await;
    register(&mut officer, &a, &p[4], "", Gender::Unspecified).await;
    let r5 = register(&mut officer, &a, &p[5], &uni, Gender::Male).await;
    assert_eq!(r5.waitlist_position, 1, "the sixth waits");
    check_in(&mut officer, &r0).await;
    check_in(&mut officer, &r2).await;
    officer
        .cancel_registration(CancelRegistrationRequest {
            name: r3.name.clone(),
            ..Default::default()
        })
        .await
        .expect("cancel");
    // The briefing is over: it is moved to when it took place, and no-shows are marked.
    let current = event(&mut officer, &a.name).await;
    let now = now_micros();
    officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: current.name.clone(),
                etag: current.etag.clone(),
                start_time: Some(timestamp(now - 5 * 3_600_000_000)),
                end_time: Some(timestamp(now - 3 * 3_600_000_000)),
                ..Default::default()
            }),
            update_mask: mask(&["start_time", "end_time"]),
        })
        .await
        .expect("move");
    officer
        .batch_mark_no_show(BatchMarkNoShowRequest {
            parent: a.name.clone(),
            names: vec![r1.name.clone()],
        })
        .await
        .expect("no-show");

    let mut side = briefing("Side event: youth and organised crime", 0, false);
    side.kind = EventKind::SideEvent as i32;
    let b = published(&mut officer, side).await;
    let b0 = register(&mut officer, &b, &p[0], &ngo, Gender::Female).await;
    check_in(&mut officer, &b0).await;
    register(&mut officer, &b, &p[6], "", Gender::Unspecified).await;
    create(
        &mut officer,
        briefing("Draft briefing, not counted", 10, false),
    )
    .await;
    let mut other = briefing("Another session's briefing", 10, false);
    other.conference_session = "COP13".into();
    let d = published(&mut officer, other).await;
    register(&mut officer, &d, &p[1], &ngo, Gender::Male).await;

    // By hand, event A: p0 attended (NGO, KE, female, youth), p1 no-show (NGO, KE, male),
    // p2 attended (academia, FR, female), p3 cancelled (private sector, BR), p4 registered
    // (no organisation, JP, youth), p5 promoted to registered (academia, FR, male).
    let figures = officer
        .get_event_attendance(GetEventAttendanceRequest {
            event: a.name.clone(),
        })
        .await
        .expect("figures")
        .into_inner()
        .attendance
        .unwrap();
    assert_eq!(figures.capacity, 5);
    let bd = figures.breakdown.unwrap();
    assert_eq!(bd.totals, counts(2, 0, 1, 2, 1));
    let sectors: Vec<_> = bd.by_sector.iter().map(|s| (s.sector, s.counts)).collect();
    assert_eq!(
        sectors,
        [
            (Sector::Unspecified as i32, counts(1, 0, 0, 0, 0)),
            (Sector::Ngo as i32, counts(0, 0, 0, 1, 1)),
            (Sector::Academia as i32, counts(1, 0, 0, 1, 0)),
            (Sector::PrivateSector as i32, counts(0, 0, 1, 0, 0)),
        ]
    );
    let groups: Vec<_> = bd
        .by_regional_group
        .iter()
        .map(|s| (s.regional_group, s.counts))
        .collect();
    assert_eq!(
        groups,
        [
            (RegionalGroup::African as i32, counts(0, 0, 0, 1, 1)),
            (RegionalGroup::AsiaPacific as i32, counts(1, 0, 0, 0, 0)),
            (
                RegionalGroup::LatinAmericanCaribbean as i32,
                counts(0, 0, 1, 0, 0)
            ),
            (
                RegionalGroup::WesternEuropeanOthers as i32,
                counts(1, 0, 0, 1, 0)
            ),
        ]
    );
    let genders: Vec<_> = bd.by_gender.iter().map(|s| (s.gender, s.counts)).collect();
    assert_eq!(
        genders,
        [
            (Gender::Unspecified as i32, counts(1, 0, 1, 0, 0)),
            (Gender::Female as i32, counts(0, 0, 0, 2, 0)),
            (Gender::Male as i32, counts(1, 0, 0, 0, 1)),
        ]
    );
    assert_eq!(bd.youth, counts(1, 0, 0, 1, 0));
    assert_eq!((bd.organizations_attended, bd.countries_attended), (2, 2));

    // The conference session: A and B, not the draft, not COP13.
    let session = officer
        .get_conference_session_attendance(GetConferenceSessionAttendanceRequest {
            conference_session: "COP12".into(),
        })
        .await
        .expect("session figures")
        .into_inner()
        .attendance
        .unwrap();
    assert_eq!(session.event_count, 2);
    assert_eq!(
        session.breakdown.as_ref().unwrap().totals,
        counts(3, 0, 1, 3, 1)
    );
    assert_eq!(
        session.people_attended, 2,
        "Wanjiru attended twice and counts once"
    );
    let kinds: Vec<_> = session
        .by_kind
        .iter()
        .map(|k| (k.kind, k.event_count, k.counts))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Briefing as i32, 1, counts(2, 0, 1, 2, 1)),
            (EventKind::SideEvent as i32, 1, counts(1, 0, 0, 1, 0)),
        ]
    );
    let lines: Vec<_> = session.events.iter().map(|l| l.event.clone()).collect();
    assert_eq!(
        lines,
        [a.name.clone(), b.name.clone()],
        "ordered by start time"
    );
    let empty = officer
        .get_conference_session_attendance(GetConferenceSessionAttendanceRequest {
            conference_session: "COP99".into(),
        })
        .await
        .expect("no events")
        .into_inner()
        .attendance
        .unwrap();
    assert_eq!(
        (empty.event_count, empty.breakdown.unwrap().totals),
        (0, counts(0, 0, 0, 0, 0))
    );
    let bad = officer
        .get_conference_session_attendance(GetConferenceSessionAttendanceRequest {
            conference_session: "cop 12".into(),
        })
        .await
        .expect_err("malformed code");
    assert_eq!(violated_fields(&bad), ["conference_session"]);

    // The counts on the event and in the list agree with the figures.
    let listed = officer
        .list_events(ListEventsRequest {
            filter: "conference_session = \"COP12\" AND status = EVENT_STATUS_PUBLISHED".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.total_size, 2);
    assert_eq!(listed.events[0].registration_counts, counts(2, 0, 1, 2, 1));
}

engage_platform::on_both_databases!(figures_match_a_count_by_hand);
