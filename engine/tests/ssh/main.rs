//! The `ssh` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

#[path = "../ssh_support/mod.rs"]
mod ssh_support;

mod ssh_async;
mod ssh_become;
mod ssh_exec;
mod ssh_failures;
mod ssh_many_hosts;
