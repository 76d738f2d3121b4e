//! Organisations, and what organisations and people share: batch reads and search.

use engage_api::contacts::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::RequestId;
use engage_platform::paging::Page;
use engage_platform::resource::parse_name;
use engage_platform::{Caller, Error, with_connection};

use super::duplicates;
use super::listing::{self, ListRequest, ListSpec};
use super::{
    ContactsApi, Need, caller, invalid, method, page_limits, require_etag, required, today, writer,
};
use crate::domain::organization;
use crate::domain::search::{SearchedFields, rank};
use crate::domain::text::{char_len, fold};
use crate::store::lifecycle::{Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, Register};

/// Most records a BatchGet answers.
const MAX_BATCH: usize = 1_000;
/// Candidates the database proposes to a search before they are ranked.
const SEARCH_CANDIDATES: i64 = 500;
/// Longest search query, in characters.
const MAX_QUERY_LEN: usize = 200;

/// The fields an organisation is searched on.
pub(super) fn organization_fields(o: &Organization) -> SearchedFields {
    let mut fields = vec![
        ("display_name", o.display_name.clone(), true),
        ("acronym", o.acronym.clone(), true),
    ];
    fields.extend(
        o.alternative_names
            .iter()
            .map(|n| ("alternative_names", n.clone(), true)),
    );
    fields.extend(
        o.emails
            .iter()
            .map(|e| ("emails", e.address.clone(), false)),
    );
    fields.push(("website", o.website.clone(), false));
    fields.push(("description", o.description.clone(), false));
    fields
}

/// A ranked search hit.
pub(super) struct Hit<R> {
    pub stored: Stored<R>,
    pub relevance: f64,
    pub matched_fields: Vec<&'static str>,
}

