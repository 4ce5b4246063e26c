//! starrocks-sim: a StarRocks cluster simulator speaking the MySQL wire
//! protocol. See README.md.

pub mod backend;
pub mod be_node;
pub mod catalog;
pub mod cli;
pub mod cluster;
pub mod conf;
pub mod election;
pub mod error;
pub mod exec;
pub mod faults;
pub mod fe_config;
pub mod fe_node;
pub mod format;
pub mod frontend;
pub mod heartbeat;
pub mod node;
pub mod outcome;
pub mod password;
pub mod persist;
pub mod protocol;
pub mod rpc;
pub mod sql;
pub mod system_tables;
pub mod table;
pub mod variables;
pub mod version;

pub use cli::run_cli;
pub mod hosttree;
pub mod playground;
pub mod playground_demo;
pub mod playground_status;
