//! The generated service trait, answered by the handlers of the other modules.

use engage_api::initiatives::initiatives_service_server::InitiativesService;
use engage_api::initiatives::*;
use engage_platform::identity::Need;
use engage_platform::journal::{AuditTrailQuery, TrailOrder, audit_trail};
use engage_platform::paging::PageLimits;
use engage_platform::server::answer;
use engage_platform::{Caller, Error};
use tonic::{Request, Response, Status};

use super::InitiativesApi;
use super::initiatives::TransitionFields;
use crate::domain::initiative::Transition;

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
        let trail = audit_trail(
            &self.db,
            AuditTrailQuery {
                resource: &r.resource,
                include_children: r.include_children,
                filter: &r.filter,
                page_size: r.page_size,
                page_token: &r.page_token,
                limits: PageLimits::default(),
                order: TrailOrder::NewestFirst,
            },
        )
        .await?;
        Ok(ListAuditEntriesResponse {
            audit_entries: trail.entries,
            next_page_token: trail.next_page_token,
        })
    }
}
