//! The one mapping from what went wrong to a `google.rpc.Status` with details.
//!
//! Handlers return [`Error`]; `From<Error> for tonic::Status` is the only place codes,
//! reasons and details are chosen. Internal causes are logged, never sent to the caller.

use std::time::Duration;

use tonic::Code;
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::storage::StorageError;

/// The `ErrorInfo.domain` of every engage error.
pub const ERROR_DOMAIN: &str = "engage";

/// One field of a request that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field's path in the request, such as `organization.country_code`.
    pub field: String,
    /// What is wrong with it, in words a user understands.
    pub description: String,
}

impl Violation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed: INVALID_ARGUMENT with a `BadRequest` listing every field.
    #[error("invalid argument: {0:?}")]
    InvalidArgument(Vec<Violation>),
    /// The named resource does not exist (or is hidden from the caller).
    #[error("{resource} not found")]
    NotFound {
        /// The resource name that was asked for.
        resource: String,
    },
    /// A resource with the same identity exists already.
    #[error("{resource} already exists")]
    AlreadyExists {
        /// The existing resource, or what identifies it.
        resource: String,
    },
    /// A uniqueness rule refuses the write, for a stated reason (such as an external id
    /// already taken): ALREADY_EXISTS naming the reason and the record that holds the value.
    #[error("{reason}: {message}")]
    Taken {
        /// A stable UPPER_SNAKE reason for programs.
        reason: &'static str,
        /// What is taken and by whom, for people.
        message: String,
        /// The existing record, such as `organizations/0190…`.
        resource: String,
    },
    /// The etag sent does not match the resource's current one: ABORTED, reread and retry.
    #[error("etag of {resource} is stale")]
    StaleEtag {
        /// The resource whose etag changed.
        resource: String,
    },
    /// The request conflicts with the resource's state (for example a closed declaration).
    #[error("failed precondition {reason}: {message}")]
    FailedPrecondition {
        /// A stable UPPER_SNAKE reason for programs.
        reason: &'static str,
        /// What is wrong, for people.
        message: String,
    },
    /// The caller is known but may not do this.
    #[error("permission denied: {message}")]
    PermissionDenied {
        /// A stable UPPER_SNAKE reason for programs.
        reason: &'static str,
        /// What is refused, for people.
        message: String,
    },
    /// The caller is not (validly) identified.
    #[error("unauthenticated: {message}")]
    Unauthenticated {
        /// A stable UPPER_SNAKE reason for programs.
        reason: &'static str,
        /// What is missing or wrong, for people.
        message: String,
    },
    /// A rate limit or quota was hit; the caller may retry after the delay.
    #[error("resource exhausted, retry after {retry_after:?}")]
    ResourceExhausted {
        /// When the caller may try again.
        retry_after: Duration,
    },
    /// A dependency (database, another service) is not reachable right now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure. The cause is logged and never sent to the caller.
    #[error("internal: {0}")]
    Internal(String),
    /// A refusal whose code, reason and `ErrorInfo` metadata the caller chooses, for the
    /// conditions the other variants cannot state (a change-feed cursor past the retention,
    /// with the oldest time still available; a subscriber too slow for the feed).
    #[error("{reason}: {message}")]
    Refused {
        /// The gRPC code.
        code: Code,
        /// A stable UPPER_SNAKE reason for programs.
        reason: &'static str,
        /// What happened and what to do, for people.
        message: String,
        /// `ErrorInfo` metadata, such as `oldest_available_time`.
        metadata: Vec<(String, String)>,
        /// Fields at fault, sent as `BadRequest` when there are any.
        violations: Vec<Violation>,
    },
}

