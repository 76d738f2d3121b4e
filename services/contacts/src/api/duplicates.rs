//! Duplicate detection: candidates from blocking keys, scored, kept one per pair, reviewed.

use std::collections::{HashMap, HashSet};

use engage_api::contacts::*;
use engage_platform::journal::Journal;
use engage_platform::paging::Page;
use engage_platform::resource::{now_micros, parse_name, timestamp};
use engage_platform::{Caller, Error, with_connection, write_transaction};

use super::{ContactsApi, actor, method, page_limits, writer};
use crate::domain::duplicates::{
    PreparedOrganization, PreparedPerson, Scored, Thresholds, band, organization_blocking_keys,
    pairs_sharing_a_key, person_blocking_keys, score_prepared_organizations_reaching,
    score_prepared_people,
};
use crate::store::kinds::{DUPLICATE_KEY, REVIEW, candidate_pair, review_term};
use crate::store::lifecycle::{self, Resource, Stored, Writer};
use crate::store::{Condition, ListQuery, RecordKind, Register, SortColumn, SortValue};

/// Most records a new or changed record is compared with.
const MAX_COMPARED: usize = 200;
/// Candidates written per transaction by RunDuplicateDetection.
const SCAN_BATCH: i64 = 500;
/// Records read per query by RunDuplicateDetection.
const READ_BATCH: i64 = 2_000;

/// A register whose records duplicate detection compares.
pub(super) trait Dedupe: Resource + Send + Sync + 'static {
    const RECORD_TYPE: RecordType;
    /// The record with what scoring needs worked out once, for all the pairs it is in.
    type Prepared<'a>: Send + Sync
    where
        Self: 'a;
    fn blocking_keys(&self) -> Vec<String>;
    fn prepare(&self) -> Self::Prepared<'_>;
    /// The score of a pair when it reaches `lowest`; `None` when it does not.
    fn score_reaching(
        older: &Self::Prepared<'_>,
        newer: &Self::Prepared<'_>,
        lowest: f64,
    ) -> Option<Scored>;
}

impl Dedupe for Organization {
    const RECORD_TYPE: RecordType = RecordType::Organization;
    type Prepared<'a> = PreparedOrganization<'a>;
    fn blocking_keys(&self) -> Vec<String> {
        organization_blocking_keys(self)
    }
    fn prepare(&self) -> PreparedOrganization<'_> {
        PreparedOrganization::new(self)
    }
    fn score_reaching(
        older: &PreparedOrganization<'_>,
        newer: &PreparedOrganization<'_>,
        lowest: f64,
    ) -> Option<Scored> {
        score_prepared_organizations_reaching(older, newer, lowest)
    }
}

impl Dedupe for Person {
    const RECORD_TYPE: RecordType = RecordType::Person;
    type Prepared<'a> = PreparedPerson<'a>;
    fn blocking_keys(&self) -> Vec<String> {
        person_blocking_keys(self)
    }
    fn prepare(&self) -> PreparedPerson<'_> {
        PreparedPerson::new(self)
    }
    fn score_reaching(
        older: &PreparedPerson<'_>,
        newer: &PreparedPerson<'_>,
        lowest: f64,
    ) -> Option<Scored> {
        // Stored candidates never show a birth date: they are read by non-admins too.
        let scored = score_prepared_people(older, newer, false);
        (scored.score >= lowest).then_some(scored)
    }
}

/// The score and band of a pair, older record first, when it is in a band.
fn score_in_band<R: Dedupe>(
    older: &R::Prepared<'_>,
    newer: &R::Prepared<'_>,
    thresholds: &Thresholds,
) -> Option<(Scored, DuplicateBand)> {
    let lowest = thresholds.possible.min(thresholds.likely);
    let scored = R::score_reaching(older, newer, lowest)?;
    band(scored.score, thresholds).map(|b| (scored, b))
}

/// Thresholds from the environment (ENGAGE_CONTACTS_DUPLICATE_LIKELY / _POSSIBLE), else the
/// defaults.
pub(crate) fn thresholds_from_env() -> Thresholds {
    let read = |name: &str, default: f64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| (0.0..=1.0).contains(v))
            .unwrap_or(default)
    };
    let defaults = Thresholds::default();
    Thresholds {
        likely: read("ENGAGE_CONTACTS_DUPLICATE_LIKELY", defaults.likely),
        possible: read("ENGAGE_CONTACTS_DUPLICATE_POSSIBLE", defaults.possible),
    }
}

fn wire(thresholds: &Thresholds) -> DuplicateThresholds {
    DuplicateThresholds {
        likely: thresholds.likely,
        possible: thresholds.possible,
    }
}

