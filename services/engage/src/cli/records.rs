//! `engage orgs|people|initiatives|declarations|events list|get|create|update|delete`: the
//! same five verbs over each register, written once against the [`Register`] trait.

use std::io::Write;
use std::path::PathBuf;

use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::{briefings, contacts, declarations, initiatives};
use prost_types::FieldMask;
use tonic::Status;

use super::connection::{Connection, Gateway};
use super::failure::Failure;
use super::json;
use super::table::{Column, col, render};

/// What to do with a register's records.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum RecordAction {
    /// List the records that match a filter, every page of them.
    List(ListArgs),
    /// Show one record by its name (`organizations/ID`) or id.
    Get {
        /// The record's name or id.
        name: String,
    },
    /// Create a record from JSON (canonical proto3 JSON of the resource).
    Create(InputArgs),
    /// Change the fields the JSON names (or those of --mask) of a record.
    Update {
        /// The record's name or id.
        name: String,
        #[command(flatten)]
        input: InputArgs,
        /// The fields to change, comma separated (default: the fields the JSON names).
        #[arg(long, value_delimiter = ',')]
        mask: Vec<String>,
    },
    /// Delete a record (soft delete: it can be undeleted).
    Delete {
        /// The record's name or id.
        name: String,
        /// Delete only if the record still has this etag (default: whatever it is now).
        #[arg(long)]
        etag: Option<String>,
    },
}

/// Filters of a list, as the API takes them.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// The API's filter, for example `country_code = "KE" AND sector = SECTOR_NGO`.
    #[arg(long, default_value = "")]
    pub filter: String,
    /// The API's order, for example `display_name desc`.
    #[arg(long, default_value = "")]
    pub order_by: String,
    /// Include deleted records.
    #[arg(long)]
    pub show_deleted: bool,
    /// Stop after this many records (default: all).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Records asked for per call.
    #[arg(long, default_value_t = 500)]
    pub page_size: i32,
}

/// Where a record's JSON comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// The record as JSON, for example '{"displayName":"Casa Verde","sector":"SECTOR_NGO"}'.
    #[arg(long, conflicts_with = "file")]
    pub data: Option<String>,
    /// A file holding the JSON; `-` for standard input.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

impl InputArgs {
    fn text(&self) -> Result<String, Failure> {
        match (&self.data, &self.file) {
            (Some(data), _) => Ok(data.clone()),
            (None, Some(path)) if path.as_os_str() == "-" => {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| Failure::usage(format!("reading standard input: {e}")))
            }
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display()))),
            (None, None) => Err(Failure::usage(
                "give the record with --data JSON or --file FILE".to_owned(),
            )),
        }
    }
}

/// One page of a list.
pub struct Page<M> {
    /// The records.
    pub records: Vec<M>,
    /// The token of the next page; empty on the last.
    pub next_page_token: String,
}

/// A list call's parameters.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The filter.
    pub filter: String,
    /// The order.
    pub order_by: String,
    /// Whether deleted records come too.
    pub show_deleted: bool,
    /// Records per call.
    pub page_size: i32,
}

/// A register the command line reads and writes: its message, its words and its calls.
pub trait Register {
    /// The resource message.
    type Record: prost::Message + Default + Clone;
    /// The resource's protobuf name.
    const MESSAGE: &'static str;
    /// The collection in resource names, `organizations`.
    const COLLECTION: &'static str;
    /// One record in the operator's words.
    const SINGULAR: &'static str;
    /// Several.
    const PLURAL: &'static str;
    /// The table's columns.
    const COLUMNS: &'static [Column];

    /// The record's name.
    fn name(record: &Self::Record) -> &str;
    /// The record's etag.
    fn etag(record: &Self::Record) -> &str;
    /// Sets the record's name and, when empty, its etag.
    fn identify(record: &mut Self::Record, name: String, etag: &str);

