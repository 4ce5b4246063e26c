//! The fixtures themselves: sshd instances serve every address, die on
//! kill(), and throwaway users come and go.

use srplay_testkit::{descendants, Sshd, SudoRule, SysUser};
use std::net::TcpStream;
use std::process::Command;

fn ssh_true(sshd: &Sshd, i: usize, user: &str) -> std::process::Output {
    Command::new("ssh")
        .args([
            "-F",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            sshd.known_hosts().display()
        ))
        .arg("-i")
        .arg(sshd.client_key())
        .args(["-p", &sshd.port().to_string(), "-l", user, &sshd.address(i)])
        .arg("echo $USER")
        .output()
        .unwrap()
}

#[test]
fn seventeen_hosts_need_two_sshd_and_all_answer_until_killed() {
    let mut sshd = Sshd::start_hosts(17);
    assert_eq!(sshd.pids().len(), 2, "16 addresses per sshd");
    assert_eq!(sshd.addresses().len(), 17);
    assert_eq!(sshd.address(16), "127.0.1.17");
    for i in [0, 15, 16] {
        let out = ssh_true(&sshd, i, sshd.user());
        assert!(
            out.status.success(),
            "host {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), sshd.user());
    }
    let vars = sshd.host_vars(3);
    assert_eq!(vars["ansible_host"], "127.0.1.4");
    assert_eq!(vars["ansible_port"], sshd.port());
    let pids = sshd.pids();
    sshd.kill();
    for pid in pids {
        assert!(descendants(pid).is_empty());
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z"),
            "sshd {pid} still runs"
        );
    }
    assert!(TcpStream::connect((sshd.addresses()[0], sshd.port())).is_err());
}

#[test]
fn throwaway_users_log_in_and_are_removed() {
    let sshd = Sshd::start();
    let user = SysUser::create(SudoRule::NoPassword);
    let name = user.name().to_string();
    let out = ssh_true(&sshd, 0, &name);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), name);
    let rule = format!("/etc/sudoers.d/srplay-test-{name}");
    assert!(std::path::Path::new(&rule).exists());
    drop(user);
    assert!(!std::path::Path::new(&rule).exists());
    let known = Command::new("id").arg(&name).output().unwrap();
    assert!(!known.status.success(), "user {name} still exists");
}
