//! `keytab`: check a Kerberos keytab on the target for a StarRocks node
//! (SOP checklist item 4): it exists, parses, holds the node's principal
//! (`_HOST` expanded to the host's FQDN), is readable by the service user,
//! optionally works with `kinit -kt`, and `krb5.conf` names the principal's
//! realm as `default_realm`. Returns the entries (never key bytes). Never
//! changes anything.

pub mod encode;
pub mod parse;
#[cfg(test)]
mod tests;

pub use parse::{parse_keytab, Keytab, KeytabEntry, KeytabError};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::connection::{Become, ExecRequest};
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use srplay_engine::shell::quote;

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("path", ArgType::Path, "The keytab on the target.").required(),
    ArgSpec::new("principal", ArgType::Str, "A principal that must be in the keytab; `_HOST` becomes the host's FQDN. Without `@REALM`, any realm matches."),
    ArgSpec::new("user", ArgType::Str, "A user who must be able to read the keytab (e.g. `starrocks`)."),
    ArgSpec::new("kinit_test", ArgType::Bool, "Also run `kinit -kt` (into a throwaway in-memory cache) when kinit is installed.")
        .default("false"),
    ArgSpec::new("krb5_conf", ArgType::Path, "krb5.conf to check for `default_realm`.")
        .default("/etc/krb5.conf"),
    ArgSpec::new("check_krb5_conf", ArgType::Bool, "Require `krb5_conf` to exist and name the principal's realm as default_realm.")
        .default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("entries", "Each key: principal, components, realm, name_type, timestamp, kvno, enctype, enctype_name, key_length."),
        ("principals", "The distinct principals in the keytab."),
        ("principal", "The principal looked for, `_HOST` expanded."),
        ("principal_found", "Whether it is in the keytab."),
        ("owner", "Owner, group and octal mode of the keytab: `owner`, `group`, `mode`."),
        ("readable", "Whether `user` can read it; `readable_check` says how (`read` as that user with become, else `mode`)."),
        ("default_realm", "krb5.conf's default_realm."),
        ("kinit", "`kinit -kt` result: true/false, null when not run."),
        ("problems", "Every check that failed."),
    ],
    ..ModuleSpec::new("keytab", "Check a Kerberos keytab: present, parseable, has the principal, readable by the service user.")
};

#[derive(Deserialize)]
struct Options {
    path: String,
    principal: Option<String>,
    user: Option<String>,
    kinit_test: bool,
    krb5_conf: Option<String>,
    check_krb5_conf: bool,
}

/// What one shell round trip told about the target.
#[derive(Debug, Default, PartialEq)]
pub struct Survey {
    pub exists: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub user_uid: Option<u32>,
    pub user_gids: Vec<u32>,
    pub fqdn: Option<String>,
    pub kinit: Option<String>,
    pub krb5_exists: bool,
    pub default_realm: Option<String>,
}

/// The survey script: `key=value` lines.
pub fn survey_script(path: &str, user: Option<&str>, krb5: Option<&str>) -> String {
    let mut s = format!(
        "p={}\nif [ -e \"$p\" ]; then echo exists=1; stat -L -c 'stat=%u %g %a %U %G' -- \"$p\"; else echo exists=0; fi\n",
        quote(path)
    );
    if let Some(u) = user {
        s.push_str(&format!(
            "u={}\necho \"uid=$(id -u -- \"$u\" 2>/dev/null)\"\necho \"gids=$(id -G -- \"$u\" 2>/dev/null)\"\n",
            quote(u)
        ));
    }
    s.push_str("echo \"fqdn=$(hostname -f 2>/dev/null || hostname 2>/dev/null)\"\n");
    s.push_str("echo \"kinit=$(command -v kinit 2>/dev/null)\"\n");
    if let Some(k) = krb5 {
        s.push_str(&format!(
            "k={}\nif [ -r \"$k\" ]; then echo krb5=1; grep -E '^[[:space:]]*default_realm[[:space:]]*=' -- \"$k\" | sed 's/^/realm_line=/'; else echo krb5=0; fi\n",
            quote(k)
        ));
    }
    s
}

