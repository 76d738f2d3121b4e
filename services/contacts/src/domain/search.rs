//! Ranking of search hits: how well folded query words match a record's fields.
//!
//! The database finds candidates (trigram similarity); this ranks them the same way on
//! both databases. Each query word scores its best Jaro-Winkler similarity against the
//! words of a field; a field matches when every query word scores at least
//! [`WORD_MATCH`]; relevance is the mean word score over the whole record, with a bonus for
//! a match on the name.

use super::text::fold;

/// Lowest similarity at which a query word counts as found in a word of the text.
pub const WORD_MATCH: f64 = 0.85;

/// Bonus when the query matches the record's name (display name or acronym).
const NAME_BONUS: f64 = 0.5;

fn word_score(query_word: &str, text_words: &[&str]) -> f64 {
    text_words
        .iter()
        .map(|w| {
            if w.starts_with(query_word) {
                // A prefix ("asoc" of "asociacion") is as good as the word itself.
                1.0
            } else {
                strsim::jaro_winkler(query_word, w)
            }
        })
        .fold(0.0, f64::max)
}

/// How well `folded_query` matches `text`: per query word, its best score, averaged.
pub fn similarity(folded_query: &str, text: &str) -> f64 {
    let folded = fold(text);
    let text_words: Vec<&str> = folded.split_whitespace().collect();
    let query_words: Vec<&str> = folded_query.split_whitespace().collect();
    if query_words.is_empty() || text_words.is_empty() {
        return 0.0;
    }
    query_words
        .iter()
        .map(|q| word_score(q, &text_words))
        .sum::<f64>()
        / query_words.len() as f64
}

/// A record's searched fields: (field name, text, whether it names the record).
pub type SearchedFields = Vec<(&'static str, String, bool)>;

/// The relevance of a record to a query and the fields where the query matched.
pub fn rank(folded_query: &str, fields: &SearchedFields) -> (f64, Vec<&'static str>) {
    let mut matched = Vec::new();
    let mut best: f64 = 0.0;
    let mut name_matched = false;
    for (field, text, names_record) in fields {
        let score = similarity(folded_query, text);
        if score >= WORD_MATCH {
            if !matched.contains(field) {
                matched.push(*field);
            }
            name_matched |= *names_record;
        }
        best = best.max(score);
    }
    let all_text = fields
        .iter()
        .map(|(_, t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let overall = similarity(folded_query, &all_text).max(best);
    let relevance = overall + if name_matched { NAME_BONUS } else { 0.0 };
    (relevance, matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: &str, acronym: &str) -> SearchedFields {
        vec![
            ("display_name", name.to_owned(), true),
            ("acronym", acronym.to_owned(), true),
            ("description", "Works on youth rights".to_owned(), false),
        ]
    }

    #[test]
    fn finds_a_name_without_its_accents() {
        let (relevance, matched) = rank(
            &fold("asociacion ninos"),
            &fields("Asociación Niños del Sur", "ANS"),
        );
        assert!(relevance > 1.0, "{relevance}");
        assert_eq!(matched, vec!["display_name"]);
    }

    #[test]
    fn tolerates_a_typo_and_ranks_the_closer_name_first() {
        let query = fold("asociasion ninos");
        let close = rank(&query, &fields("Asociación Niños del Sur", "ANS")).0;
        let far = rank(&query, &fields("Fundación Mar Azul", "FMA")).0;
        assert!(close > far, "{close} vs {far}");
        assert!(close >= WORD_MATCH);
    }

    #[test]
    fn matches_an_acronym_and_free_text() {
        let (_, matched) = rank("ans", &fields("Asociación Niños del Sur", "ANS"));
        assert_eq!(matched, vec!["acronym"]);
        let (_, matched) = rank("youth", &fields("Asociación Niños del Sur", "ANS"));
        assert_eq!(matched, vec!["description"]);
    }
}
