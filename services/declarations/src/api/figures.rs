//! Figures and files: counts by regional group, country, sector, area and signer kind,
//! signatories per day, the CSV export, and the audit trail.

use engage_api::declarations::*;
use engage_api::types::{RegionalGroup, Sector};
use engage_platform::journal::{AuditTrailQuery, TrailOrder, audit_trail};
use engage_platform::paging::PageLimits;
use engage_platform::query::Direction;
use engage_platform::resource::{now_micros, parse_child_name, parse_name, timestamp};
use engage_platform::{Caller, Error, write_transaction};
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;

use super::{DeclarationsApi, is_officer, today};
use crate::domain::{csv, dates, filters};
use crate::store::rows::{SignatureRow, status_counts};
use crate::store::{Figures, Listing, Scope, Store, signature_keys};

/// Longest series CountSignaturesByDay returns, in days after the first.
const MAX_DAYS: i64 = 3_660;
/// Rows read and sent per piece of an export.
const EXPORT_BATCH: i64 = 500;

/// The counts of each bucket of one dimension, with `keys` listing the buckets to show.
fn buckets<T: PartialEq + Clone>(
    grouped: &[(T, i32, i64)],
    keys: &[T],
) -> Vec<(T, SignatureStatusCounts)> {
    keys.iter()
        .map(|key| {
            let rows = grouped
                .iter()
                .filter(|(k, _, _)| k == key)
                .map(|(_, s, n)| (*s, *n));
            (key.clone(), status_counts(rows))
        })
        .collect()
}

fn counts_response(figures: Figures, areas: &[DeclarationArea]) -> CountSignaturesResponse {
    let groups: Vec<i32> = (0..=RegionalGroup::None as i32).collect();
    let sectors: Vec<i32> = (0..=Sector::Other as i32).collect();
    let kinds = [
        SignerKind::Organization as i32,
        SignerKind::Individual as i32,
    ];
    let mut countries: Vec<String> = figures
        .by_country
        .iter()
        .map(|(c, _, _)| c.clone())
        .collect();
    countries.sort();
    countries.dedup();
    let area_ids: Vec<String> = areas.iter().map(|a| a.id.clone()).collect();
    let by_country = buckets(&figures.by_country, &countries);
    CountSignaturesResponse {
        totals: Some(status_counts(figures.totals)),
        by_regional_group: buckets(&figures.by_regional_group, &groups)
            .into_iter()
            .map(|(regional_group, c)| RegionalGroupCount {
                regional_group,
                counts: Some(c),
            })
            .collect(),
        signatory_country_count: by_country
            .iter()
            .filter(|(code, c)| !code.is_empty() && c.verified > 0)
            .count() as i32,
        by_country: by_country
            .into_iter()
            .map(|(country_code, c)| CountryCount {
                country_code,
                counts: Some(c),
            })
            .collect(),
        by_sector: buckets(&figures.by_sector, &sectors)
            .into_iter()
            .map(|(sector, c)| SectorCount {
                sector,
                counts: Some(c),
            })
            .collect(),
        by_area: buckets(&figures.by_area, &area_ids)
            .into_iter()
            .zip(areas)
            .map(|((area_id, c), area)| AreaCount {
                area_id,
                title: area.title.clone(),
                counts: Some(c),
            })
            .collect(),
        by_signer_kind: buckets(&figures.by_signer_kind, &kinds)
            .into_iter()
            .map(|(signer_kind, c)| SignerKindCount {
                signer_kind,
                counts: Some(c),
            })
            .collect(),
        as_of_time: Some(timestamp(now_micros())),
    }
}

impl DeclarationsApi {
    pub(super) async fn count_signatures(
        &self,
        r: CountSignaturesRequest,
    ) -> Result<CountSignaturesResponse, Error> {
        let declaration = self.declaration_row(&r.parent, "parent").await?;
        let areas = declaration.resource(Default::default(), None)?.areas;
        let scope = Scope {
            declaration_id: Some(declaration.id),
            clauses: filters::clauses(&r.filter, filters::COUNT_FIELDS)?,
            public_only: false,
        };
        // One transaction, read as one snapshot, so the figures agree with each other.
        let figures = write_transaction!(self.db, |conn| {
            conn.snapshot_reads().await?;
            conn.figures(&scope).await
        })?;
        Ok(counts_response(figures, &areas))
    }

