//! Templating: minijinja configured to behave like Ansible's Jinja2.
//!
//! - Undefined values: `Chainable` (so `a.b is defined` and `a.b | default`
//!   work) plus a formatter that refuses to print an undefined value, which
//!   together match Ansible (see DEPENDENCIES.md §2).
//! - Native types: a string that is exactly one `{{ expr }}` evaluates to
//!   the expression's own type (`"{{ 3 }}"` is an int), as ansible-core 2.19
//!   does; anything else renders to a string.
//! - Ansible's filters and tests are registered by [`filters::register`].

pub mod filters;
mod lazy;
mod lookup;
mod overrides;
mod syntax;
mod templar;

pub use lazy::{contains_template, LazyVars, VarMap, VarValue};
pub use syntax::TemplateSyntax;
pub use templar::{
    all_conditions, check_syntax, condition, condition_expression, environment, expression,
    render_str, render_text, render_text_with, render_value_in, template, TemplateError,
};

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::Value;

/// A fresh environment with Ansible semantics and every Ansible filter.
pub fn new_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_debug(true);
    // Ansible's Templar: trim_blocks on, trailing newlines preserved.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
    minijinja_contrib::add_to_environment(&mut env);
    env.set_unknown_method_callback(filters::unknown_method);
    // Also installs the formatter: Python-style printing of values, and an
    // error instead of printing an undefined one.
    filters::register(&mut env);
    env
}

/// If `s` is exactly one `{{ expression }}` (surrounding blanks allowed),
/// the expression text. Brackets and quotes are respected, so
/// `{{ {'a': {'b': 1}} }}` is one expression.
pub fn lone_expression(s: &str) -> Option<&str> {
    // Text around the braces, even a newline, makes it a string (Jinja's
    // native concat sees more than one node), as in ansible-core.
    if s.trim() != s {
        return None;
    }
    filters::lone_expression(s)
}

/// [`filters::raw_string_literals`] for a bare expression (`a | f('\\d')`),
/// which has no `{{ }}` around it to mark where literals are.
pub fn raw_expression_literals(expr: &str) -> String {
    bare_expression_source(expr, true)
}

/// The pre-pass for a conditional (`when`, `assert`'s `that`,
/// `failed_when`…): ansible-core evaluates it as a Jinja expression, not
/// as a template written in YAML, so its string literals decode escapes
/// as Jinja does (`'a\\1'` is `a` and U+0001, `'\\\\z'` is `\z`),
/// checked against the oracle.
pub fn conditional_expression_literals(expr: &str) -> String {
    bare_expression_source(expr, false)
}

/// The source pre-pass for a bare expression, which has no `{{ }}` around
/// it to mark where literals are: wrap, rewrite, unwrap.
fn bare_expression_source(expr: &str, raw_backslashes: bool) -> String {
    if !filters::needs_rewrite(expr) {
        return expr.to_string();
    }
    let wrapped = format!("{{{{ {expr} }}}}");
    let text = filters::template_source(&wrapped, &filters::Delimiters::default(), raw_backslashes);
    text[3..text.len() - 3].to_string()
}

/// Does `s` contain template syntax at all? Plain strings skip the engine.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// Render one string value with Ansible's rules: a lone expression keeps
/// its native type, other templates become strings, plain text is as is.
pub fn render_native(env: &Environment<'_>, s: &str, ctx: &JValue) -> Result<Value, Error> {
    if !is_template(s) {
        return Ok(Value::String(s.to_string()));
    }
    if let Some(expr) = lone_expression(s) {
        let expr = raw_expression_literals(expr);
        let compiled = env.compile_expression(&expr)?;
        let v = compiled.eval(ctx)?;
        if v.is_undefined() {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                format!("'{expr}' is undefined"),
            ));
        }
        return to_json(&v);
    }
    env.render_str(&filters::raw_string_literals(s), ctx)
        .map(Value::String)
}

/// Convert a minijinja value into JSON (the engine's variable type).
pub fn to_json(v: &JValue) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn native_types_table() {
        let env = new_environment();
        let ctx = JValue::from(minijinja::value::Serde(
            json!({"n": 3, "items": [1, 2], "name": "fe1"}),
        ));
        let cases = [
            ("{{ 3 }}", json!(3)),
            ("{{ n + 1 }}", json!(4)),
            ("{{ items }}", json!([1, 2])),
            (" {{ name }} ", json!(" fe1 ")),
            ("{{ name }}\n", json!("fe1\n")),
            ("host={{ name }}", json!("host=fe1")),
            ("plain", json!("plain")),
            ("{{ missing | default('d') }}", json!("d")),
            ("{{ missing.x is defined }}", json!(false)),
        ];
        for (tpl, want) in cases {
            assert_eq!(render_native(&env, tpl, &ctx).unwrap(), want, "{tpl}");
        }
    }

    #[test]
    fn undefined_is_an_error_when_printed() {
        let env = new_environment();
        let ctx = JValue::from(minijinja::value::Serde(json!({})));
        for tpl in ["{{ nope }}", "x={{ nope }}", "{{ nope.x }}"] {
            assert!(render_native(&env, tpl, &ctx).is_err(), "{tpl}");
        }
    }
}
