//! The life of one record, the same for every kind: create, change under an etag, soft
//! delete and undelete, each with its outbox event and audit entry in the same transaction.

use engage_platform::journal::{AuditEntry, Event, FieldChange, Journal, RequestId};
use engage_platform::resource::{check_etag, etag, new_id, now_micros, timestamp};
use engage_platform::{Caller, Error};
use prost::Message;

use super::{RecordKind, RecordRow, Register};

/// What a record keeps beside its body, derived from the resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indexed {
    /// Sort keys; their meaning is the kind's (see each kind's `SORTS`).
    pub sort: [String; 4],
    /// The external id, unique among live records of the kind.
    pub external_id: Option<String>,
    /// Folded text that search matches.
    pub search_text: String,
    /// Filterable values, as (field, value).
    pub terms: Vec<(String, String)>,
}

/// The output-only fields the store fills from a record's columns.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub name: String,
    pub etag: String,
    pub create_time: Option<prost_types::Timestamp>,
    pub update_time: Option<prost_types::Timestamp>,
    pub delete_time: Option<prost_types::Timestamp>,
    pub merged_into: String,
    pub merge_time: Option<prost_types::Timestamp>,
    pub erase_time: Option<prost_types::Timestamp>,
}

/// A resource kept in the register.
pub trait Resource: Message + Default + Clone + Send + Sync + 'static {
    /// Its kind of row.
    const KIND: RecordKind;
    /// Full protobuf name, the type of its events' payload.
    const TYPE_NAME: &'static str;
    /// Event type prefix: `organization` gives `organization.created`.
    const EVENT: &'static str;
    /// The collection in its resource name (`organizations`, `affiliations`).
    const COLLECTION: &'static str;
    /// The parent collection for a child resource (`people` for affiliations).
    const PARENT: Option<&'static str>;

    /// What the record keeps beside its body.
    fn index(&self) -> Indexed;
    /// Values the feeds filter on.
    fn attributes(&self) -> serde_json::Value;
    /// Fills the output-only fields.
    fn set_output(&mut self, output: Output);
    /// The fields a create sets, for the audit trail.
    fn created(&self) -> Vec<FieldChange>;
    /// The fields that differ between two versions, for the audit trail.
    fn changes(before: &Self, after: &Self) -> Vec<FieldChange>;
}

/// The resource name of record `id` under `parent_id`.
pub fn resource_name<R: Resource>(parent_id: Option<&str>, id: &str) -> String {
    match (R::PARENT, parent_id) {
        (Some(parent), Some(parent_id)) => {
            format!("{parent}/{parent_id}/{}/{id}", R::COLLECTION)
        }
        _ => format!("{}/{id}", R::COLLECTION),
    }
}

/// A record as stored: its columns and its resource.
#[derive(Debug, Clone)]
pub struct Stored<R> {
    pub row: RecordRow,
    pub value: R,
}

impl<R: Resource> Stored<R> {
    /// Reads a row. A body that does not decode is a bug, not the caller's fault.
    pub fn decode(row: RecordRow) -> Result<Self, Error> {
        let value = R::decode(row.body.as_slice())
            .map_err(|e| Error::Internal(format!("record {} does not decode: {e}", row.id)))?;
        Ok(Self { row, value })
    }

    /// Its resource name.
    pub fn name(&self) -> String {
        resource_name::<R>(self.row.parent_id.as_deref(), &self.row.id)
    }

    /// The resource as the API returns it, output-only fields filled.
    pub fn resource(&self) -> R {
        let mut value = self.value.clone();
        let kind = R::KIND;
        let merged_into = self
            .row
            .merged_into
            .as_ref()
            .map(|id| match kind {
                RecordKind::Person => format!("people/{id}"),
                _ => format!("organizations/{id}"),
            })
            .unwrap_or_default();
        value.set_output(Output {
            name: self.name(),
            etag: etag(self.row.revision),
            create_time: Some(timestamp(self.row.create_time)),
            update_time: Some(timestamp(self.row.update_time)),
            delete_time: self.row.delete_time.map(timestamp),
            merged_into,
            merge_time: self.row.merge_time.map(timestamp),
            erase_time: self.row.erase_time.map(timestamp),
        });
        value
    }

    /// Whether it is live: not deleted, merged or erased.
    pub fn is_live(&self) -> bool {
        self.row.delete_time.is_none()
            && self.row.merged_into.is_none()
            && self.row.erase_time.is_none()
    }

    /// Refuses a change to a merged or erased record, which are read-only.
    pub fn ensure_writable(&self) -> Result<(), Error> {
        if let Some(survivor) = &self.row.merged_into {
            return Err(Error::FailedPrecondition {
                reason: "MERGED",
                message: format!(
                    "{} was merged into {}/{survivor} and is read-only",
                    self.name(),
                    R::COLLECTION
                ),
            });
        }
        if self.row.erase_time.is_some() {
            return Err(Error::FailedPrecondition {
                reason: "ERASED",
                message: format!("{} was erased and is read-only", self.name()),
            });
        }
        Ok(())
    }

