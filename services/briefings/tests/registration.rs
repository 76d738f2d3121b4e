//! Registration through the generated client, with a real contacts server behind it, on
//! both databases: capacity, waitlist and promotion under concurrent calls, the
//! per-organisation limit, repeated registrations, check-in and the refusals.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::briefings::*;
use engage_api::types::Sector;
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use tonic::Code;

fn status_of(r: &Registration) -> RegistrationStatus {
    RegistrationStatus::try_from(r.status).expect("status")
}

fn micros(t: &Option<prost_types::Timestamp>) -> i64 {
    engage_platform::resource::micros(t.as_ref().expect("time"))
}

async fn capacity_holds_under_concurrent_registrations_and_cancellations_promote_in_order(
    backend: TestBackend,
) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut event = briefing("NGO briefing on the review mechanism", 50, true);
    event.per_organization_limit = Some(0);
    let event = published(&mut officer, event).await;
    let people = people(&world, 120).await;

    let mut tasks = Vec::new();
    for person in &people {
        let mut client = world.client(Role::CsuOfficer);
        let request = registering(&event, person, "");
        tasks.push(tokio::spawn(async move { client.register(request).await }));
    }
    for task in tasks {
        let response = task
            .await
            .expect("task")
            .expect("every registration is accepted");
        assert!(!response.into_inner().already_registered);
    }

    let all = registrations(&mut officer, &event.name, "").await;
    assert_eq!(all.len(), 120);
    let registered: Vec<_> = all
        .iter()
        .filter(|r| status_of(r) == RegistrationStatus::Registered)
        .collect();
    let mut waitlisted: Vec<_> = all
        .iter()
        .filter(|r| status_of(r) == RegistrationStatus::Waitlisted)
        .collect();
    assert_eq!((registered.len(), waitlisted.len()), (50, 70));
    waitlisted.sort_by_key(|r| r.waitlist_position);
    let positions: Vec<i32> = waitlisted.iter().map(|r| r.waitlist_position).collect();
    assert_eq!(positions, (1..=70).collect::<Vec<_>>());
    // Registration order: every seat went to an earlier registration than any waitlisted
    // one, and the waitlist is in registration order.
    let last_seat = registered
        .iter()
        .map(|r| micros(&r.register_time))
        .max()
        .unwrap();
    let times: Vec<i64> = waitlisted
        .iter()
        .map(|r| micros(&r.register_time))
        .collect();
    assert!(last_seat < times[0], "seats go to the first registrations");
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "the waitlist is in registration order"
    );
    let counts = event_counts(&mut officer, &event.name).await;
    assert_eq!((counts.registered, counts.waitlisted), (50, 70));
    let read = common::event(&mut officer, &event.name).await;
    assert!(
        micros(&read.update_time) > micros(&event.update_time),
        "registrations change the event's update time"
    );
    assert_eq!(
        read.etag, event.etag,
        "but not its etag: its own fields did not change"
    );

    let first_five: Vec<String> = waitlisted.iter().take(5).map(|r| r.name.clone()).collect();
    let mut promoted = Vec::new();
    for seat in registered.iter().take(5) {
        let response = officer
            .cancel_registration(CancelRegistrationRequest {
                name: seat.name.clone(),
                etag: seat.etag.clone(),
                reason: "cannot travel".into(),
                ..Default::default()
            })
            .await
            .expect("cancel")
            .into_inner();
        assert_eq!(
            status_of(response.registration.as_ref().unwrap()),
            RegistrationStatus::Cancelled
        );
        assert_eq!(
            response.promoted.len(),
            1,
            "each freed seat goes to the waitlist"
        );
        let p = &response.promoted[0];
        assert_eq!(status_of(p), RegistrationStatus::Registered);
        assert_eq!(p.waitlist_position, 0);
        assert!(p.promote_time.is_some());
        promoted.push(p.name.clone());
    }
    assert_eq!(
        promoted, first_five,
        "the first five of the waitlist are promoted, in order"
    );

    let still_waiting = registrations(
        &mut officer,
        &event.name,
        "status = REGISTRATION_STATUS_WAITLISTED",
    )
    .await;
    assert_eq!(still_waiting.len(), 65);
    let mut by_position = still_waiting.clone();
    by_position.sort_by_key(|r| r.waitlist_position);
    assert_eq!(
        by_position
            .iter()
            .map(|r| r.waitlist_position)
            .collect::<Vec<_>>(),
        (1..=65).collect::<Vec<_>>()
    );
    assert_eq!(
        by_position
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>(),
        waitlisted
            .iter()
            .skip(5)
            .map(|r| r.name.clone())
            .collect::<Vec<_>>(),
        "the rest of the waitlist moved up in the same order"
    );
    let counts = event_counts(&mut officer, &event.name).await;
    assert_eq!(
        (counts.registered, counts.waitlisted, counts.cancelled),
        (50, 65, 5)
    );

    let outbox = world.outbox().await;
    let of = |t: &str| outbox.iter().filter(|e| e.event_type == t).count();
    assert_eq!(of("registration.registered"), 50);
    assert_eq!(of("registration.waitlisted"), 70);
    assert_eq!(of("registration.cancelled"), 5);
    let promotions: Vec<_> = outbox
        .iter()
        .filter(|e| e.event_type == "registration.promoted")
        .map(|e| e.resource_name.clone())
        .collect();
    assert_eq!(
        promotions, first_five,
        "each promotion is its own outbox event"
    );
}

