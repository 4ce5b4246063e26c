//! `become` over ssh against real sudo rules, with and without a password.

use crate::ssh_support;

use srplay_engine::connection::{
    Become, Connection, ExecRequest, FileAttrs, PutSource, SshConnection, Stdin,
};
use srplay_testkit::{Sshd, SudoRule, SysUser};
use ssh_support::{rt, target_as};
use std::os::unix::fs::MetadataExt;

fn become_root(password: Option<&str>) -> Option<Become> {
    Some(Become {
        user: "root".into(),
        password: password.map(str::to_string),
        ..Default::default()
    })
}

const PAYLOAD: &[u8] = b"line one\nline two\n";

#[test]
fn sudo_with_and_without_password_passes_stdin_through_intact() {
    let sshd = Sshd::start();
    let nopasswd = SysUser::create(SudoRule::NoPassword);
    let passwd = SysUser::create(SudoRule::WithPassword);
    let conn_nopasswd = SshConnection::new(target_as(&sshd, 0, nopasswd.name())).unwrap();
    let conn_passwd = SshConnection::new(target_as(&sshd, 0, passwd.name())).unwrap();
    // (case, connection, become password, succeeds)
    let cases = [
        ("NOPASSWD rule, no password", &conn_nopasswd, None, true),
        // The hazard: sudo never reads the password line here.
        (
            "NOPASSWD rule, a password anyway",
            &conn_nopasswd,
            Some("unused-password"),
            true,
        ),
        (
            "password rule, right password",
            &conn_passwd,
            Some(passwd.password()),
            true,
        ),
        ("password rule, no password", &conn_passwd, None, false),
        (
            "password rule, wrong password",
            &conn_passwd,
            Some("wrong"),
            false,
        ),
    ];
    rt().block_on(async {
        for (name, conn, password, ok) in cases {
            let req = ExecRequest::new("id -u; cat")
                .stdin(Stdin::Bytes(PAYLOAD.to_vec()))
                .become_as(become_root(password));
            let (line, _) = req.render();
            if let Some(p) = password {
                assert!(!line.contains(p), "{name}: password in the command line");
            }
            let out = conn.exec(req).await.unwrap();
            if ok {
                assert_eq!(out.rc, 0, "{name}: {}", out.stderr_str());
                let mut want = b"0\n".to_vec();
                want.extend_from_slice(PAYLOAD);
                assert_eq!(out.stdout_str(), String::from_utf8(want).unwrap(), "{name}");
                assert_eq!(out.stderr_str(), "", "{name}");
            } else {
                assert_ne!(out.rc, 0, "{name}");
                assert!(
                    !out.stdout_str().contains("line one"),
                    "{name}: command ran"
                );
            }
        }
        conn_nopasswd.close().await;
        conn_passwd.close().await;
    });
}

#[test]
fn put_through_sudo_with_password_writes_exact_bytes_owner_and_mode() {
    let sshd = Sshd::start();
    let login = SysUser::create(SudoRule::WithPassword);
    let owner = SysUser::create(SudoRule::None);
    // A directory only root can write to.
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("be.conf");
    std::fs::write(&dest, "old\n").unwrap();
    let conn = SshConnection::new(target_as(&sshd, 0, login.name())).unwrap();
    let attrs = FileAttrs {
        mode: Some("0640".into()),
        owner: Some(owner.name().into()),
        group: Some(owner.name().into()),
    };
    rt().block_on(async {
        let d = dest.display().to_string();
        // Without become the login user cannot write there.
        let denied = conn
            .put(PutSource::Bytes(PAYLOAD.to_vec()), &d, &attrs, None)
            .await
            .unwrap_err();
        assert!(denied.to_string().contains("could not write"), "{denied}");
        conn.put(
            PutSource::Bytes(PAYLOAD.to_vec()),
            &d,
            &attrs,
            become_root(Some(login.password())),
        )
        .await
        .unwrap();
        let back = conn
            .get(&d, become_root(Some(login.password())))
            .await
            .unwrap();
        assert_eq!(back, PAYLOAD);
        conn.close().await;
    });
    assert_eq!(std::fs::read(&dest).unwrap(), PAYLOAD);
    let meta = std::fs::metadata(&dest).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    let owner_uid = std::process::Command::new("id")
        .args(["-u", owner.name()])
        .output()
        .unwrap();
    let owner_uid: u32 = String::from_utf8(owner_uid.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(meta.uid(), owner_uid);
}

#[test]
fn su_from_root_ignores_a_password_and_keeps_stdin_intact() {
    let sshd = Sshd::start();
    let user = SysUser::create(SudoRule::None);
    let conn = SshConnection::new(ssh_support::target(&sshd, 0)).unwrap();
    assert_eq!(
        sshd.user(),
        "root",
        "the fixture logs in as root in this test"
    );
    rt().block_on(async {
        for password in [None, Some("any")] {
            let b = Become {
                method: srplay_engine::connection::BecomeMethod::Su,
                user: user.name().into(),
                password: password.map(str::to_string),
                ..Default::default()
            };
            let out = conn
                .exec(
                    ExecRequest::new("id -un; cat")
                        .stdin(Stdin::Bytes(PAYLOAD.to_vec()))
                        .become_as(Some(b)),
                )
                .await
                .unwrap();
            assert_eq!(out.rc, 0, "{password:?}: {}", out.stderr_str());
            let want = format!("{}\n{}", user.name(), String::from_utf8_lossy(PAYLOAD));
            assert_eq!(out.stdout_str(), want, "{password:?}");
        }
        conn.close().await;
    });
}
