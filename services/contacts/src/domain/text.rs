//! Text as the register compares it: trimmed, case-folded and without accents.

/// Folds `text` for comparison and search: accents and other marks removed (transliterated
/// to ASCII), lower case, runs of white space and punctuation collapsed to one space.
/// "Asociación  Niños del Sur" folds to "asociacion ninos del sur".
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut folded = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() || c == '@' || c == '.' || c == '+' {
            if pending_space && !folded.is_empty() {
                folded.push(' ');
            }
            pending_space = false;
            folded.push(c.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    }
    folded
}

/// The number of Unicode code points in `text`, which is how the contract counts limits.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_spacing() {
        assert_eq!(
            fold("  Asociación  Niños del Sur "),
            "asociacion ninos del sur"
        );
        assert_eq!(fold("Ärzte-ohne_Grenzen"), "arzte ohne grenzen");
        assert_eq!(fold("Info@Example.ORG"), "info@example.org");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn counts_code_points_not_bytes() {
        assert_eq!(char_len("Niños"), 5);
    }
}
