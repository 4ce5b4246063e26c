//! Rendering values and conditions with one shared environment and a cache
//! of compiled expressions and templates (compiling dominates otherwise).

use super::lazy::LazyVars;
use super::overrides::Overrides;
use super::syntax::TemplateSyntax;
use super::{is_template, lone_expression, to_json};
use minijinja::value::Value as JValue;
use minijinja::{Environment, Error, ErrorKind, Expression, Template};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Why a value could not be rendered, in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{msg}")]
pub struct TemplateError {
    pub msg: String,
    pub undefined: bool,
}

impl TemplateError {
    fn new(msg: impl Into<String>, undefined: bool) -> Self {
        TemplateError {
            msg: msg.into(),
            undefined,
        }
    }

    /// Carry the error out of a nested variable lookup.
    pub fn into_jinja(self, var: &str) -> Error {
        let kind = if self.undefined {
            ErrorKind::UndefinedError
        } else {
            ErrorKind::InvalidOperation
        };
        Error::new(kind, format!("{} (in variable `{var}`)", self.msg))
    }
}

/// The process-wide environment: Ansible's filters plus our lookups.
pub fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = super::new_environment();
        super::lookup::register(&mut env);
        env
    })
}

type ExprCache = Mutex<HashMap<(String, bool), Arc<Expression<'static, 'static>>>>;
type TplCache = Mutex<HashMap<String, Arc<Template<'static, 'static>>>>;

fn expr_cache() -> &'static ExprCache {
    static C: OnceLock<ExprCache> = OnceLock::new();
    C.get_or_init(Default::default)
}

fn tpl_cache() -> &'static TplCache {
    static C: OnceLock<TplCache> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// A compiled expression from a `{{ }}` template, cached by its text.
/// Ansible keeps backslashes in its string literals as written ('\d+').
pub fn expression(src: &str) -> Result<Arc<Expression<'static, 'static>>, Error> {
    compile_expression(src, true)
}

/// A compiled conditional (a bare `when:`/`that:` expression), cached by
/// its text. Unlike a `{{ }}` template, its string literals decode escapes
/// as Jinja does, as in ansible-core.
pub fn condition_expression(src: &str) -> Result<Arc<Expression<'static, 'static>>, Error> {
    compile_expression(src, false)
}

fn compile_expression(
    src: &str,
    raw_backslashes: bool,
) -> Result<Arc<Expression<'static, 'static>>, Error> {
    let key = (src.to_string(), raw_backslashes);
    if let Some(e) = expr_cache().lock().expect("not poisoned").get(&key) {
        return Ok(e.clone());
    }
    let text = if raw_backslashes {
        super::raw_expression_literals(src)
    } else {
        super::conditional_expression_literals(src)
    };
    let e = Arc::new(environment().compile_expression_owned(text)?);
    expr_cache()
        .lock()
        .expect("not poisoned")
        .insert(key, e.clone());
    Ok(e)
}

/// A compiled template, cached by its text.
pub fn template(src: &str) -> Result<Arc<Template<'static, 'static>>, Error> {
    if let Some(t) = tpl_cache().lock().expect("not poisoned").get(src) {
        return Ok(t.clone());
    }
    // The cache lives as long as the process; so does the source it borrows.
    let leaked: &'static str = Box::leak(
        super::filters::raw_string_literals(src)
            .into_owned()
            .into_boxed_str(),
    );
    let t = Arc::new(environment().template_from_str(leaked)?);
    tpl_cache()
        .lock()
        .expect("not poisoned")
        .insert(src.to_string(), t.clone());
    Ok(t)
}

/// Load-time check: does `src` compile? `condition` sources are bare
/// expressions (`when: a == 1`); others are templates only if they hold
/// template syntax.
pub fn check_syntax(src: &str, condition: bool) -> Result<(), String> {
    let detail = |e: Error| {
        e.detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string())
    };
    if condition {
        let text = lone_expression(src).unwrap_or(src.trim());
        if text.is_empty() || is_template(text) {
            return if is_template(text) {
                template(text).map(|_| ()).map_err(detail)
            } else {
                Ok(())
            };
        }
        let compiled = match lone_expression(src) {
            Some(_) => expression(text),
            None => condition_expression(text),
        };
        return compiled.map(|_| ()).map_err(detail);
    }
    if !is_template(src) {
        return Ok(());
    }
    match lone_expression(src) {
        Some(e) => expression(e).map(|_| ()).map_err(detail),
        None => template(src).map(|_| ()).map_err(detail),
    }
}

