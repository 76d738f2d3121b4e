//! Duplicate detection without I/O: the blocking keys that find candidate pairs through
//! indexed columns (so no pair of the whole register is ever compared blindly), and the
//! field-by-field score of one pair with the reasons behind it.
//!
//! Every comparison's weight is its contribution to the score, so the weights shown to a
//! reviewer add up (before clamping to [0, 1]) to the score they see.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

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
    // Sorting and dropping repeats is cheaper than a set when most pairs share one key.
    let mut pairs = Vec::new();
    for members in blocks
        .values()
        .filter(|m| m.len() > 1 && m.len() <= largest_block)
    {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
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

/// The words of a name or an address line, and the same run together: what
/// `name_similarity` compares, worked out once per record rather than once per pair.
#[derive(Debug, Clone)]
struct Words {
    words: Vec<String>,
    joined: String,
    /// Letters of `joined`, as the edit similarity counts them.
    letters: usize,
    /// How often each letter and digit occurs in `joined` (anything else counted together).
    counts: [u16; LETTER_KINDS],
}

/// The 26 letters, the 10 digits and everything else.
const LETTER_KINDS: usize = 37;

impl Words {
    fn new(words: Vec<String>) -> Self {
        let joined = words.concat();
        let mut counts = [0u16; LETTER_KINDS];
        let mut letters = 0;
        for c in joined.chars() {
            let kind = match c {
                'a'..='z' => c as usize - 'a' as usize,
                '0'..='9' => 26 + (c as usize - '0' as usize),
                _ => LETTER_KINDS - 1,
            };
            counts[kind] = counts[kind].saturating_add(1);
            letters += 1;
        }
        Self {
            words,
            joined,
            letters,
            counts,
        }
    }
}

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
            // The same word is as close as words get (1.0): no need to try the others.
            let best = if to.contains(word) {
                1.0
            } else {
                to.iter()
                    .map(|other| strsim::jaro_winkler(word, other))
                    .fold(0.0, f64::max)
            };
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
fn name_similarity(a: &Words, b: &Words) -> f64 {
    with_whole_similarity(a, b, word_similarity(a, b))
}

/// `name_similarity` from its `word_similarity`, `by_words`.
fn with_whole_similarity(a: &Words, b: &Words, by_words: f64) -> f64 {
    // The edit distance is the costly part; skip it when it cannot raise the result.
    if whole_similarity_at_most(a, b) <= by_words {
        by_words
    } else {
        by_words.max(strsim::normalized_damerau_levenshtein(&a.joined, &b.joined))
    }
}

/// `name_similarity` without the edit similarity of the words run together.
fn word_similarity(a: &Words, b: &Words) -> f64 {
    let (a, b) = (&a.words, &b.words);
    let contained = !a.is_empty()
        && !b.is_empty()
        && (a.iter().all(|w| b.contains(w)) || b.iter().all(|w| a.contains(w)));
    let floor = if contained { CONTAINED } else { 0.0 };
    token_similarity(a, b).max(floor)
}

/// The most the edit similarity of the words run together can be: every edit (insertion,
/// deletion, substitution, transposition) removes at most one letter that one has more often
/// than the other, so turning one into the other takes at least that many edits.
fn whole_similarity_at_most(a: &Words, b: &Words) -> f64 {
    let longest = a.letters.max(b.letters);
    if longest == 0 {
        return 1.0;
    }
    let (mut surplus_a, mut surplus_b) = (0usize, 0usize);
    for (x, y) in a.counts.iter().zip(&b.counts) {
        surplus_a += usize::from(x.saturating_sub(*y));
        surplus_b += usize::from(y.saturating_sub(*x));
    }
    1.0 - surplus_a.max(surplus_b) as f64 / longest as f64
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

/// A field comparison before it becomes a FieldMatch, its values borrowed from the records
/// where it can: a pair found below the lowest score early then costs no copies.
struct Compared<'a> {
    field: &'static str,
    kind: MatchKind,
    similarity: f64,
    weight: f64,
    value_a: Cow<'a, str>,
    value_b: Cow<'a, str>,
}

/// Builds a comparison; all comparisons go through here so that rounding is uniform.
fn field_match<'a>(
    field: &'static str,
    kind: MatchKind,
    similarity: f64,
    weight: f64,
    value_a: impl Into<Cow<'a, str>>,
    value_b: impl Into<Cow<'a, str>>,
) -> Compared<'a> {
    Compared {
        field,
        kind,
        similarity: similarity.clamp(0.0, 1.0),
        weight,
        value_a: value_a.into(),
        value_b: value_b.into(),
    }
}

