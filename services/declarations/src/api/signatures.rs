//! Signatures: signing (one live signature per signer), reading and listing, review,
//! withdrawal, erasure, and the public listing.

use engage_api::declarations::signature::Signer;
use engage_api::declarations::*;
use engage_platform::directory::{Directory, Reference};
use engage_platform::error::Violations;
use engage_platform::field_mask::UpdateMask;
use engage_platform::journal::{FieldChange, Journal as _, RequestId};
use engage_platform::query::Direction;
use engage_platform::resource::{
    check_etag, new_id, now_micros, parse_child_name, parse_name, timestamp,
};
use engage_platform::{Caller, Error, idempotent_write, with_connection};

use super::{
    DeclarationsApi, Journaled, change, is_officer, listing, method, request_id, required, today,
    total,
};
use crate::domain::dates;
use crate::domain::declaration::check_signable;
use crate::domain::filters::{
    self, PUBLIC_FIELDS, PUBLIC_ORDER, SIGNATURE_FIELDS, SIGNATURE_ORDER,
};
use crate::domain::signature::{
    self as rules, SignatureUpdate, check_contact, check_individual, endorsed_areas,
    individual_snapshot, organization_snapshot, sign_date,
};
use crate::store::rows::SignatureRow;
use crate::store::{Scope, Store, signature_keys};

/// The declaration and signature ids of a signature name.
fn signature_ids(name: &str) -> Result<(String, String), Error> {
    let (d, s) = parse_child_name("declarations", "signatures", name, "name")?;
    Ok((d.to_owned(), s.to_owned()))
}

/// The signature as `caller` may see it: the contact only for officers.
fn visible(mut s: Signature, caller: &Caller) -> Signature {
    if !is_officer(caller) {
        s.contact = None;
    }
    s
}

/// The signature after a review setting `status`, with the audit changes.
fn reviewed(
    current: &Signature,
    status: SignatureStatus,
    rejection_reason: i32,
    note: &str,
    who: &engage_api::types::Actor,
) -> (Signature, Vec<FieldChange>) {
    let mut next = current.clone();
    next.status = status as i32;
    next.review = Some(SignatureReview {
        status: status as i32,
        rejection_reason,
        note: note.trim().to_owned(),
        actor: Some(who.clone()),
        time: Some(timestamp(now_micros())),
    });
    let mut changes = Vec::new();
    let before = rules::status(current).as_str_name();
    change(&mut changes, "status", before, status.as_str_name());
    if rejection_reason != 0 {
        let reason = RejectionReason::try_from(rejection_reason).unwrap_or_default();
        change(
            &mut changes,
            "review.rejection_reason",
            "",
            reason.as_str_name(),
        );
    }
    change(&mut changes, "review.note", "", note.trim());
    (next, changes)
}

/// Who signs, as contacts knows them: the signer (the survivor of a merged organisation),
/// its snapshot, and the checked people references.
struct CheckedSigner {
    signer: Signer,
    snapshot: SignerSnapshot,
    contact: Option<SignerContact>,
}

impl DeclarationsApi {
    fn directory(&self, caller: &Caller) -> Result<Directory, Error> {
        Directory::new(&self.peers, &self.internal_key, caller.clone())
    }

    /// Checks the signer's references with contacts and takes the snapshot.
    async fn check_signer(
        &self,
        caller: &Caller,
        signer: Signer,
        contact: Option<SignerContact>,
    ) -> Result<CheckedSigner, Error> {
        let directory = self.directory(caller)?;
        let mut organizations = Vec::new();
        let mut people = Vec::new();
        match &signer {
            Signer::Organization(o) => {
                organizations.push(Reference::new("signature.organization", o.clone()))
            }
            Signer::Individual(i) => {
                if !i.affiliation_organization.is_empty() {
                    organizations.push(Reference::new(
                        "signature.individual.affiliation_organization",
                        i.affiliation_organization.clone(),
                    ));
                }
                if !i.person.is_empty() {
                    people.push(Reference::new(
                        "signature.individual.person",
                        i.person.clone(),
                    ));
                }
            }
        }
        if let Some(c) = &contact
            && !c.person.is_empty()
        {
            people.push(Reference::new("signature.contact.person", c.person.clone()));
        }
        let found = directory.organizations(&organizations).await?;
        let people_found = directory.people(&people).await?;
        let mut people_found = people_found.into_iter();
        let (signer, snapshot) = match signer {
            Signer::Organization(_) => {
                let org = found.first().ok_or_else(|| {
                    Error::invalid("signature.organization", "was not found in contacts")
                })?;
                (
                    Signer::Organization(org.name.clone()),
                    organization_snapshot(org),
                )
            }
            Signer::Individual(mut i) => {
                if let Some(org) = found.first() {
                    i.affiliation_organization = org.name.clone();
                }
                if !i.person.is_empty()
                    && let Some(p) = people_found.next()
                {
                    i.person = p.name;
                }
                i.display_name = i.display_name.trim().to_owned();
                i.affiliation = i.affiliation.trim().to_owned();
                let snapshot = individual_snapshot(&i);
                (Signer::Individual(i), snapshot)
            }
        };
        let contact = contact.map(|mut c| {
            c.email = c.email.trim().to_owned();
            c.display_name = c.display_name.trim().to_owned();
            if !c.person.is_empty()
                && let Some(p) = people_found.next()
            {
                c.person = p.name;
            }
            c
        });
        Ok(CheckedSigner {
            signer,
            snapshot,
            contact,
        })
    }