    /// Refuses a change to a soft-deleted record (undelete it first).
    pub fn ensure_not_deleted(&self) -> Result<(), Error> {
        if self.row.delete_time.is_some() {
            return Err(Error::FailedPrecondition {
                reason: "DELETED",
                message: format!("{} is deleted: undelete it first", self.name()),
            });
        }
        Ok(())
    }

    /// Derives the record's columns and body from its resource; returns its terms.
    fn reindex(&mut self) -> Vec<(String, String)> {
        let mut body = self.value.clone();
        body.set_output(Output::default());
        let indexed = body.index();
        let [sort_1, sort_2, sort_3, sort_4] = indexed.sort;
        self.row.sort_1 = sort_1;
        self.row.sort_2 = sort_2;
        self.row.sort_3 = sort_3;
        self.row.sort_4 = sort_4;
        self.row.external_id = indexed.external_id;
        self.row.search_text = indexed.search_text;
        self.row.body = body.encode_to_vec();
        indexed.terms
    }
}

/// Reads record `id` of kind `R`; NOT_FOUND names the resource asked for.
pub async fn load<R: Resource, C: Register>(
    conn: &mut C,
    id: &str,
    name: &str,
) -> Result<Stored<R>, Error> {
    match conn.load(R::KIND, id).await? {
        Some(row) => Stored::decode(row),
        None => Err(Error::not_found(name)),
    }
}

/// Refuses an external id that a live record of the kind holds already (other than `own`).
pub async fn ensure_external_id_free<R: Resource, C: Register>(
    conn: &mut C,
    external_id: Option<&str>,
    own: Option<&str>,
) -> Result<(), Error> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    if let Some(holder) = conn.find_external_id(R::KIND, external_id).await?
        && Some(holder.id.as_str()) != own
    {
        let holder = resource_name::<R>(holder.parent_id.as_deref(), &holder.id);
        return Err(Error::Taken {
            reason: "EXTERNAL_ID_TAKEN",
            message: format!("external_id {external_id:?} belongs to {holder}"),
            resource: holder,
        });
    }
    Ok(())
}

/// The event attribute listing the resource's paths a write changed.
pub const CHANGED_FIELDS: &str = "changed_fields";

/// Audit paths that record what happened around a resource, not one of its fields.
const NOT_RESOURCE_FIELDS: &[&str] = &["parent", "merged_from"];

/// Who writes, through which method, under which request id: what every write records.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pub caller: &'a Caller,
    pub method: &'a str,
    pub request_id: Option<&'a RequestId>,
}

impl Writer<'_> {
    /// The outbox event and audit entry of a write.
    fn entries<R: Resource>(
        &self,
        stored: &Stored<R>,
        action: &str,
        changes: Vec<FieldChange>,
    ) -> (Event, AuditEntry) {
        let resource = stored.resource();
        let name = stored.name();
        let mut attributes = resource.attributes();
        if action != "created"
            && let Some(object) = attributes.as_object_mut()
        {
            // The paths of the resource the write changed, for the feeds' `changed_fields`.
            let paths: Vec<&str> = changes
                .iter()
                .map(|c| c.path.as_str())
                .filter(|p| !NOT_RESOURCE_FIELDS.contains(p))
                .collect();
            object.insert(CHANGED_FIELDS.to_owned(), serde_json::json!(paths));
        }
        let event = Event {
            event_type: format!("{}.{action}", R::EVENT),
            resource_name: name.clone(),
            resource_type: R::TYPE_NAME.to_owned(),
            payload: resource.encode_to_vec(),
            attributes,
        };
        let mut audit = AuditEntry::new(self.caller, self.method, action, &name, changes);
        audit.request_id = self.request_id.map(|r| r.as_str().to_owned());
        (event, audit)
    }

    async fn journal<R: Resource, C: Journal>(
        &self,
        conn: &mut C,
        stored: &Stored<R>,
        action: &str,
        changes: Vec<FieldChange>,
    ) -> Result<(), Error> {
        let (event, audit) = self.entries(stored, action, changes);
        conn.append_audit(audit).await?;
        conn.append_event(self.caller, event).await
    }
}

/// The row of a new record, before its resource is indexed into it.
fn new_row<R: Resource>(parent_id: Option<String>, now: i64) -> RecordRow {
    RecordRow {
        id: new_id(),
        kind: R::KIND as i32,
        parent_id,
        revision: 1,
        sort_1: String::new(),
        sort_2: String::new(),
        sort_3: String::new(),
        sort_4: String::new(),
        external_id: None,
        search_text: String::new(),
        search_seq: None,
        merged_into: None,
        merge_time: None,
        erase_time: None,
        create_time: now,
        update_time: now,
        delete_time: None,
        body: Vec::new(),
    }
}

/// Stores a new record of `value` under `parent_id`, with its event and audit entry.
pub async fn create<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    parent_id: Option<String>,
    value: R,
) -> Result<Stored<R>, Error> {
    create_many(conn, writer, vec![(parent_id, value)])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("a create stored nothing".into()))
}

