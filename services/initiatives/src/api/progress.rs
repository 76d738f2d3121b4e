//! The progress log: appended, read, never changed.

use engage_api::initiatives::*;
use engage_platform::identity::Need;
use engage_platform::journal::FieldChange;
use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{Direction, Filter, OrderBy};
use engage_platform::resource::{check_etag, new_id, now_micros, parse_child_name, parse_name};
use engage_platform::{Caller, Error, idempotent_write, with_connection};
use tonic::Request;

use super::convert::{self, at, entry_name, initiative_name};
use super::initiatives::{ensure_live, load};
use super::milestones::{
    changed_paths, changes, check_dependencies, load_milestone, save_milestone,
};
use super::{InitiativesApi, audit, coordinator_of, event, method, parse_request_id, required};
use crate::domain::milestone as milestone_rules;
use crate::domain::progress as rules;
use crate::store::sql::{self, Key, Sql};
use crate::store::{CountRow, EntryRow, PairRow, Store, queries};

/// The entries correcting each of `ids`, oldest first, as names.
async fn corrections<C: Store>(
    conn: &mut C,
    initiative_id: &str,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<String>>, Error> {
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql =
        Sql::new("SELECT corrects_id AS a, id AS b FROM progress_entries WHERE corrects_id IN ");
    sql.list(ids).push(" ORDER BY create_time, id");
    let pairs: Vec<PairRow> = conn.rows(&sql).await?;
    for pair in pairs {
        out.entry(pair.a)
            .or_default()
            .push(entry_name(initiative_id, &pair.b));
    }
    Ok(out)
}

impl InitiativesApi {
    pub(super) async fn append_progress(
        &self,
        request: Request<AppendProgressRequest>,
    ) -> Result<AppendProgressResponse, Error> {
        const METHOD: &str = method!("AppendProgress");
        let iid = parse_name("initiatives", &request.get_ref().parent, "parent")?.to_owned();
        let caller = coordinator_of(&request, &initiative_name(&iid))?;
        let r = request.into_inner();
        let rid = parse_request_id(&r.request_id, &r)?;
        let entry = required(r.progress_entry.clone(), "progress_entry")?;
        let checked = rules::check(&entry, &iid)?;
        let today = self.today_text();
        idempotent_write!(self.db, METHOD, &rid, |conn| {
            conn.lock_initiative(&iid).await?;
            let (_, initiative) = load(conn, &iid).await?;
            ensure_live(&initiative)?;
            let changes_milestone =
                checked.change.status.is_some() || checked.change.percent.is_some();
            if changes_milestone && initiative.status == InitiativeStatus::Completed as i32 {
                return Err(Error::FailedPrecondition {
                    reason: "INITIATIVE_COMPLETED",
                    message: format!(
                        "{} is completed: its milestones no longer change",
                        initiative.name
                    ),
                });
            }
            if let Some(corrects) = &checked.corrects_id {
                let corrected = match conn.entry(corrects).await? {
                    Some(row) if row.initiative_id == iid => convert::entry(&row, Vec::new())?,
                    _ => {
                        return Err(Error::invalid(
                            "progress_entry.corrects",
                            format!(
                                "{} is not an entry of this initiative's log",
                                entry.corrects
                            ),
                        ));
                    }
                };
                rules::check_correction(&entry.milestone, &corrected.milestone)?;
            }
            let id = new_id();
            let now = now_micros();
            let name = entry_name(&iid, &id);
            let mut stored = ProgressEntry {
                name: name.clone(),
                milestone: entry.milestone.clone(),
                text: entry.text.clone(),
                new_status: entry.new_status,
                new_percent_complete: entry.new_percent_complete,
                previous_status: 0,
                previous_percent_complete: None,
                evidence: entry.evidence.clone(),
                corrects: entry.corrects.clone(),
                corrected_by: Vec::new(),
                author: Some(caller.actor()),
                create_time: at(now),
            };
            let mut milestone_out = None;
            if let Some(mid) = &checked.milestone_id {
                let (row, current) =
                    load_milestone(conn, &iid, mid, &today).await.map_err(|_| {
                        Error::invalid(
                            "progress_entry.milestone",
                            format!("{} does not exist", entry.milestone),
                        )
                    })?;
                if current.delete_time.is_some() {
                    return Err(Error::invalid(
                        "progress_entry.milestone",
                        format!("{} is deleted", entry.milestone),
                    ));
                }
                check_etag(&r.milestone_etag, row.revision, &entry.milestone)?;
                let mut updated = current.clone();
                if changes_milestone {
                    let unfinished =
                        check_dependencies(conn, &iid, mid, &current.depends_on).await?;
                    milestone_rules::apply(
                        &mut updated,
                        &checked.change,
                        &unfinished,
                        (
                            "progress_entry.new_status",
                            "progress_entry.new_percent_complete",
                        ),
                        now,
                    )?;
                    stored.previous_status = current.status;
                    stored.previous_percent_complete = Some(current.percent_complete);
                }
                updated.latest_progress_entry = name.clone();
                updated.update_time = at(now);
                let out =
                    save_milestone(conn, (&iid, mid), row.revision, &updated, None, &today).await?;
                let changed = changed_paths(&current, &out);
                conn.append_event(
                    &caller,
                    event(
                        "milestone.updated".into(),
                        &out.name,
                        "Milestone",
                        &out,
                        convert::attributes(&initiative, Some(changed)),
                    ),
                )
                .await?;
                conn.append_audit(audit(
                    &caller,
                    METHOD,
                    "updated",
                    &out.name,
                    changes(&current, &out),
                    rid.as_ref(),
                ))
                .await?;
                milestone_out = Some(out);
            }
            let row = EntryRow {
                id: id.clone(),
                initiative_id: iid.clone(),
                milestone_id: checked.milestone_id.clone().unwrap_or_default(),
                author: caller.subject.clone(),
                create_time: now,
                corrects_id: checked.corrects_id.clone().unwrap_or_default(),
                new_status: stored.new_status,
                body: prost::Message::encode_to_vec(&stored),
            };
            conn.insert_entry(&row).await?;
            conn.append_event(
                &caller,
                event(
                    "progress_entry.created".into(),
                    &name,
                    "ProgressEntry",
                    &stored,
                    convert::attributes(&initiative, None),
                ),
            )
            .await?;
            let mut audit_changes = vec![FieldChange::set("text", serde_json::json!(stored.text))];
            if !stored.milestone.is_empty() {
                audit_changes.push(FieldChange::set(
                    "milestone",
                    serde_json::json!(stored.milestone),
                ));
            }
            if !stored.corrects.is_empty() {
                audit_changes.push(FieldChange::set(
                    "corrects",
                    serde_json::json!(stored.corrects),
                ));
            }
            conn.append_audit(audit(
                &caller,
                METHOD,
                "created",
                &name,
                audit_changes,
                rid.as_ref(),
            ))
            .await?;
            Ok::<_, Error>(AppendProgressResponse {
                progress_entry: Some(stored),
                milestone: milestone_out,
            })
        })
    }

    pub(super) async fn get_progress_entry(
        &self,
        request: Request<GetProgressEntryRequest>,
    ) -> Result<GetProgressEntryResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let (iid, id) = parse_child_name("initiatives", "progressEntries", &r.name, "name")?;
        let entry = with_connection!(self.db, |conn| {
            match conn.entry(id).await? {
                Some(row) if row.initiative_id == iid => {
                    let mut by = corrections(conn, iid, &[id.to_owned()]).await?;
                    convert::entry(&row, by.remove(id).unwrap_or_default())?
                }
                _ => return Err(Error::not_found(&r.name)),
            }
        });
        Ok(GetProgressEntryResponse {
            progress_entry: Some(entry),
        })
    }

    pub(super) async fn list_progress_entries(
        &self,
        request: Request<ListProgressEntriesRequest>,
    ) -> Result<ListProgressEntriesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let iid = parse_name("initiatives", &r.parent, "parent")?.to_owned();
        let filter = Filter::parse(&r.filter, queries::ENTRY_FIELDS)?;
        let order = OrderBy::parse(
            &r.order_by,
            &["create_time"],
            &[("create_time", Direction::Descending)],
        )?;
        let direction = order.0.first().map_or(Direction::Descending, |(_, d)| *d);
        let page = Page::<Vec<Key>>::parse(
            "ListProgressEntries",
            r.page_size,
            &r.page_token,
            &[&r.parent, &r.filter, &r.order_by],
            PageLimits::default(),
        )?;
        let mut condition = Sql::new("e.initiative_id = ");
        condition.text(iid.clone());
        if let Some(filter) = &filter {
            condition
                .push(" AND ")
                .append(queries::condition(filter, &queries::compare_entry)?);
        }
        // Ids are UUIDv7: they follow the append order, so they break ties in its direction.
        let columns = [("e.create_time", direction), ("e.id", direction)];
        let (select, count) = sql::page(
            "e.*",
            "progress_entries e",
            &condition,
            &columns,
            page.after.as_deref(),
            page.fetch_limit(),
        );
        let (entries, next_page_token, total) = with_connection!(self.db, |conn| {
            let mut rows: Vec<EntryRow> = conn.rows(&select).await?;
            let next = page.finish(&mut rows, |row| {
                vec![Key::Int(row.create_time), Key::Text(row.id.clone())]
            });
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut by = corrections(conn, &iid, &ids).await?;
            let counted: Vec<CountRow> = conn.rows(&count).await?;
            let entries = rows
                .iter()
                .map(|row| convert::entry(row, by.remove(&row.id).unwrap_or_default()))
                .collect::<Result<Vec<_>, _>>()?;
            (entries, next, counted.first().map_or(0, |c| c.n))
        });
        Ok(ListProgressEntriesResponse {
            progress_entries: entries,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }
}
