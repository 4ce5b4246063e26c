//! The `generic` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

#[macro_use]
mod common;

mod become_ssh;
mod docs;
mod fuzz_regressions;
mod golden;
mod golden_ssh;
mod oracle;
mod round_trips;
