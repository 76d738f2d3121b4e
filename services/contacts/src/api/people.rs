//! People: the register's persons, with what their affiliations and consents tell.

use std::collections::HashMap;

use engage_api::contacts::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::{AuditEntry, FieldChange, Journal, RequestId};
use engage_platform::resource::parse_name;
use engage_platform::{Caller, Error, Role, idempotent_write};

use super::duplicates;
use super::listing::{self, ListRequest};
use super::{
    ContactsApi, Need, caller, invalid, method, page_limits, require_etag, required, today, writer,
};
use crate::domain::children::is_active;
use crate::domain::person;
use crate::domain::search::SearchedFields;
use crate::store::lifecycle::{self, Stored, Writer};
use crate::store::{ListQuery, RecordKind, Register};

fn person_fields(p: &Person) -> SearchedFields {
    let mut fields = vec![
        ("display_name", p.display_name.clone(), true),
        ("given_name", p.given_name.clone(), true),
        ("family_name", p.family_name.clone(), true),
    ];
    fields.extend(
        p.emails
            .iter()
            .map(|e| ("emails", e.address.clone(), false)),
    );
    fields.extend(p.phones.iter().map(|t| ("phones", t.e164.clone(), false)));
    fields.push(("notes", p.notes.clone(), false));
    fields
}

fn is_admin(caller: &Caller) -> bool {
    caller.has_role(Role::Admin)
}

impl ContactsApi {
    /// People as `caller` may see them: primary affiliation and active consents filled in,
    /// a youth person's birth date withheld from all but admins.
    pub(super) async fn people_for(
        &self,
        caller: &Caller,
        stored: &[Stored<Person>],
    ) -> Result<Vec<Person>, Error> {
        let ids: Vec<String> = stored.iter().map(|s| s.row.id.clone()).collect();
        let affiliations = self.children_of::<Affiliation>(ids.clone()).await?;
        let consents = self.children_of::<ConsentRecord>(ids).await?;
        let today = today();
        let mut primary: HashMap<&str, &Affiliation> = HashMap::new();
        for a in &affiliations {
            if a.value.primary
                && let Some(parent) = a.row.parent_id.as_deref()
            {
                primary.insert(parent, &a.value);
            }
        }
        let mut active: HashMap<&str, Vec<i32>> = HashMap::new();
        for c in &consents {
            if is_active(&c.value, today)
                && let Some(parent) = c.row.parent_id.as_deref()
            {
                active.entry(parent).or_default().push(c.value.purpose);
            }
        }
        Ok(stored
            .iter()
            .map(|s| {
                let mut p = s.resource();
                if let Some(a) = primary.get(s.row.id.as_str()) {
                    p.primary_organization = a.organization.clone();
                    p.primary_title = a.title.clone();
                }
                let mut purposes = active.remove(s.row.id.as_str()).unwrap_or_default();
                purposes.sort_unstable();
                purposes.dedup();
                p.active_consents = purposes;
                person::withhold_birth_date(&mut p, is_admin(caller));
                p
            })
            .collect())
    }

    async fn person_for(&self, caller: &Caller, stored: Stored<Person>) -> Result<Person, Error> {
        let mut people = self
            .people_for(caller, std::slice::from_ref(&stored))
            .await?;
        people
            .pop()
            .ok_or_else(|| Error::Internal("a person went missing while read".into()))
    }

