//! The scorer and blocking keys on the evaluation set without the service: precision, recall
//! and F1 in a minute, for trying a change to `engage_contacts::domain::duplicates` before the
//! benchmark. `cargo test -p engage-bench offline -- --ignored --nocapture`; set
//! ENGAGE_BENCH_DUPLICATE_RECORDS for another size than 10,000 records per register (the
//! scan's cost at 100,000 organisations can be timed here, with `--release`).

use std::collections::HashMap;
use std::time::Instant;

use engage_api::contacts::{
    DuplicateBand, EmailAddress, Organization, Person, PhoneNumber, PostalAddress,
};
use engage_contacts::domain::contact_points::parse_phone;
use engage_contacts::domain::duplicates::*;

use super::generate::*;

/// The service compares no key shared by more records than this (`MAX_COMPARED` there).
const LARGEST_BLOCK: usize = 200;

/// The evaluation set of the benchmark's default run, or of ENGAGE_BENCH_DUPLICATE_RECORDS
/// records.
fn plan() -> Plan {
    let records = std::env::var("ENGAGE_BENCH_DUPLICATE_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    Plan {
        records,
        duplicated: 0.35,
        twice: 0.2,
        seed: 13,
    }
}

/// The contact points of a generated record as the service stores them.
fn contact_points(
    email: &Option<String>,
    phone: &Option<Phone>,
    address: &Option<Address>,
    country: &str,
) -> (Vec<EmailAddress>, Vec<PhoneNumber>, Vec<PostalAddress>) {
    let emails = email
        .iter()
        .map(|e| EmailAddress {
            address: e.to_lowercase(),
            ..Default::default()
        })
        .collect();
    let phones = phone
        .as_ref()
        .and_then(|p| parse_phone(&p.text(), country))
        .into_iter()
        .map(|p| PhoneNumber {
            e164: p.e164,
            ..Default::default()
        })
        .collect();
    let addresses = address
        .iter()
        .map(|a| PostalAddress {
            address_lines: vec![a.line.clone()],
            locality: a.locality.clone(),
            postal_code: a.postal_code.clone(),
            country_code: a.country.clone(),
            ..Default::default()
        })
        .collect();
    (emails, phones, addresses)
}

fn organization(o: &EvalOrganization) -> Organization {
    let (emails, phones, addresses) = contact_points(&o.email, &o.phone, &o.address, &o.country);
    Organization {
        display_name: o.display_name.clone(),
        acronym: o.acronym.clone(),
        country_code: o.country.clone(),
        website: o.website.clone().unwrap_or_default(),
        emails,
        phones,
        addresses,
        ..Default::default()
    }
}

fn person(p: &EvalPerson) -> Person {
    let (emails, phones, addresses) = contact_points(&p.email, &p.phone, &p.address, &p.country);
    Person {
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        country_code: p.country.clone(),
        birth_date: p.birth_date.map(|(y, m, d)| engage_api::types::Date {
            year: y,
            month: m as i32,
            day: d as i32,
        }),
        emails,
        phones,
        addresses,
        ..Default::default()
    }
}

/// Seconds of CPU the current thread has used (Linux), so that timings hold while other work
/// shares the cores; 0 where the kernel does not say.
fn cpu_time() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// How one band did: pairs proposed, and how many of them are true duplicates.
#[derive(Default)]
struct Tally {
    proposed: usize,
    right: usize,
}

impl Tally {
    fn count(&mut self, duplicate: bool) {
        self.proposed += 1;
        self.right += usize::from(duplicate);
    }

    /// Precision, recall and F1 against `duplicates` known pairs.
    fn figures(&self, duplicates: usize) -> (f64, f64, f64) {
        let precision = self.right as f64 / self.proposed as f64;
        let recall = self.right as f64 / duplicates as f64;
        (
            precision,
            recall,
            2.0 * precision * recall / (precision + recall),
        )
    }
}

