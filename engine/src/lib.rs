//! srplay-engine: everything between a parsed inventory and a module run.
//!
//! The two contracts every other crate builds on live here:
//! [`connection::Connection`] (how a module reaches a host) and
//! [`module::Module`] (what a module is).

pub mod connection;
pub mod module;
pub mod shell;
pub mod suggest;
pub mod template;
pub mod yaml;
pub mod playbook;
pub mod inventory_view;
pub mod vars;
pub mod actions;
pub mod output;
pub mod executor;
