//! The gRPC face of the service: permissions, request checks, and the calls into the
//! store. Handlers stay thin; rules live in `domain`, queries in `store`.

mod declarations;
mod figures;
mod service;
mod signatures;

use engage_api::declarations::{Declaration, Signature};
use engage_platform::identity::InternalKey;
use engage_platform::journal::{AuditEntry, Event, FieldChange, Journal, RequestId};
use engage_platform::paging::{Page, PageLimits};
use engage_platform::resource::{parse_name, require_etag, required};
use engage_platform::server::{Peers, ServiceContext};
use engage_platform::{Caller, Database, Error, Role, with_connection};
use prost::Message;

use crate::domain::filters::Order;
use crate::store::rows::{DeclarationRow, status_counts};
use crate::store::{Listing, SortKey, Store};

/// What a page token keeps: the sort keys and the id of the last row.
type PageKey = (Vec<SortKey>, String);

/// The full gRPC method names, as audit entries record them.
macro_rules! method {
    ($name:literal) => {
        concat!("/engage.declarations.v1.DeclarationsService/", $name)
    };
}
pub(crate) use method;

const DECLARATION_TYPE: &str = "engage.declarations.v1.Declaration";
const SIGNATURE_TYPE: &str = "engage.declarations.v1.Signature";

/// The declarations service's handlers.
#[derive(Clone)]
pub struct DeclarationsApi {
    db: Database,
    peers: Peers,
    internal_key: InternalKey,
}

impl DeclarationsApi {
    /// Handlers over the service's database, checking signers with contacts.
    pub fn new(context: ServiceContext) -> Self {
        Self {
            db: context.database,
            peers: context.peers,
            internal_key: context.internal_key,
        }
    }

    /// A declaration as stored, NOT_FOUND when it never existed.
    async fn declaration_row(&self, name: &str, field: &str) -> Result<DeclarationRow, Error> {
        let id = parse_name("declarations", name, field)?.to_owned();
        let row = with_connection!(self.db, |conn| conn.declaration(&id).await?);
        row.ok_or_else(|| Error::not_found(name))
    }
}

/// Today in UTC: the day sign and withdrawal dates are checked against.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Whether the caller may see signers' contacts and full exports.
fn is_officer(caller: &Caller) -> bool {
    caller.has_role(Role::CsuOfficer) || caller.has_role(Role::Admin)
}

fn request_id(id: &str, request: &impl Message) -> Result<Option<RequestId>, Error> {
    Ok(RequestId::parse(id, request)?)
}

/// A page of a listing from `page_size` and `page_token`, bound to `query`.
fn listing(
    list: &str,
    page_size: i32,
    page_token: &str,
    query: &[&str],
    order: Order,
) -> Result<(Page<PageKey>, Listing), Error> {
    let page = Page::<PageKey>::parse(list, page_size, page_token, query, PageLimits::default())?;
    let listing = Listing {
        order,
        after: page.after.clone(),
        limit: page.fetch_limit(),
    };
    Ok((page, listing))
}

fn total(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The declaration of `row` with its current signature counts and next version.
async fn declaration_of<C: Store + Send>(
    conn: &mut C,
    row: &DeclarationRow,
) -> Result<Declaration, Error> {
    let ids = [row.id.clone()];
    let counts = conn.standing_counts(&ids).await?;
    let next = conn.next_versions(&ids).await?;
    row.resource(
        status_counts(counts.into_iter().map(|(_, s, n)| (s, n))),
        next.first().map(|(_, n)| n.as_str()),
    )
}

/// What a write appends besides itself: its event and its audit entry.
struct Journaled<'a> {
    caller: &'a Caller,
    method: &'a str,
    verb: &'a str,
    changes: Vec<FieldChange>,
    request_id: Option<&'a RequestId>,
}

impl Journaled<'_> {
    /// Appends the event (`{prefix}.{verb}`, with `attributes` and, on updates, the
    /// changed fields) and the audit entry.
    async fn append<C: Journal + Send>(
        self,
        conn: &mut C,
        (prefix, resource_type): (&str, &str),
        (name, payload): (&str, Vec<u8>),
        mut attributes: serde_json::Value,
    ) -> Result<(), Error> {
        if self.verb == "updated" {
            let paths: Vec<&str> = self.changes.iter().map(|c| c.path.as_str()).collect();
            attributes["changed_fields"] = serde_json::json!(paths);
        }
        let event = Event {
            event_type: format!("{prefix}.{}", self.verb),
            resource_name: name.to_owned(),
            resource_type: resource_type.to_owned(),
            payload,
            attributes,
        };
        conn.append_event(self.caller, event).await?;
        let mut entry = AuditEntry::new(self.caller, self.method, self.verb, name, self.changes);
        entry.request_id = self.request_id.map(|r| r.as_str().to_owned());
        conn.append_audit(entry).await
    }

    /// For a write to a declaration.
    async fn declaration<C: Journal + Send>(
        self,
        conn: &mut C,
        declaration: &Declaration,
    ) -> Result<(), Error> {
        let resource = (declaration.name.as_str(), declaration.encode_to_vec());
        self.append(
            conn,
            ("declaration", DECLARATION_TYPE),
            resource,
            serde_json::json!({}),
        )
        .await
    }

    /// For a write to a signature: its attributes carry the signer's place and sector,
    /// which the change feed filters on.
    async fn signature<C: Journal + Send>(
        self,
        conn: &mut C,
        signature: &Signature,
    ) -> Result<(), Error> {
        let snapshot = signature.snapshot.clone().unwrap_or_default();
        let mut attributes = serde_json::json!({
            "regional_group": snapshot.regional_group().as_str_name(),
            "sector": snapshot.sector().as_str_name(),
        });
        if !snapshot.country_code.is_empty() {
            attributes["country_code"] = serde_json::json!(snapshot.country_code);
        }
        let resource = (signature.name.as_str(), signature.encode_to_vec());
        self.append(conn, ("signature", SIGNATURE_TYPE), resource, attributes)
            .await
    }
}

pub(crate) use crate::domain::audit_change as change;
