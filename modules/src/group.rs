//! `group`: make sure a group exists (with a gid) or does not.

use crate::util;
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupOptions {
    pub name: String,
    pub state: Option<String>,
    pub gid: Option<i64>,
    pub system: Option<bool>,
    pub force: Option<bool>,
    pub local: Option<bool>,
    pub non_unique: Option<bool>,
    pub gid_min: Option<i64>,
    pub gid_max: Option<i64>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("name", ArgType::Str, "Name of the group to manage.").required(),
    ArgSpec::new(
        "state",
        ArgType::Str,
        "Whether the group should be present or not on the remote host.",
    )
    .choices(&["absent", "present"])
    .default("present"),
    ArgSpec::new("gid", ArgType::Int, "Optional GID to set for the group."),
    ArgSpec::new(
        "system",
        ArgType::Bool,
        "If yes, indicates that the group created is a system group.",
    )
    .default("false"),
    ArgSpec::new(
        "force",
        ArgType::Bool,
        "Whether to delete a group even if it is the primary group of a user.",
    )
    .default("false"),
    ArgSpec::new(
        "local",
        ArgType::Bool,
        "Use the l* tools (`lgroupadd`) for local groups.",
    )
    .default("false"),
    ArgSpec::new(
        "non_unique",
        ArgType::Bool,
        "Allow a non-unique gid (needs `gid`).",
    )
    .default("false"),
    ArgSpec::new("gid_min", ArgType::Int, "Lowest gid for a new group."),
    ArgSpec::new("gid_max", ArgType::Int, "Highest gid for a new group."),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("name", "The group's name."),
        ("state", "`present` or `absent`."),
        ("gid", "The group's gid, when it exists."),
        ("system", "Whether it was asked to be a system group."),
    ],
    ..ModuleSpec::new("group", "Add or remove groups.")
};

pub struct Group;

/// `getent group NAME` as (gid); None if absent.
pub async fn lookup(ctx: &ModuleContext, name: &str) -> Result<Option<i64>, ModuleError> {
    let out = ctx
        .exec(format!("getent group -- {} || true", quote(name)))
        .await?;
    Ok(out
        .stdout_str()
        .lines()
        .next()
        .and_then(|l| l.split(':').nth(2).and_then(|g| g.parse().ok())))
}

#[async_trait::async_trait]
impl Module for Group {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: GroupOptions = util::options(&SPEC, args)?;
        if o.force.unwrap_or(false) && o.local.unwrap_or(false) {
            return Ok(Outcome::failed("force is not a valid option for local, force=True and local=True are mutually exclusive"));
        }
        if o.non_unique.unwrap_or(false) && o.gid.is_none() {
            return Ok(Outcome::failed(
                "non_unique is True but all of the following are missing: gid",
            ));
        }
        let state = o.state.clone().unwrap_or_else(|| "present".into());
        let l = if o.local.unwrap_or(false) { "l" } else { "" };
        let gid = lookup(ctx, &o.name).await?;
        let n = quote(&o.name);
        let cmd = match (state.as_str(), gid) {
            ("absent", Some(_)) => Some(format!(
                "{l}groupdel {}{n}",
                if o.force.unwrap_or(false) { "-f " } else { "" }
            )),
            ("absent", None) => None,
            (_, None) => {
                let mut c = format!("{l}groupadd ");
                if let Some(g) = o.gid {
                    c.push_str(&format!("-g {g} "));
                    if o.non_unique.unwrap_or(false) {
                        c.push_str("-o ");
                    }
                }
                if o.system.unwrap_or(false) {
                    c.push_str("-r ");
                }
                if let Some(m) = o.gid_min {
                    c.push_str(&format!("-K GID_MIN={m} "));
                }
                if let Some(m) = o.gid_max {
                    c.push_str(&format!("-K GID_MAX={m} "));
                }
                c.push_str(&n);
                Some(c)
            }
            (_, Some(cur)) => o.gid.filter(|g| *g != cur).map(|g| {
                format!(
                    "{l}groupmod -g {g} {}{n}",
                    if o.non_unique.unwrap_or(false) {
                        "-o "
                    } else {
                        ""
                    }
                )
            }),
        };
        let mut res = Outcome::changed(cmd.is_some())
            .with("name", o.name.clone())
            .with("state", state.clone());
        if ctx.check_mode {
            if cmd.is_some() && (state == "absent" || gid.is_none()) {
                return Ok(Outcome::changed(true));
            }
        } else if let Some(c) = cmd {
            let out = ctx.exec(c).await?;
            if !out.success() {
                return Ok(Outcome::failed(out.stderr_str().trim().to_string())
                    .with("name", o.name.clone()));
            }
            if !out.stdout.is_empty() {
                res = res.with("stdout", out.stdout_str());
            }
            if !out.stderr.is_empty() {
                res = res.with("stderr", out.stderr_str());
            }
        }
        let now = if ctx.check_mode {
            gid
        } else {
            lookup(ctx, &o.name).await?
        };
        if let Some(g) = now {
            res = res.with("system", o.system.unwrap_or(false)).with("gid", g);
        }
        Ok(res)
    }
}
