//! The generated service trait, answered by the handlers of the other modules.

use engage_api::initiatives::initiatives_service_server::InitiativesService;
use engage_api::initiatives::*;
use engage_platform::identity::Need;
use engage_platform::journal::AuditEntry;
use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{Comparator, FieldType, Filter, FilterField, Value};
use engage_platform::{Caller, Error, Violation, with_connection};
use tonic::{Request, Response, Status};

use super::InitiativesApi;
use super::initiatives::TransitionFields;
use crate::domain::initiative::Transition;
use crate::store::Store;
use crate::store::sql::{self, Bind, Key, Sql};

fn answer<T>(result: Result<T, Error>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// Runs a transition request: `$variant` of [`Transition`], wrapped in `$response`.
macro_rules! transition {
    ($self:ident, $request:ident, $variant:ident, $response:ident) => {{
        let result = async {
            let caller = Caller::require(&$request, Need::Write)?;
            let r = $request.into_inner();
            let fields = TransitionFields {
                name: &r.name,
                etag: &r.etag,
                effective_date: r.effective_date.as_ref(),
                note: &r.note,
                request_id: &r.request_id,
            };
            $self
                .transition(&caller, Transition::$variant, &r, fields, |i| $response {
                    initiative: Some(i),
                })
                .await
        }
        .await;
        answer(result)
    }};
}

#[tonic::async_trait]
impl InitiativesService for InitiativesApi {
    async fn get_initiative(
        &self,
        request: Request<GetInitiativeRequest>,
    ) -> Result<Response<GetInitiativeResponse>, Status> {
        answer(self.get_initiative(request).await)
    }

    async fn batch_get_initiatives(
        &self,
        request: Request<BatchGetInitiativesRequest>,
    ) -> Result<Response<BatchGetInitiativesResponse>, Status> {
        answer(self.batch_get_initiatives(request).await)
    }

    async fn list_initiatives(
        &self,
        request: Request<ListInitiativesRequest>,
    ) -> Result<Response<ListInitiativesResponse>, Status> {
        answer(self.list_initiatives(request).await)
    }

    async fn create_initiative(
        &self,
        request: Request<CreateInitiativeRequest>,
    ) -> Result<Response<CreateInitiativeResponse>, Status> {
        answer(self.create_initiative(request).await)
    }

    async fn update_initiative(
        &self,
        request: Request<UpdateInitiativeRequest>,
    ) -> Result<Response<UpdateInitiativeResponse>, Status> {
        answer(self.update_initiative(request).await)
    }

    async fn delete_initiative(
        &self,
        request: Request<DeleteInitiativeRequest>,
    ) -> Result<Response<DeleteInitiativeResponse>, Status> {
        let result = async {
            let caller = Caller::require(&request, Need::Write)?;
            let r = request.into_inner();
            let initiative = self.set_deleted(&caller, &r.name, &r.etag, true).await?;
            Ok(DeleteInitiativeResponse {
                initiative: Some(initiative),
            })
        }
        .await;
        answer(result)
    }

    async fn undelete_initiative(
        &self,
        request: Request<UndeleteInitiativeRequest>,
    ) -> Result<Response<UndeleteInitiativeResponse>, Status> {
        let result = async {
            let caller = Caller::require(&request, Need::Write)?;
            let r = request.into_inner();
            let initiative = self.set_deleted(&caller, &r.name, &r.etag, false).await?;
            Ok(UndeleteInitiativeResponse {
                initiative: Some(initiative),
            })
        }
        .await;
        answer(result)
    }

    async fn launch_initiative(
        &self,
        request: Request<LaunchInitiativeRequest>,
    ) -> Result<Response<LaunchInitiativeResponse>, Status> {
        transition!(self, request, Launch, LaunchInitiativeResponse)
    }

    async fn activate_initiative(
        &self,
        request: Request<ActivateInitiativeRequest>,
    ) -> Result<Response<ActivateInitiativeResponse>, Status> {
        transition!(self, request, Activate, ActivateInitiativeResponse)
    }

    async fn suspend_initiative(
        &self,
        request: Request<SuspendInitiativeRequest>,
    ) -> Result<Response<SuspendInitiativeResponse>, Status> {
        transition!(self, request, Suspend, SuspendInitiativeResponse)
    }

    async fn resume_initiative(
        &self,
        request: Request<ResumeInitiativeRequest>,
    ) -> Result<Response<ResumeInitiativeResponse>, Status> {
        transition!(self, request, Resume, ResumeInitiativeResponse)
    }

    async fn complete_initiative(
        &self,
        request: Request<CompleteInitiativeRequest>,
    ) -> Result<Response<CompleteInitiativeResponse>, Status> {
        transition!(self, request, Complete, CompleteInitiativeResponse)
    }

    async fn summarize_initiatives(
        &self,
        request: Request<SummarizeInitiativesRequest>,
    ) -> Result<Response<SummarizeInitiativesResponse>, Status> {
        answer(self.summarize_initiatives(request).await)
    }

    async fn get_milestone(
        &self,
        request: Request<GetMilestoneRequest>,
    ) -> Result<Response<GetMilestoneResponse>, Status> {
        answer(self.get_milestone(request).await)
    }

    async fn list_milestones(
        &self,
        request: Request<ListMilestonesRequest>,
    ) -> Result<Response<ListMilestonesResponse>, Status> {
        answer(self.list_milestones(request).await)
    }

    async fn create_milestone(
        &self,
        request: Request<CreateMilestoneRequest>,
    ) -> Result<Response<CreateMilestoneResponse>, Status> {
        answer(self.create_milestone(request).await)
    }

    async fn update_milestone(
        &self,
        request: Request<UpdateMilestoneRequest>,
    ) -> Result<Response<UpdateMilestoneResponse>, Status> {
        answer(self.update_milestone(request).await)
    }

    async fn delete_milestone(
        &self,
        request: Request<DeleteMilestoneRequest>,
    ) -> Result<Response<DeleteMilestoneResponse>, Status> {
        let result = async {
            let caller = Caller::require(&request, Need::Write)?;
            let r = request.into_inner();
            let milestone = self
                .set_milestone_deleted(&caller, &r.name, &r.etag, true)
                .await?;
            Ok(DeleteMilestoneResponse {
                milestone: Some(milestone),
            })
        }
        .await;
        answer(result)
    }

    async fn undelete_milestone(
        &self,
        request: Request<UndeleteMilestoneRequest>,
    ) -> Result<Response<UndeleteMilestoneResponse>, Status> {
        let result = async {
            let caller = Caller::require(&request, Need::Write)?;
            let r = request.into_inner();
            let milestone = self
                .set_milestone_deleted(&caller, &r.name, &r.etag, false)
                .await?;
            Ok(UndeleteMilestoneResponse {
                milestone: Some(milestone),
            })
        }
        .await;
        answer(result)
    }

    async fn list_due_milestones(
        &self,
        request: Request<ListDueMilestonesRequest>,
    ) -> Result<Response<ListDueMilestonesResponse>, Status> {
        answer(self.list_due_milestones(request).await)
    }

    async fn append_progress(
        &self,
        request: Request<AppendProgressRequest>,
    ) -> Result<Response<AppendProgressResponse>, Status> {
        answer(self.append_progress(request).await)
    }

    async fn get_progress_entry(
        &self,
        request: Request<GetProgressEntryRequest>,
    ) -> Result<Response<GetProgressEntryResponse>, Status> {
        answer(self.get_progress_entry(request).await)
    }

    async fn list_progress_entries(
        &self,
        request: Request<ListProgressEntriesRequest>,
    ) -> Result<Response<ListProgressEntriesResponse>, Status> {
        answer(self.list_progress_entries(request).await)
    }

    async fn list_audit_entries(
        &self,
        request: Request<ListAuditEntriesRequest>,
    ) -> Result<Response<ListAuditEntriesResponse>, Status> {
        answer(self.list_audit_entries(request).await)
    }
}

const AUDIT_FIELDS: &[FilterField] = &[
    FilterField {
        name: "time",
        kind: FieldType::Timestamp,
    },
    FilterField {
        name: "actor.subject",
        kind: FieldType::Text,
    },
    FilterField {
        name: "method",
        kind: FieldType::Text,
    },
];

fn compare_audit(field: &str, c: Comparator, value: &Value) -> Result<Sql, Violation> {
    let op = match c {
        Comparator::Equal => "=",
        Comparator::Less => "<",
        Comparator::LessOrEqual => "<=",
        Comparator::Greater => ">",
        Comparator::GreaterOrEqual => ">=",
        other => {
            return Err(Violation::new(
                "filter",
                format!("{field} cannot be compared with {other}"),
            ));
        }
    };
    let (column, bind) = match (field, value) {
        ("time", Value::Timestamp(t)) if c != Comparator::Equal => ("a.occur_time", Bind::Int(*t)),
        ("actor.subject", Value::Text(t)) if c == Comparator::Equal => {
            ("a.actor", Bind::Text(t.clone()))
        }
        ("method", Value::Text(t)) if c == Comparator::Equal => ("a.method", Bind::Text(t.clone())),
        _ => {
            return Err(Violation::new(
                "filter",
                format!("{field} cannot be compared with {c}"),
            ));
        }
    };
    let mut sql = Sql::new(&format!("{column} {op} "));
    sql.bind(bind);
    Ok(sql)
}

impl InitiativesApi {
    async fn list_audit_entries(
        &self,
        request: Request<ListAuditEntriesRequest>,
    ) -> Result<ListAuditEntriesResponse, Error> {
        Caller::require(&request, Need::Admin)?;
        let r = request.into_inner();
        if !r.resource.starts_with("initiatives/") {
            return Err(Error::invalid(
                "resource",
                "must name an initiative or one of its milestones or progress entries",
            ));
        }
        let filter = Filter::parse(&r.filter, AUDIT_FIELDS)?;
        let children = r.include_children.to_string();
        let page = Page::<Vec<Key>>::parse(
            r.page_size,
            &r.page_token,
            &[&r.resource, &children, &r.filter],
            PageLimits::default(),
        )?;
        let mut condition = Sql::new("(a.resource_name = ");
        condition.text(r.resource.clone());
        if r.include_children {
            // Children's names extend the parent's: `initiatives/{id}/milestones/…`.
            condition
                .push(" OR (a.resource_name > ")
                .text(format!("{}/", r.resource))
                .push(" AND a.resource_name < ")
                .text(format!("{}0", r.resource))
                .push(")");
        }
        condition.push(")");
        if let Some(filter) = &filter {
            condition
                .push(" AND ")
                .append(crate::store::queries::condition(filter, &compare_audit)?);
        }
        let columns = [
            ("a.occur_time", Direction::Descending),
            ("a.id", Direction::Descending),
        ];
        let (sql, _) = sql::page(
            "a.*",
            "audit_entries a",
            &condition,
            &columns,
            page.after.as_deref(),
            page.fetch_limit(),
        );
        let mut rows: Vec<AuditRow> = with_connection!(self.db, |conn| conn.rows(&sql).await?);
        let next_page_token = page.finish(&mut rows, |a| {
            vec![Key::Int(a.occur_time), Key::Text(a.id.clone())]
        });
        Ok(ListAuditEntriesResponse {
            audit_entries: rows
                .into_iter()
                .map(|a| a.into_entry().to_proto())
                .collect(),
            next_page_token,
        })
    }
}

use engage_platform::query::Direction;

/// An audit row read by composed SQL.
#[derive(diesel::QueryableByName)]
#[diesel(table_name = engage_platform::journal::schema::audit_entries)]
struct AuditRow {
    id: String,
    occur_time: i64,
    actor: String,
    method: String,
    resource_name: String,
    action: String,
    request_id: Option<String>,
    changes: String,
}

impl AuditRow {
    fn into_entry(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            occur_time: self.occur_time,
            actor: self.actor,
            method: self.method,
            resource_name: self.resource_name,
            action: self.action,
            request_id: self.request_id,
            changes: self.changes,
        }
    }
}
