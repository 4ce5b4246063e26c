//! Databases, tables and tablet replicas: just enough for the
//! decommission / drop prechecks and tablet migration.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tablet {
    pub id: u64,
    /// Backend ids holding a replica.
    pub replicas: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Table {
    pub name: String,
    pub replication_num: usize,
    /// Simulated size of one replica.
    pub tablet_bytes: u64,
    pub tablets: Vec<Tablet>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Database {
    pub name: String,
    pub tables: Vec<Table>,
    /// Built-in databases (information_schema, ...) hold no tables here.
    #[serde(default)]
    pub system: bool,
}

impl Database {
    pub fn new(name: &str, system: bool) -> Self {
        Database {
            name: name.into(),
            tables: Vec::new(),
            system,
        }
    }
}
