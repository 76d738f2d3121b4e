//! Merging two organisations or two people: the preview and the merge share one plan, run
//! without writing for the preview and in one transaction for the merge.

use engage_api::contacts::*;
use engage_platform::journal::{FieldChange, Journal, RequestId};
use engage_platform::resource::{etag, now_micros, parse_name};
use engage_platform::{Caller, Error, idempotent_write, with_connection};
use serde_json::json;

use super::duplicates::close_candidates;
use super::{ContactsApi, invalid, method, require_etag, today};
use crate::domain::merge::{Mergeable, merge};
use crate::domain::{organization, person};
use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, RecordKind, Register};

/// A merge request: who survives, who is merged, the versions read, the choices.
pub(super) struct MergeRequest<'a> {
    pub survivor: &'a str,
    pub survivor_etag: Option<&'a str>,
    pub merged: &'a str,
    pub merged_etag: Option<&'a str>,
    pub choices: &'a [MergeFieldChoice],
}

/// What the merge does, decided before anything is written.
struct MergePlan<R> {
    survivor: Stored<R>,
    merged: Stored<R>,
    result: R,
    fields: Vec<MergeField>,
}

/// A record that can be merged into another.
trait Merge: Resource + Mergeable {
    fn normalize(value: &mut Self) -> Result<(), Error>;
}

impl Merge for Organization {
    fn normalize(value: &mut Self) -> Result<(), Error> {
        organization::normalize_organization(value, "result", today()).map_err(invalid)
    }
}

impl Merge for Person {
    fn normalize(value: &mut Self) -> Result<(), Error> {
        person::normalize_person(value, "result", today()).map_err(invalid)
    }
}

async fn plan<R: Merge, C: Register + Send>(
    conn: &mut C,
    request: &MergeRequest<'_>,
) -> Result<MergePlan<R>, Error> {
    let survivor_id = parse_name(R::COLLECTION, request.survivor, "survivor")?;
    let merged_id = parse_name(R::COLLECTION, request.merged, "merged")?;
    if survivor_id == merged_id {
        return Err(Error::invalid(
            "merged",
            "is the survivor itself: a record cannot be merged into itself",
        ));
    }
    let survivor = lifecycle::load::<R, C>(conn, survivor_id, request.survivor).await?;
    let merged = lifecycle::load::<R, C>(conn, merged_id, request.merged).await?;
    for (side, etag_sent) in [
        (&survivor, request.survivor_etag),
        (&merged, request.merged_etag),
    ] {
        side.ensure_writable()?;
        side.ensure_not_deleted()?;
        if let Some(sent) = etag_sent {
            engage_platform::resource::check_etag(sent, side.row.revision, &side.name())?;
        }
    }
    let (mut result, fields) =
        merge(&survivor.value, &merged.value, request.choices).map_err(invalid)?;
    R::normalize(&mut result)?;
    Ok(MergePlan {
        survivor,
        merged,
        result,
        fields,
    })
}

/// Records of kind `H` holding `from` in term `field`, each edited by `edit` to hold `to`;
/// returns how many. With `dry` only counts.
async fn repoint<H: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    (field, from, to): (&str, &str, &str),
    dry: bool,
    edit: impl Fn(&mut H, &str, &str),
) -> Result<i32, Error> {
    let mut query = ListQuery::new(H::KIND);
    query.show_deleted = true;
    query.conditions.push(Condition::Term {
        field: field.into(),
        value: from.into(),
        negated: false,
    });
    let rows = conn.list(&query).await?;
    let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    if !dry {
        for row in rows {
            let before = Stored::<H>::decode(row)?;
            let mut after = before.clone();
            edit(&mut after.value, from, to);
            lifecycle::save(conn, writer, &before, after, "updated", Vec::new()).await?;
        }
    }
    Ok(count)
}

