//! CSV import of organisations and people.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use engage_api::contacts::*;
use engage_platform::error::ERROR_DOMAIN;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::Journal;
use engage_platform::resource::parse_name;
use engage_platform::{Caller, Error, Role, with_connection, write_transaction};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;
use tonic::codegen::BoxStream;
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::api::duplicates::{self, Dedupe};
use crate::api::{ContactsApi, Need, caller, method, today};
use crate::domain::csv::{
    self as format, Layout, OrganizationRow, PersonRow, StructureError, issues_from_violations,
};
use crate::domain::duplicates::Thresholds;
use crate::domain::{children, organization, person};
use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{ListQuery, RecordKind, RecordRow, Register};

use super::*;

/// Largest CSV content of one import call; larger files are sent as several calls.
pub(super) const MAX_CONTENT_BYTES: usize = 32 * 1024 * 1024;
/// Most rows written in one transaction.
pub(super) const MAX_ROWS_PER_TRANSACTION: usize = 1_000;
/// How long one import transaction may keep taking rows: it commits, and progress is sent,
/// well within the second the contract allows between two messages.
pub(super) const TRANSACTION_TIME_BUDGET: Duration = Duration::from_millis(600);

/// What an import call asks, once its fields are checked.
pub(super) struct ImportRequest {
    pub(super) content: Vec<u8>,
    pub(super) dry_run: bool,
    pub(super) first_row_number: i64,
    pub(super) report_all_rows: bool,
    /// ImportDuplicatePolicy SKIP: a new row that is a likely duplicate is not written.
    pub(super) skip_likely: bool,
}

/// A data row read from the file: an organisation or a person.
pub(super) enum Row {
    Organization(Box<OrganizationRow>),
    Person(Box<PersonRow>),
}

/// A data row with its row number, read or refused for bad cells.
pub(super) type Parsed = (i64, Result<Row, format::RowIssues>);

pub(super) fn issue(column: &str, code: &str, reason: impl Into<String>) -> ImportIssue {
    ImportIssue {
        column: column.to_owned(),
        reason: reason.into(),
        code: code.to_owned(),
    }
}

pub(super) fn failed(
    row_number: i64,
    external_id: &str,
    errors: Vec<ImportIssue>,
) -> ImportRowResult {
    ImportRowResult {
        row_number,
        outcome: ImportRowOutcome::Failed as i32,
        external_id: external_id.to_owned(),
        errors,
        ..Default::default()
    }
}

/// The status of a content that cannot be imported at all: INVALID_ARGUMENT, reason
/// CSV_STRUCTURE, the violation on `csv_content` naming the row and what is wrong.
pub(super) fn structure_status(error: &StructureError) -> Status {
    let description = error.to_string();
    let mut details = ErrorDetails::with_bad_request(vec![FieldViolation::new(
        "csv_content",
        description.clone(),
    )]);
    details.set_error_info("CSV_STRUCTURE", ERROR_DOMAIN, HashMap::new());
    Status::with_error_details(
        tonic::Code::InvalidArgument,
        format!("csv_content: {description}"),
        details,
    )
}

/// The row number of the first data row: 0 means right after the header.
pub(super) fn first_row_number(value: i64) -> Result<i64, Error> {
    match value {
        0 => Ok(format::DEFAULT_FIRST_ROW_NUMBER),
        n if n >= format::DEFAULT_FIRST_ROW_NUMBER => Ok(n),
        _ => Err(Error::invalid(
            "first_row_number",
            "must be 2 or more (the header is row 1), or 0 for 2",
        )),
    }
}

/// The mask an update row writes: the fields whose columns the header carries (none when
/// it carries none, for example a people file naming only the affiliation).
pub(super) fn header_mask(
    layout: &Layout,
    updatable: &[&str],
) -> Result<Option<UpdateMask>, Error> {
    let paths: Vec<String> = layout
        .present_fields()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if paths.is_empty() {
        return Ok(None);
    }
    UpdateMask::parse(Some(&prost_types::FieldMask { paths }), updatable)
        .map(Some)
        .map_err(|v| Error::Internal(format!("a header column has no updatable field: {v:?}")))
}

/// The addresses after an import row: the row's address replaces the primary one (the first
/// when none is marked, as export writes it) and the others stay; a row without an address
/// removes it.
pub(super) fn replace_primary_address(
    current: &[PostalAddress],
    row: Vec<PostalAddress>,
) -> Vec<PostalAddress> {
    let mut addresses = current.to_vec();
    let target = addresses
        .iter()
        .position(|a| a.primary)
        .or(if addresses.is_empty() { None } else { Some(0) });
    match (target, row.into_iter().next()) {
        (Some(i), Some(mut address)) => {
            if let Some(slot) = addresses.get_mut(i) {
                address.primary = slot.primary;
                *slot = address;
            }
        }
        (Some(i), None) => {
            addresses.remove(i);
        }
        (None, Some(address)) => addresses.push(address),
        (None, None) => {}
    }
    addresses
}

