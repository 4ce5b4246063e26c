//! An error as the MySQL protocol carries it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlError {
    pub code: u16,
    pub state: String,
    pub msg: String,
}

impl SqlError {
    /// StarRocks' default error: 1064 / HY000.
    pub fn new(msg: impl Into<String>) -> Self {
        SqlError {
            code: 1064,
            state: "HY000".into(),
            msg: msg.into(),
        }
    }

    pub fn with_code(code: u16, state: &str, msg: impl Into<String>) -> Self {
        SqlError {
            code,
            state: state.into(),
            msg: msg.into(),
        }
    }

    pub fn unknown_variable(name: &str) -> Self {
        Self::with_code(1193, "HY000", format!("Unknown system variable '{name}'"))
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERROR {} ({}): {}", self.code, self.state, self.msg)
    }
}

impl std::error::Error for SqlError {}

pub type SqlResult<T> = Result<T, SqlError>;
