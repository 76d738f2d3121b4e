//! Affiliations, accreditations, consent records and interactions.

use engage_api::contacts::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::RequestId;
use engage_platform::resource::{parse_child_name, parse_name};
use engage_platform::{Caller, Error, Violation, idempotent_write, write_transaction};

use super::listing::{self, ListRequest, ListSpec};
use super::{
    ContactsApi, Paged, actor, invalid, method, page_limits, require_etag, required, today, writer,
};
use crate::domain::children;
use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, RecordKind, Register};

/// Violations of a custom method name the request's own fields, not the resource's.
fn top_level(violations: Vec<Violation>, prefix: &str) -> Error {
    invalid(
        violations
            .into_iter()
            .map(|v| {
                let field = v
                    .field
                    .strip_prefix(prefix)
                    .map(str::to_owned)
                    .unwrap_or(v.field);
                Violation::new(field, v.description)
            })
            .collect(),
    )
}

/// An affiliation as the API returns it: `current` as of today.
fn affiliation_out(stored: &Stored<Affiliation>) -> Affiliation {
    let mut a = stored.resource();
    a.current = children::is_current(&a, today());
    a
}

/// A GrantAccreditation or RefuseAccreditation request.
pub(super) struct Decision<'a> {
    pub name: &'a str,
    pub etag: &'a str,
    pub decision_date: Option<engage_api::types::Date>,
    pub decision_reason: &'a str,
    pub request_id: Option<RequestId>,
}

/// The parameters of a child List request.
pub(super) struct ChildList<'a> {
    pub parent: &'a str,
    pub filter: &'a str,
    pub order_by: &'a str,
    pub page_size: i32,
    pub page_token: &'a str,
    pub show_deleted: bool,
}

/// Clears `primary` on the person's other live affiliations, each a change of its own.
async fn clear_other_primaries<C: Register + engage_platform::journal::Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    person_id: &str,
    except: Option<&str>,
) -> Result<(), Error> {
    let mut query = ListQuery::new(RecordKind::Affiliation);
    query.parent_id = Some(person_id.to_owned());
    query.conditions.push(Condition::Term {
        field: "primary".into(),
        value: "true".into(),
        negated: false,
    });
    for row in conn.list(&query).await? {
        if Some(row.id.as_str()) == except {
            continue;
        }
        let before = Stored::<Affiliation>::decode(row)?;
        let mut after = before.clone();
        after.value.primary = false;
        lifecycle::save(conn, writer, &before, after, "updated", Vec::new()).await?;
    }
    Ok(())
}

impl ContactsApi {
    /// Reads child `name` of kind `R`, checking that it belongs to the parent it names.
    async fn child<R: Resource>(&self, name: &str, field: &str) -> Result<Stored<R>, Error> {
        let parent = R::PARENT.unwrap_or_default();
        let (parent_id, id) = parse_child_name(parent, R::COLLECTION, name, field)?;
        let stored = self.fetch::<R>(id, name).await?;
        if stored.row.parent_id.as_deref() != Some(parent_id) {
            return Err(Error::not_found(name));
        }
        Ok(stored)
    }

    /// The parent a child is created under: it must exist and be live and writable.
    async fn live_parent<P: Resource>(&self, name: &str) -> Result<String, Error> {
        let id = parse_name(P::COLLECTION, name, "parent")?;
        let parent = self.fetch::<P>(id, name).await?;
        parent.ensure_writable()?;
        parent.ensure_not_deleted()?;
        Ok(id.to_owned())
    }