/// A note on a website the register completed with a scheme.
pub(super) fn website_warning(typed: &str, stored: &str) -> Option<ImportIssue> {
    let typed = typed.trim();
    (!typed.is_empty() && typed != stored && !typed.contains("://")).then(|| {
        issue(
            "website",
            "SCHEME_ADDED",
            format!("the website was written as \"{stored}\""),
        )
    })
}

/// Counts of an import so far.
pub(super) struct Tally {
    pub(super) progress: ImportProgress,
    pub(super) started: Instant,
}

impl Tally {
    pub(super) fn new(rows_total: i64, dry_run: bool) -> Self {
        Self {
            progress: ImportProgress {
                rows_total,
                dry_run,
                ..Default::default()
            },
            started: Instant::now(),
        }
    }

    pub(super) fn add(&mut self, result: &ImportRowResult) {
        let p = &mut self.progress;
        p.rows_processed += 1;
        match ImportRowOutcome::try_from(result.outcome) {
            Ok(ImportRowOutcome::Created) => p.rows_created += 1,
            Ok(ImportRowOutcome::Updated) => p.rows_updated += 1,
            Ok(ImportRowOutcome::Unchanged) => p.rows_unchanged += 1,
            Ok(ImportRowOutcome::Skipped) => p.rows_skipped += 1,
            _ => p.rows_failed += 1,
        }
        if !result.likely_duplicates.is_empty() {
            p.rows_with_likely_duplicates += 1;
        }
    }

    pub(super) fn snapshot(&self, done: bool) -> ImportProgress {
        let elapsed = self.started.elapsed();
        ImportProgress {
            elapsed: Some(prost_types::Duration {
                seconds: i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
                nanos: i32::try_from(elapsed.subsec_nanos()).unwrap_or(0),
            }),
            done,
            ..self.progress
        }
    }
}

/// Whether a row's result goes out when the caller did not ask for every row.
pub(super) fn worth_reporting(result: &ImportRowResult) -> bool {
    let outcome = ImportRowOutcome::try_from(result.outcome);
    matches!(
        outcome,
        Ok(ImportRowOutcome::Failed | ImportRowOutcome::Skipped)
    ) || !result.warnings.is_empty()
        || !result.likely_duplicates.is_empty()
}

/// What the rows of one import share.
pub(super) struct Batch<'a> {
    pub(super) writer: Writer<'a>,
    pub(super) admin: bool,
    pub(super) dry_run: bool,
    pub(super) today: time::Date,
    /// The fields an update row writes.
    pub(super) mask: Option<UpdateMask>,
    /// Whether the header carries `title` and `department`, which an update of the primary
    /// affiliation then writes.
    pub(super) has_title: bool,
    pub(super) has_department: bool,
    pub(super) thresholds: Thresholds,
    pub(super) skip_likely: bool,
}

/// Which rows of the file named which records, so that a file naming a record twice has its
/// later rows refused instead of the outcome depending on the order of writes.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) names: HashMap<String, i64>,
    pub(super) external_ids: HashMap<String, i64>,
    pub(super) records: HashMap<String, i64>,
}

pub(super) fn first_use(
    seen: &mut HashMap<String, i64>,
    key: &str,
    row_number: i64,
) -> Result<(), i64> {
    match seen.get(key) {
        Some(first) => Err(*first),
        None => {
            seen.insert(key.to_owned(), row_number);
            Ok(())
        }
    }
}

/// The records the rows of a transaction name, read in a few queries instead of one per row.
#[derive(Default)]
pub(super) struct Known {
    pub(super) by_id: HashMap<String, RecordRow>,
    pub(super) by_external_id: HashMap<String, RecordRow>,
    pub(super) organizations_by_id: HashMap<String, RecordRow>,
    pub(super) organizations_by_external_id: HashMap<String, RecordRow>,
}

