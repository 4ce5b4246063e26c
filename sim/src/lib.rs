//! starrocks-sim: a StarRocks cluster simulator speaking the MySQL wire
//! protocol. See README.md.

pub mod backend;
pub mod catalog;
pub mod cluster;
pub mod error;
pub mod exec;
pub mod fe_config;
pub mod format;
pub mod frontend;
pub mod outcome;
pub mod sql;
pub mod variables;
pub mod version;