    /// Checks that each of `names` is a live record of kind `R`: an unknown one is
    /// INVALID_ARGUMENT on its field; a deleted, merged or erased one FAILED_PRECONDITION
    /// naming the survivor of a merge.
    pub(super) async fn live_references<R: Resource>(
        &self,
        names: &[String],
        field: &str,
    ) -> Result<(), Error> {
        if names.is_empty() {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            ids.push(parse_name(R::COLLECTION, name, &format!("{field}[{i}]"))?.to_owned());
        }
        let rows = engage_platform::with_connection!(self.db, |conn| {
            conn.load_many(R::KIND, &ids).await?
        });
        let mut violations = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match rows.iter().find(|r| &r.id == id) {
                None => violations.push(Violation::new(
                    format!("{field}[{i}]"),
                    format!("{} does not exist", names[i]),
                )),
                Some(row) => {
                    let stored = Stored::<R>::decode(row.clone())?;
                    stored.ensure_writable()?;
                    stored.ensure_not_deleted()?;
                }
            }
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(invalid(violations))
        }
    }

    pub(super) async fn list_children<R: Resource, P: Resource>(
        &self,
        spec: &ListSpec,
        request: ChildList<'_>,
    ) -> Result<Paged<R>, Error> {
        let parent_id = match request.parent.strip_prefix(P::COLLECTION) {
            Some("/-") => None,
            _ => {
                let id = parse_name(P::COLLECTION, request.parent, "parent")?;
                self.fetch::<P>(id, request.parent).await?;
                Some(id)
            }
        };
        let listing = spec.listing(
            &ListRequest {
                filter: request.filter,
                order_by: request.order_by,
                page_size: request.page_size,
                page_token: request.page_token,
                parent_id,
                show_deleted: request.show_deleted,
                show_merged: false,
                limits: page_limits(50, 1000),
            },
            today(),
        )?;
        self.page::<R>(listing).await
    }

    /// Changes a record once per request id, answering a retry with the first result.
    async fn change_once<R: Resource>(
        &self,
        caller: &Caller,
        method: &'static str,
        request_id: Option<RequestId>,
        stored_name: (&str, &str),
        etag: &str,
        change: impl Fn(&mut R) -> Result<(), Error> + Send + Sync,
    ) -> Result<R, Error> {
        let (id, name) = stored_name;
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        idempotent_write!(self.db, method, &request_id, |conn| {
            let before = lifecycle::load_for_change::<R, _>(conn, id, name, etag).await?;
            before.ensure_writable()?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            change(&mut after.value)?;
            lifecycle::save(conn, writer, &before, after, "updated", Vec::new())
                .await
                .map(|s| s.resource())
        })
    }

    // Affiliations ------------------------------------------------------------------------

    pub(super) async fn get_affiliation(&self, name: &str) -> Result<Affiliation, Error> {
        Ok(affiliation_out(
            &self.child::<Affiliation>(name, "name").await?,
        ))
    }

    pub(super) async fn list_affiliations(
        &self,
        r: ListAffiliationsRequest,
    ) -> Result<ListAffiliationsResponse, Error> {
        let page = self
            .list_children::<Affiliation, Person>(
                &listing::AFFILIATIONS,
                ChildList {
                    parent: &r.parent,
                    filter: &r.filter,
                    order_by: &r.order_by,
                    page_size: r.page_size,
                    page_token: &r.page_token,
                    show_deleted: r.show_deleted,
                },
            )
            .await?;
        Ok(ListAffiliationsResponse {
            affiliations: page.items.iter().map(affiliation_out).collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn create_affiliation(
        &self,
        caller: &Caller,
        r: CreateAffiliationRequest,
    ) -> Result<CreateAffiliationResponse, Error> {
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let person_id = self.live_parent::<Person>(&r.parent).await?;
        let mut affiliation = required(r.affiliation.clone(), "affiliation")?;
        children::normalize_affiliation(&mut affiliation, "affiliation", today())
            .map_err(invalid)?;
        self.live_references::<Organization>(
            std::slice::from_ref(&affiliation.organization),
            "affiliation.organization",
        )
        .await
        .map_err(|e| match e {
            Error::InvalidArgument(_) => {
                Error::invalid("affiliation.organization", "names no organisation")
            }
            other => other,
        })?;
        let method = method!("CreateAffiliation");
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        let mut response = idempotent_write!(self.db, method, &request_id, |conn| {
            if affiliation.primary {
                clear_other_primaries(conn, writer, &person_id, None).await?;
            }
            lifecycle::create(conn, writer, Some(person_id.clone()), affiliation.clone())
                .await
                .map(|s| CreateAffiliationResponse {
                    affiliation: Some(s.resource()),
                })
        })?;
        if let Some(a) = response.affiliation.as_mut() {
            a.current = children::is_current(a, today());
        }
        Ok(response)
    }

    pub(super) async fn update_affiliation(
        &self,
        caller: &Caller,
        r: UpdateAffiliationRequest,
    ) -> Result<Affiliation, Error> {
        let patch = required(r.affiliation, "affiliation")?;
        let mask = UpdateMask::parse(
            r.update_mask.as_ref(),
            children::AFFILIATION_UPDATABLE_FIELDS,
        )?;
        let (person_id, id) =
            parse_child_name("people", "affiliations", &patch.name, "affiliation.name")?;
        require_etag(&patch.etag, "affiliation.etag")?;
        self.child::<Affiliation>(&patch.name, "affiliation.name")
            .await?;
        let writer = writer(caller, method!("UpdateAffiliation"));
        let stored = write_transaction!(self.db, |conn| {
            let before =
                lifecycle::load_for_change::<Affiliation, _>(conn, id, &patch.name, &patch.etag)
                    .await?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            children::apply_update_affiliation(&mut after.value, &patch, &mask);
            children::normalize_affiliation(&mut after.value, "affiliation", today())
                .map_err(invalid)?;
            if after.value.primary && !before.value.primary {
                clear_other_primaries(conn, writer, person_id, Some(id)).await?;
            }
            lifecycle::save(conn, writer, &before, after, "updated", Vec::new()).await
        })?;
        Ok(affiliation_out(&stored))
    }

    pub(super) async fn delete_child<R: Resource>(
        &self,
        caller: &Caller,
        method: &'static str,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Stored<R>, Error> {
        let stored = self.child::<R>(name, "name").await?;
        self.set_deleted::<R>(caller, method, &stored.row.id, name, etag, deleted)
            .await
    }

    pub(super) async fn delete_affiliation(
        &self,
        caller: &Caller,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Affiliation, Error> {
        let method = if deleted {
            method!("DeleteAffiliation")
        } else {
            method!("UndeleteAffiliation")
        };
        let stored = self
            .delete_child::<Affiliation>(caller, method, name, etag, deleted)
            .await?;
        Ok(affiliation_out(&stored))
    }

    // Accreditations ----------------------------------------------------------------------

    pub(super) async fn get_accreditation(&self, name: &str) -> Result<Accreditation, Error> {
        Ok(self.child::<Accreditation>(name, "name").await?.resource())
    }

    pub(super) async fn list_accreditations(
        &self,
        r: ListAccreditationsRequest,
    ) -> Result<ListAccreditationsResponse, Error> {
        let page = self
            .list_children::<Accreditation, Organization>(
                &listing::ACCREDITATIONS,
                ChildList {
                    parent: &r.parent,
                    filter: &r.filter,
                    order_by: &r.order_by,
                    page_size: r.page_size,
                    page_token: &r.page_token,
                    show_deleted: r.show_deleted,
                },
            )
            .await?;
        Ok(ListAccreditationsResponse {
            accreditations: page.items.iter().map(Stored::resource).collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn create_accreditation(
        &self,
        caller: &Caller,
        r: CreateAccreditationRequest,
    ) -> Result<CreateAccreditationResponse, Error> {
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let organization_id = self.live_parent::<Organization>(&r.parent).await?;
        let mut accreditation = required(r.accreditation.clone(), "accreditation")?;
        children::normalize_accreditation(&mut accreditation, "accreditation", today())
            .map_err(invalid)?;
        self.live_references::<Person>(
            &accreditation.representatives,
            "accreditation.representatives",
        )
        .await?;
        if accreditation.state != AccreditationState::Requested as i32 {
            accreditation.decided_by = Some(actor(caller));
        }
        let method = method!("CreateAccreditation");
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        idempotent_write!(self.db, method, &request_id, |conn| {
            let mut same_session = ListQuery::new(RecordKind::Accreditation);
            same_session.parent_id = Some(organization_id.clone());
            same_session.conditions.push(Condition::Term {
                field: "conference_session".into(),
                value: accreditation.conference_session.clone(),
                negated: false,
            });
            if let Some(existing) = conn.list(&same_session).await?.first() {
                let existing = Stored::<Accreditation>::decode(existing.clone())?.name();
                return Err(Error::Taken {
                    reason: "ACCREDITATION_EXISTS",
                    message: format!(
                        "{} holds an accreditation to {} already: {existing}",
                        r.parent, accreditation.conference_session
                    ),
                    resource: existing,
                });
            }
            lifecycle::create(
                conn,
                writer,
                Some(organization_id.clone()),
                accreditation.clone(),
            )
            .await
            .map(|s| CreateAccreditationResponse {
                accreditation: Some(s.resource()),
            })
        })
    }

    pub(super) async fn update_accreditation(
        &self,
        caller: &Caller,
        r: UpdateAccreditationRequest,
    ) -> Result<Accreditation, Error> {
        let patch = required(r.accreditation, "accreditation")?;
        let mask = UpdateMask::parse(
            r.update_mask.as_ref(),
            children::ACCREDITATION_UPDATABLE_FIELDS,
        )?;
        require_etag(&patch.etag, "accreditation.etag")?;
        let stored = self
            .child::<Accreditation>(&patch.name, "accreditation.name")
            .await?;
        if mask.contains("representatives") {
            self.live_references::<Person>(&patch.representatives, "accreditation.representatives")
                .await?;
        }
        let changed = self
            .change::<Accreditation>(
                writer(caller, method!("UpdateAccreditation")),
                &stored.row.id,
                &patch.name,
                &patch.etag,
                "updated",
                |_, a| {
                    children::apply_update_accreditation(a, &patch, &mask);
                    children::normalize_accreditation(a, "accreditation", today()).map_err(invalid)
                },
            )
            .await?;
        Ok(changed.resource())
    }

    /// GrantAccreditation and RefuseAccreditation.
    pub(super) async fn decide_accreditation(
        &self,
        caller: &Caller,
        decision: AccreditationState,
        request: Decision<'_>,
    ) -> Result<Accreditation, Error> {
        let Decision {
            name,
            etag,
            decision_date,
            decision_reason,
            request_id,
        } = request;
        require_etag(etag, "etag")?;
        let stored = self.child::<Accreditation>(name, "name").await?;
        let method = if decision == AccreditationState::Granted {
            method!("GrantAccreditation")
        } else {
            method!("RefuseAccreditation")
        };
        let decided_by = actor(caller);
        self.change_once::<Accreditation>(
            caller,
            method,
            request_id,
            (&stored.row.id, name),
            etag,
            |a| {
                let current =
                    AccreditationState::try_from(a.state).unwrap_or(AccreditationState::Requested);
                children::decide(current, decision)?;
                a.state = decision as i32;
                a.decision_date =
                    Some(decision_date.unwrap_or_else(|| crate::domain::dates::from_date(today())));
                a.decision_reason = decision_reason.to_owned();
                a.decided_by = Some(decided_by.clone());
                children::normalize_accreditation(a, "accreditation", today())
                    .map_err(|v| top_level(v, "accreditation."))
            },
        )
        .await
    }

    // Consent records ---------------------------------------------------------------------

    pub(super) async fn get_consent_record(&self, name: &str) -> Result<ConsentRecord, Error> {
        Ok(self.child::<ConsentRecord>(name, "name").await?.resource())
    }

    pub(super) async fn list_consent_records(
        &self,
        r: ListConsentRecordsRequest,
    ) -> Result<ListConsentRecordsResponse, Error> {
        let page = self
            .list_children::<ConsentRecord, Person>(
                &listing::CONSENT_RECORDS,
                ChildList {
                    parent: &r.parent,
                    filter: &r.filter,
                    order_by: &r.order_by,
                    page_size: r.page_size,
                    page_token: &r.page_token,
                    show_deleted: r.show_deleted,
                },
            )
            .await?;
        Ok(ListConsentRecordsResponse {
            consent_records: page.items.iter().map(Stored::resource).collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn create_consent_record(
        &self,
        caller: &Caller,
        r: CreateConsentRecordRequest,
    ) -> Result<CreateConsentRecordResponse, Error> {
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let person_id = self.live_parent::<Person>(&r.parent).await?;
        let mut record = required(r.consent_record.clone(), "consent_record")?;
        children::normalize_consent_record(&mut record, "consent_record", today())
            .map_err(invalid)?;
        record.recorded_by = Some(actor(caller));
        self.create(
            caller,
            method!("CreateConsentRecord"),
            request_id,
            Some(person_id),
            record,
            |record| CreateConsentRecordResponse {
                consent_record: Some(record),
            },
        )
        .await
    }

    pub(super) async fn update_consent_record(
        &self,
        caller: &Caller,
        r: UpdateConsentRecordRequest,
    ) -> Result<ConsentRecord, Error> {
        let patch = required(r.consent_record, "consent_record")?;
        let mask = UpdateMask::parse(
            r.update_mask.as_ref(),
            children::CONSENT_RECORD_UPDATABLE_FIELDS,
        )?;
        require_etag(&patch.etag, "consent_record.etag")?;
        let stored = self
            .child::<ConsentRecord>(&patch.name, "consent_record.name")
            .await?;
        let changed = self
            .change::<ConsentRecord>(
                writer(caller, method!("UpdateConsentRecord")),
                &stored.row.id,
                &patch.name,
                &patch.etag,
                "updated",
                |_, c| {
                    children::apply_update_consent_record(c, &patch, &mask);
                    children::normalize_consent_record(c, "consent_record", today())
                        .map_err(invalid)
                },
            )
            .await?;
        Ok(changed.resource())
    }

    pub(super) async fn withdraw_consent_record(
        &self,
        caller: &Caller,
        r: WithdrawConsentRecordRequest,
    ) -> Result<ConsentRecord, Error> {
        require_etag(&r.etag, "etag")?;
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let stored = self.child::<ConsentRecord>(&r.name, "name").await?;
        self.change_once::<ConsentRecord>(
            caller,
            method!("WithdrawConsentRecord"),
            request_id,
            (&stored.row.id, &r.name),
            &r.etag,
            |c| {
                let state = ConsentState::try_from(c.state).unwrap_or(ConsentState::Given);
                children::decide_withdrawal(state)?;
                children::withdraw_consent_record(
                    c,
                    r.withdraw_date,
                    r.withdraw_source,
                    &r.withdraw_source_detail,
                    today(),
                )
                .map_err(invalid)
            },
        )
        .await
    }

    // Interactions ------------------------------------------------------------------------

    async fn check_participants(&self, interaction: &Interaction) -> Result<(), Error> {
        self.live_references::<Person>(&interaction.people, "interaction.people")
            .await?;
        self.live_references::<Organization>(
            &interaction.organizations,
            "interaction.organizations",
        )
        .await
    }

    pub(super) async fn list_interactions(
        &self,
        r: ListInteractionsRequest,
    ) -> Result<ListInteractionsResponse, Error> {
        let listing = listing::INTERACTIONS.listing(
            &ListRequest {
                filter: &r.filter,
                order_by: &r.order_by,
                page_size: r.page_size,
                page_token: &r.page_token,
                parent_id: None,
                show_deleted: r.show_deleted,
                show_merged: false,
                limits: page_limits(50, 1000),
            },
            today(),
        )?;
        let page = self.page::<Interaction>(listing).await?;
        Ok(ListInteractionsResponse {
            interactions: page.items.iter().map(Stored::resource).collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    pub(super) async fn create_interaction(
        &self,
        caller: &Caller,
        r: CreateInteractionRequest,
    ) -> Result<CreateInteractionResponse, Error> {
        let request_id = RequestId::parse(&r.request_id, &r)?;
        let mut interaction = required(r.interaction.clone(), "interaction")?;
        children::normalize_interaction(&mut interaction, "interaction", today())
            .map_err(invalid)?;
        self.check_participants(&interaction).await?;
        interaction.author = Some(actor(caller));
        self.create(
            caller,
            method!("CreateInteraction"),
            request_id,
            None,
            interaction,
            |interaction| CreateInteractionResponse {
                interaction: Some(interaction),
            },
        )
        .await
    }

    pub(super) async fn update_interaction(
        &self,
        caller: &Caller,
        r: UpdateInteractionRequest,
    ) -> Result<Interaction, Error> {
        let patch = required(r.interaction, "interaction")?;
        let mask = UpdateMask::parse(
            r.update_mask.as_ref(),
            children::INTERACTION_UPDATABLE_FIELDS,
        )?;
        let id = parse_name("interactions", &patch.name, "interaction.name")?;
        require_etag(&patch.etag, "interaction.etag")?;
        let mut checked = patch.clone();
        children::normalize_interaction(&mut checked, "interaction", today()).map_err(invalid)?;
        if mask.contains("people") || mask.contains("organizations") {
            self.check_participants(&checked).await?;
        }
        let changed = self
            .change::<Interaction>(
                writer(caller, method!("UpdateInteraction")),
                id,
                &patch.name,
                &patch.etag,
                "updated",
                |_, i| {
                    children::apply_update_interaction(i, &patch, &mask);
                    children::normalize_interaction(i, "interaction", today()).map_err(invalid)
                },
            )
            .await?;
        Ok(changed.resource())
    }

    pub(super) async fn delete_interaction(
        &self,
        caller: &Caller,
        name: &str,
        etag: &str,
        deleted: bool,
    ) -> Result<Interaction, Error> {
        let id = parse_name("interactions", name, "name")?;
        let method = if deleted {
            method!("DeleteInteraction")
        } else {
            method!("UndeleteInteraction")
        };
        Ok(self
            .set_deleted::<Interaction>(caller, method, id, name, etag, deleted)
            .await?
            .resource())
    }
}
