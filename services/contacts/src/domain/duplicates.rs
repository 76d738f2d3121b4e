//! Duplicate detection without I/O: the blocking keys that find candidate pairs through
//! indexed columns (so no pair of the whole register is ever compared blindly), and the
//! field-by-field score of one pair with the reasons behind it.
//!
//! Every comparison's weight is its contribution to the score, so the weights shown to a
//! reviewer add up (before clamping to [0, 1]) to the score they see.

use std::collections::{BTreeSet, HashMap, HashSet};

use engage_api::contacts::{
    DuplicateBand, FieldMatch, MatchKind, Organization, Person, PostalAddress,
};
use engage_api::types::Date;
use rphonetic::DoubleMetaphone;

use crate::domain::text::fold;

/// The pairs of records that share a blocking key, each once, as indexes into the records
/// whose keys `keys_per_record` gives in turn (lower index first, sorted). A key shared by
/// more than `largest_block` records is too common to tell anything apart and proposes no
/// pair; the records' other keys still do.
pub fn pairs_sharing_a_key(
    keys_per_record: impl IntoIterator<Item = Vec<String>>,
    largest_block: usize,
) -> Vec<(usize, usize)> {
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, keys) in keys_per_record.into_iter().enumerate() {
        for key in keys {
            blocks.entry(key).or_default().push(i);
        }
    }
    let mut pairs = HashSet::new();
    for members in blocks
        .values()
        .filter(|m| m.len() > 1 && m.len() <= largest_block)
    {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

/// Score thresholds of the two bands; configurable per deployment, hence not constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Lowest score in the LIKELY band.
    pub likely: f64,
    /// Lowest score in the POSSIBLE band; pairs below it are not candidates.
    pub possible: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            likely: 0.85,
            possible: 0.60,
        }
    }
}

/// The band of `score`, or `None` when the pair is not worth proposing.
pub fn band(score: f64, t: &Thresholds) -> Option<DuplicateBand> {
    if score >= t.likely {
        Some(DuplicateBand::Likely)
    } else if score >= t.possible {
        Some(DuplicateBand::Possible)
    } else {
        None
    }
}

/// The score of one pair and the comparisons that explain it, largest contribution first.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Similarity from 0 (nothing in common) to 1 (certainly the same).
    pub score: f64,
    /// The field comparisons behind `score`, sorted by weight, descending.
    pub matches: Vec<FieldMatch>,
}

// ---------------------------------------------------------------------------------------------
// Name normalisation
// ---------------------------------------------------------------------------------------------

