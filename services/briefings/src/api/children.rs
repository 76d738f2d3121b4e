//! What sessions, statements and follow-up actions share: read, list, create, update,
//! soft delete and undelete under an event, each write with its outbox event and audit
//! entry. Each kind adds its own fields, checks and references.

use engage_api::briefings::Event;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, RequestId};
use engage_platform::resource::{check_etag, new_id, now_micros, timestamp};
use engage_platform::{Caller, Error, idempotent_write, with_connection, write_transaction};

use super::listing::{self, Spec};
use super::{
    BriefingsApi, caller, check_officer, child_ids, event_id, journal, locked_event, outbox,
    require_etag,
};
use crate::domain::event::check_not_cancelled;
use crate::store::sql::Number;
use crate::store::{Bind, Child, RunSql, Sql, Store};

/// A kind of child resource of an event.
pub(super) trait Kind: prost::Message + Default + Clone + Send + Sync + 'static {
    /// The collection in resource names, such as `sessions`.
    const COLLECTION: &'static str;
    /// The message name, such as `Session`.
    const MESSAGE: &'static str;
    /// The outbox prefix, such as `session`.
    const PREFIX: &'static str;
    /// Whether it stops changing when its event is cancelled (sessions do; statements and
    /// follow-up actions are still recorded after a cancellation).
    const FROZEN_BY_CANCELLATION: bool;
    /// Its stored row.
    type Row: Child
        + Clone
        + diesel::QueryableByName<diesel::pg::Pg>
        + diesel::QueryableByName<diesel::sqlite::Sqlite>;

    /// The message of a row, with its name and etag.
    fn of_row(row: &Self::Row) -> Result<Self, Error>;
    /// The row of a message.
    fn to_row(
        &self,
        event_id: &str,
        id: &str,
        revision: i64,
        create_time: i64,
        now: i64,
    ) -> Self::Row;
    /// When it was deleted.
    fn delete_time(&mut self) -> &mut Option<prost_types::Timestamp>;
    /// Its create time.
    fn create_time(&self) -> i64;
    /// The changes between two versions, for the audit trail.
    fn changes(old: &Self, new: &Self) -> Vec<FieldChange>;
    /// The other resource of the same event this one names (a statement's session, a
    /// follow-up action's statement), which must exist and not be deleted.
    fn sibling(&self) -> Option<Sibling<'_>> {
        None
    }

    /// Loads a row.
    fn load<S: Store>(
        conn: &mut S,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self::Row>, Error>> + Send;
    /// Inserts a row.
    fn insert<S: Store>(
        conn: &mut S,
        row: &Self::Row,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Rewrites a row still at `revision`.
    fn replace<S: Store>(
        conn: &mut S,
        row: &Self::Row,
        revision: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// The [`Kind`] methods every kind writes the same way: its delete and create times, and
/// its store calls.
macro_rules! kind_storage {
    ($load:ident, $insert:ident, $replace:ident) => {
        fn delete_time(&mut self) -> &mut Option<prost_types::Timestamp> {
            &mut self.delete_time
        }

        fn create_time(&self) -> i64 {
            self.create_time
                .as_ref()
                .map(engage_platform::resource::micros)
                .unwrap_or_default()
        }

        async fn load<S: Store>(conn: &mut S, id: &str) -> Result<Option<Self::Row>, Error> {
            conn.$load(id).await
        }

        async fn insert<S: Store>(conn: &mut S, row: &Self::Row) -> Result<(), Error> {
            conn.$insert(row).await
        }

        async fn replace<S: Store>(
            conn: &mut S,
            row: &Self::Row,
            revision: i64,
        ) -> Result<(), Error> {
            conn.$replace(row, revision).await
        }
    };
}
pub(super) use kind_storage;

/// A child's message from its row, with the name, etag and times the row holds.
macro_rules! stamped {
    ($row:expr) => {{
        let row = $row;
        let mut message: Self = $crate::api::decode(&row.body)?;
        message.name = format!("events/{}/{}/{}", row.event_id, Self::COLLECTION, row.id);
        message.etag = engage_platform::resource::etag(row.revision);
        message.create_time = Some(engage_platform::resource::timestamp(row.create_time));
        message.update_time = Some(engage_platform::resource::timestamp(row.update_time));
        message
    }};
}
pub(super) use stamped;

/// What a List request of children asks.
pub(super) struct ChildQuery<'a> {
    pub parent: &'a str,
    pub page_size: i32,
    pub page_token: &'a str,
    pub filter: &'a str,
    pub order_by: &'a str,
    pub show_deleted: bool,
    /// Whether `events/-` (every event) is allowed.
    pub all_events: bool,
    /// The day `overdue` is decided on, for lists that filter on it.
    pub day: &'a str,
}

/// The [`ChildQuery`] of a List request.
macro_rules! child_query {
    ($r:expr, $all_events:expr, $day:expr) => {
        $crate::api::children::ChildQuery {
            parent: &$r.parent,
            page_size: $r.page_size,
            page_token: &$r.page_token,
            filter: &$r.filter,
            order_by: &$r.order_by,
            show_deleted: $r.show_deleted,
            all_events: $all_events,
            day: $day,
        }
    };
}
pub(super) use child_query;

/// The row `id` of event `event_id`, NOT_FOUND otherwise.
async fn child_in<K: Kind, S: Store>(
    conn: &mut S,
    event_id: &str,
    id: &str,
) -> Result<K::Row, Error> {
    K::load(conn, id)
        .await?
        .filter(|r| r.event_id() == event_id)
        .ok_or_else(|| Error::not_found(format!("events/{event_id}/{}/{id}", K::COLLECTION)))
}

/// A resource of the same event that another one names, with the request field naming it.
pub(super) enum Sibling<'a> {
    /// A session, `events/{event}/sessions/{session}`.
    Session(&'a str, &'a str),
    /// A statement, `events/{event}/statements/{statement}`.
    Statement(&'a str, &'a str),
}

/// Refuses an item naming a sibling that does not exist in its event or is deleted. The
/// name's form and event are checked before ([`Kind::sibling`] callers' own checks).
async fn check_sibling<K: Kind, S: Store>(
    conn: &mut S,
    event_id: &str,
    item: &K,
) -> Result<(), Error> {
    match item.sibling() {
        Some(Sibling::Session(field, name)) => {
            live_sibling::<engage_api::briefings::Session, S>(conn, event_id, field, name).await
        }
        Some(Sibling::Statement(field, name)) => {
            live_sibling::<engage_api::briefings::Statement, S>(conn, event_id, field, name).await
        }
        None => Ok(()),
    }
}

async fn live_sibling<T: Kind, S: Store>(
    conn: &mut S,
    event_id: &str,
    field: &str,
    name: &str,
) -> Result<(), Error> {
    if name.is_empty() {
        return Ok(());
    }
    let id = name.rsplit('/').next().unwrap_or_default();
    let deleted = match T::load(conn, id).await? {
        Some(row) if row.event_id() == event_id => T::of_row(&row)?.delete_time().is_some(),
        _ => return Err(Error::invalid(field, format!("{name} does not exist"))),
    };
    if deleted {
        return Err(Error::invalid(
            field,
            format!("{name} is deleted: undelete it first"),
        ));
    }
    Ok(())
}

/// Changes one resource inside a write: the new version is written and journaled.
async fn write_child<K: Kind, S: Store>(
    conn: &mut S,
    caller: &Caller,
    method: &str,
    verb: &str,
    before: &K::Row,
    after: &K,
) -> Result<K, Error> {
    let old = K::of_row(before)?;
    let now = now_micros();
    let row = after.to_row(
        before.event_id(),
        before.id(),
        before.revision() + 1,
        old.create_time(),
        now,
    );
    K::replace(conn, &row, before.revision()).await?;
    let saved = K::of_row(&row)?;
    let name = format!(
        "events/{}/{}/{}",
        before.event_id(),
        K::COLLECTION,
        before.id()
    );
    let changes = K::changes(&old, &saved);
    let mut attributes = serde_json::json!({});
    if verb == "updated"
        && let Some(map) = attributes.as_object_mut()
    {
        map.insert(
            "changed_fields".into(),
            changes
                .iter()
                .map(|c| c.path.clone())
                .collect::<Vec<_>>()
                .into(),
        );
    }
    journal(
        conn,
        caller,
        method,
        verb,
        outbox(
            &format!("{}.{verb}", K::PREFIX),
            &name,
            K::MESSAGE,
            &saved,
            attributes,
        ),
        changes,
        None,
    )
    .await?;
    Ok(saved)
}

impl BriefingsApi {
    /// A child the caller may read.
    pub(super) async fn get_child<K: Kind, T>(
        &self,
        request: tonic::Request<T>,
        name: impl Fn(&T) -> &str,
    ) -> Result<K, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (event_id, id) = child_ids(K::COLLECTION, name(&r), "name")?;
        self.visible_event(&caller, event_id).await?;
        let row = with_connection!(self.db, |conn| child_in::<K, _>(conn, event_id, id).await?);
        K::of_row(&row)
    }

    /// A page of children of one event or (`events/-`, when `all_events`) of every event
    /// the caller may see.
    pub(super) async fn list_children<K: Kind>(
        &self,
        caller: &Caller,
        spec: &Spec<K::Row>,
        query: ChildQuery<'_>,
    ) -> Result<(Vec<K>, String, i32), Error> {
        let backend = self.db.backend();
        let mut base = if query.parent == "events/-" && query.all_events {
            // Children of deleted events are left out with their events.
            let mut sql = Sql::new(backend, "event_id IN (SELECT id FROM events WHERE ");
            sql.append(&super::events::visibility(backend, caller));
            if !query.show_deleted {
                sql.push(" AND delete_time IS NULL");
            }
            sql.push(")");
            sql
        } else {
            let id = event_id(query.parent, "parent")?;
            self.visible_event(caller, id).await?;
            let mut sql = Sql::new(backend, "event_id = ");
            sql.bind(Bind::Text(id.to_owned()));
            sql
        };
        if !query.show_deleted {
            base.push(" AND delete_time IS NULL");
        }
        let show_deleted = query.show_deleted.to_string();
        let request = listing::Request {
            page_size: query.page_size,
            page_token: query.page_token,
            filter: query.filter,
            order_by: query.order_by,
            scope: &[query.parent, &show_deleted, &caller.subject, query.day],
        };
        let listing = spec.listing(backend, &request, &base)?;
        let (mut rows, total) = with_connection!(self.db, |conn| {
            let rows: Vec<K::Row> = conn.rows(listing.select.clone()).await?;
            let total = conn.rows::<Number>(listing.count.clone()).await?;
            (rows, total.first().map_or(0, |n| n.n))
        });
        let next = spec.finish(&listing, &mut rows, |r| r.id());
        let items = rows.iter().map(K::of_row).collect::<Result<_, _>>()?;
        Ok((items, next, i32::try_from(total).unwrap_or(i32::MAX)))
    }

    /// Creates a child checked by `check` against its event (locked).
    pub(super) async fn create_child<K: Kind>(
        &self,
        caller: &Caller,
        parent: &str,
        method: &str,
        request_id: &Option<RequestId>,
        item: K,
        check: impl Fn(&K, &Event) -> Result<(), Error> + Send + Sync,
    ) -> Result<K, Error> {
        check_officer(caller)?;
        let event_id = event_id(parent, "parent")?.to_owned();
        idempotent_write!(self.db, method, request_id, |conn| {
            let (event, _, _) = locked_event(conn, &event_id).await?;
            if K::FROZEN_BY_CANCELLATION {
                check_not_cancelled(&event)?;
            }
            check(&item, &event)?;
            check_sibling(conn, &event_id, &item).await?;
            let id = new_id();
            let now = now_micros();
            let row = item.to_row(&event_id, &id, 1, now, now);
            K::insert(conn, &row).await?;
            let created = K::of_row(&row)?;
            let name = format!("events/{event_id}/{}/{id}", K::COLLECTION);
            journal(
                conn,
                caller,
                method,
                "created",
                outbox(
                    &format!("{}.created", K::PREFIX),
                    &name,
                    K::MESSAGE,
                    &created,
                    serde_json::json!({}),
                ),
                K::changes(&K::default(), &created),
                request_id.as_ref().map(RequestId::as_str),
            )
            .await?;
            Ok::<_, Error>(created)
        })
    }

    /// Updates a child: `apply` changes the current version (with its event at hand).
    pub(super) async fn update_child<K: Kind>(
        &self,
        caller: &Caller,
        name: &str,
        sent_etag: &str,
        method: &str,
        apply: impl Fn(&mut K, &Event) -> Result<(), Error> + Send + Sync,
    ) -> Result<K, Error> {
        check_officer(caller)?;
        let (event_id, id) = child_ids(K::COLLECTION, name, &format!("{}.name", K::PREFIX))?;
        require_etag(sent_etag, &format!("{}.etag", K::PREFIX))?;
        write_transaction!(self.db, |conn| {
            let (event, _, _) = locked_event(conn, event_id).await?;
            if K::FROZEN_BY_CANCELLATION {
                check_not_cancelled(&event)?;
            }
            let row = child_in::<K, _>(conn, event_id, id).await?;
            check_etag(sent_etag, row.revision(), name)?;
            let mut updated = K::of_row(&row)?;
            apply(&mut updated, &event)?;
            check_sibling(conn, event_id, &updated).await?;
            write_child(conn, caller, method, "updated", &row, &updated).await
        })
    }

    /// Soft-deletes (`delete`) or restores a child.
    pub(super) async fn delete_child<K: Kind>(
        &self,
        request_caller: Result<Caller, Error>,
        name: &str,
        sent_etag: &str,
        delete: bool,
        method: &str,
    ) -> Result<K, Error> {
        let caller = request_caller?;
        check_officer(&caller)?;
        let (event_id, id) = child_ids(K::COLLECTION, name, "name")?;
        require_etag(sent_etag, "etag")?;
        write_transaction!(self.db, |conn| {
            let (event, _, _) = locked_event(conn, event_id).await?;
            if K::FROZEN_BY_CANCELLATION {
                check_not_cancelled(&event)?;
            }
            let row = child_in::<K, _>(conn, event_id, id).await?;
            check_etag(sent_etag, row.revision(), name)?;
            let mut updated = K::of_row(&row)?;
            match (delete, updated.delete_time().is_some()) {
                (true, true) => {
                    return Err(crate::domain::precondition(
                        "ALREADY_DELETED",
                        format!("{name} is deleted already"),
                    ));
                }
                (false, false) => {
                    return Err(crate::domain::precondition(
                        "NOT_DELETED",
                        format!("{name} is not deleted"),
                    ));
                }
                (true, false) => *updated.delete_time() = Some(timestamp(now_micros())),
                (false, true) => *updated.delete_time() = None,
            }
            let verb = if delete { "deleted" } else { "undeleted" };
            write_child(conn, &caller, method, verb, &row, &updated).await
        })
    }
}
