//! Private `sshd` instances on loopback, one "host" per `127.0.1.x`.

use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One sshd binds at most 16 listen sockets (`MAX_LISTEN_SOCKS`).
const ADDRESSES_PER_SSHD: usize = 16;
const SSHD: &str = "/usr/sbin/sshd";

/// Real sshd processes serving `n` hosts (`127.0.1.1` ..= `127.0.1.n`) on
/// one free port, key-only login for the current user, throwaway host and
/// client keys in a temp dir. Stopped on drop.
pub struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    addresses: Vec<Ipv4Addr>,
    instances: Vec<Child>,
    user: String,
    extra_config: String,
}

impl Sshd {
    /// One host on `127.0.1.1`.
    pub fn start() -> Sshd {
        Self::start_hosts(1)
    }

    /// `n` hosts (1..=254) on `127.0.1.1` ..= `127.0.1.n`.
    pub fn start_hosts(n: usize) -> Sshd {
        Self::start_with(n, "")
    }

    /// Like [`start_hosts`](Self::start_hosts) with extra `sshd_config`
    /// lines, which win over the fixture's own (sshd keeps the first value
    /// of a keyword), e.g. `"MaxSessions 10\n"`.
    pub fn start_with(n: usize, extra_config: &str) -> Sshd {
        assert!((1..=254).contains(&n), "Sshd serves 1..=254 hosts, not {n}");
        let addresses: Vec<Ipv4Addr> = (1..=n).map(|i| Ipv4Addr::new(127, 0, 1, i as u8)).collect();
        Self::start_on(&addresses, extra_config)
    }

