//! `systemd` (alias `systemd_service`): manage a systemd unit: state,
//! enabled, masked, daemon-reload. Shares its engine with `service`.

use crate::service::{self, ServiceOptions};
use crate::util;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("name", ArgType::Str, "Name of the unit.").aliases(&["service", "unit"]),
    ArgSpec::new("state", ArgType::Str, "`started`/`stopped` are idempotent; `restarted` always bounces; `reloaded` always reloads.").choices(&["reloaded", "restarted", "started", "stopped"]),
    ArgSpec::new("enabled", ArgType::Bool, "Whether the unit should start on boot."),
    ArgSpec::new("force", ArgType::Bool, "Whether to override existing symlinks."),
    ArgSpec::new("masked", ArgType::Bool, "Whether the unit should be masked or not."),
    ArgSpec::new("daemon_reload", ArgType::Bool, "Run `systemctl daemon-reload` before anything else.").aliases(&["daemon-reload"]).default("false"),
    ArgSpec::new("daemon_reexec", ArgType::Bool, "Run `systemctl daemon-reexec` before anything else.").aliases(&["daemon-reexec"]).default("false"),
    ArgSpec::new("scope", ArgType::Str, "Run systemctl within a given service manager scope.").choices(&["system", "user", "global"]).default("system"),
    ArgSpec::new("no_block", ArgType::Bool, "Do not wait for the job to complete.").default("false"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    aliases: &["systemd_service"],
    returns: &[
        ("name", "The unit's name."),
        ("state", "The state asked for."),
        ("enabled", "Whether it starts on boot, when asked."),
        ("status", "The unit's properties (`systemctl show`)."),
    ],
    ..ModuleSpec::new("systemd", "Manage systemd units.")
};

pub struct Systemd;

#[async_trait::async_trait]
impl Module for Systemd {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: ServiceOptions = util::options(&SPEC, args)?;
        if o.name.is_none()
            && !o.daemon_reload.unwrap_or(false)
            && !o.daemon_reexec.unwrap_or(false)
        {
            return Ok(Outcome::failed(
                "missing parameter(s) required by 'state': name",
            ));
        }
        service::manage(ctx, &o, true).await
    }
}
