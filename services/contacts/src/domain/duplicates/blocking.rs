//! Blocking keys: the indexed keys under which records meet, so that only records sharing
//! one are compared.

use std::collections::BTreeSet;

use engage_api::contacts::{Organization, Person};

use super::*;

/// The name keys of one organisation name: the sorted identifying words, and, for longer
/// names, the same with any one word left out, so that a typo in one word still meets.
pub(super) fn organization_name_keys(name: &str, keys: &mut BTreeSet<String>) {
    let tokens = organization_name_tokens(name);
    if tokens.is_empty() {
        return;
    }
    keys.insert(format!("n:{}", tokens.join(" ")));
    // The words run together, in the name's order: "Green Peace" meets "Greenpeace".
    if tokens.len() > 1 {
        let joined: String = words(name)
            .iter()
            .filter(|w| !is_stop_word(w) && !is_legal_form(w))
            .map(String::as_str)
            .collect();
        keys.insert(format!("n:{joined}"));
    }
    let sound = phonetic(&tokens);
    if !sound.is_empty() {
        keys.insert(format!("p:{sound}"));
    }
    if tokens.len() >= 3 {
        for skip in 0..tokens.len() {
            let rest: Vec<&str> = tokens
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, t)| t.as_str())
                .collect();
            keys.insert(format!("n:{}", rest.join(" ")));
        }
    }
    let letters = initials(name);
    if letters.chars().count() >= 3 {
        keys.insert(format!("a:{letters}"));
    }
    // A one-word short name may itself be an acronym ("ANS"): meet the full name's initials.
    let all = words(name);
    if let [only] = all.as_slice()
        && (2..=8).contains(&only.chars().count())
    {
        keys.insert(format!("a:{only}"));
    }
}

/// Keys under which an organisation is indexed for duplicate detection: two organisations
/// are compared only when they share one. Prefixes: `n:` name words, `p:` their sound,
/// `a:` acronym or initials, `d:` website domain, `e:` email, `t:` E.164 phone.
pub fn organization_blocking_keys(org: &Organization) -> Vec<String> {
    let mut keys = BTreeSet::new();
    organization_name_keys(&org.display_name, &mut keys);
    for alt in &org.alternative_names {
        organization_name_keys(alt, &mut keys);
    }
    let acronym = compact(&org.acronym);
    if acronym.chars().count() >= 2 {
        keys.insert(format!("a:{acronym}"));
    }
    if let Some(domain) = website_domain(&org.website)
        && !SHARED_HOSTS.contains(&domain.as_str())
    {
        keys.insert(format!("d:{domain}"));
    }
    for email in &org.emails {
        if !email.address.is_empty() {
            keys.insert(format!("e:{}", email.address));
        }
    }
    for phone in &org.phones {
        if !phone.e164.is_empty() {
            keys.insert(format!("t:{}", phone.e164));
        }
    }
    keys.into_iter().collect()
}

/// Keys under which a person is indexed for duplicate detection. Name keys ignore which of
/// the two name fields a word is in, so swapped given and family names still meet. Prefixes:
/// `n:` name words, `p:` their sound, `i:` sound of one name with the initial of the other,
/// `e:` email, `t:` E.164 phone, `b:` date of birth (day and month in either order), `z:`
/// postal code with country and the first initial of the name (a postal code alone is shared
/// by whole offices and neighbourhoods, so it is narrowed by the name).
pub fn person_blocking_keys(p: &Person) -> Vec<String> {
    let mut keys = BTreeSet::new();
    let given = words(&p.given_name);
    let family = words(&p.family_name);
    let mut all: Vec<String> = given.iter().chain(family.iter()).cloned().collect();
    all.sort();
    if !all.is_empty() {
        keys.insert(format!("n:{}", all.join(" ")));
        let sound = phonetic(&all);
        if !sound.is_empty() {
            keys.insert(format!("p:{sound}"));
        }
    }
    // The first word of one name by sound with the other's initial: catches "M. Garcia",
    // a typo in one name, and a second given or family name recorded on one side only.
    if !given.is_empty() && !family.is_empty() {
        for (sounded, initialed) in [(&family, &given), (&given, &family)] {
            let sound = phonetic(sounded.get(..1).unwrap_or_default());
            if let Some(initial) = initialed.first().and_then(|w| w.chars().next())
                && !sound.is_empty()
            {
                keys.insert(format!("i:{sound}/{initial}"));
            }
        }
    }
    for email in &p.emails {
        if !email.address.is_empty() {
            keys.insert(format!("e:{}", email.address));
        }
    }
    for phone in &p.phones {
        if !phone.e164.is_empty() {
            keys.insert(format!("t:{}", phone.e164));
        }
    }
    if let Some(date) = &p.birth_date
        && date.year > 0
    {
        let (low, high) = if date.month <= 12 && date.day <= 12 {
            (date.month.min(date.day), date.month.max(date.day))
        } else {
            (date.month, date.day)
        };
        keys.insert(format!("b:{:04}-{:02}-{:02}", date.year, low, high));
    }
    if let Some(address) = primary_address(&p.addresses) {
        let code = compact_postal_code(&address.postal_code);
        let initial = all.iter().filter_map(|w| w.chars().next()).min();
        if !code.is_empty()
            && !address.country_code.is_empty()
            && let Some(initial) = initial
        {
            keys.insert(format!("z:{code}:{}:{initial}", address.country_code));
        }
    }
    keys.into_iter().collect()
}
