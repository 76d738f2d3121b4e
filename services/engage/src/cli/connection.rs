//! Where the gateway is and who calls it: the endpoint and the bearer token of every call.

use std::path::PathBuf;
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use super::failure::Failure;

/// How the command line reaches a running gateway. The token is read from the environment
/// or a file, never from a flag, so that it stays out of shell histories and process lists.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// The gateway's address.
    #[arg(
        long,
        global = true,
        env = "ENGAGE_ENDPOINT",
        default_value = "http://127.0.0.1:8080"
    )]
    pub endpoint: String,
    /// A file holding the bearer token (default: the ENGAGE_TOKEN variable).
    #[arg(long, global = true, env = "ENGAGE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Seconds to wait for the gateway to accept a connection.
    #[arg(long, global = true, default_value_t = 5)]
    pub connect_timeout_secs: u64,
}

/// Sends the operator's bearer token on every call.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(token) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", token.clone());
        }
        Ok(request)
    }
}

/// A channel to the gateway that calls as the operator.
pub type Gateway = InterceptedService<Channel, Bearer>;

/// An open connection: the channel and the address, for messages.
#[derive(Clone)]
pub struct Connection {
    /// The channel, with the token on every call.
    pub channel: Gateway,
    /// The endpoint as given, for messages.
    pub endpoint: String,
}

impl Connection {
    /// A connection to `endpoint` calling with `token`, for programs that hold a token
    /// (`engage dev --seed`, tests).
    pub fn with_token(endpoint: &str, token: &str) -> Result<Connection, Failure> {
        let args = ConnectionArgs {
            endpoint: endpoint.to_owned(),
            token_file: None,
            connect_timeout_secs: 5,
        };
        let (channel, endpoint) = args.channel()?;
        let header = format!("Bearer {token}").parse().map_err(|_| {
            Failure::usage("the token holds characters a header cannot carry".to_owned())
        })?;
        Ok(Connection {
            channel: InterceptedService::new(channel, Bearer(Some(header))),
            endpoint,
        })
    }
}

impl ConnectionArgs {
    /// The token: the file's content when a file is named, else `ENGAGE_TOKEN`.
    fn token(&self) -> Result<Option<String>, Failure> {
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?;
            return Ok(Some(text.trim().to_owned()));
        }
        Ok(std::env::var("ENGAGE_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()))
    }

    /// A lazy channel to the gateway: nothing is dialled until the first call, whose failure
    /// then says the gateway cannot be reached.
    pub fn connect(&self) -> Result<Connection, Failure> {
        let (channel, endpoint) = self.channel()?;
        let token = match self.token()? {
            Some(token) => Some(format!("Bearer {token}").parse().map_err(|_| {
                Failure::usage("the token holds characters a header cannot carry".to_owned())
            })?),
            None => None,
        };
        Ok(Connection {
            channel: InterceptedService::new(channel, Bearer(token)),
            endpoint,
        })
    }

    fn channel(&self) -> Result<(Channel, String), Failure> {
        let endpoint = if self.endpoint.contains("://") {
            self.endpoint.clone()
        } else {
            format!("http://{}", self.endpoint)
        };
        let channel = Endpoint::from_shared(endpoint.clone())
            .map_err(|e| Failure::usage(format!("the endpoint {endpoint:?} is not a URL: {e}")))?
            .connect_timeout(Duration::from_secs(self.connect_timeout_secs))
            .tcp_nodelay(true)
            .connect_lazy();
        Ok((channel, endpoint))
    }
}