pub(super) async fn prefetch<C: Register + Send>(
    conn: &mut C,
    kind: RecordKind,
    collection: &str,
    rows: &VecDeque<Parsed>,
) -> Result<Known, Error> {
    let mut ids = Vec::new();
    let mut external_ids = Vec::new();
    let mut organization_ids = Vec::new();
    let mut organization_external_ids = Vec::new();
    for (_, row) in rows {
        let (name, external_id) = match row {
            Ok(Row::Organization(r)) => (r.name.as_deref(), r.external_id.as_deref()),
            Ok(Row::Person(r)) => {
                if let Some(cells) = &r.affiliation {
                    if let Some(id) = cells
                        .organization
                        .as_deref()
                        .and_then(|n| parse_name("organizations", n, "").ok())
                    {
                        organization_ids.push(id.to_owned());
                    }
                    if let Some(e) = &cells.organization_external_id {
                        organization_external_ids.push(e.clone());
                    }
                }
                (r.name.as_deref(), r.external_id.as_deref())
            }
            Err(_) => continue,
        };
        if let Some(id) = name.and_then(|n| parse_name(collection, n, "").ok()) {
            ids.push(id.to_owned());
        }
        if let Some(e) = external_id {
            external_ids.push(e.to_owned());
        }
    }
    let by_id = |rows: Vec<RecordRow>| rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    let by_external_id = |rows: Vec<RecordRow>| {
        rows.into_iter()
            .filter_map(|r| r.external_id.clone().map(|e| (e, r)))
            .collect()
    };
    let mut known = Known {
        by_id: by_id(conn.load_many(kind, &ids).await?),
        by_external_id: by_external_id(conn.find_external_ids(kind, &external_ids).await?),
        ..Known::default()
    };
    if !organization_ids.is_empty() {
        known.organizations_by_id = by_id(
            conn.load_many(RecordKind::Organization, &organization_ids)
                .await?,
        );
    }
    if !organization_external_ids.is_empty() {
        known.organizations_by_external_id = by_external_id(
            conn.find_external_ids(RecordKind::Organization, &organization_external_ids)
                .await?,
        );
    }
    Ok(known)
}

/// What a row matched.
pub(super) enum Matched<R> {
    /// No record: the row creates one.
    Nothing,
    /// The row updates this record.
    Record(Box<Stored<R>>),
    /// The row cannot be matched.
    Refused(ImportIssue),
}

/// The issue of a record a row may not change (merged, erased or deleted).
pub(super) fn unwritable<R: Resource>(stored: &Stored<R>, column: &str) -> Option<ImportIssue> {
    let refusal = stored
        .ensure_writable()
        .and_then(|()| stored.ensure_not_deleted())
        .err()?;
    Some(match refusal {
        Error::FailedPrecondition { reason, message } => issue(column, reason, message),
        other => issue(column, "INVALID_VALUE", other.to_string()),
    })
}

/// Matches a row by `name`, else by `external_id` (a live record with it, or none: create).
pub(super) fn match_record<R: Resource>(
    known: &Known,
    seen: &mut Seen,
    row_number: i64,
    name: Option<&str>,
    external_id: Option<&str>,
) -> Result<Matched<R>, Error> {
    if let Some(name) = name
        && let Err(first) = first_use(&mut seen.names, name, row_number)
    {
        return Ok(Matched::Refused(issue(
            "",
            "DUPLICATE_IN_FILE",
            format!("row {first} already names {name}"),
        )));
    }
    if let Some(external_id) = external_id
        && let Err(first) = first_use(&mut seen.external_ids, external_id, row_number)
    {
        return Ok(Matched::Refused(issue(
            "",
            "DUPLICATE_IN_FILE",
            format!("external_id \"{external_id}\" is already on row {first}"),
        )));
    }
    let (row, column) = match (name, external_id) {
        (Some(name), _) => {
            let Ok(id) = parse_name(R::COLLECTION, name, "name") else {
                return Ok(Matched::Refused(issue(
                    "name",
                    "INVALID_VALUE",
                    format!("\"{name}\" is not a name like {}/{{id}}", R::COLLECTION),
                )));
            };
            match known.by_id.get(id) {
                Some(row) => (row, "name"),
                None => {
                    return Ok(Matched::Refused(issue(
                        "name",
                        "NOT_FOUND",
                        format!("{name} does not exist"),
                    )));
                }
            }
        }
        (None, Some(external_id)) => match known.by_external_id.get(external_id) {
            Some(row) => (row, "external_id"),
            None => return Ok(Matched::Nothing),
        },
        (None, None) => return Ok(Matched::Nothing),
    };
    let stored = Stored::<R>::decode(row.clone())?;
    if let Some(refused) = unwritable(&stored, column) {
        return Ok(Matched::Refused(refused));
    }
    if let Err(first) = first_use(&mut seen.records, &stored.row.id, row_number) {
        return Ok(Matched::Refused(issue(
            "",
            "DUPLICATE_IN_FILE",
            format!("row {first} already matched {}", stored.name()),
        )));
    }
    Ok(Matched::Record(Box::new(stored)))
}

/// The row issue of an external id another record holds.
pub(super) fn taken_issue(error: Error) -> Result<ImportIssue, Error> {
    match error {
        Error::Taken {
            reason, message, ..
        } => Ok(issue("external_id", reason, message)),
        other => Err(other),
    }
}

/// In a dry run, what the write would refuse: an external id another live record holds.
pub(super) async fn dry_external_id_check<R: Resource, C: Register + Send>(
    conn: &mut C,
    external_id: &str,
    own: Option<&str>,
) -> Result<Option<ImportIssue>, Error> {
    if external_id.is_empty() {
        return Ok(None);
    }
    match lifecycle::ensure_external_id_free::<R, C>(conn, Some(external_id), own).await {
        Ok(()) => Ok(None),
        Err(e) => taken_issue(e).map(Some),
    }
}

