//! What the operator reads when a command fails, and the exit status that goes with it.
//! Every gRPC status becomes a message here, in one place.

use std::error::Error as _;

use tonic::{Code, Status};

/// Exit status: the command did what was asked.
pub const EXIT_OK: i32 = 0;
/// Exit status: the command failed (gateway unreachable, token refused, bad request...).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line itself was wrong (unknown flag, unreadable file...).
pub const EXIT_USAGE: i32 = 2;
/// Exit status: an import finished but some rows failed (see the report file).
pub const EXIT_ROWS_FAILED: i32 = 3;

/// A failed command: the message for the operator and the exit status.
#[derive(Debug)]
pub struct Failure {
    /// What the operator reads.
    pub message: String,
    /// The process's exit status.
    pub exit_code: i32,
}

impl Failure {
    /// A mistake in the command line or its files.
    pub fn usage(message: String) -> Self {
        Self {
            message,
            exit_code: EXIT_USAGE,
        }
    }

    /// A failure that is not the gateway's answer (a file that cannot be written...).
    pub fn other(message: String) -> Self {
        Self {
            message,
            exit_code: EXIT_FAILED,
        }
    }

    /// The gateway's refusal of `action` (for example "listing organisations"), said in the
    /// operator's words.
    pub fn from_status(action: &str, endpoint: &str, status: &Status) -> Self {
        Self::other(describe(action, endpoint, status))
    }
}

/// Whether the call never reached a server: a transport error carried in the status (tonic
/// reports a refused or timed-out connection as UNAVAILABLE with the transport error as its
/// source), as opposed to the gateway answering UNAVAILABLE for a service behind it.
fn unreachable(status: &Status) -> bool {
    if status.code() != Code::Unavailable {
        return false;
    }
    let mut source = status.source();
    while let Some(error) = source {
        if error.is::<tonic::transport::Error>() || error.is::<std::io::Error>() {
            return true;
        }
        source = error.source();
    }
    // Without a source, the gateway's own answers carry a message of theirs; a transport
    // failure's message names the transport.
    let message = status.message();
    message.contains("transport error") || message.contains("tcp connect")
}

/// The operator's message for a status.
pub fn describe(action: &str, endpoint: &str, status: &Status) -> String {
    let detail = status.message();
    match status.code() {
        Code::Unavailable if unreachable(status) => format!(
            "cannot reach the gateway at {endpoint} while {action}: is engage running there? \
             (set ENGAGE_ENDPOINT or --endpoint)"
        ),
        Code::Unavailable => format!("{action}: a service is unavailable, try again: {detail}"),
        Code::Unauthenticated => format!(
            "{action}: the token is missing, expired or invalid ({detail}); get a new one \
             (with `engage dev`: `engage token --role ROLE`) and put it in ENGAGE_TOKEN or \
             a file named by --token-file"
        ),
        Code::PermissionDenied => {
            format!("{action}: permission refused: your token's role may not do this ({detail})")
        }
        Code::NotFound => format!("{action}: not found: {detail}"),
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            format!("{action}: refused: {detail}{}", violations(status))
        }
        Code::AlreadyExists => format!("{action}: already exists: {detail}"),
        Code::Aborted => {
            format!("{action}: the record changed meanwhile (read it again and retry): {detail}")
        }
        Code::ResourceExhausted => {
            format!("{action}: too many calls, the gateway asks to slow down: {detail}")
        }
        Code::DeadlineExceeded => format!("{action}: no answer in time: {detail}"),
        code => format!("{action}: {code:?}: {detail}"),
    }
}

/// The field violations of a BadRequest detail, one per line, when the status has them.
fn violations(status: &Status) -> String {
    use tonic_types::StatusExt as _;
    let details = status.get_error_details();
    let Some(bad_request) = details.bad_request() else {
        return String::new();
    };
    bad_request
        .field_violations
        .iter()
        .map(|v| format!("\n  {}: {}", v.field, v.description))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_permission_says_so() {
        let text = describe(
            "creating an organisation",
            "http://x",
            &Status::permission_denied("role viewer may not call CreateOrganization"),
        );
        assert!(text.contains("permission refused"), "{text}");
        assert!(text.contains("creating an organisation"), "{text}");
    }

    #[test]
    fn an_expired_token_says_how_to_get_another() {
        let text = describe(
            "listing",
            "http://x",
            &Status::unauthenticated("token expired"),
        );
        assert!(text.contains("engage token"), "{text}");
    }

    #[test]
    fn the_gateways_own_unavailable_is_not_an_unreachable_gateway() {
        let text = describe(
            "listing",
            "http://x",
            &Status::unavailable("contacts is down"),
        );
        assert!(!text.contains("cannot reach"), "{text}");
    }
}
