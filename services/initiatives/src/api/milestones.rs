//! Roadmap milestones: create, read, update, delete and undelete, lists, and the due list
//! across initiatives.

use std::collections::HashMap;

use engage_api::initiatives::*;
use engage_platform::field_mask::UpdateMask;
use engage_platform::identity::Need;
use engage_platform::journal::{FieldChange, Journal};
use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{Direction, Filter, OrderBy};
use engage_platform::resource::{check_etag, new_id, now_micros, parse_child_name, parse_name};
use engage_platform::{
    Caller, Error, Violation, idempotent_write, with_connection, write_transaction,
};
use tonic::Request;

use super::convert::{self, at, initiative_name, milestone_name};
use super::initiatives::{ensure_live, load};
use super::{
    InitiativesApi, audit, coordinator_of, event, method, parse_request_id, require_etag, required,
};
use crate::domain::dates;
use crate::domain::milestone::{self as rules, StatusChange};
use crate::store::sql::{self, Key, Sql};
use crate::store::{CountRow, MilestoneRow, Store, queries};

/// The audit and event value of a milestone field.
fn field_value(m: &Milestone, path: &str) -> serde_json::Value {
    use serde_json::json;
    match path {
        "title" => json!(m.title),
        "description" => json!(m.description),
        "owner" => json!(rules::owner_key(m).map(|(k, v)| format!("{k}:{v}"))),
        "priority_id" => json!(m.priority_id),
        "due_date" => json!(
            m.due_date
                .as_ref()
                .and_then(|d| dates::parse("", d).ok())
                .map(dates::format)
        ),
        "status" => json!(
            MilestoneStatus::try_from(m.status)
                .map(|s| s.as_str_name())
                .unwrap_or_default()
        ),
        "status_note" => json!(m.status_note),
        "percent_complete" => json!(m.percent_complete),
        "depends_on" => json!(m.depends_on),
        "latest_progress_entry" => json!(m.latest_progress_entry),
        _ => serde_json::Value::Null,
    }
}

/// The paths whose values differ between two versions of a milestone.
pub(super) fn changed_paths(before: &Milestone, after: &Milestone) -> Vec<String> {
    rules::UPDATABLE
        .iter()
        .chain(&["latest_progress_entry"])
        .filter(|p| field_value(before, p) != field_value(after, p))
        .map(|p| (*p).to_owned())
        .collect()
}

/// Audit changes between two versions of a milestone.
pub(super) fn changes(before: &Milestone, after: &Milestone) -> Vec<FieldChange> {
    changed_paths(before, after)
        .into_iter()
        .map(|p| {
            let (old, new) = (field_value(before, &p), field_value(after, &p));
            FieldChange::new(p, old, new)
        })
        .collect()
}

/// Loads milestone `id` of initiative `initiative_id`; NOT_FOUND names it.
pub(super) async fn load_milestone<C: Store>(
    conn: &mut C,
    initiative_id: &str,
    id: &str,
    today: &str,
) -> Result<(MilestoneRow, Milestone), Error> {
    let name = milestone_name(initiative_id, id);
    match conn.milestone(id).await? {
        Some(row) if row.initiative_id == initiative_id => {
            let m = convert::milestone(&row, today)?;
            Ok((row, m))
        }
        _ => Err(Error::not_found(name)),
    }
}

/// Stores `changed` over `revision` of milestone `id`, replacing its dependencies when
/// given, and returns it as answered; ABORTED when another write came first.
pub(super) async fn save_milestone<C: Store>(
    conn: &mut C,
    (initiative_id, id): (&str, &str),
    revision: i64,
    changed: &Milestone,
    depends_on: Option<&[String]>,
    today: &str,
) -> Result<Milestone, Error> {
    let row = convert::milestone_row(changed, initiative_id, id, revision + 1);
    if !conn.replace_milestone(&row, revision, depends_on).await? {
        return Err(Error::StaleEtag {
            resource: changed.name.clone(),
        });
    }
    convert::milestone(&row, today)
}

