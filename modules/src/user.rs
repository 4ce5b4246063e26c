//! `user`: make sure a user account exists with the given uid, groups,
//! home, shell, password hash… or that it does not. `useradd`/`usermod`/
//! `userdel`; a password hash goes to `chpasswd -e` on stdin, never argv.

use crate::util;
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::connection::Stdin;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;
use std::collections::BTreeSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserOptions {
    pub name: String,
    pub state: Option<String>,
    pub uid: Option<i64>,
    pub group: Option<String>,
    pub groups: Option<Vec<Value>>,
    pub append: Option<bool>,
    pub comment: Option<String>,
    pub home: Option<String>,
    pub shell: Option<String>,
    pub system: Option<bool>,
    pub create_home: Option<bool>,
    pub move_home: Option<bool>,
    pub non_unique: Option<bool>,
    pub password: Option<String>,
    pub update_password: Option<String>,
    pub password_lock: Option<bool>,
    pub remove: Option<bool>,
    pub force: Option<bool>,
    pub expires: Option<f64>,
    pub skeleton: Option<String>,
    pub umask: Option<String>,
    pub local: Option<bool>,
    pub hidden: Option<bool>,
    pub seuser: Option<String>,
    pub login_class: Option<String>,
    pub generate_ssh_key: Option<bool>,
    pub ssh_key_bits: Option<i64>,
    pub ssh_key_type: Option<String>,
    pub ssh_key_file: Option<String>,
    pub ssh_key_comment: Option<String>,
    pub ssh_key_passphrase: Option<String>,
    pub password_expire_max: Option<i64>,
    pub password_expire_min: Option<i64>,
    pub password_expire_warn: Option<i64>,
    pub uid_min: Option<i64>,
    pub uid_max: Option<i64>,
    pub profile: Option<String>,
    pub authorization: Option<String>,
    pub role: Option<String>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new(
        "name",
        ArgType::Str,
        "Name of the user to create, remove or modify.",
    )
    .required()
    .aliases(&["user"]),
    ArgSpec::new(
        "state",
        ArgType::Str,
        "Whether the account should exist or not.",
    )
    .choices(&["absent", "present"])
    .default("present"),
    ArgSpec::new("uid", ArgType::Int, "Optionally sets the UID of the user."),
    ArgSpec::new(
        "group",
        ArgType::Str,
        "Optionally sets the user's primary group (name or gid).",
    ),
    ArgSpec::new(
        "groups",
        ArgType::List,
        "Supplementary groups; an empty list removes all (unless `append`).",
    ),
    ArgSpec::new(
        "append",
        ArgType::Bool,
        "Add to `groups` instead of setting exactly these.",
    )
    .default("false"),
    ArgSpec::new(
        "comment",
        ArgType::Str,
        "Optionally sets the description (aka GECOS) of user account.",
    ),
    ArgSpec::new(
        "home",
        ArgType::Path,
        "Optionally set the user's home directory.",
    ),
    ArgSpec::new("shell", ArgType::Str, "Optionally set the user's shell."),
    ArgSpec::new(
        "system",
        ArgType::Bool,
        "Create a system account (on creation only).",
    )
    .default("false"),
    ArgSpec::new(
        "create_home",
        ArgType::Bool,
        "Create the home directory when the user is created or its home is missing.",
    )
    .aliases(&["createhome"])
    .default("true"),
    ArgSpec::new(
        "move_home",
        ArgType::Bool,
        "Move the old home to `home` when it changes.",
    )
    .default("false"),
    ArgSpec::new("non_unique", ArgType::Bool, "Allow a non-unique uid.").default("false"),
    ArgSpec::new(
        "password",
        ArgType::Str,
        "The crypted password hash (as in /etc/shadow); sent over stdin, never logged.",
    )
    .no_log(),
    ArgSpec::new(
        "update_password",
        ArgType::Str,
        "`always` updates a differing hash, `on_create` sets it only for new users.",
    )
    .choices(&["always", "on_create"])
    .default("always"),
    ArgSpec::new(
        "password_lock",
        ArgType::Bool,
        "Lock (true) or unlock (false) the password.",
    ),
    ArgSpec::new(
        "remove",
        ArgType::Bool,
        "With state=absent, remove the home directory too (`userdel -r`).",
    )
    .default("false"),
    ArgSpec::new(
        "force",
        ArgType::Bool,
        "With state=absent, remove even when logged in (`userdel -f`).",
    )
    .default("false"),
    ArgSpec::new(
        "expires",
        ArgType::Float,
        "Account expiry as epoch seconds; negative removes it.",
    ),
    ArgSpec::new(
        "skeleton",
        ArgType::Str,
        "Skeleton directory for a new home.",
    ),
    ArgSpec::new("umask", ArgType::Str, "Umask of a new home directory."),
    ArgSpec::new("local", ArgType::Bool, "Use the l* tools (`luseradd`).").default("false"),
    ArgSpec::new(
        "hidden",
        ArgType::Bool,
        "macOS only; accepted for compatibility.",
    ),
    ArgSpec::new(
        "seuser",
        ArgType::Str,
        "SELinux user; accepted for compatibility.",
    ),
    ArgSpec::new(
        "login_class",
        ArgType::Str,
        "BSD only; accepted for compatibility.",
    ),
    ArgSpec::new(
        "generate_ssh_key",
        ArgType::Bool,
        "Not supported by srplay (fails when true).",
    )
    .default("false"),
    ArgSpec::new("ssh_key_bits", ArgType::Int, "See `generate_ssh_key`."),
    ArgSpec::new("ssh_key_type", ArgType::Str, "See `generate_ssh_key`.").default("rsa"),
    ArgSpec::new("ssh_key_file", ArgType::Path, "See `generate_ssh_key`."),
    ArgSpec::new("ssh_key_comment", ArgType::Str, "See `generate_ssh_key`."),
    ArgSpec::new(
        "ssh_key_passphrase",
        ArgType::Str,
        "See `generate_ssh_key`.",
    )
    .no_log(),
    ArgSpec::new(
        "password_expire_max",
        ArgType::Int,
        "Maximum number of days between password change (`chage -M`).",
    ),
    ArgSpec::new(
        "password_expire_min",
        ArgType::Int,
        "Minimum number of days between password change (`chage -m`).",
    ),
    ArgSpec::new(
        "password_expire_warn",
        ArgType::Int,
        "Days of warning before password expiry (`chage -W`).",
    ),
    ArgSpec::new("uid_min", ArgType::Int, "Lowest uid for a new user."),
    ArgSpec::new("uid_max", ArgType::Int, "Highest uid for a new user."),
    ArgSpec::new(
        "profile",
        ArgType::Str,
        "Solaris only; accepted for compatibility.",
    ),
    ArgSpec::new(
        "authorization",
        ArgType::Str,
        "Solaris only; accepted for compatibility.",
    ),
    ArgSpec::new(
        "role",
        ArgType::Str,
        "Solaris only; accepted for compatibility.",
    ),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("name", "The user's name."),
        ("state", "`present` or `absent`."),
        ("uid", "The user's uid."),
        ("group", "The primary group's gid."),
        (
            "groups",
            "The supplementary groups asked for, comma-separated.",
        ),
        ("comment", "The GECOS field."),
        ("home", "The home directory."),
        ("shell", "The login shell."),
        ("system", "Whether it was created as a system account."),
        ("create_home", "Whether the home was to be created."),
        ("append", "The `append` option, for an existing user."),
        ("move_home", "The `move_home` option, for an existing user."),
        (
            "password",
            "`NOT_LOGGING_PASSWORD` when a password was given.",
        ),
        ("force", "With state=absent: the `force` option."),
        ("remove", "With state=absent: the `remove` option."),
    ],
    ..ModuleSpec::new("user", "Manage user accounts.")
};