/// Updates one record from an import row, or says what a dry run would do (creates are left
/// to [`create_new_records`]): `Ok(Err(issue))` when the external id is taken, otherwise the
/// resource name (empty for a record to create) and its id.
pub(super) async fn store_record<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    before: Option<&Stored<R>>,
    value: R,
    changed: bool,
) -> Result<Result<(String, Option<String>), ImportIssue>, Error> {
    match before {
        None => {
            let external_id = R::index(&value).external_id.unwrap_or_default();
            if let Some(taken) = dry_external_id_check::<R, C>(conn, &external_id, None).await? {
                return Ok(Err(taken));
            }
            Ok(Ok((String::new(), None)))
        }
        Some(before) if !changed => Ok(Ok((before.name(), Some(before.row.id.clone())))),
        Some(before) if batch.dry_run => {
            let external_id = R::index(&value).external_id.unwrap_or_default();
            if before.row.external_id.as_deref().unwrap_or_default() != external_id
                && let Some(taken) =
                    dry_external_id_check::<R, C>(conn, &external_id, Some(&before.row.id)).await?
            {
                return Ok(Err(taken));
            }
            Ok(Ok((before.name(), Some(before.row.id.clone()))))
        }
        Some(before) => {
            let mut after = before.clone();
            after.value = value;
            match lifecycle::save(conn, batch.writer, before, after, "updated", Vec::new()).await {
                Ok(stored) => Ok(Ok((stored.name(), Some(stored.row.id)))),
                Err(e) => taken_issue(e).map(Err),
            }
        }
    }
}

pub(super) fn outcome(before_exists: bool, changed: bool) -> ImportRowOutcome {
    match (before_exists, changed) {
        (false, _) => ImportRowOutcome::Created,
        (true, true) => ImportRowOutcome::Updated,
        (true, false) => ImportRowOutcome::Unchanged,
    }
}

pub(super) async fn import_organization<C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    known: &Known,
    seen: &mut Seen,
    creates: &mut Vec<(i64, NewRecord)>,
    row_number: i64,
    row: OrganizationRow,
) -> Result<ImportRowResult, Error> {
    let external_id = row.external_id.clone().unwrap_or_default();
    let fail = |errors| Ok(failed(row_number, &external_id, errors));
    let before = match match_record::<Organization>(
        known,
        seen,
        row_number,
        row.name.as_deref(),
        row.external_id.as_deref(),
    )? {
        Matched::Refused(refused) => return fail(vec![refused]),
        Matched::Nothing => None,
        Matched::Record(stored) => Some(*stored),
    };
    let typed_website = row.organization.website.clone();
    let mut value = match (&before, &batch.mask) {
        (None, _) => row.organization,
        (Some(stored), None) => stored.value.clone(),
        (Some(stored), Some(mask)) => {
            let mut value = stored.value.clone();
            let mut patch = row.organization;
            if mask.contains("addresses") {
                patch.addresses = replace_primary_address(&value.addresses, patch.addresses);
            }
            organization::apply_update_organization(&mut value, &patch, mask);
            value
        }
    };
    if let Err(violations) =
        organization::normalize_organization(&mut value, "organization", batch.today)
    {
        return fail(issues_from_violations(&violations, "organization"));
    }
    let writes_website = batch.mask.as_ref().is_none_or(|m| m.contains("website"));
    let warnings: Vec<ImportIssue> = website_warning(&typed_website, &value.website)
        .filter(|_| writes_website)
        .into_iter()
        .collect();
    if before.is_none() {
        let row = ImportRowResult {
            row_number,
            external_id,
            warnings,
            ..Default::default()
        };
        return import_new(conn, batch, creates, row, value, |v| {
            NewRecord::Organization(Box::new(v))
        })
        .await;
    }
    let changed = before
        .as_ref()
        .is_none_or(|b| !organization::changes_organization(&b.value, &value).is_empty());
    let resource = match store_record(conn, batch, before.as_ref(), value, changed).await? {
        Ok((resource, _)) => resource,
        Err(taken) => return fail(vec![taken]),
    };
    Ok(ImportRowResult {
        row_number,
        outcome: outcome(before.is_some(), changed) as i32,
        external_id,
        resource,
        warnings,
        ..Default::default()
    })
}