/// Replaces `from` by `to` in a list of names, keeping one of each.
fn replace_name(names: &mut Vec<String>, from: &str, to: &str) {
    for name in names.iter_mut() {
        if name == from {
            *name = to.to_owned();
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
}

/// Moves the children of kind `H` of record `from` under record `to`, `adjust`ed.
async fn move_children<H: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    from: &str,
    to: &str,
    dry: bool,
    adjust: impl Fn(&mut H),
) -> Result<i32, Error> {
    let mut query = ListQuery::new(H::KIND);
    query.parent_id = Some(from.to_owned());
    query.show_deleted = true;
    let mut moved = 0;
    for row in conn.list(&query).await? {
        let before = Stored::<H>::decode(row)?;
        moved += 1;
        if dry {
            continue;
        }
        let mut after = before.clone();
        adjust(&mut after.value);
        after.row.parent_id = Some(to.to_owned());
        let change = FieldChange::new("parent", json!(before.name()), json!(after.name()));
        lifecycle::save(conn, writer, &before, after, "moved", vec![change]).await?;
    }
    Ok(moved)
}

/// Re-points records earlier merged into `from` to `to`, so `merged_into` always names a
/// survivor that is itself not merged.
async fn repoint_merged<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    from: &str,
    to: &str,
    dry: bool,
) -> Result<i32, Error> {
    let mut query = ListQuery::new(R::KIND);
    query.show_deleted = true;
    query.show_merged = true;
    query
        .conditions
        .push(Condition::MergedInto(from.to_owned()));
    let rows = conn.list(&query).await?;
    let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    if !dry {
        for row in rows {
            let before = Stored::<R>::decode(row)?;
            let mut after = before.clone();
            after.row.merged_into = Some(to.to_owned());
            let change = FieldChange::new(
                "merged_into",
                json!(format!("{}/{from}", R::COLLECTION)),
                json!(format!("{}/{to}", R::COLLECTION)),
            );
            lifecycle::save(conn, writer, &before, after, "merged", vec![change]).await?;
        }
    }
    Ok(count)
}

/// Accreditation states from the most to the least advanced.
fn rank(state: i32) -> i32 {
    match AccreditationState::try_from(state) {
        Ok(AccreditationState::Granted) => 3,
        Ok(AccreditationState::Requested) => 2,
        Ok(AccreditationState::Refused) => 1,
        _ => 0,
    }
}

/// Moves the merged organisation's accreditations; where both hold one for a session, the
/// more advanced stays (the survivor's on a tie) and the other is soft-deleted.
async fn move_accreditations<C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    plan: &MergePlan<Organization>,
    dry: bool,
    impact: &mut MergeImpact,
) -> Result<(), Error> {
    let live_of = |id: &str| {
        let mut q = ListQuery::new(RecordKind::Accreditation);
        q.parent_id = Some(id.to_owned());
        q
    };
    let ours: Vec<Stored<Accreditation>> = conn
        .list(&live_of(&plan.survivor.row.id))
        .await?
        .into_iter()
        .map(Stored::decode)
        .collect::<Result<_, _>>()?;
    let theirs: Vec<Stored<Accreditation>> = conn
        .list(&live_of(&plan.merged.row.id))
        .await?
        .into_iter()
        .map(Stored::decode)
        .collect::<Result<_, _>>()?;
    let now = now_micros();
    for acc in theirs {
        let clash = ours
            .iter()
            .find(|o| o.value.conference_session == acc.value.conference_session);
        let (dropped, kept_theirs) = match clash {
            Some(o) if rank(acc.value.state) > rank(o.value.state) => (Some(o.clone()), true),
            Some(_) => (Some(acc.clone()), false),
            None => (None, true),
        };
        if let Some(dropped) = dropped {
            impact.accreditations_dropped += 1;
            if !dry {
                let mut after = dropped.clone();
                after.row.delete_time = Some(now);
                let change = FieldChange::new("delete_time", json!(null), json!(now));
                lifecycle::save(conn, writer, &dropped, after, "deleted", vec![change]).await?;
            }
        }
        if kept_theirs {
            impact.accreditations_moved += 1;
            if !dry {
                let mut after = acc.clone();
                after.row.parent_id = Some(plan.survivor.row.id.clone());
                let change = FieldChange::new("parent", json!(acc.name()), json!(after.name()));
                lifecycle::save(conn, writer, &acc, after, "moved", vec![change]).await?;
            }
        }
    }
    Ok(())
}