    pub(super) async fn sign(
        &self,
        caller: &Caller,
        r: SignDeclarationRequest,
    ) -> Result<SignDeclarationResponse, Error> {
        const METHOD: &str = method!("SignDeclaration");
        let rid = request_id(&r.request_id, &r)?;
        let declaration_id = parse_name("declarations", &r.parent, "parent")?.to_owned();
        let s = required(r.signature.clone(), "signature")?;
        let signer = required(s.signer.clone(), "signature.organization")?;
        let mut v = Violations::new();
        if let Signer::Individual(i) = &signer {
            check_individual(&mut v, i, "signature.individual");
        }
        check_contact(
            &mut v,
            s.contact.as_ref(),
            matches!(signer, Signer::Individual(_)),
            "signature.contact",
        );
        v.finish()?;
        // A retry answers the first result, whatever changed since.
        if let Some(id) = &rid {
            let first = with_connection!(self.db, |conn| conn.find_response(METHOD, id).await?);
            if let Some(first) = first {
                return first.replay(id);
            }
        }
        let row = self.declaration_row(&r.parent, "parent").await?;
        let declaration = row.resource(Default::default(), None)?;
        check_signable(&declaration)?;
        let endorsed = endorsed_areas(
            &s.endorsed_area_ids,
            &declaration.areas,
            "signature.endorsed_area_ids",
        )?;
        let opened = dates::utc_date(row.open_time.unwrap_or_default());
        let signed = sign_date(s.sign_date.as_ref(), opened, today(), "signature.sign_date")?;
        let checked = self.check_signer(caller, signer, s.contact.clone()).await?;

        let now = Some(timestamp(now_micros()));
        let signature = Signature {
            name: format!("declarations/{declaration_id}/signatures/{}", new_id()),
            signer: Some(checked.signer),
            snapshot: Some(checked.snapshot),
            endorsed_area_ids: endorsed,
            contact: checked.contact,
            hide_from_public_listing: s.hide_from_public_listing,
            sign_date: Some(dates::from_date(signed)),
            status: SignatureStatus::Pending as i32,
            live: true,
            recorded_by: Some(caller.actor()),
            create_time: now,
            update_time: now,
            ..Default::default()
        };
        let row = SignatureRow::of(&signature, 1);
        let written = idempotent_write!(self.db, METHOD, &rid, |conn| {
            let Some(current) = conn.declaration(&declaration_id).await? else {
                return Err(Error::not_found(&r.parent));
            };
            check_signable(&current.resource(Default::default(), None)?)?;
            if let Some(existing) = conn
                .live_signature(&declaration_id, &row.signer_key)
                .await?
            {
                return Ok(SignDeclarationResponse {
                    signature: Some(existing.resource()?),
                    already_signed: true,
                });
            }
            conn.insert_signature(&row).await?;
            let saved = row.resource()?;
            let changes = vec![
                FieldChange::set("signer", serde_json::json!(row.signer_key)),
                FieldChange::set("snapshot.display_name", serde_json::json!(row.display_name)),
                FieldChange::set("snapshot.country_code", serde_json::json!(row.country_code)),
                FieldChange::set(
                    "endorsed_area_ids",
                    serde_json::json!(saved.endorsed_area_ids),
                ),
                FieldChange::set("sign_date", serde_json::json!(row.sign_date)),
                FieldChange::set("contact.email", serde_json::json!(row.contact_email)),
            ];
            Journaled {
                caller,
                method: METHOD,
                verb: "created",
                changes,
                request_id: rid.as_ref(),
            }
            .signature(conn, &saved)
            .await?;
            Ok::<_, Error>(SignDeclarationResponse {
                signature: Some(saved),
                already_signed: false,
            })
        });
        match written {
            // Another call signed for the same signer between our read and our insert: the
            // database's unique index refused the second live signature.
            Err(Error::AlreadyExists { .. }) => {
                let existing = with_connection!(self.db, |conn| {
                    conn.live_signature(&declaration_id, &row.signer_key)
                        .await?
                });
                match existing {
                    Some(existing) => Ok(SignDeclarationResponse {
                        signature: Some(existing.resource()?),
                        already_signed: true,
                    }),
                    None => Err(Error::Unavailable(
                        "the signer's other signature changed meanwhile: retry".into(),
                    )),
                }
            }
            other => other,
        }
    }

