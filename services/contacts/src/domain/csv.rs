//! The CSV format of import and export (see `csv.proto`), without I/O: the column lists, the
//! structural check that runs before anything is written, lazy row parsing into records, the
//! mapping of validation errors back to columns, and the writer that export streams from.
//!
//! Export writes every cell exactly as import reads it, so an exported file imports back
//! unchanged.

use engage_api::contacts::{
    AddressKind, AgeBracket, EcosocStatus, EmailAddress, ImportIssue, Organization, Person,
    PhoneNumber, PostalAddress,
};
use engage_api::types::{Date, RegionalGroup, Sector, ThematicArea};

/// The most characters a cell may hold.
pub const MAX_CELL_CHARS: usize = 65_536;

/// The row number of the first data row when a request leaves it unset.
pub const DEFAULT_FIRST_ROW_NUMBER: i64 = 2;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Organisation columns in the order export writes them (and the contract lists them).
pub const ORGANIZATION_COLUMNS: &[&str] = &[
    "name",
    "external_id",
    "display_name",
    "acronym",
    "alternative_names",
    "sector",
    "country_code",
    "website",
    "emails",
    "phones",
    "thematic_areas",
    "tags",
    "ecosoc_status",
    "ecosoc_status_year",
    "description",
    "address_kind",
    "address_lines",
    "address_locality",
    "address_region",
    "address_postal_code",
    "address_country_code",
    "regional_group",
    "merged_into",
    "create_time",
    "update_time",
    "delete_time",
];

/// Person columns in the order export writes them (and the contract lists them).
pub const PERSON_COLUMNS: &[&str] = &[
    "name",
    "external_id",
    "display_name",
    "honorific_prefix",
    "given_name",
    "family_name",
    "emails",
    "phones",
    "country_code",
    "languages",
    "youth",
    "birth_date",
    "age_bracket",
    "thematic_areas",
    "tags",
    "notes",
    "address_kind",
    "address_lines",
    "address_locality",
    "address_region",
    "address_postal_code",
    "address_country_code",
    "organization",
    "organization_external_id",
    "title",
    "department",
    "regional_group",
    "organization_display_name",
    "merged_into",
    "create_time",
    "update_time",
    "delete_time",
];

const ORGANIZATION_REQUIRED: &[&str] = &["display_name", "sector"];

/// Columns that export writes but import ignores, so an edited export can be sent back.
const OUTPUT_ONLY: &[&str] = &[
    "regional_group",
    "organization_display_name",
    "merged_into",
    "create_time",
    "update_time",
    "delete_time",
];

/// Which register a CSV file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Organisations, columns [`ORGANIZATION_COLUMNS`].
    Organization,
    /// People, columns [`PERSON_COLUMNS`].
    Person,
}

impl RecordKind {
    /// Every column of this kind, in export order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            RecordKind::Organization => ORGANIZATION_COLUMNS,
            RecordKind::Person => PERSON_COLUMNS,
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            RecordKind::Organization => ORGANIZATION_REQUIRED,
            RecordKind::Person => &[],
        }
    }
}

/// The columns an export writes: those asked for, in the order asked, or all of them in
/// export order when none are. The error message names the unknown or repeated column.
pub fn parse_columns(
    requested: &[String],
    all: &[&'static str],
) -> Result<Vec<&'static str>, String> {
    if requested.is_empty() {
        return Ok(all.to_vec());
    }
    let mut columns: Vec<&'static str> = Vec::with_capacity(requested.len());
    for name in requested {
        let wanted = name.trim();
        let Some(column) = all.iter().find(|c| c.eq_ignore_ascii_case(wanted)) else {
            return Err(format!("unknown column \"{wanted}\""));
        };
        if columns.contains(column) {
            return Err(format!("column \"{column}\" is asked for twice"));
        }
        columns.push(column);
    }
    Ok(columns)
}

// ---------------------------------------------------------------------------------------------
// Structural check
// ---------------------------------------------------------------------------------------------

/// Why a file cannot be imported at all, and at which row (as a spreadsheet numbers them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {message}")]
pub struct StructureError {
    /// Row number: the header is 1, data rows count from the request's first_row_number.
    pub row: i64,
    /// What is wrong, in plain English.
    pub message: String,
}

impl StructureError {
    fn new(row: i64, message: impl Into<String>) -> Self {
        Self {
            row,
            message: message.into(),
        }
    }
}

/// What the structural check learnt about a file: which column each cell position holds and
/// how many data rows there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    kind: RecordKind,
    columns: Vec<&'static str>,
    /// Number of data rows (the header not counted).
    pub rows_total: i64,
}

impl Layout {
    /// The register the file is for.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The column of each cell position, in the file's order.
    pub fn columns(&self) -> &[&'static str] {
        &self.columns
    }

    /// Whether the header carries `column`.
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }

    /// Update-mask paths of the fields the header carries: an update writes only these, and
    /// an empty cell in one of them clears the field.
    pub fn present_fields(&self) -> Vec<&'static str> {
        let mut paths: Vec<&'static str> = Vec::new();
        for column in &self.columns {
            let path = match *column {
                "name" | "organization" | "organization_external_id" | "title" | "department" => {
                    None
                }
                c if OUTPUT_ONLY.contains(&c) => None,
                c if c.starts_with("address_") => Some("addresses"),
                c => Some(c),
            };
            if let Some(path) = path
                && !paths.contains(&path)
            {
                paths.push(path);
            }
        }
        paths
    }
}

fn strip_bom(content: &[u8]) -> &[u8] {
    content.strip_prefix(UTF8_BOM).unwrap_or(content)
}

/// A reader that leaves header handling, cell counts and trimming to this module, so that
/// every problem is reported in the contract's words and row numbers.
fn reader(content: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content)
}

/// Where a record's quoting breaks RFC 4180, which the csv crate silently tolerates: a quote
/// inside an unquoted cell, text after a closing quote, or a quoted cell never closed.
fn quoting_problem(raw: &[u8]) -> Option<&'static str> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        CellStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    for &byte in raw {
        state = match (state, byte) {
            (State::CellStart, b'"') => State::Quoted,
            (State::CellStart | State::Unquoted | State::QuoteInQuoted, b',' | b'\r' | b'\n') => {
                State::CellStart
            }
            (State::CellStart | State::Unquoted, _) if byte == b'"' => {
                return Some("a quote inside a cell that does not start with a quote");
            }
            (State::CellStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) => {
                return Some("text after the closing quote of a cell");
            }
        };
    }
    if state == State::Quoted {
        Some("a quoted cell is not closed (missing closing quote)")
    } else {
        None
    }
}

