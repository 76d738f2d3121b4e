//! The gRPC face of the register: permissions, request checks, and the calls into the store.
//! Handlers stay thin; rules live in `domain`, queries in `store`.

mod children;
mod duplicates;
pub mod listing;
mod merge;
mod people;
mod reference;
mod register;
mod transfer;

use engage_platform::identity::Need;
use engage_platform::journal::RequestId;
use engage_platform::paging::PageLimits;
use engage_platform::resource::{require_etag, required};
use engage_platform::{Caller, Database, Error, Violation, idempotent_write};
use engage_platform::{with_connection, write_transaction};
use prost::Message;

use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, Register, SortValue};
use listing::Listing;

/// The full gRPC method names, as audit entries record them.
macro_rules! method {
    ($name:literal) => {
        concat!("/engage.contacts.v1.ContactsService/", $name)
    };
}
pub(crate) use method;

/// The contacts service's handlers.
#[derive(Clone)]
pub struct ContactsApi {
    db: Database,
    thresholds: crate::domain::duplicates::Thresholds,
    /// Held by a whole-register duplicate scan.
    detection: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl ContactsApi {
    /// Handlers over `db`, with the duplicate thresholds of the environment.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            thresholds: duplicates::thresholds_from_env(),
            detection: Default::default(),
        }
    }
}

/// Today in UTC: the day dates are checked against and affiliations are current on.
pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn caller<T>(request: &tonic::Request<T>, need: Need) -> Result<Caller, Error> {
    Caller::require(request, need)
}

/// The caller as a resource records who did something.
fn actor(caller: &Caller) -> engage_api::types::Actor {
    engage_api::types::Actor {
        subject: caller.subject.clone(),
        display_name: String::new(),
    }
}

fn invalid(violations: Vec<Violation>) -> Error {
    Error::InvalidArgument(violations)
}

fn page_limits(default_size: i64, max_size: i64) -> PageLimits {
    PageLimits {
        default_size,
        max_size,
    }
}

/// Who changes the register through which method, for calls without a request id.
fn writer<'a>(caller: &'a Caller, method: &'a str) -> Writer<'a> {
    Writer {
        caller,
        method,
        request_id: None,
    }
}

/// A page of records.
struct Paged<R> {
    items: Vec<Stored<R>>,
    next_page_token: String,
    total_size: i32,
}

impl ContactsApi {
    async fn fetch<R: Resource>(&self, id: &str, name: &str) -> Result<Stored<R>, Error> {
        Ok(with_connection!(self.db, |conn| {
            lifecycle::load::<R, _>(conn, id, name).await?
        }))
    }

    async fn page<R: Resource>(&self, listing: Listing) -> Result<Paged<R>, Error> {
        let Listing {
            query,
            page,
            first_page,
        } = listing;
        let (mut rows, total) = with_connection!(self.db, |conn| {
            let rows = conn.list(&query).await?;
            let total = if first_page {
                conn.total(&query).await?
            } else {
                0
            };
            (rows, total)
        });
        let next_page_token =
            page.finish(&mut rows, |r| (SortValue::of(query.sort, r), r.id.clone()));
        Ok(Paged {
            items: rows
                .into_iter()
                .map(Stored::decode)
                .collect::<Result<_, _>>()?,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    /// Live children of `kind` of the given parents.
    async fn children_of<R: Resource>(
        &self,
        parent_ids: Vec<String>,
    ) -> Result<Vec<Stored<R>>, Error> {
        if parent_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = ListQuery::new(R::KIND);
        query.conditions.push(Condition::ParentAmong(parent_ids));
        let rows = with_connection!(self.db, |conn| conn.list(&query).await?);
        rows.into_iter().map(Stored::decode).collect()
    }

    /// Creates a record once per request id and answers with `respond(stored)`.
    async fn create<R: Resource, M: Message + Default + Send + 'static>(
        &self,
        caller: &Caller,
        method: &'static str,
        request_id: Option<RequestId>,
        parent_id: Option<String>,
        value: R,
        respond: impl Fn(R) -> M + Send + Sync,
    ) -> Result<M, Error> {
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        idempotent_write!(self.db, method, &request_id, |conn| {
            lifecycle::create(conn, writer, parent_id.clone(), value.clone())
                .await
                .map(|stored| respond(stored.resource()))
        })
    }

    /// Changes a live record under its etag: `change` edits a copy, which is saved with its
    /// event and audit entry.
    async fn change<R: Resource>(
        &self,
        writer: Writer<'_>,
        id: &str,
        name: &str,
        etag: &str,
        action: &str,
        change: impl Fn(&Stored<R>, &mut R) -> Result<(), Error> + Send + Sync,
    ) -> Result<Stored<R>, Error> {
        write_transaction!(self.db, |conn| {
            let before = lifecycle::load_for_change::<R, _>(conn, id, name, etag).await?;
            before.ensure_writable()?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            change(&before, &mut after.value)?;
            lifecycle::save(conn, writer, &before, after, action, Vec::new()).await
        })
    }

    async fn set_deleted<R: Resource>(
        &self,
        caller: &Caller,
        method: &'static str,
        id: &str,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Stored<R>, Error> {
        require_etag(etag, "etag")?;
        let writer = Writer {
            caller,
            method,
            request_id: None,
        };
        write_transaction!(self.db, |conn| {
            lifecycle::set_deleted::<R, _>(conn, writer, id, name, etag, deleted).await
        })
    }
}

mod service;
