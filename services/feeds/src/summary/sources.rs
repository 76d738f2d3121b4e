//! Reading the figures from the four services, on behalf of the dashboard's caller, so that
//! each service applies its own rules to what the caller may see.

use engage_api::briefings::briefings_service_client::BriefingsServiceClient;
use engage_api::briefings::{Event, ListEventsRequest};
use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::contacts::{GetContactsSummaryRequest, GetContactsSummaryResponse};
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::declarations::{
    CountSignaturesRequest, CountSignaturesResponse, Declaration, GetDeclarationRequest,
    ListDeclarationsRequest,
};
use engage_api::initiatives::initiatives_service_client::InitiativesServiceClient;
use engage_api::initiatives::{
    BatchGetInitiativesRequest, GetInitiativeRequest, Initiative, ListDueMilestonesRequest,
    ListInitiativesRequest, SummarizeInitiativesRequest, SummarizeInitiativesResponse,
};
use engage_platform::identity::{InternalKey, ServiceChannel};
use engage_platform::resource::timestamp;
use engage_platform::server::Peers;
use engage_platform::{Caller, Error};
use tonic::{Code, Status};

use super::figures::{self, MAX_INITIATIVE_LINES};

/// Events read at most for one summary (ten pages): a conference session has a few hundred.
const MAX_EVENT_PAGES: usize = 10;
/// Open declarations reported at most when none are named.
const MAX_OPEN_DECLARATIONS: i32 = 100;

/// Why a source gave no figures.
#[derive(Debug)]
pub enum SourceError {
    /// The request itself is wrong (an unknown declaration named in the options): the
    /// caller is told.
    Refused(Error),
    /// The service did not answer: the last known figures stand in, marked stale in time.
    Unreachable(String),
}

impl From<Status> for SourceError {
    fn from(status: Status) -> Self {
        SourceError::Unreachable(format!("{}: {}", status.code(), status.message()))
    }
}

impl From<Error> for SourceError {
    fn from(e: Error) -> Self {
        SourceError::Unreachable(e.to_string())
    }
}

/// The services a summary reads, reached through the platform's peers.
#[derive(Clone)]
pub struct Sources {
    peers: Peers,
    key: InternalKey,
}

impl Sources {
    /// The services at `peers`, called with `key`.
    pub fn new(peers: Peers, key: InternalKey) -> Self {
        Self { peers, key }
    }

    fn channel(&self, service: &str, caller: &Caller) -> Result<ServiceChannel, SourceError> {
        Ok(self.peers.calling_as(service, &self.key, caller.clone())?)
    }

    /// Contacts' counts.
    pub async fn contacts(
        &self,
        caller: &Caller,
    ) -> Result<GetContactsSummaryResponse, SourceError> {
        let mut client = ContactsServiceClient::new(self.channel("contacts", caller)?);
        Ok(client
            .get_contacts_summary(GetContactsSummaryRequest {})
            .await?
            .into_inner())
    }