pub struct User;

/// The account as found: passwd fields, group names, shadow hash.
#[derive(Debug, Default, Clone)]
pub struct Account {
    pub uid: i64,
    pub gid: i64,
    pub comment: String,
    pub home: String,
    pub shell: String,
    pub groups: BTreeSet<String>,
    pub primary_name: String,
    pub hash: Option<String>,
    /// gid of the `group` option, when it names an existing group.
    pub wanted_gid: Option<i64>,
    pub home_exists: bool,
}

fn query_script(o: &UserOptions) -> String {
    let n = quote(&o.name);
    let g = o.group.as_deref().map(quote).unwrap_or_else(|| "''".into());
    format!(
        "if ! p=$(getent passwd -- {n}); then echo @@absent; else printf '%s\\n' \"$p\"; \
         echo @@groups; id -Gn -- {n} 2>/dev/null; echo @@primary; id -gn -- {n} 2>/dev/null; \
         echo @@shadow; getent shadow -- {n} 2>/dev/null | cut -d: -f2; \
         h=$(printf '%s' \"$p\" | cut -d: -f6); [ -d \"$h\" ] && echo @@home; fi; \
         echo @@wanted; [ -n {g} ] && getent group -- {g} | cut -d: -f3; true"
    )
}

fn parse(out: &str) -> Option<Account> {
    if out.starts_with("@@absent") {
        return None;
    }
    let mut a = Account::default();
    let mut section = "passwd";
    for line in out.lines() {
        if let Some(s) = line.strip_prefix("@@") {
            if s == "home" {
                a.home_exists = true;
            } else {
                section = s;
            }
            continue;
        }
        match section {
            "passwd" => {
                let f: Vec<&str> = line.split(':').collect();
                if f.len() >= 7 {
                    a.uid = f[2].parse().unwrap_or(-1);
                    a.gid = f[3].parse().unwrap_or(-1);
                    a.comment = f[4].into();
                    a.home = f[5].into();
                    a.shell = f[6].into();
                }
            }
            "groups" => a.groups = line.split_whitespace().map(str::to_string).collect(),
            "primary" => a.primary_name = line.trim().into(),
            "shadow" if !line.is_empty() => a.hash = Some(line.to_string()),
            "wanted" if !line.is_empty() => a.wanted_gid = line.trim().parse().ok(),
            _ => {}
        }
    }
    a.groups.remove(&a.primary_name);
    Some(a)
}