/// The organisation a person row's affiliation cells name, `organizations/{id}`.
pub(super) fn affiliation_organization(
    known: &Known,
    cells: &format::AffiliationCells,
) -> Result<String, ImportIssue> {
    let live = |row: &RecordRow, column: &str| -> Result<String, ImportIssue> {
        let stored = Stored::<Organization>::decode(row.clone())
            .map_err(|e| issue(column, "INVALID_VALUE", e.to_string()))?;
        match unwritable(&stored, column) {
            Some(refused) => Err(refused),
            None => Ok(stored.name()),
        }
    };
    let by_name = match cells.organization.as_deref() {
        None => None,
        Some(name) => {
            let id = parse_name("organizations", name, "organization").map_err(|_| {
                issue(
                    "organization",
                    "INVALID_VALUE",
                    format!("\"{name}\" is not a name like organizations/{{id}}"),
                )
            })?;
            let row = known.organizations_by_id.get(id).ok_or_else(|| {
                issue(
                    "organization",
                    "NOT_FOUND",
                    format!("{name} does not exist"),
                )
            })?;
            Some(live(row, "organization")?)
        }
    };
    let by_external_id = match cells.organization_external_id.as_deref() {
        None => None,
        Some(external_id) => {
            let row = known
                .organizations_by_external_id
                .get(external_id)
                .ok_or_else(|| {
                    issue(
                        "organization_external_id",
                        "NOT_FOUND",
                        format!("no organisation has external_id \"{external_id}\""),
                    )
                })?;
            Some(live(row, "organization_external_id")?)
        }
    };
    match (by_name, by_external_id) {
        (Some(a), Some(b)) if a != b => Err(issue(
            "organization_external_id",
            "ORGANIZATION_MISMATCH",
            format!("names {b}, but the organization column names {a}"),
        )),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Err(issue(
            "organization",
            "REQUIRED",
            "the affiliation needs its organisation",
        )),
    }
}

/// Makes the person's affiliation at `organization` the primary one, updating a live one
/// there or creating it, and clearing `primary` on the others. Returns whether anything
/// changed (or would, in a dry run). `person_id` is `None` for a person a dry run would
/// create.
pub(super) async fn set_primary_affiliation<C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    person_id: Option<&str>,
    wanted: Affiliation,
) -> Result<bool, Error> {
    let Some(person_id) = person_id else {
        return Ok(true);
    };
    let mut query = ListQuery::new(RecordKind::Affiliation);
    query.parent_id = Some(person_id.to_owned());
    let mut existing = Vec::new();
    for row in conn.list(&query).await? {
        existing.push(Stored::<Affiliation>::decode(row)?);
    }
    let at_organization = existing
        .iter()
        .filter(|a| a.value.organization == wanted.organization)
        .max_by_key(|a| a.value.primary)
        .map(|a| a.row.id.clone());
    let mut changed = false;
    for other in &existing {
        if other.value.primary && Some(&other.row.id) != at_organization.as_ref() {
            changed = true;
            if !batch.dry_run {
                let mut after = other.clone();
                after.value.primary = false;
                lifecycle::save(conn, batch.writer, other, after, "updated", Vec::new()).await?;
            }
        }
    }
    match existing
        .iter()
        .find(|a| Some(&a.row.id) == at_organization.as_ref())
    {
        Some(before) => {
            let mut after = before.clone();
            after.value.primary = true;
            if batch.has_title {
                after.value.title = wanted.title;
            }
            if batch.has_department {
                after.value.department = wanted.department;
            }
            children::normalize_affiliation(&mut after.value, "affiliation", batch.today)
                .map_err(Error::InvalidArgument)?;
            if !children::changes_affiliation(&before.value, &after.value).is_empty() {
                changed = true;
                if !batch.dry_run {
                    lifecycle::save(conn, batch.writer, before, after, "updated", Vec::new())
                        .await?;
                }
            }
        }
        None => {
            changed = true;
            if !batch.dry_run {
                lifecycle::create(conn, batch.writer, Some(person_id.to_owned()), wanted).await?;
            }
        }
    }
    Ok(changed)
}

