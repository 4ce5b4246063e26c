//! Replaying inputs that once crashed, hung or exhausted memory (found by
//! the fuzz targets in `fuzz/` or the bad-input corpus) on every test run.
//!
//! Layout, per crate: `tests/fixtures/fuzz-regressions/<target>/<case>` is
//! the raw input the target was given; an optional `<case>.err` holds text
//! the error must contain. Each input must give a clean `Ok` or `Err`, never
//! a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// One saved input.
pub struct RegressionCase {
    /// The file name, which also tells the input's format (`.ini`, `.yml`…).
    pub name: String,
    pub input: Vec<u8>,
    /// Text the error must contain, from `<name>.err`; `None`: any outcome
    /// but a panic is fine.
    pub want_err: Option<String>,
}

/// The cases of one target directory, sorted by name; panics (failing the
/// test) when the directory is missing or empty, so a renamed fixture dir
/// cannot turn the test into a no-op.
pub fn regression_cases(dir: &Path) -> Vec<RegressionCase> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("regression dir {}: {e}", dir.display()));
    let mut out: Vec<RegressionCase> = entries
        .map(|e| e.expect("read regression dir").path())
        .filter(|p| p.extension().is_none_or(|x| x != "err"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let want_err = std::fs::read_to_string(dir.join(format!("{name}.err")))
                .ok()
                .map(|s| s.trim_end().to_string());
            let input = std::fs::read(&path).expect("read regression input");
            RegressionCase {
                name,
                input,
                want_err,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no regression inputs in {}", dir.display());
    out
}

/// Runs `run(name, input)` on every case of `dir` and fails the test with
/// the list of cases that panicked, succeeded where an error was expected,
/// or failed with an error lacking the expected text.
pub fn replay(dir: &Path, run: impl Fn(&str, &[u8]) -> Result<(), String>) {
    let mut failures = Vec::new();
    for case in regression_cases(dir) {
        let name = &case.name;
        match catch_unwind(AssertUnwindSafe(|| run(name, &case.input))) {
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok(Ok(())) if case.want_err.is_some() => failures.push(format!("{name}: no error")),
            Ok(Err(got)) => {
                if let Some(want) = case.want_err.filter(|w| !got.contains(w.as_str())) {
                    failures.push(format!("{name}: error {got:?} lacks {want:?}"));
                }
            }
            Ok(Ok(())) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
