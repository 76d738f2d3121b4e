//! The load generator's clients: through the gateway with a bearer token, or straight to a
//! service with the internal token the gateway would have added.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_platform::Caller;
use engage_platform::identity::{INTERNAL_TOKEN_HEADER, InternalKey};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::system::{Bearer, bearer, channel};

/// Internal tokens live a minute; one is reused for this long before a fresh one is
/// minted, so that signing does not weigh on the client's side of the comparison.
const REMINT_AFTER: Duration = Duration::from_secs(20);

/// How a call proves who makes it.
#[derive(Clone)]
pub enum Auth {
    /// `authorization: Bearer …`, for the gateway.
    Bearer(Bearer),
    /// The internal token, for a service called directly.
    Internal(Arc<InternalMint>),
}

pub struct InternalMint {
    key: InternalKey,
    caller: Caller,
    current: Mutex<(Instant, MetadataValue<Ascii>)>,
}

impl Auth {
    pub fn bearer(token: &str) -> Result<Self> {
        Ok(Auth::Bearer(bearer(token)?))
    }

    pub fn internal(key: InternalKey, caller: Caller) -> Result<Self> {
        let value = key.mint(&caller)?.parse()?;
        Ok(Auth::Internal(Arc::new(InternalMint {
            key,
            caller,
            current: Mutex::new((Instant::now(), value)),
        })))
    }
}

impl tonic::service::Interceptor for Auth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        match self {
            Auth::Bearer(bearer) => return bearer.call(request),
            Auth::Internal(mint) => {
                let mut current = mint
                    .current
                    .lock()
                    .map_err(|_| tonic::Status::internal("token lock poisoned"))?;
                if current.0.elapsed() > REMINT_AFTER {
                    let token = mint.key.mint(&mint.caller)?;
                    let value = token
                        .parse()
                        .map_err(|_| tonic::Status::internal("token is not metadata"))?;
                    *current = (Instant::now(), value);
                }
                request
                    .metadata_mut()
                    .insert(INTERNAL_TOKEN_HEADER, current.1.clone());
            }
        }
        Ok(request)
    }
}

pub type Contacts = ContactsServiceClient<InterceptedService<Channel, Auth>>;

/// Clients of the contacts service at `address` over `connections` HTTP/2 connections.
pub async fn contacts(
    address: SocketAddr,
    connections: usize,
    auth: &Auth,
) -> Result<Vec<Contacts>> {
    let mut clients = Vec::new();
    for _ in 0..connections.max(1) {
        clients.push(
            ContactsServiceClient::with_interceptor(channel(address).await?, auth.clone())
                .max_decoding_message_size(64 * 1024 * 1024)
                .max_encoding_message_size(64 * 1024 * 1024),
        );
    }
    Ok(clients)
}