/// Stores new records of `values` (each under its parent), with their events and audit
/// entries, in a few statements per kind of row: what create does for one record, for the
/// many records of an import. An external id that a live record holds already, or that two
/// of the values share, is EXTERNAL_ID_TAKEN and nothing is written.
pub async fn create_many<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    values: Vec<(Option<String>, R)>,
) -> Result<Vec<Stored<R>>, Error> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_micros();
    let mut created = Vec::with_capacity(values.len());
    let mut terms = Vec::with_capacity(values.len());
    for (parent_id, value) in values {
        let mut stored = Stored {
            row: new_row::<R>(parent_id, now),
            value,
        };
        terms.push(stored.reindex());
        created.push(stored);
    }
    let mut external_ids: Vec<String> = created
        .iter()
        .filter_map(|s| s.row.external_id.clone())
        .collect();
    external_ids.sort_unstable();
    if let Some(pair) = external_ids.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Error::Taken {
            reason: "EXTERNAL_ID_TAKEN",
            message: format!("external_id {:?} is given to two new records", pair[0]),
            resource: String::new(),
        });
    }
    if let Some(holder) = conn
        .find_external_ids(R::KIND, &external_ids)
        .await?
        .into_iter()
        .next()
    {
        let name = resource_name::<R>(holder.parent_id.as_deref(), &holder.id);
        return Err(Error::Taken {
            reason: "EXTERNAL_ID_TAKEN",
            message: format!(
                "external_id {:?} belongs to {name}",
                holder.external_id.unwrap_or_default()
            ),
            resource: name,
        });
    }
    let rows: Vec<(RecordRow, Vec<(String, String)>)> =
        created.iter().map(|s| s.row.clone()).zip(terms).collect();
    conn.insert_many(&rows).await?;
    let mut events = Vec::with_capacity(created.len());
    let mut audits = Vec::with_capacity(created.len());
    for stored in &created {
        let (event, audit) = writer.entries(stored, "created", stored.value.created());
        events.push(event);
        audits.push(audit);
    }
    conn.append_audits(audits).await?;
    conn.append_events(writer.caller, events).await?;
    Ok(created)
}

/// Writes a changed record under the revision it was read at, with its event and audit
/// entry. `changes` adds what the body comparison cannot see (delete time, merge). Nothing
/// is written when the body and the columns are unchanged.
pub async fn save<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    before: &Stored<R>,
    mut after: Stored<R>,
    action: &str,
    mut changes: Vec<FieldChange>,
) -> Result<Stored<R>, Error> {
    let mut body_changes = R::changes(&before.value, &after.value);
    body_changes.append(&mut changes);
    if body_changes.is_empty() {
        return Ok(after);
    }
    let terms = after.reindex();
    if after.row.external_id != before.row.external_id {
        ensure_external_id_free::<R, C>(
            conn,
            after.row.external_id.as_deref(),
            Some(&after.row.id),
        )
        .await?;
    }
    after.row.revision = before.row.revision + 1;
    after.row.update_time = now_micros().max(before.row.update_time + 1);
    if !conn
        .replace(&after.row, before.row.revision, Some(&terms))
        .await?
    {
        return Err(Error::StaleEtag {
            resource: before.name(),
        });
    }
    writer.journal(conn, &after, action, body_changes).await?;
    Ok(after)
}

/// Reads record `id` for a change: it must exist, and `sent_etag` (required) must be current.
pub async fn load_for_change<R: Resource, C: Register>(
    conn: &mut C,
    id: &str,
    name: &str,
    sent_etag: &str,
) -> Result<Stored<R>, Error> {
    let stored = load::<R, C>(conn, id, name).await?;
    check_etag(sent_etag, stored.row.revision, name)?;
    Ok(stored)
}

/// Soft-deletes (`deleted = true`) or undeletes a record.
pub async fn set_deleted<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    id: &str,
    name: &str,
    sent_etag: &str,
    deleted: bool,
) -> Result<Stored<R>, Error> {
    let before = load_for_change::<R, C>(conn, id, name, sent_etag).await?;
    before.ensure_writable()?;
    match (deleted, before.row.delete_time) {
        (true, Some(_)) => {
            return Err(Error::FailedPrecondition {
                reason: "DELETED",
                message: format!("{name} is deleted already"),
            });
        }
        (false, None) => {
            return Err(Error::FailedPrecondition {
                reason: "NOT_DELETED",
                message: format!("{name} is not deleted"),
            });
        }
        _ => {}
    }
    let mut after = before.clone();
    let now = now_micros();
    after.row.delete_time = deleted.then_some(now);
    if !deleted {
        // An undeleted record takes back its external id only if nobody took it meanwhile.
        ensure_external_id_free::<R, C>(conn, before.row.external_id.as_deref(), Some(id)).await?;
    }
    let change = FieldChange::new(
        "delete_time",
        before
            .row
            .delete_time
            .map_or(serde_json::Value::Null, |t| serde_json::json!(t)),
        after
            .row
            .delete_time
            .map_or(serde_json::Value::Null, |t| serde_json::json!(t)),
    );
    let action = if deleted { "deleted" } else { "undeleted" };
    save(conn, writer, &before, after, action, vec![change]).await
}