fn missing<'a>(
    field: &'static str,
    value_a: impl Into<Cow<'a, str>>,
    value_b: impl Into<Cow<'a, str>>,
) -> Compared<'a> {
    field_match(field, MatchKind::Missing, 0.0, 0.0, value_a, value_b)
}

/// Values of a list as shown, "; " between them.
fn shown_list<'a>(values: &[&'a str]) -> Cow<'a, str> {
    match values {
        [one] => Cow::Borrowed(*one),
        _ => Cow::Owned(values.join("; ")),
    }
}

/// Adds up the weights, clamps the score and orders the matches for display.
fn finish(mut matches: Vec<Compared>) -> Scored {
    let score = matches
        .iter()
        .map(|m| m.weight)
        .sum::<f64>()
        .clamp(0.0, 1.0);
    matches.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let matches = matches
        .into_iter()
        .map(|m| FieldMatch {
            field: m.field.to_string(),
            kind: m.kind as i32,
            similarity: m.similarity,
            weight: m.weight,
            value_a: m.value_a.into_owned(),
            value_b: m.value_b.into_owned(),
        })
        .collect();
    Scored { score, matches }
}

/// How one organisation name compares with another.
struct NameComparison {
    kind: MatchKind,
    similarity: f64,
}

/// One name of an organisation, with what its comparisons need.
#[derive(Debug, Clone)]
struct OrganizationName<'a> {
    written: &'a str,
    numbers: Vec<String>,
    tokens: Words,
    /// The name folded to letters and digits when written as one word of two or more: it may
    /// be an acronym.
    as_acronym: Option<String>,
    initials: String,
    sound: String,
}

impl<'a> OrganizationName<'a> {
    fn new(written: &'a str) -> Self {
        let tokens = organization_name_tokens(written);
        let as_acronym =
            Some(compact(written)).filter(|c| words(written).len() == 1 && c.chars().count() >= 2);
        Self {
            written,
            numbers: numbers(written),
            sound: phonetic(&tokens),
            tokens: Words::new(tokens),
            as_acronym,
            initials: initials(written),
        }
    }
}

/// How far two organisation names compare before the costly edit similarity: settled, or
/// open with the similarity found so far and whether they sound alike.
enum NameCheck {
    Settled(NameComparison),
    Open { by_words: f64, same_sound: bool },
}

/// Compares two organisation names as far as it is cheap, with the (compacted) acronyms of
/// both records for abbreviations.
fn check_organization_names(
    a: &OrganizationName,
    acronym_a: &str,
    b: &OrganizationName,
    acronym_b: &str,
) -> NameCheck {
    let settled = |kind, similarity| NameCheck::Settled(NameComparison { kind, similarity });
    if a.written == b.written {
        return settled(MatchKind::Exact, 1.0);
    }
    // "Section 12" and "Section 13" are numbered branches, not one organisation misspelt.
    if !a.numbers.is_empty() && !b.numbers.is_empty() && a.numbers != b.numbers {
        return settled(MatchKind::Different, 0.0);
    }
    if a.tokens.words == b.tokens.words && !a.tokens.words.is_empty() {
        return settled(MatchKind::Normalized, 1.0);
    }
    // One name is the other's acronym: "ANS" and "Asociación Niños del Sur".
    if is_abbreviation(a, acronym_b, b) || is_abbreviation(b, acronym_a, a) {
        return settled(MatchKind::Abbreviation, 0.8);
    }
    NameCheck::Open {
        by_words: word_similarity(&a.tokens, &b.tokens),
        same_sound: !a.sound.is_empty() && a.sound == b.sound,
    }
}

