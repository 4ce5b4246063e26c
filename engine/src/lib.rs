//! srplay-engine: everything between a parsed inventory and a module run.
//!
//! The two contracts every other crate builds on live here:
//! [`connection::Connection`] (how a module reaches a host) and
//! [`module::Module`] (what a module is).

pub mod actions;
pub mod compat;
pub mod config;
pub mod connection;
pub mod executor;
pub mod inventory_view;
pub mod module;
pub mod output;
pub mod playbook;
pub mod plugin;
pub mod shell;
pub mod suggest;
pub mod template;
pub mod vars;
pub mod vault;
pub mod yaml;