/// Reads the next record and checks its quoting and encoding; `Ok(false)` at the end.
fn read_checked(
    reader: &mut csv::Reader<&[u8]>,
    content: &[u8],
    record: &mut csv::ByteRecord,
    row: i64,
) -> Result<bool, StructureError> {
    let start = reader.position().byte();
    let more = reader
        .read_byte_record(record)
        .map_err(|e| StructureError::new(row, format!("unreadable CSV: {e}")))?;
    if !more {
        return Ok(false);
    }
    let end = reader.position().byte();
    let raw = usize::try_from(start)
        .ok()
        .zip(usize::try_from(end).ok())
        .and_then(|(s, e)| content.get(s..e))
        .unwrap_or_default();
    if let Some(problem) = quoting_problem(raw) {
        return Err(StructureError::new(row, problem));
    }
    if std::str::from_utf8(record.as_slice()).is_err() {
        return Err(StructureError::new(
            row,
            "the text is not UTF-8 (save the file as \"CSV UTF-8\")",
        ));
    }
    Ok(true)
}

/// Maps header cells to columns: names case-insensitively, in any order, each at most once,
/// the required ones present.
fn header_columns(
    header: &csv::ByteRecord,
    kind: RecordKind,
) -> Result<Vec<&'static str>, StructureError> {
    let all = kind.columns();
    let mut columns: Vec<&'static str> = Vec::with_capacity(header.len());
    for cell in header.iter() {
        let name = String::from_utf8_lossy(cell);
        let name = name.trim();
        if name.is_empty() {
            return Err(StructureError::new(
                1,
                "the header has an empty column name",
            ));
        }
        let Some(column) = all.iter().find(|c| c.eq_ignore_ascii_case(name)) else {
            return Err(StructureError::new(
                1,
                format!("unknown column \"{name}\" in the header"),
            ));
        };
        if columns.contains(column) {
            return Err(StructureError::new(
                1,
                format!("column \"{column}\" appears twice in the header"),
            ));
        }
        columns.push(column);
    }
    if let Some(missing) = kind.required().iter().find(|c| !columns.contains(c)) {
        return Err(StructureError::new(
            1,
            format!("the header lacks the required column \"{missing}\""),
        ));
    }
    Ok(columns)
}

/// Checks the whole content before anything is written: UTF-8 (a leading byte-order mark is
/// skipped), RFC 4180 quoting, the header, and the same cell count on every row. Streams over
/// the content, holding one record at a time. `first_row_number` is the request's (the row
/// number of the first data row), so errors name the rows of the user's file.
pub fn check_structure(
    content: &[u8],
    kind: RecordKind,
    first_row_number: i64,
) -> Result<Layout, StructureError> {
    let content = strip_bom(content);
    let mut reader = reader(content);
    let mut record = csv::ByteRecord::new();
    if !read_checked(&mut reader, content, &mut record, 1)? {
        return Err(StructureError::new(
            1,
            "the content is empty: the first row must be the header",
        ));
    }
    let columns = header_columns(&record, kind)?;
    let mut rows_total: i64 = 0;
    loop {
        let row = first_row_number + rows_total;
        if !read_checked(&mut reader, content, &mut record, row)? {
            break;
        }
        if record.len() != columns.len() {
            return Err(StructureError::new(
                row,
                format!(
                    "the row has {} cells but the header has {}",
                    record.len(),
                    columns.len()
                ),
            ));
        }
        rows_total += 1;
    }
    Ok(Layout {
        kind,
        columns,
        rows_total,
    })
}

// ---------------------------------------------------------------------------------------------
// Row parsing
// ---------------------------------------------------------------------------------------------

/// One data row of an organisation import, read but not yet validated.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationRow {
    /// The `name` cell: the organisation the row updates, when set.
    pub name: Option<String>,
    /// The `external_id` cell, for matching when `name` is not set.
    pub external_id: Option<String>,
    /// The fields of the row. The address columns give at most one address, the primary one;
    /// none when all are empty (which removes the primary address on update).
    pub organization: Organization,
    /// Update-mask paths of the columns the header carries.
    pub present: Vec<&'static str>,
}

/// The primary-affiliation cells of a person row. Whether `organization` and
/// `organization_external_id` name the same organisation needs the register, so it is left
/// to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffiliationCells {
    /// The `organization` cell, `organizations/{id}`.
    pub organization: Option<String>,
    /// The `organization_external_id` cell.
    pub organization_external_id: Option<String>,
    /// The `title` cell.
    pub title: String,
    /// The `department` cell.
    pub department: String,
}

/// One data row of a person import, read but not yet validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    /// The `name` cell: the person the row updates, when set.
    pub name: Option<String>,
    /// The `external_id` cell, for matching when `name` is not set.
    pub external_id: Option<String>,
    /// The fields of the row, as for [`OrganizationRow::organization`].
    pub person: Person,
    /// Update-mask paths of the columns the header carries.
    pub present: Vec<&'static str>,
    /// The primary affiliation, when the row names an organisation.
    pub affiliation: Option<AffiliationCells>,
}

fn issue(column: &str, code: &str, reason: impl Into<String>) -> ImportIssue {
    ImportIssue {
        column: column.to_string(),
        reason: reason.into(),
        code: code.to_string(),
    }
}

/// Data records one by one, with their row numbers; a record that cannot be read is an issue
/// of the whole row (only possible when the structural check was skipped).
fn data_records(
    content: &[u8],
    first_row_number: i64,
) -> impl Iterator<Item = (i64, Result<csv::StringRecord, ImportIssue>)> + '_ {
    reader(strip_bom(content))
        .into_records()
        .skip(1)
        .zip(first_row_number..)
        .map(|(record, row)| {
            let record = record.map_err(|e| issue("", "INVALID_ROW", format!("{e}")));
            (row, record)
        })
}

/// The cells of one record with their columns, the too-long ones reported and left out.
fn cells<'r>(
    record: &'r csv::StringRecord,
    layout: &'r Layout,
    issues: &'r mut Vec<ImportIssue>,
) -> impl Iterator<Item = (&'static str, &'r str)> + 'r {
    layout
        .columns
        .iter()
        .zip(record.iter())
        .filter_map(move |(&column, raw)| {
            if raw.chars().count() > MAX_CELL_CHARS {
                issues.push(issue(
                    column,
                    "TOO_LONG",
                    format!("the cell holds more than {MAX_CELL_CHARS} characters"),
                ));
                None
            } else {
                Some((column, raw.trim()))
            }
        })
}

fn non_empty(cell: &str) -> Option<String> {
    (!cell.is_empty()).then(|| cell.to_string())
}

/// Items of a list cell, trimmed, empty items dropped.
fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn emails(cell: &str) -> Vec<EmailAddress> {
    list(cell)
        .into_iter()
        .enumerate()
        .map(|(i, address)| EmailAddress {
            address,
            primary: i == 0,
            ..Default::default()
        })
        .collect()
}

