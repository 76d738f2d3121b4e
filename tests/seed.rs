//! `engage seed` through the gateway: the same seed number gives the same data set, another
//! number another one.

use std::num::NonZeroU32;
use std::time::Duration;

use engage_gateway::{Rate, RateLimits};
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::operator::Operator;
use engage_system_tests::{TestBus, TestSystem};
use serde_json::Value;

/// The test's scale: a small data set of every kind.
const SCALE: &str = "0.02";

/// Limits that do not slow seeding down (the default of 20 writes a second per caller would
/// make the test wait).
fn generous() -> RateLimits {
    let rate = |count| Rate {
        count: NonZeroU32::new(count).expect("a count"),
        period: Duration::from_secs(1),
    };
    RateLimits {
        read: rate(10_000),
        write: rate(10_000),
        stream: rate(1_000),
    }
}

/// What a user sees of a seeded system: the seed's counts, the organisations' names and
/// countries, the events' titles and capacities, the initiatives' titles and statuses.
async fn seeded(backend: TestBackend, seed: &str) -> (Value, Vec<String>) {
    let system = TestSystem::start_with(backend, TestBus::Memory, generous()).await;
    let admin = Operator::new(&system, &Caller::new("admin-ada", &[Role::Admin]));
    let counts: Value = serde_json::from_str(
        &admin
            .ok(&["seed", "--seed", seed, "--scale", SCALE, "--json"])
            .await,
    )
    .expect("the counts as JSON");
    let mut seen = Vec::new();
    for (list, fields) in [
        ("orgs", &["displayName", "countryCode", "sector"][..]),
        ("people", &["givenName", "familyName", "youth"][..]),
        ("events", &["title", "capacity", "status"][..]),
        ("initiatives", &["title", "status"][..]),
        ("declarations", &["title", "status"][..]),
    ] {
        for line in admin.ok(&[list, "list", "--json"]).await.lines() {
            let record: Value = serde_json::from_str(line).expect("a JSON record");
            let shown: Vec<String> = fields.iter().map(|f| record[*f].to_string()).collect();
            seen.push(format!("{list}: {}", shown.join(" | ")));
        }
    }
    seen.sort();
    let again = admin.run(&["seed", "--seed", seed, "--scale", SCALE]).await;
    assert_eq!(again.code, 1, "a seeded system is not seeded twice");
    assert!(
        again.stderr.contains("holds a demo data set already"),
        "{}",
        again.stderr
    );
    system.stop().await;
    (counts, seen)
}

async fn the_same_seed_number_gives_the_same_data_set(backend: TestBackend) {
    let (counts, seen) = seeded(backend, "5").await;
    assert!(counts["organizations"].as_u64() >= Some(60), "{counts}");
    assert!(
        counts["signaturesVerified"].is_null(),
        "snake_case keys: {counts}"
    );
    assert!(
        counts["signatures_verified"].as_u64() >= Some(4),
        "{counts}"
    );
    assert!(counts["waitlisted"].as_u64() >= Some(1), "{counts}");
    assert!(counts["overdue_milestones"].as_u64() >= Some(1), "{counts}");
    assert!(seen.iter().any(|s| s.starts_with("events: \"NGO briefing")));

    let (again, seen_again) = seeded(backend, "5").await;
    assert_eq!(again, counts, "the same counts");
    assert_eq!(seen_again, seen, "the same records");

    let (_, other) = seeded(backend, "6").await;
    assert_ne!(other, seen, "another number gives other data");
}

engage_platform::on_both_databases!(the_same_seed_number_gives_the_same_data_set);
