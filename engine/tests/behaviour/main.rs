//! The `behaviour` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod plugin_support;

mod executor_context;
mod fuzz_regressions;
mod plugin_dynamic;
mod plugin_script;
