//! "did you mean …?" hints for misspelled names.

/// The candidate closest to `word`, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_table() {
        let names = ["lineinfile", "blockinfile", "file", "copy", "command"];
        let cases = [
            ("linenfile", Some("lineinfile")),
            ("lineinfle", Some("lineinfile")),
            ("cpoy", Some("copy")),
            ("comand", Some("command")),
            ("xyz", None),
        ];
        for (word, want) in cases {
            assert_eq!(super::closest(word, names).as_deref(), want, "{word}");
        }
    }
}