/// The comparison of two names whose check is open, at `similarity`.
fn open_name_comparison(similarity: f64, same_sound: bool) -> NameComparison {
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

/// Compares two organisation names completely.
fn compare_organization_names(
    a: &OrganizationName,
    acronym_a: &str,
    b: &OrganizationName,
    acronym_b: &str,
) -> NameComparison {
    match check_organization_names(a, acronym_a, b, acronym_b) {
        NameCheck::Settled(comparison) => comparison,
        NameCheck::Open {
            by_words,
            same_sound,
        } => {
            let similarity = with_whole_similarity(&a.tokens, &b.tokens, by_words);
            open_name_comparison(similarity, same_sound)
        }
    }
}

/// True when `short` (a name written as a single word) is `long`'s acronym or initials.
fn is_abbreviation(short: &OrganizationName, long_acronym: &str, long: &OrganizationName) -> bool {
    short
        .as_acronym
        .as_ref()
        .is_some_and(|short| *short == long_acronym || *short == long.initials)
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

/// An organisation with what its comparisons need worked out once (folded names and their
/// sounds, initials, acronym, website domain, address), so that a scan comparing it with
/// many others does not redo that work for every pair.
#[derive(Debug, Clone)]
pub struct PreparedOrganization<'a> {
    organization: &'a Organization,
    /// The display name first, then the alternative names.
    names: Vec<OrganizationName<'a>>,
    acronym: String,
    domain: Option<String>,
    address: Option<PreparedAddress<'a>>,
}

impl<'a> PreparedOrganization<'a> {
    pub fn new(organization: &'a Organization) -> Self {
        Self {
            organization,
            names: std::iter::once(&organization.display_name)
                .chain(&organization.alternative_names)
                .map(|name| OrganizationName::new(name))
                .collect(),
            acronym: compact(&organization.acronym),
            domain: website_domain(&organization.website),
            address: primary_address(&organization.addresses).map(PreparedAddress::new),
        }
    }

    fn display_name(&self) -> &OrganizationName<'a> {
        &self.names[0]
    }
}

fn name_weight(c: &NameComparison) -> f64 {
    match c.kind {
        MatchKind::Different => ORG_NAME_DIFFERENT,
        MatchKind::Abbreviation => ORG_NAME * 0.6,
        _ => ORG_NAME * ramp(c.similarity, NAME_RAMP_FLOOR),
    }
}

/// What is known of a pair of organisations before the costly comparisons: the matches of
/// the fields that are cheap to compare, and the most the whole score can be.
struct FirstLook<'a> {
    /// Acronym, website domain, emails, phones, country and postal code, in display order.
    cheap: Vec<Compared<'a>>,
    at_most: f64,
}

fn first_look<'a>(a: &'a PreparedOrganization, b: &'a PreparedOrganization) -> FirstLook<'a> {
    let (oa, ob) = (a.organization, b.organization);
    let cheap = vec![
        compare_acronyms(a, b),
        compare_domains(a, b),
        compare_sets(
            "emails",
            oa.emails.iter().map(|e| e.address.as_str()),
            ob.emails.iter().map(|e| e.address.as_str()),
            EMAIL_SAME,
        ),
        compare_sets(
            "phones",
            oa.phones.iter().map(|p| p.e164.as_str()),
            ob.phones.iter().map(|p| p.e164.as_str()),
            PHONE_SAME,
        ),
        compare_countries(
            &oa.country_code,
            &ob.country_code,
            ORG_COUNTRY_SAME,
            ORG_COUNTRY_DIFFERENT,
        ),
        compare_postal_codes(a.address.as_ref(), b.address.as_ref()),
    ];
    // The best name pair earns the name's weight; the edit similarity can raise an open
    // comparison's similarity no higher than the bound of its length difference.
    let mut name_at_most = f64::NEG_INFINITY;
    for name_a in &a.names {
        for name_b in &b.names {
            let weight = match check_organization_names(name_a, &a.acronym, name_b, &b.acronym) {
                NameCheck::Settled(c) => name_weight(&c),
                NameCheck::Open {
                    by_words,
                    same_sound,
                } => {
                    let at_most =
                        by_words.max(whole_similarity_at_most(&name_a.tokens, &name_b.tokens));
                    name_weight(&open_name_comparison(at_most, same_sound))
                }
            };
            // The name's weight is that of the display names or of a better pair.
            name_at_most = name_at_most.max(weight);
        }
    }
    let line_at_most = address_line_at_most(a.address.as_ref(), b.address.as_ref());
    let at_most = cheap.iter().map(|m| m.weight).sum::<f64>() + name_at_most + line_at_most;
    FirstLook { cheap, at_most }
}

