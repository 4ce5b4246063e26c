//! Tokens of the small SQL subset the simulator understands.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Identifier or keyword (backquoted identifiers too).
    Word(String),
    Str(String),
    Num(String),
    /// `@@name`, `@@session.name`, `@@global.name`.
    SysVar(String),
    /// `@name`.
    UserVar(String),
    Sym(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offset in the statement.
    pub pos: usize,
    /// The source text of the token.
    pub text: String,
}

impl Token {
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
            && !self.text.starts_with('`')
    }
}

/// Split `sql` into tokens. `Err(pos)` points at a character that cannot
/// start a token (an unterminated string, a stray byte).
pub fn lex(sql: &str) -> Result<Vec<Token>, usize> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '-' && b.get(i + 1) == Some(&b'-') || c == '#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        let tok = if c == '\'' || c == '"' || c == '`' {
            let mut s = String::new();
            i += 1;
            loop {
                if i >= b.len() {
                    return Err(start);
                }
                let ch = b[i] as char;
                if ch == '\\' && c != '`' && i + 1 < b.len() {
                    s.push(match b[i + 1] {
                        b'n' => '\n',
                        b't' => '\t',
                        b'0' => '\0',
                        o => o as char,
                    });
                    i += 2;
                    continue;
                }
                if ch == c {
                    if b.get(i + 1) == Some(&(c as u8)) {
                        s.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                // keep multi-byte UTF-8 intact
                let ch_len = utf8_len(b[i]);
                s.push_str(&sql[i..i + ch_len]);
                i += ch_len;
            }
            if c == '`' {
                Tok::Word(s)
            } else {
                Tok::Str(s)
            }
        } else if c == '@' {
            let sys = b.get(i + 1) == Some(&b'@');
            i += if sys { 2 } else { 1 };
            let s0 = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            let name = sql[s0..i].to_string();
            if sys {
                Tok::SysVar(name)
            } else {
                Tok::UserVar(name)
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            Tok::Num(sql[start..i].to_string())
        } else if c.is_ascii_alphabetic() || c == '_' || b[i] >= 0x80 {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            Tok::Word(sql[start..i].to_string())
        } else {
            let two = sql.get(i..i + 2).unwrap_or("");
            if ["<=", ">=", "!=", "<>", ":="].contains(&two) {
                i += 2;
                Tok::Sym(two.into())
            } else if "(),;=*.+-/<>%".contains(c) {
                i += 1;
                Tok::Sym(c.to_string())
            } else {
                return Err(start);
            }
        };
        out.push(Token {
            tok,
            pos: start,
            text: sql[start..i].to_string(),
        });
    }
    Ok(out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
