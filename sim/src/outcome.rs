//! What a statement produces: rows, OK, or an error. Serializable so a
//! non-leader FE can forward statements to the leader.

use serde::{Deserialize, Serialize};

use crate::error::SqlError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Col {
    pub name: String,
    /// Sent as BIGINT instead of VARCHAR.
    pub numeric: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    pub columns: Vec<Col>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl ResultSet {
    /// All-VARCHAR columns, like every SHOW statement.
    pub fn strings(names: &[&str], rows: Vec<Vec<Option<String>>>) -> Self {
        ResultSet {
            columns: names
                .iter()
                .map(|n| Col {
                    name: n.to_string(),
                    numeric: false,
                })
                .collect(),
            rows,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Rows(ResultSet),
    Ok { affected: u64 },
    Err(SqlError),
}

/// Actions a statement asks the running FE process to carry out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    KillNode(String),
    DropConnections,
    SwitchLeader(String),
}