/// Render a string with Ansible's native-type rule.
pub fn render_str(s: &str, vars: &Arc<LazyVars>) -> Result<Value, TemplateError> {
    if !is_template(s) {
        return Ok(Value::String(s.to_string()));
    }
    let ctx = JValue::from_dyn_object(vars.clone());
    if let Some(expr) = lone_expression(s) {
        let compiled = expression(expr).map_err(|e| describe(e, s, vars))?;
        let v = compiled.eval(ctx).map_err(|e| describe(e, s, vars))?;
        if v.is_undefined() {
            return Err(undefined_error(
                s,
                &compiled.undeclared_variables(true),
                vars,
            ));
        }
        return to_json(&v).map_err(|e| describe(e, s, vars));
    }
    let t = template(s).map_err(|e| describe(e, s, vars))?;
    t.render(ctx)
        .map(Value::String)
        .map_err(|e| describe(e, s, vars))
}

/// Render a whole template file's text (never native: always a string).
pub fn render_text(src: &str, vars: &Arc<LazyVars>) -> Result<String, TemplateError> {
    let t = template(src).map_err(|e| describe(e, src, vars))?;
    t.render(JValue::from_dyn_object(vars.clone()))
        .map_err(|e| describe(e, src, vars))
}

/// Render a template file (the `template` module) with the task's syntax
/// options (trim/lstrip blocks, custom delimiters, and a `#jinja2:` first
/// line in the template itself) and the directories `include`, `import`
/// and `extends` find other templates in. As in Ansible, string literals
/// in a template file are Jinja's (escapes decoded), unlike templates
/// written in YAML. Non-default syntaxes get their own environment, built
/// once per distinct syntax; template files are not cached (each is
/// rendered once per host).
pub fn render_text_with(
    src: &str,
    vars: &Arc<LazyVars>,
    syntax: &TemplateSyntax,
    dirs: &[PathBuf],
) -> Result<String, TemplateError> {
    let (src, syntax) =
        super::overrides::extract(src, syntax).map_err(|e| TemplateError::new(e, false))?;
    let mut env = file_environment(&syntax)
        .map_err(|e| TemplateError::new(e, false))?
        .clone();
    let dirs = dirs.to_vec();
    let delims = syntax.syntax.delimiters();
    let loader_delims = delims.clone();
    env.set_loader(move |name| {
        Ok(load_from(&dirs, name)?
            .map(|s| super::filters::template_source(&s, &loader_delims, false).into_owned()))
    });
    let text = super::filters::template_source(src, &delims, false);
    env.render_str(&text, JValue::from_dyn_object(vars.clone()))
        .map(|out| super::overrides::restore_trailing_newlines(src, out))
        .map_err(|e| describe(e, src, vars))
}

/// The environment a template file with this syntax renders in (built
/// once per distinct syntax: files follow Jinja's trailing-newline rule,
/// which templates written in YAML do not need).
pub(super) fn file_environment(
    syntax: &Overrides,
) -> Result<&'static Environment<'static>, String> {
    syntax_environment(syntax)
}

/// A template named by `include`/`import`, from the first dir holding it.
fn load_from(dirs: &[PathBuf], name: &str) -> Result<Option<String>, Error> {
    for d in dirs {
        let p = d.join(name);
        if p.is_file() {
            return std::fs::read_to_string(&p).map(Some).map_err(|e| {
                Error::new(
                    ErrorKind::TemplateNotFound,
                    format!("could not read {}: {e}", p.display()),
                )
            });
        }
    }
    Ok(None)
}

/// The process-wide environment for one template-file syntax.
fn syntax_environment(syntax: &Overrides) -> Result<&'static Environment<'static>, String> {
    type EnvCache = Mutex<HashMap<Overrides, &'static Environment<'static>>>;
    static C: OnceLock<EnvCache> = OnceLock::new();
    let cache = C.get_or_init(Default::default);
    if let Some(env) = cache.lock().expect("not poisoned").get(syntax) {
        return Ok(env);
    }
    let config = syntax.config()?;
    let mut env = super::new_environment();
    super::lookup::register(&mut env);
    env.set_syntax(config);
    // Few distinct syntaxes exist in a run; each lives as long as it.
    let env: &'static Environment<'static> = Box::leak(Box::new(env));
    cache
        .lock()
        .expect("not poisoned")
        .insert(syntax.clone(), env);
    Ok(env)
}