impl Error {
    /// INVALID_ARGUMENT for one field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![Violation::new(field, description)])
    }

    /// NOT_FOUND for a resource name.
    pub fn not_found(resource: impl Into<String>) -> Self {
        Error::NotFound {
            resource: resource.into(),
        }
    }

    /// The gRPC code this error is answered with.
    pub fn code(&self) -> Code {
        match self {
            Error::InvalidArgument(_) => Code::InvalidArgument,
            Error::NotFound { .. } => Code::NotFound,
            Error::AlreadyExists { .. } | Error::Taken { .. } => Code::AlreadyExists,
            Error::StaleEtag { .. } => Code::Aborted,
            Error::FailedPrecondition { .. } => Code::FailedPrecondition,
            Error::PermissionDenied { .. } => Code::PermissionDenied,
            Error::Unauthenticated { .. } => Code::Unauthenticated,
            Error::ResourceExhausted { .. } => Code::ResourceExhausted,
            Error::Unavailable(_) => Code::Unavailable,
            Error::Internal(_) => Code::Internal,
            Error::Refused { code, .. } => *code,
        }
    }
}

/// Collects violations so that a request with several bad fields is answered with all of
/// them at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one violation.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(Violation::new(field, description));
    }

    /// Records the violation of a check, if it failed.
    pub fn check(&mut self, result: Result<(), Violation>) {
        if let Err(v) = result {
            self.0.push(v);
        }
    }

    /// `Ok` when nothing was recorded, INVALID_ARGUMENT with every violation otherwise.
    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.0))
        }
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        Error::InvalidArgument(vec![v])
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error as D};
        match e {
            D::NotFound => Error::NotFound {
                resource: String::new(),
            },
            D::DatabaseError(Kind::UniqueViolation, info) => Error::AlreadyExists {
                resource: info.table_name().unwrap_or_default().to_owned(),
            },
            D::DatabaseError(Kind::SerializationFailure, _) => {
                Error::Unavailable("transaction conflict, retry".into())
            }
            D::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => {
                Error::Unavailable("database connection closed".into())
            }
            // The server ended the session (a restart, a terminated backend): the pool drops
            // the connection once the client has seen it close.
            D::DatabaseError(_, ref info)
                if info.message().starts_with("terminating connection") =>
            {
                Error::Unavailable("database connection closed".into())
            }
            D::DatabaseError(_, ref info) if is_sqlite_busy(info.message()) => {
                Error::Unavailable("database busy".into())
            }
            other => Error::Internal(other.to_string()),
        }
    }
}

fn is_sqlite_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Query(q) => q.into(),
            StorageError::Connection(m) => Error::Unavailable(m),
            other => Error::Internal(other.to_string()),
        }
    }
}

fn error_info(reason: &str) -> ErrorDetails {
    ErrorDetails::with_error_info(reason, ERROR_DOMAIN, std::collections::HashMap::new())
}

fn error_info_about(reason: &str, key: &str, value: &str) -> ErrorDetails {
    let mut metadata = std::collections::HashMap::new();
    if !value.is_empty() {
        metadata.insert(key.to_owned(), value.to_owned());
    }
    ErrorDetails::with_error_info(reason, ERROR_DOMAIN, metadata)
}

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::InvalidArgument(violations) => {
                let message = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut details = ErrorDetails::with_bad_request(
                    violations
                        .into_iter()
                        .map(|v| FieldViolation::new(v.field, v.description))
                        .collect::<Vec<_>>(),
                );
                details.set_error_info(
                    "INVALID_ARGUMENT",
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                tonic::Status::with_error_details(code, message, details)
            }
            Error::NotFound { resource } => tonic::Status::with_error_details(
                code,
                if resource.is_empty() {
                    "not found".to_owned()
                } else {
                    format!("{resource} not found")
                },
                error_info_about("NOT_FOUND", "resource", &resource),
            ),
            Error::AlreadyExists { resource } => tonic::Status::with_error_details(
                code,
                "already exists",
                error_info_about("ALREADY_EXISTS", "resource", &resource),
            ),
            Error::Taken {
                reason,
                message,
                resource,
            } => tonic::Status::with_error_details(
                code,
                message,
                error_info_about(reason, "resource", &resource),
            ),
            Error::StaleEtag { resource } => tonic::Status::with_error_details(
                code,
                format!("{resource} was changed by someone else: read it again and retry"),
                error_info_about("STALE_ETAG", "resource", &resource),
            ),
            Error::FailedPrecondition { reason, message }
            | Error::PermissionDenied { reason, message }
            | Error::Unauthenticated { reason, message } => {
                tonic::Status::with_error_details(code, message, error_info(reason))
            }
            Error::ResourceExhausted { retry_after } => {
                let mut details = ErrorDetails::with_retry_info(Some(retry_after));
                details.set_error_info(
                    "RATE_LIMITED",
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                tonic::Status::with_error_details(
                    code,
                    format!(
                        "rate limit reached: retry in {} ms",
                        retry_after.as_millis().max(1)
                    ),
                    details,
                )
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "dependency unavailable");
                tonic::Status::with_error_details(
                    code,
                    "temporarily unavailable, retry shortly",
                    error_info("UNAVAILABLE"),
                )
            }
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                tonic::Status::with_error_details(code, "internal error", error_info("INTERNAL"))
            }
            Error::Refused {
                reason,
                message,
                metadata,
                violations,
                ..
            } => {
                let mut details = if violations.is_empty() {
                    ErrorDetails::new()
                } else {
                    ErrorDetails::with_bad_request(
                        violations
                            .into_iter()
                            .map(|v| FieldViolation::new(v.field, v.description))
                            .collect::<Vec<_>>(),
                    )
                };
                details.set_error_info(
                    reason,
                    ERROR_DOMAIN,
                    metadata
                        .into_iter()
                        .collect::<std::collections::HashMap<_, _>>(),
                );
                tonic::Status::with_error_details(code, message, details)
            }
        }
    }
}