fn phones(cell: &str) -> Vec<PhoneNumber> {
    list(cell)
        .into_iter()
        .enumerate()
        .map(|(i, original_text)| PhoneNumber {
            original_text,
            primary: i == 0,
            ..Default::default()
        })
        .collect()
}

/// Highest enum number looked at when reading an enum cell; the contract's enums are small.
const MAX_ENUM_VALUE: i32 = 64;

/// Reads an enum cell: the value name in lower case without its prefix. `Ok(0)` (unset) when
/// empty; the UNSPECIFIED name itself is refused, as it would silently unset the field. The
/// issue lists the accepted values, so the user can fix the cell without the documentation.
fn enum_value(
    cell: &str,
    column: &str,
    prefix: &str,
    name_of: impl Fn(i32) -> Option<&'static str>,
) -> Result<i32, ImportIssue> {
    if cell.is_empty() {
        return Ok(0);
    }
    let wanted = cell.to_ascii_lowercase();
    let values =
        (1..=MAX_ENUM_VALUE).filter_map(|v| name_of(v).map(|n| (v, enum_cell(Some(n), prefix))));
    let mut accepted = Vec::new();
    for (value, name) in values {
        if name == wanted {
            return Ok(value);
        }
        accepted.push(name);
    }
    Err(issue(
        column,
        "INVALID_ENUM",
        format!(
            "unknown value \"{cell}\"; expected one of: {}",
            accepted.join(", ")
        ),
    ))
}

fn sector(cell: &str, column: &str) -> Result<i32, ImportIssue> {
    enum_value(cell, column, "SECTOR_", |v| {
        Sector::try_from(v).ok().map(|e| e.as_str_name())
    })
}

fn thematic_areas(cell: &str, column: &str, issues: &mut Vec<ImportIssue>) -> Vec<i32> {
    let mut areas = Vec::new();
    for item in list(cell) {
        match enum_value(&item, column, "THEMATIC_AREA_", |v| {
            ThematicArea::try_from(v).ok().map(|e| e.as_str_name())
        }) {
            Ok(area) => areas.push(area),
            Err(e) => issues.push(e),
        }
    }
    areas
}

/// Reads a YYYY-MM-DD cell; `None` when empty.
fn date(cell: &str, column: &str) -> Result<Option<Date>, ImportIssue> {
    if cell.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        issue(
            column,
            "INVALID_DATE",
            format!("\"{cell}\" is not a date written YYYY-MM-DD"),
        )
    };
    let parts: Vec<&str> = cell.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(invalid());
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(invalid());
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year) && digits(month) && digits(day)) {
        return Err(invalid());
    }
    let (Ok(year), Ok(month), Ok(day)) = (year.parse::<i32>(), month.parse::<u8>(), day.parse())
    else {
        return Err(invalid());
    };
    let month_name = time::Month::try_from(month).map_err(|_| invalid())?;
    if year < 1 || time::Date::from_calendar_date(year, month_name, day).is_err() {
        return Err(invalid());
    }
    Ok(Some(Date {
        year,
        month: i32::from(month),
        day: i32::from(day),
    }))
}

fn boolean(cell: &str, column: &str) -> Result<bool, ImportIssue> {
    if cell.is_empty() || cell.eq_ignore_ascii_case("false") {
        Ok(false)
    } else if cell.eq_ignore_ascii_case("true") {
        Ok(true)
    } else {
        Err(issue(
            column,
            "INVALID_BOOLEAN",
            format!("\"{cell}\" is neither true nor false"),
        ))
    }
}

/// The address columns of a row, gathered into the primary address.
#[derive(Default)]
struct AddressCells {
    address: PostalAddress,
    any: bool,
}

impl AddressCells {
    /// Takes an `address_*` cell; returns false when `column` is not an address column.
    fn take(&mut self, column: &str, cell: &str, issues: &mut Vec<ImportIssue>) -> bool {
        let a = &mut self.address;
        match column {
            "address_kind" => match enum_value(cell, column, "ADDRESS_KIND_", |v| {
                AddressKind::try_from(v).ok().map(|e| e.as_str_name())
            }) {
                Ok(kind) => a.kind = kind,
                Err(e) => issues.push(e),
            },
            "address_lines" => a.address_lines = list(cell),
            "address_locality" => a.locality = cell.to_string(),
            "address_region" => a.region = cell.to_string(),
            "address_postal_code" => a.postal_code = cell.to_string(),
            "address_country_code" => a.country_code = cell.to_string(),
            _ => return false,
        }
        self.any |= !cell.is_empty();
        true
    }

    fn into_addresses(self) -> Vec<PostalAddress> {
        if self.any {
            vec![PostalAddress {
                primary: true,
                ..self.address
            }]
        } else {
            Vec::new()
        }
    }
}

/// A data row that could not be read: every issue found in it, and its `external_id` cell
/// (empty when there is none) so the row's result still names the row as the file does.
#[derive(Debug, Clone, PartialEq)]
pub struct RowIssues {
    /// The row's `external_id` cell.
    pub external_id: String,
    /// What is wrong with the row.
    pub issues: Vec<ImportIssue>,
}

impl RowIssues {
    fn of(external_id: Option<String>, issues: Vec<ImportIssue>) -> Self {
        Self {
            external_id: external_id.unwrap_or_default(),
            issues,
        }
    }
}

fn parse_organization(
    record: &csv::StringRecord,
    layout: &Layout,
) -> Result<OrganizationRow, RowIssues> {
    let mut org = Organization::default();
    let mut name = None;
    let mut external_id = None;
    let mut address = AddressCells::default();
    let mut issues = Vec::new();
    let mut cell_issues = Vec::new();
    for (column, cell) in cells(record, layout, &mut cell_issues) {
        match column {
            "name" => name = non_empty(cell),
            "external_id" => {
                external_id = non_empty(cell);
                org.external_id = cell.to_string();
            }
            "display_name" => {
                if cell.is_empty() {
                    issues.push(issue(column, "REQUIRED", "the display name is required"));
                }
                org.display_name = cell.to_string();
            }
            "acronym" => org.acronym = cell.to_string(),
            "alternative_names" => org.alternative_names = list(cell),
            "sector" => match sector(cell, column) {
                Ok(0) => issues.push(issue(column, "REQUIRED", "the sector is required")),
                Ok(value) => org.sector = value,
                Err(e) => issues.push(e),
            },
            "country_code" => org.country_code = cell.to_string(),
            "website" => org.website = cell.to_string(),
            "emails" => org.emails = emails(cell),
            "phones" => org.phones = phones(cell),
            "thematic_areas" => org.thematic_areas = thematic_areas(cell, column, &mut issues),
            "tags" => org.tags = list(cell),
            "ecosoc_status" => match enum_value(cell, column, "ECOSOC_STATUS_", |v| {
                EcosocStatus::try_from(v).ok().map(|e| e.as_str_name())
            }) {
                Ok(value) => org.ecosoc_status = value,
                Err(e) => issues.push(e),
            },
            "ecosoc_status_year" => {
                if !cell.is_empty() {
                    match cell.parse::<i32>() {
                        Ok(year) => org.ecosoc_status_year = year,
                        Err(_) => issues.push(issue(
                            column,
                            "INVALID_NUMBER",
                            format!("\"{cell}\" is not a year"),
                        )),
                    }
                }
            }
            "description" => org.description = cell.to_string(),
            other => {
                address.take(other, cell, &mut issues);
            }
        }
    }
    org.addresses = address.into_addresses();
    cell_issues.extend(issues);
    if !cell_issues.is_empty() {
        return Err(RowIssues::of(external_id, cell_issues));
    }
    Ok(OrganizationRow {
        name,
        external_id,
        organization: org,
        present: layout.present_fields(),
    })
}