/// Writes the survivor and marks the merged record, after everything else moved.
async fn finish<R: Resource, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    plan: &MergePlan<R>,
) -> Result<(Stored<R>, Stored<R>), Error> {
    let survivor_name = plan.survivor.name();
    let merged_name = plan.merged.name();
    let mut after = plan.survivor.clone();
    after.value = plan.result.clone();
    let survivor = lifecycle::save(
        conn,
        writer,
        &plan.survivor,
        after,
        "merged",
        vec![FieldChange::set("merged_from", json!(merged_name))],
    )
    .await?;
    let mut gone = plan.merged.clone();
    let now = now_micros();
    gone.row.merged_into = Some(plan.survivor.row.id.clone());
    gone.row.merge_time = Some(now);
    let merged = lifecycle::save(
        conn,
        writer,
        &plan.merged,
        gone,
        "merged",
        vec![FieldChange::set("merged_into", json!(survivor_name))],
    )
    .await?;
    Ok((survivor, merged))
}

async fn merge_organizations<C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    request: &MergeRequest<'_>,
    dry: bool,
) -> Result<
    (
        MergePlan<Organization>,
        MergeImpact,
        Option<(Organization, Organization)>,
    ),
    Error,
> {
    let plan = plan::<Organization, C>(conn, request).await?;
    let (from, to) = (plan.merged.name(), plan.survivor.name());
    let mut impact = MergeImpact {
        affiliations_moved: repoint::<Affiliation, C>(
            conn,
            writer,
            ("organization", &from, &to),
            dry,
            |a, _, to| a.organization = to.to_owned(),
        )
        .await?,
        interactions_updated: repoint::<Interaction, C>(
            conn,
            writer,
            ("organizations", &from, &to),
            dry,
            |i, from, to| replace_name(&mut i.organizations, from, to),
        )
        .await?,
        ..MergeImpact::default()
    };
    move_accreditations(conn, writer, &plan, dry, &mut impact).await?;
    impact.merged_records_repointed = repoint_merged::<Organization, C>(
        conn,
        writer,
        &plan.merged.row.id,
        &plan.survivor.row.id,
        dry,
    )
    .await?;
    impact.duplicate_candidates_closed = close_candidates(conn, writer, &from, dry).await?;
    let done = if dry {
        None
    } else {
        let (survivor, merged) = finish(conn, writer, &plan).await?;
        Some((survivor.resource(), merged.resource()))
    };
    Ok((plan, impact, done))
}

async fn merge_people<C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    request: &MergeRequest<'_>,
    dry: bool,
) -> Result<(MergePlan<Person>, MergeImpact, Option<(Person, Person)>), Error> {
    let plan = plan::<Person, C>(conn, request).await?;
    if plan.survivor.row.erase_time.is_some() || plan.merged.row.erase_time.is_some() {
        return Err(Error::FailedPrecondition {
            reason: "ERASED",
            message: "an erased person cannot be merged".into(),
        });
    }
    let (from, to) = (plan.merged.name(), plan.survivor.name());
    let (from_id, to_id) = (plan.merged.row.id.clone(), plan.survivor.row.id.clone());
    // The survivor's primary affiliation stays the primary one.
    let survivor_has_primary = {
        let mut q = ListQuery::new(RecordKind::Affiliation);
        q.parent_id = Some(to_id.clone());
        q.conditions.push(Condition::Term {
            field: "primary".into(),
            value: "true".into(),
            negated: false,
        });
        conn.count(&q).await? > 0
    };
    let mut impact = MergeImpact {
        affiliations_moved: move_children::<Affiliation, C>(
            conn,
            writer,
            &from_id,
            &to_id,
            dry,
            |a| a.primary &= !survivor_has_primary,
        )
        .await?,
        consents_moved: move_children::<ConsentRecord, C>(
            conn,
            writer,
            &from_id,
            &to_id,
            dry,
            |_| {},
        )
        .await?,
        interactions_updated: repoint::<Interaction, C>(
            conn,
            writer,
            ("people", &from, &to),
            dry,
            |i, from, to| replace_name(&mut i.people, from, to),
        )
        .await?,
        representatives_updated: repoint::<Accreditation, C>(
            conn,
            writer,
            ("representatives", &from, &to),
            dry,
            |a, from, to| replace_name(&mut a.representatives, from, to),
        )
        .await?,
        ..MergeImpact::default()
    };
    impact.merged_records_repointed =
        repoint_merged::<Person, C>(conn, writer, &from_id, &to_id, dry).await?;
    impact.duplicate_candidates_closed = close_candidates(conn, writer, &from, dry).await?;
    let done = if dry {
        None
    } else {
        let (survivor, merged) = finish(conn, writer, &plan).await?;
        Some((survivor.resource(), merged.resource()))
    };
    Ok((plan, impact, done))
}