/// Scores a pair of organisations from their names, acronyms, website domains, emails,
/// phones, countries and primary addresses.
pub fn score_organizations(a: &Organization, b: &Organization) -> Scored {
    score_prepared_organizations(&PreparedOrganization::new(a), &PreparedOrganization::new(b))
}

/// `score_organizations` of two prepared organisations.
pub fn score_prepared_organizations(a: &PreparedOrganization, b: &PreparedOrganization) -> Scored {
    let look = first_look(a, b);
    score_after_first_look(a, b, look)
}

/// `score_organizations` of two prepared organisations when it reaches `lowest`; `None`,
/// without the costly comparisons, when it certainly does not.
pub fn score_prepared_organizations_reaching(
    a: &PreparedOrganization,
    b: &PreparedOrganization,
    lowest: f64,
) -> Option<Scored> {
    let look = first_look(a, b);
    if look.at_most.clamp(0.0, 1.0) < lowest {
        return None;
    }
    let scored = score_after_first_look(a, b, look);
    (scored.score >= lowest).then_some(scored)
}

fn score_after_first_look<'a>(
    a: &'a PreparedOrganization,
    b: &'a PreparedOrganization,
    look: FirstLook<'a>,
) -> Scored {
    let mut matches = Vec::with_capacity(look.cheap.len() + 3);
    let (display_a, display_b) = (a.display_name(), b.display_name());
    let display = compare_organization_names(display_a, &a.acronym, display_b, &b.acronym);
    let display_weight = name_weight(&display);
    // The best pair involving an alternative name, when it beats the display names.
    let mut best_alternative: Option<(NameComparison, f64, &str, &str)> = None;
    for (i, name_a) in a.names.iter().enumerate() {
        for (j, name_b) in b.names.iter().enumerate() {
            if i == 0 && j == 0 {
                continue;
            }
            let c = compare_organization_names(name_a, &a.acronym, name_b, &b.acronym);
            let w = name_weight(&c);
            if best_alternative
                .as_ref()
                .is_none_or(|(_, bw, _, _)| w > *bw)
            {
                best_alternative = Some((c, w, name_a.written, name_b.written));
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
                display_a.written,
                display_b.written,
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
                display_a.written,
                display_b.written,
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
    matches.extend(look.cheap);
    matches.push(compare_address_lines(
        a.address.as_ref(),
        b.address.as_ref(),
    ));
    finish(matches)
}

fn compare_acronyms<'a>(a: &'a PreparedOrganization, b: &'a PreparedOrganization) -> Compared<'a> {
    let (acr_a, acr_b) = (&a.acronym, &b.acronym);
    let (written_a, written_b) = (&a.organization.acronym, &b.organization.acronym);
    let (shown_a, shown_b) = (written_a.as_str(), written_b.as_str());
    match (acr_a.is_empty(), acr_b.is_empty()) {
        (false, false) if written_a == written_b => field_match(
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
            strsim::jaro_winkler(acr_a, acr_b),
            ORG_ACRONYM_DIFFERENT,
            shown_a,
            shown_b,
        ),
        // One side has an acronym: compare it with the other's initials.
        (false, true) if *acr_a == b.display_name().initials => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            shown_a,
            b.organization.display_name.as_str(),
        ),
        (true, false) if *acr_b == a.display_name().initials => field_match(
            "acronym",
            MatchKind::Abbreviation,
            0.9,
            ORG_ACRONYM_SAME,
            a.organization.display_name.as_str(),
            shown_b,
        ),
        _ => missing("acronym", shown_a, shown_b),
    }
}

fn compare_domains<'a>(a: &'a PreparedOrganization, b: &'a PreparedOrganization) -> Compared<'a> {
    match (&a.domain, &b.domain) {
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
            let similarity = strsim::jaro_winkler(da, db);
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
            da.as_deref().unwrap_or_default(),
            db.as_deref().unwrap_or_default(),
        ),
    }
}

fn compare_sets<'x>(
    field: &'static str,
    a: impl Iterator<Item = &'x str>,
    b: impl Iterator<Item = &'x str>,
    weight: f64,
) -> Compared<'x> {
    let a: Vec<&str> = a.filter(|v| !v.is_empty()).collect();
    let b: Vec<&str> = b.filter(|v| !v.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return missing(field, shown_list(&a), shown_list(&b));
    }
    match a.iter().find(|v| b.contains(v)) {
        Some(shared) => field_match(field, MatchKind::Exact, 1.0, weight, *shared, *shared),
        None => field_match(
            field,
            MatchKind::Different,
            0.0,
            CONTACT_DIFFERENT,
            shown_list(&a),
            shown_list(&b),
        ),
    }
}