fn parse_person(record: &csv::StringRecord, layout: &Layout) -> Result<PersonRow, RowIssues> {
    let mut person = Person::default();
    let mut name = None;
    let mut external_id = None;
    let mut address = AddressCells::default();
    let mut organization = None;
    let mut organization_external_id = None;
    let mut title = String::new();
    let mut department = String::new();
    let mut issues = Vec::new();
    let mut cell_issues = Vec::new();
    for (column, cell) in cells(record, layout, &mut cell_issues) {
        match column {
            "name" => name = non_empty(cell),
            "external_id" => {
                external_id = non_empty(cell);
                person.external_id = cell.to_string();
            }
            "display_name" => person.display_name = cell.to_string(),
            "honorific_prefix" => person.honorific_prefix = cell.to_string(),
            "given_name" => person.given_name = cell.to_string(),
            "family_name" => person.family_name = cell.to_string(),
            "emails" => person.emails = emails(cell),
            "phones" => person.phones = phones(cell),
            "country_code" => person.country_code = cell.to_string(),
            "languages" => person.languages = list(cell),
            "youth" => match boolean(cell, column) {
                Ok(youth) => person.youth = youth,
                Err(e) => issues.push(e),
            },
            "birth_date" => match date(cell, column) {
                Ok(birth_date) => person.birth_date = birth_date,
                Err(e) => issues.push(e),
            },
            "age_bracket" => match enum_value(cell, column, "AGE_BRACKET_", |v| {
                AgeBracket::try_from(v).ok().map(|e| e.as_str_name())
            }) {
                Ok(value) => person.age_bracket = value,
                Err(e) => issues.push(e),
            },
            "thematic_areas" => {
                person.thematic_areas = thematic_areas(cell, column, &mut issues);
            }
            "tags" => person.tags = list(cell),
            "notes" => person.notes = cell.to_string(),
            "organization" => organization = non_empty(cell),
            "organization_external_id" => organization_external_id = non_empty(cell),
            "title" => title = cell.to_string(),
            "department" => department = cell.to_string(),
            other => {
                address.take(other, cell, &mut issues);
            }
        }
    }
    person.addresses = address.into_addresses();

    // A person needs a given or a family name. Only the cases this row alone decides are
    // reported here; the rest (an update naming neither column) is the validator's.
    let (has_given, has_family) = (layout.has("given_name"), layout.has("family_name"));
    let nameless = person.given_name.is_empty() && person.family_name.is_empty();
    let creates = name.is_none() && external_id.is_none();
    if nameless && ((has_given && has_family) || ((has_given || has_family) && creates)) {
        let column = if has_given {
            "given_name"
        } else {
            "family_name"
        };
        issues.push(issue(
            column,
            "REQUIRED",
            "a given name or a family name is required",
        ));
    }

    let affiliation = if organization.is_some() || organization_external_id.is_some() {
        Some(AffiliationCells {
            organization,
            organization_external_id,
            title,
            department,
        })
    } else {
        if !title.is_empty() || !department.is_empty() {
            let column = if layout.has("organization") {
                "organization"
            } else {
                "organization_external_id"
            };
            issues.push(issue(
                column,
                "REQUIRED",
                "a title or department needs the organization it is held at",
            ));
        }
        None
    };

    cell_issues.extend(issues);
    if !cell_issues.is_empty() {
        return Err(RowIssues::of(external_id, cell_issues));
    }
    Ok(PersonRow {
        name,
        external_id,
        person,
        present: layout.present_fields(),
        affiliation,
    })
}

/// The data rows of an organisation file, one at a time, with their row numbers; a row with
/// bad cells gives every issue found in it. Run [`check_structure`] first.
pub fn organization_rows<'a>(
    content: &'a [u8],
    layout: &'a Layout,
    first_row_number: i64,
) -> impl Iterator<Item = (i64, Result<OrganizationRow, RowIssues>)> + 'a {
    data_records(content, first_row_number).map(move |(row, record)| {
        let parsed = record
            .map_err(|e| RowIssues::of(None, vec![e]))
            .and_then(|r| parse_organization(&r, layout));
        (row, parsed)
    })
}

/// The data rows of a person file, as [`organization_rows`] does for organisations.
pub fn person_rows<'a>(
    content: &'a [u8],
    layout: &'a Layout,
    first_row_number: i64,
) -> impl Iterator<Item = (i64, Result<PersonRow, RowIssues>)> + 'a {
    data_records(content, first_row_number).map(move |(row, record)| {
        let parsed = record
            .map_err(|e| RowIssues::of(None, vec![e]))
            .and_then(|r| parse_person(&r, layout));
        (row, parsed)
    })
}

// ---------------------------------------------------------------------------------------------
// Validation errors to row issues
// ---------------------------------------------------------------------------------------------

/// The CSV column a request field path lands in, such as `emails` for `emails[1].address`;
/// empty when no column carries the field.
fn column_of(path: &str) -> String {
    let head_end = path.find(['.', '[']).unwrap_or(path.len());
    let head = path.get(..head_end).unwrap_or(path);
    if head == "addresses" {
        let leaf = path
            .rsplit('.')
            .next()
            .map(|l| l.split('[').next().unwrap_or(l))
            .unwrap_or("");
        return match leaf {
            "kind" => "address_kind",
            "locality" => "address_locality",
            "region" => "address_region",
            "postal_code" => "address_postal_code",
            "country_code" => "address_country_code",
            _ => "address_lines",
        }
        .to_string();
    }
    if ORGANIZATION_COLUMNS.contains(&head) || PERSON_COLUMNS.contains(&head) {
        head.to_string()
    } else {
        String::new()
    }
}