fn require_both_etags(r: &MergeRequest<'_>) -> Result<(), Error> {
    require_etag(r.survivor_etag.unwrap_or_default(), "survivor_etag")?;
    require_etag(r.merged_etag.unwrap_or_default(), "merged_etag")
}

impl ContactsApi {
    pub(super) async fn preview_organization_merge(
        &self,
        caller: &Caller,
        request: MergeRequest<'_>,
    ) -> Result<PreviewOrganizationMergeResponse, Error> {
        let writer = super::writer(caller, method!("PreviewOrganizationMerge"));
        let (plan, impact, _) = with_connection!(self.db, |conn| {
            merge_organizations(conn, writer, &request, true).await?
        });
        Ok(PreviewOrganizationMergeResponse {
            survivor_etag: etag(plan.survivor.row.revision),
            merged_etag: etag(plan.merged.row.revision),
            result: Some({
                let mut survivor = plan.survivor.clone();
                survivor.value = plan.result;
                survivor.resource()
            }),
            fields: plan.fields,
            impact: Some(impact),
        })
    }

    pub(super) async fn merge_organizations(
        &self,
        caller: &Caller,
        request: MergeRequest<'_>,
        request_id: Option<RequestId>,
    ) -> Result<MergeOrganizationsResponse, Error> {
        require_both_etags(&request)?;
        let method = method!("MergeOrganizations");
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        idempotent_write!(self.db, method, &request_id, |conn| {
            let (_, impact, done) = merge_organizations(conn, writer, &request, false).await?;
            let (survivor, merged) = done.unwrap_or_default();
            Ok::<_, Error>(MergeOrganizationsResponse {
                survivor: Some(survivor),
                merged: Some(merged),
                impact: Some(impact),
            })
        })
    }

    pub(super) async fn preview_person_merge(
        &self,
        caller: &Caller,
        request: MergeRequest<'_>,
    ) -> Result<PreviewPersonMergeResponse, Error> {
        let writer = super::writer(caller, method!("PreviewPersonMerge"));
        let (plan, impact, _) = with_connection!(self.db, |conn| {
            merge_people(conn, writer, &request, true).await?
        });
        let mut stored = plan.survivor.clone();
        stored.value = plan.result.clone();
        let result = self.people_for(caller, &[stored]).await?.pop();
        let admin = caller.has_role(engage_platform::Role::Admin);
        let withheld = !admin && (plan.survivor.value.youth || plan.merged.value.youth);
        let fields = plan
            .fields
            .into_iter()
            .map(|mut f| {
                if withheld && f.field == "birth_date" {
                    let null = Some(engage_platform::journal::json_to_value(json!(null)));
                    f.survivor_value = null.clone();
                    f.merged_value = null.clone();
                    f.result_value = null;
                }
                f
            })
            .collect();
        Ok(PreviewPersonMergeResponse {
            result,
            fields,
            impact: Some(impact),
            survivor_etag: etag(plan.survivor.row.revision),
            merged_etag: etag(plan.merged.row.revision),
        })
    }

    pub(super) async fn merge_people(
        &self,
        caller: &Caller,
        request: MergeRequest<'_>,
        request_id: Option<RequestId>,
    ) -> Result<MergePeopleResponse, Error> {
        require_both_etags(&request)?;
        let method = method!("MergePeople");
        let writer = Writer {
            caller,
            method,
            request_id: request_id.as_ref(),
        };
        let response = idempotent_write!(self.db, method, &request_id, |conn| {
            let (_, impact, done) = merge_people(conn, writer, &request, false).await?;
            let (survivor, merged) = done.unwrap_or_default();
            Ok::<_, Error>(MergePeopleResponse {
                survivor: Some(survivor),
                merged: Some(merged),
                impact: Some(impact),
            })
        })?;
        let mut out = response;
        let admin = caller.has_role(engage_platform::Role::Admin);
        for p in [out.survivor.as_mut(), out.merged.as_mut()]
            .into_iter()
            .flatten()
        {
            person::withhold_birth_date(p, admin);
        }
        Ok(out)
    }
}
