//! Test fixtures shared by the workspace: real services started on loopback.
//!
//! - [`Sshd`]: private `sshd` instances (Debian `openssh-server`) serving
//!   N "hosts" on distinct `127.0.1.x` addresses with throwaway keys.
//! - [`SysUser`]: a throwaway system user with an optional sudo rule, for
//!   `become` tests (needs root and the `sudo` package).
//! - [`SimCluster`]: a simulated StarRocks cluster (`starrocks-sim`
//!   playground) with fast heartbeats, stopped on drop.
//!
//! - [`fuzz_replay`]: replays the inputs fuzzing once broke.
//!
//! Fixtures panic with an actionable message when a system package is
//! missing: a test that cannot run must fail, not skip.

pub mod fuzz_replay;
mod sim_cluster;
mod sshd;
mod sys_user;

pub use sim_cluster::{srsim_bin, SimCluster, SimLayout, SrVersion};
pub use srplay_engine::connection::proc_tree::{descendants, kill_tree};
pub use sshd::Sshd;
pub use sys_user::{SudoRule, SysUser};
