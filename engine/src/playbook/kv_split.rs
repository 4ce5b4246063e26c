//! ansible-core's `split_args`/`join_args` for the free-form part of a
//! task's arguments (`shell: |` blocks, `command: echo a \`): what they
//! keep is what `_raw_params` holds in ansible-core, so `register`ed `cmd`
//! values and argv match. A lone `\` word outside quotes continues the
//! line (dropped with its newline), newlines and runs of blanks are kept,
//! and so is a trailing newline.

/// The words of `args` as ansible-core's `split_args` makes them, or
/// `None` for unbalanced quotes or Jinja blocks (ansible-core refuses
/// those; the caller keeps the text as written).
pub(super) fn split_args(args: &str) -> Option<Vec<String>> {
    let mut s = Splitter::default();
    let items: Vec<&str> = args.split('\n').collect();
    for (itemidx, item) in items.iter().enumerate() {
        let continued = s.line(item);
        if items.len() > 1 && itemidx != items.len() - 1 && !continued {
            s.last().push('\n');
        }
    }
    let open = s.quote.is_some() || s.print > 0 || s.block > 0 || s.comment > 0;
    (!open).then_some(s.params)
}

/// ansible-core's `join_args`: words joined by one blank, none after a
/// word ending in a newline.
pub(super) fn join_args(params: &[String]) -> String {
    let mut out = String::new();
    for p in params {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

#[derive(Default)]
struct Splitter {
    params: Vec<String>,
    quote: Option<char>,
    print: usize,
    block: usize,
    comment: usize,
}

impl Splitter {
    fn last(&mut self) -> &mut String {
        if self.params.is_empty() {
            self.params.push(String::new());
        }
        self.params.last_mut().expect("just pushed")
    }

    fn in_jinja(&self) -> bool {
        self.print > 0 || self.block > 0 || self.comment > 0
    }

    /// One line's tokens; true when it ends in a line continuation.
    fn line(&mut self, item: &str) -> bool {
        let mut continued = false;
        for (idx, token) in item.split(' ').enumerate() {
            if token.is_empty() && idx != 0 {
                self.last().push(' ');
                continue;
            }
            if token == "\\" && self.quote.is_none() {
                continued = true;
                continue;
            }
            self.token(idx, token);
        }
        continued
    }

    fn token(&mut self, idx: usize, token: &str) {
        let was_inside = self.quote.is_some();
        self.quote = quote_state(token, self.quote);
        let inside = self.quote.is_some();
        let mut appended = false;
        if inside && !was_inside && !self.in_jinja() {
            self.params.push(token.to_string());
            appended = true;
        } else if self.in_jinja() || inside || was_inside {
            let last = self.last();
            if idx > 0 {
                last.push(' ');
            }
            last.push_str(token);
            appended = true;
        }
        let depths = [
            (&mut self.print, "{{", "}}"),
            (&mut self.block, "{%", "%}"),
            (&mut self.comment, "{#", "#}"),
        ];
        for (depth, open, close) in depths {
            let before = *depth;
            *depth = jinja_depth(token, before, open, close);
            if *depth != before && !appended {
                self.params.push(token.to_string());
                appended = true;
            }
        }
        if !self.in_jinja() && !inside && !appended && !token.is_empty() {
            self.params.push(token.to_string());
        }
    }
}

/// ansible-core's `_get_quote_state`: the quote still open after `token`.
fn quote_state(token: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev = None;
    for c in token.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(q) if q == c => quote = None,
                Some(_) => {}
                None => quote = Some(c),
            }
        }
        prev = Some(c);
    }
    quote
}

/// ansible-core's `_count_jinja2_blocks`.
fn jinja_depth(token: &str, depth: usize, open: &str, close: &str) -> usize {
    let (o, c) = (token.matches(open).count(), token.matches(close).count());
    if o == c {
        return depth;
    }
    (depth + o).saturating_sub(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Free-form text -> `_raw_params`, as ansible-core 2.19 gives it
    /// (checked with `register` + `cmd` on the oracle).
    #[test]
    fn raw_params_table() {
        let cases = [
            ("echo a \\\nb", "echo a b"),
            ("echo a \\ b", "echo a b"),
            (
                "echo x \\\n\"multi\nline\" \\\n| cat\necho y\n",
                "echo x \"multi\nline\" | cat\necho y\n",
            ),
            ("echo a\necho  'b c'\n", "echo a\necho  'b c'\n"),
            (
                "echo {{ a | default('x y') }}",
                "echo {{ a | default('x y') }}",
            ),
            ("ls -l /tmp", "ls -l /tmp"),
        ];
        for (input, want) in cases {
            let got = join_args(&split_args(input).expect("balanced"));
            assert_eq!(got, want, "{input:?}");
        }
        assert_eq!(split_args("echo 'open"), None);
    }
}