pub(super) async fn import_person<C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    known: &Known,
    seen: &mut Seen,
    creates: &mut Vec<(i64, NewRecord)>,
    row_number: i64,
    row: PersonRow,
) -> Result<ImportRowResult, Error> {
    let external_id = row.external_id.clone().unwrap_or_default();
    let fail = |errors| Ok(failed(row_number, &external_id, errors));
    let before = match match_record::<Person>(
        known,
        seen,
        row_number,
        row.name.as_deref(),
        row.external_id.as_deref(),
    )? {
        Matched::Refused(refused) => return fail(vec![refused]),
        Matched::Nothing => None,
        Matched::Record(stored) => Some(*stored),
    };
    // Everything the row would write is checked before its first write, so that a refused
    // row leaves nothing behind in the transaction the other rows commit.
    let affiliation = match &row.affiliation {
        None => None,
        Some(cells) => {
            let organization = match affiliation_organization(known, cells) {
                Ok(organization) => organization,
                Err(refused) => return fail(vec![refused]),
            };
            let mut wanted = Affiliation {
                organization,
                title: cells.title.clone(),
                department: cells.department.clone(),
                primary: true,
                ..Default::default()
            };
            if let Err(violations) =
                children::normalize_affiliation(&mut wanted, "affiliation", batch.today)
            {
                return fail(issues_from_violations(&violations, "affiliation"));
            }
            Some(wanted)
        }
    };
    let mut value = match (&before, &batch.mask) {
        (None, _) => row.person,
        (Some(stored), None) => stored.value.clone(),
        (Some(stored), Some(mask)) => {
            let mut value = stored.value.clone();
            let mut patch = row.person;
            if mask.contains("addresses") {
                patch.addresses = replace_primary_address(&value.addresses, patch.addresses);
            }
            // A caller who may not read this person's birth date saw it exported empty: an
            // empty cell leaves it, a date in the cell writes it.
            let named = patch.birth_date.is_some();
            let reads = batch.admin || !stored.value.youth;
            person::apply_update_person(&mut value, &patch, mask, named, reads);
            value
        }
    };
    if let Err(violations) = person::normalize_person(&mut value, "person", batch.today) {
        return fail(issues_from_violations(&violations, "person"));
    }
    if before.is_none() {
        let row = ImportRowResult {
            row_number,
            external_id,
            ..Default::default()
        };
        return import_new(conn, batch, creates, row, value, |v| {
            NewRecord::Person(Box::new((v, affiliation)))
        })
        .await;
    }
    let person_changed = before
        .as_ref()
        .is_none_or(|b| !person::changes_person(&b.value, &value).is_empty());
    let (resource, person_id) =
        match store_record(conn, batch, before.as_ref(), value, person_changed).await? {
            Ok(stored) => stored,
            Err(taken) => return fail(vec![taken]),
        };
    let affiliation_changed = match affiliation {
        None => false,
        Some(wanted) => set_primary_affiliation(conn, batch, person_id.as_deref(), wanted).await?,
    };
    Ok(ImportRowResult {
        row_number,
        outcome: outcome(before.is_some(), person_changed || affiliation_changed) as i32,
        external_id,
        resource,
        ..Default::default()
    })
}

/// Matches and writes rows from the front of `pending` until it is empty or the
/// transaction's time is up; the rows left wait for the next transaction.
pub(super) async fn import_rows<C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    kind: RecordKind,
    seen: &mut Seen,
    pending: &mut VecDeque<Parsed>,
) -> Result<Vec<ImportRowResult>, Error> {
    let started = Instant::now();
    let collection = match kind {
        RecordKind::Person => "people",
        _ => "organizations",
    };
    let known = prefetch(conn, kind, collection, pending).await?;
    let mut results = Vec::new();
    let mut creates = Vec::new();
    while let Some((row_number, parsed)) = pending.pop_front() {
        let result = match parsed {
            Err(row) => failed(row_number, &row.external_id, row.issues),
            Ok(Row::Organization(row)) => {
                import_organization(conn, batch, &known, seen, &mut creates, row_number, *row)
                    .await?
            }
            Ok(Row::Person(row)) => {
                import_person(conn, batch, &known, seen, &mut creates, row_number, *row).await?
            }
        };
        results.push(result);
        if started.elapsed() >= TRANSACTION_TIME_BUDGET {
            break;
        }
    }
    let created = create_new_records(conn, batch, creates).await?;
    for result in &mut results {
        if let Some((resource, likely)) = created.get(&result.row_number) {
            result.resource.clone_from(resource);
            result.likely_duplicates.clone_from(likely);
        }
    }
    Ok(results)
}

/// The likely duplicates of a row about to be created, when the answer changes what the
/// import does (policy SKIP) or is all it reports (a dry run).
pub(super) async fn likely_before_create<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    value: &R,
) -> Result<Vec<String>, Error> {
    if !batch.skip_likely && !batch.dry_run {
        return Ok(Vec::new());
    }
    Ok(
        duplicates::preview_duplicates(conn, value, &batch.thresholds)
            .await?
            .into_iter()
            .filter(|c| c.band == DuplicateBand::Likely as i32)
            .map(|c| c.record_a)
            .collect(),
    )
}

/// A row that matches no record: skipped when it is a likely duplicate and the policy says
/// so, otherwise created (at the transaction's end; in a dry run only reported). `row`
/// holds the row's number, external id and warnings.
pub(super) async fn import_new<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    creates: &mut Vec<(i64, NewRecord)>,
    row: ImportRowResult,
    value: R,
    new: impl FnOnce(R) -> NewRecord,
) -> Result<ImportRowResult, Error> {
    let likely = likely_before_create(conn, batch, &value).await?;
    if batch.skip_likely && !likely.is_empty() {
        return Ok(ImportRowResult {
            outcome: ImportRowOutcome::Skipped as i32,
            warnings: Vec::new(),
            likely_duplicates: likely,
            ..row
        });
    }
    if !batch.dry_run {
        creates.push((row.row_number, new(value)));
    }
    // Outside a dry run the likely duplicates are found once the record exists.
    Ok(ImportRowResult {
        outcome: ImportRowOutcome::Created as i32,
        likely_duplicates: likely,
        ..row
    })
}

