//! `command`: run a program with arguments on the target, no shell
//! features (the argv is quoted so `/bin/sh` passes it through; `$VAR`
//! and `~` still expand, as Ansible's `expand_argument_vars` does, with
//! the rules of path options: see [`path_script::set_words`]).
//! `shell` shares the runner below.

use crate::util::path_script::{self, Home};
use crate::util::{self, run};
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::connection::Stdin;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandOptions {
    #[serde(rename = "_raw_params")]
    pub raw_params: Option<String>,
    #[serde(rename = "_uses_shell")]
    pub uses_shell: Option<bool>,
    pub cmd: Option<String>,
    pub argv: Option<Vec<Value>>,
    pub chdir: Option<String>,
    pub executable: Option<String>,
    pub expand_argument_vars: Option<bool>,
    pub creates: Option<String>,
    pub removes: Option<String>,
    pub stdin: Option<String>,
    pub stdin_add_newline: Option<bool>,
    pub strip_empty_ends: Option<bool>,
}

pub(crate) const COMMON_OPTIONS: &[ArgSpec] = &[
    ArgSpec::new(
        "cmd",
        ArgType::Str,
        "The command to run (instead of the free form).",
    ),
    ArgSpec::new(
        "chdir",
        ArgType::Path,
        "Change into this directory before running the command.",
    ),
    ArgSpec::new(
        "creates",
        ArgType::Path,
        "A filename or glob; when it already exists, this step will not be run.",
    ),
    ArgSpec::new(
        "removes",
        ArgType::Path,
        "A filename or glob; when it does not exist, this step will not be run.",
    ),
    ArgSpec::new(
        "stdin",
        ArgType::Str,
        "Set the stdin of the command directly to the specified value.",
    ),
    ArgSpec::new(
        "stdin_add_newline",
        ArgType::Bool,
        "Append a newline to stdin data.",
    )
    .default("true"),
    ArgSpec::new(
        "strip_empty_ends",
        ArgType::Bool,
        "Strip empty lines from the end of stdout/stderr in the result.",
    )
    .default("true"),
];

const OPTIONS: &[ArgSpec] = &[
    COMMON_OPTIONS[0],
    ArgSpec::new(
        "argv",
        ArgType::List,
        "The command as a list of arguments (instead of the free form or `cmd`).",
    ),
    COMMON_OPTIONS[1],
    COMMON_OPTIONS[2],
    COMMON_OPTIONS[3],
    COMMON_OPTIONS[4],
    COMMON_OPTIONS[5],
    COMMON_OPTIONS[6],
    ArgSpec::new(
        "expand_argument_vars",
        ArgType::Bool,
        "Expand `$VAR`, `${VAR}` and a leading `~` in each argument, from the module's environment on the target.",
    )
    .default("true"),
    ArgSpec::new(
        "executable",
        ArgType::Str,
        "Ignored by `command` (as in Ansible, with a warning); use `shell`.",
    ),
];

pub(crate) const RETURNS: &[(&str, &str)] = &[
    (
        "cmd",
        "The command executed (a list of arguments for `command`, a string for `shell`).",
    ),
    ("rc", "The command's exit status."),
    ("stdout", "The command's standard output."),
    ("stdout_lines", "`stdout` split into lines."),
    ("stderr", "The command's standard error."),
    ("stderr_lines", "`stderr` split into lines."),
    (
        "start",
        "When the command started (`YYYY-MM-DD HH:MM:SS.ffffff`).",
    ),
    ("end", "When the command ended."),
    ("delta", "How long the command ran (`H:MM:SS.ffffff`)."),
    (
        "msg",
        "`non-zero return code` on failure; why nothing ran when skipped.",
    ),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    free_form: Some("_raw_params"),
    mutually_exclusive: &[&["_raw_params", "cmd", "argv"]],
    required_one_of: &[&["_raw_params", "cmd", "argv"]],
    returns: RETURNS,
    ..ModuleSpec::new("command", "Execute commands on targets (no shell).")
};

pub struct Command;

#[async_trait::async_trait]
impl Module for Command {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    /// Guards and command (or the query) go in one `exec`.
    fn single_exec(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: CommandOptions = util::options(&SPEC, args)?;
        let shell = o.uses_shell.unwrap_or(false);
        let mut warnings = Vec::new();
        if !shell && o.executable.is_some() {
            warnings.push(format!(
                "As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{}'.",
                o.executable.as_deref().unwrap_or_default()
            ));
        }
        let inv = Invocation::from_options(&o, shell)?;
        let mut out = execute(ctx, &inv).await?;
        out.warnings.extend(warnings);
        Ok(out)
    }
}

