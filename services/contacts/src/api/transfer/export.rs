//! CSV export of organisations and people.

use std::collections::HashMap;

use engage_api::contacts::*;
use engage_platform::{Error, Role, with_connection};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;
use tonic::codegen::BoxStream;

use crate::api::listing::{self, ListRequest, ListSpec, Listing};
use crate::api::{ContactsApi, Need, caller, page_limits, today};
use crate::domain::csv::{self as format, CsvWriter, ExportedAffiliation};
use crate::domain::person;
use crate::store::lifecycle::Stored;
use crate::store::{RecordKind, RecordRow, Register, SortValue};

use super::*;

/// Records an export reads per keyset page.
pub(super) const EXPORT_PAGE_SIZE: i32 = 500;
/// Largest chunk of an export message.
pub(super) const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// What an export call asks, once its fields are checked.
pub(super) struct ExportRequest {
    pub(super) spec: &'static ListSpec,
    pub(super) filter: String,
    pub(super) order_by: String,
    pub(super) show_deleted: bool,
    pub(super) show_merged: bool,
    pub(super) columns: Vec<&'static str>,
    pub(super) utf8_bom: bool,
    pub(super) admin: bool,
}

impl ExportRequest {
    /// The listing of the page after `page_token`, as the List method would read it.
    pub(super) fn listing(&self, page_token: &str, today: time::Date) -> Result<Listing, Error> {
        self.spec.listing(
            &ListRequest {
                filter: &self.filter,
                order_by: &self.order_by,
                page_size: EXPORT_PAGE_SIZE,
                page_token,
                parent_id: None,
                show_deleted: self.show_deleted,
                show_merged: self.show_merged,
                limits: page_limits(i64::from(EXPORT_PAGE_SIZE), i64::from(EXPORT_PAGE_SIZE)),
            },
            today,
        )
    }
}

/// Fills chunks of whole records up to [`MAX_CHUNK_BYTES`] and sends them.
pub(super) struct Chunks<M> {
    pub(super) tx: mpsc::Sender<Result<M, Status>>,
    pub(super) message: fn(Vec<u8>, i64, bool) -> M,
    pub(super) chunk: Vec<u8>,
    /// Records in the chunks sent and the one being filled.
    pub(super) rows: i64,
}

impl<M> Chunks<M> {
    /// Adds one record's bytes (or the header); false when the client went away.
    pub(super) async fn push(&mut self, record: Vec<u8>, is_row: bool) -> bool {
        if !self.chunk.is_empty() && self.chunk.len() + record.len() > MAX_CHUNK_BYTES {
            let chunk = std::mem::take(&mut self.chunk);
            if self
                .tx
                .send(Ok((self.message)(chunk, self.rows, false)))
                .await
                .is_err()
            {
                return false;
            }
        }
        self.chunk.extend(record);
        if is_row {
            self.rows += 1;
        }
        true
    }

    /// Sends what is left and the last message with the total.
    pub(super) async fn finish(mut self) {
        if !self.chunk.is_empty() {
            let chunk = std::mem::take(&mut self.chunk);
            if self
                .tx
                .send(Ok((self.message)(chunk, self.rows, false)))
                .await
                .is_err()
            {
                return;
            }
        }
        let _ = self
            .tx
            .send(Ok((self.message)(Vec::new(), self.rows, true)))
            .await;
    }
}

/// A person's primary affiliation as the export writes it.
#[derive(Default)]
pub(super) struct PrimaryAffiliation {
    pub(super) organization: String,
    pub(super) organization_display_name: String,
    pub(super) organization_external_id: String,
    pub(super) title: String,
    pub(super) department: String,
}