    pub(super) async fn count_signatures_by_day(
        &self,
        r: CountSignaturesByDayRequest,
    ) -> Result<CountSignaturesByDayResponse, Error> {
        let declaration = self.declaration_row(&r.parent, "parent").await?;
        let day = |d: Option<&engage_api::types::Date>,
                   field: &str|
         -> Result<Option<time::Date>, Error> {
            d.map(|d| {
                dates::to_date(d).ok_or_else(|| Error::invalid(field, "is not a calendar date"))
            })
            .transpose()
        };
        let start = match day(r.start_date.as_ref(), "start_date")? {
            Some(d) => d,
            None => declaration.open_time.map(dates::utc_date).ok_or_else(|| {
                Error::invalid(
                    "start_date",
                    "is required: the declaration was never opened",
                )
            })?,
        };
        let end = match day(r.end_date.as_ref(), "end_date")? {
            Some(d) => d,
            None => declaration
                .close_time
                .map(dates::utc_date)
                .unwrap_or_else(today),
        };
        let span = (end - start).whole_days();
        if span < 0 {
            return Err(Error::invalid("end_date", "is before start_date"));
        }
        if span > MAX_DAYS {
            return Err(Error::invalid(
                "end_date",
                format!("is more than {MAX_DAYS} days after start_date"),
            ));
        }
        let scope = Scope {
            declaration_id: Some(declaration.id),
            clauses: filters::clauses(&r.filter, filters::DAILY_FIELDS)?,
            public_only: false,
        };
        let (first, last) = (dates::format(start), dates::format(end));
        let (counted, before) = write_transaction!(self.db, |conn| {
            conn.snapshot_reads().await?;
            conn.daily(&scope, &first, &last).await
        })?;
        let mut cumulative = before;
        let mut days = Vec::new();
        let mut date = start;
        loop {
            let key = dates::format(date);
            let count = counted
                .iter()
                .find(|(d, _)| *d == key)
                .map_or(0, |(_, n)| *n);
            cumulative += count;
            days.push(DailyCount {
                date: Some(dates::from_date(date)),
                count: super::total(count),
                cumulative_count: super::total(cumulative),
            });
            match date.next_day() {
                Some(next) if next <= end => date = next,
                _ => break,
            }
        }
        Ok(CountSignaturesByDayResponse {
            days,
            as_of_time: Some(timestamp(now_micros())),
        })
    }

