//! The generated service trait, answered by the handlers of the other modules. Methods not
//! listed here answer UNIMPLEMENTED.

use engage_api::contacts::contacts_service_server::ContactsService;
use engage_api::contacts::*;
use engage_platform::handle;
use engage_platform::journal::RequestId;
use engage_platform::resource::parse_name;
use engage_platform::server::answer;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::children::Decision;
use super::merge::MergeRequest;
use super::{ContactsApi, Need};

#[tonic::async_trait]
impl ContactsService for ContactsApi {
    async fn get_organization(
        &self,
        request: Request<GetOrganizationRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        answer(self.get_organization(request).await)
    }

    async fn batch_get_organizations(
        &self,
        request: Request<BatchGetOrganizationsRequest>,
    ) -> Result<Response<BatchGetOrganizationsResponse>, Status> {
        answer(self.batch_get_organizations(request).await)
    }

    async fn list_organizations(
        &self,
        request: Request<ListOrganizationsRequest>,
    ) -> Result<Response<ListOrganizationsResponse>, Status> {
        answer(self.list_organizations(request).await)
    }

    async fn search_organizations(
        &self,
        request: Request<SearchOrganizationsRequest>,
    ) -> Result<Response<SearchOrganizationsResponse>, Status> {
        answer(self.search_organizations(request).await)
    }

    async fn create_organization(
        &self,
        request: Request<CreateOrganizationRequest>,
    ) -> Result<Response<CreateOrganizationResponse>, Status> {
        answer(self.create_organization(request).await)
    }

    async fn update_organization(
        &self,
        request: Request<UpdateOrganizationRequest>,
    ) -> Result<Response<UpdateOrganizationResponse>, Status> {
        answer(self.update_organization(request).await)
    }

