//! Panics inside a module call: kept off srplay's terminal (the message
//! and location go into the failed task instead), while panics elsewhere
//! in the plugin still reach whatever hook was installed before.
//!
//! A `cdylib` carries its own copy of std, so this hook sees only the
//! plugin's panics, never the host's.

use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALL.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LOCATION.with(|cell| *cell.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with its panics captured silently; returns where the last
/// one happened, if it did.
pub fn capturing<R>(f: impl FnOnce() -> R) -> (R, Option<String>) {
    install();
    LOCATION.with(|cell| cell.borrow_mut().take());
    let was = IN_CALL.with(|c| c.replace(true));
    let r = f();
    IN_CALL.with(|c| c.set(was));
    (r, LOCATION.with(|cell| cell.borrow_mut().take()))
}
