//! An example srplay plugin with three modules:
//!
//! - `hello`: builds a greeting; changes nothing.
//! - `write_command_output`: runs a command on the target and writes its
//!   output to a file there (idempotent, check mode, diff).
//! - `panic_now`: panics, to show the host survives a broken plugin.
//!
//! Build with `cargo build -p plugin-hello` and put
//! `target/debug/libplugin_hello.so` in a `library/` directory next to
//! the playbook.

mod hello;
mod panic_now;
mod write_command_output;

pub use hello::Hello;
pub use panic_now::PanicNow;
pub use write_command_output::WriteCommandOutput;

srplay_plugin_api::export_plugin!(
    "hello",
    env!("CARGO_PKG_VERSION"),
    [Hello, WriteCommandOutput, PanicNow]
);