/// Read the survey script's output.
pub fn parse_survey(out: &str) -> Survey {
    let mut s = Survey::default();
    for line in out.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k {
            "exists" => s.exists = v == "1",
            "stat" => {
                let f: Vec<&str> = v.split_whitespace().collect();
                if f.len() >= 5 {
                    s.uid = f[0].parse().ok();
                    s.gid = f[1].parse().ok();
                    s.mode = u32::from_str_radix(f[2], 8).ok();
                    s.owner = Some(f[3].to_string());
                    s.group = Some(f[4].to_string());
                }
            }
            "uid" => s.user_uid = v.parse().ok(),
            "gids" => {
                s.user_gids = v
                    .split_whitespace()
                    .filter_map(|g| g.parse().ok())
                    .collect()
            }
            "fqdn" if !v.is_empty() => s.fqdn = Some(v.to_string()),
            "kinit" if !v.is_empty() => s.kinit = Some(v.to_string()),
            "krb5" => s.krb5_exists = v == "1",
            "realm_line" if s.default_realm.is_none() => {
                let value = v.split_once('=').map_or(v, |(_, r)| r);
                let value = value.split(['#', ';']).next().unwrap_or("").trim();
                if !value.is_empty() {
                    s.default_realm = Some(value.to_string());
                }
            }
            _ => {}
        }
    }
    s
}

/// Can a user with `uid` and `gids` read a file with this owner and mode?
pub fn readable_by(uid: u32, gids: &[u32], file_uid: u32, file_gid: u32, mode: u32) -> bool {
    if uid == 0 {
        return true;
    }
    if uid == file_uid {
        return mode & 0o400 != 0;
    }
    if gids.contains(&file_gid) {
        return mode & 0o040 != 0;
    }
    mode & 0o004 != 0
}

/// `_HOST` replaced by the host's FQDN, lower-cased as Kerberos host
/// principals are.
pub fn expand_principal(principal: &str, fqdn: &str) -> String {
    principal.replace("_HOST", &fqdn.to_ascii_lowercase())
}

/// Whether the keytab holds `wanted` (with `@REALM`: exactly; without:
/// in any realm).
pub fn has_principal<'a>(kt: &'a Keytab, wanted: &str) -> Option<&'a KeytabEntry> {
    kt.entries.iter().find(|e| {
        if wanted.contains('@') {
            e.principal == wanted
        } else {
            e.components.join("/") == wanted
        }
    })
}

