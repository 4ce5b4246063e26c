//! Asking the operator for a secret on the terminal.

use anyhow::{bail, Context, Result};
use std::io::IsTerminal;

/// Read a secret from the terminal without echoing it; `flag` names the
/// option that asked, for the error when there is no terminal.
pub fn ask_secret(prompt: &str, flag: &str) -> Result<String> {
    use std::io::{BufRead, Write};
    if !std::io::stdin().is_terminal() {
        bail!("{flag} needs a terminal to ask for the password");
    }
    eprint!("{prompt}");
    std::io::stderr().flush().ok();
    let _ = std::process::Command::new("stty").arg("-echo").status();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    let _ = std::process::Command::new("stty").arg("echo").status();
    eprintln!();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
