//! Helpers shared by the StarRocks modules: the conf-file editor, sizes,
//! SHOW-output rows, capacities, and reading/writing a conf on the target.

pub mod capacity;
pub mod conf;
pub mod nodes;
pub mod rows;
pub mod size;
pub mod target_file;
