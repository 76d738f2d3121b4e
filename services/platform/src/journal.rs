//! What every write appends in its own transaction: its domain event to the outbox, an
//! audit entry, and, for a create with a `request_id`, the response to replay on retry.
//!
//! Because these rows are written in the transaction of the write itself, an event or an
//! audit entry exists if and only if the write committed.

use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::error::{Error, Violation};
use crate::identity::Caller;
use crate::resource::{new_id, now_micros};
use crate::storage::SqliteAsyncConnection;

mod trail;
pub use trail::{AuditTrail, AuditTrailQuery, TrailOrder, audit_trail};

/// The platform tables, the same in every service's database.
pub mod schema {
    diesel::table! {
        /// Domain events awaiting the feeds relay, in commit order. On PostgreSQL an event
        /// has no sequence until it is numbered after its commit (ADR 0020).
        outbox_events (sequence) {
            sequence -> Nullable<BigInt>,
            event_id -> Text,
            event_type -> Text,
            resource_name -> Text,
            resource_type -> Text,
            payload -> Binary,
            attributes -> Text,
            actor -> Text,
            occur_time -> BigInt,
            publish_time -> Nullable<BigInt>,
        }
    }

    diesel::table! {
        /// Which outbox this is, and the newest event pruned from it: one row (ADR 0024).
        outbox_origin (id) {
            id -> Text,
            pruned_sequence -> BigInt,
            pruned_occur_time -> BigInt,
        }
    }

    diesel::table! {
        /// Who changed what, when, through which method.
        audit_entries (id) {
            id -> Text,
            occur_time -> BigInt,
            actor -> Text,
            method -> Text,
            resource_name -> Text,
            action -> Text,
            request_id -> Nullable<Text>,
            changes -> Text,
        }
    }

    diesel::table! {
        /// The first response to each request id.
        request_ids (method, request_id) {
            method -> Text,
            request_id -> Text,
            request_hash -> Text,
            response -> Binary,
            create_time -> BigInt,
        }
    }
}

use schema::{audit_entries, outbox_events, outbox_origin, request_ids};

/// Which outbox a database holds, and how far it was pruned (ADR 0024).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxOrigin {
    /// Random per database: the bus and the feed cursors name the outbox their positions
    /// belong to, so that positions of another deployment are never taken for this one's.
    pub id: String,
    /// The newest event pruned, as (sequence, occur time in µs); none while nothing was.
    pub pruned: Option<(i64, i64)>,
}

/// A domain event to publish once the write commits.
#[derive(Debug, Clone)]
pub struct Event {
    /// For example `organization.created`.
    pub event_type: String,
    /// The resource the event is about, such as `organizations/{id}`.
    pub resource_name: String,
    /// The full protobuf type of `payload`, such as `engage.contacts.v1.Organization`.
    pub resource_type: String,
    /// The resource after the change, protobuf-encoded.
    pub payload: Vec<u8>,
    /// Values the feeds filter on (country, regional group, sector, initiative), as a JSON object.
    pub attributes: serde_json::Value,
}

/// A stored outbox row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct StoredEvent {
    /// Position in the service's commit order (only numbered events are read).
    #[diesel(select_expression = outbox_events::sequence.assume_not_null())]
    pub sequence: i64,
    /// Unique id of the event (UUIDv7).
    pub event_id: String,
    /// For example `organization.created`.
    pub event_type: String,
    /// The resource the event is about.
    pub resource_name: String,
    /// The protobuf type of the payload.
    pub resource_type: String,
    /// The resource after the change.
    pub payload: Vec<u8>,
    /// Filter values as a JSON object.
    pub attributes: String,
    /// The subject who made the change.
    pub actor: String,
    /// When the change was written, in microseconds since the epoch.
    pub occur_time: i64,
    /// When the relay published it, if it has.
    pub publish_time: Option<i64>,
}

/// One field a write changed, with its JSON values before and after.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    /// The field's path, as in an update mask.
    pub path: String,
    /// The value before; null when unset.
    pub old: serde_json::Value,
    /// The value after; null when unset.
    pub new: serde_json::Value,
    /// True once the values were removed (erasure of personal data).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

impl FieldChange {
    /// A change of `path` from `old` to `new`.
    pub fn new(path: impl Into<String>, old: serde_json::Value, new: serde_json::Value) -> Self {
        Self {
            path: path.into(),
            old,
            new,
            redacted: false,
        }
    }