/// FAILED_PRECONDITION when the roadmap of `initiative` can no longer change.
fn ensure_roadmap_open(initiative: &Initiative) -> Result<(), Error> {
    ensure_live(initiative)?;
    if initiative.status == InitiativeStatus::Completed as i32 {
        return Err(Error::FailedPrecondition {
            reason: "INITIATIVE_COMPLETED",
            message: format!("{} is completed: its roadmap is final", initiative.name),
        });
    }
    Ok(())
}

/// Checks the dependencies of `milestone` (id `id`, "" when new) in its roadmap: live
/// milestones of the initiative, no cycle. Returns those not yet finished.
pub(super) async fn check_dependencies<C: Store>(
    conn: &mut C,
    initiative_id: &str,
    id: &str,
    depends_on: &[String],
) -> Result<Vec<String>, Error> {
    let ids: Vec<String> = depends_on
        .iter()
        .filter_map(|n| n.rsplit('/').next().map(str::to_owned))
        .collect();
    let mut sql = Sql::new("SELECT * FROM milestones WHERE id IN ");
    sql.list(&ids);
    let rows: Vec<MilestoneRow> = if ids.is_empty() {
        Vec::new()
    } else {
        conn.rows(&sql).await?
    };
    let by_id: HashMap<&str, &MilestoneRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut violations = Vec::new();
    let mut unfinished = Vec::new();
    for (i, (name, dep)) in depends_on.iter().zip(&ids).enumerate() {
        let field = format!("milestone.depends_on[{i}]");
        match by_id.get(dep.as_str()) {
            Some(row) if row.initiative_id == initiative_id && row.delete_time.is_none() => {
                let status =
                    MilestoneStatus::try_from(row.status).unwrap_or(MilestoneStatus::Planned);
                if !rules::is_finished(status) {
                    unfinished.push(name.clone());
                }
            }
            Some(row) if row.initiative_id == initiative_id => {
                violations.push(Violation::new(field, format!("{name} is deleted")));
            }
            _ => violations.push(Violation::new(
                field,
                format!("{name} is not a milestone of this initiative"),
            )),
        }
    }
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    if !id.is_empty() {
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        for d in conn.dependencies(initiative_id).await? {
            if d.milestone_id != id {
                edges
                    .entry(d.milestone_id)
                    .or_default()
                    .push(d.depends_on_id);
            }
        }
        if let Some(cycle) = rules::find_cycle(&edges, id, &ids) {
            let names: Vec<String> = cycle
                .iter()
                .map(|m| milestone_name(initiative_id, m))
                .collect();
            return Err(rules::cycle_violation(&names).into());
        }
    }
    Ok(unfinished)
}

fn milestone_attributes(
    initiative: &Initiative,
    changed: Option<Vec<String>>,
) -> serde_json::Value {
    convert::attributes(initiative, changed)
}

const ORDER_FIELDS: &[&str] = &[
    "due_date",
    "title",
    "status",
    "percent_complete",
    "create_time",
    "update_time",
];

fn order_column(field: &str) -> &'static str {
    match field {
        "title" => "m.title",
        "status" => "m.status",
        "percent_complete" => "m.percent_complete",
        "create_time" => "m.create_time",
        "update_time" => "m.update_time",
        _ => "m.due_date",
    }
}

fn order_key(row: &MilestoneRow, field: &str) -> Key {
    match field {
        "title" => Key::Text(row.title.clone()),
        "status" => Key::Int(i64::from(row.status)),
        "percent_complete" => Key::Int(i64::from(row.percent_complete)),
        "create_time" => Key::Int(row.create_time),
        "update_time" => Key::Int(row.update_time),
        _ => Key::Text(row.due_date.clone()),
    }
}

/// The initiative a milestone list is about: `None` for `initiatives/-`.
fn list_parent(parent: &str) -> Result<Option<String>, Error> {
    if parent == "initiatives/-" {
        Ok(None)
    } else {
        Ok(Some(
            parse_name("initiatives", parent, "parent")?.to_owned(),
        ))
    }
}

/// A page of milestones and how many match.
struct MilestonePage {
    rows: Vec<MilestoneRow>,
    next_page_token: String,
    total: i64,
}