/// A command ready to run: the shell text, how to report it, the guards.
pub struct Invocation {
    pub script: String,
    pub cmd: Value,
    /// Whether `script` checks that argv[0] exists first (a non-shell
    /// command), so a missing program fails like Ansible's.
    pub checks_program: bool,
    pub chdir: Option<String>,
    pub creates: Option<String>,
    pub removes: Option<String>,
    pub stdin: Option<Vec<u8>>,
    pub strip: bool,
}

impl Invocation {
    pub fn from_options(o: &CommandOptions, shell: bool) -> Result<Self, ModuleError> {
        let text = o.raw_params.clone().or_else(|| o.cmd.clone());
        let (script, cmd, checks_program) = if shell {
            let text = text.ok_or_else(|| {
                ModuleError::failed("no command given: use the free form or `cmd`")
            })?;
            let exe = o.executable.as_deref().unwrap_or("/bin/sh");
            (
                format!("exec {} -c {}", quote(exe), quote(&text)),
                Value::String(text),
                false,
            )
        } else {
            let argv: Vec<String> = match (&text, &o.argv) {
                (Some(t), _) => util::shlex::split(t)
                    .ok_or_else(|| ModuleError::failed(format!("No closing quotation in: {t}")))?,
                (None, Some(a)) => a.iter().map(stringify).collect(),
                (None, None) => Vec::new(),
            };
            if argv.is_empty() {
                return Err(ModuleError::failed("no command given"));
            }
            let expand = o.expand_argument_vars.unwrap_or(true);
            (argv_script(&argv, expand), Value::from(argv), true)
        };
        let stdin = o.stdin.as_ref().map(|s| {
            let mut b = s.clone().into_bytes();
            if o.stdin_add_newline.unwrap_or(true) {
                b.push(b'\n');
            }
            b
        });
        Ok(Invocation {
            script,
            cmd,
            checks_program,
            chdir: o.chdir.clone(),
            creates: o.creates.clone(),
            removes: o.removes.clone(),
            stdin,
            strip: o.strip_empty_ends.unwrap_or(true),
        })
    }
}

/// The script running `argv` (not empty): the program checked for, then
/// `exec`. With `expand`, words with a `$` reference or a leading `~` are
/// expanded in this same script, from the environment it runs in (the
/// module's on the target); every other word is passed as written.
fn argv_script(argv: &[String], expand: bool) -> String {
    if expand && argv.iter().any(|w| path_script::needs_expansion(w)) {
        format!(
            "{}{}exec \"$@\"",
            path_script::set_words(argv, Home::OfShell),
            program_check("\"$1\"")
        )
    } else {
        let words: Vec<String> = argv.iter().map(|w| quote(w)).collect();
        format!("{}exec {}", program_check(&words[0]), words.join(" "))
    }
}

/// Shell code failing with [`NOT_FOUND`] when `word` (shell text) names
/// no program: Ansible's `Popen` fails with `[Errno 2] …` there.
fn program_check(word: &str) -> String {
    format!("command -v -- {word} >/dev/null 2>&1 || {{ echo {NOT_FOUND} >&2; exit 2; }}; ")
}