    /// Every initiative's figures, and the initiatives under way one by one.
    pub async fn initiatives(
        &self,
        caller: &Caller,
        window_days: i32,
    ) -> Result<(SummarizeInitiativesResponse, Vec<Initiative>), SourceError> {
        let mut client = InitiativesServiceClient::new(self.channel("initiatives", caller)?);
        let report = client
            .summarize_initiatives(SummarizeInitiativesRequest {
                filter: String::new(),
                due_within_days: Some(window_days),
            })
            .await?
            .into_inner();
        let lines = client
            .list_initiatives(ListInitiativesRequest {
                page_size: i32::try_from(MAX_INITIATIVE_LINES).unwrap_or(500),
                filter: "status = INITIATIVE_STATUS_LAUNCHED OR status = INITIATIVE_STATUS_ACTIVE \
                         OR status = INITIATIVE_STATUS_SUSPENDED"
                    .into(),
                order_by: "country_code".into(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .initiatives;
        Ok((report, lines))
    }

    /// The figures of the initiatives a coordinator coordinates (their token's list).
    pub async fn coordinated_initiatives(
        &self,
        caller: &Caller,
        window_days: i32,
    ) -> Result<(SummarizeInitiativesResponse, Vec<Initiative>), SourceError> {
        let mut client = InitiativesServiceClient::new(self.channel("initiatives", caller)?);
        let names: Vec<String> = caller.initiatives.iter().take(1000).cloned().collect();
        let mut initiatives = Vec::new();
        if !names.is_empty() {
            match client
                .batch_get_initiatives(BatchGetInitiativesRequest {
                    names: names.clone(),
                })
                .await
            {
                Ok(found) => initiatives = found.into_inner().initiatives,
                // One of them is gone: read them one by one and leave the missing out.
                Err(status) if status.code() == Code::NotFound => {
                    for name in names {
                        match client.get_initiative(GetInitiativeRequest { name }).await {
                            Ok(found) => initiatives.extend(found.into_inner().initiative),
                            Err(s) if s.code() == Code::NotFound => {}
                            Err(s) => return Err(s.into()),
                        }
                    }
                }
                Err(status) => return Err(status.into()),
            }
        }
        initiatives.retain(|i| i.delete_time.is_none());
        let mut due_soon = 0;
        for initiative in &initiatives {
            due_soon += client
                .list_due_milestones(ListDueMilestonesRequest {
                    parent: initiative.name.clone(),
                    include_overdue: false,
                    within_days: Some(window_days),
                    page_size: 1,
                    ..Default::default()
                })
                .await?
                .into_inner()
                .total_size;
        }
        let report = figures::summarize_initiatives(&initiatives, due_soon);
        Ok((report, initiatives))
    }

    /// The declarations named (or every open one) with their signature counts.
    pub async fn declarations(
        &self,
        caller: &Caller,
        named: &[String],
    ) -> Result<Vec<(Declaration, CountSignaturesResponse)>, SourceError> {
        let mut client = DeclarationsServiceClient::new(self.channel("declarations", caller)?);
        let declarations = if named.is_empty() {
            client
                .list_declarations(ListDeclarationsRequest {
                    page_size: MAX_OPEN_DECLARATIONS,
                    filter: "status = DECLARATION_STATUS_OPEN".into(),
                    order_by: "title".into(),
                    ..Default::default()
                })
                .await?
                .into_inner()
                .declarations
        } else {
            let mut found = Vec::with_capacity(named.len());
            for (i, name) in named.iter().enumerate() {
                match client
                    .get_declaration(GetDeclarationRequest { name: name.clone() })
                    .await
                {
                    Ok(d) => found.extend(d.into_inner().declaration),
                    Err(s) if matches!(s.code(), Code::NotFound | Code::InvalidArgument) => {
                        return Err(SourceError::Refused(Error::invalid(
                            format!("options.declarations[{i}]"),
                            format!("{name} is not a declaration: {}", s.message()),
                        )));
                    }
                    Err(s) => return Err(s.into()),
                }
            }
            found
        };
        let mut out = Vec::with_capacity(declarations.len());
        for declaration in declarations {
            let counts = client
                .count_signatures(CountSignaturesRequest {
                    parent: declaration.name.clone(),
                    filter: String::new(),
                })
                .await?
                .into_inner();
            out.push((declaration, counts));
        }
        Ok(out)
    }

    /// The events that may be upcoming between `now` and `until` (microseconds): not
    /// draft or cancelled, not ended, starting before the window ends.
    pub async fn events(
        &self,
        caller: &Caller,
        now: i64,
        until: i64,
        conference_session: &str,
    ) -> Result<Vec<Event>, SourceError> {
        let mut client = BriefingsServiceClient::new(self.channel("briefings", caller)?);
        let mut filter = format!(
            "status != EVENT_STATUS_DRAFT AND status != EVENT_STATUS_CANCELLED \
             AND end_time > \"{}\" AND start_time <= \"{}\"",
            timestamp(now),
            timestamp(until)
        );
        if !conference_session.is_empty() {
            filter.push_str(&format!(
                " AND conference_session = \"{conference_session}\""
            ));
        }
        let mut events = Vec::new();
        let mut page_token = String::new();
        for _ in 0..MAX_EVENT_PAGES {
            let page = client
                .list_events(ListEventsRequest {
                    page_size: 1000,
                    page_token,
                    filter: filter.clone(),
                    order_by: "start_time".into(),
                    show_deleted: false,
                })
                .await?
                .into_inner();
            events.extend(page.events);
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        Ok(events)
    }
}