async fn event_counts(client: &mut Client, name: &str) -> RegistrationCounts {
    event(client, name)
        .await
        .registration_counts
        .expect("counts")
}

async fn the_organisation_limit_holds_under_concurrent_registrations(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(&mut contacts, "Red de Mujeres del Sur", Sector::Ngo, "AR").await;
    let uni = organization(
        &mut contacts,
        "University of Nairobi",
        Sector::Academia,
        "KE",
    )
    .await;
    let mut event = briefing("Dialogue with the Executive Director", 0, false);
    event.per_organization_limit = Some(3);
    let event = published(&mut officer, event).await;
    let people = people(&world, 20).await;

    let mut tasks = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let mut client = world.client(Role::CsuOfficer);
        let org = if i % 2 == 0 { &ngo } else { &uni };
        let request = registering(&event, person, org);
        tasks.push(tokio::spawn(async move { client.register(request).await }));
    }
    let (mut accepted, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => accepted += 1,
            Err(status) => {
                assert_eq!(reason(&status), "ORGANIZATION_LIMIT_REACHED");
                refused += 1;
            }
        }
    }
    assert_eq!((accepted, refused), (6, 14));
    for org in [&ngo, &uni] {
        let of_org = registrations(
            &mut officer,
            &event.name,
            &format!("organization = \"{org}\""),
        )
        .await;
        assert_eq!(of_org.len(), 3, "exactly the limit for {org}");
    }
    let default = create(&mut officer, briefing("Default limit", 10, false)).await;
    assert_eq!(
        default.per_organization_limit,
        Some(5),
        "the documented default"
    );
}