    pub(super) async fn export(
        &self,
        caller: &Caller,
        r: ExportSignaturesRequest,
    ) -> Result<BoxStream<ExportSignaturesResponse>, Error> {
        let (scope, fields, order) = if r.public_only {
            (
                self.public_scope(&r.parent, &r.filter).await?,
                filters::PUBLIC_ORDER,
                ("display_name", Direction::Ascending),
            )
        } else {
            if !is_officer(caller) {
                return Err(Error::PermissionDenied {
                    reason: "ROLE_REQUIRED",
                    message:
                        "the full export needs the csu_officer or admin role; ask for public_only"
                            .into(),
                });
            }
            let declaration = self.declaration_row(&r.parent, "parent").await?;
            (
                Scope {
                    declaration_id: Some(declaration.id),
                    clauses: filters::clauses(&r.filter, filters::SIGNATURE_FIELDS)?,
                    public_only: false,
                },
                filters::SIGNATURE_ORDER,
                ("create_time", Direction::Descending),
            )
        };
        let order = filters::order(&r.order_by, fields, order)?;
        let public_only = r.public_only;
        let db = self.db.clone();
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let header = if public_only {
                csv::header(csv::PUBLIC_HEADER)
            } else {
                csv::header(csv::FULL_HEADER)
            };
            let mut listing = Listing {
                order,
                after: None,
                limit: EXPORT_BATCH,
            };
            let mut pending = header;
            let mut rows_written: i64 = 0;
            loop {
                let page: Result<Vec<SignatureRow>, Error> = async {
                    Ok(engage_platform::with_connection!(db, |conn| {
                        conn.list_signatures(&scope, &listing).await?
                    }))
                }
                .await;
                let rows = match page {
                    Ok(rows) => rows,
                    Err(e) => {
                        let _ = sender.send(Err(e.into())).await;
                        return;
                    }
                };
                let records: Result<Vec<Vec<String>>, Error> = rows
                    .iter()
                    .map(|row| {
                        if public_only {
                            Ok(csv::public_record(&row.public()))
                        } else {
                            row.resource().map(|s| csv::full_record(&s))
                        }
                    })
                    .collect();
                let records = match records {
                    Ok(records) => records,
                    Err(e) => {
                        let _ = sender.send(Err(e.into())).await;
                        return;
                    }
                };
                rows_written += records.len() as i64;
                pending.extend(csv::write_rows(records));
                let done = (rows.len() as i64) < EXPORT_BATCH;
                if let Some(last) = rows.last() {
                    listing.after = Some((signature_keys(&listing.order, last), last.id.clone()));
                }
                let piece = ExportSignaturesResponse {
                    csv_data: std::mem::take(&mut pending),
                    done,
                    row_count: if done { rows_written } else { 0 },
                };
                if sender.send(Ok(piece)).await.is_err() || done {
                    return;
                }
            }
        });
        Ok(Box::pin(ReceiverStream::new(receiver)))
    }

    pub(super) async fn list_audit_entries(
        &self,
        r: ListAuditEntriesRequest,
    ) -> Result<ListAuditEntriesResponse, Error> {
        let is_signature =
            parse_child_name("declarations", "signatures", &r.resource, "resource").is_ok();
        if !is_signature {
            parse_name("declarations", &r.resource, "resource")?;
        }
        let trail = audit_trail(
            &self.db,
            AuditTrailQuery {
                resource: &r.resource,
                include_children: r.include_children,
                filter: &r.filter,
                page_size: r.page_size,
                page_token: &r.page_token,
                limits: PageLimits::default(),
                order: TrailOrder::NewestFirst,
            },
        )
        .await?;
        Ok(ListAuditEntriesResponse {
            audit_entries: trail.entries,
            next_page_token: trail.next_page_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regional_group_and_sector_is_listed_with_zeros() {
        let figures = Figures {
            totals: vec![(2, 3), (4, 1)],
            by_regional_group: vec![
                (RegionalGroup::African as i32, 2, 3),
                (RegionalGroup::African as i32, 4, 1),
            ],
            by_country: vec![("KE".into(), 2, 2), ("".into(), 2, 1), ("AR".into(), 4, 1)],
            by_sector: vec![(Sector::Ngo as i32, 2, 3)],
            by_signer_kind: vec![(SignerKind::Organization as i32, 2, 3)],
            by_area: vec![("victims".into(), 2, 3)],
        };
        let areas = [
            DeclarationArea {
                id: "prevention".into(),
                title: "Prevention".into(),
                ..Default::default()
            },
            DeclarationArea {
                id: "victims".into(),
                title: "Victims".into(),
                ..Default::default()
            },
        ];
        let r = counts_response(figures, &areas);
        assert_eq!(r.totals.unwrap().verified, 3);
        assert_eq!(r.by_regional_group.len(), 7);
        let african = &r.by_regional_group[RegionalGroup::African as usize];
        assert_eq!(african.counts.unwrap().withdrawn, 1);
        assert_eq!(r.by_sector.len(), 8);
        let countries: Vec<_> = r
            .by_country
            .iter()
            .map(|c| c.country_code.as_str())
            .collect();
        assert_eq!(countries, ["", "AR", "KE"]);
        assert_eq!(
            r.signatory_country_count, 1,
            "only KE has a signatory with a country"
        );
        assert_eq!(r.by_area[0].counts.unwrap().verified, 0);
        assert_eq!(r.by_area[1].title, "Victims");
        assert_eq!(r.by_signer_kind.len(), 2);
    }
}
