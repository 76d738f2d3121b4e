//! The generated service trait, answered by the handlers of the other modules.

use engage_api::briefings::briefings_service_server::BriefingsService;
use engage_api::briefings::*;
use engage_platform::server::answer;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::BriefingsApi;
use crate::domain::event::Step;

/// Answers each listed method with the handler of the same name.
macro_rules! handlers {
    ($($method:ident($request:ty) -> $response:ty;)+) => {
        $(
            // Spelled as async_trait expands it: the attribute does not see into macros.
            fn $method<'life0, 'async_trait>(
                &'life0 self,
                request: Request<$request>,
            ) -> ::std::pin::Pin<Box<dyn Future<Output = Result<Response<$response>, Status>> + Send + 'async_trait>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move { answer(BriefingsApi::$method(self, request).await) })
            }
        )+
    };
}

/// A life-cycle step of an event.
macro_rules! step {
    ($self:ident, $request:ident, $step:expr, $reason:expr, |$event:ident, $n:ident| $response:expr) => {{
        let caller = BriefingsApi::officer_of(&$request)?;
        let r = $request.into_inner();
        answer(
            $self
                .step_event(&caller, &r.name, &r.etag, $step, &$reason(&r))
                .await
                .map(|($event, $n)| {
                    let _ = $n;
                    $response
                }),
        )
    }};
}

fn no_reason<T>(_: &T) -> String {
    String::new()
}

#[tonic::async_trait]
impl BriefingsService for BriefingsApi {
    handlers! {
        get_event(GetEventRequest) -> GetEventResponse;
        batch_get_events(BatchGetEventsRequest) -> BatchGetEventsResponse;
        list_events(ListEventsRequest) -> ListEventsResponse;
        create_event(CreateEventRequest) -> CreateEventResponse;
        update_event(UpdateEventRequest) -> UpdateEventResponse;
        get_registration(GetRegistrationRequest) -> GetRegistrationResponse;
        list_registrations(ListRegistrationsRequest) -> ListRegistrationsResponse;
        register(RegisterRequest) -> RegisterResponse;
        update_registration(UpdateRegistrationRequest) -> UpdateRegistrationResponse;
        cancel_registration(CancelRegistrationRequest) -> CancelRegistrationResponse;
        check_in(CheckInRequest) -> CheckInResponse;
        mark_no_show(MarkNoShowRequest) -> MarkNoShowResponse;
        batch_mark_no_show(BatchMarkNoShowRequest) -> BatchMarkNoShowResponse;
        get_event_attendance(GetEventAttendanceRequest) -> GetEventAttendanceResponse;
        get_conference_session_attendance(GetConferenceSessionAttendanceRequest) -> GetConferenceSessionAttendanceResponse;
        get_session(GetSessionRequest) -> GetSessionResponse;
        list_sessions(ListSessionsRequest) -> ListSessionsResponse;
        create_session(CreateSessionRequest) -> CreateSessionResponse;
        update_session(UpdateSessionRequest) -> UpdateSessionResponse;
        delete_session(DeleteSessionRequest) -> DeleteSessionResponse;
        undelete_session(UndeleteSessionRequest) -> UndeleteSessionResponse;
        get_statement(GetStatementRequest) -> GetStatementResponse;
        list_statements(ListStatementsRequest) -> ListStatementsResponse;
        create_statement(CreateStatementRequest) -> CreateStatementResponse;
        update_statement(UpdateStatementRequest) -> UpdateStatementResponse;
        delete_statement(DeleteStatementRequest) -> DeleteStatementResponse;
        undelete_statement(UndeleteStatementRequest) -> UndeleteStatementResponse;
        get_follow_up_action(GetFollowUpActionRequest) -> GetFollowUpActionResponse;
        list_follow_up_actions(ListFollowUpActionsRequest) -> ListFollowUpActionsResponse;
        create_follow_up_action(CreateFollowUpActionRequest) -> CreateFollowUpActionResponse;
        update_follow_up_action(UpdateFollowUpActionRequest) -> UpdateFollowUpActionResponse;
        delete_follow_up_action(DeleteFollowUpActionRequest) -> DeleteFollowUpActionResponse;
        undelete_follow_up_action(UndeleteFollowUpActionRequest) -> UndeleteFollowUpActionResponse;
        list_audit_entries(ListAuditEntriesRequest) -> ListAuditEntriesResponse;
    }

    async fn export_registrations(
        &self,
        request: Request<ExportRegistrationsRequest>,
    ) -> Result<Response<BoxStream<ExportRegistrationsResponse>>, Status> {
        let messages = BriefingsApi::export_registrations(self, request).await?;
        let stream = tokio_stream::iter(messages.into_iter().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn delete_event(
        &self,
        request: Request<DeleteEventRequest>,
    ) -> Result<Response<DeleteEventResponse>, Status> {
        let caller = BriefingsApi::officer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_event(&caller, &r.name, &r.etag, true)
                .await
                .map(|e| DeleteEventResponse { event: Some(e) }),
        )
    }

    async fn undelete_event(
        &self,
        request: Request<UndeleteEventRequest>,
    ) -> Result<Response<UndeleteEventResponse>, Status> {
        let caller = BriefingsApi::officer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_event(&caller, &r.name, &r.etag, false)
                .await
                .map(|e| UndeleteEventResponse { event: Some(e) }),
        )
    }

    async fn publish_event(
        &self,
        request: Request<PublishEventRequest>,
    ) -> Result<Response<PublishEventResponse>, Status> {
        step!(self, request, Step::Publish, no_reason, |e, n| {
            PublishEventResponse { event: Some(e) }
        })
    }

    async fn close_event(
        &self,
        request: Request<CloseEventRequest>,
    ) -> Result<Response<CloseEventResponse>, Status> {
        step!(self, request, Step::Close, no_reason, |e, n| {
            CloseEventResponse { event: Some(e) }
        })
    }

    async fn reopen_event(
        &self,
        request: Request<ReopenEventRequest>,
    ) -> Result<Response<ReopenEventResponse>, Status> {
        step!(self, request, Step::Reopen, no_reason, |e, n| {
            ReopenEventResponse { event: Some(e) }
        })
    }

    async fn cancel_event(
        &self,
        request: Request<CancelEventRequest>,
    ) -> Result<Response<CancelEventResponse>, Status> {
        step!(
            self,
            request,
            Step::Cancel,
            |r: &CancelEventRequest| r.reason.clone(),
            |e, n| CancelEventResponse {
                event: Some(e),
                cancelled_registrations: n
            }
        )
    }
}
