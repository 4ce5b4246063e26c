//! Module argument schemas, as data: checked at load time for names (and
//! types of literal values), then used at run time to normalize templated
//! values (aliases -> canonical names, Ansible-style type coercion,
//! defaults, choices, required / mutually exclusive options).

use serde_json::{Map, Number, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// Any scalar, kept as a string (numbers and bools are stringified).
    Str,
    /// `yes/no/true/false/on/off/1/0` in any case, as Ansible accepts.
    Bool,
    Int,
    Float,
    /// A list; a comma-separated string is split, a scalar becomes `[x]`.
    List,
    Dict,
    /// A string path (`~` is left to the target's shell to expand).
    Path,
    /// A file mode: kept as a string; a YAML int like `0644` or `420`
    /// is turned into its octal spelling.
    Mode,
    /// Taken as given.
    Raw,
}

#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgType,
    pub required: bool,
    pub aliases: &'static [&'static str],
    pub choices: &'static [&'static str],
    /// Default as YAML text (`"present"`, `"10"`, `"false"`), coerced to `kind`.
    pub default: Option<&'static str>,
    /// Never printed (passwords).
    pub no_log: bool,
    pub doc: &'static str,
}

impl ArgSpec {
    /// A plain optional option; chain the setters for the rest.
    pub const fn new(name: &'static str, kind: ArgType, doc: &'static str) -> Self {
        ArgSpec {
            name,
            kind,
            required: false,
            aliases: &[],
            choices: &[],
            default: None,
            no_log: false,
            doc,
        }
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn aliases(mut self, a: &'static [&'static str]) -> Self {
        self.aliases = a;
        self
    }
    pub const fn choices(mut self, c: &'static [&'static str]) -> Self {
        self.choices = c;
        self
    }
    pub const fn default(mut self, d: &'static str) -> Self {
        self.default = Some(d);
        self
    }
    pub const fn no_log(mut self) -> Self {
        self.no_log = true;
        self
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ModuleSpec {
    pub name: &'static str,
    /// Other names for the module (`starrocks_sql` for `sql`); FQCNs
    /// `ansible.builtin.<name>` are resolved by the registry.
    pub aliases: &'static [&'static str],
    pub description: &'static str,
    pub options: &'static [ArgSpec],
    /// The option that receives free-form text (`command: ls -l`), if any.
    pub free_form: Option<&'static str>,
    pub mutually_exclusive: &'static [&'static [&'static str]],
    pub required_one_of: &'static [&'static [&'static str]],
    pub required_together: &'static [&'static [&'static str]],
    /// Accept options not listed (modules that take arbitrary keys).
    pub open: bool,
    /// `(name, description)` of each documented return value.
    pub returns: &'static [(&'static str, &'static str)],
}

impl ModuleSpec {
    pub const fn new(name: &'static str, description: &'static str) -> Self {
        ModuleSpec {
            name,
            aliases: &[],
            description,
            options: &[],
            free_form: None,
            mutually_exclusive: &[],
            required_one_of: &[],
            required_together: &[],
            open: false,
            returns: &[],
        }
    }

    pub fn option(&self, name: &str) -> Option<&ArgSpec> {
        self.options
            .iter()
            .find(|o| o.name == name || o.aliases.contains(&name))
    }

    /// Load-time check: names known, literal values of the right type and
    /// choice. Values that are still templates (`{{ }}`) are checked at run
    /// time by [`normalize`](Self::normalize).
    pub fn check(&self, args: &Map<String, Value>) -> Result<(), ArgError> {
        for (key, value) in args {
            let Some(opt) = self.option(key) else {
                if self.open || key.starts_with('_') {
                    continue;
                }
                return Err(ArgError::Unknown {
                    module: self.name,
                    option: key.clone(),
                    suggestion: crate::suggest::closest(
                        key,
                        self.options
                            .iter()
                            .flat_map(|o| std::iter::once(o.name).chain(o.aliases.iter().copied())),
                    ),
                });
            };
            if !is_templated(value) {
                coerce(self.name, opt, value)?;
            }
        }
        Ok(())
    }

    /// Run-time normalization of rendered args.
    pub fn normalize(&self, args: Map<String, Value>) -> Result<Map<String, Value>, ArgError> {
        let mut out = Map::new();
        for (key, value) in args {
            match self.option(&key) {
                Some(opt) => {
                    if out.contains_key(opt.name) {
                        return Err(ArgError::Invalid {
                            module: self.name,
                            option: opt.name.to_string(),
                            reason: "given twice (under an alias)".into(),
                        });
                    }
                    out.insert(opt.name.to_string(), coerce(self.name, opt, &value)?);
                }
                None if self.open || key.starts_with('_') => {
                    out.insert(key, value);
                }
                None => {
                    self.check(&Map::from_iter([(key, value)]))?;
                }
            }
        }
        for group in self.mutually_exclusive {
            let given: Vec<&str> = group
                .iter()
                .copied()
                .filter(|n| out.contains_key(*n))
                .collect();
            if given.len() > 1 {
                return Err(ArgError::Conflict {
                    module: self.name,
                    reason: format!("parameters are mutually exclusive: {}", given.join("|")),
                });
            }
        }
        for group in self.required_one_of {
            if !group.iter().any(|n| out.contains_key(*n)) {
                return Err(ArgError::Conflict {
                    module: self.name,
                    reason: format!("one of the following is required: {}", group.join(", ")),
                });
            }
        }
        for group in self.required_together {
            let n = group.iter().filter(|n| out.contains_key(**n)).count();
            if n != 0 && n != group.len() {
                return Err(ArgError::Conflict {
                    module: self.name,
                    reason: format!("parameters are required together: {}", group.join(", ")),
                });
            }
        }
        for opt in self.options {
            if out.contains_key(opt.name) {
                continue;
            }
            if opt.required {
                return Err(ArgError::Missing {
                    module: self.name,
                    option: opt.name,
                });
            }
            if let Some(d) = opt.default {
                let v: Value = serde_json::from_str(d).unwrap_or_else(|_| Value::String(d.into()));
                out.insert(opt.name.to_string(), coerce(self.name, opt, &v)?);
            }
        }
        Ok(out)
    }

    /// The names of options whose values must never be printed.
    pub fn secret_options(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.options.iter().filter(|o| o.no_log).map(|o| o.name)
    }
}

fn is_templated(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{") || s.contains("{%"),
        Value::Array(a) => a.iter().any(is_templated),
        Value::Object(m) => m.values().any(is_templated),
        _ => false,
    }
}

/// Ansible's boolean spellings.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "t" | "on" | "1" => Some(true),
            "no" | "n" | "false" | "f" | "off" | "0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
        _ => None,
    }
}

fn coerce(module: &'static str, opt: &ArgSpec, v: &Value) -> Result<Value, ArgError> {
    let bad = |what: &str| ArgError::Invalid {
        module,
        option: opt.name.to_string(),
        reason: format!("{what}, got {}", short(v)),
    };
    if v.is_null() && !opt.required {
        return Ok(Value::Null);
    }
    let value = match opt.kind {
        ArgType::Raw => v.clone(),
        ArgType::Str | ArgType::Path => {
            Value::String(scalar_string(v).ok_or_else(|| bad("expected a string"))?)
        }
        ArgType::Bool => Value::Bool(parse_bool(v).ok_or_else(|| bad("expected a boolean"))?),
        ArgType::Int => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => v.clone(),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Value::Number(Number::from(n.as_f64().unwrap_or_default() as i64))
            }
            Value::String(s) => Value::Number(
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| bad("expected an integer"))?
                    .into(),
            ),
            _ => return Err(bad("expected an integer")),
        },
        ArgType::Float => match v {
            Value::Number(_) => v.clone(),
            Value::String(s) => {
                let f: f64 = s.trim().parse().map_err(|_| bad("expected a number"))?;
                Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| bad("expected a number"))?
            }
            _ => return Err(bad("expected a number")),
        },
        ArgType::List => match v {
            Value::Array(_) => v.clone(),
            Value::String(s) => Value::Array(
                s.split(',')
                    .map(|p| Value::String(p.trim().to_string()))
                    .filter(|p| p.as_str() != Some(""))
                    .collect(),
            ),
            Value::Object(_) => return Err(bad("expected a list")),
            other => Value::Array(vec![other.clone()]),
        },
        ArgType::Dict => match v {
            Value::Object(_) => v.clone(),
            _ => return Err(bad("expected a dictionary")),
        },
        ArgType::Mode => match v {
            Value::String(_) => v.clone(),
            // YAML `mode: 0644` without quotes arrives as the int 420 in
            // YAML 1.2 parsers, or as 644 from ones that drop the leading
            // zero; Ansible reads a bare int as its decimal value.
            Value::Number(n) => Value::String(format!(
                "0{:o}",
                n.as_u64().ok_or_else(|| bad("expected a file mode"))?
            )),
            _ => return Err(bad("expected a file mode")),
        },
    };
    if !opt.choices.is_empty() {
        let s = scalar_string(&value).unwrap_or_default();
        let s = match (&value, opt.kind) {
            (Value::Bool(b), ArgType::Bool) => b.to_string(),
            _ => s,
        };
        if !opt.choices.contains(&s.as_str()) {
            return Err(ArgError::Invalid {
                module,
                option: opt.name.to_string(),
                reason: format!(
                    "value must be one of: {}, got: {}",
                    opt.choices.join(", "),
                    s
                ),
            });
        }
    }
    Ok(value)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(57).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error("unknown option `{option}` for module `{module}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        module: &'static str,
        option: String,
        suggestion: Option<String>,
    },
    #[error("missing required option `{option}` for module `{module}`")]
    Missing {
        module: &'static str,
        option: &'static str,
    },
    #[error("option `{option}` of module `{module}`: {reason}")]
    Invalid {
        module: &'static str,
        option: String,
        reason: String,
    },
    #[error("module `{module}`: {reason}")]
    Conflict {
        module: &'static str,
        reason: String,
    },
}