/// A stable code for a violation, guessed from its column and description: the validator
/// speaks in sentences, the import report in codes a program can count.
fn code_of(column: &str, description: &str) -> &'static str {
    let d = description.to_ascii_lowercase();
    if d.contains("required") || d.contains("must not be empty") || d.contains("is empty") {
        return "REQUIRED";
    }
    if d.contains("character") && (d.contains("at most") || d.contains("long")) {
        return "TOO_LONG";
    }
    match column {
        "country_code" | "address_country_code" => "INVALID_COUNTRY",
        "emails" => "INVALID_EMAIL",
        "phones" => "INVALID_PHONE",
        "birth_date" => "INVALID_DATE",
        "languages" => "INVALID_LANGUAGE",
        "website" => "INVALID_URL",
        "tags" => "INVALID_TAG",
        "sector" | "thematic_areas" | "ecosoc_status" | "age_bracket" | "address_kind" => {
            "INVALID_ENUM"
        }
        _ if d.contains("at most") => "TOO_MANY",
        _ => "INVALID_VALUE",
    }
}

/// Turns the validator's violations of a record (paths such as `organization.emails[1].address`,
/// `prefix` being `organization` or `person`) into row issues naming CSV columns.
pub fn issues_from_violations(
    violations: &[engage_platform::Violation],
    prefix: &str,
) -> Vec<ImportIssue> {
    violations
        .iter()
        .map(|v| {
            let path = v.field.strip_prefix(prefix).unwrap_or(&v.field);
            let path = path.trim_start_matches('.');
            let column = column_of(path);
            let code = code_of(&column, &v.description);
            issue(&column, code, v.description.clone())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Why an export could not write a record.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The CSV writer failed (in memory, so only on a broken invariant).
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Flushing the writer into its buffer failed.
    #[error("writing CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes an export into memory, header first, so the stream can send it in chunks of whole
/// records with [`CsvWriter::take`].
pub struct CsvWriter {
    writer: csv::Writer<Vec<u8>>,
    columns: Vec<&'static str>,
    rows_written: i64,
}

fn new_writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(buffer)
}

/// An enum cell: the value name in lower case without its prefix; empty when unset.
fn enum_cell(name: Option<&str>, prefix: &str) -> String {
    match name {
        Some(name) if !name.ends_with("_UNSPECIFIED") => name
            .strip_prefix(prefix)
            .unwrap_or(name)
            .to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn date_cell(d: Option<&Date>) -> String {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        .unwrap_or_default()
}

/// A timestamp cell, RFC 3339 in UTC, with a fraction only when there is one.
fn timestamp_cell(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ts.seconds) else {
        return String::new();
    };
    let nanos = ts.nanos.clamp(0, 999_999_999);
    let fraction = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_string()
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn list_cell(items: &[String]) -> String {
    items.join(";")
}

/// Emails with the primary one first, since import makes the first one primary.
fn emails_cell(emails: &[EmailAddress]) -> String {
    let primary = emails.iter().filter(|e| e.primary);
    let others = emails.iter().filter(|e| !e.primary);
    primary
        .chain(others)
        .map(|e| e.address.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// Phones as entered, the primary one first.
fn phones_cell(phones: &[PhoneNumber]) -> String {
    let primary = phones.iter().filter(|p| p.primary);
    let others = phones.iter().filter(|p| !p.primary);
    primary
        .chain(others)
        .map(|p| p.original_text.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

fn thematic_areas_cell(areas: &[i32]) -> String {
    areas
        .iter()
        .map(|&a| {
            enum_cell(
                ThematicArea::try_from(a).ok().map(|e| e.as_str_name()),
                "THEMATIC_AREA_",
            )
        })
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(";")
}

fn regional_group_cell(group: i32) -> String {
    enum_cell(
        RegionalGroup::try_from(group).ok().map(|e| e.as_str_name()),
        "REGIONAL_GROUP_",
    )
}

/// The cell of an address column for the record's primary address (the first when none is
/// marked); `None` when `column` is not an address column.
fn address_cell(addresses: &[PostalAddress], column: &str) -> Option<String> {
    if !column.starts_with("address_") {
        return None;
    }
    let Some(a) = addresses
        .iter()
        .find(|a| a.primary)
        .or_else(|| addresses.first())
    else {
        return Some(String::new());
    };
    Some(match column {
        "address_kind" => enum_cell(
            AddressKind::try_from(a.kind).ok().map(|e| e.as_str_name()),
            "ADDRESS_KIND_",
        ),
        "address_lines" => list_cell(&a.address_lines),
        "address_locality" => a.locality.clone(),
        "address_region" => a.region.clone(),
        "address_postal_code" => a.postal_code.clone(),
        "address_country_code" => a.country_code.clone(),
        _ => String::new(),
    })
}

fn organization_cell(org: &Organization, column: &str) -> String {
    if let Some(cell) = address_cell(&org.addresses, column) {
        return cell;
    }
    match column {
        "name" => org.name.clone(),
        "external_id" => org.external_id.clone(),
        "display_name" => org.display_name.clone(),
        "acronym" => org.acronym.clone(),
        "alternative_names" => list_cell(&org.alternative_names),
        "sector" => enum_cell(
            Sector::try_from(org.sector).ok().map(|e| e.as_str_name()),
            "SECTOR_",
        ),
        "country_code" => org.country_code.clone(),
        "website" => org.website.clone(),
        "emails" => emails_cell(&org.emails),
        "phones" => phones_cell(&org.phones),
        "thematic_areas" => thematic_areas_cell(&org.thematic_areas),
        "tags" => list_cell(&org.tags),
        "ecosoc_status" => enum_cell(
            EcosocStatus::try_from(org.ecosoc_status)
                .ok()
                .map(|e| e.as_str_name()),
            "ECOSOC_STATUS_",
        ),
        "ecosoc_status_year" if org.ecosoc_status_year != 0 => org.ecosoc_status_year.to_string(),
        "description" => org.description.clone(),
        "regional_group" => regional_group_cell(org.regional_group),
        "merged_into" => org.merged_into.clone(),
        "create_time" => timestamp_cell(org.create_time.as_ref()),
        "update_time" => timestamp_cell(org.update_time.as_ref()),
        "delete_time" => timestamp_cell(org.delete_time.as_ref()),
        _ => String::new(),
    }
}

/// What a person row needs beside the person: its primary affiliation.
/// What a person row shows of the primary affiliation, read by the caller from the register.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportedAffiliation<'x> {
    /// The organisation's display name.
    pub organization_display_name: &'x str,
    /// The organisation's external id, so that a re-import can match it.
    pub organization_external_id: &'x str,
    /// The title held.
    pub title: &'x str,
    /// The department.
    pub department: &'x str,
}

fn person_cell(p: &Person, affiliation: &ExportedAffiliation<'_>, column: &str) -> String {
    if let Some(cell) = address_cell(&p.addresses, column) {
        return cell;
    }
    match column {
        "name" => p.name.clone(),
        "external_id" => p.external_id.clone(),
        "display_name" => p.display_name.clone(),
        "honorific_prefix" => p.honorific_prefix.clone(),
        "given_name" => p.given_name.clone(),
        "family_name" => p.family_name.clone(),
        "emails" => emails_cell(&p.emails),
        "phones" => phones_cell(&p.phones),
        "country_code" => p.country_code.clone(),
        "languages" => list_cell(&p.languages),
        "youth" => p.youth.to_string(),
        "birth_date" => date_cell(p.birth_date.as_ref()),
        "age_bracket" => enum_cell(
            AgeBracket::try_from(p.age_bracket)
                .ok()
                .map(|e| e.as_str_name()),
            "AGE_BRACKET_",
        ),
        "thematic_areas" => thematic_areas_cell(&p.thematic_areas),
        "tags" => list_cell(&p.tags),
        "notes" => p.notes.clone(),
        "organization" => p.primary_organization.clone(),
        "title" => affiliation.title.to_string(),
        "department" => affiliation.department.to_string(),
        "organization_display_name" => affiliation.organization_display_name.to_string(),
        "regional_group" => regional_group_cell(p.regional_group),
        "merged_into" => p.merged_into.clone(),
        "create_time" => timestamp_cell(p.create_time.as_ref()),
        "update_time" => timestamp_cell(p.update_time.as_ref()),
        "delete_time" => timestamp_cell(p.delete_time.as_ref()),
        "organization_external_id" => affiliation.organization_external_id.to_string(),
        _ => String::new(),
    }
}

impl CsvWriter {
    /// A writer for `columns` (from [`parse_columns`]) that has already written the header,
    /// after a UTF-8 byte-order mark when `utf8_bom` is set.
    pub fn new(columns: Vec<&'static str>, utf8_bom: bool) -> Result<Self, ExportError> {
        let buffer = if utf8_bom {
            UTF8_BOM.to_vec()
        } else {
            Vec::new()
        };
        let mut writer = new_writer(buffer);
        writer.write_record(&columns)?;
        writer.flush()?;
        Ok(Self {
            writer,
            columns,
            rows_written: 0,
        })
    }

    fn write<F: Fn(&str) -> String>(&mut self, cell: F) -> Result<(), ExportError> {
        self.writer
            .write_record(self.columns.iter().map(|c| cell(c)))?;
        // Flushed after every record so that `len` is exact and `take` gets whole records.
        self.writer.flush()?;
        self.rows_written += 1;
        Ok(())
    }

    /// Writes one organisation row.
    pub fn organization(&mut self, org: &Organization) -> Result<(), ExportError> {
        self.write(|column| organization_cell(org, column))
    }

    /// Writes one person row; the primary affiliation's cells come from the caller, who
    /// reads the affiliation. Pass a person whose withheld birth date is already cleared.
    pub fn person(
        &mut self,
        p: &Person,
        affiliation: &ExportedAffiliation<'_>,
    ) -> Result<(), ExportError> {
        self.write(|column| person_cell(p, affiliation, column))
    }

    /// The bytes written since the last call (the header and BOM included on the first),
    /// always whole records.
    pub fn take(&mut self) -> Vec<u8> {
        let old = std::mem::replace(&mut self.writer, new_writer(Vec::new()));
        match old.into_inner() {
            Ok(bytes) => bytes,
            // Unreachable with a Vec (writing to it cannot fail); keep what was flushed.
            Err(e) => e.into_inner().get_ref().clone(),
        }
    }

    /// Number of bytes waiting to be taken, to decide when a chunk is full.
    pub fn len(&self) -> usize {
        self.writer.get_ref().len()
    }

    /// Whether nothing waits to be taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Data rows written so far, the header not counted.
    pub fn rows_written(&self) -> i64 {
        self.rows_written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org_layout(content: &[u8]) -> Layout {
        match check_structure(content, RecordKind::Organization, 2) {
            Ok(layout) => layout,
            Err(e) => panic!("unexpected structure error: {e}"),
        }
    }

    fn structure_error(content: &[u8], kind: RecordKind) -> StructureError {
        match check_structure(content, kind, 2) {
            Ok(layout) => panic!("expected a structure error, got {layout:?}"),
            Err(e) => e,
        }
    }

    fn org_rows(content: &[u8]) -> Vec<(i64, Result<OrganizationRow, Vec<ImportIssue>>)> {
        let layout = org_layout(content);
        organization_rows(content, &layout, 2)
            .map(|(n, r)| (n, r.map_err(|failed| failed.issues)))
            .collect()
    }

    #[test]
    fn header_in_any_order_and_case() {
        let content = b"SECTOR,Display_Name,Emails\r\nngo,Foo,a@x.org; b@x.org\r\n";
        let layout = org_layout(content);
        assert_eq!(layout.columns(), &["sector", "display_name", "emails"]);
        assert_eq!(layout.rows_total, 1);
        let rows = org_rows(content);
        let Some((row, Ok(parsed))) = rows.into_iter().next() else {
            panic!("expected one good row");
        };
        assert_eq!(row, 2);
        assert_eq!(parsed.organization.display_name, "Foo");
        assert_eq!(parsed.organization.sector, Sector::Ngo as i32);
        assert_eq!(parsed.organization.emails.len(), 2);
        assert!(parsed.organization.emails[0].primary);
        assert!(!parsed.organization.emails[1].primary);
        assert_eq!(parsed.organization.emails[1].address, "b@x.org");
        assert_eq!(parsed.present, vec!["sector", "display_name", "emails"]);
    }

    #[test]
    fn wrong_headers_are_structure_errors_on_row_one() {
        let unknown = structure_error(
            b"display_name,sector,colour\nFoo,ngo,red\n",
            RecordKind::Organization,
        );
        assert_eq!(unknown.row, 1);
        assert!(unknown.message.contains("colour"), "{unknown}");

        let missing = structure_error(b"display_name\nFoo\n", RecordKind::Organization);
        assert_eq!(missing.row, 1);
        assert!(missing.message.contains("sector"), "{missing}");

        let missing = structure_error(b"sector\nngo\n", RecordKind::Organization);
        assert!(missing.message.contains("display_name"), "{missing}");

        let repeated = structure_error(
            b"display_name,sector,Sector\nFoo,ngo,ngo\n",
            RecordKind::Organization,
        );
        assert_eq!(repeated.row, 1);
        assert!(repeated.message.contains("twice"), "{repeated}");
    }

    #[test]
    fn bad_utf8_is_reported_on_its_row() {
        let e = structure_error(
            b"display_name,sector\nFoo,ngo\nCaf\xE9,ngo\n",
            RecordKind::Organization,
        );
        assert_eq!(e.row, 3);
        assert!(e.message.contains("UTF-8"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let e = structure_error(
            b"display_name,sector\nFoo,ngo\n\"Bar,ngo\nBaz,ngo\n",
            RecordKind::Organization,
        );
        assert_eq!(e.row, 3);
        assert!(e.message.contains("quote"), "{e}");

        let e = structure_error(
            b"display_name,sector\nFo\"o,ngo\n",
            RecordKind::Organization,
        );
        assert_eq!(e.row, 2);
    }

    #[test]
    fn a_wrong_cell_count_is_reported_on_its_row() {
        let e = structure_error(
            b"display_name,sector\nFoo,ngo\nBar,ngo\nBaz\n",
            RecordKind::Organization,
        );
        assert_eq!(e.row, 4);
        assert!(e.message.contains("1 cells"), "{e}");
    }

    #[test]
    fn first_row_number_shifts_data_rows() {
        let content = b"display_name,sector\nFoo,ngo\nBar\n";
        let e = match check_structure(content, RecordKind::Organization, 1001) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        };
        assert_eq!(e.row, 1002);
    }

    #[test]
    fn an_unknown_enum_value_fails_its_row() {
        let rows = org_rows(b"display_name,sector\nFoo,ngo\nBar,spaceship\n");
        assert_eq!(rows.len(), 2);
        assert!(rows[0].1.is_ok());
        let (row, result) = &rows[1];
        assert_eq!(*row, 3);
        let Err(issues) = result else {
            panic!("expected issues");
        };
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].column, "sector");
        assert_eq!(issues[0].code, "INVALID_ENUM");
        assert!(
            issues[0].reason.contains("spaceship") && issues[0].reason.contains("private_sector"),
            "{}",
            issues[0].reason
        );
    }

    #[test]
    fn required_cells_and_bad_values_are_issues() {
        let rows = org_rows(b"display_name,sector,thematic_areas\n,,corruption;nope\n");
        let Some((_, Err(issues))) = rows.into_iter().next() else {
            panic!("expected issues");
        };
        let codes: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.column.as_str(), i.code.as_str()))
            .collect();
        assert!(codes.contains(&("display_name", "REQUIRED")));
        assert!(codes.contains(&("sector", "REQUIRED")));
        assert!(codes.contains(&("thematic_areas", "INVALID_ENUM")));
    }

    #[test]
    fn a_cell_over_the_limit_is_too_long() {
        let mut content = b"display_name,sector\n".to_vec();
        content.extend(std::iter::repeat_n(b'a', MAX_CELL_CHARS + 1));
        content.extend(b",ngo\n");
        let rows = org_rows(&content);
        let Some((_, Err(issues))) = rows.into_iter().next() else {
            panic!("expected issues");
        };
        assert_eq!(issues[0].column, "display_name");
        assert_eq!(issues[0].code, "TOO_LONG");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let content = b"\xEF\xBB\xBFdisplay_name,sector\nFoo,ngo\n";
        let rows = org_rows(content);
        assert!(matches!(rows.as_slice(), [(2, Ok(_))]));
    }

    #[test]
    fn output_only_columns_are_accepted_and_ignored() {
        let content =
            b"name,display_name,sector,regional_group,create_time\norganizations/1,Foo,ngo,african,2025-01-01T00:00:00Z\n";
        let rows = org_rows(content);
        let Some((_, Ok(row))) = rows.into_iter().next() else {
            panic!("expected a good row");
        };
        assert_eq!(row.name.as_deref(), Some("organizations/1"));
        assert_eq!(row.organization.regional_group, 0);
        assert_eq!(row.present, vec!["display_name", "sector"]);
    }

    fn sample_organization() -> Organization {
        Organization {
            external_id: "ext-1".to_string(),
            display_name: "Asociación \"Niños\", del Sur\nsegunda línea".to_string(),
            acronym: "ANS".to_string(),
            alternative_names: vec!["Children of the South".to_string()],
            sector: Sector::PrivateSector as i32,
            country_code: "AR".to_string(),
            website: "https://ninos.example.org".to_string(),
            emails: vec![
                EmailAddress {
                    address: "info@ninos.example.org".to_string(),
                    primary: true,
                    ..Default::default()
                },
                EmailAddress {
                    address: "press@ninos.example.org".to_string(),
                    ..Default::default()
                },
            ],
            phones: vec![PhoneNumber {
                original_text: "+54 11 2233-4455".to_string(),
                primary: true,
                ..Default::default()
            }],
            addresses: vec![PostalAddress {
                kind: AddressKind::Office as i32,
                primary: true,
                address_lines: vec!["Av. Siempre Viva 742".to_string(), "Piso 3".to_string()],
                locality: "Buenos Aires".to_string(),
                region: "CABA".to_string(),
                postal_code: "C1000".to_string(),
                country_code: "AR".to_string(),
            }],
            thematic_areas: vec![
                ThematicArea::TraffickingInPersons as i32,
                ThematicArea::Corruption as i32,
            ],
            tags: vec!["cop12-side-event".to_string(), "donor".to_string()],
            ecosoc_status: EcosocStatus::Special as i32,
            ecosoc_status_year: 2010,
            description: "Line one,\r\nline \"two\"".to_string(),
            ..Default::default()
        }
    }

    #[test]
    fn an_exported_organisation_imports_back_unchanged() {
        let mut writer = match CsvWriter::new(ORGANIZATION_COLUMNS.to_vec(), true) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        let mut org = sample_organization();
        org.name = "organizations/0190f0f0-0000-7000-8000-000000000001".to_string();
        org.regional_group = RegionalGroup::LatinAmericanCaribbean as i32;
        org.create_time = Some(prost_types::Timestamp {
            seconds: 1_735_689_600,
            nanos: 500_000_000,
        });
        if let Err(e) = writer.organization(&org) {
            panic!("{e}");
        }
        assert_eq!(writer.rows_written(), 1);
        assert!(!writer.is_empty());
        let content = writer.take();
        assert!(writer.is_empty());
        assert!(content.starts_with(UTF8_BOM));
        let text = String::from_utf8_lossy(&content);
        assert!(text.contains("private_sector"), "{text}");
        assert!(text.contains("trafficking_in_persons;corruption"), "{text}");
        assert!(text.contains("latin_american_caribbean"), "{text}");
        assert!(text.contains("2025-01-01T00:00:00.5Z"), "{text}");

        let layout = org_layout(&content);
        let rows: Vec<_> = organization_rows(&content, &layout, 2).collect();
        let [(2, Ok(row))] = rows.as_slice() else {
            panic!("expected one good row: {rows:?}");
        };
        assert_eq!(row.name.as_deref(), Some(org.name.as_str()));
        assert_eq!(row.external_id.as_deref(), Some("ext-1"));
        assert_eq!(row.organization, sample_organization());
    }

    #[test]
    fn take_returns_whole_records_since_the_last_take() {
        let mut writer = match CsvWriter::new(vec!["display_name", "sector"], false) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        let header = writer.take();
        assert_eq!(header, b"display_name,sector\r\n");
        let org = Organization {
            display_name: "A, \"B\"\nC".to_string(),
            sector: Sector::Ngo as i32,
            ..Default::default()
        };
        if let Err(e) = writer.organization(&org) {
            panic!("{e}");
        }
        assert_eq!(writer.len(), writer.take().len());
        assert_eq!(writer.take(), Vec::<u8>::new());
    }

    #[test]
    fn people_round_trip_with_affiliation() {
        let mut writer = match CsvWriter::new(PERSON_COLUMNS.to_vec(), false) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        let person = Person {
            name: "people/1".to_string(),
            display_name: "Dr. María García".to_string(),
            honorific_prefix: "Dr.".to_string(),
            given_name: "María".to_string(),
            family_name: "García".to_string(),
            languages: vec!["es".to_string(), "en".to_string()],
            youth: true,
            birth_date: Some(Date {
                year: 2001,
                month: 3,
                day: 9,
            }),
            age_bracket: AgeBracket::AgeBracket18To24 as i32,
            primary_organization: "organizations/9".to_string(),
            ..Default::default()
        };
        let affiliation = ExportedAffiliation {
            organization_display_name: "Asociación Niños del Sur",
            organization_external_id: "ngo-17",
            title: "Officer",
            department: "Youth",
        };
        if let Err(e) = writer.person(&person, &affiliation) {
            panic!("{e}");
        }
        let content = writer.take();
        let text = String::from_utf8_lossy(&content);
        assert!(text.contains(",18_to_24,"), "{text}");
        let layout = match check_structure(&content, RecordKind::Person, 2) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let rows: Vec<_> = person_rows(&content, &layout, 2).collect();
        let [(2, Ok(row))] = rows.as_slice() else {
            panic!("expected one good row: {rows:?}");
        };
        let expected = Person {
            name: String::new(),
            primary_organization: String::new(),
            ..person.clone()
        };
        assert_eq!(row.person, expected);
        assert_eq!(
            row.affiliation,
            Some(AffiliationCells {
                organization: Some("organizations/9".to_string()),
                organization_external_id: Some("ngo-17".to_string()),
                title: "Officer".to_string(),
                department: "Youth".to_string(),
            })
        );
        assert!(row.present.contains(&"birth_date"));
        assert!(!row.present.contains(&"title"));
    }

    #[test]
    fn a_failed_row_keeps_its_external_id() {
        let content = b"external_id,given_name,family_name\nx-1,,\nx-2,Ana,Diaz\n";
        let layout = match check_structure(content, RecordKind::Person, 2) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let rows: Vec<_> = person_rows(content, &layout, 2).collect();
        let [(2, Err(failed)), (3, Ok(_))] = rows.as_slice() else {
            panic!("expected the first row to fail: {rows:?}");
        };
        assert_eq!(failed.external_id, "x-1");
        assert_eq!(failed.issues[0].column, "given_name");

        let content = b"external_id,display_name,sector\nngo-1,,ngo\nngo-2,Foo,spaceship\n";
        let layout = org_layout(content);
        let failed: Vec<_> = organization_rows(content, &layout, 2)
            .filter_map(|(_, r)| r.err())
            .map(|f| (f.external_id, f.issues[0].code.clone()))
            .collect();
        assert_eq!(
            failed,
            [
                ("ngo-1".to_owned(), "REQUIRED".to_owned()),
                ("ngo-2".to_owned(), "INVALID_ENUM".to_owned())
            ]
        );
    }

    #[test]
    fn person_cells_are_checked() {
        let content =
            b"given_name,family_name,youth,birth_date,title\n,,maybe,1990-02-30,Officer\n";
        let layout = match check_structure(content, RecordKind::Person, 2) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let rows: Vec<_> = person_rows(content, &layout, 2).collect();
        let [(2, Err(failed))] = rows.as_slice() else {
            panic!("expected issues: {rows:?}");
        };
        let codes: Vec<(&str, &str)> = failed
            .issues
            .iter()
            .map(|i| (i.column.as_str(), i.code.as_str()))
            .collect();
        assert!(codes.contains(&("youth", "INVALID_BOOLEAN")), "{codes:?}");
        assert!(codes.contains(&("birth_date", "INVALID_DATE")), "{codes:?}");
        assert!(codes.contains(&("given_name", "REQUIRED")), "{codes:?}");
        assert!(
            codes.contains(&("organization_external_id", "REQUIRED")),
            "{codes:?}"
        );
    }

    #[test]
    fn export_columns_are_parsed() {
        let all = ORGANIZATION_COLUMNS;
        assert_eq!(parse_columns(&[], all), Ok(all.to_vec()));
        let asked = vec!["Sector".to_string(), "display_name".to_string()];
        assert_eq!(
            parse_columns(&asked, all),
            Ok(vec!["sector", "display_name"])
        );
        let unknown = vec!["colour".to_string()];
        assert!(parse_columns(&unknown, all).is_err_and(|e| e.contains("colour")));
        let twice = vec!["tags".to_string(), "TAGS".to_string()];
        assert!(parse_columns(&twice, all).is_err());
    }

    #[test]
    fn violations_map_to_columns_and_codes() {
        use engage_platform::Violation;
        let violations = vec![
            Violation::new(
                "organization.emails[1].address",
                "is not a valid email address",
            ),
            Violation::new("organization.country_code", "unknown country code \"XX\""),
            Violation::new(
                "organization.addresses[0].postal_code",
                "must be at most 20 characters",
            ),
            Violation::new(
                "organization.addresses[0].country_code",
                "unknown country code",
            ),
            Violation::new("organization.display_name", "is required"),
            Violation::new(
                "organization.phones[0].original_text",
                "is not a possible number",
            ),
            Violation::new("organization.etag", "something odd"),
        ];
        let issues = issues_from_violations(&violations, "organization");
        let got: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.column.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("emails", "INVALID_EMAIL"),
                ("country_code", "INVALID_COUNTRY"),
                ("address_postal_code", "TOO_LONG"),
                ("address_country_code", "INVALID_COUNTRY"),
                ("display_name", "REQUIRED"),
                ("phones", "INVALID_PHONE"),
                ("", "INVALID_VALUE"),
            ]
        );
        let person = issues_from_violations(
            &[Violation::new(
                "person.birth_date",
                "must not be in the future",
            )],
            "person.",
        );
        assert_eq!(person[0].column, "birth_date");
        assert_eq!(person[0].code, "INVALID_DATE");
    }
}