/// The host's FQDN: facts first (`ansible_facts.fqdn`, `ansible_fqdn`),
/// then the target's `hostname -f`.
fn fqdn(ctx: &ModuleContext, survey: &Survey) -> Option<String> {
    ctx.var("ansible_facts")
        .and_then(|f| f.get("fqdn"))
        .or_else(|| ctx.var("ansible_fqdn"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| survey.fqdn.clone())
}

/// With become: read one byte as `user` for real.
async fn read_as(
    ctx: &ModuleContext,
    b: &Become,
    user: &str,
    path: &str,
) -> Result<bool, ModuleError> {
    let as_user = Become {
        user: user.to_string(),
        ..b.clone()
    };
    let req = ExecRequest::new(format!("head -c 1 -- {} >/dev/null", quote(path)))
        .become_as(Some(as_user));
    Ok(ctx.conn.exec(req).await?.success())
}

#[derive(Default)]
struct Report {
    problems: Vec<String>,
    outcome: Outcome,
}

impl Report {
    fn set(&mut self, key: &str, v: impl Into<Value>) {
        self.outcome.data.insert(key.to_string(), v.into());
    }
}

#[async_trait]
impl Module for KeytabCheck {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: Options = self.options(args)?;
        let krb5 = o
            .krb5_conf
            .clone()
            .filter(|k| o.check_krb5_conf && !k.is_empty());
        let out = ctx
            .exec(survey_script(&o.path, o.user.as_deref(), krb5.as_deref()))
            .await?;
        let survey = parse_survey(&out.stdout_str());
        let mut r = Report::default();
        r.set("path", o.path.clone());
        r.set("exists", survey.exists);
        if !survey.exists {
            r.problems
                .push(format!("{} does not exist on the target", o.path));
            return Ok(finish(r));
        }
        r.set("owner", survey.owner.clone());
        r.set("group", survey.group.clone());
        r.set("mode", survey.mode.map(|m| format!("0{m:o}")));
        let kt = match ctx.get(&o.path).await {
            Ok(bytes) => match parse_keytab(&bytes) {
                Ok(kt) => Some(kt),
                Err(e) => {
                    r.problems.push(format!("{}: {e}", o.path));
                    None
                }
            },
            Err(e) if e.is_unreachable() => return Err(e.into()),
            Err(e) => {
                r.problems.push(format!(
                    "cannot fetch the keytab (use become to read it as root): {e}"
                ));
                None
            }
        };
        check_readable(ctx, &o, &survey, &mut r).await?;
        let wanted = o.principal.as_ref().map(|p| match fqdn(ctx, &survey) {
            Some(f) => expand_principal(p, &f),
            None => p.clone(),
        });
        let mut realm = wanted
            .as_ref()
            .and_then(|w| w.split_once('@').map(|(_, r)| r.to_string()));
        if let Some(kt) = &kt {
            let mut principals: Vec<&str> = Vec::new();
            for e in &kt.entries {
                if !principals.contains(&e.principal.as_str()) {
                    principals.push(&e.principal);
                }
            }
            r.set("principals", principals.clone());
            r.set("keytab_version", kt.version);
            r.set(
                "entries",
                serde_json::to_value(&kt.entries).unwrap_or_default(),
            );
            if let Some(w) = &wanted {
                let found = has_principal(kt, w);
                r.set("principal_found", found.is_some());
                match found {
                    Some(e) => realm = realm.or_else(|| Some(e.realm.clone())),
                    None => r.problems.push(format!(
                        "principal {w} is not in the keytab (it holds: {})",
                        principals.join(", ")
                    )),
                }
            }
        }
        r.set("principal", wanted.clone());
        if let Some(k) = &krb5 {
            check_krb5(k, &survey, realm.as_deref(), &mut r);
        }
        r.set("kinit", Value::Null);
        if o.kinit_test {
            kinit_test(
                ctx,
                &o.path,
                &survey,
                wanted.as_deref(),
                kt.as_ref(),
                &mut r,
            )
            .await?;
        }
        Ok(finish(r))
    }
}

async fn check_readable(
    ctx: &ModuleContext,
    o: &Options,
    s: &Survey,
    r: &mut Report,
) -> Result<(), ModuleError> {
    let Some(user) = &o.user else { return Ok(()) };
    let Some(uid) = s.user_uid else {
        r.problems
            .push(format!("user {user} does not exist on the target"));
        r.set("readable", false);
        return Ok(());
    };
    let (readable, how) = match &ctx.r#become {
        Some(b) => (read_as(ctx, b, user, &o.path).await?, "read"),
        None => match (s.uid, s.gid, s.mode) {
            (Some(fu), Some(fg), Some(m)) => (readable_by(uid, &s.user_gids, fu, fg, m), "mode"),
            _ => (false, "mode"),
        },
    };
    r.set("readable", readable);
    r.set("readable_check", how);
    if !readable {
        r.problems.push(format!(
            "{} is not readable by {user} (owner {}, group {}, mode {})",
            o.path,
            s.owner.as_deref().unwrap_or("?"),
            s.group.as_deref().unwrap_or("?"),
            s.mode
                .map(|m| format!("0{m:o}"))
                .unwrap_or_else(|| "?".into())
        ));
    }
    Ok(())
}

fn check_krb5(path: &str, s: &Survey, realm: Option<&str>, r: &mut Report) {
    r.set("default_realm", s.default_realm.clone());
    if !s.krb5_exists {
        r.problems.push(format!(
            "{path} does not exist or is not readable on the target"
        ));
        return;
    }
    match (&s.default_realm, realm) {
        (None, _) => r.problems.push(format!("{path} sets no default_realm")),
        (Some(d), Some(want)) if d != want => r.problems.push(format!(
            "{path} has default_realm = {d}, but the principal's realm is {want}"
        )),
        _ => {}
    }
}