    /// A field set by a create.
    pub fn set(path: impl Into<String>, value: serde_json::Value) -> Self {
        Self::new(path, serde_json::Value::Null, value)
    }
}

/// A stored audit row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_entries)]
pub struct AuditEntry {
    /// Unique id (UUIDv7).
    pub id: String,
    /// When, in microseconds since the epoch.
    pub occur_time: i64,
    /// The subject who made the change.
    pub actor: String,
    /// The full gRPC method, such as `/engage.contacts.v1.ContactsService/UpdateOrganization`.
    pub method: String,
    /// The resource changed.
    pub resource_name: String,
    /// What happened: created, updated, deleted, undeleted, merged, …
    pub action: String,
    /// The request id of the call, when it carried one.
    pub request_id: Option<String>,
    /// The fields changed, a JSON array of [`FieldChange`].
    pub changes: String,
}

impl AuditEntry {
    /// An audit entry for `caller` doing `action` on `resource_name` through `method` now.
    pub fn new(
        caller: &Caller,
        method: &str,
        action: &str,
        resource_name: &str,
        changes: Vec<FieldChange>,
    ) -> Self {
        Self {
            id: new_id(),
            occur_time: now_micros(),
            actor: caller.subject.clone(),
            method: method.to_owned(),
            resource_name: resource_name.to_owned(),
            action: action.to_owned(),
            request_id: None,
            // A list of plain JSON values always serialises.
            changes: serde_json::to_string(&changes).unwrap_or_else(|_| "[]".to_owned()),
        }
    }

    /// The entry as the API returns it (`engage.type.v1.AuditEntry`).
    pub fn to_proto(&self) -> engage_api::types::AuditEntry {
        let changes: Vec<FieldChange> = serde_json::from_str(&self.changes).unwrap_or_default();
        engage_api::types::AuditEntry {
            name: format!("auditEntries/{}", self.id),
            resource: self.resource_name.clone(),
            method: self.method.clone(),
            actor: Some(engage_api::types::Actor {
                subject: self.actor.clone(),
                display_name: String::new(),
            }),
            time: Some(crate::resource::timestamp(self.occur_time)),
            changes: changes
                .into_iter()
                .map(|c| engage_api::types::FieldChange {
                    path: c.path,
                    old_value: Some(json_to_value(c.old)),
                    new_value: Some(json_to_value(c.new)),
                    redacted: c.redacted,
                })
                .collect(),
            request_id: self.request_id.clone().unwrap_or_default(),
            action: self.action.clone(),
        }
    }
}