impl Error {
    /// The error as a complete gRPC answer (a trailers-only response), for layers that
    /// refuse a call before it reaches a handler.
    pub fn into_response<B: Default>(self) -> http::Response<B> {
        let status: tonic::Status = self.into();
        let (parts, ()) = status.into_http::<()>().into_parts();
        http::Response::from_parts(parts, B::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_every_field_violation() {
        let mut v = Violations::new();
        v.add("organization.display_name", "is required");
        v.add(
            "organization.country_code",
            "is not an ISO 3166-1 alpha-2 code",
        );
        let status: tonic::Status = v.finish().unwrap_err().into();
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status
            .get_details_bad_request()
            .expect("bad request details");
        let fields: Vec<_> = bad
            .field_violations
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            ["organization.display_name", "organization.country_code"]
        );
        assert_eq!(
            status.get_details_error_info().unwrap().domain,
            ERROR_DOMAIN
        );
    }

    #[test]
    fn stale_etag_is_aborted_with_a_stable_reason() {
        let status: tonic::Status = Error::StaleEtag {
            resource: "organizations/1".into(),
        }
        .into();
        assert_eq!(status.code(), Code::Aborted);
        assert_eq!(
            status.get_details_error_info().unwrap().reason,
            "STALE_ETAG"
        );
    }

    #[test]
    fn rate_limit_carries_retry_info() {
        let status: tonic::Status = Error::ResourceExhausted {
            retry_after: Duration::from_millis(250),
        }
        .into();
        assert_eq!(status.code(), Code::ResourceExhausted);
        let retry = status.get_details_retry_info().unwrap();
        assert_eq!(retry.retry_delay, Some(Duration::from_millis(250)));
    }

    #[test]
    fn internal_causes_never_reach_the_caller() {
        let status: tonic::Status = Error::Internal("password=hunter2 at db".into()).into();
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("hunter2"));
    }

    #[test]
    fn a_connection_the_server_closed_is_unavailable_not_internal() {
        use diesel::result::{DatabaseErrorKind as Kind, Error as D};
        let closed = [
            D::DatabaseError(
                Kind::UnableToSendCommand,
                Box::new("connection closed".to_owned()),
            ),
            D::DatabaseError(
                Kind::Unknown,
                Box::new("terminating connection due to administrator command".to_owned()),
            ),
        ];
        for e in closed {
            assert_eq!(Error::from(e).code(), Code::Unavailable);
        }
        let other = D::DatabaseError(Kind::Unknown, Box::new("syntax error".to_owned()));
        assert_eq!(Error::from(other).code(), Code::Internal);
    }

    #[test]
    fn a_locked_sqlite_database_is_unavailable_not_internal() {
        assert!(is_sqlite_busy("database is locked"));
        let e: Error = diesel::result::Error::NotFound.into();
        assert_eq!(e.code(), Code::NotFound);
    }
}