/// A record a row creates. Creates wait until the transaction's other rows are done and
/// then go in together, a few statements for all of them instead of several per row.
pub(super) enum NewRecord {
    Organization(Box<Organization>),
    /// A person and their primary affiliation.
    Person(Box<(Person, Option<Affiliation>)>),
}

/// Creates the records of a transaction's rows (with a new person's primary affiliation),
/// then looks for their duplicates, keeping the candidates; returns each row's resource name
/// and likely duplicates by row number.
pub(super) async fn create_new_records<C: Register + Journal + Send>(
    conn: &mut C,
    batch: &Batch<'_>,
    creates: Vec<(i64, NewRecord)>,
) -> Result<HashMap<i64, (String, Vec<String>)>, Error> {
    let mut organizations = Vec::new();
    let mut organization_rows = Vec::new();
    let mut people = Vec::new();
    let mut person_rows = Vec::new();
    for (row_number, record) in creates {
        match record {
            NewRecord::Organization(o) => {
                organizations.push((None, *o));
                organization_rows.push(row_number);
            }
            NewRecord::Person(new) => {
                let (p, affiliation) = *new;
                people.push((None, p));
                person_rows.push((row_number, affiliation));
            }
        }
    }
    let mut names = HashMap::new();
    let stored = lifecycle::create_many(conn, batch.writer, organizations).await?;
    let likely = duplicates::detect_created(conn, batch.writer, &stored, &batch.thresholds).await?;
    for ((row_number, stored), likely) in organization_rows.into_iter().zip(stored).zip(likely) {
        names.insert(row_number, (stored.name(), likely));
    }
    let stored = lifecycle::create_many(conn, batch.writer, people).await?;
    let likely = duplicates::detect_created(conn, batch.writer, &stored, &batch.thresholds).await?;
    let mut affiliations = Vec::new();
    for (((row_number, affiliation), stored), likely) in
        person_rows.into_iter().zip(stored).zip(likely)
    {
        if let Some(affiliation) = affiliation {
            affiliations.push((Some(stored.row.id.clone()), affiliation));
        }
        names.insert(row_number, (stored.name(), likely));
    }
    lifecycle::create_many(conn, batch.writer, affiliations).await?;
    Ok(names)
}