    pub(super) async fn get_person(
        &self,
        request: tonic::Request<GetPersonRequest>,
    ) -> Result<GetPersonResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let name = request.into_inner().name;
        let id = parse_name("people", &name, "name")?;
        let stored = self.fetch::<Person>(id, &name).await?;
        Ok(GetPersonResponse {
            person: Some(self.person_for(&caller, stored).await?),
        })
    }

    pub(super) async fn batch_get_people(
        &self,
        request: tonic::Request<BatchGetPeopleRequest>,
    ) -> Result<BatchGetPeopleResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let request = request.into_inner();
        let found = self
            .batch_get::<Person>(&request.names, request.resolve_merged)
            .await?;
        Ok(BatchGetPeopleResponse {
            people: self.people_for(&caller, &found).await?,
        })
    }

    pub(super) async fn list_people(
        &self,
        request: tonic::Request<ListPeopleRequest>,
    ) -> Result<ListPeopleResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let listing = listing::PEOPLE.listing(
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
        let page = self.page::<Person>(listing).await?;
        Ok(ListPeopleResponse {
            people: self.people_for(&caller, &page.items).await?,
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn search_people(
        &self,
        request: tonic::Request<SearchPeopleRequest>,
    ) -> Result<SearchPeopleResponse, Error> {
        let caller = caller(&request, Need::Read)?;
        let r = request.into_inner();
        let (hits, next_page_token) = self
            .search::<Person>(
                &listing::PEOPLE,
                &r.query,
                &r.filter,
                r.page_size,
                &r.page_token,
                person_fields,
            )
            .await?;
        let stored: Vec<Stored<Person>> = hits.iter().map(|h| h.stored.clone()).collect();
        let people = self.people_for(&caller, &stored).await?;
        Ok(SearchPeopleResponse {
            results: hits
                .into_iter()
                .zip(people)
                .map(|(hit, person)| PersonSearchResult {
                    person: Some(person),
                    relevance: hit.relevance,
                    matched_fields: hit.matched_fields.into_iter().map(String::from).collect(),
                })
                .collect(),
            next_page_token,
        })
    }

    pub(super) async fn create_person(
        &self,
        request: tonic::Request<CreatePersonRequest>,
    ) -> Result<CreatePersonResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let request = request.into_inner();
        let request_id = RequestId::parse(&request.request_id, &request)?;
        let mut person = required(request.person.clone(), "person")?;
        person::normalize_person(&mut person, "person", today()).map_err(invalid)?;
        let writer = Writer {
            caller: &caller,
            method: method!("CreatePerson"),
            request_id: request_id.as_ref(),
        };
        let find_by_email = if request.find_by_email && !request.validate_only {
            let email = person::email_to_find(&person).ok_or_else(|| {
                Error::invalid(
                    "person.emails",
                    "needs an email address to find the person by",
                )
            })?;
            Some(email)
        } else {
            None
        };
        let options = duplicates::CreateOptions {
            validate_only: request.validate_only,
            refuse_likely_duplicate: request.refuse_likely_duplicate,
            find_by_email,
        };
        let mut response = self
            .create_checked(
                writer,
                &request_id,
                person,
                options,
                |p, candidates, found| CreatePersonResponse {
                    person: Some(p),
                    duplicate_candidates: candidates,
                    found_existing: found,
                },
            )
            .await?;
        if response.found_existing
            && let Some(found) = response.person.take()
        {
            // As a read returns them: with primary affiliation and active consents.
            let id = parse_name("people", &found.name, "person.name")?;
            let stored = self.fetch::<Person>(id, &found.name).await?;
            response.person = Some(self.person_for(&caller, stored).await?);
        }
        if let Some(p) = response.person.as_mut() {
            person::withhold_birth_date(p, is_admin(&caller));
        }
        Ok(response)
    }

    pub(super) async fn update_person(
        &self,
        request: tonic::Request<UpdatePersonRequest>,
    ) -> Result<UpdatePersonResponse, Error> {
        let caller = caller(&request, Need::Write)?;
        let request = request.into_inner();
        let named_birth_date = person::mask_names_birth_date(request.update_mask.as_ref());
        let patch = required(request.person, "person")?;
        let mask = UpdateMask::parse(request.update_mask.as_ref(), person::UPDATABLE_FIELDS)?;
        let id = parse_name("people", &patch.name, "person.name")?;
        require_etag(&patch.etag, "person.etag")?;
        let admin = is_admin(&caller);
        let stored = self
            .change::<Person>(
                writer(&caller, method!("UpdatePerson")),
                id,
                &patch.name,
                &patch.etag,
                "updated",
                |before, p| {
                    let reads_birth_date = admin || !before.value.youth;
                    person::apply_update_person(
                        p,
                        &patch,
                        &mask,
                        named_birth_date,
                        reads_birth_date,
                    );
                    person::normalize_person(p, "person", today()).map_err(invalid)
                },
            )
            .await?;
        self.rescore(&caller, &patch.name).await?;
        Ok(UpdatePersonResponse {
            person: Some(self.person_for(&caller, stored).await?),
        })
    }

    pub(super) async fn delete_person(
        &self,
        caller: &Caller,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Person, Error> {
        let id = parse_name("people", name, "name")?;
        let method = if deleted {
            method!("DeletePerson")
        } else {
            method!("UndeletePerson")
        };
        let stored = self
            .set_deleted::<Person>(caller, method, id, name, etag, deleted)
            .await?;
        self.person_for(caller, stored).await
    }
}

/// What an erased person keeps: a tombstone that old references still resolve to.
fn tombstone() -> Person {
    Person {
        display_name: "Erased person".into(),
        ..Person::default()
    }
}

/// Longest erasure reason.
const MAX_ERASE_REASON: usize = 1_000;

impl ContactsApi {
    pub(super) async fn erase_person(
        &self,
        caller: &Caller,
        r: ErasePersonRequest,
    ) -> Result<ErasePersonResponse, Error> {
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let id = parse_name("people", &r.name, "name")?;
        require_etag(&r.etag, "etag")?;
        let reason = r.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > MAX_ERASE_REASON {
            return Err(Error::invalid(
                "reason",
                format!("holds 1 to {MAX_ERASE_REASON} characters"),
            ));
        }
        let method = method!("ErasePerson");
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        let name = r.name.clone();
        let erased = idempotent_write!(self.db, method, &request_id, |conn| {
            let before = lifecycle::load_for_change::<Person, _>(conn, id, &name, &r.etag).await?;
            if before.row.erase_time.is_some() {
                return Err(Error::FailedPrecondition {
                    reason: "ERASED",
                    message: format!("{name} was erased already"),
                });
            }
            erase_children(conn, writer, id).await?;
            super::duplicates::close_candidates(conn, writer, &name, false).await?;
            let mut after = before.clone();
            after.value = tombstone();
            after.row.erase_time = Some(engage_platform::resource::now_micros());
            let saved = lifecycle::save(conn, writer, &before, after, "erased", Vec::new()).await?;
            conn.redact_audit(&name).await?;
            let mut record = AuditEntry::new(
                writer.caller,
                method,
                "erasure_reason",
                &name,
                vec![FieldChange::set("reason", serde_json::json!(reason))],
            );
            record.request_id = request_id.as_ref().map(|r| r.as_str().to_owned());
            conn.append_audit(record).await?;
            Ok::<_, Error>(ErasePersonResponse {
                person: Some(saved.resource()),
            })
        })?;
        Ok(erased)
    }
}

/// Clears the free text of a person's affiliations and consent records, which stay as proof
/// of the lawful basis and of the erasure.
async fn erase_children<C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    person_id: &str,
) -> Result<(), Error> {
    for kind in [RecordKind::Affiliation, RecordKind::ConsentRecord] {
        let mut query = ListQuery::new(kind);
        query.parent_id = Some(person_id.to_owned());
        query.show_deleted = true;
        for row in conn.list(&query).await? {
            if kind == RecordKind::Affiliation {
                let before = Stored::<Affiliation>::decode(row)?;
                let mut after = before.clone();
                after.value.title.clear();
                after.value.department.clear();
                lifecycle::save(conn, writer, &before, after, "erased", Vec::new()).await?;
            } else {
                let before = Stored::<ConsentRecord>::decode(row)?;
                let mut after = before.clone();
                after.value.purpose_description.clear();
                after.value.source_detail.clear();
                after.value.withdraw_source_detail.clear();
                lifecycle::save(conn, writer, &before, after, "erased", Vec::new()).await?;
            }
        }
    }
    Ok(())
}