async fn a_second_registration_returns_the_first_and_forms_create_people_once(
    backend: TestBackend,
) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(
        &mut contacts,
        "Youth Against Trafficking",
        Sector::Youth,
        "NG",
    )
    .await;
    let event = published(&mut officer, briefing("Youth consultation", 10, false)).await;
    let ana = person(&mut contacts, "Ana", "Silva", "BR", true).await;

    let first = officer
        .register(registering(&event, &ana, &ngo))
        .await
        .expect("first")
        .into_inner();
    let again = officer
        .register(registering(&event, &ana, ""))
        .await
        .expect("again")
        .into_inner();
    assert!(!first.already_registered);
    assert!(again.already_registered);
    assert_eq!(
        first.registration.as_ref().unwrap().name,
        again.registration.as_ref().unwrap().name
    );
    let snapshot = first
        .registration
        .as_ref()
        .unwrap()
        .participant
        .clone()
        .unwrap();
    assert_eq!(snapshot.country_code, "NG", "the organisation's country");
    assert_eq!(snapshot.sector, Sector::Youth as i32);
    assert!(snapshot.youth);
    assert_eq!(first.registration.as_ref().unwrap().badge_code.len(), 8);

    let form = |request_id: &str| RegisterRequest {
        parent: event.name.clone(),
        participant: Some(register_request::Participant::NewPerson(NewPerson {
            given_name: "Kwame".into(),
            family_name: "Mensah".into(),
            email: "Kwame.Mensah@example.org".into(),
            country_code: "GH".into(),
            consent_given: true,
            job_title: "Programme officer".into(),
            ..Default::default()
        })),
        organization: ngo.clone(),
        gender: Gender::Male as i32,
        request_id: request_id.into(),
        ..Default::default()
    };
    let rid = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f";
    let created = officer
        .register(form(rid))
        .await
        .expect("form")
        .into_inner();
    let retried = officer
        .register(form(rid))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(
        created, retried,
        "a retry is answered with the first response"
    );
    let other_form = officer
        .register(form("0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e60"))
        .await
        .expect("same person, new request")
        .into_inner();
    assert!(
        other_form.already_registered,
        "the email finds the person created before"
    );
    let person = created.registration.unwrap().person;
    let found = contacts
        .list_people(engage_api::contacts::ListPeopleRequest {
            filter: "emails.address = \"kwame.mensah@example.org\"".into(),
            ..Default::default()
        })
        .await
        .expect("contacts")
        .into_inner()
        .people;
    assert_eq!(found.len(), 1, "created in contacts once");
    assert_eq!(found[0].name, person);
    assert!(
        found[0]
            .active_consents
            .contains(&(engage_api::contacts::ConsentPurpose::EventCommunications as i32))
    );

    let refused = officer
        .register(RegisterRequest {
            parent: event.name.clone(),
            participant: Some(register_request::Participant::NewPerson(NewPerson {
                given_name: "No".into(),
                email: "no-consent@example.org".into(),
                ..Default::default()
            })),
            ..Default::default()
        })
        .await
        .expect_err("consent missing");
    assert_eq!(violated_fields(&refused), ["new_person.consent_given"]);
    let unknown = officer
        .register(registering(
            &event,
            "people/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f",
            "",
        ))
        .await
        .expect_err("unknown person");
    assert_eq!(violated_fields(&unknown), ["person"]);
}

/// A registration form for `email`, as a browser sends it.
fn form_of(event: &Event, given: &str, email: &str, request_id: &str) -> RegisterRequest {
    RegisterRequest {
        parent: event.name.clone(),
        participant: Some(register_request::Participant::NewPerson(NewPerson {
            given_name: given.into(),
            family_name: "Yusuf".into(),
            email: email.into(),
            country_code: "NG".into(),
            consent_given: true,
            ..Default::default()
        })),
        request_id: request_id.into(),
        ..Default::default()
    }
}