impl InitiativesApi {
    /// Runs a milestone listing: rows of `m` joined to their initiative `i`.
    async fn milestone_page(
        &self,
        condition: Sql,
        order: &[(&'static str, Direction)],
        page: &Page<Vec<Key>>,
    ) -> Result<MilestonePage, Error> {
        let mut columns: Vec<(&str, Direction)> =
            order.iter().map(|(f, d)| (order_column(f), *d)).collect();
        columns.push(("m.id", Direction::Ascending));
        let (select, count) = sql::page(
            "m.*",
            "milestones m JOIN initiatives i ON i.id = m.initiative_id",
            &condition,
            &columns,
            page.after.as_deref(),
            page.fetch_limit(),
        );
        let (mut rows, counted) = with_connection!(self.db, |conn| {
            let rows: Vec<MilestoneRow> = conn.rows(&select).await?;
            let counted: Vec<CountRow> = conn.rows(&count).await?;
            (rows, counted)
        });
        let next_page_token = page.finish(&mut rows, |row| {
            let mut key: Vec<Key> = order.iter().map(|(f, _)| order_key(row, f)).collect();
            key.push(Key::Text(row.id.clone()));
            key
        });
        Ok(MilestonePage {
            rows,
            next_page_token,
            total: counted.first().map_or(0, |c| c.n),
        })
    }

    pub(super) async fn get_milestone(
        &self,
        request: Request<GetMilestoneRequest>,
    ) -> Result<GetMilestoneResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let (iid, id) = parse_child_name("initiatives", "milestones", &r.name, "name")?;
        let today = self.today_text();
        let (_, milestone) =
            with_connection!(self.db, |conn| load_milestone(conn, iid, id, &today)
                .await?);
        Ok(GetMilestoneResponse {
            milestone: Some(milestone),
        })
    }

    pub(super) async fn list_milestones(
        &self,
        request: Request<ListMilestonesRequest>,
    ) -> Result<ListMilestonesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let parent = list_parent(&r.parent)?;
        let today = self.today_text();
        let filter = Filter::parse(&r.filter, queries::MILESTONE_FIELDS)?;
        let order = OrderBy::parse(
            &r.order_by,
            ORDER_FIELDS,
            &[("due_date", Direction::Ascending)],
        )?;
        let show_deleted = r.show_deleted.to_string();
        let page = Page::<Vec<Key>>::parse(
            "ListMilestones",
            r.page_size,
            &r.page_token,
            &[&r.parent, &r.filter, &r.order_by, &show_deleted],
            PageLimits::default(),
        )?;
        let mut condition = match &parent {
            Some(id) => {
                let mut c = Sql::new("m.initiative_id = ");
                c.text(id.clone());
                c
            }
            None => Sql::new("i.delete_time IS NULL"),
        };
        if !r.show_deleted {
            condition.push(" AND m.delete_time IS NULL");
        }
        if let Some(filter) = &filter {
            condition.push(" AND ").append(queries::condition(
                filter,
                &queries::compare_milestone(&today),
            )?);
        }
        let result = self.milestone_page(condition, &order.0, &page).await?;
        Ok(ListMilestonesResponse {
            milestones: result
                .rows
                .iter()
                .map(|row| convert::milestone(row, &today))
                .collect::<Result<_, _>>()?,
            next_page_token: result.next_page_token,
            total_size: i32::try_from(result.total).unwrap_or(i32::MAX),
        })
    }

