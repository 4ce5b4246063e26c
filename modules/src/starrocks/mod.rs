//! Helpers shared by the StarRocks modules: the conf-file editor, sizes,
//! SHOW-output rows, capacities, reading/writing a conf on the target, and
//! cluster membership (node lists, ALTER SYSTEM, prechecks, waits).

pub mod capacity;
pub mod conf;
pub mod membership;
pub mod nodes;
pub mod precheck;
pub mod rows;
pub mod simple_node;
pub mod size;
pub mod target_file;
pub mod wait;
