//! What a SQL statement is, read from its text: one statement or several,
//! and whether it only reads (so it reports `changed=false` and runs in
//! check mode).

/// The words of `sql` outside comments, quotes and identifiers, upper-cased,
/// plus whether a `;` separates two non-empty statements.
struct Scan {
    words: Vec<String>,
    statements: usize,
}

fn scan(sql: &str) -> Scan {
    let b = sql.as_bytes();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut statements = 0usize;
    let mut current_has_text = false;
    let mut i = 0;
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word).to_ascii_uppercase());
        }
    };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            b'-' if next == Some(b'-') => {
                flush(&mut word, &mut words);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                flush(&mut word, &mut words);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if next == Some(b'*') => {
                flush(&mut word, &mut words);
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'\'' | b'"' | b'`' => {
                flush(&mut word, &mut words);
                current_has_text = true;
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' && c != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b';' => {
                flush(&mut word, &mut words);
                if current_has_text {
                    statements += 1;
                }
                current_has_text = false;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                word.push(c as char);
                current_has_text = true;
            }
            c if c.is_ascii_whitespace() => flush(&mut word, &mut words),
            _ => {
                flush(&mut word, &mut words);
                current_has_text = true;
            }
        }
        i += 1;
    }
    flush(&mut word, &mut words);
    if current_has_text {
        statements += 1;
    }
    Scan { words, statements }
}

/// How many statements the text holds (a trailing `;` adds none).
pub fn statement_count(sql: &str) -> usize {
    scan(sql).statements
}

/// Statements that never change anything: SELECT (without INTO OUTFILE),
/// SHOW, DESC/DESCRIBE, EXPLAIN, HELP, USE, `ADMIN SHOW …`, and WITH …
/// SELECT. Everything else (DDL, DML, SET, ALTER SYSTEM, ADMIN SET…) is
/// treated as a change.
pub fn is_read_only(sql: &str) -> bool {
    let words = scan(sql).words;
    let has = |w: &str| words.iter().any(|x| x == w);
    match words.first().map(String::as_str) {
        Some("SELECT") => !(has("INTO") && (has("OUTFILE") || has("DUMPFILE"))),
        Some("SHOW" | "DESC" | "DESCRIBE" | "EXPLAIN" | "HELP" | "USE") => true,
        Some("ADMIN") => words.get(1).is_some_and(|w| w == "SHOW"),
        Some("WITH") => !["INSERT", "UPDATE", "DELETE", "REPLACE", "OUTFILE"]
            .iter()
            .any(|w| has(w)),
        _ => false,
    }
}

/// Statements after which the session differs from a fresh one (another
/// database, variables): such a connection is not handed back to the pool.
pub fn changes_session(sql: &str) -> bool {
    matches!(
        scan(sql).words.first().map(String::as_str),
        Some("USE" | "SET" | "START" | "BEGIN" | "LOCK")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_table() {
        let cases = [
            ("SELECT 1", true),
            ("  select * from t", true),
            ("/* hint */ SHOW BACKENDS", true),
            ("-- c\nSHOW FRONTENDS;", true),
            ("(SELECT 1) UNION (SELECT 2)", true),
            ("desc t", true),
            ("EXPLAIN SELECT 1", true),
            ("ADMIN SHOW FRONTEND CONFIG", true),
            ("ADMIN SET FRONTEND CONFIG (\"a\"=\"b\")", false),
            ("WITH x AS (SELECT 1) SELECT * FROM x", true),
            ("WITH x AS (SELECT 1) DELETE FROM t", false),
            ("SELECT * FROM t INTO OUTFILE '/tmp/x'", false),
            ("SELECT 'INTO OUTFILE'", true),
            ("ALTER SYSTEM ADD BACKEND \"h:9050\"", false),
            ("INSERT INTO t VALUES (1)", false),
            ("CREATE TABLE t (a int)", false),
            ("SET GLOBAL x = 1", false),
            ("", false),
        ];
        for (sql, want) in cases {
            assert_eq!(is_read_only(sql), want, "{sql}");
        }
    }

    #[test]
    fn statement_counts() {
        let cases = [
            ("SELECT 1", 1),
            ("SELECT 1;", 1),
            ("SELECT 1; ", 1),
            ("SELECT 1; DROP TABLE t", 2),
            ("SELECT ';' ; ", 1),
            ("SELECT 1 -- ; x\n", 1),
            ("SELECT `a;b` FROM t", 1),
            ("SELECT 'it\\'s; here'", 1),
            (";;", 0),
        ];
        for (sql, want) in cases {
            assert_eq!(statement_count(sql), want, "{sql}");
        }
    }
}