fn compare_countries<'a>(a: &'a str, b: &'a str, same: f64, different: f64) -> Compared<'a> {
    if a.is_empty() || b.is_empty() {
        missing("country_code", a, b)
    } else if a == b {
        field_match("country_code", MatchKind::Exact, 1.0, same, a, b)
    } else {
        field_match("country_code", MatchKind::Different, 0.0, different, a, b)
    }
}

/// A primary postal address with its postal code compacted and its street lines and
/// locality folded into words.
#[derive(Debug, Clone)]
struct PreparedAddress<'a> {
    address: &'a PostalAddress,
    postal_code: String,
    line: String,
    folded: String,
    words: Words,
}

impl<'a> PreparedAddress<'a> {
    fn new(address: &'a PostalAddress) -> Self {
        let mut parts = address.address_lines.clone();
        if !address.locality.is_empty() {
            parts.push(address.locality.clone());
        }
        let line = parts.join(", ");
        Self {
            address,
            postal_code: compact_postal_code(&address.postal_code),
            folded: fold(&line),
            words: Words::new(words(&line)),
            line,
        }
    }
}

/// Compares the postal codes of the primary addresses, with the country.
fn compare_postal_codes<'a>(
    a: Option<&'a PreparedAddress>,
    b: Option<&'a PreparedAddress>,
) -> Compared<'a> {
    let (Some(pa), Some(pb)) = (a, b) else {
        let shown =
            |x: Option<&'a PreparedAddress>| x.map_or("", |p| p.address.postal_code.as_str());
        return missing("postal_code", shown(a), shown(b));
    };
    let (written_a, written_b) = (&pa.address.postal_code, &pb.address.postal_code);
    if pa.postal_code.is_empty() || pb.postal_code.is_empty() {
        missing("postal_code", written_a.as_str(), written_b.as_str())
    } else if pa.postal_code == pb.postal_code && pa.address.country_code == pb.address.country_code
    {
        let kind = if written_a == written_b {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match(
            "postal_code",
            kind,
            1.0,
            POSTAL_SAME,
            written_a.as_str(),
            written_b.as_str(),
        )
    } else {
        field_match(
            "postal_code",
            MatchKind::Different,
            0.0,
            POSTAL_DIFFERENT,
            written_a.as_str(),
            written_b.as_str(),
        )
    }
}

/// Compares the street lines and locality of the primary addresses.
fn compare_address_lines<'a>(
    a: Option<&'a PreparedAddress>,
    b: Option<&'a PreparedAddress>,
) -> Compared<'a> {
    let (Some(pa), Some(pb)) = (a, b) else {
        return missing("addresses", "", "");
    };
    let (line_a, line_b) = (pa.line.as_str(), pb.line.as_str());
    if pa.folded.is_empty() || pb.folded.is_empty() {
        missing("addresses", line_a, line_b)
    } else if pa.folded == pb.folded {
        let kind = if line_a == line_b {
            MatchKind::Exact
        } else {
            MatchKind::Normalized
        };
        field_match("addresses", kind, 1.0, ADDRESS_SAME, line_a, line_b)
    } else {
        let similarity = name_similarity(&pa.words, &pb.words);
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
    }
}