/// Words that say what kind of body an organisation is rather than which one: two names that
/// differ only by them ("Foo Foundation", "Fundación Foo") name the same organisation.
const LEGAL_FORMS: &[&str] = &[
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
const STOP_WORDS: &[&str] = &[
    "the", "of", "and", "for", "a", "an", "in", "on", "to", "at", "de", "del", "la", "las", "los",
    "el", "y", "e", "des", "du", "le", "les", "et", "da", "do", "dos", "das", "der", "die", "und",
    "fur", "von", "al", "di", "della", "per",
];

/// Hosts shared by unrelated organisations (social networks, site builders): their domain
/// says nothing about which organisation a website belongs to.
const SHARED_HOSTS: &[&str] = &[
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
fn words(name: &str) -> Vec<String> {
    fold(name)
        .split(' ')
        .map(|w| w.replace('.', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

fn is_legal_form(word: &str) -> bool {
    LEGAL_FORMS.contains(&word)
}

/// The words of an organisation's name that identify it, sorted so that word order does not
/// matter; all words when nothing else is left (a name made only of common words).
fn organization_name_tokens(name: &str) -> Vec<String> {
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
fn initials(name: &str) -> String {
    words(name)
        .iter()
        .filter(|w| !is_stop_word(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// An acronym as written, folded and without dots or spaces ("A.N.S." gives "ans").
fn compact(text: &str) -> String {
    fold(text)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Double Metaphone codes of the words, sorted: names that sound alike share it.
fn phonetic(tokens: &[String]) -> String {
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
fn numbers(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| n.trim_start_matches('0').to_owned())
        .collect()
}

/// Host of a website without `www.`, lower case; the scheme is optional as users type it.
fn website_domain(website: &str) -> Option<String> {
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
fn compact_postal_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The primary postal address, or the first when none is marked (as the contract says).
fn primary_address(addresses: &[PostalAddress]) -> Option<&PostalAddress> {
    addresses
        .iter()
        .find(|a| a.primary)
        .or_else(|| addresses.first())
}

// ---------------------------------------------------------------------------------------------
// Blocking keys
// ---------------------------------------------------------------------------------------------

/// The name keys of one organisation name: the sorted identifying words, and, for longer
/// names, the same with any one word left out, so that a typo in one word still meets.
fn organization_name_keys(name: &str, keys: &mut BTreeSet<String>) {
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

// ---------------------------------------------------------------------------------------------
// Similarity
// ---------------------------------------------------------------------------------------------

/// Similarity of two word lists that tolerates typos and word order: each word is paired with
/// its closest word on the other side (Jaro-Winkler; none below 0.8), weighted by length,
/// both ways, and the lower of the two directions is kept so that extra words lower it.
fn token_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let one_way = |from: &[String], to: &[String]| -> f64 {
        let mut total = 0.0;
        let mut weight = 0.0;
        for word in from {
            let best = to
                .iter()
                .map(|other| strsim::jaro_winkler(word, other))
                .fold(0.0, f64::max);
            // A word with no counterpart is evidence of another name, not a near miss:
            // Jaro-Winkler still gives unrelated words about 0.5.
            // (Between two single words it is all there is to go by.)
            let several = from.len() > 1 && to.len() > 1;
            let best = if several && best < UNMATCHED_WORD {
                0.0
            } else {
                best
            };
            let w = word.chars().count() as f64;
            total += best * w;
            weight += w;
        }
        if weight > 0.0 { total / weight } else { 0.0 }
    };
    one_way(a, b).min(one_way(b, a))
}

/// Similarity of two word lists: the better of the word-by-word measure and the edit
/// similarity of the words run together ("Green Peace", "Greenpeace"), and at least 0.9 when
/// every word of one is in the other ("Oxfam", "Oxfam International"). The whole-string
/// measure is Damerau-Levenshtein rather than Jaro-Winkler, whose bonus for a common prefix
/// would make "Niños del Norte" look like "Niños del Sur".
fn name_similarity(a: &[String], b: &[String]) -> f64 {
    let whole = strsim::normalized_damerau_levenshtein(&a.concat(), &b.concat());
    let contained = !a.is_empty()
        && !b.is_empty()
        && (a.iter().all(|w| b.contains(w)) || b.iter().all(|w| a.contains(w)));
    let floor = if contained { CONTAINED } else { 0.0 };
    whole.max(token_similarity(a, b)).max(floor)
}

/// Below this a word has no counterpart in the other name.
const UNMATCHED_WORD: f64 = 0.8;

/// Similarity given to a name whose words are all in the other name.
const CONTAINED: f64 = 0.9;

/// Maps a similarity to the share of a field's weight it earns: unrelated strings still score
/// around 0.6 with Jaro-Winkler, so only the part above `floor` counts.
fn ramp(similarity: f64, floor: f64) -> f64 {
    ((similarity - floor) / (1.0 - floor)).clamp(0.0, 1.0)
}

/// Similarities below this are reported as DIFFERENT.
const FUZZY_FLOOR: f64 = 0.7;

/// Where a name's share of its weight starts: a FUZZY name (0.7 and above) earns at least
/// a quarter of it, a phonetic match (0.95) most of it.
const NAME_RAMP_FLOOR: f64 = 0.6;

/// Similarity given to names that sound the same: a spelling variant ("Jon", "John").
const SAME_SOUND: f64 = 0.95;

/// Builds a FieldMatch; all comparisons go through here so that rounding is uniform.
fn field_match(
    field: &str,
    kind: MatchKind,
    similarity: f64,
    weight: f64,
    value_a: impl Into<String>,
    value_b: impl Into<String>,
) -> FieldMatch {
    FieldMatch {
        field: field.to_string(),
        kind: kind as i32,
        similarity: similarity.clamp(0.0, 1.0),
        weight,
        value_a: value_a.into(),
        value_b: value_b.into(),
    }
}

fn missing(field: &str, value_a: impl Into<String>, value_b: impl Into<String>) -> FieldMatch {
    field_match(field, MatchKind::Missing, 0.0, 0.0, value_a, value_b)
}

/// Adds up the weights, clamps the score and orders the matches for display.
fn finish(mut matches: Vec<FieldMatch>) -> Scored {
    let score = matches
        .iter()
        .map(|m| m.weight)
        .sum::<f64>()
        .clamp(0.0, 1.0);
    matches.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    Scored { score, matches }
}

/// How one organisation name compares with another.
struct NameComparison {
    kind: MatchKind,
    similarity: f64,
}

/// Compares two organisation names, with the acronyms of both records for abbreviations.
fn compare_organization_names(
    a: &str,
    acronym_a: &str,
    b: &str,
    acronym_b: &str,
) -> NameComparison {
    if a == b {
        return NameComparison {
            kind: MatchKind::Exact,
            similarity: 1.0,
        };
    }
    // "Section 12" and "Section 13" are numbered branches, not one organisation misspelt.
    let (numbers_a, numbers_b) = (numbers(a), numbers(b));
    if !numbers_a.is_empty() && !numbers_b.is_empty() && numbers_a != numbers_b {
        return NameComparison {
            kind: MatchKind::Different,
            similarity: 0.0,
        };
    }
    let tokens_a = organization_name_tokens(a);
    let tokens_b = organization_name_tokens(b);
    if tokens_a == tokens_b && !tokens_a.is_empty() {
        return NameComparison {
            kind: MatchKind::Normalized,
            similarity: 1.0,
        };
    }
    // One name is the other's acronym: "ANS" and "Asociación Niños del Sur".
    if is_abbreviation(a, acronym_b, b) || is_abbreviation(b, acronym_a, a) {
        return NameComparison {
            kind: MatchKind::Abbreviation,
            similarity: 0.8,
        };
    }
    let similarity = name_similarity(&tokens_a, &tokens_b);
    let same_sound = {
        let sound_a = phonetic(&tokens_a);
        !sound_a.is_empty() && sound_a == phonetic(&tokens_b)
    };
    if same_sound {
        NameComparison {
            kind: MatchKind::Phonetic,
            similarity: similarity.max(SAME_SOUND),
        }
    } else if similarity >= FUZZY_FLOOR {
        NameComparison {
            kind: MatchKind::Fuzzy,
            similarity,
        }
    } else {
        NameComparison {
            kind: MatchKind::Different,
            similarity,
        }
    }
}

/// True when `short` (a name written as a single word) is `long`'s acronym or initials.
fn is_abbreviation(short: &str, long_acronym: &str, long: &str) -> bool {
    let short_words = words(short);
    if short_words.len() != 1 {
        return false;
    }
    let short = compact(short);
    if short.chars().count() < 2 {
        return false;
    }
    short == compact(long_acronym) || short == initials(long)
}

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

/// Weight of a perfect name match; the name is most of the evidence.
const ORG_NAME: f64 = 0.75;
/// Penalty of unrelated names: small, because a renamed organisation keeps its email or site.
const ORG_NAME_DIFFERENT: f64 = -0.05;
const ORG_COUNTRY_SAME: f64 = 0.15;
const ORG_COUNTRY_DIFFERENT: f64 = -0.35;
const ORG_DOMAIN_SAME: f64 = 0.35;
const ORG_DOMAIN_DIFFERENT: f64 = -0.1;
const EMAIL_SAME: f64 = 0.7;
const PHONE_SAME: f64 = 0.4;
const CONTACT_DIFFERENT: f64 = -0.03;
const ORG_ACRONYM_SAME: f64 = 0.1;
const ORG_ACRONYM_DIFFERENT: f64 = -0.1;
const POSTAL_SAME: f64 = 0.1;
const POSTAL_DIFFERENT: f64 = -0.02;
const ADDRESS_SAME: f64 = 0.1;

/// Scores a pair of organisations from their names, acronyms, website domains, emails,
/// phones, countries and primary addresses.
pub fn score_organizations(a: &Organization, b: &Organization) -> Scored {
    let mut matches = Vec::new();
    let name_weight = |c: &NameComparison| match c.kind {
        MatchKind::Different => ORG_NAME_DIFFERENT,
        MatchKind::Abbreviation => ORG_NAME * 0.6,
        _ => ORG_NAME * ramp(c.similarity, NAME_RAMP_FLOOR),
    };

    let display =
        compare_organization_names(&a.display_name, &a.acronym, &b.display_name, &b.acronym);
    let display_weight = name_weight(&display);
    // The best pair involving an alternative name, when it beats the display names.
    let mut best_alternative: Option<(NameComparison, f64, String, String)> = None;
    if !a.alternative_names.is_empty() || !b.alternative_names.is_empty() {
        let names_a: Vec<&String> = std::iter::once(&a.display_name)
            .chain(a.alternative_names.iter())
            .collect();
        let names_b: Vec<&String> = std::iter::once(&b.display_name)
            .chain(b.alternative_names.iter())
            .collect();
        for (i, name_a) in names_a.iter().enumerate() {
            for (j, name_b) in names_b.iter().enumerate() {
                if i == 0 && j == 0 {
                    continue;
                }
                let c = compare_organization_names(name_a, &a.acronym, name_b, &b.acronym);
                let w = name_weight(&c);
                if best_alternative
                    .as_ref()
                    .is_none_or(|(_, bw, _, _)| w > *bw)
                {
                    best_alternative = Some((c, w, (*name_a).clone(), (*name_b).clone()));
                }
            }
        }
    }
    match best_alternative {
        Some((c, w, value_a, value_b)) if w > display_weight => {
            matches.push(field_match(
                "display_name",
                display.kind,
                display.similarity,
                0.0,
                a.display_name.clone(),
                b.display_name.clone(),
            ));
            matches.push(field_match(
                "alternative_names",
                c.kind,
                c.similarity,
                w,
                value_a,
                value_b,
            ));
        }
        other => {
            matches.push(field_match(
                "display_name",
                display.kind,
                display.similarity,
                display_weight,
                a.display_name.clone(),
                b.display_name.clone(),
            ));
            if let Some((c, _, value_a, value_b)) = other {
                matches.push(field_match(
                    "alternative_names",
                    c.kind,
                    c.similarity,
                    0.0,
                    value_a,
                    value_b,
                ));
            }
        }
    }

    matches.push(compare_acronyms(a, b));
    matches.push(compare_domains(a, b));
    matches.push(compare_emails(
        a.emails.iter().map(|e| e.address.as_str()),
        b.emails.iter().map(|e| e.address.as_str()),
    ));
    matches.push(compare_phones(
        a.phones.iter().map(|p| p.e164.as_str()),
        b.phones.iter().map(|p| p.e164.as_str()),
    ));
    matches.push(compare_countries(
        &a.country_code,
        &b.country_code,
        ORG_COUNTRY_SAME,
        ORG_COUNTRY_DIFFERENT,
    ));
    matches.extend(compare_addresses(&a.addresses, &b.addresses));
    finish(matches)
}

fn compare_acronyms(a: &Organization, b: &Organization) -> FieldMatch {
    let (acr_a, acr_b) = (compact(&a.acronym), compact(&b.acronym));
    let (shown_a, shown_b) = (a.acronym.clone(), b.acronym.clone());
    match (acr_a.is_empty(), acr_b.is_empty()) {
        (false, false) if a.acronym == b.acronym => field_match(
            "acronym",
            MatchKind::Exact,
            1.0,
            ORG_ACRONYM_SAME,
            shown_a,
            shown_b,
        ),
        (false, false) if acr_a == acr_b => field_match(
            "acronym",
            MatchKind::Normalized,
            1.0,
            ORG_ACRONYM_SAME,
            shown_a,
            shown_b,
        ),
        (false, false) => field_match(
            "acronym",
            MatchKind::Different,
            strsim::jaro_winkler(&acr_a, &acr_b),
            ORG_ACRONYM_DIFFERENT,
            shown_a,
            shown_b,
        ),
        // One side has an acronym: compare it with the other's initials.
        (false, true) if acr_a == initials(&b.display_name) => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            shown_a,
            b.display_name.clone(),
        ),
        (true, false) if acr_b == initials(&a.display_name) => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            a.display_name.clone(),
            shown_b,
        ),
        _ => missing("acronym", shown_a, shown_b),
    }
}

fn compare_domains(a: &Organization, b: &Organization) -> FieldMatch {
    match (website_domain(&a.website), website_domain(&b.website)) {
        (Some(da), Some(db)) if da == db => {
            let shared = SHARED_HOSTS.contains(&da.as_str());
            let (kind, weight) = if shared {
                (MatchKind::Exact, 0.0)
            } else {
                (MatchKind::Exact, ORG_DOMAIN_SAME)
            };
            field_match("website_domain", kind, 1.0, weight, da, db)
        }
        (Some(da), Some(db)) => {
            let similarity = strsim::jaro_winkler(&da, &db);
            field_match(
                "website_domain",
                MatchKind::Different,
                similarity,
                ORG_DOMAIN_DIFFERENT,
                da,
                db,
            )
        }
        (da, db) => missing(
            "website_domain",
            da.unwrap_or_default(),
            db.unwrap_or_default(),
        ),
    }
}

/// Compares two lists of already-normalised emails: one shared address is strong evidence.
fn compare_emails<'x>(
    a: impl Iterator<Item = &'x str>,
    b: impl Iterator<Item = &'x str>,
) -> FieldMatch {
    compare_sets("emails", a, b, EMAIL_SAME)
}

/// Compares two lists of E.164 numbers.
fn compare_phones<'x>(
    a: impl Iterator<Item = &'x str>,
    b: impl Iterator<Item = &'x str>,
) -> FieldMatch {
    compare_sets("phones", a, b, PHONE_SAME)
}

fn compare_sets<'x>(
    field: &str,
    a: impl Iterator<Item = &'x str>,
    b: impl Iterator<Item = &'x str>,
    weight: f64,
) -> FieldMatch {
    let a: Vec<&str> = a.filter(|v| !v.is_empty()).collect();
    let b: Vec<&str> = b.filter(|v| !v.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return missing(field, a.join("; "), b.join("; "));
    }
    match a.iter().find(|v| b.contains(v)) {
        Some(shared) => field_match(field, MatchKind::Exact, 1.0, weight, *shared, *shared),
        None => field_match(
            field,
            MatchKind::Different,
            0.0,
            CONTACT_DIFFERENT,
            a.join("; "),
            b.join("; "),
        ),
    }
}

fn compare_countries(a: &str, b: &str, same: f64, different: f64) -> FieldMatch {
    if a.is_empty() || b.is_empty() {
        missing("country_code", a, b)
    } else if a == b {
        field_match("country_code", MatchKind::Exact, 1.0, same, a, b)
    } else {
        field_match("country_code", MatchKind::Different, 0.0, different, a, b)
    }
}

/// Compares the primary addresses: their postal codes (with the country) and their street
/// lines and locality.
fn compare_addresses(a: &[PostalAddress], b: &[PostalAddress]) -> Vec<FieldMatch> {
    let (Some(pa), Some(pb)) = (primary_address(a), primary_address(b)) else {
        let shown = |x: &[PostalAddress]| {
            primary_address(x)
                .map(|p| p.postal_code.clone())
                .unwrap_or_default()
        };
        return vec![
            missing("postal_code", shown(a), shown(b)),
            missing("addresses", "", ""),
        ];
    };
    let mut out = Vec::with_capacity(2);
    let (code_a, code_b) = (
        compact_postal_code(&pa.postal_code),
        compact_postal_code(&pb.postal_code),
    );
    out.push(if code_a.is_empty() || code_b.is_empty() {
        missing(
            "postal_code",
            pa.postal_code.clone(),
            pb.postal_code.clone(),
        )
    } else if code_a == code_b && pa.country_code == pb.country_code {
        let kind = if pa.postal_code == pb.postal_code {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match(
            "postal_code",
            kind,
            1.0,
            POSTAL_SAME,
            pa.postal_code.clone(),
            pb.postal_code.clone(),
        )
    } else {
        field_match(
            "postal_code",
            MatchKind::Different,
            0.0,
            POSTAL_DIFFERENT,
            pa.postal_code.clone(),
            pb.postal_code.clone(),
        )
    });
    let line = |p: &PostalAddress| {
        let mut parts = p.address_lines.clone();
        if !p.locality.is_empty() {
            parts.push(p.locality.clone());
        }
        parts.join(", ")
    };
    let (line_a, line_b) = (line(pa), line(pb));
    let (fold_a, fold_b) = (fold(&line_a), fold(&line_b));
    out.push(if fold_a.is_empty() || fold_b.is_empty() {
        missing("addresses", line_a, line_b)
    } else if fold_a == fold_b {
        let kind = if line_a == line_b {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match("addresses", kind, 1.0, ADDRESS_SAME, line_a, line_b)
    } else {
        let similarity = name_similarity(&words(&line_a), &words(&line_b));
        if similarity >= 0.9 {
            field_match(
                "addresses",
                MatchKind::Fuzzy,
                similarity,
                ADDRESS_SAME * ramp(similarity, 0.9),
                line_a,
                line_b,
            )
        } else {
            field_match(
                "addresses",
                MatchKind::Different,
                similarity,
                0.0,
                line_a,
                line_b,
            )
        }
    });
    out
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

const GIVEN_NAME: f64 = 0.3;
const FAMILY_NAME: f64 = 0.4;
/// Penalty of a different name part; small, so that a shared email still makes a candidate.
const NAME_PART_DIFFERENT: f64 = -0.025;
/// Swapped names are a common data-entry slip but also a weaker signal than a straight match.
const SWAPPED_FACTOR: f64 = 0.95;
const PERSON_EMAIL_SAME: f64 = 0.7;
const PERSON_PHONE_SAME: f64 = 0.4;
const PERSON_COUNTRY_SAME: f64 = 0.05;
const PERSON_COUNTRY_DIFFERENT: f64 = -0.15;
const BIRTH_SAME: f64 = 0.2;
const BIRTH_TRANSPOSED: f64 = 0.1;
/// Two different recorded dates of birth are strong evidence of two people.
const BIRTH_DIFFERENT: f64 = -0.4;
const ORGANIZATION_SAME: f64 = 0.1;
const ORGANIZATION_DIFFERENT: f64 = -0.02;

/// How one name part compares with another.
fn compare_name_part(a: &str, b: &str) -> (MatchKind, f64) {
    if a == b {
        return (MatchKind::Exact, 1.0);
    }
    let (wa, wb) = (words(a), words(b));
    if wa == wb {
        return (MatchKind::Normalized, 1.0);
    }
    // "M." against "Maria": an initial.
    let initial_of = |short: &[String], long: &[String]| {
        short.len() == 1
            && short[0].chars().count() == 1
            && long
                .first()
                .is_some_and(|w| w.starts_with(short[0].as_str()))
    };
    if initial_of(&wa, &wb) || initial_of(&wb, &wa) {
        return (MatchKind::Abbreviation, 0.8);
    }
    let similarity = name_similarity(&wa, &wb);
    let sound_a = phonetic(&wa);
    // Short names of unlike spelling often share a code ("Yui" and "Aoi", "Ren" and
    // "Rin"): a shared sound counts only for names that are spelt alike as well.
    if !sound_a.is_empty() && sound_a == phonetic(&wb) && similarity >= FUZZY_FLOOR {
        (MatchKind::Phonetic, similarity.max(SAME_SOUND))
    } else if similarity >= FUZZY_FLOOR {
        (MatchKind::Fuzzy, similarity)
    } else {
        (MatchKind::Different, similarity)
    }
}

fn name_part_weight(kind: MatchKind, similarity: f64, full: f64) -> f64 {
    match kind {
        MatchKind::Different => NAME_PART_DIFFERENT,
        MatchKind::Missing => 0.0,
        MatchKind::Abbreviation => full * 0.5,
        _ => full * ramp(similarity, NAME_RAMP_FLOOR),
    }
}

/// Compares given and family names straight and crossed, keeping the better reading.
fn compare_person_names(a: &Person, b: &Person) -> Vec<FieldMatch> {
    let part = |x: &str, y: &str, full: f64| -> (MatchKind, f64, f64) {
        if x.is_empty() || y.is_empty() {
            (MatchKind::Missing, 0.0, 0.0)
        } else {
            let (kind, similarity) = compare_name_part(x, y);
            (kind, similarity, name_part_weight(kind, similarity, full))
        }
    };
    let given = part(&a.given_name, &b.given_name, GIVEN_NAME);
    let family = part(&a.family_name, &b.family_name, FAMILY_NAME);
    let straight = given.2 + family.2;

    let crossed_given = part(&a.given_name, &b.family_name, GIVEN_NAME);
    let crossed_family = part(&a.family_name, &b.given_name, FAMILY_NAME);
    let both_present = |x: &Person| !x.given_name.is_empty() && !x.family_name.is_empty();
    let crossed = (crossed_given.2 + crossed_family.2) * SWAPPED_FACTOR;
    if both_present(a)
        && both_present(b)
        && crossed > straight
        && crossed_given.0 != MatchKind::Different
        && crossed_family.0 != MatchKind::Different
    {
        return vec![
            field_match(
                "given_name",
                MatchKind::Swapped,
                crossed_given.1,
                crossed_given.2 * SWAPPED_FACTOR,
                a.given_name.clone(),
                b.given_name.clone(),
            ),
            field_match(
                "family_name",
                MatchKind::Swapped,
                crossed_family.1,
                crossed_family.2 * SWAPPED_FACTOR,
                a.family_name.clone(),
                b.family_name.clone(),
            ),
        ];
    }
    vec![
        field_match(
            "given_name",
            given.0,
            given.1,
            given.2,
            a.given_name.clone(),
            b.given_name.clone(),
        ),
        field_match(
            "family_name",
            family.0,
            family.1,
            family.2,
            a.family_name.clone(),
            b.family_name.clone(),
        ),
    ]
}

fn format_date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// True when the two dates are the same but for day and month swapped, or for two adjacent
/// digits swapped: the usual slips when a date is typed.
fn transposed(a: &Date, b: &Date) -> bool {
    if a.year == b.year && a.month == b.day && a.day == b.month {
        return true;
    }
    let (da, db): (Vec<char>, Vec<char>) = (
        format_date(a).chars().collect(),
        format_date(b).chars().collect(),
    );
    if da.len() != db.len() {
        return false;
    }
    let differing: Vec<usize> = (0..da.len()).filter(|&i| da[i] != db[i]).collect();
    matches!(differing.as_slice(), [i, j] if *j == i + 1 && da[*i] == db[*j] && da[*j] == db[*i])
}

fn compare_birth_dates(a: Option<&Date>, b: Option<&Date>, reveal: bool) -> FieldMatch {
    let shown = |d: Option<&Date>| match d {
        Some(d) if reveal => format_date(d),
        _ => String::new(),
    };
    let (value_a, value_b) = (shown(a), shown(b));
    match (a, b) {
        (Some(da), Some(db)) if da == db => field_match(
            "birth_date",
            MatchKind::Exact,
            1.0,
            BIRTH_SAME,
            value_a,
            value_b,
        ),
        (Some(da), Some(db)) if transposed(da, db) => field_match(
            "birth_date",
            MatchKind::Transposed,
            0.8,
            BIRTH_TRANSPOSED,
            value_a,
            value_b,
        ),
        (Some(_), Some(_)) => field_match(
            "birth_date",
            MatchKind::Different,
            0.0,
            BIRTH_DIFFERENT,
            value_a,
            value_b,
        ),
        _ => missing("birth_date", value_a, value_b),
    }
}

/// Scores a pair of people from their names (straight or swapped), emails, phones, country,
/// date of birth, primary address and primary organisation. Dates of birth always count;
/// `reveal_birth_dates` only decides whether the caller may see them in the matches.
pub fn score_people(a: &Person, b: &Person, reveal_birth_dates: bool) -> Scored {
    let mut matches = compare_person_names(a, b);
    matches.push(compare_sets(
        "emails",
        a.emails.iter().map(|e| e.address.as_str()),
        b.emails.iter().map(|e| e.address.as_str()),
        PERSON_EMAIL_SAME,
    ));
    matches.push(compare_sets(
        "phones",
        a.phones.iter().map(|p| p.e164.as_str()),
        b.phones.iter().map(|p| p.e164.as_str()),
        PERSON_PHONE_SAME,
    ));
    matches.push(compare_countries(
        &a.country_code,
        &b.country_code,
        PERSON_COUNTRY_SAME,
        PERSON_COUNTRY_DIFFERENT,
    ));
    matches.push(compare_birth_dates(
        a.birth_date.as_ref(),
        b.birth_date.as_ref(),
        reveal_birth_dates,
    ));
    matches.extend(compare_addresses(&a.addresses, &b.addresses));
    let (org_a, org_b) = (&a.primary_organization, &b.primary_organization);
    matches.push(if org_a.is_empty() || org_b.is_empty() {
        missing("primary_organization", org_a.clone(), org_b.clone())
    } else if org_a == org_b {
        field_match(
            "primary_organization",
            MatchKind::Exact,
            1.0,
            ORGANIZATION_SAME,
            org_a.clone(),
            org_b.clone(),
        )
    } else {
        field_match(
            "primary_organization",
            MatchKind::Different,
            0.0,
            ORGANIZATION_DIFFERENT,
            org_a.clone(),
            org_b.clone(),
        )
    });
    finish(matches)
}

#[cfg(test)]
mod tests {
    use engage_api::contacts::{EmailAddress, PhoneNumber};

    use super::*;

    fn keys(records: &[&[&str]]) -> Vec<Vec<String>> {
        records
            .iter()
            .map(|k| k.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn records_sharing_any_key_pair_once_and_too_common_keys_pair_none() {
        let shared = keys(&[&["a", "b"], &["a", "b"], &["b"], &["c"]]);
        assert_eq!(pairs_sharing_a_key(shared, 200), [(0, 1), (0, 2), (1, 2)]);
        let common = keys(&[&["x"], &["x"], &["x", "y"], &["y"]]);
        assert_eq!(pairs_sharing_a_key(common, 2), [(2, 3)]);
    }

    fn org(name: &str, country: &str) -> Organization {
        Organization {
            display_name: name.to_string(),
            country_code: country.to_string(),
            ..Default::default()
        }
    }

    fn person(given: &str, family: &str) -> Person {
        Person {
            given_name: given.to_string(),
            family_name: family.to_string(),
            ..Default::default()
        }
    }

    fn date(year: i32, month: i32, day: i32) -> Date {
        Date { year, month, day }
    }

    fn kind_of(scored: &Scored, field: &str) -> MatchKind {
        scored
            .matches
            .iter()
            .find(|m| m.field == field)
            .and_then(|m| MatchKind::try_from(m.kind).ok())
            .unwrap_or(MatchKind::Unspecified)
    }

    fn share_key(a: &[String], b: &[String]) -> bool {
        a.iter().any(|k| b.contains(k))
    }

    fn bands() -> Thresholds {
        Thresholds::default()
    }

    #[test]
    fn same_name_without_accents_in_same_country_is_likely() {
        let a = org("Asociación Niños del Sur", "AR");
        let b = org("Asociacion Ninos del Sur", "AR");
        let scored = score_organizations(&a, &b);
        assert_eq!(band(scored.score, &bands()), Some(DuplicateBand::Likely));
        assert_eq!(kind_of(&scored, "display_name"), MatchKind::Normalized);
        assert!(share_key(
            &organization_blocking_keys(&a),
            &organization_blocking_keys(&b)
        ));
    }

    #[test]
    fn a_typo_in_the_name_is_still_a_candidate() {
        let a = org("Asociación Niños del Sur", "AR");
        let b = org("Asociacion Ninos del Sud", "AR");
        let scored = score_organizations(&a, &b);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        assert!(share_key(
            &organization_blocking_keys(&a),
            &organization_blocking_keys(&b)
        ));
    }

    #[test]
    fn an_acronym_matches_the_full_name_as_an_abbreviation() {
        let a = org("ANS", "AR");
        let mut b = org("Asociación Niños del Sur", "AR");
        b.acronym = "ANS".to_string();
        let scored = score_organizations(&a, &b);
        assert_eq!(kind_of(&scored, "display_name"), MatchKind::Abbreviation);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        assert!(share_key(
            &organization_blocking_keys(&a),
            &organization_blocking_keys(&b)
        ));

        // Without an acronym recorded, the initials of the name are used.
        let c = org("Asociación Niños del Sur", "");
        let scored = score_organizations(&a, &c);
        assert_eq!(kind_of(&scored, "display_name"), MatchKind::Abbreviation);
        // An acronym on one side and a full name on the other.
        let mut d = org("Asociacion Ninos del Sur", "AR");
        d.acronym = "ANS".to_string();
        let scored = score_organizations(&d, &org("Asociación Niños del Sur", "AR"));
        assert_eq!(kind_of(&scored, "acronym"), MatchKind::Abbreviation);
    }

    #[test]
    fn names_that_differ_in_their_distinctive_word_are_not_candidates() {
        for (a, b) in [
            ("Colectivo Lope Caminos", "Colectivo Mira Caminos"),
            ("Fundación Agua Clara", "Fundación Agua Viva"),
        ] {
            let scored = score_organizations(&org(a, "MX"), &org(b, "MX"));
            assert_eq!(band(scored.score, &bands()), None, "{a} ~ {b}: {scored:?}");
        }
        // A typo in that word still leaves a candidate.
        let scored = score_organizations(
            &org("Colectivo Lope Caminos", "MX"),
            &org("Colectivo Lopa Caminos", "MX"),
        );
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    }

    #[test]
    fn a_shorter_form_of_the_name_is_a_candidate() {
        let scored = score_organizations(&org("Oxfam", "GB"), &org("Oxfam International", "GB"));
        assert_eq!(kind_of(&scored, "display_name"), MatchKind::Fuzzy);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
    }

    #[test]
    fn different_organisations_in_different_countries_are_not_candidates() {
        let a = org("Asociación Niños del Sur", "AR");
        let b = org("Global Youth Climate Network", "DE");
        let scored = score_organizations(&a, &b);
        assert_eq!(band(scored.score, &bands()), None, "{scored:?}");
        assert!(!share_key(
            &organization_blocking_keys(&a),
            &organization_blocking_keys(&b)
        ));
    }

    #[test]
    fn legal_forms_and_word_order_do_not_matter_for_keys() {
        let a = org("Stiftung Kinderhilfe e.V.", "DE");
        let b = org("Kinderhilfe Foundation", "DE");
        let keys_a = organization_blocking_keys(&a);
        assert!(keys_a.contains(&"n:kinderhilfe".to_string()), "{keys_a:?}");
        assert!(share_key(&keys_a, &organization_blocking_keys(&b)));
        assert!(!keys_a.iter().any(|k| k == "DE" || k.ends_with(":DE")));
    }

    #[test]
    fn website_domain_key_drops_www_and_scheme() {
        let mut a = org("A", "");
        a.website = "https://www.ninosdelsur.org/about".to_string();
        let mut b = org("B", "");
        b.website = "ninosdelsur.org".to_string();
        let keys = organization_blocking_keys(&a);
        assert!(keys.contains(&"d:ninosdelsur.org".to_string()));
        assert!(share_key(&keys, &organization_blocking_keys(&b)));
    }

    #[test]
    fn shared_email_alone_is_at_least_possible() {
        let email = |address: &str| EmailAddress {
            address: address.to_string(),
            primary: true,
            ..Default::default()
        };
        let mut a = org("Red Juvenil del Pacífico", "");
        a.emails = vec![email("contacto@rjp.org")];
        let mut b = org("Pacific Youth Network", "");
        b.emails = vec![email("contacto@rjp.org")];
        let scored = score_organizations(&a, &b);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        assert_eq!(scored.matches[0].field, "emails");

        let mut p = person("Ana", "Pérez");
        p.emails = vec![email("ana@example.org")];
        let mut q = person("Lucía", "Gómez");
        q.emails = vec![email("ana@example.org")];
        let scored = score_people(&p, &q, false);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        assert!(share_key(
            &person_blocking_keys(&p),
            &person_blocking_keys(&q)
        ));
    }

    #[test]
    fn swapped_given_and_family_names_are_recognised() {
        let a = person("Maria", "Garcia");
        let b = person("Garcia", "Maria");
        let scored = score_people(&a, &b, true);
        assert_eq!(kind_of(&scored, "given_name"), MatchKind::Swapped);
        assert_eq!(kind_of(&scored, "family_name"), MatchKind::Swapped);
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        assert!(share_key(
            &person_blocking_keys(&a),
            &person_blocking_keys(&b)
        ));
    }

    #[test]
    fn short_names_that_only_share_a_sound_code_are_not_phonetic_matches() {
        let scored = score_people(
            &person("Yui", "Kobayashi"),
            &person("Aoi", "Kobayashi"),
            true,
        );
        assert_eq!(kind_of(&scored, "given_name"), MatchKind::Different);
        assert_eq!(band(scored.score, &bands()), None, "{scored:?}");
        let scored = score_people(&person("Lena", "Meier"), &person("Lena", "Mayer"), true);
        assert_eq!(kind_of(&scored, "family_name"), MatchKind::Phonetic);
    }

    #[test]
    fn day_and_month_swapped_is_a_transposed_date() {
        let mut a = person("María", "García");
        a.birth_date = Some(date(1990, 3, 12));
        let mut b = person("Maria", "Garcia");
        b.birth_date = Some(date(1990, 12, 3));
        let scored = score_people(&a, &b, true);
        assert_eq!(kind_of(&scored, "birth_date"), MatchKind::Transposed);
        let birth = scored.matches.iter().find(|m| m.field == "birth_date");
        assert_eq!(birth.map(|m| m.value_a.as_str()), Some("1990-03-12"));
        assert!(band(scored.score, &bands()).is_some(), "{scored:?}");
        // Both dates give the same blocking key.
        assert!(person_blocking_keys(&a).contains(&"b:1990-03-12".to_string()));
        assert!(person_blocking_keys(&b).contains(&"b:1990-03-12".to_string()));

        // Adjacent digits swapped.
        assert!(transposed(&date(1990, 3, 12), &date(1990, 3, 21)));
        assert!(transposed(&date(1990, 3, 12), &date(1909, 3, 12)));
        assert!(!transposed(&date(1990, 3, 12), &date(1991, 4, 12)));
    }

    #[test]
    fn withheld_birth_dates_count_but_are_not_shown() {
        let mut a = person("Maria", "Garcia");
        a.birth_date = Some(date(2005, 1, 2));
        let mut b = person("Maria", "Garcia");
        b.birth_date = Some(date(2007, 8, 9));
        let scored = score_people(&a, &b, false);
        let birth = scored.matches.iter().find(|m| m.field == "birth_date");
        assert_eq!(birth.map(|m| m.value_a.as_str()), Some(""));
        assert_eq!(kind_of(&scored, "birth_date"), MatchKind::Different);
        assert!(birth.is_some_and(|m| m.weight < 0.0));
        assert!(scored.score < bands().likely);
    }

    #[test]
    fn matches_are_sorted_by_weight_and_score_is_bounded() {
        let mut a = person("Maria", "Garcia");
        let mut b = person("María", "García");
        let phone = PhoneNumber {
            e164: "+5491122334455".to_string(),
            ..Default::default()
        };
        a.phones = vec![phone.clone()];
        b.phones = vec![phone];
        a.country_code = "AR".to_string();
        b.country_code = "AR".to_string();
        let scored = score_people(&a, &b, true);
        assert!((0.0..=1.0).contains(&scored.score));
        assert!(
            scored
                .matches
                .windows(2)
                .all(|w| w[0].weight >= w[1].weight)
        );
        assert_eq!(band(scored.score, &bands()), Some(DuplicateBand::Likely));
    }

    #[test]
    fn person_keys_are_selective() {
        let mut p = person("Maria", "Garcia");
        p.country_code = "AR".to_string();
        p.addresses = vec![PostalAddress {
            postal_code: "C1000".to_string(),
            country_code: "AR".to_string(),
            ..Default::default()
        }];
        let keys = person_blocking_keys(&p);
        assert!(keys.iter().all(|k| k.len() > 3 && k != "AR"), "{keys:?}");
        assert!(keys.contains(&"z:C1000:AR:g".to_string()), "{keys:?}");
        // An initial instead of the given name still meets the full name.
        let q = person("M.", "García");
        assert!(share_key(&keys, &person_blocking_keys(&q)));
    }

    #[test]
    fn bands_follow_thresholds() {
        let t = Thresholds::default();
        assert_eq!(band(0.85, &t), Some(DuplicateBand::Likely));
        assert_eq!(band(0.6, &t), Some(DuplicateBand::Possible));
        assert_eq!(band(0.59, &t), None);
    }
}

#[cfg(test)]
mod numbered_names {
    use super::*;

    fn org(name: &str) -> Organization {
        Organization {
            display_name: name.into(),
            country_code: "FR".into(),
            ..Default::default()
        }
    }

    #[test]
    fn names_that_differ_by_a_number_are_different_organisations() {
        for (a, b) in [
            ("Organisation 12", "Organisation 13"),
            ("Partner 0001", "Partner 0002"),
        ] {
            let (a, b) = (org(a), org(b));
            let keys_b = organization_blocking_keys(&b);
            assert!(
                organization_blocking_keys(&a)
                    .iter()
                    .all(|k| !keys_b.contains(k)),
                "{a:?} and {b:?} share a blocking key"
            );
            let score = score_organizations(&a, &b).score;
            assert!(score < Thresholds::default().possible, "{score}");
        }
        let same = score_organizations(&org("Section 12 Paris"), &org("Section 12, Paris"));
        assert!(same.score >= Thresholds::default().likely, "{}", same.score);
    }
}
