//! A task's name as its banner shows it: ansible-core 2.19 templates the
//! name with the first host's variables; an expression that fails is
//! replaced by `<< error N - message >>` and the rest still renders.

use crate::template::{check_syntax, render_text, LazyVars};
use std::sync::Arc;

/// Render `name`; never fails.
pub fn render_name(name: &str, vars: &Arc<LazyVars>) -> String {
    if !name.contains("{{") && !name.contains("{%") {
        return name.to_string();
    }
    if let Err(e) = check_syntax(name, false) {
        return format!("<< error 1 - Syntax error in template: {e} >>");
    }
    if let Ok(s) = render_text(name, vars) {
        return s;
    }
    let mut out = String::new();
    let mut errors = 0;
    for seg in segments(name) {
        match seg {
            Segment::Text(t) => out.push_str(t),
            Segment::Expr(e) => match render_text(e, vars) {
                Ok(s) => out.push_str(&s),
                Err(err) => {
                    errors += 1;
                    out.push_str(&format!("<< error {errors} - {} >>", bare(&err.msg)));
                }
            },
        }
    }
    out
}

/// The message without srplay's ``(in `{{ expr }}`)`` suffix, as
/// ansible-core words it where it shows the location itself.
pub(super) fn bare(msg: &str) -> &str {
    match msg.rfind(" (in `") {
        Some(i) if msg.ends_with("`)") => &msg[..i],
        _ => msg,
    }
}

enum Segment<'a> {
    Text(&'a str),
    Expr(&'a str),
}

/// Literal text and `{{ … }}` expressions, in order.
fn segments(s: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        if start > 0 {
            out.push(Segment::Text(&rest[..start]));
        }
        out.push(Segment::Expr(&rest[start..start + len + 2]));
        rest = &rest[start + len + 2..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_table() {
        assert_eq!(bare("'x' is undefined (in `{{ x }}`)"), "'x' is undefined");
        assert_eq!(bare("'x' is undefined"), "'x' is undefined");
    }

    #[test]
    fn segments_table() {
        let cases = [
            ("a {{ x }} b", vec!["a ", "{{ x }}", " b"]),
            ("{{ x }}{{ y }}", vec!["{{ x }}", "{{ y }}"]),
            ("plain", vec!["plain"]),
        ];
        for (input, want) in cases {
            let got: Vec<&str> = segments(input)
                .into_iter()
                .map(|s| match s {
                    Segment::Text(t) | Segment::Expr(t) => t,
                })
                .collect();
            assert_eq!(got, want, "{input}");
        }
    }
}
