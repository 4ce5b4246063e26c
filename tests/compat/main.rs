//! The `compat` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod compat_support;

mod compat_api;
mod compat_projects;
mod compat_scan;