fn groups_wanted(o: &UserOptions) -> Option<Vec<String>> {
    o.groups.as_ref().map(|g| {
        g.iter()
            .map(|v| match v {
                Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            })
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// `usermod` flags for what differs (empty: nothing to do).
pub fn modify_flags(o: &UserOptions, a: &Account) -> Vec<String> {
    let mut f = Vec::new();
    if let Some(u) = o.uid.filter(|u| *u != a.uid) {
        f.push(format!("-u {u}"));
        if o.non_unique.unwrap_or(false) {
            f.push("-o".into());
        }
    }
    if let Some(g) = &o.group {
        let same = a.wanted_gid == Some(a.gid) || g.parse::<i64>().ok() == Some(a.gid);
        if !same {
            f.push(format!("-g {}", quote(g)));
        }
    }
    if let Some(want) = groups_wanted(o) {
        let want: BTreeSet<String> = want.into_iter().filter(|g| *g != a.primary_name).collect();
        if o.append.unwrap_or(false) {
            if !want.is_subset(&a.groups) {
                f.push(format!(
                    "-a -G {}",
                    quote(&want.iter().cloned().collect::<Vec<_>>().join(","))
                ));
            }
        } else if want != a.groups {
            f.push(format!(
                "-G {}",
                quote(&want.iter().cloned().collect::<Vec<_>>().join(","))
            ));
        }
    }
    if let Some(c) = o.comment.as_ref().filter(|c| **c != a.comment) {
        f.push(format!("-c {}", quote(c)));
    }
    if let Some(h) = o.home.as_ref().filter(|h| **h != a.home) {
        f.push(format!("-d {}", quote(h)));
        if o.move_home.unwrap_or(false) {
            f.push("-m".into());
        }
    }
    if let Some(s) = o.shell.as_ref().filter(|s| **s != a.shell) {
        f.push(format!("-s {}", quote(s)));
    }
    f
}

fn add_flags(o: &UserOptions) -> Vec<String> {
    let mut f = Vec::new();
    if let Some(u) = o.uid {
        f.push(format!("-u {u}"));
        if o.non_unique.unwrap_or(false) {
            f.push("-o".into());
        }
    }
    if let Some(g) = &o.group {
        f.push(format!("-g {}", quote(g)));
    } else {
        // Ansible lets useradd make a same-named group only if none exists.
        f.push("$(getent group -- \"$n\" >/dev/null && echo \"-g $n\" || echo -U)".into());
    }
    if let Some(gs) = groups_wanted(o).filter(|g| !g.is_empty()) {
        f.push(format!("-G {}", quote(&gs.join(","))));
    }
    if let Some(c) = &o.comment {
        f.push(format!("-c {}", quote(c)));
    }
    if let Some(h) = &o.home {
        f.push(format!("-d {}", quote(h)));
    }
    if let Some(s) = &o.shell {
        f.push(format!("-s {}", quote(s)));
    }
    if let Some(e) = o.expires {
        if e >= 0.0 {
            let days = (e / 86400.0).floor() as i64;
            f.push(format!("-e \"$(date -u -d @{} +%Y-%m-%d)\"", days * 86400));
        }
    }
    if o.system.unwrap_or(false) {
        f.push("-r".into());
    }
    if o.create_home.unwrap_or(true) {
        f.push("-m".into());
        if let Some(k) = &o.skeleton {
            f.push(format!("-k {}", quote(k)));
        }
        if let Some(u) = &o.umask {
            f.push(format!("-K UMASK={}", quote(u)));
        }
    } else {
        f.push("-M".into());
    }
    if let Some(m) = o.uid_min {
        f.push(format!("-K UID_MIN={m}"));
    }
    if let Some(m) = o.uid_max {
        f.push(format!("-K UID_MAX={m}"));
    }
    f
}

#[async_trait::async_trait]
impl Module for User {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: UserOptions = util::options(&SPEC, args)?;
        if o.generate_ssh_key.unwrap_or(false) {
            return Ok(Outcome::failed(
                "user: generate_ssh_key is not supported by srplay; use an ssh-keygen command task",
            ));
        }
        let state = o.state.clone().unwrap_or_else(|| "present".into());
        let l = if o.local.unwrap_or(false) { "l" } else { "" };
        let n = quote(&o.name);
        let found = parse(&ctx.exec(query_script(&o)).await?.stdout_str());
        let mut res = Outcome::ok()
            .with("name", o.name.clone())
            .with("state", state.clone());
        if state == "absent" {
            if found.is_none() {
                return Ok(res);
            }
            if ctx.check_mode {
                return Ok(Outcome::changed(true));
            }
            let mut c = format!("{l}userdel ");
            if o.force.unwrap_or(false) {
                c.push_str("-f ");
            }
            if o.remove.unwrap_or(false) {
                c.push_str("-r ");
            }
            let out = ctx.exec(format!("{c}{n}")).await?;
            if !out.success() {
                return Ok(Outcome::failed(out.stderr_str().trim().to_string())
                    .with("name", o.name.clone())
                    .with("rc", out.rc));
            }
            res.changed = true;
            return Ok(res
                .with("force", o.force.unwrap_or(false))
                .with("remove", o.remove.unwrap_or(false)));
        }
        let mut script = vec![format!("n={n}")];
        let mut changed = false;
        let new = found.is_none();
        match &found {
            None => {
                if ctx.check_mode {
                    return Ok(Outcome::changed(true));
                }
                script.push(format!("{l}useradd {} \"$n\"", add_flags(&o).join(" ")));
                changed = true;
                res = res
                    .with("system", o.system.unwrap_or(false))
                    .with("create_home", o.create_home.unwrap_or(true));
            }
            Some(a) => {
                let flags = modify_flags(&o, a);
                if !flags.is_empty() {
                    script.push(format!("{l}usermod {} \"$n\"", flags.join(" ")));
                    changed = true;
                }
                if o.create_home.unwrap_or(true)
                    && !a.home_exists
                    && o.home.as_ref().is_none_or(|h| *h == a.home)
                {
                    script.push(format!(
                        "h={}; mkdir -p -- \"$h\" && cp -a /etc/skel/. \"$h\"/ 2>/dev/null; chown -R {}:{} -- \"$h\"",
                        quote(&a.home),
                        a.uid,
                        a.gid
                    ));
                    changed = true;
                }
                res = res
                    .with("append", o.append.unwrap_or(false))
                    .with("move_home", o.move_home.unwrap_or(false));
            }
        }
        // The hash is never put in argv: `chpasswd -e` reads it on stdin.
        let mut stdin = None;
        if let Some(p) = &o.password {
            let always = o.update_password.as_deref() != Some("on_create");
            let differs = found
                .as_ref()
                .map(|a| a.hash.as_deref() != Some(p.as_str()))
                .unwrap_or(true);
            if differs && (new || always) {
                script.push("chpasswd -e".into());
                stdin = Some(format!("{}:{p}\n", o.name).into_bytes());
                changed = true;
            }
            res = res.with("password", "NOT_LOGGING_PASSWORD");
        }
        if let Some(lock) = o.password_lock {
            let locked = found
                .as_ref()
                .and_then(|a| a.hash.as_deref())
                .is_some_and(|h| h.starts_with('!'));
            if lock != locked || new {
                script.push(format!("usermod {} \"$n\"", if lock { "-L" } else { "-U" }));
                changed |= lock != locked;
            }
        }
        let mut chage = Vec::new();
        for (flag, v) in [
            ("-M", o.password_expire_max),
            ("-m", o.password_expire_min),
            ("-W", o.password_expire_warn),
        ] {
            if let Some(v) = v {
                chage.push(format!("{flag} {v}"));
            }
        }
        if !chage.is_empty() {
            // chage is idempotent; compare its listing before and after.
            script.push(format!(
                "b=$(chage -l \"$n\"); chage {} \"$n\"; [ \"$b\" = \"$(chage -l \"$n\")\" ] || echo @@chage-changed",
                chage.join(" ")
            ));
        }
        if ctx.check_mode {
            res.changed = changed;
            return Ok(with_account(res, &o, found.as_ref()));
        }
        if script.len() > 1 {
            // Without a password, stdin must not be the command's.
            let s = if stdin.is_some() {
                script.join(" && ")
            } else {
                format!("{} </dev/null", script.join(" && "))
            };
            let out = ctx
                .exec_stdin(s, stdin.map(Stdin::Bytes).unwrap_or_default())
                .await?;
            if !out.success() {
                return Ok(Outcome::failed(out.stderr_str().trim().to_string())
                    .with("name", o.name.clone())
                    .with("rc", out.rc));
            }
            changed |= out.stdout_str().contains("@@chage-changed");
        }
        res.changed = changed;
        let now = parse(&ctx.exec(query_script(&o)).await?.stdout_str());
        Ok(with_account(res, &o, now.as_ref()))
    }
}

fn with_account(mut res: Outcome, o: &UserOptions, a: Option<&Account>) -> Outcome {
    if let Some(a) = a {
        res = res
            .with("uid", a.uid)
            .with("group", a.gid)
            .with("comment", a.comment.clone())
            .with("home", a.home.clone())
            .with("shell", a.shell.clone());
        if let Some(g) = groups_wanted(o) {
            res = res.with("groups", g.join(","));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> UserOptions {
        let mut m = json!({"name": "sr"});
        m.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        serde_json::from_value(m).unwrap()
    }

    fn account() -> Account {
        parse("sr:x:1001:1001:StarRocks:/home/sr:/bin/bash\n@@groups\nsr wheel\n@@primary\nsr\n@@shadow\n!\n@@home\n@@wanted\n1001\n").unwrap()
    }

    #[test]
    fn modify_table() {
        let cases = [
            (json!({}), vec![]),
            (
                json!({"uid": 1001, "group": "sr", "shell": "/bin/bash"}),
                vec![],
            ),
            (json!({"uid": 2000}), vec!["-u 2000"]),
            (json!({"groups": ["wheel"]}), vec![]),
            (
                json!({"groups": ["docker"], "append": true}),
                vec!["-a -G docker"],
            ),
            (
                json!({"groups": ["wheel", "docker"]}),
                vec!["-G docker,wheel"],
            ),
            (json!({"groups": []}), vec!["-G ''"]),
            (
                json!({"shell": "/bin/sh", "comment": "x y"}),
                vec!["-c 'x y'", "-s /bin/sh"],
            ),
        ];
        for (o, want) in cases {
            assert_eq!(modify_flags(&opts(o.clone()), &account()), want, "{o}");
        }
    }

    #[test]
    fn parse_reads_every_section() {
        let a = account();
        assert_eq!(
            (a.uid, a.gid, a.home.as_str(), a.home_exists),
            (1001, 1001, "/home/sr", true)
        );
        assert_eq!(
            a.groups.iter().cloned().collect::<Vec<_>>(),
            vec!["wheel".to_string()]
        );
        assert!(parse("@@absent\n").is_none());
    }
}
