//! The gateway's view of services that are down.

use std::net::SocketAddr;

use engage_api::service_names;
use engage_gateway::{Authenticator, Upstream};
use engage_platform::testkit::{ServingStatus, health_status, loopback_channel};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_is_down_reports_not_serving_without_hanging() {
    // A port that was free a moment ago: nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let closed_address = closed.local_addr().expect("address");
    drop(closed);

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let gateway: SocketAddr = listener.local_addr().expect("address");
    let upstreams = [Upstream {
        grpc_name: service_names::CONTACTS,
        url: format!("http://{closed_address}"),
    }];
    tokio::spawn(async move {
        engage_gateway::serve(
            &upstreams,
            Authenticator::none(),
            listener,
            std::future::pending(),
        )
        .await
        .expect("gateway serves");
    });

    let channel = loopback_channel(gateway);
    let down = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        health_status(channel.clone(), service_names::CONTACTS),
    )
    .await
    .expect("the gateway answers promptly");
    assert_eq!(down.ok(), Some(ServingStatus::NotServing));
    assert_eq!(
        health_status(channel, "").await.ok(),
        Some(ServingStatus::Serving),
        "the gateway itself stays up"
    );
}