    /// One host per given loopback address (e.g. those of a simulated
    /// cluster, so that a node's ssh and StarRocks addresses are the same).
    pub fn start_on(addresses: &[Ipv4Addr], extra_config: &str) -> Sshd {
        assert!(
            !addresses.is_empty() && addresses.iter().all(Ipv4Addr::is_loopback),
            "Sshd serves loopback addresses only: {addresses:?}"
        );
        require_tools();
        let dir = tempfile::Builder::new()
            .prefix("srplay-sshd-")
            .tempdir()
            .expect("create a temp dir for sshd");
        keygen(&dir.path().join("host_key"), "srplay-test-host");
        keygen(&dir.path().join("client_key"), "srplay-test-client");
        std::fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("write authorized_keys");
        let addresses = addresses.to_vec();
        let port = free_port(&addresses);
        let mut sshd = Sshd {
            dir,
            port,
            addresses,
            instances: Vec::new(),
            user: current_user(),
            extra_config: extra_config.to_string(),
        };
        let mut last_err = String::new();
        // A free port can be taken by someone else before sshd binds it;
        // sshd then says so in its log and we try another one.
        for _ in 0..8 {
            match sshd.launch() {
                Ok(()) => {
                    sshd.write_known_hosts(
                        &sshd.known_hosts(),
                        &sshd.dir.path().join("host_key.pub"),
                    );
                    return sshd;
                }
                Err(e) => {
                    last_err = e;
                    sshd.stop();
                    sshd.port = free_port(&sshd.addresses);
                }
            }
        }
        panic!("could not start sshd: {last_err}");
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addresses(&self) -> &[Ipv4Addr] {
        &self.addresses
    }

    /// The address of host `i` (0-based) as a string.
    pub fn address(&self, i: usize) -> String {
        self.addresses[i].to_string()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The private key that logs in (as any user: `AuthorizedKeysFile` is
    /// shared, so throwaway users can log in with it too).
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_key")
    }

    /// A known_hosts file with the host key for every address:port.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// A known_hosts file naming a *different* key for every address:port,
    /// to test host key mismatches.
    pub fn wrong_known_hosts(&self) -> PathBuf {
        let key = self.dir.path().join("other_host_key");
        if !key.exists() {
            keygen(&key, "srplay-test-impostor");
        }
        let path = self.dir.path().join("wrong_known_hosts");
        self.write_known_hosts(&path, &key.with_extension("pub"));
        path
    }

    /// Ansible connection variables reaching host `i` as the sshd's user.
    pub fn host_vars(&self, i: usize) -> Map<String, Value> {
        self.host_vars_as(i, &self.user)
    }

    /// Ansible connection variables reaching host `i` as `user`.
    pub fn host_vars_as(&self, i: usize, user: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("ansible_host".into(), self.address(i).into());
        m.insert("ansible_port".into(), self.port.into());
        m.insert("ansible_user".into(), user.into());
        m.insert(
            "ansible_ssh_private_key_file".into(),
            self.client_key().display().to_string().into(),
        );
        m.insert(
            "ansible_ssh_common_args".into(),
            format!(
                "-o UserKnownHostsFile={} -o IdentitiesOnly=yes -o IdentityAgent=none",
                self.known_hosts().display()
            )
            .into(),
        );
        m
    }

    /// An ssh_config for manual use: `ssh -F <file> 127.0.1.1 true`.
    pub fn write_ssh_config(&self) -> PathBuf {
        let path = self.dir.path().join("ssh_config");
        let text = format!(
            "Host 127.0.1.*\n  Port {}\n  User {}\n  IdentityFile {}\n  IdentitiesOnly yes\n  \
             UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n  BatchMode yes\n",
            self.port,
            self.user,
            self.client_key().display(),
            self.known_hosts().display()
        );
        std::fs::write(&path, text).expect("write ssh_config");
        path
    }

    /// Everything the sshd instances logged.
    pub fn log(&self) -> String {
        (0..self.instances.len())
            .map(|k| {
                std::fs::read_to_string(self.dir.path().join(format!("sshd.{k}.log")))
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Pids of the listeners (sessions are their descendants).
    pub fn pids(&self) -> Vec<u32> {
        self.instances.iter().map(Child::id).collect()
    }

    /// Kill the listeners and every session they started, as if the hosts
    /// died: established connections break, new ones are refused.
    pub fn kill(&mut self) {
        self.stop();
    }

    /// Start the listeners again after [`kill`](Self::kill), on the same
    /// addresses, port and host key: the hosts "come back".
    pub fn restart(&mut self) {
        let instances = self.addresses.len().div_ceil(ADDRESSES_PER_SSHD);
        self.stop();
        // A fresh log: the old one already says "Server listening".
        for k in 0..instances {
            let _ = std::fs::remove_file(self.dir.path().join(format!("sshd.{k}.log")));
        }
        if let Err(e) = self.launch() {
            self.stop();
            panic!("could not restart sshd on port {}: {e}", self.port);
        }
    }

    /// Kill (SIGKILL) every session process of the listeners, but not the
    /// listeners: established connections break, new ones succeed.
    pub fn kill_sessions(&self) {
        for child in &self.instances {
            for pid in crate::descendants(child.id()) {
                crate::kill_tree(pid);
            }
        }
    }

    fn stop(&mut self) {
        for child in &mut self.instances {
            crate::kill_tree(child.id());
            let _ = child.wait();
        }
        self.instances.clear();
    }

    fn launch(&mut self) -> Result<(), String> {
        std::fs::create_dir_all("/run/sshd").map_err(|e| format!("/run/sshd: {e}"))?;
        let chunks: Vec<Vec<Ipv4Addr>> = self
            .addresses
            .chunks(ADDRESSES_PER_SSHD)
            .map(<[_]>::to_vec)
            .collect();
        for (k, addrs) in chunks.iter().enumerate() {
            let cfg = self.dir.path().join(format!("sshd_config.{k}"));
            std::fs::write(&cfg, self.config(k, addrs)).map_err(|e| e.to_string())?;
            let child = Command::new(SSHD)
                .arg("-D")
                .arg("-f")
                .arg(&cfg)
                .arg("-E")
                .arg(self.dir.path().join(format!("sshd.{k}.log")))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{SSHD}: {e}"))?;
            self.instances.push(child);
        }
        for (k, addrs) in chunks.iter().enumerate() {
            self.wait_listening(k, addrs)?;
        }
        Ok(())
    }

    /// Wait until instance `k` logged "Server listening" for each address.
    fn wait_listening(&mut self, k: usize, addrs: &[Ipv4Addr]) -> Result<(), String> {
        let log_path = self.dir.path().join(format!("sshd.{k}.log"));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if log.contains("Bind to port") || log.contains("Cannot bind") {
                return Err(format!("sshd could not bind port {}: {log}", self.port));
            }
            let listening = addrs
                .iter()
                .all(|a| log.contains(&format!("Server listening on {a} port {}.", self.port)));
            if listening {
                return Ok(());
            }
            if let Ok(Some(status)) = self.instances[k].try_wait() {
                return Err(format!("sshd exited with {status}: {log}"));
            }
            if Instant::now() > deadline {
                return Err(format!("sshd did not start listening within 20 s: {log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn config(&self, k: usize, addrs: &[Ipv4Addr]) -> String {
        let d = self.dir.path().display();
        let mut c = format!("# generated by srplay-testkit\n{}\n", self.extra_config);
        c.push_str(&format!(
            "\
             HostKey {d}/host_key\n\
             PidFile {d}/sshd.{k}.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\n\
             UsePAM no\n\
             StrictModes no\n\
             UseDNS no\n\
             PrintMotd no\n\
             PrintLastLog no\n\
             X11Forwarding no\n\
             MaxSessions 50\n\
             MaxStartups 300:30:600\n\
             LoginGraceTime 30\n\
             LogLevel INFO\n\
             AcceptEnv LANG LC_*\n\
             # bash reads ~/.bashrc for ssh commands unless SHLVL is set;\n\
             # a developer's .bashrc (pyenv...) would dominate every test\n\
             SetEnv SHLVL=1\n\
             Subsystem sftp internal-sftp\n"
        ));
        for a in addrs {
            let _ = writeln!(c, "ListenAddress {a}:{}", self.port);
        }
        c
    }

    fn write_known_hosts(&self, path: &Path, public_key: &Path) {
        let key = std::fs::read_to_string(public_key).expect("read host public key");
        let key: Vec<&str> = key.split_whitespace().take(2).collect();
        let mut text = String::new();
        for a in &self.addresses {
            let _ = writeln!(text, "[{a}]:{} {}", self.port, key.join(" "));
        }
        std::fs::write(path, text).expect("write known_hosts");
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn require_tools() {
    for (tool, package) in [
        (SSHD, "openssh-server"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
    ] {
        assert!(
            Path::new(tool).exists(),
            "{tool} not found: install it with `apt-get install -y {package}`"
        );
    }
}

fn keygen(path: &Path, comment: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port that is free on every address right now.
fn free_port(addresses: &[Ipv4Addr]) -> u16 {
    loop {
        let port = TcpListener::bind((addresses[0], 0))
            .and_then(|l| l.local_addr())
            .expect("bind a loopback port")
            .port();
        if addresses
            .iter()
            .all(|a| TcpListener::bind((*a, port)).is_ok())
        {
            return port;
        }
    }
}

fn current_user() -> String {
    // SAFETY: getuid cannot fail; getpwuid returns static storage we copy at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        assert!(!pw.is_null(), "the current uid has no passwd entry");
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}