/// The most `compare_address_lines` can weigh, without comparing the lines word by word.
fn address_line_at_most(a: Option<&PreparedAddress>, b: Option<&PreparedAddress>) -> f64 {
    match (a, b) {
        (Some(pa), Some(pb)) if !pa.folded.is_empty() && !pb.folded.is_empty() => ADDRESS_SAME,
        _ => 0.0,
    }
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

/// A given or family name with its words and their sound.
#[derive(Debug, Clone)]
struct NamePart<'a> {
    written: &'a str,
    words: Words,
    sound: String,
}

impl<'a> NamePart<'a> {
    fn new(written: &'a str) -> Self {
        let words = words(written);
        Self {
            written,
            sound: phonetic(&words),
            words: Words::new(words),
        }
    }
}

/// A person with what the comparisons need worked out once (name words and sounds, primary
/// address), so that a scan comparing them with many others does not redo it for every pair.
#[derive(Debug, Clone)]
pub struct PreparedPerson<'a> {
    person: &'a Person,
    given: NamePart<'a>,
    family: NamePart<'a>,
    address: Option<PreparedAddress<'a>>,
}

impl<'a> PreparedPerson<'a> {
    pub fn new(person: &'a Person) -> Self {
        Self {
            person,
            given: NamePart::new(&person.given_name),
            family: NamePart::new(&person.family_name),
            address: primary_address(&person.addresses).map(PreparedAddress::new),
        }
    }
}