    pub(super) async fn list_due_milestones(
        &self,
        request: Request<ListDueMilestonesRequest>,
    ) -> Result<ListDueMilestonesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let parent = list_parent(&r.parent)?;
        if !r.include_overdue && r.within_days.is_none() {
            return Err(Error::invalid(
                "within_days",
                "set include_overdue, within_days or both",
            ));
        }
        if let Some(days) = r.within_days
            && !(0..=366).contains(&days)
        {
            return Err(Error::invalid("within_days", "must be from 0 to 366"));
        }
        let today = self.today();
        let today_text = dates::format(today);
        let filter = Filter::parse(&r.filter, queries::DUE_FIELDS)?;
        let within = r.within_days.map(|d| d.to_string()).unwrap_or_default();
        let page = Page::<Vec<Key>>::parse(
            "ListDueMilestones",
            r.page_size,
            &r.page_token,
            &[
                &r.parent,
                &r.filter,
                &r.include_overdue.to_string(),
                &within,
                &today_text,
            ],
            PageLimits::default(),
        )?;
        let mut condition =
            Sql::new("m.delete_time IS NULL AND i.delete_time IS NULL AND m.status IN ");
        condition.push(queries::OPEN);
        if let Some(id) = &parent {
            condition.push(" AND m.initiative_id = ").text(id.clone());
        }
        // Overdue: due before today; due soon: from today to today plus the window.
        let lower = if r.include_overdue {
            None
        } else {
            Some(today_text.clone())
        };
        let upper = match r.within_days {
            Some(days) => dates::format(dates::add_days(today, days)),
            None => dates::format(dates::add_days(today, -1)),
        };
        if let Some(lower) = lower {
            condition.push(" AND m.due_date >= ").text(lower);
        }
        condition.push(" AND m.due_date <= ").text(upper);
        if let Some(filter) = &filter {
            condition.push(" AND ").append(queries::condition(
                filter,
                &queries::compare_milestone(&today_text),
            )?);
        }
        let result = self
            .milestone_page(condition, &[("due_date", Direction::Ascending)], &page)
            .await?;
        let ids: Vec<String> = result
            .rows
            .iter()
            .map(|r| r.initiative_id.clone())
            .collect();
        let initiatives = with_connection!(self.db, |conn| {
            let mut sql = Sql::new("SELECT * FROM initiatives i WHERE i.id IN ");
            sql.list(&ids);
            let rows: Vec<crate::store::InitiativeRow> = conn.rows(&sql).await?;
            rows
        });
        let by_id: HashMap<&str, &crate::store::InitiativeRow> =
            initiatives.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut due = Vec::with_capacity(result.rows.len());
        for row in &result.rows {
            let milestone = convert::milestone(row, &today_text)?;
            let initiative = by_id.get(row.initiative_id.as_str());
            let days = dates::from_text(&row.due_date)
                .and_then(|d| dates::parse("", &d).ok())
                .map_or(0, |d| dates::days_between(today, d));
            due.push(DueMilestone {
                milestone: Some(milestone),
                initiative_title: initiative.map(|i| i.title.clone()).unwrap_or_default(),
                country_code: initiative
                    .map(|i| i.country_code.clone())
                    .unwrap_or_default(),
                regional_group: initiative.map_or(0, |i| i.regional_group),
                initiative_status: initiative.map_or(0, |i| i.status),
                days_until_due: days,
            });
        }
        Ok(ListDueMilestonesResponse {
            due_milestones: due,
            next_page_token: result.next_page_token,
            total_size: i32::try_from(result.total).unwrap_or(i32::MAX),
        })
    }

    pub(super) async fn create_milestone(
        &self,
        request: Request<CreateMilestoneRequest>,
    ) -> Result<CreateMilestoneResponse, Error> {
        const METHOD: &str = method!("CreateMilestone");
        let iid = parse_name("initiatives", &request.get_ref().parent, "parent")?.to_owned();
        let parent = initiative_name(&iid);
        let caller = coordinator_of(&request, &parent)?;
        let r = request.into_inner();
        let rid = parse_request_id(&r.request_id, &r)?;
        let mut milestone = required(r.milestone, "milestone")?;
        let today = self.today_text();
        idempotent_write!(self.db, METHOD, &rid, |conn| {
            conn.lock_initiative(&iid).await?;
            let (_, initiative) = load(conn, &iid).await?;
            ensure_roadmap_open(&initiative)?;
            let id = new_id();
            let now = now_micros();
            milestone.name = milestone_name(&iid, &id);
            let status = match MilestoneStatus::try_from(milestone.status) {
                Ok(MilestoneStatus::Unspecified) => MilestoneStatus::Planned,
                Ok(s) => s,
                Err(_) => {
                    return Err(Error::invalid(
                        "milestone.status",
                        "is not a milestone status",
                    ));
                }
            };
            let percent = milestone.percent_complete;
            milestone.status = MilestoneStatus::Planned as i32;
            rules::check(&mut milestone, &initiative, &parent)?;
            milestone.percent_complete = 0;
            let unfinished = check_dependencies(conn, &iid, &id, &milestone.depends_on).await?;
            let change = StatusChange {
                status: Some(status),
                // A DONE milestone left at 0 means "done", not "done at 0 percent".
                percent: (status != MilestoneStatus::Done || percent != 0).then_some(percent),
                note: Some(milestone.status_note.clone()),
            };
            rules::apply(
                &mut milestone,
                &change,
                &unfinished,
                ("milestone.status", "milestone.percent_complete"),
                now,
            )?;
            milestone.latest_progress_entry.clear();
            milestone.create_time = at(now);
            milestone.update_time = at(now);
            milestone.delete_time = None;
            let row = convert::milestone_row(&milestone, &iid, &id, 1);
            let deps: Vec<String> = milestone
                .depends_on
                .iter()
                .filter_map(|n| n.rsplit('/').next().map(str::to_owned))
                .collect();
            conn.insert_milestone(&row, &deps).await?;
            let out = convert::milestone(&row, &today)?;
            conn.append_event(
                &caller,
                event(
                    "milestone.created".into(),
                    &out.name,
                    "Milestone",
                    &out,
                    milestone_attributes(&initiative, None),
                ),
            )
            .await?;
            conn.append_audit(audit(
                &caller,
                METHOD,
                "created",
                &out.name,
                changes(&Milestone::default(), &out),
                rid.as_ref(),
            ))
            .await?;
            Ok::<_, Error>(CreateMilestoneResponse {
                milestone: Some(out),
            })
        })
    }

    pub(super) async fn update_milestone(
        &self,
        request: Request<UpdateMilestoneRequest>,
    ) -> Result<UpdateMilestoneResponse, Error> {
        const METHOD: &str = method!("UpdateMilestone");
        let name = request
            .get_ref()
            .milestone
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default();
        let (iid, id) = parse_child_name("initiatives", "milestones", &name, "milestone.name")?;
        let (iid, id) = (iid.to_owned(), id.to_owned());
        let caller = coordinator_of(&request, &initiative_name(&iid))?;
        let r = request.into_inner();
        let mut patch = required(r.milestone, "milestone")?;
        require_etag(&patch.etag, "milestone.etag")?;
        let mask = UpdateMask::parse(r.update_mask.as_ref(), rules::UPDATABLE)?;
        let today = self.today_text();
        write_transaction!(self.db, |conn| {
            conn.lock_initiative(&iid).await?;
            let (row, current) = load_milestone(conn, &iid, &id, &today).await?;
            check_etag(&patch.etag, row.revision, &name)?;
            if current.delete_time.is_some() {
                return Err(Error::FailedPrecondition {
                    reason: "MILESTONE_DELETED",
                    message: format!("{name} is deleted: undelete it first"),
                });
            }
            let (_, initiative) = load(conn, &iid).await?;
            ensure_roadmap_open(&initiative)?;
            let now = now_micros();
            let mut updated = current.clone();
            engage_platform::apply_mask!(
                mask,
                updated,
                patch,
                [title, description, priority_id, depends_on]
            );
            if mask.contains("owner") {
                updated.owner = patch.owner.take();
            }
            if mask.contains("due_date") {
                updated.due_date = patch.due_date.take();
            }
            rules::check(&mut updated, &initiative, &initiative_name(&iid))?;
            if mask.contains("status_note") {
                rules::check_note(&patch.status_note)?;
            }
            let unfinished = check_dependencies(conn, &iid, &id, &updated.depends_on).await?;
            let change = StatusChange {
                status: if mask.contains("status") {
                    Some(MilestoneStatus::try_from(patch.status).map_err(|_| {
                        Error::invalid("milestone.status", "is not a milestone status")
                    })?)
                } else {
                    None
                },
                percent: mask
                    .contains("percent_complete")
                    .then_some(patch.percent_complete),
                note: mask
                    .contains("status_note")
                    .then(|| patch.status_note.clone()),
            };
            rules::apply(
                &mut updated,
                &change,
                &unfinished,
                ("milestone.status", "milestone.percent_complete"),
                now,
            )?;
            updated.update_time = at(now);
            let deps: Vec<String> = updated
                .depends_on
                .iter()
                .filter_map(|n| n.rsplit('/').next().map(str::to_owned))
                .collect();
            let replace_deps = mask.contains("depends_on").then_some(deps.as_slice());
            let out = save_milestone(
                conn,
                (&iid, &id),
                row.revision,
                &updated,
                replace_deps,
                &today,
            )
            .await?;
            let changed = changed_paths(&current, &out);
            conn.append_event(
                &caller,
                event(
                    "milestone.updated".into(),
                    &name,
                    "Milestone",
                    &out,
                    milestone_attributes(&initiative, Some(changed)),
                ),
            )
            .await?;
            conn.append_audit(audit(
                &caller,
                METHOD,
                "updated",
                &name,
                changes(&current, &out),
                None,
            ))
            .await?;
            Ok::<_, Error>(UpdateMilestoneResponse {
                milestone: Some(out),
            })
        })
    }

    /// Soft-deletes (`deleted`) or restores a milestone.
    pub(super) async fn set_milestone_deleted(
        &self,
        caller: &Caller,
        name: &str,
        sent_etag: &str,
        deleted: bool,
    ) -> Result<Milestone, Error> {
        let method = if deleted {
            method!("DeleteMilestone")
        } else {
            method!("UndeleteMilestone")
        };
        let (iid, id) = parse_child_name("initiatives", "milestones", name, "name")?;
        require_etag(sent_etag, "etag")?;
        let today = self.today_text();
        write_transaction!(self.db, |conn| {
            conn.lock_initiative(iid).await?;
            let (row, current) = load_milestone(conn, iid, id, &today).await?;
            match (deleted, current.delete_time.is_some()) {
                (true, true) => return Err(Error::not_found(name)),
                (false, false) => {
                    return Err(Error::AlreadyExists {
                        resource: name.to_owned(),
                    });
                }
                _ => {}
            }
            check_etag(sent_etag, row.revision, name)?;
            let (_, initiative) = load(conn, iid).await?;
            ensure_live(&initiative)?;
            if deleted {
                let mut sql = Sql::new(
                    "SELECT m.* FROM milestone_dependencies d JOIN milestones m ON m.id = d.milestone_id \
                     WHERE m.delete_time IS NULL AND d.depends_on_id = ",
                );
                sql.text(id).push(" ORDER BY m.id");
                let dependents: Vec<MilestoneRow> = conn.rows(&sql).await?;
                if !dependents.is_empty() {
                    let names: Vec<String> = dependents
                        .iter()
                        .map(|d| milestone_name(iid, &d.id))
                        .collect();
                    return Err(Error::FailedPrecondition {
                        reason: "MILESTONE_HAS_DEPENDENTS",
                        message: format!(
                            "{} depend on it: change their depends_on first",
                            names.join(", ")
                        ),
                    });
                }
            } else {
                check_dependencies(conn, iid, id, &current.depends_on)
                    .await
                    .map_err(|_| Error::FailedPrecondition {
                        reason: "DEPENDENCY_DELETED",
                        message: "a milestone it depends on is deleted: undelete that one first"
                            .into(),
                    })?;
            }
            let now = now_micros();
            let mut changed = current.clone();
            changed.delete_time = if deleted { at(now) } else { None };
            changed.update_time = at(now);
            let out = save_milestone(conn, (iid, id), row.revision, &changed, None, &today).await?;
            let verb = if deleted { "deleted" } else { "undeleted" };
            conn.append_event(
                caller,
                event(
                    format!("milestone.{verb}"),
                    name,
                    "Milestone",
                    &out,
                    milestone_attributes(&initiative, None),
                ),
            )
            .await?;
            let change = FieldChange::new(
                "delete_time",
                serde_json::json!(current.delete_time.map(|t| t.seconds)),
                serde_json::json!(out.delete_time.map(|t| t.seconds)),
            );
            conn.append_audit(audit(caller, method, verb, name, vec![change], None))
                .await?;
            Ok::<_, Error>(out)
        })
    }
}