fn stringify(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const NOT_FOUND: &str = "@@srplay-enoent@@";

/// Run an invocation: guards and command in one round trip; in check mode
/// only the guards run (a command with neither guard is skipped).
pub async fn execute(ctx: &ModuleContext, inv: &Invocation) -> Result<Outcome, ModuleError> {
    let guard = run::guard_script(
        inv.chdir.as_deref(),
        inv.creates.as_deref(),
        inv.removes.as_deref(),
    );
    let creates = inv.creates.as_deref().unwrap_or_default();
    let removes = inv.removes.as_deref().unwrap_or_default();
    if ctx.check_mode {
        return check_mode_outcome(ctx, inv, &guard, creates, removes).await;
    }
    let mut script = guard;
    script.push_str(&inv.script);
    let stdin = inv.stdin.clone().map(Stdin::Bytes).unwrap_or_default();
    let start = util::clock::now();
    let out = ctx.exec_stdin(script, stdin).await?;
    let end = util::clock::now();
    let stdout = out.stdout_str();
    match run::read_guard(&stdout) {
        run::Guard::Run => {}
        run::Guard::NoChdir => {
            return Ok(
                Outcome::failed("Unable to change directory before execution.")
                    .with("cmd", inv.cmd.clone())
                    .with("rc", Value::Null)
                    .with("stdout", "")
                    .with("stderr", ""),
            );
        }
        g => {
            return Ok(run::skipped_outcome(
                &g,
                inv.cmd.clone(),
                false,
                creates,
                removes,
            ))
        }
    }
    if inv.checks_program && out.rc == 2 && out.stderr_str().trim() == NOT_FOUND {
        // Ansible reports the argv joined back into one string here.
        let argv: Vec<String> = inv
            .cmd
            .as_array()
            .map(|a| a.iter().map(stringify).collect())
            .unwrap_or_default();
        let failed = Outcome::failed("Error executing command.")
            .with("rc", 2)
            .with("cmd", srplay_engine::shell::join(argv));
        return Ok(run::with_output(failed, "", "", true));
    }
    Ok(run::command_outcome(
        inv.cmd.clone(),
        &run::Ran { out, start, end },
        inv.strip,
    ))
}

async fn check_mode_outcome(
    ctx: &ModuleContext,
    inv: &Invocation,
    guard: &str,
    creates: &str,
    removes: &str,
) -> Result<Outcome, ModuleError> {
    let would = |changed: bool| {
        let o = Outcome::changed(changed)
            .with("rc", 0)
            .with("cmd", inv.cmd.clone())
            .with("start", Value::Null)
            .with("end", Value::Null)
            .with("delta", Value::Null)
            .with_msg("Command would have run if not in check mode");
        run::with_output(o, "", "", true)
    };
    if inv.creates.is_none() && inv.removes.is_none() {
        let mut o = would(false);
        o.skipped = true;
        return Ok(o);
    }
    let out = ctx.exec(format!("{guard}true")).await?;
    match run::read_guard(&out.stdout_str()) {
        run::Guard::Run => Ok(would(true)),
        run::Guard::NoChdir => Ok(Outcome::failed(
            "Unable to change directory before execution.",
        )),
        g => Ok(run::skipped_outcome(
            &g,
            inv.cmd.clone(),
            true,
            creates,
            removes,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inv(args: Value, shell: bool) -> Invocation {
        let o: CommandOptions = serde_json::from_value(args).unwrap();
        Invocation::from_options(&o, shell).unwrap()
    }

    /// The program check `argv_script` puts before `exec <word>…`.
    fn checked(word: &str, exec: &str) -> String {
        format!(
            "command -v -- {word} >/dev/null 2>&1 || {{ echo {NOT_FOUND} >&2; exit 2; }}; {exec}"
        )
    }

    #[test]
    fn invocation_table() {
        // (args, shell, script, cmd)
        let cases = [
            (
                json!({"_raw_params": "echo hi"}),
                false,
                checked("echo", "exec echo hi"),
                json!(["echo", "hi"]),
            ),
            (
                json!({"cmd": "echo 'a b'"}),
                false,
                checked("echo", "exec echo 'a b'"),
                json!(["echo", "a b"]),
            ),
            (
                json!({"argv": ["ls", "-l", 3]}),
                false,
                checked("ls", "exec ls -l 3"),
                json!(["ls", "-l", "3"]),
            ),
            (
                json!({"argv": ["echo", "$HOME"], "expand_argument_vars": false}),
                false,
                checked("echo", "exec echo '$HOME'"),
                json!(["echo", "$HOME"]),
            ),
            (
                json!({"argv": ["echo", "$HOME"]}),
                false,
                format!(
                    "{}{}",
                    path_script::set_words(&["echo".into(), "$HOME".into()], Home::OfShell),
                    checked("\"$1\"", "exec \"$@\"")
                ),
                json!(["echo", "$HOME"]),
            ),
            (
                json!({"_raw_params": "echo a | wc"}),
                true,
                "exec /bin/sh -c 'echo a | wc'".to_string(),
                json!("echo a | wc"),
            ),
            (
                json!({"cmd": "echo $0", "executable": "/bin/bash"}),
                true,
                "exec /bin/bash -c 'echo $0'".to_string(),
                json!("echo $0"),
            ),
        ];
        for (args, shell, script, cmd) in cases {
            let i = inv(args.clone(), shell);
            assert_eq!(i.script, script, "{args}");
            assert_eq!(i.cmd, cmd, "{args}");
        }
    }

    /// Run `argv_script` for `printf '%s\0' <words>` with exactly `env`,
    /// in `/bin/sh` (dash here) and in bash as `sh` (`/bin/sh` on Red Hat
    /// family targets); both must agree. The words `printf` got.
    fn run_argv(words: &[&str], expand: bool, env: &[(&str, &str)]) -> Vec<String> {
        let argv: Vec<String> = ["printf", "%s\\0"]
            .iter()
            .chain(words)
            .map(|w| w.to_string())
            .collect();
        let script = argv_script(&argv, expand);
        let outs: Vec<Vec<String>> = [("/bin/sh", None), ("/bin/bash", Some("--posix"))]
            .into_iter()
            .map(|(shell, flag)| {
                let out = std::process::Command::new(shell)
                    .args(flag)
                    .arg("-c")
                    .arg(&script)
                    .env_clear()
                    .envs(env.iter().copied())
                    .output()
                    .expect("run the shell");
                assert!(out.status.success(), "{shell} {words:?}: {out:?}");
                let text = String::from_utf8(out.stdout).expect("utf-8");
                let mut got: Vec<String> = text.split('\0').map(str::to_string).collect();
                assert_eq!(got.pop().as_deref(), Some(""), "{shell}: {text:?}");
                got
            })
            .collect();
        assert_eq!(outs[0], outs[1], "{words:?}: sh and bash differ");
        outs[0].clone()
    }

    /// `(word, expected)`: the expected values are Python's
    /// `os.path.expanduser(os.path.expandvars(word))` (what Ansible's
    /// `run_command` does to each argv word) run with this environment
    /// (`env -i … python3`), `root`'s home read from this machine
    /// (`@ROOT@`). Only the exported environment counts: `$PPID`, `$IFS`,
    /// `$OPTIND` are set in every shell but stay as written.
    #[test]
    fn argv_expands_as_python() {
        let env = [
            ("PATH", "/usr/bin:/bin"),
            ("HOME", "/home/t/"),
            ("A", "a b"),
            ("E", ""),
            ("T", "~"),
            ("U", "root"),
            ("Q", "'\"$(id)`id`\\"),
        ];
        let root = util::tilde::expand_on_controller("~root");
        let cases = [
            ("plain", "plain"),
            ("$A", "a b"),
            ("${A}x", "a bx"),
            ("$PPID", "$PPID"),
            ("$IFS", "$IFS"),
            ("$OPTIND", "$OPTIND"),
            ("$1x", "$1x"),
            ("$1", "$1"),
            ("${A", "${A"),
            ("$$A", "$a b"),
            ("~", "/home/t"),
            ("~/x", "/home/t/x"),
            ("~root/x", "@ROOT@/x"),
            ("~$U/x", "@ROOT@/x"),
            ("~$NOPE", "~$NOPE"),
            ("x~", "x~"),
            ("$HOME/x", "/home/t//x"),
            ("$T/x", "/home/t/x"),
            ("$(id)", "$(id)"),
            ("`id`", "`id`"),
            ("a\"b", "a\"b"),
            ("'q'", "'q'"),
            ("a\\\\b", "a\\\\b"),
            ("$Q", "'\"$(id)`id`\\"),
            ("$NOPE/y", "$NOPE/y"),
            ("${NOPE}", "${NOPE}"),
            ("$E", ""),
            ("", ""),
            ("50$", "50$"),
            ("${a b}", "${a b}"),
        ];
        let words: Vec<&str> = cases.iter().map(|(w, _)| *w).collect();
        let want: Vec<String> = cases
            .iter()
            .map(|(_, v)| v.replace("@ROOT@", &root))
            .collect();
        assert_eq!(run_argv(&words, true, &env), want);
        // Each word alone too: a word is expanded the same wherever it is.
        for (word, want) in words.iter().zip(&want) {
            assert_eq!(run_argv(&[word], true, &env), [want.as_str()], "{word:?}");
        }
    }

    #[test]
    fn argv_stays_literal_without_expand_argument_vars() {
        let env = [("PATH", "/usr/bin:/bin"), ("HOME", "/home/t"), ("A", "a")];
        let words = ["$A", "${A}", "~", "~/x", "$(id)", "`id`", "'\"\\", ""];
        assert_eq!(run_argv(&words, false, &env), words);
    }

    #[test]
    fn stdin_newline_table() {
        let cases = [
            (json!({"cmd": "cat", "stdin": "x"}), Some(b"x\n".to_vec())),
            (
                json!({"cmd": "cat", "stdin": "x", "stdin_add_newline": false}),
                Some(b"x".to_vec()),
            ),
            (json!({"cmd": "cat"}), None),
        ];
        for (args, want) in cases {
            assert_eq!(inv(args.clone(), false).stdin, want, "{args}");
        }
    }

    #[test]
    fn unclosed_quote_is_an_error() {
        let o: CommandOptions = serde_json::from_value(json!({"cmd": "echo 'x"})).unwrap();
        assert!(Invocation::from_options(&o, false).is_err());
    }
}
