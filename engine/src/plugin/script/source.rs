//! What a script module's file says about how to run it: the argument
//! protocol and the interpreter.

/// How the module reads its arguments (Ansible's module styles we run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgsStyle {
    /// The file contains `WANT_JSON`: the args file is a JSON object.
    Json,
    /// An `AnsibleModule` module (imports `ansible.module_utils`): the
    /// args file is `{"ANSIBLE_MODULE_ARGS": {…}}`. Works only where
    /// ansible's module_utils are importable on the target.
    AnsibleModule,
    /// Anything else: `key=value` pairs, shell-quoted ("old-style").
    KeyValue,
}

/// `#!interpreter args…`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shebang {
    pub interpreter: String,
    pub args: Vec<String>,
}

impl Shebang {
    /// The interpreter's name as Ansible keys `ansible_<name>_interpreter`:
    /// the basename, or the program after `env`.
    pub fn name(&self) -> &str {
        let base = basename(&self.interpreter);
        match (base, self.args.first()) {
            ("env", Some(program)) => basename(program),
            _ => base,
        }
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub fn args_style(source: &str) -> ArgsStyle {
    if source.contains("WANT_JSON") {
        ArgsStyle::Json
    } else if source.contains("ansible.module_utils") || source.contains("AnsibleModule(") {
        ArgsStyle::AnsibleModule
    } else {
        ArgsStyle::KeyValue
    }
}

pub fn shebang(source: &str) -> Option<Shebang> {
    let line = source.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split_whitespace().map(str::to_string);
    Some(Shebang {
        interpreter: words.next()?,
        args: words.collect(),
    })
}

/// `short_description:` from an Ansible `DOCUMENTATION` block, if any.
pub fn short_description(source: &str) -> Option<String> {
    source.lines().find_map(|l| {
        let v = l.trim().strip_prefix("short_description:")?.trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_table() {
        let cases = [
            (
                "#!/usr/bin/python\n# WANT_JSON\nimport json",
                ArgsStyle::Json,
            ),
            (
                "from ansible.module_utils.basic import AnsibleModule",
                ArgsStyle::AnsibleModule,
            ),
            ("#!/bin/sh\nsource $1", ArgsStyle::KeyValue),
        ];
        for (src, want) in cases {
            assert_eq!(args_style(src), want, "{src}");
        }
    }

    #[test]
    fn shebang_names_table() {
        let cases = [
            ("#!/usr/bin/python\n", Some("python")),
            ("#!/usr/bin/env python3\n", Some("python3")),
            ("#! /bin/bash -e\n", Some("bash")),
            ("no shebang\n", None),
        ];
        for (src, want) in cases {
            assert_eq!(shebang(src).as_ref().map(Shebang::name), want, "{src}");
        }
        let s = shebang("#!/bin/bash -e -u\n").unwrap();
        assert_eq!(s.args, vec!["-e".to_string(), "-u".to_string()]);
    }

    #[test]
    fn short_description_from_documentation() {
        let src = "DOCUMENTATION = r'''\nmodule: x\nshort_description: Manage x things\n'''";
        assert_eq!(short_description(src).as_deref(), Some("Manage x things"));
        assert_eq!(short_description("echo hi"), None);
    }
}