/// Blocks `records` by their keys, prepares each record once and scores every pair that
/// shares a key (0 for a pair found below POSSIBLE early), as the scan does on one core, and
/// prints the figures of LIKELY and LIKELY+POSSIBLE, then a few wrong POSSIBLE pairs as
/// `describe` shows them.
fn evaluate<'r, R, P>(
    records: &'r [R],
    cluster: impl Fn(usize) -> usize,
    keys: impl Fn(&R) -> Vec<String>,
    prepare: impl Fn(&'r R) -> P,
    score: impl Fn(&P, &P) -> f64,
    describe: impl Fn(usize) -> String,
) {
    let (started, cpu) = (Instant::now(), cpu_time());
    let pairs = pairs_sharing_a_key(records.iter().map(keys), LARGEST_BLOCK);
    let (blocking, blocking_cpu) = (started.elapsed(), cpu_time() - cpu);
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for i in 0..records.len() {
        *sizes.entry(cluster(i)).or_default() += 1;
    }
    let duplicates: usize = sizes.values().map(|n| n * (n - 1) / 2).sum();

    let thresholds = Thresholds::default();
    let (mut likely, mut any) = (Tally::default(), Tally::default());
    let mut wrong_possible = Vec::new();
    let (started, cpu) = (Instant::now(), cpu_time());
    let prepared: Vec<P> = records.iter().map(prepare).collect();
    let (preparing, preparing_cpu) = (started.elapsed(), cpu_time() - cpu);
    let (started, cpu) = (Instant::now(), cpu_time());
    let scores: Vec<f64> = pairs
        .iter()
        .map(|&(i, j)| score(&prepared[i], &prepared[j]))
        .collect();
    let (scoring, scoring_cpu) = (started.elapsed(), cpu_time() - cpu);
    for (&(i, j), &s) in pairs.iter().zip(&scores) {
        let duplicate = cluster(i) == cluster(j);
        match band(s, &thresholds) {
            Some(DuplicateBand::Likely) => {
                likely.count(duplicate);
                any.count(duplicate);
            }
            Some(_) => {
                any.count(duplicate);
                if !duplicate && wrong_possible.len() < 25 {
                    wrong_possible.push(format!("{s:.2} {} ~ {}", describe(i), describe(j)));
                }
            }
            None => {}
        }
    }
    println!(
        "records {}, on one thread: keys and blocking {:.2} s ({:.2} s of CPU), preparing {:.2} s \
         ({:.2} s), scoring {:.2} s ({:.2} s, {:.2} µs of CPU a pair)",
        records.len(),
        blocking.as_secs_f64(),
        blocking_cpu,
        preparing.as_secs_f64(),
        preparing_cpu,
        scoring.as_secs_f64(),
        scoring_cpu,
        scoring_cpu * 1e6 / pairs.len().max(1) as f64
    );
    println!(
        "pairs {} duplicates {duplicates} likely {:?} likely+possible {:?}",
        pairs.len(),
        likely.figures(duplicates),
        any.figures(duplicates)
    );
    for pair in wrong_possible {
        println!("  {pair}");
    }
}

#[test]
#[ignore]
fn organisations_offline() {
    let set = organizations(&plan());
    let records: Vec<Organization> = set.iter().map(organization).collect();
    evaluate(
        &records,
        |i| set[i].cluster,
        organization_blocking_keys,
        PreparedOrganization::new,
        |a, b| {
            score_prepared_organizations_reaching(a, b, Thresholds::default().possible)
                .map_or(0.0, |scored| scored.score)
        },
        |i| set[i].display_name.clone(),
    );
}

#[test]
#[ignore]
fn people_offline() {
    let set = people(&plan());
    let records: Vec<Person> = set.iter().map(person).collect();
    evaluate(
        &records,
        |i| set[i].cluster,
        person_blocking_keys,
        PreparedPerson::new,
        |a, b| score_prepared_people(a, b, true).score,
        |i| {
            format!(
                "{} {} {:?}",
                set[i].given_name, set[i].family_name, set[i].birth_date
            )
        },
    );
}