    async fn delete_organization(
        &self,
        request: Request<DeleteOrganizationRequest>,
    ) -> Result<Response<DeleteOrganizationResponse>, Status> {
        let caller = Self::writer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_organization(&caller, &r.name, &r.etag, true)
                .await
                .map(|o| DeleteOrganizationResponse {
                    organization: Some(o),
                }),
        )
    }

    async fn undelete_organization(
        &self,
        request: Request<UndeleteOrganizationRequest>,
    ) -> Result<Response<UndeleteOrganizationResponse>, Status> {
        let caller = Self::writer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_organization(&caller, &r.name, &r.etag, false)
                .await
                .map(|o| UndeleteOrganizationResponse {
                    organization: Some(o),
                }),
        )
    }

    async fn get_person(
        &self,
        request: Request<GetPersonRequest>,
    ) -> Result<Response<GetPersonResponse>, Status> {
        answer(self.get_person(request).await)
    }

    async fn batch_get_people(
        &self,
        request: Request<BatchGetPeopleRequest>,
    ) -> Result<Response<BatchGetPeopleResponse>, Status> {
        answer(self.batch_get_people(request).await)
    }

    async fn list_people(
        &self,
        request: Request<ListPeopleRequest>,
    ) -> Result<Response<ListPeopleResponse>, Status> {
        answer(self.list_people(request).await)
    }

    async fn search_people(
        &self,
        request: Request<SearchPeopleRequest>,
    ) -> Result<Response<SearchPeopleResponse>, Status> {
        answer(self.search_people(request).await)
    }

    async fn create_person(
        &self,
        request: Request<CreatePersonRequest>,
    ) -> Result<Response<CreatePersonResponse>, Status> {
        answer(self.create_person(request).await)
    }

    async fn update_person(
        &self,
        request: Request<UpdatePersonRequest>,
    ) -> Result<Response<UpdatePersonResponse>, Status> {
        answer(self.update_person(request).await)
    }

    async fn delete_person(
        &self,
        request: Request<DeletePersonRequest>,
    ) -> Result<Response<DeletePersonResponse>, Status> {
        let caller = Self::writer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_person(&caller, &r.name, &r.etag, true)
                .await
                .map(|p| DeletePersonResponse { person: Some(p) }),
        )
    }

    async fn undelete_person(
        &self,
        request: Request<UndeletePersonRequest>,
    ) -> Result<Response<UndeletePersonResponse>, Status> {
        let caller = Self::writer_of(&request)?;
        let r = request.into_inner();
        answer(
            self.delete_person(&caller, &r.name, &r.etag, false)
                .await
                .map(|p| UndeletePersonResponse { person: Some(p) }),
        )
    }

    async fn get_contacts_summary(
        &self,
        request: Request<GetContactsSummaryRequest>,
    ) -> Result<Response<GetContactsSummaryResponse>, Status> {
        answer(self.get_contacts_summary(request).await)
    }

    async fn list_countries(
        &self,
        request: Request<ListCountriesRequest>,
    ) -> Result<Response<ListCountriesResponse>, Status> {
        answer(self.list_countries(request))
    }

    async fn list_tags(
        &self,
        request: Request<ListTagsRequest>,
    ) -> Result<Response<ListTagsResponse>, Status> {
        answer(self.list_tags(request).await)
    }

    async fn list_audit_entries(
        &self,
        request: Request<ListAuditEntriesRequest>,
    ) -> Result<Response<ListAuditEntriesResponse>, Status> {
        answer(self.list_audit_entries(request).await)
    }

    async fn get_affiliation(
        &self,
        request: Request<GetAffiliationRequest>,
    ) -> Result<Response<GetAffiliationResponse>, Status> {
        handle!(Need::Read, request, |_c, r| async {
            self.get_affiliation(&r.name)
                .await
                .map(|a| GetAffiliationResponse {
                    affiliation: Some(a),
                })
        })
    }

    async fn list_affiliations(
        &self,
        request: Request<ListAffiliationsRequest>,
    ) -> Result<Response<ListAffiliationsResponse>, Status> {
        handle!(Need::Read, request, |_c, r| self.list_affiliations(r))
    }

    async fn create_affiliation(
        &self,
        request: Request<CreateAffiliationRequest>,
    ) -> Result<Response<CreateAffiliationResponse>, Status> {
        handle!(Need::Write, request, |c, r| self.create_affiliation(&c, r))
    }

    async fn update_affiliation(
        &self,
        request: Request<UpdateAffiliationRequest>,
    ) -> Result<Response<UpdateAffiliationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.update_affiliation(&c, r)
                .await
                .map(|a| UpdateAffiliationResponse {
                    affiliation: Some(a),
                })
        })
    }

    async fn delete_affiliation(
        &self,
        request: Request<DeleteAffiliationRequest>,
    ) -> Result<Response<DeleteAffiliationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_affiliation(&c, &r.name, &r.etag, true)
                .await
                .map(|a| DeleteAffiliationResponse {
                    affiliation: Some(a),
                })
        })
    }

    async fn undelete_affiliation(
        &self,
        request: Request<UndeleteAffiliationRequest>,
    ) -> Result<Response<UndeleteAffiliationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_affiliation(&c, &r.name, &r.etag, false)
                .await
                .map(|a| UndeleteAffiliationResponse {
                    affiliation: Some(a),
                })
        })
    }

    async fn get_accreditation(
        &self,
        request: Request<GetAccreditationRequest>,
    ) -> Result<Response<GetAccreditationResponse>, Status> {
        handle!(Need::Read, request, |_c, r| async {
            self.get_accreditation(&r.name)
                .await
                .map(|a| GetAccreditationResponse {
                    accreditation: Some(a),
                })
        })
    }

    async fn list_accreditations(
        &self,
        request: Request<ListAccreditationsRequest>,
    ) -> Result<Response<ListAccreditationsResponse>, Status> {
        handle!(Need::Read, request, |_c, r| self.list_accreditations(r))
    }

    async fn create_accreditation(
        &self,
        request: Request<CreateAccreditationRequest>,
    ) -> Result<Response<CreateAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| self
            .create_accreditation(&c, r))
    }

    async fn update_accreditation(
        &self,
        request: Request<UpdateAccreditationRequest>,
    ) -> Result<Response<UpdateAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.update_accreditation(&c, r)
                .await
                .map(|a| UpdateAccreditationResponse {
                    accreditation: Some(a),
                })
        })
    }

    async fn delete_accreditation(
        &self,
        request: Request<DeleteAccreditationRequest>,
    ) -> Result<Response<DeleteAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_child::<Accreditation>(
                &c,
                method!("DeleteAccreditation"),
                &r.name,
                &r.etag,
                true,
            )
            .await
            .map(|a| DeleteAccreditationResponse {
                accreditation: Some(a.resource()),
            })
        })
    }

    async fn undelete_accreditation(
        &self,
        request: Request<UndeleteAccreditationRequest>,
    ) -> Result<Response<UndeleteAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_child::<Accreditation>(
                &c,
                method!("UndeleteAccreditation"),
                &r.name,
                &r.etag,
                false,
            )
            .await
            .map(|a| UndeleteAccreditationResponse {
                accreditation: Some(a.resource()),
            })
        })
    }

    async fn grant_accreditation(
        &self,
        request: Request<GrantAccreditationRequest>,
    ) -> Result<Response<GrantAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            let request_id = RequestId::parse(&r.request_id, &r)?;
            self.decide_accreditation(
                &c,
                AccreditationState::Granted,
                Decision {
                    name: &r.name,
                    etag: &r.etag,
                    decision_date: r.decision_date,
                    decision_reason: &r.decision_reason,
                    request_id,
                },
            )
            .await
            .map(|a| GrantAccreditationResponse {
                accreditation: Some(a),
            })
        })
    }

    async fn refuse_accreditation(
        &self,
        request: Request<RefuseAccreditationRequest>,
    ) -> Result<Response<RefuseAccreditationResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            let request_id = RequestId::parse(&r.request_id, &r)?;
            self.decide_accreditation(
                &c,
                AccreditationState::Refused,
                Decision {
                    name: &r.name,
                    etag: &r.etag,
                    decision_date: r.decision_date,
                    decision_reason: &r.decision_reason,
                    request_id,
                },
            )
            .await
            .map(|a| RefuseAccreditationResponse {
                accreditation: Some(a),
            })
        })
    }

    async fn get_consent_record(
        &self,
        request: Request<GetConsentRecordRequest>,
    ) -> Result<Response<GetConsentRecordResponse>, Status> {
        handle!(Need::Read, request, |_c, r| async {
            self.get_consent_record(&r.name)
                .await
                .map(|c| GetConsentRecordResponse {
                    consent_record: Some(c),
                })
        })
    }

    async fn list_consent_records(
        &self,
        request: Request<ListConsentRecordsRequest>,
    ) -> Result<Response<ListConsentRecordsResponse>, Status> {
        handle!(Need::Read, request, |_c, r| self.list_consent_records(r))
    }

    async fn create_consent_record(
        &self,
        request: Request<CreateConsentRecordRequest>,
    ) -> Result<Response<CreateConsentRecordResponse>, Status> {
        handle!(Need::Write, request, |c, r| self
            .create_consent_record(&c, r))
    }

    async fn update_consent_record(
        &self,
        request: Request<UpdateConsentRecordRequest>,
    ) -> Result<Response<UpdateConsentRecordResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.update_consent_record(&c, r)
                .await
                .map(|c| UpdateConsentRecordResponse {
                    consent_record: Some(c),
                })
        })
    }

    async fn delete_consent_record(
        &self,
        request: Request<DeleteConsentRecordRequest>,
    ) -> Result<Response<DeleteConsentRecordResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_child::<ConsentRecord>(
                &c,
                method!("DeleteConsentRecord"),
                &r.name,
                &r.etag,
                true,
            )
            .await
            .map(|c| DeleteConsentRecordResponse {
                consent_record: Some(c.resource()),
            })
        })
    }

    async fn undelete_consent_record(
        &self,
        request: Request<UndeleteConsentRecordRequest>,
    ) -> Result<Response<UndeleteConsentRecordResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_child::<ConsentRecord>(
                &c,
                method!("UndeleteConsentRecord"),
                &r.name,
                &r.etag,
                false,
            )
            .await
            .map(|c| UndeleteConsentRecordResponse {
                consent_record: Some(c.resource()),
            })
        })
    }

    async fn withdraw_consent_record(
        &self,
        request: Request<WithdrawConsentRecordRequest>,
    ) -> Result<Response<WithdrawConsentRecordResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.withdraw_consent_record(&c, r)
                .await
                .map(|c| WithdrawConsentRecordResponse {
                    consent_record: Some(c),
                })
        })
    }

    async fn get_interaction(
        &self,
        request: Request<GetInteractionRequest>,
    ) -> Result<Response<GetInteractionResponse>, Status> {
        handle!(Need::Read, request, |_c, r| async {
            let id = parse_name("interactions", &r.name, "name")?;
            self.fetch::<Interaction>(id, &r.name)
                .await
                .map(|i| GetInteractionResponse {
                    interaction: Some(i.resource()),
                })
        })
    }

    async fn list_interactions(
        &self,
        request: Request<ListInteractionsRequest>,
    ) -> Result<Response<ListInteractionsResponse>, Status> {
        handle!(Need::Read, request, |_c, r| self.list_interactions(r))
    }

    async fn create_interaction(
        &self,
        request: Request<CreateInteractionRequest>,
    ) -> Result<Response<CreateInteractionResponse>, Status> {
        handle!(Need::Write, request, |c, r| self.create_interaction(&c, r))
    }

    async fn update_interaction(
        &self,
        request: Request<UpdateInteractionRequest>,
    ) -> Result<Response<UpdateInteractionResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.update_interaction(&c, r)
                .await
                .map(|i| UpdateInteractionResponse {
                    interaction: Some(i),
                })
        })
    }

    async fn delete_interaction(
        &self,
        request: Request<DeleteInteractionRequest>,
    ) -> Result<Response<DeleteInteractionResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_interaction(&c, &r.name, &r.etag, true)
                .await
                .map(|i| DeleteInteractionResponse {
                    interaction: Some(i),
                })
        })
    }

    async fn undelete_interaction(
        &self,
        request: Request<UndeleteInteractionRequest>,
    ) -> Result<Response<UndeleteInteractionResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.delete_interaction(&c, &r.name, &r.etag, false)
                .await
                .map(|i| UndeleteInteractionResponse {
                    interaction: Some(i),
                })
        })
    }

    async fn list_duplicate_candidates(
        &self,
        request: Request<ListDuplicateCandidatesRequest>,
    ) -> Result<Response<ListDuplicateCandidatesResponse>, Status> {
        handle!(Need::Read, request, |c, r| self
            .list_duplicate_candidates(&c, r))
    }

    async fn get_duplicate_candidate(
        &self,
        request: Request<GetDuplicateCandidateRequest>,
    ) -> Result<Response<GetDuplicateCandidateResponse>, Status> {
        handle!(Need::Read, request, |_c, r| async {
            self.get_duplicate_candidate(&r.name)
                .await
                .map(|d| GetDuplicateCandidateResponse {
                    duplicate_candidate: Some(d),
                })
        })
    }

    async fn run_duplicate_detection(
        &self,
        request: Request<RunDuplicateDetectionRequest>,
    ) -> Result<Response<RunDuplicateDetectionResponse>, Status> {
        handle!(Need::Write, request, |c, r| self
            .run_duplicate_detection(&c, r))
    }

    async fn dismiss_duplicate_candidate(
        &self,
        request: Request<DismissDuplicateCandidateRequest>,
    ) -> Result<Response<DismissDuplicateCandidateResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.decide_candidate(&c, &r.name, &r.note, false)
                .await
                .map(|d| DismissDuplicateCandidateResponse {
                    duplicate_candidate: Some(d),
                })
        })
    }

    async fn reopen_duplicate_candidate(
        &self,
        request: Request<ReopenDuplicateCandidateRequest>,
    ) -> Result<Response<ReopenDuplicateCandidateResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            self.decide_candidate(&c, &r.name, "", true).await.map(|d| {
                ReopenDuplicateCandidateResponse {
                    duplicate_candidate: Some(d),
                }
            })
        })
    }

    async fn preview_organization_merge(
        &self,
        request: Request<PreviewOrganizationMergeRequest>,
    ) -> Result<Response<PreviewOrganizationMergeResponse>, Status> {
        // A preview writes nothing: every role may read it (the gateway's table agrees).
        handle!(Need::Read, request, |c, r| self.preview_organization_merge(
            &c,
            MergeRequest {
                survivor: &r.survivor,
                survivor_etag: None,
                merged: &r.merged,
                merged_etag: None,
                choices: &r.field_choices,
            }
        ))
    }

    async fn merge_organizations(
        &self,
        request: Request<MergeOrganizationsRequest>,
    ) -> Result<Response<MergeOrganizationsResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            let request_id = RequestId::parse(&r.request_id, &r)?;
            self.merge_organizations(
                &c,
                MergeRequest {
                    survivor: &r.survivor,
                    survivor_etag: Some(&r.survivor_etag),
                    merged: &r.merged,
                    merged_etag: Some(&r.merged_etag),
                    choices: &r.field_choices,
                },
                request_id,
            )
            .await
        })
    }

    async fn preview_person_merge(
        &self,
        request: Request<PreviewPersonMergeRequest>,
    ) -> Result<Response<PreviewPersonMergeResponse>, Status> {
        handle!(Need::Read, request, |c, r| self.preview_person_merge(
            &c,
            MergeRequest {
                survivor: &r.survivor,
                survivor_etag: None,
                merged: &r.merged,
                merged_etag: None,
                choices: &r.field_choices,
            }
        ))
    }

    async fn merge_people(
        &self,
        request: Request<MergePeopleRequest>,
    ) -> Result<Response<MergePeopleResponse>, Status> {
        handle!(Need::Write, request, |c, r| async {
            let request_id = RequestId::parse(&r.request_id, &r)?;
            self.merge_people(
                &c,
                MergeRequest {
                    survivor: &r.survivor,
                    survivor_etag: Some(&r.survivor_etag),
                    merged: &r.merged,
                    merged_etag: Some(&r.merged_etag),
                    choices: &r.field_choices,
                },
                request_id,
            )
            .await
        })
    }

    async fn erase_person(
        &self,
        request: Request<ErasePersonRequest>,
    ) -> Result<Response<ErasePersonResponse>, Status> {
        handle!(Need::Admin, request, |c, r| self.erase_person(&c, r))
    }

    async fn rename_tag(
        &self,
        request: Request<RenameTagRequest>,
    ) -> Result<Response<RenameTagResponse>, Status> {
        handle!(Need::Write, request, |c, r| self.rename_tag(&c, r))
    }

    async fn import_organizations(
        &self,
        request: Request<ImportOrganizationsRequest>,
    ) -> Result<Response<BoxStream<ImportOrganizationsResponse>>, Status> {
        self.import_organizations(request).map(Response::new)
    }

    async fn import_people(
        &self,
        request: Request<ImportPeopleRequest>,
    ) -> Result<Response<BoxStream<ImportPeopleResponse>>, Status> {
        self.import_people(request).map(Response::new)
    }

    async fn export_organizations(
        &self,
        request: Request<ExportOrganizationsRequest>,
    ) -> Result<Response<BoxStream<ExportOrganizationsResponse>>, Status> {
        self.export_organizations(request).map(Response::new)
    }

    async fn export_people(
        &self,
        request: Request<ExportPeopleRequest>,
    ) -> Result<Response<BoxStream<ExportPeopleResponse>>, Status> {
        self.export_people(request).map(Response::new)
    }
}