/// A pair found for a record: the other record and how they compare.
struct Found<R> {
    other: Stored<R>,
    scored: Scored,
    band: DuplicateBand,
}

/// Live records of the same register sharing a blocking key with `value`, scored.
async fn find_similar<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    id: Option<&str>,
    value: &R,
    thresholds: &Thresholds,
) -> Result<Vec<Found<R>>, Error> {
    let keys = value.blocking_keys();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let holders = conn
        .term_holders(R::KIND, DUPLICATE_KEY, &keys, MAX_COMPARED)
        .await?;
    let mut ids: Vec<String> = holders.into_values().flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = Vec::new();
    let prepared = value.prepare();
    for other in live_records::<R, C>(conn, &ids).await? {
        if Some(other.row.id.as_str()) == id {
            continue;
        }
        // The older record is `record_a`; a record being created is the newer.
        let in_band = score_in_band::<R>(&other.value.prepare(), &prepared, thresholds);
        if let Some((scored, band)) = in_band {
            found.push(Found {
                other,
                scored,
                band,
            });
        }
    }
    found.sort_by(|a, b| b.scored.score.total_cmp(&a.scored.score));
    Ok(found)
}

/// The records among `ids` that are neither deleted, merged nor erased.
async fn live_records<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    ids: &[String],
) -> Result<Vec<Stored<R>>, Error> {
    let mut live = Vec::new();
    for row in conn.load_many(R::KIND, ids).await? {
        if row.delete_time.is_none() && row.merged_into.is_none() && row.erase_time.is_none() {
            live.push(Stored::<R>::decode(row)?);
        }
    }
    Ok(live)
}

fn older_first<'a, R>(a: &'a Stored<R>, b: &'a Stored<R>) -> (&'a Stored<R>, &'a Stored<R>) {
    if is_older(a, b) { (a, b) } else { (b, a) }
}

/// Whether `a` was created before `b` (by id when created in the same instant).
fn is_older<R>(a: &Stored<R>, b: &Stored<R>) -> bool {
    (a.row.create_time, &a.row.id) <= (b.row.create_time, &b.row.id)
}

/// `work` over `items` split into one slice per core, the results in the items' order.
fn on_every_core<'t, T: Sync, U: Send>(
    items: &'t [T],
    work: impl Fn(&'t [T]) -> Vec<U> + Sync,
) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|c| scope.spawn(move || work(c)))
            .collect();
        // A part missing would shift every later index: a stopped worker stops the whole.
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The pairs of `records` that share a blocking key (see `pairs_sharing_a_key`).
fn blocked_pairs<R: Dedupe>(records: &[Stored<R>]) -> Vec<(usize, usize)> {
    let keys = on_every_core(records, |chunk| {
        chunk.iter().map(|r| r.value.blocking_keys()).collect()
    });
    pairs_sharing_a_key(keys, MAX_COMPARED)
}

/// The pairs of `pairs` in a band, scored older record first, as (older, newer, score,
/// band). Each record is prepared once for all its pairs; pairs are independent, so both
/// steps are split over the machine's cores.
fn score_pairs<R: Dedupe>(
    records: &[Stored<R>],
    pairs: &[(usize, usize)],
    thresholds: &Thresholds,
) -> Vec<(usize, usize, Scored, DuplicateBand)> {
    let prepared = on_every_core(records, |chunk| {
        chunk.iter().map(|r| r.value.prepare()).collect()
    });
    on_every_core(pairs, |chunk| {
        chunk
            .iter()
            .filter_map(|&(i, j)| {
                let (older, newer) = if is_older(&records[i], &records[j]) {
                    (i, j)
                } else {
                    (j, i)
                };
                score_in_band::<R>(&prepared[older], &prepared[newer], thresholds)
                    .map(|(scored, b)| (older, newer, scored, b))
            })
            .collect()
    })
}

/// The candidate of a pair, whatever its state.
async fn candidate_of_pair<C: Register + Send>(
    conn: &mut C,
    a: &str,
    b: &str,
) -> Result<Option<Stored<DuplicateCandidate>>, Error> {
    let ids = conn.term_owners("pair", &[candidate_pair(a, b)], 1).await?;
    match conn
        .load_many(RecordKind::DuplicateCandidate, &ids)
        .await?
        .pop()
    {
        Some(row) => Ok(Some(Stored::decode(row)?)),
        None => Ok(None),
    }
}

/// True when a kept candidate already says what a new scoring says.
fn unchanged(kept: &DuplicateCandidate, scored: &Scored, band: DuplicateBand) -> bool {
    kept.score == scored.score && kept.band == band as i32 && kept.matches == scored.matches
}