/// Sends every form at once; the answers in the same order.
async fn all_at_once(world: &World, forms: Vec<RegisterRequest>) -> Vec<RegisterResponse> {
    let mut tasks = Vec::new();
    for form in forms {
        let mut client = world.client(Role::CsuOfficer);
        tasks.push(tokio::spawn(async move { client.register(form).await }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(
            task.await
                .expect("task")
                .expect("a repeated form is answered, not refused")
                .into_inner(),
        );
    }
    answers
}

/// The contacts people with `email`.
async fn people_with_email(world: &World, email: &str) -> Vec<String> {
    world
        .contacts()
        .list_people(engage_api::contacts::ListPeopleRequest {
            filter: format!("emails.address = \"{}\"", email.to_lowercase()),
            ..Default::default()
        })
        .await
        .expect("contacts")
        .into_inner()
        .people
        .into_iter()
        .map(|p| p.name)
        .collect()
}

async fn a_form_sent_several_times_at_once_registers_one_person_once(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let event = published(&mut officer, briefing("Civil society hearing", 100, false)).await;

    // A double (or impatient) click: the same form, without a request id, sent 2 to 5
    // times at once; the address as typed differs only in case.
    for round in 0..10 {
        let email = format!("Amina.Yusuf{round}@Example.org");
        let forms = (0..2 + round % 4)
            .map(|i| {
                let typed = if i % 2 == 0 {
                    email.clone()
                } else {
                    email.to_uppercase()
                };
                form_of(&event, "Amina", &typed, "")
            })
            .collect();
        let answers = all_at_once(&world, forms).await;
        let first = answers[0].registration.clone().expect("registration");
        for answer in &answers {
            assert_eq!(
                answer.registration.as_ref().map(|r| &r.name),
                Some(&first.name),
                "round {round}: every click is answered with the same registration"
            );
        }
        assert_eq!(
            answers.iter().filter(|a| !a.already_registered).count(),
            1,
            "round {round}: one click registers, the others find that registration"
        );
        assert_eq!(
            people_with_email(&world, &email).await,
            std::slice::from_ref(&first.person),
            "round {round}: one person in contacts"
        );
        let theirs = registrations(
            &mut officer,
            &event.name,
            &format!("person = \"{}\"", first.person),
        )
        .await;
        assert_eq!(theirs.len(), 1, "round {round}: one registration");
    }
    let counts = event_counts(&mut officer, &event.name).await;
    assert_eq!(counts.registered, 10, "one seat per person");

    // Forms of different people sent at the same moment stay different people.
    let emails = ["kemi.adeyemi@example.org", "chidi.okeke@example.org"];
    let answers = all_at_once(
        &world,
        vec![
            form_of(&event, "Kemi", emails[0], ""),
            form_of(&event, "Chidi", emails[1], ""),
        ],
    )
    .await;
    assert!(answers.iter().all(|a| !a.already_registered));
    let persons: Vec<String> = answers
        .iter()
        .map(|a| a.registration.clone().expect("registration").person)
        .collect();
    assert_ne!(persons[0], persons[1]);
    for (email, person) in emails.iter().zip(&persons) {
        assert_eq!(
            people_with_email(&world, email).await,
            std::slice::from_ref(person)
        );
    }

    // A form sent again at once under its request id is answered with the first response.
    let rid = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4f01";
    let email = "bola.yusuf@example.org";
    let answers = all_at_once(
        &world,
        (0..3)
            .map(|_| form_of(&event, "Bola", email, rid))
            .collect(),
    )
    .await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert!(!answers[0].already_registered);
    let person = answers[0]
        .registration
        .clone()
        .expect("registration")
        .person;
    assert_eq!(people_with_email(&world, email).await, [person]);
    let counts = event_counts(&mut officer, &event.name).await;
    assert_eq!(counts.registered, 13);
}

async fn check_in_by_name_and_badge_and_no_shows_after_the_event(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let event = published(
        &mut officer,
        briefing("Side event on witness protection", 3, true),
    )
    .await;
    let people = people(&world, 4).await;
    let mut regs = Vec::new();
    for p in &people {
        regs.push(
            officer
                .register(registering(&event, p, ""))
                .await
                .expect("register")
                .into_inner()
                .registration
                .unwrap(),
        );
    }
    let by_name = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(regs[0].name.clone())),
        })
        .await
        .expect("check in")
        .into_inner();
    assert_eq!(
        status_of(by_name.registration.as_ref().unwrap()),
        RegistrationStatus::Attended
    );
    assert!(!by_name.already_checked_in);
    let code = regs[1].badge_code.to_lowercase();
    let typed = format!("{} {}", &code[..4], &code[4..]);
    let by_badge = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Badge(BadgeCode {
                event: event.name.clone(),
                code: typed,
            })),
        })
        .await
        .expect("badge")
        .into_inner();
    assert_eq!(by_badge.registration.unwrap().name, regs[1].name);
    let twice = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(regs[0].name.clone())),
        })
        .await
        .expect("again")
        .into_inner();
    assert!(twice.already_checked_in);

    let waitlisted = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(regs[3].name.clone())),
        })
        .await
        .expect_err("waitlisted");
    assert_eq!(reason(&waitlisted), "REGISTRATION_WAITLISTED");
    let unknown = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Badge(BadgeCode {
                event: event.name.clone(),
                code: "ZZZZZZZZ".into(),
            })),
        })
        .await
        .expect_err("unknown badge");
    assert_eq!(unknown.code(), Code::NotFound);

    let early = officer
        .mark_no_show(MarkNoShowRequest {
            name: regs[2].name.clone(),
            ..Default::default()
        })
        .await
        .expect_err("before the end");
    assert_eq!(reason(&early), "EVENT_NOT_ENDED");

    // The event took place earlier than planned: move it into the past.
    let current = event_of(&mut officer, &event.name).await;
    let now = engage_platform::resource::now_micros();
    let moved = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: current.name.clone(),
                etag: current.etag.clone(),
                start_time: Some(engage_platform::resource::timestamp(
                    now - 3 * 3_600_000_000,
                )),
                end_time: Some(engage_platform::resource::timestamp(now - 3_600_000_000)),
                ..Default::default()
            }),
            update_mask: mask(&["start_time", "end_time"]),
        })
        .await
        .expect("move");
    drop(moved);
    let marked = officer
        .batch_mark_no_show(BatchMarkNoShowRequest {
            parent: event.name.clone(),
            names: vec![],
        })
        .await
        .expect("batch")
        .into_inner()
        .registrations;
    assert_eq!(
        marked.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        [regs[2].name.clone()]
    );
    let late = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(regs[2].name.clone())),
        })
        .await
        .expect("a late check-in corrects the mark")
        .into_inner();
    assert_eq!(
        status_of(late.registration.as_ref().unwrap()),
        RegistrationStatus::Attended
    );
}