    /// One page.
    fn list(
        gateway: Gateway,
        query: ListQuery,
        page_token: String,
    ) -> impl Future<Output = Result<Page<Self::Record>, Status>>;
    /// One record.
    fn get(gateway: Gateway, name: String) -> impl Future<Output = Result<Self::Record, Status>>;
    /// Creates a record.
    fn create(
        gateway: Gateway,
        record: Self::Record,
    ) -> impl Future<Output = Result<Self::Record, Status>>;
    /// Updates the masked fields.
    fn update(
        gateway: Gateway,
        record: Self::Record,
        mask: Vec<String>,
    ) -> impl Future<Output = Result<Self::Record, Status>>;
    /// Deletes a record.
    fn delete(
        gateway: Gateway,
        name: String,
        etag: String,
    ) -> impl Future<Output = Result<Self::Record, Status>>;
}

/// Implements [`Register`] for a resource whose calls follow the API's standard methods.
macro_rules! register {
    (
        $register:ident, $client:ident, $module:ident :: $record:ident, $field:ident, $items:ident,
        collection = $collection:literal, singular = $singular:literal, plural = $plural:literal,
        columns = $columns:expr,
        $list:ident / $ListRequest:ident, $get:ident / $GetRequest:ident,
        $create:ident / $CreateRequest:ident, $update:ident / $UpdateRequest:ident,
        $delete:ident / $DeleteRequest:ident
    ) => {
        #[doc = concat!("The ", $plural, ".")]
        pub struct $register;

        impl Register for $register {
            type Record = $module::$record;
            const MESSAGE: &'static str =
                concat!("engage.", stringify!($module), ".v1.", stringify!($record));
            const COLLECTION: &'static str = $collection;
            const SINGULAR: &'static str = $singular;
            const PLURAL: &'static str = $plural;
            const COLUMNS: &'static [Column] = $columns;

            fn name(record: &Self::Record) -> &str {
                &record.name
            }

            fn etag(record: &Self::Record) -> &str {
                &record.etag
            }

            fn identify(record: &mut Self::Record, name: String, etag: &str) {
                record.name = name;
                if record.etag.is_empty() {
                    record.etag = etag.to_owned();
                }
            }

            // Contacts' lists have more fields than the others (show_merged).
            #[allow(clippy::needless_update)]
            async fn list(
                gateway: Gateway,
                query: ListQuery,
                page_token: String,
            ) -> Result<Page<Self::Record>, Status> {
                let answer = $client::new(gateway)
                    .$list($module::$ListRequest {
                        page_size: query.page_size,
                        page_token,
                        filter: query.filter,
                        order_by: query.order_by,
                        show_deleted: query.show_deleted,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Page {
                    records: answer.$items,
                    next_page_token: answer.next_page_token,
                })
            }

            async fn get(gateway: Gateway, name: String) -> Result<Self::Record, Status> {
                $client::new(gateway)
                    .$get($module::$GetRequest { name })
                    .await?
                    .into_inner()
                    .$field
                    .ok_or_else(|| Status::internal("the answer holds no record"))
            }

            async fn create(
                gateway: Gateway,
                record: Self::Record,
            ) -> Result<Self::Record, Status> {
                $client::new(gateway)
                    .$create($module::$CreateRequest {
                        $field: Some(record),
                        ..Default::default()
                    })
                    .await?
                    .into_inner()
                    .$field
                    .ok_or_else(|| Status::internal("the answer holds no record"))
            }

            async fn update(
                gateway: Gateway,
                record: Self::Record,
                mask: Vec<String>,
            ) -> Result<Self::Record, Status> {
                $client::new(gateway)
                    .$update($module::$UpdateRequest {
                        $field: Some(record),
                        update_mask: Some(FieldMask { paths: mask }),
                    })
                    .await?
                    .into_inner()
                    .$field
                    .ok_or_else(|| Status::internal("the answer holds no record"))
            }

            async fn delete(
                gateway: Gateway,
                name: String,
                etag: String,
            ) -> Result<Self::Record, Status> {
                $client::new(gateway)
                    .$delete($module::$DeleteRequest { name, etag })
                    .await?
                    .into_inner()
                    .$field
                    .ok_or_else(|| Status::internal("the answer holds no record"))
            }
        }
    };
}

register!(
    Organizations,
    ContactsServiceClient,
    contacts::Organization,
    organization,
    organizations,
    collection = "organizations",
    singular = "organisation",
    plural = "organisations",
    columns = &[
        col("NAME", "name"),
        col("DISPLAY NAME", "display_name"),
        col("SECTOR", "sector"),
        col("COUNTRY", "country_code"),
        col("REGIONAL GROUP", "regional_group"),
        col("EXTERNAL ID", "external_id"),
    ],
    list_organizations / ListOrganizationsRequest,
    get_organization / GetOrganizationRequest,
    create_organization / CreateOrganizationRequest,
    update_organization / UpdateOrganizationRequest,
    delete_organization / DeleteOrganizationRequest
);

register!(
    People,
    ContactsServiceClient,
    contacts::Person,
    person,
    people,
    collection = "people",
    singular = "person",
    plural = "people",
    columns = &[
        col("NAME", "name"),
        col("DISPLAY NAME", "display_name"),
        col("COUNTRY", "country_code"),
        col("YOUTH", "youth"),
        col("ORGANISATION", "primary_organization"),
    ],
    list_people / ListPeopleRequest,
    get_person / GetPersonRequest,
    create_person / CreatePersonRequest,
    update_person / UpdatePersonRequest,
    delete_person / DeletePersonRequest
);

register!(
    Initiatives,
    InitiativesServiceClient,
    initiatives::Initiative,
    initiative,
    initiatives,
    collection = "initiatives",
    singular = "initiative",
    plural = "initiatives",
    columns = &[
        col("NAME", "name"),
        col("TITLE", "title"),
        col("COUNTRY", "country_code"),
        col("STATUS", "status"),
        col("TARGET", "target_date"),
    ],
    list_initiatives / ListInitiativesRequest,
    get_initiative / GetInitiativeRequest,
    create_initiative / CreateInitiativeRequest,
    update_initiative / UpdateInitiativeRequest,
    delete_initiative / DeleteInitiativeRequest
);

register!(
    Declarations,
    DeclarationsServiceClient,
    declarations::Declaration,
    declaration,
    declarations,
    collection = "declarations",
    singular = "declaration",
    plural = "declarations",
    columns = &[
        col("NAME", "name"),
        col("TITLE", "title"),
        col("VERSION", "version"),
        col("STATUS", "status"),
        col("LANGUAGE", "language_code"),
    ],
    list_declarations / ListDeclarationsRequest,
    get_declaration / GetDeclarationRequest,
    create_declaration / CreateDeclarationRequest,
    update_declaration / UpdateDeclarationRequest,
    delete_declaration / DeleteDeclarationRequest
);

register!(
    Events,
    BriefingsServiceClient,
    briefings::Event,
    event,
    events,
    collection = "events",
    singular = "event",
    plural = "events",
    columns = &[
        col("NAME", "name"),
        col("KIND", "kind"),
        col("TITLE", "title"),
        col("STARTS", "start_time"),
        col("STATUS", "status"),
        col("CAPACITY", "capacity"),
    ],
    list_events / ListEventsRequest,
    get_event / GetEventRequest,
    create_event / CreateEventRequest,
    update_event / UpdateEventRequest,
    delete_event / DeleteEventRequest
);

/// `organizations/ID` stays; a bare `ID` gets the collection in front.
fn full_name<R: Register>(name: &str) -> String {
    if name.contains('/') {
        name.to_owned()
    } else {
        format!("{}/{name}", R::COLLECTION)
    }
}

/// Writes records as the operator asked: JSON lines, or a table.
pub fn write_records<R: Register>(
    records: &[R::Record],
    as_json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let dynamic = records
        .iter()
        .map(|r| json::dynamic(r, R::MESSAGE))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::other(e.to_string()))?;
    let text = if as_json {
        let mut text = String::new();
        for record in &dynamic {
            text.push_str(&json::line(record).map_err(|e| Failure::other(e.to_string()))?);
            text.push('\n');
        }
        text
    } else {
        render(R::COLUMNS, &dynamic)
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::other(format!("writing the output: {e}")))
}

