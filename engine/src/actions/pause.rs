//! `pause`: wait a while, or for the operator (only on a terminal).

use super::ControlCtx;
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("seconds", ArgType::Float, "Seconds to pause"),
        ArgSpec::new("minutes", ArgType::Float, "Minutes to pause"),
        ArgSpec::new("prompt", ArgType::Str, "Text shown while waiting for Enter"),
        ArgSpec::new("echo", ArgType::Bool, "Show what is typed").default("true"),
    ],
    mutually_exclusive: &[&["seconds", "minutes"]],
    returns: &[
        ("start", "When the pause started."),
        ("stop", "When it ended."),
        ("delta", "Seconds paused."),
        ("user_input", "What was typed at the prompt."),
        ("echo", "Whether the input was echoed (the `echo` option)."),
        (
            "rc / stdout / stderr",
            "`0` and empty, as ansible-core returns them",
        ),
    ],
    ..ModuleSpec::new("pause", "Pause playbook execution")
};

pub async fn run(ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    // ansible-core takes whole seconds or minutes (`int()` of the value)
    // and pauses at least one second.
    let secs = args
        .get("seconds")
        .and_then(Value::as_f64)
        .map(f64::trunc)
        .or_else(|| {
            args.get("minutes")
                .and_then(Value::as_f64)
                .map(|m| m.trunc() * 60.0)
        })
        .map(|s| s.max(1.0));
    let echo = args.get("echo").and_then(Value::as_bool).unwrap_or(true);
    let hidden = if echo { "" } else { " (output is hidden)" };
    let started = std::time::Instant::now();
    let start_text = timestamp();
    let user_input = match secs {
        Some(s) => {
            (ctx.say)(&format!("Pausing for {} seconds{hidden}", s as i64));
            wait(ctx, s).await;
            String::new()
        }
        None if !ctx.interactive => return Err(ModuleError::failed(
            "pause needs a terminal to prompt; give `seconds` or `minutes` to pause without one",
        )),
        None => {
            let prompt = args
                .get("prompt")
                .and_then(Value::as_str)
                .unwrap_or("Press enter to continue, Ctrl+C to interrupt");
            let label = format!("[{}]\n{prompt}{hidden}:", ctx.task_name.trim());
            read_answer(label, !echo).await?
        }
    };
    // ansible-core's result: its keys, whatever the kind of pause.
    Ok(Outcome::ok()
        .with("rc", 0)
        .with("stdout", "")
        .with("stderr", "")
        .with("start", start_text)
        .with("stop", timestamp())
        .with("delta", started.elapsed().as_secs())
        .with("echo", echo)
        .with("user_input", user_input))
}

/// Sleep `secs`, or until the run is interrupted.
async fn wait(ctx: &ControlCtx<'_>, secs: f64) {
    let sleep = tokio::time::sleep(std::time::Duration::from_secs_f64(secs));
    match &ctx.cancel {
        Some(c) => {
            tokio::select! {
                _ = sleep => {}
                _ = c.cancelled() => {}
            }
        }
        None => sleep.await,
    }
}

/// One line from the terminal after `label`; with `private` the terminal
/// does not echo it (`echo: false`).
async fn read_answer(label: String, private: bool) -> Result<String, ModuleError> {
    tokio::task::spawn_blocking(move || {
        crate::executor::prompt::read_line(&format!("{label}\n"), private)
    })
    .await
    .map_err(|e| ModuleError::failed(e.to_string()))?
    .map_err(|e| ModuleError::failed(format!("pause: cannot read the terminal: {e}")))
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), the shape of Ansible's timestamps.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::timestamp();
        assert_eq!(t.len(), 26, "{t}");
        assert_eq!(&t[4..5], "-");
        assert_eq!(&t[10..11], " ");
        assert!(t.starts_with("20"), "{t}");
    }
}