/// Render every string inside a value.
pub fn render_value_in(v: &Value, vars: &Arc<LazyVars>) -> Result<Value, TemplateError> {
    Ok(match v {
        Value::String(s) => render_str(s, vars)?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_value_in(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let key = match render_str(k, vars)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, render_value_in(x, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Evaluate a conditional (`when`, `changed_when`, `that`…): a bare
/// expression; booleans and numbers as is.
///
/// As in ansible-core 2.19, a conditional wholly inside `{{ }}` is rendered
/// first: a non-string result is the answer, a string result is an
/// expression to evaluate, allowed only when it came straight from a
/// variable (`when: "{{ my_condition }}"`). Any other string (from a
/// literal or a filter) is "untrusted", and so is a meta-template such as
/// `{{ a }} == {{ b }}`. A conditional with `{{ }}` in the middle of an
/// expression is evaluated as it stands, which is a syntax error.
pub fn condition(c: &Value, vars: &Arc<LazyVars>) -> Result<bool, TemplateError> {
    match c {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0) != 0.0),
        Value::String(s) => {
            let text = s.trim();
            if text.is_empty() {
                return Ok(false);
            }
            let expr = if is_possibly_all_template(text) {
                match render_str(text, vars)? {
                    Value::String(r) if is_trusted_indirection(text) => r,
                    Value::String(_) => return Err(untrusted_error(text)),
                    other => return strict_bool(&JValue::from(minijinja::value::Serde(&other))),
                }
            } else {
                text.to_string()
            };
            let expr = expr.trim().to_string();
            if expr.is_empty() {
                return Ok(false);
            }
            let compiled = condition_expression(&expr).map_err(|e| describe(e, s, vars))?;
            let ctx = JValue::from_dyn_object(vars.clone());
            let v = compiled.eval(ctx).map_err(|e| describe(e, s, vars))?;
            if v.is_undefined() {
                return Err(undefined_error(
                    s,
                    &compiled.undeclared_variables(true),
                    vars,
                ));
            }
            check_no_undefined(&expr, &compiled, s, vars)?;
            strict_bool(&v)
        }
        other => Ok(json_truthy(other)),
    }
}

/// A list of conditionals (`when: [a is defined, a.b]`, a block's and
/// its task's): true when all are, evaluated in order and stopping at the
/// first false one as Ansible does, so a later one may rely on an earlier.
pub fn all_conditions<'a>(
    conds: impl IntoIterator<Item = &'a Value>,
    vars: &Arc<LazyVars>,
) -> Result<bool, TemplateError> {
    for c in conds {
        if !condition(c, vars)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Ansible's `is_possibly_all_template`: starts and ends with template
/// delimiters.
fn is_possibly_all_template(s: &str) -> bool {
    (s.starts_with("{{") && s.ends_with("}}")) || (s.starts_with("{%") && s.ends_with("%}"))
}

/// Is `src` one `{{ name }}` (or `{{ a.b['c'] }}`): a variable holding an
/// expression, which Ansible trusts because playbooks define it?
fn is_trusted_indirection(src: &str) -> bool {
    static PATH: OnceLock<regex::Regex> = OnceLock::new();
    let re = PATH.get_or_init(|| {
        regex::Regex::new(
            r#"^[A-Za-z_]\w*(?:\s*(?:\.\s*[A-Za-z_]\w*|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\]))*$"#,
        )
        .expect("valid regex")
    });
    lone_expression(src).is_some_and(|e| re.is_match(e))
}

fn untrusted_error(src: &str) -> TemplateError {
    TemplateError::new(
        format!(
            "Encountered untrusted template or expression (conditional `{src}`). \
             Templates and expressions must be defined by trusted sources such as playbooks \
             or roles, not produced by templating: write the expression without `{{{{ }}}}`."
        ),
        false,
    )
}

/// Ansible fails a conditional that uses an undefined variable
/// (`when: nope == 1`); minijinja's chainable undefined would quietly
/// compare. Unless the expression guards itself (`is defined`,
/// `default`…), every variable it names must exist.
fn check_no_undefined(
    expr: &str,
    compiled: &Expression<'static, 'static>,
    src: &str,
    vars: &Arc<LazyVars>,
) -> Result<(), TemplateError> {
    const GUARDS: &[&str] = &[
        "defined", "default", "d(", "|d", "| d", "none", "omit", "lookup", "query", "q(",
    ];
    if GUARDS.iter().any(|g| expr.contains(g)) {
        return Ok(());
    }
    let names = compiled.undeclared_variables(false);
    let missing = names
        .iter()
        .filter(|n| !vars.contains(n) && !is_global(n))
        .min();
    match missing {
        Some(n) => Err(TemplateError::new(
            format!("'{n}' is undefined (in `{src}`)"),
            true,
        )),
        None => Ok(()),
    }
}

/// A function or value every template sees (`range`, `lookup`, the
/// pre-pass's helpers), which is never an undefined variable.
fn is_global(name: &str) -> bool {
    environment().globals().any(|(g, _)| g == name)
}

/// ansible-core 2.19: a conditional must evaluate to a boolean.
fn strict_bool(v: &JValue) -> Result<bool, TemplateError> {
    use minijinja::value::ValueKind;
    if v.kind() == ValueKind::Bool {
        return Ok(v.is_true());
    }
    let ty = match v.kind() {
        ValueKind::String => "str",
        ValueKind::Number if v.as_i64().is_some() => "int",
        ValueKind::Number => "float",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        ValueKind::None => "NoneType",
        _ => "object",
    };
    let shown = if v.is_true() { "True" } else { "False" };
    Err(TemplateError::new(
        format!("Conditional result ({shown}) was derived from value of type '{ty}'. Conditionals must have a boolean result."),
        false,
    ))
}

fn json_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().unwrap_or(0.0) != 0.0,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

fn undefined_error(
    src: &str,
    names: &std::collections::HashSet<String>,
    vars: &Arc<LazyVars>,
) -> TemplateError {
    if let Some(inner) = inner_undefined(names, vars) {
        return inner;
    }
    let mut missing: Vec<&String> = names
        .iter()
        .filter(|n| {
            let head = n.split('.').next().unwrap_or(n);
            !vars.contains(head) && !is_global(head)
        })
        .collect();
    missing.sort();
    match missing.first() {
        Some(n) => TemplateError::new(
            format!(
                "'{}' is undefined (in `{src}`)",
                n.split('.').next().unwrap_or(n)
            ),
            true,
        ),
        None => {
            let mut all: Vec<&String> = names.iter().collect();
            all.sort();
            let what = all.last().map(|s| s.as_str()).unwrap_or("a value");
            // The variable exists: an attribute along the path is missing
            // (Ansible: "object of type 'dict' has no attribute 'x'").
            let msg = match what.rsplit_once('.') {
                Some((_, attr)) => {
                    format!(
                        "'{what}' is undefined (in `{src}`): the value has no attribute '{attr}'"
                    )
                }
                // `p['k']`, `p[i]`: `p` exists, an item of it does not.
                None => format!("'{what}' has no such item or attribute (in `{src}`)"),
            };
            TemplateError::new(msg, true)
        }
    }
}

/// A variable `src` uses that exists but is undefined itself, because its
/// own template uses an undefined variable: the error naming that one.
fn inner_undefined(
    names: &std::collections::HashSet<String>,
    vars: &Arc<LazyVars>,
) -> Option<TemplateError> {
    let mut heads: Vec<&str> = names
        .iter()
        .map(|n| n.split('.').next().unwrap_or(n))
        .filter(|h| vars.contains(h))
        .collect();
    heads.sort();
    heads.into_iter().find_map(|h| match vars.resolve(h) {
        Err(e) if e.kind() == ErrorKind::UndefinedError => Some(TemplateError::new(
            e.detail().unwrap_or("undefined variable").to_string(),
            true,
        )),
        _ => None,
    })
}

/// Turn a minijinja error into a short message naming what went wrong.
fn describe(e: Error, src: &str, vars: &Arc<LazyVars>) -> TemplateError {
    if e.kind() == ErrorKind::UndefinedError {
        if let Some(d) = e.detail() {
            if d.contains(" is undefined (in ") {
                return TemplateError::new(d.to_string(), true);
            }
            // A strict operand (`'x' in y`) already named what is missing.
            if super::filters::is_strict_message(d) {
                return TemplateError::new(format!("{d} (in `{src}`)"), true);
            }
        }
        let names = match lone_expression(src) {
            Some(x) => expression(x)
                .map(|c| c.undeclared_variables(true))
                .unwrap_or_default(),
            None => template(src)
                .map(|t| t.undeclared_variables(true))
                .unwrap_or_default(),
        };
        return undefined_error(src, &names, vars);
    }
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    let kind = match e.kind() {
        ErrorKind::SyntaxError => "template syntax error",
        _ => "template error",
    };
    TemplateError::new(format!("{kind} in `{src}`: {detail}"), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::lazy::{VarMap, VarValue};
    use serde_json::json;

    fn vars(pairs: Value) -> Arc<LazyVars> {
        let mut m = VarMap::new();
        for (k, v) in pairs.as_object().unwrap() {
            m.insert(k.clone(), VarValue::raw(v.clone()));
        }
        LazyVars::new(m, Default::default())
    }

    #[test]
    fn lazy_rendering_table() {
        let v = vars(
            json!({"a": "{{ b }}", "b": 2, "c": "x-{{ a }}", "l": ["{{ b }}", 3], "d": {"k": "{{ a + 1 }}"}}),
        );
        let cases = [
            ("{{ a }}", json!(2)),
            ("{{ c }}", json!("x-2")),
            ("{{ l }}", json!([2, 3])),
            ("{{ d.k }}", json!(3)),
            ("{{ vars['b'] }}", json!(2)),
        ];
        for (src, want) in cases {
            assert_eq!(render_str(src, &v).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn conditions_table() {
        let v = vars(json!({"n": 3, "s": "yes", "e": [], "cond": "n == 3", "flag": false}));
        let cases = [
            (json!("n > 2"), true),
            (json!("{{ n > 5 }}"), false),
            (json!(true), true),
            (json!("e | length == 0"), true),
            (json!("s == 'yes'"), true),
            (json!("missing is defined"), false),
            (json!("missing is not defined"), true),
            (json!(" {{ n == 3 }} "), true),
            (json!("{{ cond }}"), true),
            (json!("{{ vars['cond'] }}"), true),
            (json!("{{ flag }}"), false),
        ];
        for (c, want) in cases {
            assert_eq!(condition(&c, &v).unwrap(), want, "{c}");
        }
    }

    /// Conditionals decode string-literal escapes as Jinja does; a `{{ }}`
    /// template (even one used as a conditional) keeps backslashes raw.
    /// Each row checked against ansible-core 2.19 (q_backslash fixture).
    #[test]
    fn conditional_literals_decode_escapes_table() {
        let v = vars(json!({"s": "\\z", "one": "a\u{1}", "raw1": "a\\1", "nl": "a\n"}));
        let cases = [
            (r"s == '\z'", true),
            (r"s == '\\z'", true),
            (r"one == 'a\1'", true),
            (r"raw1 == 'a\1'", false),
            (r"nl == 'a\n'", true),
            (r"{{ raw1 == 'a\1' }}", true),
            (r"{{ one == 'a\1' }}", false),
        ];
        for (c, want) in cases {
            assert_eq!(condition(&json!(c), &v).unwrap(), want, "{c}");
        }
    }

    #[test]
    fn undefined_operands_fail_like_ansible() {
        let v = vars(json!({"d": {"k": 1}, "l": ["x"], "s": "{{ nope }}"}));
        let errors = [
            ("{{ 'x' in y }}", "'y' is undefined"),
            ("{{ 'x' not in y }}", "'y' is undefined"),
            ("{{ y in l }}", "'y' is undefined"),
            ("{{ y == 1 }}", "'y' is undefined"),
            (
                "v={{ 'x' in d.missing }}",
                "object of type 'dict' has no attribute 'missing'",
            ),
            ("{% for i in y %}{{ i }}{% endfor %}", "'y' is undefined"),
            ("{% if 'x' in y %}a{% endif %}", "'y' is undefined"),
            ("{{ s }}", "'nope' is undefined"),
        ];
        for (src, want) in errors {
            let e = render_str(src, &v).unwrap_err();
            assert!(e.undefined && e.msg.contains(want), "{src}: {}", e.msg);
        }
        let fine = [
            ("{{ 'x' in l }}", json!(true)),
            ("{{ y is defined and 'x' in y }}", json!(false)),
            ("{{ 'x' in y | default([]) }}", json!(false)),
            ("{{ 'x' in d.missing | default('x') }}", json!(true)),
            ("{{ d.k == 1 }}", json!(true)),
            ("{{ 'in' ~ 'x' }}", json!("inx")),
            // A variable whose template uses an undefined one is undefined.
            ("{{ s is defined }}", json!(false)),
            ("{{ s | default('dflt') }}", json!("dflt")),
            ("{{ s is defined and s.b }}", json!(false)),
        ];
        for (src, want) in fine {
            assert_eq!(render_str(src, &v).unwrap(), want, "{src}");
        }
        assert!(!condition(&json!("s is defined and s.b"), &v).unwrap());
        let guarded = [json!("y is defined"), json!("y.b")];
        assert!(!all_conditions(&guarded, &v).unwrap());
        let unguarded = [json!("d is defined"), json!("y.b")];
        assert!(all_conditions(&unguarded, &v).is_err());
        let e = condition(&json!("'x' in y"), &v).unwrap_err();
        assert!(e.msg.contains("'y' is undefined"), "{}", e.msg);
    }

    #[test]
    fn template_files_decode_escapes_with_any_delimiters() {
        let v = vars(json!({"x": "a1b"}));
        let custom = TemplateSyntax {
            variable: ("[[".into(), "]]".into()),
            block: ("[%".into(), "%]".into()),
            comment: ("[#".into(), "#]".into()),
            ..TemplateSyntax::default()
        };
        let cases = [
            (
                &custom,
                r"[[ x | regex_replace('(a)', '\1\1') ]] [[ 'q\d' ]] {{ '\1' }}",
                // `\1` is U+0001 in a file, so the group reference is lost.
                "\u{1}\u{1}1b q\\d {{ '\\1' }}",
            ),
            (
                &custom,
                "#jinja2: variable_start_string: '@{', variable_end_string: '}@'\n@{ 'a\\1' }@",
                "a\u{1}",
            ),
            (
                &TemplateSyntax::default(),
                r"{{ 'a\1' }} {{ 'q\d' }}",
                "a\u{1} q\\d",
            ),
        ];
        for (syntax, src, want) in cases {
            assert_eq!(
                render_text_with(src, &v, syntax, &[]).unwrap(),
                want,
                "{src}"
            );
        }
        let e = render_text_with("[% if 'x' in y %]a[% endif %]", &v, &custom, &[]).unwrap_err();
        assert!(e.msg.contains("'y' is undefined"), "{}", e.msg);
    }

    #[test]
    fn errors_name_the_variable() {
        let v = vars(json!({"a": "{{ a }}", "x": 1}));
        let e = render_str("{{ nope }}", &v).unwrap_err();
        assert!(e.msg.contains("'nope' is undefined"), "{}", e.msg);
        let e = render_str("x={{ nope.y }}", &v).unwrap_err();
        assert!(e.msg.contains("'nope' is undefined"), "{}", e.msg);
        let e = render_str("{{ a }}", &v).unwrap_err();
        assert!(e.msg.contains("recursive loop"), "{}", e.msg);
        let e = render_str("{{ d.missing }}", &vars(json!({"d": {"k": 1}}))).unwrap_err();
        assert!(e.msg.contains("has no attribute 'missing'"), "{}", e.msg);
        // The variable exists, an item of it does not: never "'d' is undefined".
        let e = render_str("{{ d['missing'] }}", &vars(json!({"d": {"k": 1}}))).unwrap_err();
        assert!(
            e.msg.starts_with("'d' has no such item or attribute"),
            "{}",
            e.msg
        );
        let e = render_str("{{ x + }}", &v).unwrap_err();
        assert!(e.msg.contains("syntax error"), "{}", e.msg);
        assert!(condition(&json!("nope"), &v).is_err());
        let e = condition(&json!("nope == 1"), &v).unwrap_err();
        assert!(e.msg.contains("'nope' is undefined"), "{}", e.msg);
        assert!(condition(&json!("nope | default(1) == 1"), &v).unwrap());
        assert!(!condition(&json!("nope is defined and nope == 1"), &v).unwrap());
        for untrusted in [
            "{{ '1 == 1' }}",
            "{{ x }} == {{ x }}",
            "{{ 'n' ~ ' == 3' }}",
        ] {
            let e = condition(&json!(untrusted), &v).unwrap_err();
            assert!(
                e.msg.contains("untrusted template or expression"),
                "{}",
                e.msg
            );
        }
        assert!(condition(&json!("'foo' in {{ x }}"), &v).is_err());
        let e = condition(&json!("{{ x }}"), &v).unwrap_err();
        assert!(
            e.msg.contains("Conditionals must have a boolean result"),
            "{}",
            e.msg
        );
        let e = condition(&json!("'x'"), &v).unwrap_err();
        assert!(
            e.msg.contains("Conditionals must have a boolean result"),
            "{}",
            e.msg
        );
    }
}