impl ContactsApi {
    /// Checks an export request, then streams the export from a task.
    pub(super) fn start_export<M: Send + 'static>(
        &self,
        request: ExportRequest,
        message: fn(Vec<u8>, i64, bool) -> M,
    ) -> Result<BoxStream<M>, Status> {
        // A bad filter or order is refused before the stream starts.
        request.listing("", today())?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let api = self.clone();
        tokio::spawn(async move {
            let failure = tx.clone();
            if let Err(e) = api.run_export(request, tx, message).await {
                let _ = failure.send(Err(e.into())).await;
            }
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    pub(super) async fn run_export<M: Send + 'static>(
        self,
        request: ExportRequest,
        tx: mpsc::Sender<Result<M, Status>>,
        message: fn(Vec<u8>, i64, bool) -> M,
    ) -> Result<(), Error> {
        let today = today();
        let mut writer = CsvWriter::new(request.columns.clone(), request.utf8_bom)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let mut chunks = Chunks {
            tx,
            message,
            chunk: Vec::new(),
            rows: 0,
        };
        if !chunks.push(writer.take(), false).await {
            return Ok(());
        }
        let mut page_token = String::new();
        loop {
            let Listing { query, page, .. } = request.listing(&page_token, today)?;
            let mut rows = with_connection!(self.db, |conn| conn.list(&query).await?);
            let next_page_token =
                page.finish(&mut rows, |r| (SortValue::of(query.sort, r), r.id.clone()));
            let records = match query.kind {
                RecordKind::Person => self.people_records(&mut writer, rows, request.admin).await,
                _ => organization_records(&mut writer, rows),
            }?;
            for record in records {
                if !chunks.push(record, true).await {
                    return Ok(());
                }
            }
            if next_page_token.is_empty() {
                break;
            }
            page_token = next_page_token;
        }
        chunks.finish().await;
        Ok(())
    }

    /// The CSV records of a page of people, with their primary affiliations.
    pub(super) async fn people_records(
        &self,
        writer: &mut CsvWriter,
        rows: Vec<RecordRow>,
        admin: bool,
    ) -> Result<Vec<Vec<u8>>, Error> {
        let people = rows
            .into_iter()
            .map(Stored::<Person>::decode)
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<String> = people.iter().map(|p| p.row.id.clone()).collect();
        let affiliations = self.children_of::<Affiliation>(ids).await?;
        let primary: HashMap<&str, &Affiliation> = affiliations
            .iter()
            .filter(|a| a.value.primary)
            .filter_map(|a| a.row.parent_id.as_deref().map(|p| (p, &a.value)))
            .collect();
        let organization_ids: Vec<String> = primary
            .values()
            .filter_map(|a| a.organization.strip_prefix("organizations/"))
            .map(str::to_owned)
            .collect();
        let organizations = if organization_ids.is_empty() {
            Vec::new()
        } else {
            with_connection!(self.db, |conn| {
                conn.load_many(RecordKind::Organization, &organization_ids)
                    .await?
            })
        };
        let mut names: HashMap<String, (String, String)> = HashMap::new();
        for row in organizations {
            let stored = Stored::<Organization>::decode(row)?;
            names.insert(
                stored.name(),
                (stored.value.display_name, stored.value.external_id),
            );
        }
        let mut records = Vec::with_capacity(people.len());
        for stored in &people {
            let affiliation = primary
                .get(stored.row.id.as_str())
                .map(|a| {
                    let (display_name, external_id) =
                        names.get(&a.organization).cloned().unwrap_or_default();
                    PrimaryAffiliation {
                        organization: a.organization.clone(),
                        organization_display_name: display_name,
                        organization_external_id: external_id,
                        title: a.title.clone(),
                        department: a.department.clone(),
                    }
                })
                .unwrap_or_default();
            let mut p = stored.resource();
            p.primary_organization = affiliation.organization;
            p.primary_title = affiliation.title.clone();
            person::withhold_birth_date(&mut p, admin);
            let cells = ExportedAffiliation {
                organization_display_name: &affiliation.organization_display_name,
                organization_external_id: &affiliation.organization_external_id,
                title: &affiliation.title,
                department: &affiliation.department,
            };
            writer
                .person(&p, &cells)
                .map_err(|e| Error::Internal(e.to_string()))?;
            records.push(writer.take());
        }
        Ok(records)
    }

    pub(in crate::api) fn export_organizations(
        &self,
        request: tonic::Request<ExportOrganizationsRequest>,
    ) -> Result<BoxStream<ExportOrganizationsResponse>, Status> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let columns = format::parse_columns(&r.columns, format::ORGANIZATION_COLUMNS)
            .map_err(|e| Error::invalid("columns", e))?;
        self.start_export(
            ExportRequest {
                spec: &listing::ORGANIZATIONS,
                filter: r.filter,
                order_by: r.order_by,
                show_deleted: r.show_deleted,
                show_merged: r.show_merged,
                columns,
                utf8_bom: r.utf8_bom,
                admin: caller.has_role(Role::Admin),
            },
            |data, rows_written, done| ExportOrganizationsResponse {
                data,
                rows_written,
                done,
            },
        )
    }

    pub(in crate::api) fn export_people(
        &self,
        request: tonic::Request<ExportPeopleRequest>,
    ) -> Result<BoxStream<ExportPeopleResponse>, Status> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let columns = format::parse_columns(&r.columns, format::PERSON_COLUMNS)
            .map_err(|e| Error::invalid("columns", e))?;
        self.start_export(
            ExportRequest {
                spec: &listing::PEOPLE,
                filter: r.filter,
                order_by: r.order_by,
                show_deleted: r.show_deleted,
                show_merged: r.show_merged,
                columns,
                utf8_bom: r.utf8_bom,
                admin: caller.has_role(Role::Admin),
            },
            |data, rows_written, done| ExportPeopleResponse {
                data,
                rows_written,
                done,
            },
        )
    }
}

/// The CSV records of a page of organisations.
pub(super) fn organization_records(
    writer: &mut CsvWriter,
    rows: Vec<RecordRow>,
) -> Result<Vec<Vec<u8>>, Error> {
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let stored = Stored::<Organization>::decode(row)?;
        writer
            .organization(&stored.resource())
            .map_err(|e| Error::Internal(e.to_string()))?;
        records.push(writer.take());
    }
    Ok(records)
}
