//! Initiatives: create, read, update, delete and undelete, and the status transitions.

use engage_api::initiatives::*;
use engage_platform::directory::{Directory, Reference};
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, Journal, RequestId};
use engage_platform::resource::{check_etag, new_id, now_micros, parse_name};
use engage_platform::{Caller, Error, Violation, idempotent_write, write_transaction};
use tonic::Request;

use super::convert::{self, at, initiative_name};
use super::{InitiativesApi, audit, event, method, parse_request_id, require_etag, required};
use crate::domain::initiative::{self as rules, Transition};
use crate::domain::{dates, milestone as milestone_rules};
use crate::store::{MilestoneRow, Store, sql::Sql};

/// Loads initiative `id` for a write inside a transaction; NOT_FOUND names it.
pub(super) async fn load<C: Store>(
    conn: &mut C,
    id: &str,
) -> Result<(crate::store::InitiativeRow, Initiative), Error> {
    let name = initiative_name(id);
    let row = conn
        .initiative(id)
        .await?
        .ok_or_else(|| Error::not_found(&name))?;
    let initiative = convert::initiative(&row)?;
    Ok((row, initiative))
}

/// FAILED_PRECONDITION for a write to a deleted initiative.
pub(super) fn ensure_live(initiative: &Initiative) -> Result<(), Error> {
    if initiative.delete_time.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "INITIATIVE_DELETED",
            message: format!("{} is deleted: undelete it first", initiative.name),
        });
    }
    Ok(())
}

/// The audit values of an initiative's updatable fields.
fn field_value(i: &Initiative, path: &str) -> serde_json::Value {
    use serde_json::json;
    match path {
        "title" => json!(i.title),
        "description" => json!(i.description),
        "country_code" => json!(i.country_code),
        "government_focal_points" => json!(
            i.government_focal_points
                .iter()
                .map(|f| json!({"person": f.person, "organization": f.organization, "role": f.role}))
                .collect::<Vec<_>>()
        ),
        "civil_society_partners" => json!(
            i.civil_society_partners
                .iter()
                .map(|p| json!({"organization": p.organization, "contact_person": p.contact_person, "role": p.role}))
                .collect::<Vec<_>>()
        ),
        "coordinators" => json!(i.coordinators.iter().map(|c| c.subject.clone()).collect::<Vec<_>>()),
        "priorities" => json!(
            i.priorities
                .iter()
                .map(|p| json!({"id": p.id, "thematic_area": p.thematic_area, "description": p.description}))
                .collect::<Vec<_>>()
        ),
        "start_date" => json!(i.start_date.as_ref().and_then(|d| dates::parse("", d).ok()).map(dates::format)),
        "target_date" => json!(i.target_date.as_ref().and_then(|d| dates::parse("", d).ok()).map(dates::format)),
        _ => serde_json::Value::Null,
    }
}

