//! Split `ansible_ssh_common_args` / `ansible_ssh_extra_args` into argv
//! words the way Ansible does (Python's `shlex.split`, POSIX rules).

/// Split a command-line fragment into words: whitespace separates words,
/// single quotes are literal, double quotes allow `\"`, `\\`, `\$`, `` \` ``
/// escapes, and a backslash outside quotes escapes the next character.
pub fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
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
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated single quote in {s:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(other) => {
                                cur.push('\\');
                                cur.push(other);
                            }
                            None => return Err(format!("unterminated double quote in {s:?}")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated double quote in {s:?}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(e) => cur.push(e),
                    None => return Err(format!("trailing backslash in {s:?}")),
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
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python_shlex() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("-o Port=22", &["-o", "Port=22"]),
            (
                "-o ProxyCommand='ssh -W %h:%p bastion'",
                &["-o", "ProxyCommand=ssh -W %h:%p bastion"],
            ),
            (r#"-o "ProxyJump=a b" -v"#, &["-o", "ProxyJump=a b", "-v"]),
            (r#"a\ b "x\"y" 'it'\''s'"#, &["a b", "x\"y", "it's"]),
            (r#""\n""#, &["\\n"]),
            ("''", &[""]),
        ];
        for (input, want) in cases {
            assert_eq!(split_words(input).unwrap(), *want, "split({input:?})");
        }
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        for bad in ["'open", "\"open", "trailing\\"] {
            assert!(split_words(bad).is_err(), "{bad:?}");
        }
    }
}
