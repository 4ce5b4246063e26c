//! Python's `shlex.split` (POSIX mode), which `command` and `script` use
//! to turn their free-form string into argv.

/// Split like `shlex.split(s)`; `None` on an unclosed quote.
pub fn split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => cur.push(c),
                            '\n' => {}
                            c => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => cur.push(c),
                    None => return None,
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_table() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("echo hi", Some(&["echo", "hi"])),
            ("  a   b  ", Some(&["a", "b"])),
            ("echo 'a b' \"c d\"", Some(&["echo", "a b", "c d"])),
            (r#"echo "a\"b" a\ b"#, Some(&["echo", "a\"b", "a b"])),
            ("echo ''", Some(&["echo", ""])),
            ("x'y'z", Some(&["xyz"])),
            ("echo 'open", None),
        ];
        for (input, want) in cases {
            let got = split(input);
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, want, "{input}");
        }
    }
}
