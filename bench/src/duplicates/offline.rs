//! The scorer and blocking keys on the evaluation set without the service: precision, recall
//! and F1 in a minute, for trying a change to `engage_contacts::domain::duplicates` before the
//! benchmark. `cargo test -p engage-bench offline -- --ignored --nocapture`.

use std::collections::{HashMap, HashSet};

use engage_api::contacts::{EmailAddress, Organization, PhoneNumber, PostalAddress};
use engage_contacts::domain::duplicates::*;

use super::generate::*;

fn org(o: &EvalOrganization) -> Organization {
    let phone = o
        .phone
        .as_ref()
        .and_then(|p| engage_contacts::domain::contact_points::parse_phone(&p.text(), &o.country));
    Organization {
        display_name: o.display_name.clone(),
        acronym: o.acronym.clone(),
        country_code: o.country.clone(),
        website: o.website.clone().unwrap_or_default(),
        emails: o
            .email
            .iter()
            .map(|e| EmailAddress {
                address: e.to_lowercase(),
                ..Default::default()
            })
            .collect(),
        phones: phone
            .into_iter()
            .map(|p| PhoneNumber {
                e164: p.e164,
                ..Default::default()
            })
            .collect(),
        addresses: o
            .address
            .iter()
            .map(|a| PostalAddress {
                address_lines: vec![a.line.clone()],
                locality: a.locality.clone(),
                postal_code: a.postal_code.clone(),
                country_code: a.country.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
#[ignore]
fn organisations_offline() {
    let set = organizations(&Plan {
        records: 10_000,
        duplicated: 0.35,
        twice: 0.2,
        seed: 13,
    });
    let orgs: Vec<Organization> = set.iter().map(org).collect();
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, o) in orgs.iter().enumerate() {
        for k in organization_blocking_keys(o) {
            blocks.entry(k).or_default().push(i);
        }
    }
    let mut pairs = HashSet::new();
    for m in blocks.values().filter(|m| m.len() > 1 && m.len() <= 200) {
        for (n, &i) in m.iter().enumerate() {
            for &j in &m[n + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    let t = Thresholds::default();
    let truth = |i: usize, j: usize| set[i].cluster == set[j].cluster;
    let mut dup = 0;
    let mut clusters: HashMap<usize, usize> = HashMap::new();
    for o in &set {
        *clusters.entry(o.cluster).or_default() += 1;
    }
    for n in clusters.values() {
        dup += n * (n - 1) / 2;
    }
    let (mut l, mut lt, mut a, mut at) = (0, 0, 0, 0);
    let mut fp = Vec::new();
    for &(i, j) in &pairs {
        let s = score_organizations(&orgs[i], &orgs[j]);
        match band(s.score, &t) {
            Some(engage_api::contacts::DuplicateBand::Likely) => {
                l += 1;
                a += 1;
                if truth(i, j) {
                    lt += 1;
                    at += 1;
                }
            }
            Some(_) => {
                a += 1;
                if truth(i, j) {
                    at += 1;
                } else if fp.len() < 10 {
                    fp.push(format!(
                        "{:.2} {} ~ {}",
                        s.score, set[i].display_name, set[j].display_name
                    ));
                }
            }
            None => {}
        }
    }
    let f = |p: usize, tp: usize| {
        let pr = tp as f64 / p as f64;
        let r = tp as f64 / dup as f64;
        (pr, r, 2.0 * pr * r / (pr + r))
    };
    println!(
        "pairs {} dup {dup} likely {:?} any {:?}",
        pairs.len(),
        f(l, lt),
        f(a, at)
    );
    for x in fp {
        println!("  {x}");
    }
}

fn person(p: &EvalPerson) -> engage_api::contacts::Person {
    let phone = p
        .phone
        .as_ref()
        .and_then(|x| engage_contacts::domain::contact_points::parse_phone(&x.text(), &p.country));
    engage_api::contacts::Person {
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        country_code: p.country.clone(),
        birth_date: p.birth_date.map(|(y, m, d)| engage_api::types::Date {
            year: y,
            month: m as i32,
            day: d as i32,
        }),
        emails: p
            .email
            .iter()
            .map(|e| EmailAddress {
                address: e.to_lowercase(),
                ..Default::default()
            })
            .collect(),
        phones: phone
            .into_iter()
            .map(|x| PhoneNumber {
                e164: x.e164,
                ..Default::default()
            })
            .collect(),
        addresses: p
            .address
            .iter()
            .map(|a| PostalAddress {
                address_lines: vec![a.line.clone()],
                locality: a.locality.clone(),
                postal_code: a.postal_code.clone(),
                country_code: a.country.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
#[ignore]
fn people_offline() {
    let set = people(&Plan {
        records: 10_000,
        duplicated: 0.35,
        twice: 0.2,
        seed: 13,
    });
    let ps: Vec<engage_api::contacts::Person> = set.iter().map(person).collect();
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, o) in ps.iter().enumerate() {
        for k in person_blocking_keys(o) {
            blocks.entry(k).or_default().push(i);
        }
    }
    let mut pairs = HashSet::new();
    for m in blocks.values().filter(|m| m.len() > 1 && m.len() <= 200) {
        for (n, &i) in m.iter().enumerate() {
            for &j in &m[n + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    let t = Thresholds::default();
    let truth = |i: usize, j: usize| set[i].cluster == set[j].cluster;
    let mut dup = 0;
    let mut clusters: HashMap<usize, usize> = HashMap::new();
    for o in &set {
        *clusters.entry(o.cluster).or_default() += 1;
    }
    for n in clusters.values() {
        dup += n * (n - 1) / 2;
    }
    let (mut l, mut lt, mut a, mut at) = (0, 0, 0, 0);
    let mut fp = Vec::new();
    let mut exact_names = 0;
    for &(i, j) in &pairs {
        let s = score_people(&ps[i], &ps[j], true);
        match band(s.score, &t) {
            Some(engage_api::contacts::DuplicateBand::Likely) => {
                l += 1;
                a += 1;
                if truth(i, j) {
                    lt += 1;
                    at += 1;
                }
            }
            Some(_) => {
                a += 1;
                if truth(i, j) {
                    at += 1;
                } else {
                    if ps[i].given_name == ps[j].given_name
                        && ps[i].family_name == ps[j].family_name
                    {
                        exact_names += 1;
                    } else if fp.len() < 25 {
                        fp.push(format!(
                            "{:.2} {} {} {:?} ~ {} {} {:?}",
                            s.score,
                            ps[i].given_name,
                            ps[i].family_name,
                            set[i].birth_date,
                            ps[j].given_name,
                            ps[j].family_name,
                            set[j].birth_date
                        ));
                    }
                }
            }
            None => {}
        }
    }
    let f = |p: usize, tp: usize| {
        let pr = tp as f64 / p as f64;
        let r = tp as f64 / dup as f64;
        (pr, r, 2.0 * pr * r / (pr + r))
    };
    println!(
        "pairs {} dup {dup} likely {:?} any {:?} false possible namesakes {exact_names}",
        pairs.len(),
        f(l, lt),
        f(a, at)
    );
    for x in fp {
        println!("  {x}");
    }
}
