//! Name normalisation: the words, sounds, initials, numbers and website domains that
//! names and addresses are compared by.

use engage_api::contacts::PostalAddress;
use rphonetic::DoubleMetaphone;

use crate::domain::text::fold;

/// Words that say what kind of body an organisation is rather than which one: two names that
/// differ only by them ("Foo Foundation", "Fundación Foo") name the same organisation.
pub(super) const LEGAL_FORMS: &[&str] = &[
    "association",
    "asociacion",
    "associacao",
    "associazione",
    "assoc",
    "asoc",
    "verein",
    "foundation",
    "fundacion",
    "fundacao",
    "fondation",
    "fondazione",
    "stiftung",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ggmbh",
    "ev",
    "ag",
    "sa",
    "sarl",
    "sas",
    "srl",
    "spa",
    "bv",
    "nv",
    "corp",
    "corporation",
    "co",
    "company",
    "ngo",
    "ong",
    "aisbl",
    "asbl",
    "ac",
];

/// Words too common to tell names apart, in the register's main languages.
pub(super) const STOP_WORDS: &[&str] = &[
    "the", "of", "and", "for", "a", "an", "in", "on", "to", "at", "de", "del", "la", "las", "los",
    "el", "y", "e", "des", "du", "le", "les", "et", "da", "do", "dos", "das", "der", "die", "und",
    "fur", "von", "al", "di", "della", "per",
];

/// Hosts shared by unrelated organisations (social networks, site builders): their domain
/// says nothing about which organisation a website belongs to.
pub(super) const SHARED_HOSTS: &[&str] = &[
    "facebook.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "youtube.com",
    "sites.google.com",
    "google.com",
    "wordpress.com",
    "blogspot.com",
    "wixsite.com",
    "linktr.ee",
];

/// Folded name split into words, with dots dropped so that "e.V." and "ev" agree.
pub(super) fn words(name: &str) -> Vec<String> {
    fold(name)
        .split(' ')
        .map(|w| w.replace('.', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

pub(super) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

pub(super) fn is_legal_form(word: &str) -> bool {
    LEGAL_FORMS.contains(&word)
}

/// The words of an organisation's name that identify it, sorted so that word order does not
/// matter; all words when nothing else is left (a name made only of common words).
pub(super) fn organization_name_tokens(name: &str) -> Vec<String> {
    let all = words(name);
    let mut meaningful: Vec<String> = all
        .iter()
        .filter(|w| !is_stop_word(w) && !is_legal_form(w))
        .cloned()
        .collect();
    if meaningful.is_empty() {
        meaningful = all;
    }
    meaningful.sort();
    meaningful
}

/// Initials of a name as an acronym would be built: stop words skipped, legal forms kept
/// ("Asociación Niños del Sur" gives "ans").
pub(super) fn initials(name: &str) -> String {
    words(name)
        .iter()
        .filter(|w| !is_stop_word(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// An acronym as written, folded and without dots or spaces ("A.N.S." gives "ans").
pub(super) fn compact(text: &str) -> String {
    fold(text)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Double Metaphone codes of the words, sorted: names that sound alike share it.
pub(super) fn phonetic(tokens: &[String]) -> String {
    let encoder = DoubleMetaphone::default();
    let mut codes: Vec<String> = tokens
        .iter()
        // Letters only: the encoder is meant for words, not for "c+" or "4h". Digits stay
        // as they are, so that numbered names do not all share one sound.
        .map(|t| {
            let letters: String = t.chars().filter(char::is_ascii_alphabetic).collect();
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            let sound = if letters.is_empty() {
                String::new()
            } else {
                encoder.double_metaphone(&letters).primary()
            };
            format!("{sound}{digits}")
        })
        .filter(|c| !c.is_empty())
        .collect();
    codes.sort();
    codes.join(" ")
}

/// The numbers written in a name, in order.
pub(super) fn numbers(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| n.trim_start_matches('0').to_owned())
        .collect()
}

/// Host of a website without `www.`, lower case; the scheme is optional as users type it.
pub(super) fn website_domain(website: &str) -> Option<String> {
    let trimmed = website.trim();
    if trimmed.is_empty() {
        return None;
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    if host.is_empty() { None } else { Some(host) }
}

/// Postal code compared without spaces and case.
pub(super) fn compact_postal_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The primary postal address, or the first when none is marked (as the contract says).
pub(super) fn primary_address(addresses: &[PostalAddress]) -> Option<&PostalAddress> {
    addresses
        .iter()
        .find(|a| a.primary)
        .or_else(|| addresses.first())
}
