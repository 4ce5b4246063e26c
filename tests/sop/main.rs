//! The `sop` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod sop_support;

mod sop_add;
mod sop_monitoring;
mod sop_playground;
mod sop_scale_in;
mod sop_ssh;