impl ArgError {
    /// The option the error is about, for pointing at its line.
    pub fn option(&self) -> Option<&str> {
        match self {
            ArgError::Unknown { option, .. } | ArgError::Invalid { option, .. } => Some(option),
            ArgError::Missing { option, .. } => Some(option),
            ArgError::Conflict { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OPTS: &[ArgSpec] = &[
        ArgSpec::new("path", ArgType::Path, "file")
            .required()
            .aliases(&["dest", "name"]),
        ArgSpec::new("line", ArgType::Str, "line"),
        ArgSpec::new("state", ArgType::Str, "state")
            .choices(&["present", "absent"])
            .default("present"),
        ArgSpec::new("backup", ArgType::Bool, "backup").default("false"),
        ArgSpec::new("mode", ArgType::Mode, "mode"),
        ArgSpec::new("retries", ArgType::Int, "n"),
        ArgSpec::new("items", ArgType::List, "l"),
        ArgSpec::new("regexp", ArgType::Str, "re"),
        ArgSpec::new("search_string", ArgType::Str, "s"),
    ];
    const SPEC: ModuleSpec = ModuleSpec {
        options: OPTS,
        mutually_exclusive: &[&["regexp", "search_string"]],
        ..ModuleSpec::new("lineinfile", "edit lines")
    };

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn normalize_table() {
        let cases = [
            (
                json!({"dest": "/f"}),
                json!({"path": "/f", "state": "present", "backup": false}),
            ),
            (
                json!({"path": "/f", "backup": "yes"}),
                json!({"path": "/f", "state": "present", "backup": true}),
            ),
            (
                json!({"path": "/f", "mode": 420}),
                json!({"path": "/f", "mode": "0644", "state": "present", "backup": false}),
            ),
            (
                json!({"path": "/f", "retries": "3"}),
                json!({"path": "/f", "retries": 3, "state": "present", "backup": false}),
            ),
            (
                json!({"path": "/f", "items": "a, b"}),
                json!({"path": "/f", "items": ["a", "b"], "state": "present", "backup": false}),
            ),
            (
                json!({"path": 7, "line": true}),
                json!({"path": "7", "line": "True", "state": "present", "backup": false}),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                Value::Object(SPEC.normalize(map(input.clone())).unwrap()),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn errors_table() {
        let cases = [
            (json!({"path": "/f", "lien": "x"}), "unknown option `lien` for module `lineinfile` (did you mean `line`?)"),
            (json!({"line": "x"}), "missing required option `path` for module `lineinfile`"),
            (json!({"path": "/f", "state": "gone"}), "option `state` of module `lineinfile`: value must be one of: present, absent, got: gone"),
            (json!({"path": "/f", "backup": "maybe"}), "option `backup` of module `lineinfile`: expected a boolean, got \"maybe\""),
            (json!({"path": "/f", "regexp": "a", "search_string": "b"}), "module `lineinfile`: parameters are mutually exclusive: regexp|search_string"),
        ];
        for (input, want) in cases {
            let err = SPEC.normalize(map(input.clone())).unwrap_err();
            assert_eq!(err.to_string(), want, "{input}");
        }
    }

    #[test]
    fn check_skips_templated_values_but_not_names() {
        assert!(SPEC
            .check(&map(json!({"path": "/f", "backup": "{{ b }}"})))
            .is_ok());
        assert!(SPEC
            .check(&map(json!({"path": "/f", "backup": "perhaps"})))
            .is_err());
        assert!(SPEC.check(&map(json!({"pathh": "{{ p }}"}))).is_err());
    }
}
