//! Shell code that expands a path on the target as Ansible's `type: path`
//! does in its module process: `os.path.expanduser(os.path.expandvars(p))`
//! — `$NAME`/`${NAME}` from the process's environment first (an unset
//! one stays as written), then a leading `~`/`~user` on the result (so
//! `$HOME/x`, `~/x` and `~$USER/x` all work). `command`'s argv words get
//! the same expansion (Ansible's `expand_argument_vars`), see
//! [`set_words`].
//!
//! Nothing from the path is ever interpreted by the target's shell: text
//! is single-quoted, only ASCII `\w+` variable names (checked here) are put
//! in the script, and a `~user` taken from a value is checked by the
//! script before the shell expands it.

use super::expandvars::{self, Piece};
use super::tilde;
use srplay_engine::connection::ExecRequest;
use srplay_engine::module::{ModuleContext, ModuleError};
use srplay_engine::shell::quote;
use std::collections::BTreeMap;

/// What a lone `~` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home<'a> {
    /// The running shell's `$HOME`: the script runs as the module would.
    OfShell,
    /// This user's home (the become user's, for a lookup run as the
    /// connection's user).
    OfUser(&'a str),
}

/// Whether `path` needs the target at all.
pub fn needs_expansion(path: &str) -> bool {
    !path.contains('\0') && (path.starts_with('~') || expandvars::has_reference(path))
}

/// The characters a `~user` may have for the script to expand it; any
/// other user name (or one of digits only, which bash reads as a
/// directory stack entry) stays as written.
const USER_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/// The shell variables [`assign`] uses besides its own `var`, and
/// [`set_words`]'s `srplay_p`: code that unsets them all again, for a
/// script that runs a user's command after them.
pub const UNSET_VARIABLES: &str = "unset srplay_p srplay_x srplay_u srplay_r srplay_h; ";

/// Shell code that sets the shell variable `var` to `path` expanded.
/// Uses (and leaves set) the variables `srplay_x`, `srplay_u`,
/// `srplay_r`, `srplay_h`.
pub fn assign(var: &str, path: &str, home: Home) -> String {
    let mut s = format!("{var}=''; ");
    for piece in expandvars::pieces(path) {
        match piece {
            Piece::Text(t) => s.push_str(&format!("{var}=${{{var}}}{}; ", quote(t))),
            // `printenv`, not `${NAME+…}`: the module sees the
            // environment, not the shell's own variables (`PPID`, `IFS`,
            // bash's `HOSTNAME` are set in every shell, exported or not).
            // The `.` keeps the value's trailing newlines.
            Piece::Var { name, text } if expandvars::is_word_name(name) => s.push_str(&format!(
                "if srplay_x=$(printenv {name} && echo .); then {var}=${{{var}}}${{srplay_x%?.}}; \
                 else {var}=${{{var}}}{}; fi; ",
                quote(text)
            )),
            Piece::Var { text, .. } => s.push_str(&format!("{var}=${{{var}}}{}; ", quote(text))),
        }
    }
    // Only a path starting with `~` or a variable can end up with one.
    if path.starts_with(['~', '$']) {
        s.push_str(&tilde_code(var, home));
    }
    s
}

/// Shell code that sets the positional parameters (`"$@"`) to `words`,
/// each expanded as [`assign`] expands a path: Ansible's `run_command`
/// expands every argv word with the same `expanduser(expandvars(w))` in
/// the module process (`expand_argument_vars`). A word that needs nothing
/// is taken as is. The variables used on the way are unset at the end, so
/// the command run with `"$@"` sees the shell as it was.
pub fn set_words(words: &[String], home: Home) -> String {
    let mut s = String::from("set --; ");
    for word in words {
        if needs_expansion(word) {
            s.push_str(&assign("srplay_p", word, home));
            s.push_str("set -- \"$@\" \"$srplay_p\"; ");
        } else {
            s.push_str(&format!("set -- \"$@\" {}; ", quote(word)));
        }
    }
    s.push_str(UNSET_VARIABLES);
    s
}

/// Shell code replacing a leading `~`/`~user` of `$var` by the home, as
/// Python's `expanduser`: the home's trailing slashes dropped, `/` when
/// nothing is left, an unknown user's `~name` left as written.
fn tilde_code(var: &str, home: Home) -> String {
    let lone = match home {
        Home::OfUser(u) if tilde::split(&format!("~{u}")).is_some() => format!("~{u}"),
        _ => "~".to_string(),
    };
    format!(
        "case ${var} in '~'*) srplay_u=${{{var}%%/*}}; srplay_r=${{{var}#\"$srplay_u\"}}; \
         case $srplay_u in '~') srplay_h={lone};; \
         *) srplay_h=$srplay_u; case ${{srplay_u#?}} in -*|*[!{USER_CHARS}]*) ;; \
         *[!0123456789]*) eval \"srplay_h=$srplay_u\";; esac;; esac; \
         if [ \"$srplay_h\" != \"$srplay_u\" ]; then \
         while :; do case $srplay_h in */) srplay_h=${{srplay_h%/}};; *) break;; esac; done; \
         {var}=$srplay_h$srplay_r; [ -n \"${var}\" ] || {var}=/; fi;; esac; "
    )
}