impl ContactsApi {
    /// Checks an import request and its content's structure, then streams the import from
    /// a task. `message` builds the call's response message.
    pub(super) fn start_import<M: Send + 'static>(
        &self,
        caller: Caller,
        method: &'static str,
        kind: format::RecordKind,
        request: ImportRequest,
        message: fn(ImportProgress, Vec<ImportRowResult>) -> M,
    ) -> Result<BoxStream<M>, Status> {
        if request.content.len() > MAX_CONTENT_BYTES {
            return Err(Error::invalid(
                "csv_content",
                "holds at most 32 MiB: send a larger file as several calls, each with the \
                 header and a slice of whole rows, and first_row_number set",
            )
            .into());
        }
        let layout = format::check_structure(&request.content, kind, request.first_row_number)
            .map_err(|e| structure_status(&e))?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let api = self.clone();
        tokio::spawn(async move {
            api.run_import(caller, method, request, layout, tx, message)
                .await;
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    pub(super) async fn run_import<M: Send + 'static>(
        self,
        caller: Caller,
        method: &'static str,
        request: ImportRequest,
        layout: Layout,
        tx: mpsc::Sender<Result<M, Status>>,
        message: fn(ImportProgress, Vec<ImportRowResult>) -> M,
    ) {
        let ImportRequest {
            content,
            dry_run,
            first_row_number,
            report_all_rows,
            skip_likely,
        } = request;
        let (kind, updatable) = match layout.kind() {
            format::RecordKind::Organization => {
                (RecordKind::Organization, organization::UPDATABLE_FIELDS)
            }
            format::RecordKind::Person => (RecordKind::Person, person::UPDATABLE_FIELDS),
        };
        let mask = match header_mask(&layout, updatable) {
            Ok(mask) => mask,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        let batch = Batch {
            writer: Writer {
                caller: &caller,
                method,
                request_id: None,
            },
            admin: caller.has_role(Role::Admin),
            dry_run,
            today: today(),
            mask,
            has_title: layout.has("title"),
            has_department: layout.has("department"),
            thresholds: self.thresholds,
            skip_likely,
        };
        let mut rows: Box<dyn Iterator<Item = Parsed> + Send + '_> = match layout.kind() {
            format::RecordKind::Organization => Box::new(
                format::organization_rows(&content, &layout, first_row_number)
                    .map(|(n, r)| (n, r.map(|o| Row::Organization(Box::new(o))))),
            ),
            format::RecordKind::Person => Box::new(
                format::person_rows(&content, &layout, first_row_number)
                    .map(|(n, r)| (n, r.map(|p| Row::Person(Box::new(p))))),
            ),
        };
        let mut tally = Tally::new(layout.rows_total, dry_run);
        if tx
            .send(Ok(message(tally.snapshot(false), Vec::new())))
            .await
            .is_err()
        {
            return;
        }
        let mut seen = Seen::default();
        let mut pending: VecDeque<Parsed> = VecDeque::new();
        loop {
            while pending.len() < MAX_ROWS_PER_TRANSACTION {
                match rows.next() {
                    Some(row) => pending.push_back(row),
                    None => break,
                }
            }
            if pending.is_empty() {
                break;
            }
            let results = match self
                .import_batch(&batch, kind, &mut seen, &mut pending)
                .await
            {
                Ok(results) => results,
                Err(e) => {
                    // Nothing of this transaction was committed or reported; the rows
                    // reported before were committed.
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            for result in &results {
                tally.add(result);
            }
            let reported = results
                .into_iter()
                .filter(|r| report_all_rows || worth_reporting(r))
                .collect();
            if tx
                .send(Ok(message(tally.snapshot(false), reported)))
                .await
                .is_err()
            {
                return;
            }
        }
        let _ = tx.send(Ok(message(tally.snapshot(true), Vec::new()))).await;
    }

    /// One transaction of an import (a read-only connection in a dry run).
    pub(super) async fn import_batch(
        &self,
        batch: &Batch<'_>,
        kind: RecordKind,
        seen: &mut Seen,
        pending: &mut VecDeque<Parsed>,
    ) -> Result<Vec<ImportRowResult>, Error> {
        if batch.dry_run {
            Ok(with_connection!(self.db, |conn| {
                import_rows(conn, batch, kind, seen, pending).await?
            }))
        } else {
            write_transaction!(self.db, |conn| {
                import_rows(conn, batch, kind, seen, pending).await
            })
        }
    }

    pub(in crate::api) fn import_organizations(
        &self,
        request: tonic::Request<ImportOrganizationsRequest>,
    ) -> Result<BoxStream<ImportOrganizationsResponse>, Status> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request = ImportRequest {
            content: r.csv_content,
            dry_run: r.dry_run,
            first_row_number: first_row_number(r.first_row_number)?,
            report_all_rows: r.report_all_rows,
            skip_likely: r.duplicate_policy == ImportDuplicatePolicy::Skip as i32,
        };
        self.start_import(
            caller,
            method!("ImportOrganizations"),
            format::RecordKind::Organization,
            request,
            |progress, row_results| ImportOrganizationsResponse {
                progress: Some(progress),
                row_results,
            },
        )
    }

    pub(in crate::api) fn import_people(
        &self,
        request: tonic::Request<ImportPeopleRequest>,
    ) -> Result<BoxStream<ImportPeopleResponse>, Status> {
        let caller = caller(&request, Need::Write)?;
        let r = request.into_inner();
        let request = ImportRequest {
            content: r.csv_content,
            dry_run: r.dry_run,
            first_row_number: first_row_number(r.first_row_number)?,
            report_all_rows: r.report_all_rows,
            skip_likely: r.duplicate_policy == ImportDuplicatePolicy::Skip as i32,
        };
        self.start_import(
            caller,
            method!("ImportPeople"),
            format::RecordKind::Person,
            request,
            |progress, row_results| ImportPeopleResponse {
                progress: Some(progress),
                row_results,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(line: &str, primary: bool) -> PostalAddress {
        PostalAddress {
            address_lines: vec![line.to_owned()],
            primary,
            ..Default::default()
        }
    }

    #[test]
    fn the_row_address_replaces_only_the_primary_one() {
        let current = vec![address("a", false), address("b", true)];
        let replaced = replace_primary_address(&current, vec![address("c", true)]);
        assert_eq!(replaced, vec![address("a", false), address("c", true)]);
        let removed = replace_primary_address(&current, Vec::new());
        assert_eq!(removed, vec![address("a", false)]);
        let added = replace_primary_address(&[], vec![address("c", true)]);
        assert_eq!(added, vec![address("c", true)]);
        let first = replace_primary_address(&[address("a", false)], vec![address("c", true)]);
        assert_eq!(first, vec![address("c", false)]);
    }

    #[test]
    fn first_row_number_defaults_to_two() {
        assert_eq!(first_row_number(0).ok(), Some(2));
        assert_eq!(first_row_number(1001).ok(), Some(1001));
        assert!(first_row_number(1).is_err());
        assert!(first_row_number(-5).is_err());
    }

    #[test]
    fn a_website_completed_with_a_scheme_is_noted() {
        assert!(website_warning("example.org", "https://example.org").is_some());
        assert!(website_warning("https://example.org", "https://example.org").is_none());
        assert!(website_warning("", "").is_none());
    }
}