/// The record a merge of the pair should keep: the one more records refer to, the older
/// when as many refer to both.
async fn suggested_survivor<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    older: &Stored<R>,
    newer: &Stored<R>,
) -> Result<String, Error> {
    let (older_name, newer_name) = (older.name(), newer.name());
    let older_refs = conn.references(&older.row.id, &older_name).await?;
    let newer_refs = conn.references(&newer.row.id, &newer_name).await?;
    Ok(if newer_refs > older_refs {
        newer_name
    } else {
        older_name
    })
}

/// The open candidate of a scored pair, older record first.
fn open_candidate<R: Dedupe>(
    older: &Stored<R>,
    newer: &Stored<R>,
    scored: &Scored,
    band: DuplicateBand,
    suggested_survivor: String,
) -> DuplicateCandidate {
    DuplicateCandidate {
        record_type: R::RECORD_TYPE as i32,
        record_a: older.name(),
        record_b: newer.name(),
        score: scored.score,
        band: band as i32,
        matches: scored.matches.clone(),
        state: DuplicateCandidateState::Open as i32,
        suggested_survivor,
        detect_time: Some(timestamp(now_micros())),
        ..DuplicateCandidate::default()
    }
}

/// Records or refreshes the candidate of a scored pair. A decided pair (not a duplicate, or
/// merged) is left alone: it is never proposed again. Returns the open candidate.
async fn keep_candidate<R: Dedupe, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    a: &Stored<R>,
    b: &Stored<R>,
    scored: &Scored,
    band: DuplicateBand,
) -> Result<(Option<Stored<DuplicateCandidate>>, bool), Error> {
    let (older, newer) = older_first(a, b);
    let (older_name, newer_name) = (older.name(), newer.name());
    let existing = candidate_of_pair(conn, &older_name, &newer_name).await?;
    if existing
        .as_ref()
        .is_some_and(|c| c.value.state != DuplicateCandidateState::Open as i32)
    {
        return Ok((None, false));
    }
    // Nothing new to say: leave the candidate (and its trail) as it is.
    if let Some(existing) = existing.as_ref()
        && unchanged(&existing.value, scored, band)
    {
        return Ok((Some(existing.clone()), false));
    }
    let suggested = suggested_survivor(conn, older, newer).await?;
    let fresh = open_candidate(older, newer, scored, band, suggested);
    match existing {
        None => Ok((
            Some(lifecycle::create(conn, writer, None, fresh).await?),
            true,
        )),
        Some(existing) => {
            let mut after = existing.clone();
            after.value = DuplicateCandidate {
                name: String::new(),
                ..fresh
            };
            let saved =
                lifecycle::save(conn, writer, &existing, after, "updated", Vec::new()).await?;
            Ok((Some(saved), false))
        }
    }
}

/// Scores `stored` against its register and keeps the candidates; returns them, best first,
/// with how many were new.
pub(super) async fn detect<R: Dedupe, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    stored: &Stored<R>,
    thresholds: &Thresholds,
) -> Result<(Vec<DuplicateCandidate>, i64, i64), Error> {
    let found = find_similar(conn, Some(&stored.row.id), &stored.value, thresholds).await?;
    let compared = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let mut candidates = Vec::new();
    let mut new = 0;
    for f in found {
        // Scored older record first, as everywhere (records of one import batch can meet a
        // newer one here): the same pair then always gives the same matches.
        let (older, newer) = older_first(stored, &f.other);
        let (scored, band_of) = if older.row.id == stored.row.id {
            match score_in_band::<R>(&older.value.prepare(), &newer.value.prepare(), thresholds) {
                Some(in_band) => in_band,
                None => continue,
            }
        } else {
            (f.scored, f.band)
        };
        let (kept, created) =
            keep_candidate(conn, writer, stored, &f.other, &scored, band_of).await?;
        new += i64::from(created);
        if let Some(kept) = kept {
            candidates.push(kept.resource());
        }
    }
    Ok((candidates, compared, new))
}