async fn event_of(client: &mut Client, name: &str) -> Event {
    event(client, name).await
}

async fn refusals_say_why_and_change_nothing(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let people = people(&world, 4).await;

    let mut bad = briefing("End before start", 10, false);
    std::mem::swap(&mut bad.start_time, &mut bad.end_time);
    let status = officer
        .create_event(CreateEventRequest {
            event: Some(bad),
            ..Default::default()
        })
        .await
        .expect_err("end before start");
    assert_eq!(violated_fields(&status), ["event.end_time"]);

    let draft = create(&mut officer, briefing("Draft", 10, false)).await;
    let status = officer
        .register(registering(&draft, &people[0], ""))
        .await
        .expect_err("draft");
    assert_eq!(reason(&status), "EVENT_NOT_OPEN");

    let full = published(&mut officer, briefing("Small round table", 1, false)).await;
    officer
        .register(registering(&full, &people[0], ""))
        .await
        .expect("the one seat");
    let outbox_before = world.outbox().await.len();
    let status = officer
        .register(registering(&full, &people[1], ""))
        .await
        .expect_err("full");
    assert_eq!(reason(&status), "EVENT_FULL");

    let current = event(&mut officer, &full.name).await;
    let status = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                name: current.name.clone(),
                etag: current.etag.clone(),
                capacity: 0,
                waitlist_enabled: false,
                ..Default::default()
            }),
            update_mask: mask(&["title"]),
        })
        .await
        .expect_err("empty title");
    assert_eq!(violated_fields(&status), ["event.title"]);
    let mut lower = briefing("Small round table", 1, false);
    lower.name = current.name.clone();
    lower.etag = current.etag.clone();
    lower.capacity = 1;
    let ok = officer
        .update_event(UpdateEventRequest {
            event: Some(lower.clone()),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect("same capacity")
        .into_inner()
        .event
        .unwrap();
    let mut grown = event(&mut officer, &full.name).await;
    officer
        .register(registering(&full, &people[1], ""))
        .await
        .expect_err("still full");
    grown.capacity = 2;
    let grown = officer
        .update_event(UpdateEventRequest {
            event: Some(grown),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect("raise")
        .into_inner()
        .event
        .unwrap();
    officer
        .register(registering(&full, &people[1], ""))
        .await
        .expect("second seat");
    let mut shrink = event(&mut officer, &full.name).await;
    shrink.capacity = 1;
    let status = officer
        .update_event(UpdateEventRequest {
            event: Some(shrink),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect_err("below registered");
    assert_eq!(reason(&status), "CAPACITY_BELOW_REGISTERED");
    let stale = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                etag: ok.etag.clone(),
                ..grown.clone()
            }),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect_err("stale");
    assert_eq!(stale.code(), Code::Aborted);
    assert_eq!(
        event(&mut officer, &full.name).await.capacity,
        2,
        "nothing changed"
    );
    assert_eq!(
        world.outbox().await.len(),
        outbox_before + 3,
        "only the two updates and the second seat were written"
    );

    let mut later = briefing("Registration opens next week", 10, false);
    later.registration_start_time = Some(engage_platform::resource::timestamp(
        engage_platform::resource::now_micros() + 20 * 3_600_000_000,
    ));
    let later = published(&mut officer, later).await;
    let status = officer
        .register(registering(&later, &people[2], ""))
        .await
        .expect_err("early");
    assert_eq!(reason(&status), "REGISTRATION_NOT_STARTED");

    let closing = published(&mut officer, briefing("Closed", 10, false)).await;
    let reg = officer
        .register(registering(&closing, &people[2], ""))
        .await
        .expect("registered")
        .into_inner()
        .registration
        .unwrap();
    let etag = event(&mut officer, &closing.name).await.etag;
    let closed = officer
        .close_event(CloseEventRequest {
            name: closing.name.clone(),
            etag,
        })
        .await
        .expect("close")
        .into_inner()
        .event
        .unwrap();
    let status = officer
        .register(registering(&closing, &people[3], ""))
        .await
        .expect_err("closed");
    assert_eq!(reason(&status), "EVENT_NOT_OPEN");
    let cancelled = officer
        .cancel_event(CancelEventRequest {
            name: closed.name.clone(),
            etag: closed.etag.clone(),
            reason: "venue unavailable".into(),
        })
        .await
        .expect("cancel")
        .into_inner();
    assert_eq!(cancelled.cancelled_registrations, 1);
    let status = officer
        .register(registering(&closing, &people[3], ""))
        .await
        .expect_err("cancelled");
    assert_eq!(reason(&status), "EVENT_NOT_OPEN");
    let status = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(reg.name.clone())),
        })
        .await
        .expect_err("cancelled registration");
    assert_eq!(reason(&status), "EVENT_NOT_OPEN");
    let again = officer
        .cancel_registration(CancelRegistrationRequest {
            name: reg.name.clone(),
            ..Default::default()
        })
        .await
        .expect_err("cancelled already");
    assert_eq!(reason(&again), "REGISTRATION_FINAL");

    // A registration cancelled on a running event cannot be checked in.
    let open = published(&mut officer, briefing("Open", 10, false)).await;
    let reg = officer
        .register(registering(&open, &people[3], ""))
        .await
        .expect("registered")
        .into_inner()
        .registration
        .unwrap();
    officer
        .cancel_registration(CancelRegistrationRequest {
            name: reg.name.clone(),
            ..Default::default()
        })
        .await
        .expect("cancel");
    let status = officer
        .check_in(CheckInRequest {
            target: Some(check_in_request::Target::Name(reg.name.clone())),
        })
        .await
        .expect_err("cancelled registration");
    assert_eq!(reason(&status), "REGISTRATION_CANCELLED");
}

