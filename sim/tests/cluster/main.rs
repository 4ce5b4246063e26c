//! The `cluster` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod common;

mod decommission;
mod election;
mod faults;
mod fe_join;
mod golden;
mod persistence;
mod playground;
mod protocol;
mod refusals;