/// Scores records created together (the rows of an import transaction) against their
/// register, each other included, and keeps their candidates: the holders of all their keys
/// are looked up at once and the records they meet read once, as the register scan does,
/// instead of a few round trips per record. Returns each record's likely duplicates, best
/// first.
pub(super) async fn detect_created<R: Dedupe, C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    created: &[Stored<R>],
    thresholds: &Thresholds,
) -> Result<Vec<Vec<String>>, Error> {
    let keys: Vec<Vec<String>> = created.iter().map(|s| s.value.blocking_keys()).collect();
    let every_key: Vec<String> = keys.iter().flatten().cloned().collect();
    let holders = conn
        .term_holders(R::KIND, DUPLICATE_KEY, &every_key, MAX_COMPARED)
        .await?;
    let fresh: HashMap<&str, usize> = created
        .iter()
        .enumerate()
        .map(|(i, s)| (s.row.id.as_str(), i))
        .collect();
    let mut older_ids: Vec<String> = holders
        .values()
        .flatten()
        .filter(|id| !fresh.contains_key(id.as_str()))
        .cloned()
        .collect();
    older_ids.sort_unstable();
    older_ids.dedup();
    let others = live_records::<R, C>(conn, &older_ids).await?;
    let other_index: HashMap<&str, usize> = others
        .iter()
        .enumerate()
        .map(|(i, s)| (s.row.id.as_str(), i))
        .collect();
    let prepared_created: Vec<R::Prepared<'_>> =
        created.iter().map(|s| s.value.prepare()).collect();
    let prepared_others: Vec<R::Prepared<'_>> = others.iter().map(|s| s.value.prepare()).collect();

    let mut likely: Vec<Vec<(f64, String)>> = vec![Vec::new(); created.len()];
    let mut candidates = Vec::new();
    for (i, record) in created.iter().enumerate() {
        let mut met: Vec<&str> = keys[i]
            .iter()
            .filter_map(|k| holders.get(k))
            .flatten()
            .map(String::as_str)
            .collect();
        met.sort_unstable();
        met.dedup();
        for id in met {
            // A pair of two new records is scored once, from the earlier of them.
            let (other, prepared_other, fresh_other) = match fresh.get(id) {
                Some(&j) if j <= i => continue,
                Some(&j) => (&created[j], &prepared_created[j], Some(j)),
                None => match other_index.get(id) {
                    Some(&k) => (&others[k], &prepared_others[k], None),
                    None => continue,
                },
            };
            let record_is_older = is_older(record, other);
            let (older, newer, prepared_older, prepared_newer) = if record_is_older {
                (record, other, &prepared_created[i], prepared_other)
            } else {
                (other, record, prepared_other, &prepared_created[i])
            };
            let Some((scored, band)) =
                score_in_band::<R>(prepared_older, prepared_newer, thresholds)
            else {
                continue;
            };
            // Nothing refers to a record created this instant: the older one is kept.
            let suggested = if fresh.contains_key(newer.row.id.as_str()) {
                older.name()
            } else {
                suggested_survivor(conn, older, newer).await?
            };
            if band == DuplicateBand::Likely {
                likely[i].push((scored.score, other.name()));
                if let Some(j) = fresh_other {
                    likely[j].push((scored.score, record.name()));
                }
            }
            candidates.push((None, open_candidate(older, newer, &scored, band, suggested)));
        }
    }
    // A new record has no candidate yet: every pair found is a new one.
    lifecycle::create_many(conn, writer, candidates).await?;
    Ok(likely
        .into_iter()
        .map(|mut found| {
            found.sort_by(|a, b| b.0.total_cmp(&a.0));
            found.into_iter().map(|(_, name)| name).collect()
        })
        .collect())
}

/// What a create would duplicate, without storing anything (validate_only): candidates with
/// an empty name and `record_b`.
pub(super) async fn preview_duplicates<R: Dedupe, C: Register + Send>(
    conn: &mut C,
    value: &R,
    thresholds: &Thresholds,
) -> Result<Vec<DuplicateCandidate>, Error> {
    Ok(find_similar(conn, None, value, thresholds)
        .await?
        .into_iter()
        .map(|f| DuplicateCandidate {
            record_type: R::RECORD_TYPE as i32,
            record_a: f.other.name(),
            score: f.scored.score,
            band: f.band as i32,
            matches: f.scored.matches,
            state: DuplicateCandidateState::Open as i32,
            suggested_survivor: f.other.name(),
            ..DuplicateCandidate::default()
        })
        .collect())
}

/// Refuses a create that has a likely duplicate when the caller asked for that.
pub(super) fn refuse_likely(candidates: &[DuplicateCandidate]) -> Result<(), Error> {
    let likely: Vec<&str> = candidates
        .iter()
        .filter(|c| c.band == DuplicateBand::Likely as i32)
        .map(|c| c.record_a.as_str())
        .collect();
    if likely.is_empty() {
        return Ok(());
    }
    Err(Error::Taken {
        reason: "LIKELY_DUPLICATE",
        message: format!("likely a duplicate of {}", likely.join(", ")),
        resource: likely.join(","),
    })
}