/// A JSON value as a `google.protobuf.Value`.
pub fn json_to_value(json: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match json {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Kind::StringValue(s),
        serde_json::Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.into_iter().map(json_to_value).collect(),
        }),
        serde_json::Value::Object(fields) => Kind::StructValue(prost_types::Struct {
            fields: fields
                .into_iter()
                .map(|(k, v)| (k, json_to_value(v)))
                .collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

/// A request id, validated: AIP-155 asks for a UUID so that ids from different clients
/// never collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId {
    id: String,
    hash: String,
}

impl RequestId {
    /// Reads the `request_id` field of a request; `None` when the client sent none. The
    /// request itself (protobuf-encoded) is fingerprinted so that a reuse of the id for a
    /// different request is refused rather than answered with the wrong result.
    pub fn parse(
        request_id: &str,
        request: &impl prost::Message,
    ) -> Result<Option<Self>, Violation> {
        if request_id.is_empty() {
            return Ok(None);
        }
        if uuid::Uuid::try_parse(request_id).is_err() {
            return Err(Violation::new("request_id", "must be a UUID"));
        }
        let hash = Sha256::digest(request.encode_to_vec());
        Ok(Some(Self {
            id: request_id.to_ascii_lowercase(),
            hash: format!("{hash:x}"),
        }))
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.id
    }
}

/// A response stored for a request id.
#[derive(Debug, Clone, Queryable)]
pub struct StoredResponse {
    request_hash: String,
    response: Vec<u8>,
}

impl StoredResponse {
    /// Decodes the first response, if this is the same request again. A reuse of the id for
    /// another request is INVALID_ARGUMENT.
    pub fn replay<M: prost::Message + Default>(&self, request: &RequestId) -> Result<M, Error> {
        if self.request_hash != request.hash {
            return Err(Error::invalid(
                "request_id",
                "was already used for a different request: use a new request_id",
            ));
        }
        M::decode(self.response.as_slice())
            .map_err(|e| Error::Internal(format!("stored response does not decode: {e}")))
    }
}

/// Appends to the platform tables within the caller's transaction. Implemented for both
/// connection types, so that a service's write body runs on either database.
pub trait Journal {
    /// Appends `event` to the outbox as written by `caller`.
    fn append_event(
        &mut self,
        caller: &Caller,
        event: Event,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Appends an audit entry.
    fn append_audit(&mut self, entry: AuditEntry)
    -> impl Future<Output = Result<(), Error>> + Send;

    /// Appends `events`, in order, as written by `caller`: a bulk write (such as an import)
    /// appends its events in a few statements instead of one round trip each.
    fn append_events(
        &mut self,
        caller: &Caller,
        events: Vec<Event>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Appends audit entries, in a few statements.
    fn append_audits(
        &mut self,
        entries: Vec<AuditEntry>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The stored response to `request` under `method`, if it was seen before.
    fn find_response(
        &mut self,
        method: &str,
        request: &RequestId,
    ) -> impl Future<Output = Result<Option<StoredResponse>, Error>> + Send;

    /// Stores `response` as the answer to `request` under `method`.
    fn record_response(
        &mut self,
        method: &str,
        request: &RequestId,
        response: &impl prost::Message,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Outbox events after `sequence`, in commit order, at most `limit`.
    fn events_after(
        &mut self,
        sequence: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, Error>> + Send;

    /// Events after `sequence` written at or after `since` (µs), in commit order, at most
    /// `limit`: what a relay republishes into a bus that lost them.
    fn events_since(
        &mut self,
        sequence: i64,
        since: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, Error>> + Send;

    /// Events not yet published, in commit order, at most `limit`.
    fn unpublished_events(
        &mut self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, Error>> + Send;

    /// Marks every event up to `sequence` as published at `time` (µs).
    fn mark_published(
        &mut self,
        sequence: i64,
        time: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The first event written at or after `since` (µs), if any.
    fn first_sequence_since(
        &mut self,
        since: i64,
    ) -> impl Future<Output = Result<Option<i64>, Error>> + Send;

    /// Which outbox this is, and the newest event pruned from it.
    fn outbox_origin(&mut self) -> impl Future<Output = Result<OutboxOrigin, Error>> + Send;

    /// Deletes published events written before `before` (µs), first recording the newest of
    /// them as pruned; returns how many.
    fn prune_published_before(
        &mut self,
        before: i64,
    ) -> impl Future<Output = Result<usize, Error>> + Send;

    /// Forgets responses to request ids stored before `before` (µs); returns how many.
    fn prune_request_ids_before(
        &mut self,
        before: i64,
    ) -> impl Future<Output = Result<usize, Error>> + Send;

    /// The audit entries of a resource, oldest first.
    fn audit_of(
        &mut self,
        resource_name: &str,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, Error>> + Send;

    /// Removes the values from the audit entries of a resource and of its children
    /// (`{resource_name}/…`), keeping who changed which field when; returns how many
    /// entries were rewritten.
    fn redact_audit(
        &mut self,
        resource_name: &str,
    ) -> impl Future<Output = Result<usize, Error>> + Send;
}

/// The changes of an audit entry with their values removed.
fn redacted(changes: &str) -> String {
    let mut list: Vec<FieldChange> = serde_json::from_str(changes).unwrap_or_default();
    for change in &mut list {
        change.old = serde_json::Value::Null;
        change.new = serde_json::Value::Null;
        change.redacted = true;
    }
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// Most rows one bulk insert writes, well within PostgreSQL's bind-parameter limit.
const BULK_ROWS: usize = 1_000;

/// Inserts rows in multi-row statements (PostgreSQL, over the network).
macro_rules! insert_batched {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(BULK_ROWS) {
            diesel::insert_into($table)
                .values(chunk.to_vec())
                .execute($conn)
                .await?;
        }
    };
}

/// Inserts rows through the synchronous SQLite connection in one blocking task: diesel has
/// no multi-row insert through the async wrapper, which would otherwise hand every
/// statement to a blocking thread of its own.
macro_rules! insert_in_one_task {
    ($conn:expr, $table:expr, $rows:expr) => {
        let rows = $rows;
        $conn
            .spawn_blocking(move |sync| {
                for row in rows {
                    diesel::RunQueryDsl::execute(diesel::insert_into($table).values(row), sync)?;
                }
                Ok(())
            })
            .await?;
    };
}

/// Numbers the committed events that have no sequence yet, in the order they were written,
/// after the last number given (ADR 0020). A PostgreSQL write inserts its events unnumbered,
/// so it never waits for another write's commit; numbering only what has committed, one
/// numberer at a time, means no event numbered later can have committed earlier than one a
/// reader has already seen. Every read of events in order numbers first.
async fn number_committed_events(conn: &mut AsyncPgConnection) -> Result<(), Error> {
    // The relay asks on every poll; an idle one finds nothing and takes no lock.
    let unnumbered = diesel::select(diesel::dsl::exists(
        outbox_events::table.filter(outbox_events::sequence.is_null()),
    ))
    .get_result::<bool>(conn)
    .await?;
    if !unnumbered {
        return Ok(());
    }
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7314150004)")
            .execute(conn)
            .await?;
        diesel::sql_query(
            "WITH next AS ( \
                 SELECT written, row_number() OVER (ORDER BY written) AS position \
                 FROM outbox_events WHERE sequence IS NULL ORDER BY written LIMIT 10000 \
             ), numbered AS ( \
                 UPDATE outbox_events AS e \
                    SET sequence = counter.last_sequence + next.position \
                   FROM next, outbox_numbering AS counter \
                  WHERE e.written = next.written \
                 RETURNING e.sequence \
             ) \
             UPDATE outbox_numbering \
                SET last_sequence = last_sequence + (SELECT count(*) FROM numbered) \
              WHERE EXISTS (SELECT 1 FROM numbered)",
        )
        .execute(conn)
        .await?;
        Ok::<_, Error>(())
    })
    .await
}

/// SQLite numbers events as they are inserted: it has one writer at a time, so insert order
/// is commit order.
async fn numbered_on_insert(_: &mut SqliteAsyncConnection) -> Result<(), Error> {
    Ok(())
}

macro_rules! impl_journal {
    ($conn:ty, $number:path, $insert:ident) => {
        impl Journal for $conn {
            async fn append_event(&mut self, caller: &Caller, event: Event) -> Result<(), Error> {
                diesel::insert_into(outbox_events::table)
                    .values((
                        outbox_events::event_id.eq(new_id()),
                        outbox_events::event_type.eq(event.event_type),
                        outbox_events::resource_name.eq(event.resource_name),
                        outbox_events::resource_type.eq(event.resource_type),
                        outbox_events::payload.eq(event.payload),
                        outbox_events::attributes.eq(event.attributes.to_string()),
                        outbox_events::actor.eq(&caller.subject),
                        outbox_events::occur_time.eq(now_micros()),
                    ))
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn append_audit(&mut self, entry: AuditEntry) -> Result<(), Error> {
                diesel::insert_into(audit_entries::table)
                    .values(entry)
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn append_events(
                &mut self,
                caller: &Caller,
                events: Vec<Event>,
            ) -> Result<(), Error> {
                if events.is_empty() {
                    return Ok(());
                }
                let mut rows = Vec::with_capacity(events.len());
                for event in events {
                    rows.push((
                        outbox_events::event_id.eq(new_id()),
                        outbox_events::event_type.eq(event.event_type),
                        outbox_events::resource_name.eq(event.resource_name),
                        outbox_events::resource_type.eq(event.resource_type),
                        outbox_events::payload.eq(event.payload),
                        outbox_events::attributes.eq(event.attributes.to_string()),
                        outbox_events::actor.eq(caller.subject.clone()),
                        outbox_events::occur_time.eq(now_micros()),
                    ));
                }
                $insert!(self, outbox_events::table, rows);
                Ok(())
            }

            async fn append_audits(&mut self, entries: Vec<AuditEntry>) -> Result<(), Error> {
                $insert!(self, audit_entries::table, entries);
                Ok(())
            }

            async fn find_response(
                &mut self,
                method: &str,
                request: &RequestId,
            ) -> Result<Option<StoredResponse>, Error> {
                Ok(request_ids::table
                    .filter(request_ids::method.eq(method))
                    .filter(request_ids::request_id.eq(&request.id))
                    .select((request_ids::request_hash, request_ids::response))
                    .first::<StoredResponse>(self)
                    .await
                    .optional()?)
            }

            async fn record_response(
                &mut self,
                method: &str,
                request: &RequestId,
                response: &impl prost::Message,
            ) -> Result<(), Error> {
                diesel::insert_into(request_ids::table)
                    .values((
                        request_ids::method.eq(method),
                        request_ids::request_id.eq(&request.id),
                        request_ids::request_hash.eq(&request.hash),
                        request_ids::response.eq(response.encode_to_vec()),
                        request_ids::create_time.eq(now_micros()),
                    ))
                    .execute(self)
                    .await?;
                Ok(())
            }

            async fn events_after(
                &mut self,
                sequence: i64,
                limit: i64,
            ) -> Result<Vec<StoredEvent>, Error> {
                $number(self).await?;
                Ok(outbox_events::table
                    .filter(outbox_events::sequence.gt(sequence))
                    .order(outbox_events::sequence.asc())
                    .limit(limit)
                    .select(StoredEvent::as_select())
                    .load(self)
                    .await?)
            }

            async fn events_since(
                &mut self,
                sequence: i64,
                since: i64,
                limit: i64,
            ) -> Result<Vec<StoredEvent>, Error> {
                $number(self).await?;
                Ok(outbox_events::table
                    .filter(outbox_events::sequence.gt(sequence))
                    .filter(outbox_events::occur_time.ge(since))
                    .order(outbox_events::sequence.asc())
                    .limit(limit)
                    .select(StoredEvent::as_select())
                    .load(self)
                    .await?)
            }

            async fn unpublished_events(&mut self, limit: i64) -> Result<Vec<StoredEvent>, Error> {
                $number(self).await?;
                Ok(outbox_events::table
                    .filter(outbox_events::publish_time.is_null())
                    .filter(outbox_events::sequence.is_not_null())
                    .order(outbox_events::sequence.asc())
                    .limit(limit)
                    .select(StoredEvent::as_select())
                    .load(self)
                    .await?)
            }

            async fn mark_published(&mut self, sequence: i64, time: i64) -> Result<(), Error> {
                diesel::update(
                    outbox_events::table
                        .filter(outbox_events::sequence.le(sequence))
                        .filter(outbox_events::publish_time.is_null()),
                )
                .set(outbox_events::publish_time.eq(Some(time)))
                .execute(self)
                .await?;
                Ok(())
            }

            async fn first_sequence_since(&mut self, since: i64) -> Result<Option<i64>, Error> {
                Ok(outbox_events::table
                    .filter(outbox_events::occur_time.ge(since))
                    .select(diesel::dsl::min(outbox_events::sequence))
                    .first::<Option<i64>>(self)
                    .await?)
            }

            async fn outbox_origin(&mut self) -> Result<OutboxOrigin, Error> {
                let (id, sequence, occur_time) = outbox_origin::table
                    .select((
                        outbox_origin::id,
                        outbox_origin::pruned_sequence,
                        outbox_origin::pruned_occur_time,
                    ))
                    .first::<(String, i64, i64)>(self)
                    .await?;
                Ok(OutboxOrigin {
                    id,
                    pruned: (sequence > 0).then_some((sequence, occur_time)),
                })
            }

            async fn prune_published_before(&mut self, before: i64) -> Result<usize, Error> {
                // Recorded before deleting: a bus refilled from this outbox must never find
                // the events gone and the mark not yet raised.
                let newest = outbox_events::table
                    .filter(outbox_events::publish_time.is_not_null())
                    .filter(outbox_events::occur_time.lt(before))
                    .filter(outbox_events::sequence.is_not_null())
                    .order(outbox_events::sequence.desc())
                    .select((
                        outbox_events::sequence.assume_not_null(),
                        outbox_events::occur_time,
                    ))
                    .first::<(i64, i64)>(self)
                    .await
                    .optional()?;
                if let Some((sequence, occur_time)) = newest {
                    diesel::update(
                        outbox_origin::table.filter(outbox_origin::pruned_sequence.lt(sequence)),
                    )
                    .set((
                        outbox_origin::pruned_sequence.eq(sequence),
                        outbox_origin::pruned_occur_time.eq(occur_time),
                    ))
                    .execute(self)
                    .await?;
                }
                Ok(diesel::delete(
                    outbox_events::table
                        .filter(outbox_events::publish_time.is_not_null())
                        .filter(outbox_events::occur_time.lt(before)),
                )
                .execute(self)
                .await?)
            }

            async fn prune_request_ids_before(&mut self, before: i64) -> Result<usize, Error> {
                Ok(
                    diesel::delete(request_ids::table.filter(request_ids::create_time.lt(before)))
                        .execute(self)
                        .await?,
                )
            }

            async fn redact_audit(&mut self, resource_name: &str) -> Result<usize, Error> {
                let children = format!("{resource_name}/%");
                let entries: Vec<(String, String)> = audit_entries::table
                    .filter(
                        audit_entries::resource_name
                            .eq(resource_name)
                            .or(audit_entries::resource_name.like(&children)),
                    )
                    .select((audit_entries::id, audit_entries::changes))
                    .load(self)
                    .await?;
                for (id, changes) in &entries {
                    diesel::update(audit_entries::table.find(id))
                        .set(audit_entries::changes.eq(redacted(changes)))
                        .execute(self)
                        .await?;
                }
                Ok(entries.len())
            }

            async fn audit_of(&mut self, resource_name: &str) -> Result<Vec<AuditEntry>, Error> {
                Ok(audit_entries::table
                    .filter(audit_entries::resource_name.eq(resource_name))
                    .order((audit_entries::occur_time.asc(), audit_entries::id.asc()))
                    .select(AuditEntry::as_select())
                    .load(self)
                    .await?)
            }
        }
    };
}

impl_journal!(AsyncPgConnection, number_committed_events, insert_batched);
impl_journal!(
    SqliteAsyncConnection,
    numbered_on_insert,
    insert_in_one_task
);

/// Runs a create-like write once per request id: inside one write transaction it answers a
/// repeated `request_id` with the stored first response, or runs `body` (which must
/// evaluate to `Result<M, Error>`) and stores its response beside the write. When two
/// requests with the same id race on PostgreSQL, the loser's transaction fails on the
/// request id's key and it then answers with the winner's stored response.
///
/// `$request` is an `&Option<RequestId>`; `$method` the full gRPC method name.
#[macro_export]
macro_rules! idempotent_write {
    ($db:expr, $method:expr, $request:expr, |$conn:ident| $body:expr) => {{
        use $crate::journal::Journal as _;
        let request: &::std::option::Option<$crate::journal::RequestId> = $request;
        let method: &str = $method;
        let attempt = $crate::write_transaction!($db, |$conn| {
            if let Some(rid) = request
                && let Some(first) = $conn.find_response(method, rid).await?
            {
                return first.replay(rid);
            }
            let response = $body?;
            if let Some(rid) = request {
                $conn.record_response(method, rid, &response).await?;
            }
            Ok::<_, $crate::Error>(response)
        });
        match (attempt, request) {
            (Err($crate::Error::AlreadyExists { .. }), Some(rid)) => {
                let first =
                    $crate::with_connection!($db, |conn| conn.find_response(method, rid).await?);
                match first {
                    Some(first) => first.replay(rid),
                    None => Err($crate::Error::AlreadyExists {
                        resource: String::new(),
                    }),
                }
            }
            (other, _) => other,
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_must_be_uuids_and_fingerprint_the_request() {
        let a = prost_types::Duration {
            seconds: 1,
            nanos: 0,
        };
        let b = prost_types::Duration {
            seconds: 2,
            nanos: 0,
        };
        assert!(RequestId::parse("", &a).unwrap().is_none());
        assert!(RequestId::parse("retry-1", &a).is_err());
        let id = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f";
        let first = RequestId::parse(id, &a).unwrap().unwrap();
        let same = RequestId::parse(&id.to_uppercase(), &a).unwrap().unwrap();
        let other = RequestId::parse(id, &b).unwrap().unwrap();
        assert_eq!(first, same);
        assert_ne!(first, other);

        let stored = StoredResponse {
            request_hash: first.hash.clone(),
            response: prost::Message::encode_to_vec(&a),
        };
        assert_eq!(stored.replay::<prost_types::Duration>(&same).unwrap(), a);
        let refused = stored.replay::<prost_types::Duration>(&other).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    }
}