impl ContactsApi {
    /// Reads `names` in order (repeats allowed); with `resolve_merged` a merged record is
    /// answered by its survivor.
    pub(super) async fn batch_get<R: Resource>(
        &self,
        names: &[String],
        resolve_merged: bool,
    ) -> Result<Vec<Stored<R>>, Error> {
        if names.is_empty() || names.len() > MAX_BATCH {
            return Err(Error::invalid(
                "names",
                format!("names 1 to {MAX_BATCH} records"),
            ));
        }
        let mut violations = Vec::new();
        let mut ids = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            match parse_name(R::COLLECTION, name, &format!("names[{i}]")) {
                Ok(id) => ids.push(id.to_owned()),
                Err(v) => violations.push(v),
            }
        }
        if !violations.is_empty() {
            return Err(invalid(violations));
        }
        let mut rows = with_connection!(self.db, |conn| conn.load_many(R::KIND, &ids).await?);
        if resolve_merged {
            let survivors: Vec<String> =
                rows.iter().filter_map(|r| r.merged_into.clone()).collect();
            if !survivors.is_empty() {
                let more =
                    with_connection!(self.db, |conn| conn.load_many(R::KIND, &survivors).await?);
                rows.extend(more);
            }
        }
        let by_id: std::collections::HashMap<String, crate::store::RecordRow> =
            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&ids)
            .filter(|(_, id)| !by_id.contains_key(*id))
            .map(|(name, _)| name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::not_found(missing.join(", ")));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            let mut row = &by_id[id];
            if resolve_merged
                && let Some(survivor) = &row.merged_into
                && let Some(found) = by_id.get(survivor)
            {
                row = found;
            }
            out.push(Stored::decode(row.clone())?);
        }
        Ok(out)
    }

    /// Ranked search: the database proposes candidates, [`rank`] orders them.
    pub(super) async fn search<R: Resource>(
        &self,
        spec: &ListSpec,
        query: &str,
        filter: &str,
        page_size: i32,
        page_token: &str,
        fields: fn(&R) -> SearchedFields,
    ) -> Result<(Vec<Hit<R>>, String), Error> {
        let trimmed = query.trim();
        if trimmed.is_empty() || char_len(trimmed) > MAX_QUERY_LEN {
            return Err(Error::invalid(
                "query",
                format!("holds 1 to {MAX_QUERY_LEN} characters"),
            ));
        }
        let folded = fold(trimmed);
        let page = Page::<(String, String)>::parse(
            spec.search_name(),
            page_size,
            page_token,
            &[&folded, filter],
            page_limits(20, 100),
        )?;
        let conditions = spec.conditions(filter, today())?;
        let rows = with_connection!(self.db, |conn| {
            let ids = conn.search(R::KIND, &folded, SEARCH_CANDIDATES).await?;
            let mut listing = ListQuery::new(R::KIND);
            listing.show_erased = false;
            listing.conditions = conditions.clone();
            listing.conditions.push(Condition::AmongIds(ids));
            conn.list(&listing).await?
        });
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let stored = Stored::<R>::decode(row)?;
            let (relevance, matched_fields) = rank(&folded, &fields(&stored.value));
            if !matched_fields.is_empty() {
                hits.push(Hit {
                    stored,
                    relevance,
                    matched_fields,
                });
            }
        }
        hits.sort_by(|a, b| {
            b.relevance
                .total_cmp(&a.relevance)
                .then_with(|| a.stored.row.id.cmp(&b.stored.row.id))
        });
        let key = |h: &Hit<R>| (format!("{:.9}", h.relevance), h.stored.row.id.clone());
        if let Some((relevance, id)) = &page.after {
            let relevance: f64 = relevance.parse().unwrap_or(f64::MAX);
            hits.retain(|h| {
                let r: f64 = format!("{:.9}", h.relevance).parse().unwrap_or(0.0);
                r < relevance || (r == relevance && h.stored.row.id > *id)
            });
        }
        hits.truncate(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX));
        let next = page.finish(&mut hits, key);
        Ok((hits, next))
    }

    pub(super) async fn get_organization(
        &self,
        request: tonic::Request<GetOrganizationRequest>,
    ) -> Result<GetOrganizationResponse, Error> {
        caller(&request, Need::Read)?;
        let name = request.into_inner().name;
        let id = parse_name("organizations", &name, "name")?;
        let stored = self.fetch::<Organization>(id, &name).await?;
        Ok(GetOrganizationResponse {
            organization: Some(stored.resource()),
        })
    }

    pub(super) async fn batch_get_organizations(
        &self,
        request: tonic::Request<BatchGetOrganizationsRequest>,
    ) -> Result<BatchGetOrganizationsResponse, Error> {
        caller(&request, Need::Read)?;
        let request = request.into_inner();
        let found = self
            .batch_get::<Organization>(&request.names, request.resolve_merged)
            .await?;
        Ok(BatchGetOrganizationsResponse {
            organizations: found.iter().map(Stored::resource).collect(),
        })
    }

    pub(super) async fn list_organizations(
        &self,
        request: tonic::Request<ListOrganizationsRequest>,
    ) -> Result<ListOrganizationsResponse, Error> {
        caller(&request, Need::Read)?;
        let r = request.into_inner();
        let listing = listing::ORGANIZATIONS.listing(
            &ListRequest {
                filter: &r.filter,
                order_by: &r.order_by,
                page_size: r.page_size,
                page_token: &r.page_token,
                parent_id: None,
                show_deleted: r.show_deleted,
                show_merged: r.show_merged,
                limits: page_limits(50, 1000),
            },
            today(),
        )?;
        let page = self.page::<Organization>(listing).await?;
        Ok(ListOrganizationsResponse {
            organizations: page.items.iter().map(Stored::resource).collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn search_organizations(
        &self,
        request: tonic::Request<SearchOrganizationsRequest>,
    ) -> Result<SearchOrganizationsResponse, Error> {
        caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (hits, next_page_token) = self
            .search::<Organization>(
                &listing::ORGANIZATIONS,
                &r.query,
                &r.filter,
                r.page_size,
                &r.page_token,
                organization_fields,
            )
            .await?;
        Ok(SearchOrganizationsResponse {
            results: hits
                .into_iter()
                .map(|hit| OrganizationSearchResult {
                    organization: Some(hit.stored.resource()),
                    relevance: hit.relevance,
                    matched_fields: hit.matched_fields.into_iter().map(String::from).collect(),
                })
                .collect(),
            next_page_token,
        })
    }

    pub(super) async fn create_organization(
        &self,
        request: tonic::Request<CreateOrganizationRequest>,
    ) -> Result<CreateOrganizationResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let request = request.into_inner();
        let request_id = RequestId::parse(&request.request_id, &request)?;
        let mut organization = required(request.organization.clone(), "organization")?;
        organization::normalize_organization(&mut organization, "organization", today())
            .map_err(invalid)?;
        let writer = Writer {
            caller: &caller,
            method: method!("CreateOrganization"),
            request_id: request_id.as_ref(),
        };
        let options = duplicates::CreateOptions {
            validate_only: request.validate_only,
            refuse_likely_duplicate: request.refuse_likely_duplicate,
            find_by_email: None,
        };
        self.create_checked(
            writer,
            &request_id,
            organization,
            options,
            |o, candidates, _| CreateOrganizationResponse {
                organization: Some(o),
                duplicate_candidates: candidates,
            },
        )
        .await
    }

    pub(super) async fn update_organization(
        &self,
        request: tonic::Request<UpdateOrganizationRequest>,
    ) -> Result<UpdateOrganizationResponse, Error> {
        let caller: Caller = caller(&request, Need::Write)?;
        let request = request.into_inner();
        let patch = required(request.organization, "organization")?;
        let mask = UpdateMask::parse(request.update_mask.as_ref(), organization::UPDATABLE_FIELDS)?;
        let id = parse_name("organizations", &patch.name, "organization.name")?;
        require_etag(&patch.etag, "organization.etag")?;
        let stored = self
            .change::<Organization>(
                writer(&caller, method!("UpdateOrganization")),
                id,
                &patch.name,
                &patch.etag,
                "updated",
                |_, organization| {
                    organization::apply_update_organization(organization, &patch, &mask);
                    organization::normalize_organization(organization, "organization", today())
                        .map_err(invalid)
                },
            )
            .await?;
        self.rescore(&caller, &patch.name).await?;
        Ok(UpdateOrganizationResponse {
            organization: Some(stored.resource()),
        })
    }

    pub(super) async fn delete_organization(
        &self,
        caller: &Caller,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Organization, Error> {
        let id = parse_name("organizations", name, "name")?;
        let method = if deleted {
            method!("DeleteOrganization")
        } else {
            method!("UndeleteOrganization")
        };
        let stored = self
            .set_deleted::<Organization>(caller, method, id, name, etag, deleted)
            .await?;
        Ok(stored.resource())
    }

    pub(super) fn writer_of<T>(request: &tonic::Request<T>) -> Result<Caller, Error> {
        caller(request, Need::Write)
    }
}