async fn registration_managers_manage_their_event_only(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let people = people(&world, 2).await;
    let mut theirs = briefing("Side event of the coalition", 10, false);
    theirs.registration_managers = vec!["coalition-staff".into()];
    let theirs = published(&mut officer, theirs).await;
    let other = published(&mut officer, briefing("Another side event", 10, false)).await;
    let draft = create(&mut officer, briefing("Not yet announced", 10, false)).await;

    let mut staff = world.client_as(Caller::new("coalition-staff", &[Role::Viewer]));
    let mut request = registering(&theirs, &people[0], "");
    request.notes = "speaks at the opening".into();
    let reg = staff
        .register(request)
        .await
        .expect("their event")
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(reg.registered_by.unwrap().subject, "coalition-staff");
    // The organisers' staff register someone new from a form: the person is added to
    // contacts although the staff may not edit the register themselves.
    let from_form = staff
        .register(RegisterRequest {
            parent: theirs.name.clone(),
            participant: Some(register_request::Participant::NewPerson(NewPerson {
                given_name: "Lerato".into(),
                family_name: "Dlamini".into(),
                email: "lerato.dlamini@example.org".into(),
                country_code: "ZA".into(),
                consent_given: true,
                ..Default::default()
            })),
            ..Default::default()
        })
        .await
        .expect("a form filled in by the organisers' staff")
        .into_inner()
        .registration
        .unwrap();
    assert!(from_form.person.starts_with("people/"), "{from_form:?}");
    let denied = staff
        .register(registering(&other, &people[1], ""))
        .await
        .expect_err("other event");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let denied = staff
        .update_event(UpdateEventRequest {
            event: Some(theirs.clone()),
            update_mask: mask(&["title"]),
        })
        .await
        .expect_err("the event itself");
    assert_eq!(denied.code(), Code::PermissionDenied);

    let mut viewer = world.client(Role::Viewer);
    let seen = viewer
        .get_registration(GetRegistrationRequest {
            name: reg.name.clone(),
        })
        .await
        .expect("viewers read")
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(seen.notes, "", "notes are for the organisers");
    let seen = staff
        .get_registration(GetRegistrationRequest {
            name: reg.name.clone(),
        })
        .await
        .expect("managers read")
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(seen.notes, "speaks at the opening");
    let hidden = viewer
        .get_event(GetEventRequest {
            name: draft.name.clone(),
        })
        .await
        .expect_err("drafts are hidden");
    assert_eq!(hidden.code(), Code::NotFound);
    let listed = viewer
        .list_events(ListEventsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.total_size, 2, "the draft is left out for viewers");
}

