//! A feeds server on a loopback port over a bus of the test's own (in memory, or in Redis
//! under a key prefix no other test uses), and events published straight to that bus.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::feeds_service_server::FeedsServiceServer;
use engage_api::feeds::{SubscribeRequest, SubscribeResponse, Topic, subscribe_response::Payload};
use engage_feeds::{FeedSettings, FeedsApi};
use engage_platform::Caller;
use engage_platform::bus::EventBus;
use engage_platform::identity::{
    InternalIdentityLayer, InternalKey, InternalTokenInterceptor, Secret,
};
use engage_platform::journal::StoredEvent;
use engage_platform::server::Stopping;
use engage_platform::testkit::{TestRedisBus, loopback_channel};
use tokio::sync::oneshot;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

/// The bus a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Bus {
    Memory,
    Redis,
}

/// A fresh bus: in memory, or Redis streams under a prefix of this test's own (deleted
/// when the returned guard is dropped).
pub fn bus(kind: Bus) -> (EventBus, Option<TestRedisBus>) {
    match kind {
        Bus::Memory => (EventBus::memory(), None),
        Bus::Redis => {
            let redis = TestRedisBus::create();
            (redis.bus.clone(), Some(redis))
        }
    }
}

/// Runs each named `async fn(Bus)` as two tests, `name::memory` and `name::redis`.
#[macro_export]
macro_rules! on_both_buses {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    super::$name($crate::support::Bus::Memory).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn redis() {
                    super::$name($crate::support::Bus::Redis).await
                }
            }
        )+
    };
}

/// The outbox id the tests' streams name.
pub const ORIGIN: &str = "0123456789abcdef";

/// A feeds server for one test.
pub struct Feed {
    pub address: SocketAddr,
    pub key: InternalKey,
    pub bus: EventBus,
    stopping: tokio::sync::watch::Sender<bool>,
    _stop: oneshot::Sender<()>,
    _redis: Option<TestRedisBus>,
}

pub type Client = FeedsServiceClient<InterceptedService<Channel, InternalTokenInterceptor>>;

impl Feed {
    pub async fn start(
        (bus, redis): (EventBus, Option<TestRedisBus>),
        subscriber_buffer: usize,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        // Streams written straight to the bus hold their whole history, as a relay's refill
        // would leave them (ADR 0024).
        for service in engage_feeds::topics::PRODUCERS {
            bus.set_origin(service, ORIGIN).await.expect("origin set");
        }
        let key = InternalKey::new(&Secret::generate());
        let (stopping, signal) = Stopping::new();
        let api = FeedsApi::new(
            bus.clone(),
            FeedSettings {
                subscriber_buffer,
                ..FeedSettings::default()
            },
        )
        .ending_streams_on(signal);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tonic::transport::Server::builder()
            .layer(InternalIdentityLayer::new(key.clone()))
            .add_service(FeedsServiceServer::new(api))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            );
        tokio::spawn(server);
        Self {
            address,
            key,
            bus,
            stopping,
            _stop: stop,
            _redis: redis,
        }
    }

    /// Tells the streams the server is stopping.
    pub fn stopping(&self) {
        let _ = self.stopping.send(true);
    }

    pub fn client(&self, caller: Caller) -> Client {
        self.client_on(loopback_channel(self.address), caller)
    }

    /// A client whose HTTP/2 windows are the protocol's minimum, so that a client that
    /// stops reading soon stops the server from sending.
    pub fn narrow_client(&self, caller: Caller) -> Client {
        let channel = Endpoint::from_shared(format!("http://{}", self.address))
            .expect("endpoint")
            .initial_stream_window_size(65_535)
            .initial_connection_window_size(65_535)
            .connect_lazy();
        self.client_on(channel, caller)
    }

    fn client_on(&self, channel: Channel, caller: Caller) -> Client {
        FeedsServiceClient::new(InterceptedService::new(
            channel,
            InternalTokenInterceptor::new(self.key.clone(), caller),
        ))
        .max_decoding_message_size(64 * 1024 * 1024)
    }
}

/// An outbox event of `service` at `sequence`.
pub fn event(
    sequence: i64,
    event_type: &str,
    name: &str,
    message_type: &str,
    payload: Vec<u8>,
    attributes: serde_json::Value,
) -> StoredEvent {
    StoredEvent {
        sequence,
        event_id: uuid::Uuid::now_v7().to_string(),
        event_type: event_type.to_owned(),
        resource_name: name.to_owned(),
        resource_type: message_type.to_owned(),
        payload,
        attributes: attributes.to_string(),
        actor: "olga".to_owned(),
        occur_time: engage_platform::resource::now_micros(),
        publish_time: None,
    }
}

/// An organisation created at `sequence`, in `country` and `sector` (enum names).
pub fn organization(sequence: i64, country: &str, sector: &str) -> StoredEvent {
    let message = engage_api::contacts::Organization {
        name: format!("organizations/o{sequence}"),
        display_name: format!("Organisation {sequence}"),
        country_code: country.to_owned(),
        ..Default::default()
    };
    event(
        sequence,
        "organization.created",
        &message.name,
        "engage.contacts.v1.Organization",
        prost::Message::encode_to_vec(&message),
        serde_json::json!({
            "country_code": country,
            "regional_group": engage_platform::regions::regional_group(country)
                .map(|g| g.as_str_name()).unwrap_or_default(),
            "sector": sector,
        }),
    )
}

pub fn topic(service: &str, resource_type: &str) -> Topic {
    Topic {
        service: service.to_owned(),
        resource_type: resource_type.to_owned(),
    }
}

pub fn request(topics: Vec<Topic>) -> SubscribeRequest {
    SubscribeRequest {
        topics,
        ..Default::default()
    }
}

/// The next message, within `seconds`.
pub async fn next_within(
    stream: &mut tonic::Streaming<SubscribeResponse>,
    seconds: u64,
) -> Result<Payload, tonic::Status> {
    match tokio::time::timeout(Duration::from_secs(seconds), stream.message()).await {
        Ok(Ok(Some(message))) => Ok(message.payload.expect("a payload")),
        Ok(Ok(None)) => panic!("the stream ended"),
        Ok(Err(status)) => Err(status),
        Err(_) => panic!("nothing within {seconds} s"),
    }
}

/// The next message, which must come within 5 s and not be an error.
pub async fn next(stream: &mut tonic::Streaming<SubscribeResponse>) -> Payload {
    next_within(stream, 5).await.expect("a message")
}

/// Changes until a heartbeat with `caught_up` true, skipping other heartbeats.
pub async fn changes_until_caught_up(
    stream: &mut tonic::Streaming<SubscribeResponse>,
) -> Vec<engage_api::feeds::ChangeEvent> {
    let mut changes = Vec::new();
    loop {
        match next(stream).await {
            Payload::Change(change) => changes.push(change),
            Payload::Heartbeat(h) if h.caught_up => return changes,
            Payload::Heartbeat(_) => {}
        }
    }
}
