//! `service`: start/stop/restart/reload a service and set whether it
//! starts at boot. Uses systemd (`systemctl`) when it runs the host, the
//! SysV `service` command otherwise, and says so clearly when neither
//! exists. `systemd` shares the engine below with systemd-only options.

use crate::util;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServiceOptions {
    pub name: Option<String>,
    pub state: Option<String>,
    pub enabled: Option<bool>,
    pub sleep: Option<i64>,
    pub pattern: Option<String>,
    pub runlevel: Option<String>,
    pub arguments: Option<String>,
    #[serde(rename = "use")]
    pub use_: Option<String>,
    // systemd-only options (the `systemd` module).
    pub masked: Option<bool>,
    pub daemon_reload: Option<bool>,
    pub daemon_reexec: Option<bool>,
    pub scope: Option<String>,
    pub no_block: Option<bool>,
    pub force: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("name", ArgType::Str, "Name of the service.").required(),
    ArgSpec::new("state", ArgType::Str, "`started`/`stopped` are idempotent; `restarted` always bounces; `reloaded` always reloads.").choices(&["reloaded", "restarted", "started", "stopped"]),
    ArgSpec::new("enabled", ArgType::Bool, "Whether the service should start on boot."),
    ArgSpec::new("sleep", ArgType::Int, "Seconds to sleep between stop and start of `restarted` (SysV)."),
    ArgSpec::new("pattern", ArgType::Str, "Accepted for compatibility (status is read from the init system)."),
    ArgSpec::new("runlevel", ArgType::Str, "Accepted for compatibility.").default("default"),
    ArgSpec::new("arguments", ArgType::Str, "Additional arguments for the `service` command.").aliases(&["args"]).default("\"\""),
    ArgSpec::new("use", ArgType::Str, "Force `systemd` or `service` instead of detecting.").default("auto"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    required_one_of: &[&["state", "enabled"]],
    returns: &[
        ("name", "The service's name."),
        ("state", "The state asked for."),
        ("enabled", "Whether it starts on boot, when asked."),
        (
            "status",
            "systemd: the unit's properties (`systemctl show`).",
        ),
    ],
    ..ModuleSpec::new("service", "Manage services.")
};

pub struct Service;

#[async_trait::async_trait]
impl Module for Service {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: ServiceOptions = util::options(&SPEC, args)?;
        manage(ctx, &o, false).await
    }
}