impl InitiativesApi {
    /// Stores `changed` over `revision` of initiative `id`, replacing what its filters look
    /// up when `members` are given, and returns it as answered; ABORTED when another write
    /// came first.
    async fn save<C: Store + Send>(
        &self,
        conn: &mut C,
        id: &str,
        revision: i64,
        changed: Initiative,
        members: Option<&[(&'static str, String)]>,
    ) -> Result<Initiative, Error> {
        let row = convert::initiative_row(&changed, id, revision + 1);
        if !conn.replace_initiative(&row, revision, members).await? {
            return Err(Error::StaleEtag {
                resource: changed.name.clone(),
            });
        }
        self.with_roadmap(conn, row.revision, changed).await
    }

    /// Checks the partners and focal points of `initiative` with contacts, on behalf of
    /// `caller`, and replaces merged organisations and people by their survivors. Only the
    /// fields in `which` are checked (all on create).
    async fn resolve_references(
        &self,
        caller: &Caller,
        initiative: &mut Initiative,
        which: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<(), Error> {
        let mut organizations = Vec::new();
        let mut people = Vec::new();
        if which("government_focal_points") {
            for (i, f) in initiative.government_focal_points.iter().enumerate() {
                people.push(Reference::new(
                    format!("initiative.government_focal_points[{i}].person"),
                    &f.person,
                ));
                if !f.organization.is_empty() {
                    organizations.push(Reference::new(
                        format!("initiative.government_focal_points[{i}].organization"),
                        &f.organization,
                    ));
                }
            }
        }
        if which("civil_society_partners") {
            for (i, p) in initiative.civil_society_partners.iter().enumerate() {
                organizations.push(Reference::new(
                    format!("initiative.civil_society_partners[{i}].organization"),
                    &p.organization,
                ));
                if !p.contact_person.is_empty() {
                    people.push(Reference::new(
                        format!("initiative.civil_society_partners[{i}].contact_person"),
                        &p.contact_person,
                    ));
                }
            }
        }
        if organizations.is_empty() && people.is_empty() {
            return Ok(());
        }
        let directory = Directory::new(&self.peers, &self.internal_key, caller.clone())?;
        let (found_orgs, found_people) = match (
            directory.organizations(&organizations).await,
            directory.people(&people).await,
        ) {
            (Ok(o), Ok(p)) => (o, p),
            (Err(Error::InvalidArgument(mut a)), Err(Error::InvalidArgument(b))) => {
                a.extend(b);
                return Err(Error::InvalidArgument(a));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        let survivors: std::collections::HashMap<String, String> = organizations
            .iter()
            .zip(&found_orgs)
            .map(|(r, o)| (r.field.clone(), o.name.clone()))
            .chain(
                people
                    .iter()
                    .zip(&found_people)
                    .map(|(r, p)| (r.field.clone(), p.name.clone())),
            )
            .collect();
        let survivor = |field: String, current: &mut String| {
            if let Some(name) = survivors.get(&field) {
                *current = name.clone();
            }
        };
        for (i, f) in initiative.government_focal_points.iter_mut().enumerate() {
            survivor(
                format!("initiative.government_focal_points[{i}].person"),
                &mut f.person,
            );
            survivor(
                format!("initiative.government_focal_points[{i}].organization"),
                &mut f.organization,
            );
        }
        let mut seen = std::collections::HashSet::new();
        let mut duplicates = Vec::new();
        for (i, p) in initiative.civil_society_partners.iter_mut().enumerate() {
            let field = format!("initiative.civil_society_partners[{i}].organization");
            survivor(field.clone(), &mut p.organization);
            survivor(
                format!("initiative.civil_society_partners[{i}].contact_person"),
                &mut p.contact_person,
            );
            if !seen.insert(p.organization.clone()) {
                duplicates.push(Violation::new(
                    field,
                    format!(
                        "{} is already a partner of this initiative (after merges in contacts)",
                        p.organization
                    ),
                ));
            }
        }
        if duplicates.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(duplicates))
        }
    }

    pub(super) async fn create_initiative(
        &self,
        request: Request<CreateInitiativeRequest>,
    ) -> Result<CreateInitiativeResponse, Error> {
        const METHOD: &str = method!("CreateInitiative");
        let caller = Caller::require(&request, Need::Write)?;
        let r = request.into_inner();
        let rid = parse_request_id(&r.request_id, &r)?;
        let mut initiative = required(r.initiative, "initiative")?;
        rules::normalize(&mut initiative, "initiative")?;
        self.resolve_references(&caller, &mut initiative, &|_| true)
            .await?;
        let today = self.today();
        idempotent_write!(self.db, METHOD, &rid, |conn| {
            let id = new_id();
            let now = now_micros();
            let name = initiative_name(&id);
            let created = Initiative {
                name: name.clone(),
                status: InitiativeStatus::Proposed as i32,
                status_history: vec![StatusTransition {
                    from_status: InitiativeStatus::Unspecified as i32,
                    to_status: InitiativeStatus::Proposed as i32,
                    effective_date: Some(dates::from_date(today)),
                    record_time: at(now),
                    actor: Some(caller.actor()),
                    note: String::new(),
                }],
                roadmap: None,
                create_time: at(now),
                update_time: at(now),
                delete_time: None,
                ..initiative.clone()
            };
            let row = convert::initiative_row(&created, &id, 1);
            conn.insert_initiative(&row, &convert::members(&created))
                .await?;
            let out = self.with_roadmap(conn, row.revision, created).await?;
            conn.append_event(
                &caller,
                event(
                    "initiative.created".into(),
                    &name,
                    "Initiative",
                    &out,
                    convert::attributes(&out, None),
                ),
            )
            .await?;
            let changes = rules::UPDATABLE
                .iter()
                .map(|p| FieldChange::set(*p, field_value(&out, p)))
                .collect();
            conn.append_audit(audit(
                &caller,
                METHOD,
                "created",
                &name,
                changes,
                rid.as_ref(),
            ))
            .await?;
            Ok::<_, Error>(CreateInitiativeResponse {
                initiative: Some(out),
            })
        })
    }

    pub(super) async fn update_initiative(
        &self,
        request: Request<UpdateInitiativeRequest>,
    ) -> Result<UpdateInitiativeResponse, Error> {
        const METHOD: &str = method!("UpdateInitiative");
        let caller = Caller::require(&request, Need::Write)?;
        let r = request.into_inner();
        let mut patch = required(r.initiative, "initiative")?;
        let id = parse_name("initiatives", &patch.name, "initiative.name")?.to_owned();
        require_etag(&patch.etag, "initiative.etag")?;
        let mask = UpdateMask::parse(r.update_mask.as_ref(), rules::UPDATABLE)?;
        let name = initiative_name(&id);

        // Read, check and resolve references outside the transaction (contacts is called
        // over the network); the write then holds only if nobody changed it meanwhile.
        let (row, current) =
            engage_platform::with_connection!(self.db, |conn| load(conn, &id).await?);
        check_etag(&patch.etag, row.revision, &name)?;
        ensure_live(&current)?;
        let mut updated = current.clone();
        engage_platform::apply_mask!(
            mask,
            updated,
            patch,
            [
                title,
                description,
                country_code,
                government_focal_points,
                civil_society_partners,
                coordinators,
                priorities,
            ]
        );
        if mask.contains("start_date") {
            updated.start_date = patch.start_date.take();
        }
        if mask.contains("target_date") {
            updated.target_date = patch.target_date.take();
        }
        rules::normalize(&mut updated, "initiative")?;
        self.resolve_references(&caller, &mut updated, &|f| mask.contains(f))
            .await?;

        write_transaction!(self.db, |conn| {
            let now = now_micros();
            conn.lock_initiative(&id).await?;
            let (fresh, _) = load(conn, &id).await?;
            if fresh.revision != row.revision {
                return Err(Error::StaleEtag {
                    resource: name.clone(),
                });
            }
            let live: Vec<MilestoneRow> = conn.rows(&live_milestones(&id)).await?;
            check_roadmap_still_fits(&updated, &live)?;
            updated.update_time = at(now);
            let changed: Vec<String> = mask
                .paths()
                .filter(|p| field_value(&current, p) != field_value(&updated, p))
                .map(str::to_owned)
                .collect();
            let out = self
                .save(
                    conn,
                    &id,
                    row.revision,
                    updated.clone(),
                    Some(&convert::members(&updated)),
                )
                .await?;
            conn.append_event(
                &caller,
                event(
                    "initiative.updated".into(),
                    &name,
                    "Initiative",
                    &out,
                    convert::attributes(&out, Some(changed.clone())),
                ),
            )
            .await?;
            let changes = changed
                .iter()
                .map(|p| {
                    FieldChange::new(p.clone(), field_value(&current, p), field_value(&out, p))
                })
                .collect();
            conn.append_audit(audit(&caller, METHOD, "updated", &name, changes, None))
                .await?;
            Ok::<_, Error>(UpdateInitiativeResponse {
                initiative: Some(out),
            })
        })
    }

    /// Soft-deletes (`deleted`) or restores an initiative.
    pub(super) async fn set_deleted(
        &self,
        caller: &Caller,
        name: &str,
        sent_etag: &str,
        deleted: bool,
    ) -> Result<Initiative, Error> {
        let method = if deleted {
            method!("DeleteInitiative")
        } else {
            method!("UndeleteInitiative")
        };
        let id = parse_name("initiatives", name, "name")?.to_owned();
        require_etag(sent_etag, "etag")?;
        write_transaction!(self.db, |conn| {
            conn.lock_initiative(&id).await?;
            let (row, current) = load(conn, &id).await?;
            let name = current.name.clone();
            match (deleted, current.delete_time.is_some()) {
                (true, true) => return Err(Error::not_found(&name)),
                (false, false) => return Err(Error::AlreadyExists { resource: name }),
                _ => {}
            }
            check_etag(sent_etag, row.revision, &name)?;
            let now = now_micros();
            let mut changed = current.clone();
            changed.delete_time = if deleted { at(now) } else { None };
            changed.update_time = at(now);
            let out = self.save(conn, &id, row.revision, changed, None).await?;
            let verb = if deleted { "deleted" } else { "undeleted" };
            conn.append_event(
                caller,
                event(
                    format!("initiative.{verb}"),
                    &name,
                    "Initiative",
                    &out,
                    convert::attributes(&out, None),
                ),
            )
            .await?;
            let change = FieldChange::new(
                "delete_time",
                serde_json::json!(current.delete_time.map(|t| t.seconds)),
                serde_json::json!(out.delete_time.map(|t| t.seconds)),
            );
            conn.append_audit(audit(caller, method, verb, &name, vec![change], None))
                .await?;
            Ok::<_, Error>(out)
        })
    }

    /// Moves an initiative along its lifecycle.
    #[allow(
        clippy::too_many_arguments,
        reason = "the fields every transition request has"
    )]
    pub(super) async fn transition<M: prost::Message + Default + Clone>(
        &self,
        caller: &Caller,
        transition: Transition,
        request: &impl prost::Message,
        fields: TransitionFields<'_>,
        wrap: impl Fn(Initiative) -> M + Send + Sync,
    ) -> Result<M, Error> {
        let method = match transition {
            Transition::Launch => method!("LaunchInitiative"),
            Transition::Activate => method!("ActivateInitiative"),
            Transition::Suspend => method!("SuspendInitiative"),
            Transition::Resume => method!("ResumeInitiative"),
            Transition::Complete => method!("CompleteInitiative"),
        };
        let id = parse_name("initiatives", fields.name, "name")?.to_owned();
        let rid: Option<RequestId> = parse_request_id(fields.request_id, request)?;
        let note_required = transition == Transition::Suspend;
        let length = fields.note.chars().count();
        if note_required && fields.note.trim().is_empty() {
            return Err(Error::invalid(
                "note",
                "is required: say why the initiative is suspended",
            ));
        }
        if length > 2_000 {
            return Err(Error::invalid("note", "must be at most 2000 characters"));
        }
        let today = self.today();
        idempotent_write!(self.db, method, &rid, |conn| {
            conn.lock_initiative(&id).await?;
            let (row, current) = load(conn, &id).await?;
            let name = current.name.clone();
            ensure_live(&current)?;
            check_etag(fields.etag, row.revision, &name)?;
            let status =
                InitiativeStatus::try_from(current.status).unwrap_or(InitiativeStatus::Unspecified);
            transition.check(status)?;
            if transition == Transition::Complete {
                let live: Vec<MilestoneRow> = conn.rows(&live_milestones(&id)).await?;
                let milestones: Vec<_> = live
                    .iter()
                    .map(|m| {
                        let status =
                            MilestoneStatus::try_from(m.status).unwrap_or(MilestoneStatus::Planned);
                        (convert::milestone_name(&id, &m.id), m.title.clone(), status)
                    })
                    .collect();
                if let Some(message) = milestone_rules::open_milestones_message(&milestones) {
                    return Err(Error::FailedPrecondition {
                        reason: "OPEN_MILESTONES",
                        message,
                    });
                }
            }
            let previous = current
                .status_history
                .last()
                .and_then(|t| t.effective_date.as_ref())
                .and_then(|d| dates::parse("", d).ok());
            let effective = rules::effective_date(fields.effective_date, previous, today)?;
            let now = now_micros();
            let mut changed = current.clone();
            changed.status = transition.to() as i32;
            changed.status_history.push(StatusTransition {
                from_status: status as i32,
                to_status: transition.to() as i32,
                effective_date: Some(dates::from_date(effective)),
                record_time: at(now),
                actor: Some(caller.actor()),
                note: fields.note.to_owned(),
            });
            changed.update_time = at(now);
            let out = self.save(conn, &id, row.revision, changed, None).await?;
            conn.append_event(
                caller,
                event(
                    format!("initiative.{}", transition.verb()),
                    &name,
                    "Initiative",
                    &out,
                    convert::attributes(&out, Some(vec!["status".into(), "status_history".into()])),
                ),
            )
            .await?;
            let change = FieldChange::new(
                "status",
                serde_json::json!(status.as_str_name()),
                serde_json::json!(transition.to().as_str_name()),
            );
            let note = FieldChange::set(
                "status_history.effective_date",
                serde_json::json!(dates::format(effective)),
            );
            conn.append_audit(audit(
                caller,
                method,
                transition.verb(),
                &name,
                vec![change, note],
                rid.as_ref(),
            ))
            .await?;
            Ok::<_, Error>(wrap(out))
        })
    }
}

/// The parts of a transition request the transition reads.
pub(super) struct TransitionFields<'a> {
    pub name: &'a str,
    pub etag: &'a str,
    pub effective_date: Option<&'a engage_api::types::Date>,
    pub note: &'a str,
    pub request_id: &'a str,
}

