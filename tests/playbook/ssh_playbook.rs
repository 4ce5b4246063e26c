//! Playbooks over the real OpenSSH transport: a loopback sshd serving many
//! hosts, every file-moving module, a dynamic plugin and a script module;
//! idempotence, check mode, and an unreachable host among reachable ones.

use srplay_testkit::Sshd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const HOSTS: usize = 20;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example plugin, built once and copied next to the playbook.
fn plugin_hello() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "--quiet", "-p", "plugin-hello"])
            .current_dir(repo())
            .status()
            .expect("cargo runs")
            .success();
        assert!(ok, "cargo build -p plugin-hello failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target"));
        target.join("debug").join(format!(
            "{}plugin_hello{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ))
    })
}

struct Project {
    dir: tempfile::TempDir,
    work: tempfile::TempDir,
}

/// A copy of the fixture project with the plugin in `library/` and an
/// inventory of `sshd`'s hosts (plus `extra` inventory lines).
fn project(sshd: &Sshd, extra: &str) -> Project {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/ssh_playbook");
    for sub in ["", "templates", "library"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for e in std::fs::read_dir(fixture.join(sub)).unwrap().flatten() {
            if e.path().is_file() {
                std::fs::copy(e.path(), dir.path().join(sub).join(e.file_name())).unwrap();
            }
        }
    }
    let lib = plugin_hello();
    std::fs::copy(
        lib,
        dir.path().join("library").join(lib.file_name().unwrap()),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut inv = String::from("[nodes]\n");
    for i in 0..HOSTS {
        let vars: Vec<String> = sshd
            .host_vars(i)
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}='{}'",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect();
        inv += &format!("node{i} {}\n", vars.join(" "));
    }
    inv += extra;
    inv += &format!("\n[all:vars]\nwork_root={}\n", work.path().display());
    std::fs::write(dir.path().join("hosts"), inv).unwrap();
    Project { dir, work }
}

fn run(p: &Project, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .arg("site.yml")
        .args(["-i", "hosts", "-f", "50"])
        .args(extra)
        .current_dir(p.dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run srplay")
}

fn recap_line<'a>(stdout: &'a str, host: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(host) && l.contains(" : ok="))
        .unwrap_or_else(|| panic!("no recap for {host}:\n{stdout}"))
}

#[test]
fn modules_plugins_and_script_modules_over_ssh_are_idempotent_and_honour_check_mode() {
    let sshd = Sshd::start_hosts(HOSTS);
    let p = project(&sshd, "");

    let check = run(&p, &["--check"]);
    let out = String::from_utf8_lossy(&check.stdout);
    // In check mode the directory is not created, so later tasks may fail;
    // what matters is that nothing was written.
    assert!(
        !p.work.path().join("node0").exists(),
        "check mode wrote files:\n{out}"
    );

    let first = run(&p, &[]);
    let out = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for i in 0..HOSTS {
        let line = recap_line(&out, &format!("node{i} "));
        assert!(
            line.contains("changed=6 ") && line.contains("failed=0"),
            "{line}"
        );
        let conf = p.work.path().join(format!("node{i}/conf/be.conf"));
        let text = std::fs::read_to_string(&conf).unwrap();
        assert!(
            text.contains(&format!("priority_networks = 127.0.1.{}/32", i + 1)),
            "{text}"
        );
        let node =
            std::fs::read_to_string(p.work.path().join(format!("node{i}/conf/node.conf"))).unwrap();
        assert!(node.contains(&format!("host = node{i}\n")), "{node}");
        let plug =
            std::fs::read_to_string(p.work.path().join(format!("node{i}/plugin.txt"))).unwrap();
        assert_eq!(plug, format!("from-plugin-node{i}\n"));
    }

    let second = run(&p, &[]);
    let out = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "{out}");
    for i in 0..HOSTS {
        let line = recap_line(&out, &format!("node{i} "));
        assert!(
            line.contains("changed=0 "),
            "second run changed something: {line}"
        );
    }
}

#[test]
fn an_unreachable_host_does_not_stop_the_others() {
    let sshd = Sshd::start_hosts(HOSTS);
    // Nothing listens on this address and port.
    let p = project(&sshd, "dead ansible_host=127.0.1.250 ansible_port=1\n");
    let out = run(&p, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(
        recap_line(&stdout, "dead ").contains("unreachable=1"),
        "{stdout}"
    );
    assert!(stdout.contains("Connection refused"), "{stdout}");
    for i in 0..HOSTS {
        assert!(
            recap_line(&stdout, &format!("node{i} ")).contains("failed=0"),
            "{stdout}"
        );
    }
}