fn enum_value<E: TryFrom<i32>>(value: i32, field: &str) -> Result<Option<E>, Error> {
    if value == 0 {
        return Ok(None);
    }
    E::try_from(value)
        .map(Some)
        .map_err(|_| Error::invalid(field, format!("{value} is not a known value")))
}

/// How a create treats duplicates: whether it only checks, whether a likely duplicate
/// refuses it, and whether a live record with the same email address is returned instead.
#[derive(Clone)]
pub(super) struct CreateOptions {
    pub validate_only: bool,
    pub refuse_likely_duplicate: bool,
    /// The normalised email address to look for before creating.
    pub find_by_email: Option<String>,
}

/// The oldest live record of `kind` with the email address `email`.
async fn holder_of_email<C: Register + Send>(
    conn: &mut C,
    kind: RecordKind,
    email: &str,
) -> Result<Option<crate::store::RecordRow>, Error> {
    let mut query = ListQuery::new(kind);
    query.conditions.push(Condition::Term {
        field: "emails.address".into(),
        value: email.into(),
        negated: false,
    });
    query.limit = Some(1);
    Ok(conn.list(&query).await?.into_iter().next())
}

impl ContactsApi {
    /// Creates an organisation or person once per request id, with its duplicate
    /// candidates; `respond` builds the response from the record, the candidates and
    /// whether the record was found (by its email address) rather than created.
    pub(super) async fn create_checked<R: Dedupe, M: prost::Message + Default + 'static>(
        &self,
        writer: Writer<'_>,
        request_id: &Option<engage_platform::journal::RequestId>,
        value: R,
        options: CreateOptions,
        respond: impl Fn(R, Vec<DuplicateCandidate>, bool) -> M + Send + Sync,
    ) -> Result<M, Error> {
        let thresholds = self.thresholds;
        if options.validate_only {
            let candidates = with_connection!(self.db, |conn| {
                preview_duplicates(conn, &value, &thresholds).await?
            });
            if options.refuse_likely_duplicate {
                refuse_likely(&candidates)?;
            }
            return Ok(respond(value, candidates, false));
        }
        engage_platform::idempotent_write!(self.db, writer.method, request_id, |conn| {
            let found = match &options.find_by_email {
                Some(email) => {
                    // Under the address's lock, so that two creates with it at the same
                    // moment cannot both find nobody and both create.
                    conn.lock(&format!("email:{email}")).await?;
                    holder_of_email(conn, R::KIND, email).await?
                }
                None => None,
            };
            match found {
                Some(row) => Ok::<_, Error>(respond(
                    Stored::<R>::decode(row)?.resource(),
                    Vec::new(),
                    true,
                )),
                None => {
                    let stored = lifecycle::create(conn, writer, None, value.clone()).await?;
                    let (candidates, _, _) = detect(conn, writer, &stored, &thresholds).await?;
                    if options.refuse_likely_duplicate {
                        refuse_likely(&candidates)?;
                    }
                    Ok(respond(stored.resource(), candidates, false))
                }
            }
        })
    }

    pub(super) async fn list_duplicate_candidates(
        &self,
        caller: &Caller,
        r: ListDuplicateCandidatesRequest,
    ) -> Result<ListDuplicateCandidatesResponse, Error> {
        let record_type = enum_value::<RecordType>(r.record_type, "record_type")?;
        let band_wanted = enum_value::<DuplicateBand>(r.band, "band")?;
        let state = enum_value::<DuplicateCandidateState>(r.state, "state")?
            .unwrap_or(DuplicateCandidateState::Open);
        let record_kind = match r.record.split('/').next() {
            _ if r.record.is_empty() => None,
            Some("organizations") => Some(RecordType::Organization),
            Some("people") => Some(RecordType::Person),
            _ => {
                return Err(Error::invalid(
                    "record",
                    "names an organisation or a person",
                ));
            }
        };
        let record_type = match (record_type, record_kind) {
            (None, None) => {
                return Err(Error::invalid(
                    "record_type",
                    "is required unless record is set",
                ));
            }
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid("record", "is not of record_type"));
            }
            (Some(t), _) | (None, Some(t)) => t,
        };
        let page = Page::<(String, String)>::parse(
            "ListDuplicateCandidates",
            r.page_size,
            &r.page_token,
            &[
                &r.record,
                record_type.as_str_name(),
                &r.band.to_string(),
                state.as_str_name(),
            ],
            page_limits(50, 500),
        )?;
        // Scored afresh when the caller may write; readers see what was last scored.
        let writes = caller.has_role(engage_platform::Role::CsuOfficer)
            || caller.has_role(engage_platform::Role::Admin);
        if !r.record.is_empty() && writes {
            self.rescore(caller, &r.record).await?;
        }
        let mut query = ListQuery::new(RecordKind::DuplicateCandidate);
        let mut term = |field: &str, value: &str| {
            query.conditions.push(Condition::Term {
                field: field.into(),
                value: value.into(),
                negated: false,
            })
        };
        term(
            REVIEW,
            &review_term(
                record_type.as_str_name(),
                state.as_str_name(),
                band_wanted.map(|b| b.as_str_name()),
            ),
        );
        if !r.record.is_empty() {
            term("records", &r.record);
        }
        query.sort = SortColumn::Sort1;
        query.descending = true;
        let kind = match record_type {
            RecordType::Person => RecordKind::Person,
            _ => RecordKind::Organization,
        };
        let limit = usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX);
        let (mut candidates, total) = with_connection!(self.db, |conn| {
            // Read in the listing's order from where the last page ended, skipping pairs
            // with a deleted record, until the page (and one more, for the token) is full.
            let mut candidates = Vec::new();
            let mut after = page
                .after
                .clone()
                .map(|(score, id)| (SortValue::Text(score), id));
            loop {
                let mut q = query.clone();
                q.after = after.clone();
                q.limit = Some(page.fetch_limit());
                let rows = conn.list(&q).await?;
                let full = rows.len() as i64 == page.fetch_limit();
                after = rows
                    .last()
                    .map(|r| (SortValue::of(SortColumn::Sort1, r), r.id.clone()));
                let read = rows
                    .into_iter()
                    .map(Stored::<DuplicateCandidate>::decode)
                    .collect::<Result<Vec<_>, _>>()?;
                candidates.extend(visible(conn, kind, read).await?);
                if !full || candidates.len() >= limit {
                    break;
                }
            }
            // The exact count, on the first page only.
            let total = if page.after.is_none() {
                let all = conn
                    .list(&query)
                    .await?
                    .into_iter()
                    .map(Stored::<DuplicateCandidate>::decode)
                    .collect::<Result<Vec<_>, _>>()?;
                visible(conn, kind, all).await?.len()
            } else {
                0
            };
            (candidates, total)
        });
        candidates.truncate(limit);
        let next_page_token = page.finish(&mut candidates, |c| {
            (c.row.sort_1.clone(), c.row.id.clone())
        });
        Ok(ListDuplicateCandidatesResponse {
            duplicate_candidates: candidates.iter().map(Stored::resource).collect(),
            next_page_token,
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
            thresholds: Some(wire(&self.thresholds)),
        })
    }

    /// Scores one record afresh and keeps its candidates.
    pub(super) async fn rescore(&self, caller: &Caller, record: &str) -> Result<(), Error> {
        let writer = writer(caller, method!("ListDuplicateCandidates"));
        let thresholds = self.thresholds;
        if let Ok(id) = parse_name("organizations", record, "record") {
            write_transaction!(self.db, |conn| {
                let stored = lifecycle::load::<Organization, _>(conn, id, record).await?;
                detect(conn, writer, &stored, &thresholds).await.map(|_| ())
            })
        } else {
            let id = parse_name("people", record, "record")?;
            write_transaction!(self.db, |conn| {
                let stored = lifecycle::load::<Person, _>(conn, id, record).await?;
                detect(conn, writer, &stored, &thresholds).await.map(|_| ())
            })
        }
    }

    pub(super) async fn get_duplicate_candidate(
        &self,
        name: &str,
    ) -> Result<DuplicateCandidate, Error> {
        let id = parse_name("duplicateCandidates", name, "name")?;
        Ok(self.fetch::<DuplicateCandidate>(id, name).await?.resource())
    }

    pub(super) async fn run_duplicate_detection(
        &self,
        caller: &Caller,
        r: RunDuplicateDetectionRequest,
    ) -> Result<RunDuplicateDetectionResponse, Error> {
        let started = std::time::Instant::now();
        let wanted = enum_value::<RecordType>(r.record_type, "record_type")?;
        // One scan at a time: two would compare and write the same pairs.
        let _scan = self.detection.lock().await;
        let mut stats = RunDuplicateDetectionResponse::default();
        if wanted != Some(RecordType::Person) {
            self.scan::<Organization>(caller, &mut stats).await?;
        }
        if wanted != Some(RecordType::Organization) {
            self.scan::<Person>(caller, &mut stats).await?;
        }
        // The counts are of the registers scanned.
        let scanned: Vec<RecordType> = match wanted {
            Some(t) => vec![t],
            None => vec![RecordType::Organization, RecordType::Person],
        };
        let (likely, possible) = with_connection!(self.db, |conn| {
            let mut counts = [0i64; 2];
            for (i, b) in [DuplicateBand::Likely, DuplicateBand::Possible]
                .into_iter()
                .enumerate()
            {
                for t in &scanned {
                    let mut q = ListQuery::new(RecordKind::DuplicateCandidate);
                    q.conditions.push(Condition::Term {
                        field: REVIEW.into(),
                        value: review_term(
                            t.as_str_name(),
                            DuplicateCandidateState::Open.as_str_name(),
                            Some(b.as_str_name()),
                        ),
                        negated: false,
                    });
                    counts[i] += conn.count(&q).await?;
                }
            }
            (counts[0], counts[1])
        });
        stats.likely_count = likely;
        stats.possible_count = possible;
        stats.elapsed = prost_types::Duration::try_from(started.elapsed()).ok();
        stats.thresholds = Some(wire(&self.thresholds));
        Ok(stats)
    }

    /// Compares every live record of a register with those sharing a blocking key. The
    /// register is read once, grouped by key, and each pair met in some group is scored
    /// once; only new and changed candidates are written, in batches, each one transaction.
    async fn scan<R: Dedupe>(
        &self,
        caller: &Caller,
        stats: &mut RunDuplicateDetectionResponse,
    ) -> Result<(), Error> {
        let writer = writer(caller, method!("RunDuplicateDetection"));
        let thresholds = self.thresholds;
        let started = std::time::Instant::now();
        let records = self.live_records::<R>().await?;
        let kept = self.kept_candidates(R::RECORD_TYPE).await?;
        let read = started.elapsed();
        // Blocking and scoring are CPU work: off the async threads, spread over the cores.
        let (records, pairs, in_band) = tokio::task::spawn_blocking(move || {
            let pairs = blocked_pairs(&records);
            let in_band = score_pairs(&records, &pairs, &thresholds);
            (records, pairs.len(), in_band)
        })
        .await
        .map_err(|e| Error::Internal(format!("duplicate scoring stopped: {e}")))?;
        let blocked = started.elapsed();
        stats.records_scanned += i64::try_from(records.len()).unwrap_or(i64::MAX);
        stats.pairs_compared += i64::try_from(pairs).unwrap_or(i64::MAX);

        // What changed is written below.
        let mut writes = Vec::new();
        for (i, j, scored, band) in in_band {
            let (older, newer) = (&records[i], &records[j]);
            match kept.get(&candidate_pair(&older.name(), &newer.name())) {
                Some(c) if c.value.state != DuplicateCandidateState::Open as i32 => {}
                Some(c) if unchanged(&c.value, &scored, band) => {}
                _ => writes.push((older, newer, scored, band)),
            }
        }
        let scored = started.elapsed();
        let written = writes.len();
        for batch in writes.chunks(SCAN_BATCH as usize) {
            let new = write_transaction!(self.db, |conn| {
                let mut new = 0;
                for (older, newer, scored, band) in batch {
                    let (_, created) =
                        keep_candidate(conn, writer, *older, *newer, scored, *band).await?;
                    new += i64::from(created);
                }
                Ok::<_, Error>(new)
            })?;
            stats.new_candidates += new;
        }
        tracing::debug!(
            register = R::COLLECTION,
            records = records.len(),
            read_ms = read.as_millis(),
            scored_ms = (blocked - read).as_millis(),
            compared_ms = (scored - blocked).as_millis(),
            written,
            written_ms = (started.elapsed() - scored).as_millis(),
            "duplicate scan"
        );
        Ok(())
    }

    /// Every live record of a register, oldest first, read in pages.
    async fn live_records<R: Dedupe>(&self) -> Result<Vec<Stored<R>>, Error> {
        let mut records = Vec::new();
        let mut after: Option<(SortValue, String)> = None;
        loop {
            let mut query = ListQuery::new(R::KIND);
            query.show_erased = false;
            query.limit = Some(READ_BATCH);
            query.after = after.clone();
            let rows = with_connection!(self.db, |conn| conn.list(&query).await?);
            let full = rows.len() as i64 == READ_BATCH;
            after = rows
                .last()
                .map(|r| (SortValue::of(SortColumn::CreateTime, r), r.id.clone()));
            for row in rows {
                records.push(Stored::<R>::decode(row)?);
            }
            if !full {
                return Ok(records);
            }
        }
    }

    /// The candidates kept for a register, whatever their state, by pair.
    async fn kept_candidates(
        &self,
        record_type: RecordType,
    ) -> Result<HashMap<String, Stored<DuplicateCandidate>>, Error> {
        let mut query = ListQuery::new(RecordKind::DuplicateCandidate);
        query.conditions.push(Condition::Term {
            field: "record_type".into(),
            value: record_type.as_str_name().into(),
            negated: false,
        });
        let rows = with_connection!(self.db, |conn| conn.list(&query).await?);
        rows.into_iter()
            .map(|row| {
                let c = Stored::<DuplicateCandidate>::decode(row)?;
                Ok((candidate_pair(&c.value.record_a, &c.value.record_b), c))
            })
            .collect()
    }

    /// DismissDuplicateCandidate (`open` false) and ReopenDuplicateCandidate (`open` true).
    pub(super) async fn decide_candidate(
        &self,
        caller: &Caller,
        name: &str,
        note: &str,
        open: bool,
    ) -> Result<DuplicateCandidate, Error> {
        let id = parse_name("duplicateCandidates", name, "name")?;
        if note.chars().count() > 1_000 {
            return Err(Error::invalid("note", "holds at most 1,000 characters"));
        }
        let method = if open {
            method!("ReopenDuplicateCandidate")
        } else {
            method!("DismissDuplicateCandidate")
        };
        let writer = writer(caller, method);
        let decided_by = actor(caller);
        let stored = write_transaction!(self.db, |conn| {
            let before = lifecycle::load::<DuplicateCandidate, _>(conn, id, name).await?;
            let state = before.value.state;
            if state == DuplicateCandidateState::Merged as i32 {
                return Err(Error::FailedPrecondition {
                    reason: "CANDIDATE_MERGED",
                    message: format!("{name} was merged: there is nothing to decide"),
                });
            }
            let mut after = before.clone();
            if open {
                after.value.state = DuplicateCandidateState::Open as i32;
                after.value.decide_time = None;
                after.value.decided_by = None;
                after.value.decision_note.clear();
            } else if state == DuplicateCandidateState::Open as i32 {
                after.value.state = DuplicateCandidateState::NotDuplicate as i32;
                after.value.decide_time = Some(timestamp(now_micros()));
                after.value.decided_by = Some(decided_by.clone());
                after.value.decision_note = note.trim().to_owned();
            }
            lifecycle::save(conn, writer, &before, after, "decided", Vec::new()).await
        })?;
        if open {
            self.rescore(caller, &stored.value.record_b).await?;
            return self.get_duplicate_candidate(name).await;
        }
        Ok(stored.resource())
    }
}

