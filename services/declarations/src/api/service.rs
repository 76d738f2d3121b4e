//! The generated service trait, answered by the handlers of the other modules.

use engage_api::declarations::declarations_service_server::DeclarationsService;
use engage_api::declarations::*;
use engage_platform::handle;
use engage_platform::identity::Need;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::DeclarationsApi;

type Answer<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl DeclarationsService for DeclarationsApi {
    async fn get_declaration(
        &self,
        request: Request<GetDeclarationRequest>,
    ) -> Answer<GetDeclarationResponse> {
        handle!(Need::Read, request, |_c, r| async {
            self.get_declaration(&r.name)
                .await
                .map(|d| GetDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn list_declarations(
        &self,
        request: Request<ListDeclarationsRequest>,
    ) -> Answer<ListDeclarationsResponse> {
        handle!(Need::Read, request, |_c, r| self.list_declarations(r))
    }

    async fn create_declaration(
        &self,
        request: Request<CreateDeclarationRequest>,
    ) -> Answer<CreateDeclarationResponse> {
        handle!(Need::Write, request, |c, r| self.create_declaration(&c, r))
    }

    async fn update_declaration(
        &self,
        request: Request<UpdateDeclarationRequest>,
    ) -> Answer<UpdateDeclarationResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.update_declaration(&c, r)
                .await
                .map(|d| UpdateDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn delete_declaration(
        &self,
        request: Request<DeleteDeclarationRequest>,
    ) -> Answer<DeleteDeclarationResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.set_deleted(&c, &r.name, &r.etag, true)
                .await
                .map(|d| DeleteDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn undelete_declaration(
        &self,
        request: Request<UndeleteDeclarationRequest>,
    ) -> Answer<UndeleteDeclarationResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.set_deleted(&c, &r.name, &r.etag, false)
                .await
                .map(|d| UndeleteDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn open_declaration(
        &self,
        request: Request<OpenDeclarationRequest>,
    ) -> Answer<OpenDeclarationResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.set_open(&c, (&r.name, &r.etag, &r.request_id), &r, true)
                .await
                .map(|d| OpenDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn close_declaration(
        &self,
        request: Request<CloseDeclarationRequest>,
    ) -> Answer<CloseDeclarationResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.set_open(&c, (&r.name, &r.etag, &r.request_id), &r, false)
                .await
                .map(|d| CloseDeclarationResponse {
                    declaration: Some(d),
                })
        })
    }

    async fn sign_declaration(
        &self,
        request: Request<SignDeclarationRequest>,
    ) -> Answer<SignDeclarationResponse> {
        handle!(Need::Write, request, |c, r| self.sign(&c, r))
    }

    async fn get_signature(
        &self,
        request: Request<GetSignatureRequest>,
    ) -> Answer<GetSignatureResponse> {
        handle!(Need::Read, request, |c, r| async {
            self.get_signature(&c, &r.name)
                .await
                .map(|s| GetSignatureResponse { signature: Some(s) })
        })
    }

    async fn list_signatures(
        &self,
        request: Request<ListSignaturesRequest>,
    ) -> Answer<ListSignaturesResponse> {
        handle!(Need::Read, request, |c, r| self.list_signatures(&c, r))
    }

    async fn update_signature(
        &self,
        request: Request<UpdateSignatureRequest>,
    ) -> Answer<UpdateSignatureResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.update_signature(&c, r)
                .await
                .map(|s| UpdateSignatureResponse { signature: Some(s) })
        })
    }

    async fn verify_signature(
        &self,
        request: Request<VerifySignatureRequest>,
    ) -> Answer<VerifySignatureResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.verify(&c, r)
                .await
                .map(|s| VerifySignatureResponse { signature: Some(s) })
        })
    }

    async fn reject_signature(
        &self,
        request: Request<RejectSignatureRequest>,
    ) -> Answer<RejectSignatureResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.reject(&c, r)
                .await
                .map(|s| RejectSignatureResponse { signature: Some(s) })
        })
    }

    async fn withdraw_signature(
        &self,
        request: Request<WithdrawSignatureRequest>,
    ) -> Answer<WithdrawSignatureResponse> {
        handle!(Need::Write, request, |c, r| async {
            self.withdraw(&c, r)
                .await
                .map(|s| WithdrawSignatureResponse { signature: Some(s) })
        })
    }

    async fn redact_signature(
        &self,
        request: Request<RedactSignatureRequest>,
    ) -> Answer<RedactSignatureResponse> {
        handle!(Need::Admin, request, |c, r| async {
            self.redact(&c, r)
                .await
                .map(|s| RedactSignatureResponse { signature: Some(s) })
        })
    }

    async fn list_public_signatures(
        &self,
        request: Request<ListPublicSignaturesRequest>,
    ) -> Answer<ListPublicSignaturesResponse> {
        handle!(Need::Read, request, |_c, r| self.list_public_signatures(r))
    }

    async fn count_signatures(
        &self,
        request: Request<CountSignaturesRequest>,
    ) -> Answer<CountSignaturesResponse> {
        handle!(Need::Read, request, |_c, r| self.count_signatures(r))
    }

    async fn count_signatures_by_day(
        &self,
        request: Request<CountSignaturesByDayRequest>,
    ) -> Answer<CountSignaturesByDayResponse> {
        handle!(Need::Read, request, |_c, r| self.count_signatures_by_day(r))
    }

    async fn export_signatures(
        &self,
        request: Request<ExportSignaturesRequest>,
    ) -> Answer<BoxStream<ExportSignaturesResponse>> {
        handle!(Need::Read, request, |c, r| self.export(&c, r))
    }

    async fn list_audit_entries(
        &self,
        request: Request<ListAuditEntriesRequest>,
    ) -> Answer<ListAuditEntriesResponse> {
        handle!(Need::Admin, request, |_c, r| self.list_audit_entries(r))
    }
}