    pub(super) async fn get_signature(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Signature, Error> {
        let (declaration_id, id) = signature_ids(name)?;
        let row = with_connection!(self.db, |conn| conn.signature(&declaration_id, &id).await?);
        let row = row.ok_or_else(|| Error::not_found(name))?;
        Ok(visible(row.resource()?, caller))
    }

    pub(super) async fn list_signatures(
        &self,
        caller: &Caller,
        r: ListSignaturesRequest,
    ) -> Result<ListSignaturesResponse, Error> {
        let declaration_id = if r.parent == "declarations/-" {
            None
        } else {
            Some(parse_name("declarations", &r.parent, "parent")?.to_owned())
        };
        if declaration_id.is_some() {
            self.declaration_row(&r.parent, "parent").await?;
        }
        let scope = Scope {
            declaration_id,
            clauses: filters::clauses(&r.filter, SIGNATURE_FIELDS)?,
            public_only: false,
        };
        let order = filters::order(
            &r.order_by,
            SIGNATURE_ORDER,
            ("create_time", Direction::Descending),
        )?;
        let query = [r.parent.as_str(), &r.filter, &r.order_by];
        let (rows, next_page_token, count) = self
            .page_of(
                "ListSignatures",
                &scope,
                order,
                (r.page_size, &r.page_token),
                &query,
            )
            .await?;
        let signatures = rows
            .iter()
            .map(|row| row.resource().map(|s| visible(s, caller)))
            .collect::<Result<_, _>>()?;
        Ok(ListSignaturesResponse {
            signatures,
            next_page_token,
            total_size: total(count),
        })
    }

    pub(super) async fn list_public_signatures(
        &self,
        r: ListPublicSignaturesRequest,
    ) -> Result<ListPublicSignaturesResponse, Error> {
        let scope = self.public_scope(&r.parent, &r.filter).await?;
        let order = filters::order(
            &r.order_by,
            PUBLIC_ORDER,
            ("display_name", Direction::Ascending),
        )?;
        let query = [r.parent.as_str(), &r.filter, &r.order_by];
        let (rows, next_page_token, count) = self
            .page_of(
                "ListPublicSignatures",
                &scope,
                order,
                (r.page_size, &r.page_token),
                &query,
            )
            .await?;
        Ok(ListPublicSignaturesResponse {
            public_signatures: rows.iter().map(SignatureRow::public).collect(),
            next_page_token,
            total_size: total(count),
        })
    }

    /// One page of the signatures in `scope`, its next page token and the total.
    async fn page_of(
        &self,
        list: &str,
        scope: &Scope,
        order: filters::Order,
        (page_size, page_token): (i32, &str),
        query: &[&str],
    ) -> Result<(Vec<SignatureRow>, String, i64), Error> {
        let (page, listing) = listing(list, page_size, page_token, query, order)?;
        let (mut rows, count) = with_connection!(self.db, |conn| {
            (
                conn.list_signatures(scope, &listing).await?,
                conn.count_signatures(scope).await?,
            )
        });
        let next_page_token = page.finish(&mut rows, |row| {
            (signature_keys(&listing.order, row), row.id.clone())
        });
        Ok((rows, next_page_token, count))
    }

    /// The public signatories of a declaration; a draft or deleted one has none to show.
    pub(super) async fn public_scope(&self, parent: &str, filter: &str) -> Result<Scope, Error> {
        let declaration = self.declaration_row(parent, "parent").await?;
        if declaration.delete_time.is_some()
            || declaration.status == DeclarationStatus::Draft as i32
        {
            return Err(Error::not_found(parent));
        }
        Ok(Scope {
            declaration_id: Some(declaration.id),
            clauses: filters::clauses(filter, PUBLIC_FIELDS)?,
            public_only: true,
        })
    }

    /// Changes a signature under its etag: `edit` returns the new version, saved with its
    /// event (`signature.{verb}`) and audit entry.
    #[allow(
        clippy::too_many_arguments,
        reason = "one helper for five write methods"
    )]
    async fn change_signature(
        &self,
        caller: &Caller,
        method: &'static str,
        (name, field): (&str, &str),
        etag: &str,
        rid: Option<RequestId>,
        verb: &'static str,
        edit: impl Fn(&Signature, &Declaration) -> Result<(Signature, Vec<FieldChange>), Error>
        + Send
        + Sync,
    ) -> Result<Signature, Error> {
        let (declaration_id, id) = parse_child_name("declarations", "signatures", name, field)
            .map(|(d, s)| (d.to_owned(), s.to_owned()))?;
        let written = idempotent_write!(self.db, method, &rid, |conn| {
            let Some(row) = conn.signature(&declaration_id, &id).await? else {
                return Err(Error::not_found(name));
            };
            check_etag(etag, row.revision, name)?;
            let Some(declaration) = conn.declaration(&declaration_id).await? else {
                return Err(Error::not_found(name));
            };
            let declaration = declaration.resource(Default::default(), None)?;
            let current = row.resource()?;
            let (mut next, changes) = edit(&current, &declaration)?;
            next.update_time = Some(timestamp(now_micros()));
            next.live =
                rules::Standing::of(rules::status(&next), next.withdrawal.is_some()).is_live();
            let next_row = SignatureRow::of(&next, row.revision + 1);
            if !conn.update_signature(&next_row, row.revision).await? {
                return Err(Error::StaleEtag {
                    resource: name.to_owned(),
                });
            }
            if verb == "redacted" {
                conn.redact_audit(name).await?;
            }
            let saved = next_row.resource()?;
            Journaled {
                caller,
                method,
                verb,
                changes,
                request_id: rid.as_ref(),
            }
            .signature(conn, &saved)
            .await?;
            Ok::<_, Error>(saved)
        });
        written.map_err(|e| match e {
            Error::AlreadyExists { .. } => Error::Taken {
                reason: "SIGNER_ALREADY_SIGNED",
                message:
                    "the signer this change names already has a live signature on the declaration"
                        .into(),
                resource: name.to_owned(),
            },
            other => other,
        })
    }

    pub(super) async fn verify(
        &self,
        caller: &Caller,
        r: VerifySignatureRequest,
    ) -> Result<Signature, Error> {
        let rid = request_id(&r.request_id, &r)?;
        let who = caller.actor();
        self.change_signature(
            caller,
            method!("VerifySignature"),
            (&r.name, "name"),
            &r.etag,
            rid,
            "verified",
            |current, _| {
                rules::check_verify(current, &r.note)?;
                Ok(reviewed(
                    current,
                    SignatureStatus::Verified,
                    0,
                    &r.note,
                    &who,
                ))
            },
        )
        .await
    }

    pub(super) async fn reject(
        &self,
        caller: &Caller,
        r: RejectSignatureRequest,
    ) -> Result<Signature, Error> {
        let rid = request_id(&r.request_id, &r)?;
        let who = caller.actor();
        self.change_signature(
            caller,
            method!("RejectSignature"),
            (&r.name, "name"),
            &r.etag,
            rid,
            "rejected",
            |current, _| {
                rules::check_reject(current, r.reason, &r.note)?;
                Ok(reviewed(
                    current,
                    SignatureStatus::Rejected,
                    r.reason,
                    &r.note,
                    &who,
                ))
            },
        )
        .await
    }

    pub(super) async fn withdraw(
        &self,
        caller: &Caller,
        r: WithdrawSignatureRequest,
    ) -> Result<Signature, Error> {
        let rid = request_id(&r.request_id, &r)?;
        let who = caller.actor();
        self.change_signature(
            caller,
            method!("WithdrawSignature"),
            (&r.name, "name"),
            &r.etag,
            rid,
            "withdrawn",
            |current, _| {
                let effective =
                    rules::check_withdraw(current, &r.reason, r.effective_date.as_ref(), today())?;
                let mut next = current.clone();
                next.withdrawal = Some(Withdrawal {
                    effective_date: Some(dates::from_date(effective)),
                    reason: r.reason.trim().to_owned(),
                    actor: Some(who.clone()),
                    time: Some(timestamp(now_micros())),
                });
                let changes = vec![
                    FieldChange::set(
                        "withdrawal.effective_date",
                        serde_json::json!(dates::format(effective)),
                    ),
                    FieldChange::set("withdrawal.reason", serde_json::json!(r.reason.trim())),
                    FieldChange::new("live", serde_json::json!(true), serde_json::json!(false)),
                ];
                Ok((next, changes))
            },
        )
        .await
    }

    pub(super) async fn redact(
        &self,
        caller: &Caller,
        r: RedactSignatureRequest,
    ) -> Result<Signature, Error> {
        rules::check_note(&r.reason, "reason", true)?;
        self.change_signature(
            caller,
            method!("RedactSignature"),
            (&r.name, "name"),
            &r.etag,
            None,
            "redacted",
            |current, _| {
                if current.redact_time.is_some() {
                    return Err(Error::FailedPrecondition {
                        reason: "SIGNATURE_ALREADY_REDACTED",
                        message: format!("{} is already redacted", current.name),
                    });
                }
                let mut next = current.clone();
                next.contact = None;
                if let Some(Signer::Individual(i)) = &mut next.signer {
                    *i = IndividualSigner {
                        country_code: i.country_code.clone(),
                        sector: i.sector,
                        ..Default::default()
                    };
                    if let Some(snapshot) = &mut next.snapshot {
                        snapshot.display_name = String::new();
                        snapshot.affiliation = String::new();
                    }
                }
                next.redact_time = Some(timestamp(now_micros()));
                let changes = vec![FieldChange::set(
                    "redact_reason",
                    serde_json::json!(r.reason.trim()),
                )];
                Ok((next, changes))
            },
        )
        .await
    }

    pub(super) async fn update_signature(
        &self,
        caller: &Caller,
        r: UpdateSignatureRequest,
    ) -> Result<Signature, Error> {
        let patch = required(r.signature, "signature")?;
        let mask = UpdateMask::parse(r.update_mask.as_ref(), rules::UPDATABLE)?;
        super::require_etag(&patch.etag, "signature.etag")?;
        let individual = match &patch.signer {
            Some(Signer::Individual(i)) if mask.contains("individual") => Some(i.clone()),
            _ => None,
        };
        let mut v = Violations::new();
        match &individual {
            Some(i) => check_individual(&mut v, i, "signature.individual"),
            None if mask.contains("individual") => {
                v.add("signature.individual", "is required by the update mask")
            }
            None => {}
        }
        if mask.contains("contact") {
            check_contact(&mut v, patch.contact.as_ref(), false, "signature.contact");
        }
        v.finish()?;
        // People and organisations named are checked with contacts before the transaction.
        let mut update = SignatureUpdate {
            endorsed_area_ids: mask
                .contains("endorsed_area_ids")
                .then(|| patch.endorsed_area_ids.clone()),
            hide_from_public_listing: mask
                .contains("hide_from_public_listing")
                .then_some(patch.hide_from_public_listing),
            contact: mask.contains("contact").then(|| patch.contact.clone()),
            individual: None,
        };
        if let Some(i) = individual {
            let checked = self
                .check_signer(caller, Signer::Individual(i), patch.contact.clone())
                .await?;
            update.individual = Some((checked.signer, checked.snapshot));
            if mask.contains("contact") {
                update.contact = Some(checked.contact);
            }
        } else if let Some(Some(c)) = &update.contact
            && !c.person.is_empty()
        {
            let reference = Reference::new("signature.contact.person", c.person.clone());
            let people = self.directory(caller)?.people(&[reference]).await?;
            let mut c = c.clone();
            c.person = people.first().map(|p| p.name.clone()).unwrap_or_default();
            update.contact = Some(Some(c));
        }
        self.change_signature(
            caller,
            method!("UpdateSignature"),
            (&patch.name, "signature.name"),
            &patch.etag,
            None,
            "updated",
            |current, declaration| rules::apply_update(current, declaration, &update),
        )
        .await
    }
}