/// The candidates among `candidates` whose two records are not deleted.
async fn visible<C: Register + Send>(
    conn: &mut C,
    kind: RecordKind,
    candidates: Vec<Stored<DuplicateCandidate>>,
) -> Result<Vec<Stored<DuplicateCandidate>>, Error> {
    let id_of = |name: &str| name.split_once('/').map(|(_, id)| id.to_owned());
    let ids: Vec<String> = candidates
        .iter()
        .flat_map(|c| [&c.value.record_a, &c.value.record_b])
        .filter_map(|name| id_of(name))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(candidates);
    }
    let deleted: HashSet<String> = conn.deleted_ids(kind, &ids).await?.into_iter().collect();
    Ok(candidates
        .into_iter()
        .filter(|c| {
            [&c.value.record_a, &c.value.record_b]
                .iter()
                .all(|name| id_of(name).is_none_or(|id| !deleted.contains(&id)))
        })
        .collect())
}

/// Closes the open candidates of `merged` (MERGED), the pair with `survivor` included;
/// returns how many. With `dry` only counts.
pub(super) async fn close_candidates<C: Register + Journal + Send>(
    conn: &mut C,
    writer: Writer<'_>,
    merged: &str,
    dry: bool,
) -> Result<i32, Error> {
    let mut query = ListQuery::new(RecordKind::DuplicateCandidate);
    query.conditions = vec![
        Condition::Term {
            field: "records".into(),
            value: merged.into(),
            negated: false,
        },
        Condition::Term {
            field: "state".into(),
            value: DuplicateCandidateState::Open.as_str_name().into(),
            negated: false,
        },
    ];
    let rows = conn.list(&query).await?;
    let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    if dry {
        return Ok(count);
    }
    let decided_by = actor(writer.caller);
    for row in rows {
        let before = Stored::<DuplicateCandidate>::decode(row)?;
        let mut after = before.clone();
        after.value.state = DuplicateCandidateState::Merged as i32;
        after.value.decide_time = Some(timestamp(now_micros()));
        after.value.decided_by = Some(decided_by.clone());
        lifecycle::save(conn, writer, &before, after, "decided", Vec::new()).await?;
    }
    Ok(count)
}
