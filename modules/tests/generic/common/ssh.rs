//! Module runs over the real OpenSSH transport: one loopback sshd
//! (testkit's [`Sshd`]) serving a few hosts, shared by the tests of a
//! binary that run at the same time, and an [`SshConnection`] per test.
//! The hosts are this machine, so a case's work dir is checked locally.

use super::Setup;
use srplay_engine::connection::{Connection, SshConnection, SshDefaults, SshTarget};
use srplay_testkit::Sshd;
use std::sync::{Arc, Mutex, Weak};

/// Hosts (`127.0.1.1` ..) the shared sshd serves.
pub const HOSTS: usize = 4;

/// The sshd of the tests running now, started by the first of them and
/// stopped when the last one drops it (a `static` would never be dropped
/// and leave sshd running after the test binary exits).
pub fn shared_sshd() -> Arc<Sshd> {
    static SHARED: Mutex<Weak<Sshd>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = slot.upgrade() {
        return s;
    }
    let s = Arc::new(Sshd::start_hosts(HOSTS));
    *slot = Arc::downgrade(&s);
    s
}

/// A lazily opened connection to host `i` of `sshd` logging in as `user`.
pub fn connect_as(sshd: &Sshd, i: usize, user: &str) -> Arc<dyn Connection> {
    let vars = sshd.host_vars_as(i, user);
    let target = SshTarget::from_vars(&format!("node{i}"), &vars, &SshDefaults::default())
        .expect("the fixture's host vars make a valid ssh target");
    Arc::new(SshConnection::new(target).expect("an ssh control dir"))
}

/// A test setup running modules over ssh to a host of the shared sshd,
/// picked from `key` so concurrent tests spread over the hosts. The
/// returned sshd handle must live as long as the setup is used.
pub fn setup_for(key: &str) -> (Arc<Sshd>, Setup) {
    let sshd = shared_sshd();
    let i = key.bytes().map(usize::from).sum::<usize>() % HOSTS;
    let conn = connect_as(&sshd, i, sshd.user());
    (sshd, Setup::over(conn))
}
