//! The `inventory` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod inventory_api;
mod inventory_bad_input;
mod inventory_cli;
mod inventory_compat;
mod inventory_oracle;
