//! The `reliability` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod reliability_support;
#[path = "../sop/sop_support/mod.rs"]
mod sop_support;

mod reliability_crash;
mod reliability_faults;
mod reliability_secrets;
mod reliability_signals;
mod reliability_sop_faults;