async fn kinit_test(
    ctx: &ModuleContext,
    path: &str,
    s: &Survey,
    wanted: Option<&str>,
    kt: Option<&Keytab>,
    r: &mut Report,
) -> Result<(), ModuleError> {
    let Some(kinit) = &s.kinit else {
        r.outcome
            .warnings
            .push("kinit_test: kinit is not installed on the target; skipped".into());
        return Ok(());
    };
    let principal = wanted.map(str::to_string).or_else(|| {
        kt.and_then(|k| k.entries.first())
            .map(|e| e.principal.clone())
    });
    let Some(principal) = principal else {
        r.problems
            .push("kinit_test: no principal to test (the keytab is empty)".into());
        return Ok(());
    };
    // A memory cache: the test leaves no ticket behind and never replaces
    // the user's own cache.
    let out = ctx
        .exec(format!(
            "KRB5CCNAME=MEMORY:srplay-keytab-test {} -kt {} {} 2>&1",
            quote(kinit),
            quote(path),
            quote(&principal)
        ))
        .await?;
    r.set("kinit", out.success());
    r.set("kinit_output", out.stdout_str().trim().to_string());
    if !out.success() {
        r.problems.push(format!(
            "kinit -kt {path} {principal} failed: {}",
            out.stdout_str().trim()
        ));
    }
    Ok(())
}

fn finish(mut r: Report) -> Outcome {
    r.set("problems", r.problems.clone());
    let mut outcome = r.outcome;
    if r.problems.is_empty() {
        outcome.msg = Some("keytab OK".into());
    } else {
        outcome.failed = true;
        outcome.msg = Some(r.problems.join("; "));
    }
    outcome
}

pub struct KeytabCheck;

#[cfg(test)]
mod survey_tests {
    use super::*;

    #[test]
    fn survey_output_is_read() {
        let out = "exists=1\nstat=0 998 640 root starrocks\nuid=999\ngids=999 998\nfqdn=fe1.example.com\nkinit=/usr/bin/kinit\nkrb5=1\nrealm_line=    default_realm = EXAMPLE.COM # main\n";
        let s = parse_survey(out);
        assert_eq!(
            s,
            Survey {
                exists: true,
                uid: Some(0),
                gid: Some(998),
                mode: Some(0o640),
                owner: Some("root".into()),
                group: Some("starrocks".into()),
                user_uid: Some(999),
                user_gids: vec![999, 998],
                fqdn: Some("fe1.example.com".into()),
                kinit: Some("/usr/bin/kinit".into()),
                krb5_exists: true,
                default_realm: Some("EXAMPLE.COM".into()),
            }
        );
        let none = parse_survey("exists=0\nuid=\ngids=\nfqdn=\nkinit=\nkrb5=0\n");
        assert_eq!(none, Survey::default());
    }

    #[test]
    fn readability_table() {
        let cases = [
            ((0, &[][..], 5, 5, 0o000), true),
            ((999, &[999][..], 999, 0, 0o400), true),
            ((999, &[999][..], 999, 0, 0o040), false),
            ((999, &[998][..], 0, 998, 0o640), true),
            ((999, &[999][..], 0, 998, 0o640), false),
            ((999, &[999][..], 0, 0, 0o644), true),
        ];
        for ((uid, gids, fu, fg, mode), want) in cases {
            assert_eq!(
                readable_by(uid, gids, fu, fg, mode),
                want,
                "{uid} {gids:?} {fu} {fg} {mode:o}"
            );
        }
    }

    #[test]
    fn principals_match_with_host_expansion() {
        let kt = parse_keytab(&encode::encode_keytab(
            2,
            true,
            &[encode::NewEntry::service(
                "starrocks/fe1.example.com@EXAMPLE.COM",
                1,
            )],
        ))
        .unwrap();
        let p = expand_principal("starrocks/_HOST@EXAMPLE.COM", "FE1.Example.com");
        assert_eq!(p, "starrocks/fe1.example.com@EXAMPLE.COM");
        assert!(has_principal(&kt, &p).is_some());
        assert!(
            has_principal(&kt, "starrocks/fe1.example.com").is_some(),
            "any realm"
        );
        assert!(has_principal(&kt, "starrocks/fe1.example.com@OTHER.COM").is_none());
        assert!(has_principal(&kt, "starrocks/fe2.example.com").is_none());
    }
}
