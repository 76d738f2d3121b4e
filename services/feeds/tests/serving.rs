//! The feeds server on a real port, against a fresh database on each backend.

use engage_feeds::Feeds;
use engage_platform::testkit::{TestBackend, check_service_basics};

async fn serves_health_and_reflection_and_refuses_calls_around_the_gateway(backend: TestBackend) {
    check_service_basics::<Feeds>(backend).await;
}

engage_platform::on_both_databases!(
    serves_health_and_reflection_and_refuses_calls_around_the_gateway
);
