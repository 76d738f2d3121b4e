//! Reading initiatives: one, by names, a filtered and ordered page, and the figures over
//! many. Roadmap figures come from the database (see `store::queries`).

use std::collections::HashMap;

use engage_api::initiatives::*;
use engage_api::types::RegionalGroup;
use engage_platform::identity::Need;
use engage_platform::paging::{Page, PageLimits};
use engage_platform::query::{Direction, Filter, OrderBy};
use engage_platform::resource::{etag, parse_name};
use engage_platform::{Caller, Error, with_connection};
use tonic::Request;

use super::InitiativesApi;
use super::convert::{self, at};
use crate::domain::dates;
use crate::store::sql::{self, Key, Sql};
use crate::store::{CountRow, InitiativeRow, NextDueRow, RoadmapRow, Store, SummaryRow, queries};

const ORDER_FIELDS: &[&str] = &[
    "title",
    "country_code",
    "status",
    "start_date",
    "target_date",
    "create_time",
    "update_time",
];

/// The column an initiative order field sorts on.
fn order_column(field: &str) -> &'static str {
    match field {
        "title" => "i.title",
        "country_code" => "i.country_code",
        "status" => "i.status",
        "start_date" => "i.start_date",
        "target_date" => "i.target_date",
        "update_time" => "i.update_time",
        _ => "i.create_time",
    }
}

fn order_key(row: &InitiativeRow, field: &str) -> Key {
    match field {
        "title" => Key::Text(row.title.clone()),
        "country_code" => Key::Text(row.country_code.clone()),
        "status" => Key::Int(i64::from(row.status)),
        "start_date" => Key::Text(row.start_date.clone()),
        "target_date" => Key::Text(row.target_date.clone()),
        "update_time" => Key::Int(row.update_time),
        _ => Key::Int(row.create_time),
    }
}

impl InitiativesApi {
    /// `initiative` with its etag at `revision` and its roadmap figures.
    pub(super) async fn with_roadmap<C: Store + Send>(
        &self,
        conn: &mut C,
        revision: i64,
        mut initiative: Initiative,
    ) -> Result<Initiative, Error> {
        initiative.etag = etag(revision);
        let mut list = vec![initiative];
        self.attach_roadmaps(conn, &mut list).await?;
        Ok(list.remove(0))
    }

    /// Sets the roadmap figures of `initiatives`, in two queries whatever their number.
    pub(super) async fn attach_roadmaps<C: Store + Send>(
        &self,
        conn: &mut C,
        initiatives: &mut [Initiative],
    ) -> Result<(), Error> {
        if initiatives.is_empty() {
            return Ok(());
        }
        let today = self.today_text();
        let ids: Vec<String> = initiatives
            .iter()
            .map(|i| i.name.trim_start_matches("initiatives/").to_owned())
            .collect();
        let figures: Vec<RoadmapRow> = conn.roadmap_figures(&today, &ids).await?;
        let next: Vec<NextDueRow> = conn.next_due(&today, &ids).await?;
        let figures: HashMap<&str, &RoadmapRow> = figures
            .iter()
            .map(|r| (r.initiative_id.as_str(), r))
            .collect();
        let next: HashMap<&str, &NextDueRow> =
            next.iter().map(|r| (r.initiative_id.as_str(), r)).collect();
        for (initiative, id) in initiatives.iter_mut().zip(&ids) {
            initiative.roadmap = Some(convert::roadmap(
                figures.get(id.as_str()).copied(),
                next.get(id.as_str()).copied(),
            ));
        }
        Ok(())
    }

