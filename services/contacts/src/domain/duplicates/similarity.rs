//! Similarity of names and words, and the field comparisons every score is built from.

use std::borrow::Cow;

use engage_api::contacts::{FieldMatch, MatchKind};

use super::*;

/// The words of a name or an address line, and the same run together: what
/// `name_similarity` compares, worked out once per record rather than once per pair.
#[derive(Debug, Clone)]
pub(super) struct Words {
    pub(super) words: Vec<String>,
    pub(super) joined: String,
    /// Letters of `joined`, as the edit similarity counts them.
    pub(super) letters: usize,
    /// How often each letter and digit occurs in `joined` (anything else counted together).
    pub(super) counts: [u16; LETTER_KINDS],
}

/// The 26 letters, the 10 digits and everything else.
pub(super) const LETTER_KINDS: usize = 37;

impl Words {
    pub(super) fn new(words: Vec<String>) -> Self {
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
pub(super) fn token_similarity(a: &[String], b: &[String]) -> f64 {
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
pub(super) fn name_similarity(a: &Words, b: &Words) -> f64 {
    with_whole_similarity(a, b, word_similarity(a, b))
}

/// `name_similarity` from its `word_similarity`, `by_words`.
pub(super) fn with_whole_similarity(a: &Words, b: &Words, by_words: f64) -> f64 {
    // The edit distance is the costly part; skip it when it cannot raise the result.
    if whole_similarity_at_most(a, b) <= by_words {
        by_words
    } else {
        by_words.max(strsim::normalized_damerau_levenshtein(&a.joined, &b.joined))
    }
}

/// `name_similarity` without the edit similarity of the words run together.
pub(super) fn word_similarity(a: &Words, b: &Words) -> f64 {
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
pub(super) fn whole_similarity_at_most(a: &Words, b: &Words) -> f64 {
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
pub(super) const UNMATCHED_WORD: f64 = 0.8;

/// Similarity given to a name whose words are all in the other name.
pub(super) const CONTAINED: f64 = 0.9;

/// Maps a similarity to the share of a field's weight it earns: unrelated strings still score
/// around 0.6 with Jaro-Winkler, so only the part above `floor` counts.
pub(super) fn ramp(similarity: f64, floor: f64) -> f64 {
    ((similarity - floor) / (1.0 - floor)).clamp(0.0, 1.0)
}

/// Similarities below this are reported as DIFFERENT.
pub(super) const FUZZY_FLOOR: f64 = 0.7;

/// Where a name's share of its weight starts: a FUZZY name (0.7 and above) earns at least
/// a quarter of it, a phonetic match (0.95) most of it.
pub(super) const NAME_RAMP_FLOOR: f64 = 0.6;

/// Similarity given to names that sound the same: a spelling variant ("Jon", "John").
pub(super) const SAME_SOUND: f64 = 0.95;

/// A field comparison before it becomes a FieldMatch, its values borrowed from the records
/// where it can: a pair found below the lowest score early then costs no copies.
pub(super) struct Compared<'a> {
    pub(super) field: &'static str,
    pub(super) kind: MatchKind,
    pub(super) similarity: f64,
    pub(super) weight: f64,
    pub(super) value_a: Cow<'a, str>,
    pub(super) value_b: Cow<'a, str>,
}

/// Builds a comparison; all comparisons go through here so that rounding is uniform.
pub(super) fn field_match<'a>(
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

pub(super) fn missing<'a>(
    field: &'static str,
    value_a: impl Into<Cow<'a, str>>,
    value_b: impl Into<Cow<'a, str>>,
) -> Compared<'a> {
    field_match(field, MatchKind::Missing, 0.0, 0.0, value_a, value_b)
}

/// Values of a list as shown, "; " between them.
pub(super) fn shown_list<'a>(values: &[&'a str]) -> Cow<'a, str> {
    match values {
        [one] => Cow::Borrowed(*one),
        _ => Cow::Owned(values.join("; ")),
    }
}

/// Adds up the weights, clamps the score and orders the matches for display.
pub(super) fn finish(mut matches: Vec<Compared>) -> Scored {
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
pub(super) struct NameComparison {
    pub(super) kind: MatchKind,
    pub(super) similarity: f64,
}

/// One name of an organisation, with what its comparisons need.
#[derive(Debug, Clone)]
pub(super) struct OrganizationName<'a> {
    pub(super) written: &'a str,
    pub(super) numbers: Vec<String>,
    pub(super) tokens: Words,
    /// The name folded to letters and digits when written as one word of two or more: it may
    /// be an acronym.
    pub(super) as_acronym: Option<String>,
    pub(super) initials: String,
    pub(super) sound: String,
}

impl<'a> OrganizationName<'a> {
    pub(super) fn new(written: &'a str) -> Self {
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
pub(super) enum NameCheck {
    Settled(NameComparison),
    Open { by_words: f64, same_sound: bool },
}

/// Compares two organisation names as far as it is cheap, with the (compacted) acronyms of
/// both records for abbreviations.
pub(super) fn check_organization_names(
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
pub(super) fn open_name_comparison(similarity: f64, same_sound: bool) -> NameComparison {
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
pub(super) fn compare_organization_names(
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
pub(super) fn is_abbreviation(
    short: &OrganizationName,
    long_acronym: &str,
    long: &OrganizationName,
) -> bool {
    short
        .as_acronym
        .as_ref()
        .is_some_and(|short| *short == long_acronym || *short == long.initials)
}