/// Runs one action on the register `R`.
pub async fn run<R: Register>(
    action: RecordAction,
    connection: &Connection,
    as_json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let gateway = || connection.channel.clone();
    let refused = |action: String| {
        let endpoint = connection.endpoint.clone();
        move |status: Status| Failure::from_status(&action, &endpoint, &status)
    };
    match action {
        RecordAction::List(args) => {
            let query = ListQuery {
                filter: args.filter,
                order_by: args.order_by,
                show_deleted: args.show_deleted,
                page_size: args.page_size,
            };
            let limit = args.limit.unwrap_or(usize::MAX);
            let mut all = Vec::new();
            let mut token = String::new();
            loop {
                let page = R::list(gateway(), query.clone(), token)
                    .await
                    .map_err(refused(format!("listing {}", R::PLURAL)))?;
                let room = limit - all.len().min(limit);
                let mut records = page.records;
                records.truncate(room);
                // JSON lines go out page by page, so that a script starts reading at once.
                if as_json {
                    write_records::<R>(&records, true, out)?;
                }
                all.extend(records);
                token = page.next_page_token;
                if token.is_empty() || all.len() >= limit {
                    break;
                }
            }
            if !as_json {
                write_records::<R>(&all, false, out)?;
            }
            Ok(())
        }
        RecordAction::Get { name } => {
            let name = full_name::<R>(&name);
            let record = R::get(gateway(), name.clone())
                .await
                .map_err(refused(format!("reading {name}")))?;
            write_records::<R>(&[record], as_json, out)
        }
        RecordAction::Create(input) => {
            let record: R::Record = json::parse(&input.text()?, R::MESSAGE)
                .map_err(|e| Failure::usage(format!("the {} JSON: {e}", R::SINGULAR)))?;
            let created = R::create(gateway(), record)
                .await
                .map_err(refused(format!("creating the {}", R::SINGULAR)))?;
            write_records::<R>(&[created], as_json, out)
        }
        RecordAction::Update { name, input, mask } => {
            let name = full_name::<R>(&name);
            let text = input.text()?;
            let mut record: R::Record = json::parse(&text, R::MESSAGE)
                .map_err(|e| Failure::usage(format!("the {} JSON: {e}", R::SINGULAR)))?;
            let mask = if mask.is_empty() {
                json::named_fields(&text, R::MESSAGE)
                    .map_err(|e| Failure::usage(e.to_string()))?
                    .into_iter()
                    .filter(|f| f != "name" && f != "etag")
                    .collect()
            } else {
                mask
            };
            // Without an etag in the JSON the change applies to the record as it is now.
            let current = if R::etag(&record).is_empty() {
                R::get(gateway(), name.clone())
                    .await
                    .map_err(refused(format!("reading {name}")))?
                    .clone()
            } else {
                record.clone()
            };
            R::identify(&mut record, name.clone(), R::etag(&current));
            let updated = R::update(gateway(), record, mask)
                .await
                .map_err(refused(format!("updating {name}")))?;
            write_records::<R>(&[updated], as_json, out)
        }
        RecordAction::Delete { name, etag } => {
            let name = full_name::<R>(&name);
            let etag = match etag {
                Some(etag) => etag,
                None => R::etag(
                    &R::get(gateway(), name.clone())
                        .await
                        .map_err(refused(format!("reading {name}")))?,
                )
                .to_owned(),
            };
            let deleted = R::delete(gateway(), name.clone(), etag)
                .await
                .map_err(refused(format!("deleting {name}")))?;
            write_records::<R>(&[deleted], as_json, out)
        }
    }
}