/// The live milestones of an initiative.
pub(super) fn live_milestones(initiative_id: &str) -> Sql {
    let mut sql =
        Sql::new("SELECT * FROM milestones WHERE delete_time IS NULL AND initiative_id = ");
    sql.text(initiative_id);
    sql
}

/// Refuses an initiative update that would leave live milestones behind: due before the
/// new start date (INVALID_ARGUMENT), or serving a removed priority, or owned by a removed
/// partner or coordinator (FAILED_PRECONDITION).
fn check_roadmap_still_fits(updated: &Initiative, live: &[MilestoneRow]) -> Result<(), Error> {
    let start = updated
        .start_date
        .as_ref()
        .and_then(|d| dates::parse("", d).ok())
        .map(dates::format);
    if let Some(start) = &start
        && let Some(early) = live
            .iter()
            .filter(|m| m.due_date < *start)
            .min_by(|a, b| a.due_date.cmp(&b.due_date))
    {
        return Err(Error::invalid(
            "initiative.start_date",
            format!(
                "{} is after the due date {} of {}",
                start,
                early.due_date,
                convert::milestone_name(&early.initiative_id, &early.id)
            ),
        ));
    }
    for m in live {
        let name = convert::milestone_name(&m.initiative_id, &m.id);
        if !m.priority_id.is_empty() && !updated.priorities.iter().any(|p| p.id == m.priority_id) {
            return Err(Error::FailedPrecondition {
                reason: "PRIORITY_IN_USE",
                message: format!(
                    "priority {:?} is served by {name}: keep it or change the milestone",
                    m.priority_id
                ),
            });
        }
        if !milestone_rules::initiative_has_owner(updated, &m.owner_kind, &m.owner) {
            return Err(Error::FailedPrecondition {
                reason: "OWNER_IN_USE",
                message: format!(
                    "{} owns {name}: keep it on the initiative or give the milestone another owner",
                    m.owner
                ),
            });
        }
    }
    Ok(())
}
