//! The generated service trait, answered by the handlers of the other modules. Methods not
//! listed here answer UNIMPLEMENTED.

use engage_api::contacts::contacts_service_server::ContactsService;
use engage_api::contacts::*;
use tonic::{Request, Response, Status};

use super::ContactsApi;

fn answer<T>(result: Result<T, engage_platform::Error>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

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
}