    pub(super) async fn get_initiative(
        &self,
        request: Request<GetInitiativeRequest>,
    ) -> Result<GetInitiativeResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let id = parse_name("initiatives", &r.name, "name")?.to_owned();
        let initiative = with_connection!(self.db, |conn| {
            let (row, initiative) = super::initiatives::load(conn, &id).await?;
            self.with_roadmap(conn, row.revision, initiative).await?
        });
        Ok(GetInitiativeResponse {
            initiative: Some(initiative),
        })
    }

    pub(super) async fn batch_get_initiatives(
        &self,
        request: Request<BatchGetInitiativesRequest>,
    ) -> Result<BatchGetInitiativesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        if r.names.is_empty() || r.names.len() > 1_000 {
            return Err(Error::invalid("names", "give 1 to 1000 names"));
        }
        let mut ids = Vec::with_capacity(r.names.len());
        for (i, name) in r.names.iter().enumerate() {
            ids.push(parse_name("initiatives", name, &format!("names[{i}]"))?.to_owned());
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        let found = with_connection!(self.db, |conn| {
            let mut sql = Sql::new("SELECT * FROM initiatives i WHERE i.id IN ");
            sql.list(&unique);
            let rows: Vec<InitiativeRow> = conn.rows(&sql).await?;
            let mut list = rows
                .iter()
                .map(convert::initiative)
                .collect::<Result<Vec<_>, _>>()?;
            self.attach_roadmaps(conn, &mut list).await?;
            list
        });
        let by_name: HashMap<String, Initiative> =
            found.into_iter().map(|i| (i.name.clone(), i)).collect();
        let mut initiatives = Vec::with_capacity(r.names.len());
        for name in &r.names {
            initiatives.push(
                by_name
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Error::not_found(name))?,
            );
        }
        Ok(BatchGetInitiativesResponse { initiatives })
    }

    pub(super) async fn list_initiatives(
        &self,
        request: Request<ListInitiativesRequest>,
    ) -> Result<ListInitiativesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let today = self.today_text();
        let filter = Filter::parse(&r.filter, queries::INITIATIVE_FIELDS)?;
        let order = OrderBy::parse(
            &r.order_by,
            ORDER_FIELDS,
            &[("create_time", Direction::Descending)],
        )?;
        let show_deleted = r.show_deleted.to_string();
        let page = Page::<Vec<Key>>::parse(
            "ListInitiatives",
            r.page_size,
            &r.page_token,
            &[&r.filter, &r.order_by, &show_deleted],
            PageLimits::default(),
        )?;
        let mut condition = Sql::new(if r.show_deleted {
            "1 = 1"
        } else {
            "i.delete_time IS NULL"
        });
        if let Some(filter) = &filter {
            condition.push(" AND ").append(queries::condition(
                filter,
                &queries::compare_initiative(&today),
            )?);
        }
        let mut columns: Vec<(&str, Direction)> =
            order.0.iter().map(|(f, d)| (order_column(f), *d)).collect();
        columns.push(("i.id", Direction::Ascending));
        let (select, count) = sql::page(
            "i.*",
            "initiatives i",
            &condition,
            &columns,
            page.after.as_deref(),
            page.fetch_limit(),
        );
        let (initiatives, next_page_token, total) = with_connection!(self.db, |conn| {
            let mut rows: Vec<InitiativeRow> = conn.rows(&select).await?;
            let next = page.finish(&mut rows, |row| {
                let mut key: Vec<Key> = order.0.iter().map(|(f, _)| order_key(row, f)).collect();
                key.push(Key::Text(row.id.clone()));
                key
            });
            let total: Vec<CountRow> = conn.rows(&count).await?;
            let mut list = rows
                .iter()
                .map(convert::initiative)
                .collect::<Result<Vec<_>, _>>()?;
            self.attach_roadmaps(conn, &mut list).await?;
            (list, next, total.first().map_or(0, |c| c.n))
        });
        Ok(ListInitiativesResponse {
            initiatives,
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    pub(super) async fn summarize_initiatives(
        &self,
        request: Request<SummarizeInitiativesRequest>,
    ) -> Result<SummarizeInitiativesResponse, Error> {
        Caller::require(&request, Need::Read)?;
        let r = request.into_inner();
        let within = r.due_within_days.unwrap_or(30);
        if !(0..=366).contains(&within) {
            return Err(Error::invalid("due_within_days", "must be from 0 to 366"));
        }
        let now = (self.clock)();
        let today = self.today();
        let today_text = dates::format(today);
        let until = dates::format(dates::add_days(today, within));
        let filter = Filter::parse(&r.filter, queries::INITIATIVE_FIELDS)?;
        let condition = filter
            .as_ref()
            .map(|f| queries::condition(f, &queries::compare_initiative(&today_text)))
            .transpose()?;
        let sql = queries::summary(&today_text, &until, condition);
        let rows: Vec<SummaryRow> = with_connection!(self.db, |conn| conn.rows(&sql).await?);
        Ok(summarize(&rows, now))
    }
}

/// The figures of the response, added up from the database's groups.
fn summarize(rows: &[SummaryRow], now: i64) -> SummarizeInitiativesResponse {
    let n = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    #[allow(
        clippy::cast_precision_loss,
        reason = "counts of initiatives are small"
    )]
    let mean = |sum: f64, count: i64| if count == 0 { 0.0 } else { sum / count as f64 };
    let total: i64 = rows.iter().map(|r| r.initiatives).sum();
    let progress: f64 = rows.iter().map(|r| r.progress_sum).sum();
    let by_status = [
        InitiativeStatus::Proposed,
        InitiativeStatus::Launched,
        InitiativeStatus::Active,
        InitiativeStatus::Completed,
        InitiativeStatus::Suspended,
    ]
    .into_iter()
    .map(|status| {
        let group: Vec<&SummaryRow> = rows.iter().filter(|r| r.status == status as i32).collect();
        let count: i64 = group.iter().map(|r| r.initiatives).sum();
        InitiativeStatusSummary {
            status: status as i32,
            initiative_count: n(count),
            average_progress_percent: mean(group.iter().map(|r| r.progress_sum).sum(), count),
            overdue_milestone_count: n(group.iter().map(|r| r.overdue).sum()),
        }
    })
    .collect();
    let mut groups: std::collections::BTreeMap<i32, i64> = Default::default();
    let mut countries: std::collections::BTreeMap<String, i64> = Default::default();
    for r in rows {
        *groups.entry(r.regional_group).or_default() += r.initiatives;
        *countries.entry(r.country_code.clone()).or_default() += r.initiatives;
    }
    let sum = |f: fn(&SummaryRow) -> i64| n(rows.iter().map(f).sum());
    SummarizeInitiativesResponse {
        initiative_count: n(total),
        by_status,
        by_regional_group: groups
            .into_iter()
            .filter(|(g, _)| RegionalGroup::try_from(*g).is_ok())
            .map(|(g, c)| RegionalGroupCount {
                regional_group: g,
                initiative_count: n(c),
            })
            .collect(),
        by_country: countries
            .into_iter()
            .map(|(country_code, c)| CountryCount {
                country_code,
                initiative_count: n(c),
            })
            .collect(),
        milestone_status_counts: Some(MilestoneStatusCounts {
            planned: sum(|r| r.planned),
            in_progress: sum(|r| r.in_progress),
            done: sum(|r| r.done),
            blocked: sum(|r| r.blocked),
            dropped: sum(|r| r.dropped),
        }),
        overdue_milestone_count: sum(|r| r.overdue),
        due_soon_milestone_count: sum(|r| r.due_soon),
        average_progress_percent: mean(progress, total),
        as_of_time: at(now),
    }
}