async fn raised_capacity_promotes_and_organisations_change_within_the_limit(backend: TestBackend) {
    let world = World::start(backend).await;
    let mut officer = world.client(Role::CsuOfficer);
    let mut contacts = world.contacts();
    let ngo = organization(
        &mut contacts,
        "Women Against Trafficking",
        Sector::Ngo,
        "PH",
    )
    .await;
    let mut event = briefing("Training on victim support", 1, true);
    event.per_organization_limit = Some(1);
    let event = published(&mut officer, event).await;
    let people = people(&world, 4).await;
    let mut regs = Vec::new();
    for p in &people {
        regs.push(
            officer
                .register(registering(&event, p, ""))
                .await
                .expect("register")
                .into_inner()
                .registration
                .unwrap(),
        );
    }
    assert_eq!(
        regs.iter().map(|r| r.waitlist_position).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );

    let mut raised = common::event(&mut officer, &event.name).await;
    raised.capacity = 3;
    let response = officer
        .update_event(UpdateEventRequest {
            event: Some(raised),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect("raise")
        .into_inner();
    let promoted: Vec<_> = response.promoted.iter().map(|r| r.name.clone()).collect();
    assert_eq!(
        promoted,
        [regs[1].name.clone(), regs[2].name.clone()],
        "in waitlist order"
    );
    let last = officer
        .get_registration(GetRegistrationRequest {
            name: regs[3].name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(last.waitlist_position, 1, "the last one moved up");
    let waitlist_off = officer
        .update_event(UpdateEventRequest {
            event: Some(Event {
                waitlist_enabled: false,
                ..response.event.clone().unwrap()
            }),
            update_mask: mask(&["waitlist_enabled"]),
        })
        .await
        .expect_err("someone waits");
    assert_eq!(reason(&waitlist_off), "WAITLIST_NOT_EMPTY");

    let with_org = |r: &Registration| UpdateRegistrationRequest {
        registration: Some(Registration {
            name: r.name.clone(),
            etag: r.etag.clone(),
            organization: ngo.clone(),
            ..Default::default()
        }),
        update_mask: mask(&["organization"]),
    };
    let moved = officer
        .update_registration(with_org(&regs[0]))
        .await
        .expect("first of the organisation")
        .into_inner()
        .registration
        .unwrap();
    assert_eq!(
        moved.participant.unwrap().country_code,
        "PH",
        "the snapshot follows the organisation"
    );
    let current = officer
        .get_registration(GetRegistrationRequest {
            name: regs[1].name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap();
    let over = officer
        .update_registration(with_org(&current))
        .await
        .expect_err("over the limit");
    assert_eq!(reason(&over), "ORGANIZATION_LIMIT_REACHED");

    let request_id = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e99";
    let cancel = CancelRegistrationRequest {
        name: current.name.clone(),
        request_id: request_id.into(),
        ..Default::default()
    };
    let first = officer
        .cancel_registration(cancel.clone())
        .await
        .expect("cancel")
        .into_inner();
    let retried = officer
        .cancel_registration(cancel)
        .await
        .expect("a retry is answered")
        .into_inner();
    assert_eq!(first, retried);
    assert_eq!(first.promoted.len(), 1);
}

/// A line of the database's own description of an index or a plan.
#[derive(diesel::QueryableByName)]
struct Described {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// The registration counts read under the event's lock (by status, with the latest
/// update_time) are covered by one index; SQLite reads them from it alone.
async fn the_counts_of_an_event_are_read_from_an_index(backend: TestBackend) {
    use diesel_async::RunQueryDsl;
    let world = World::start(backend).await;
    let described: Result<Vec<Described>, engage_platform::Error> = async {
        Ok(engage_platform::with_connection!(
            world.briefings.database,
            |conn| {
                if backend == TestBackend::Postgres {
                    diesel::sql_query(
                        "SELECT indexdef AS line FROM pg_indexes \
                     WHERE indexname = 'registrations_event_status'",
                    )
                    .load(conn)
                    .await?
                } else {
                    diesel::sql_query(
                        "EXPLAIN QUERY PLAN SELECT status, count(*), max(update_time) \
                     FROM registrations WHERE event_id = 'e' GROUP BY status",
                    )
                    .load::<PlanLine>(conn)
                    .await?
                    .into_iter()
                    .map(|p| Described { line: p.detail })
                    .collect()
                }
            }
        ))
    }
    .await;
    let described: Vec<String> = described
        .expect("describing")
        .into_iter()
        .map(|d| d.line)
        .collect();
    let expected = if backend == TestBackend::Postgres {
        "(event_id, status, waitlist_position, update_time)"
    } else {
        "USING COVERING INDEX registrations_event_status"
    };
    assert!(
        described.iter().any(|l| l.contains(expected)),
        "{expected} in {described:?}"
    );
}

/// A line of SQLite's EXPLAIN QUERY PLAN.
#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

engage_platform::on_both_databases!(
    the_counts_of_an_event_are_read_from_an_index,
    raised_capacity_promotes_and_organisations_change_within_the_limit,
    capacity_holds_under_concurrent_registrations_and_cancellations_promote_in_order,
    the_organisation_limit_holds_under_concurrent_registrations,
    a_second_registration_returns_the_first_and_forms_create_people_once,
    a_form_sent_several_times_at_once_registers_one_person_once,
    check_in_by_name_and_badge_and_no_shows_after_the_event,
    refusals_say_why_and_change_nothing,
    registration_managers_manage_their_event_only,
);