/// How one name part compares with another.
fn compare_name_part(a: &NamePart, b: &NamePart) -> (MatchKind, f64) {
    if a.written == b.written {
        return (MatchKind::Exact, 1.0);
    }
    let (wa, wb) = (&a.words.words, &b.words.words);
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
    if initial_of(wa, wb) || initial_of(wb, wa) {
        return (MatchKind::Abbreviation, 0.8);
    }
    let similarity = name_similarity(&a.words, &b.words);
    // Short names of unlike spelling often share a code ("Yui" and "Aoi", "Ren" and
    // "Rin"): a shared sound counts only for names that are spelt alike as well.
    if !a.sound.is_empty() && a.sound == b.sound && similarity >= FUZZY_FLOOR {
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
fn compare_person_names<'a>(a: &'a PreparedPerson, b: &'a PreparedPerson) -> Vec<Compared<'a>> {
    let part = |x: &NamePart, y: &NamePart, full: f64| -> (MatchKind, f64, f64) {
        if x.written.is_empty() || y.written.is_empty() {
            (MatchKind::Missing, 0.0, 0.0)
        } else {
            let (kind, similarity) = compare_name_part(x, y);
            (kind, similarity, name_part_weight(kind, similarity, full))
        }
    };
    let given = part(&a.given, &b.given, GIVEN_NAME);
    let family = part(&a.family, &b.family, FAMILY_NAME);
    let straight = given.2 + family.2;

    let crossed_given = part(&a.given, &b.family, GIVEN_NAME);
    let crossed_family = part(&a.family, &b.given, FAMILY_NAME);
    let both_present =
        |x: &PreparedPerson| !x.given.written.is_empty() && !x.family.written.is_empty();
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
                a.given.written,
                b.given.written,
            ),
            field_match(
                "family_name",
                MatchKind::Swapped,
                crossed_family.1,
                crossed_family.2 * SWAPPED_FACTOR,
                a.family.written,
                b.family.written,
            ),
        ];
    }
    vec![
        field_match(
            "given_name",
            given.0,
            given.1,
            given.2,
            a.given.written,
            b.given.written,
        ),
        field_match(
            "family_name",
            family.0,
            family.1,
            family.2,
            a.family.written,
            b.family.written,
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

fn compare_birth_dates(a: Option<&Date>, b: Option<&Date>, reveal: bool) -> Compared<'static> {
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
    score_prepared_people(
        &PreparedPerson::new(a),
        &PreparedPerson::new(b),
        reveal_birth_dates,
    )
}

/// `score_people` of two prepared people.
pub fn score_prepared_people(
    prepared_a: &PreparedPerson,
    prepared_b: &PreparedPerson,
    reveal_birth_dates: bool,
) -> Scored {
    let (a, b) = (prepared_a.person, prepared_b.person);
    let mut matches = compare_person_names(prepared_a, prepared_b);
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
    let (address_a, address_b) = (prepared_a.address.as_ref(), prepared_b.address.as_ref());
    matches.push(compare_postal_codes(address_a, address_b));
    matches.push(compare_address_lines(address_a, address_b));
    let (org_a, org_b) = (&a.primary_organization, &b.primary_organization);
    matches.push(if org_a.is_empty() || org_b.is_empty() {
        missing("primary_organization", org_a, org_b)
    } else if org_a == org_b {
        field_match(
            "primary_organization",
            MatchKind::Exact,
            1.0,
            ORGANIZATION_SAME,
            org_a,
            org_b,
        )
    } else {
        field_match(
            "primary_organization",
            MatchKind::Different,
            0.0,
            ORGANIZATION_DIFFERENT,
            org_a,
            org_b,
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
    fn the_bound_of_the_edit_similarity_is_never_below_it() {
        let words = |text: &str| Words::new(words(text));
        for (a, b) in [
            ("ninos del sur", "ninos del sud"),
            ("greenpeace", "green peace"),
            ("abcd", "badc"),
            ("red juvenil lope", "red juvenil mira"),
            ("oxfam", "oxfam international"),
            ("calle 12", "calle 21"),
            ("", "sur"),
            ("", ""),
        ] {
            let (a, b) = (words(a), words(b));
            let exact = strsim::normalized_damerau_levenshtein(&a.joined, &b.joined);
            let bound = whole_similarity_at_most(&a, &b);
            assert!(bound >= exact, "{a:?} {b:?}: {bound} < {exact}");
        }
        // Names of other letters are bounded well below 1, so the edit distance is skipped.
        let bound =
            whole_similarity_at_most(&words("red juvenil lope"), &words("red juvenil mira"));
        assert!(bound < 0.8, "{bound}");
    }

    #[test]
    fn a_pair_found_below_the_lowest_score_early_is_below_it() {
        let mut with_email = org("Red Juvenil del Pacífico", "MX");
        with_email.emails = vec![EmailAddress {
            address: "contacto@rjp.org".to_string(),
            ..Default::default()
        }];
        let mut with_address = org("Red Juvenil Lope", "MX");
        with_address.addresses = vec![PostalAddress {
            address_lines: vec!["Calle Luna 12".to_string()],
            postal_code: "06700".to_string(),
            country_code: "MX".to_string(),
            ..Default::default()
        }];
        let records = [
            with_email.clone(),
            with_address.clone(),
            org("Red Juvenil Mira", "MX"),
            org("Red Juvenil Lopa", "MX"),
            org("Red Juvenil Lope", "AR"),
            org("RJP", "MX"),
            org("Green Peace", "MX"),
            org("Greenpeace", "MX"),
            Organization {
                alternative_names: vec!["Red Juvenil Lope".to_string()],
                ..org("Colectivo Caminos", "MX")
            },
            Organization {
                emails: with_email.emails.clone(),
                ..org("Pacific Youth Network", "")
            },
        ];
        let prepared: Vec<PreparedOrganization> =
            records.iter().map(PreparedOrganization::new).collect();
        let (mut kept, mut dropped) = (0, 0);
        for a in &prepared {
            for b in &prepared {
                let full = score_prepared_organizations(a, b);
                let lowest = bands().possible;
                let early = score_prepared_organizations_reaching(a, b, lowest);
                if full.score >= lowest {
                    assert_eq!(early.as_ref(), Some(&full));
                    kept += 1;
                } else {
                    assert_eq!(early, None, "{full:?}");
                    dropped += 1;
                }
            }
        }
        assert!(kept > 0 && dropped > 0);
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