/// What the host said about the service.
#[derive(Debug, Default)]
pub struct Found {
    pub manager: Manager,
    pub props: Map<String, Value>,
    pub enabled: Option<String>,
    pub running: bool,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub enum Manager {
    Systemd,
    SysV,
    #[default]
    None,
}

fn query_script(name: &str, user_scope: bool) -> String {
    let n = quote(name);
    let sc = if user_scope { " --user" } else { "" };
    format!(
        "if command -v systemctl >/dev/null 2>&1 && out=$(systemctl{sc} show --no-pager -- {n} 2>&1) && [ -n \"$out\" ]; then \
         echo @@systemd; printf '%s\\n' \"$out\"; echo @@enabled; systemctl{sc} is-enabled -- {n} 2>/dev/null; true; \
         elif command -v service >/dev/null 2>&1; then echo @@sysv; service {n} status >/dev/null 2>&1; echo \"rc=$?\"; \
         ls /etc/rc?.d/S??{n} >/dev/null 2>&1 && echo enabled=yes || echo enabled=no; \
         else echo @@none; fi"
    )
}

pub fn parse_query(out: &str) -> Found {
    let mut f = Found::default();
    let mut section = "";
    for line in out.lines() {
        match line {
            "@@systemd" => {
                f.manager = Manager::Systemd;
                section = "props";
                continue;
            }
            "@@sysv" => {
                f.manager = Manager::SysV;
                section = "sysv";
                continue;
            }
            "@@enabled" => {
                section = "enabled";
                continue;
            }
            "@@none" => {
                f.manager = Manager::None;
                continue;
            }
            _ => {}
        }
        match section {
            "props" => {
                if let Some((k, v)) = line.split_once('=') {
                    f.props.insert(k.to_string(), json!(v));
                }
            }
            "enabled" if !line.trim().is_empty() => f.enabled = Some(line.trim().to_string()),
            "sysv" => {
                if let Some(rc) = line.strip_prefix("rc=") {
                    f.running = rc.trim() == "0";
                }
                if let Some(e) = line.strip_prefix("enabled=") {
                    f.enabled = Some(if e == "yes" { "enabled" } else { "disabled" }.into());
                }
            }
            _ => {}
        }
    }
    if f.manager == Manager::Systemd {
        // "Could not be booted with systemd" means the tool without the
        // manager; fall back like Ansible's service module.
        if !f.props.contains_key("ActiveState") && !f.props.contains_key("LoadState") {
            f.manager = Manager::None;
        }
        f.running = matches!(
            f.props.get("ActiveState").and_then(Value::as_str),
            Some("active" | "activating" | "reloading")
        );
    }
    f
}

/// The commands to run, decided from what was found.
pub fn plan(o: &ServiceOptions, f: &Found) -> Result<(Vec<&'static str>, bool), String> {
    let mut actions = Vec::new();
    let mut changed = false;
    if let Some(m) = o.masked {
        let is_masked = f.enabled.as_deref() == Some("masked");
        if m != is_masked {
            actions.push(if m { "mask" } else { "unmask" });
            changed = true;
        }
    }
    if let Some(want) = o.enabled {
        let is = matches!(
            f.enabled.as_deref(),
            Some("enabled" | "enabled-runtime" | "alias" | "static" | "indirect" | "generated")
        );
        if f.enabled.as_deref() == Some("static") && !want {
            // A static unit cannot be disabled; Ansible reports no change.
        } else if want != is {
            actions.push(if want { "enable" } else { "disable" });
            changed = true;
        }
    }
    match o.state.as_deref() {
        Some("started") if !f.running => {
            actions.push("start");
            changed = true;
        }
        Some("stopped") if f.running => {
            actions.push("stop");
            changed = true;
        }
        Some("restarted") => {
            actions.push("restart");
            changed = true;
        }
        Some("reloaded") => {
            actions.push(if f.running { "reload" } else { "start" });
            changed = true;
        }
        _ => {}
    }
    Ok((actions, changed))
}

fn action_cmd(manager: Manager, name: &str, action: &str, o: &ServiceOptions) -> String {
    let n = quote(name);
    match manager {
        Manager::Systemd => {
            let sc = if o.scope.as_deref() == Some("user") {
                " --user"
            } else {
                ""
            };
            let nb = if o.no_block.unwrap_or(false)
                && matches!(action, "start" | "stop" | "restart" | "reload")
            {
                " --no-block"
            } else {
                ""
            };
            let force =
                if o.force.unwrap_or(false) && matches!(action, "enable" | "disable" | "mask") {
                    " --force"
                } else {
                    ""
                };
            format!("systemctl{sc}{nb}{force} {action} -- {n}")
        }
        _ => match action {
            "enable" | "disable" => format!(
                "if command -v update-rc.d >/dev/null 2>&1; then update-rc.d {n} {action}; \
                 elif command -v chkconfig >/dev/null 2>&1; then chkconfig {n} {}; \
                 else echo 'no update-rc.d or chkconfig to change {name} at boot' >&2; exit 1; fi",
                if action == "enable" { "on" } else { "off" }
            ),
            "restart" if o.sleep.is_some() => format!(
                "service {n} stop {a}; sleep {}; service {n} start {a}",
                o.sleep.unwrap_or(0),
                a = o.arguments.as_deref().unwrap_or("")
            ),
            a => format!("service {n} {a} {}", o.arguments.as_deref().unwrap_or("")),
        },
    }
}

/// Query, plan and apply; shared by `service` and `systemd`.
pub async fn manage(
    ctx: &ModuleContext,
    o: &ServiceOptions,
    systemd_only: bool,
) -> Result<Outcome, ModuleError> {
    let name = o.name.clone().unwrap_or_default();
    let user_scope = o.scope.as_deref() == Some("user");
    let mut pre = Vec::new();
    if o.daemon_reload.unwrap_or(false) {
        pre.push(format!(
            "systemctl{} daemon-reload",
            if user_scope { " --user" } else { "" }
        ));
    }
    if o.daemon_reexec.unwrap_or(false) {
        pre.push(format!(
            "systemctl{} daemon-reexec",
            if user_scope { " --user" } else { "" }
        ));
    }
    if !pre.is_empty() && !ctx.check_mode {
        let out = ctx.exec(pre.join(" && ")).await?;
        if !out.success() {
            return Ok(Outcome::failed(format!(
                "failure {} running systemctl daemon-reload: {}",
                out.rc,
                out.stderr_str().trim()
            )));
        }
    }
    if name.is_empty() {
        // systemd: daemon_reload alone is a valid task.
        return Ok(Outcome::ok().with("name", Value::Null));
    }
    let out = ctx.exec(query_script(&name, user_scope)).await?;
    let mut found = parse_query(&out.stdout_str());
    match (o.use_.as_deref(), found.manager) {
        (Some("systemd"), m) if m != Manager::Systemd => {
            return Ok(Outcome::failed(format!(
                "systemd is not running on this host; cannot manage {name}"
            )));
        }
        (_, Manager::None) => {
            return Ok(Outcome::failed(format!(
                "Could not find a service manager on the host: neither a running systemd (systemctl) nor the `service` command; cannot manage {name}"
            )));
        }
        (_, Manager::SysV) if systemd_only => {
            return Ok(Outcome::failed(format!("systemd is not running on this host; cannot manage {name} with the systemd module (use `service`)")));
        }
        _ => {}
    }
    if found.manager == Manager::Systemd
        && found.props.get("LoadState").and_then(Value::as_str) == Some("not-found")
        && (o.state.is_some() || o.enabled.is_some())
    {
        return Ok(Outcome::failed(format!(
            "Could not find the requested service {name}: host"
        )));
    }
    let (actions, changed) = plan(o, &found).map_err(ModuleError::failed)?;
    if changed && !ctx.check_mode {
        let script: Vec<String> = actions
            .iter()
            .map(|a| action_cmd(found.manager, &name, a, o))
            .collect();
        let r = ctx.exec(script.join(" && ")).await?;
        if !r.success() {
            return Ok(Outcome::failed(format!(
                "Unable to {} service {name}: {}",
                actions.join("/"),
                r.stderr_str().trim()
            ))
            .with("name", name.clone()));
        }
        if found.manager == Manager::Systemd {
            let again = ctx.exec(query_script(&name, user_scope)).await?;
            found = parse_query(&again.stdout_str());
        }
    }
    let mut res = Outcome::changed(changed).with("name", name);
    if let Some(s) = &o.state {
        res = res.with("state", s.clone());
    }
    if let Some(e) = o.enabled {
        res = res.with("enabled", e);
    }
    if found.manager == Manager::Systemd {
        res = res.with("status", Value::Object(found.props));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(active: &str, enabled: &str) -> Found {
        parse_query(&format!(
            "@@systemd\nActiveState={active}\nLoadState=loaded\n@@enabled\n{enabled}\n"
        ))
    }

    #[test]
    fn plan_table() {
        // (state, enabled, active, unit file state, actions)
        type Case<'a> = (
            Option<&'a str>,
            Option<bool>,
            &'a str,
            &'a str,
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            (Some("started"), None, "inactive", "enabled", &["start"]),
            (Some("started"), None, "active", "enabled", &[]),
            (Some("stopped"), None, "active", "enabled", &["stop"]),
            (
                Some("stopped"),
                Some(false),
                "inactive",
                "enabled",
                &["disable"],
            ),
            (Some("restarted"), None, "active", "enabled", &["restart"]),
            (Some("reloaded"), None, "inactive", "enabled", &["start"]),
            (None, Some(true), "active", "disabled", &["enable"]),
            (None, Some(false), "active", "static", &[]),
        ];
        for (state, enabled, active, ufs, want) in cases {
            let o = ServiceOptions {
                name: Some("x".into()),
                state: state.map(str::to_string),
                enabled: *enabled,
                ..Default::default()
            };
            let (actions, changed) = plan(&o, &found(active, ufs)).unwrap();
            assert_eq!(actions, *want, "{state:?} {enabled:?} {active} {ufs}");
            assert_eq!(changed, !want.is_empty());
        }
    }

    #[test]
    fn sysv_query_is_read() {
        let f = parse_query("@@sysv\nrc=3\nenabled=yes\n");
        assert_eq!(
            (f.manager, f.running, f.enabled.as_deref()),
            (Manager::SysV, false, Some("enabled"))
        );
        assert_eq!(parse_query("@@none\n").manager, Manager::None);
    }
}
