//! Python's `shlex.split` (POSIX mode), which `command` uses to turn its
//! free-form string into argv; and the quoting that makes `/bin/sh` run
//! that argv unchanged but for `$VAR` and `~` expansion, as Ansible's
//! `expand_argument_vars` does.

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

/// Quote one argv word for `/bin/sh` keeping `$NAME`, `${NAME}` and a
/// leading `~`/`~user` expandable and everything else literal.
pub fn quote_expanding(word: &str) -> String {
    if !word.contains('$') && !word.starts_with('~') {
        return srplay_engine::shell::quote(word);
    }
    let (tilde, rest) = split_tilde(word);
    let mut out = String::from(tilde);
    if rest.is_empty() {
        return if out.is_empty() { "''".into() } else { out };
    }
    out.push('"');
    let b: Vec<char> = rest.chars().collect();
    let ident = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // Python's expandvars leaves unset variables as written: `${N-…}`
        // falls back to the literal text when N is unset.
        if c == '$'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_')
        {
            let end = b[i + 1..]
                .iter()
                .position(|c| !ident(c))
                .map_or(b.len(), |p| p + i + 1);
            let name: String = b[i + 1..end].iter().collect();
            out.push_str(&format!("${{{name}-\\${name}}}"));
            i = end;
            continue;
        }
        if c == '$' && b.get(i + 1) == Some(&'{') {
            let close = b[i..].iter().position(|&x| x == '}').map(|p| p + i);
            if let Some(e) = close.filter(|&e| e > i + 2 && b[i + 2..e].iter().all(ident)) {
                let name: String = b[i + 2..e].iter().collect();
                out.push_str(&format!("${{{name}-\\${{{name}\\}}}}"));
                i = e + 1;
                continue;
            }
        }
        if matches!(c, '$' | '`' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out.push('"');
    out
}

fn split_tilde(word: &str) -> (&str, &str) {
    if !word.starts_with('~') {
        return ("", word);
    }
    let end = word.find('/').unwrap_or(word.len());
    let user = &word[1..end];
    // The slash stays unquoted too: a quoted char in the tilde prefix
    // would turn expansion off.
    let end = (end + 1).min(word.len());
    if user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        (&word[..end], &word[end..])
    } else {
        ("", word)
    }
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

    #[test]
    fn quote_expanding_runs_through_sh() {
        let cases = [
            ("plain", "plain"),
            ("$SRPLAY_T", "v a"),
            ("${SRPLAY_T}x", "v ax"),
            ("$(id)", "$(id)"),
            ("`id`", "`id`"),
            ("a\"b", "a\"b"),
            ("~/x", "/home/t/x"),
            ("~", "/home/t"),
            ("", ""),
            ("${a b}", "${a b}"),
            ("50$", "50$"),
            ("$SRPLAY_UNSET_X/y", "$SRPLAY_UNSET_X/y"),
            ("${SRPLAY_UNSET_X}", "${SRPLAY_UNSET_X}"),
            ("$SRPLAY_EMPTY", ""),
        ];
        for (word, want) in cases {
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(format!("printf '%s' {}", quote_expanding(word)))
                .env("SRPLAY_T", "v a")
                .env("SRPLAY_EMPTY", "")
                .env("HOME", "/home/t")
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{word}");
        }
    }
}