/// Expand every path of `paths` that needs it on the target, in one round
/// trip (none when no path has a `$` reference or a leading `~`): the
/// expanded value of each such path.
///
/// The task's `environment:` applies, as to an Ansible module. With a `$`
/// reference the script runs under the task's become, because Ansible's
/// module runs there: its variables are the become user's (sudo's reset
/// environment, `HOME` and `USER` of that user), plus `environment:`.
/// `~` does not depend on that: it is asked for as `~<become user>` with
/// become (the home Ansible uses for a task with become), so the lookup
/// needs no privilege and, without a `$`, runs as the connection's user.
pub async fn expand_on_target(
    ctx: &ModuleContext,
    paths: &[String],
) -> Result<BTreeMap<String, String>, ModuleError> {
    let mut wanted: Vec<&String> = paths.iter().filter(|p| needs_expansion(p)).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    // An empty become user is root, as for the become wrapper.
    let become_user = ctx.r#become.as_ref().map(|b| match b.user.as_str() {
        "" => "root",
        u => u,
    });
    let home = become_user.map_or(Home::OfShell, Home::OfUser);
    let script: String = wanted
        .iter()
        .map(|p| {
            format!(
                "{}printf '%s\\0' \"$srplay_p\"; ",
                assign("srplay_p", p, home)
            )
        })
        .collect();
    let with_vars = wanted.iter().any(|p| expandvars::has_reference(p));
    let mut req = ExecRequest::new(script);
    req.env = ctx.environment.clone();
    if with_vars {
        req.r#become = ctx.r#become.clone();
    }
    let out = ctx.conn.exec(req).await?;
    let values: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    // One value per path, then what follows the last NUL (nothing).
    if !out.success() || values.len() != wanted.len() + 1 {
        return Err(ModuleError::failed(format!(
            "could not expand {} on the target: {}",
            wanted
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            out.stderr_str().trim()
        )));
    }
    Ok(wanted.into_iter().cloned().zip(values).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Run `assign` for `path` with exactly `env`, in `/bin/sh` (dash
    /// here) and in bash as `sh` (`/bin/sh` on Red Hat family targets);
    /// both must agree.
    fn run(path: &str, home: Home, env: &[(&str, &str)]) -> String {
        let script = format!(
            "{}printf '%s' \"$srplay_p\"",
            assign("srplay_p", path, home)
        );
        let outs: Vec<String> = [("/bin/sh", None), ("/bin/bash", Some("--posix"))]
            .into_iter()
            .map(|(shell, flag)| {
                let out = Command::new(shell)
                    .args(flag)
                    .arg("-c")
                    .arg(&script)
                    .env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .envs(env.iter().copied())
                    .output()
                    .expect("run the shell");
                assert!(out.status.success(), "{shell} {path}: {out:?}");
                String::from_utf8(out.stdout).expect("utf-8")
            })
            .collect();
        assert_eq!(outs[0], outs[1], "{path:?}: sh and bash differ");
        outs[0].clone()
    }

    /// `(path, expected)` with the environment below and `root`'s home
    /// read from this machine (`@ROOT@`); the variable part of each row is
    /// Python's `expandvars` (see `expandvars`'s table), the `~` part its
    /// `expanduser`.
    #[test]
    fn shell_expands_as_python() {
        let env = [
            ("HOME", "/home/u/"),
            ("A", "a b"),
            ("E", ""),
            ("U", "root"),
            ("T", "~"),
            ("NL", "x\ny\n\n"),
            ("Q", "'\"$(id)`id`\\"),
            ("STAR", "*"),
        ];
        let root = tilde::expand_on_controller("~root");
        let cases = [
            ("$A", "a b"),
            ("${A}/x", "a b/x"),
            ("${A}f", "a bf"),
            ("f", "f"),
            ("$E$A", "a b"),
            ("$NOPE/x", "$NOPE/x"),
            ("${NOPE}", "${NOPE}"),
            ("$PPID", "$PPID"),
            ("$HOSTNAME", "$HOSTNAME"),
            ("$BASH_VERSION", "$BASH_VERSION"),
            ("$IFS", "$IFS"),
            ("${a-b}", "${a-b}"),
            ("$", "$"),
            ("$$A", "$a b"),
            ("$NL", "x\ny\n\n"),
            ("$Q", "'\"$(id)`id`\\"),
            ("$STAR", "*"),
            ("'$(id)'", "'$(id)'"),
            ("~", "/home/u"),
            ("~/f", "/home/u/f"),
            ("$HOME/f", "/home/u//f"),
            ("$T/f", "/home/u/f"),
            ("~$U/f", "@ROOT@/f"),
            ("~$NOPE/f", "~$NOPE/f"),
            ("~no-such-user-x/f", "~no-such-user-x/f"),
            ("~+/f", "~+/f"),
            ("~0/f", "~0/f"),
            ("~$(id)/f", "~$(id)/f"),
            ("/x/~/$A", "/x/~/a b"),
        ];
        for (path, want) in cases {
            let want = want.replace("@ROOT@", &root);
            assert_eq!(run(path, Home::OfShell, &env), want, "{path:?}");
        }
    }

    #[test]
    fn a_lone_tilde_can_mean_another_users_home() {
        let root = tilde::expand_on_controller("~root");
        let env = [("HOME", "/home/u"), ("T", "~")];
        assert_eq!(run("~/f", Home::OfUser("root"), &env), format!("{root}/f"));
        assert_eq!(run("$T", Home::OfUser("root"), &env), root);
        // A user name the shell would not take stays `~`.
        assert_eq!(run("~/f", Home::OfUser("a b"), &env), "/home/u/f");
    }

    #[test]
    fn only_paths_with_tilde_or_references_need_the_target() {
        let cases = [
            ("/plain", false),
            ("/a/$", false),
            ("/a/$B", true),
            ("~", true),
            ("/a/~", false),
            ("~/\0", false),
        ];
        for (path, want) in cases {
            assert_eq!(needs_expansion(path), want, "{path:?}");
        }
    }
}
