//! The `sql` module's TLS options against a real MariaDB with TLS on
//! (certificates made at test time, sql_common), and `tls: preferred`
//! against a server without TLS (the stand-in FE).

use crate::sql_common;
use crate::starrocks_common;

use serde_json::{json, Map, Value};
use sql_common::{server, PASSWORD, TLS_USER, TLS_USER_PASSWORD, X509_USER};
use srplay_modules::sql::Sql;
use starrocks_common::fake_fe::{self, Answer};
use starrocks_common::{failure, result, NORMAL};

fn path(p: &std::path::Path) -> Value {
    Value::from(p.display().to_string())
}

/// Login arguments for `user` on the shared server, plus `extra`.
fn login(user: &str, extra: Value) -> Value {
    let password = if user == "root" {
        PASSWORD
    } else {
        TLS_USER_PASSWORD
    };
    let mut args = json!({
        "login_host": "127.0.0.1",
        "login_port": server().port,
        "login_user": user,
        "login_password": password,
    });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    args
}

/// The session's cipher (`SHOW STATUS LIKE 'Ssl_cipher'`): empty when the
/// connection is not encrypted.
fn cipher(user: &str, extra: Value) -> Result<String, String> {
    let mut args = login(user, extra);
    args["query"] = json!("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    let r: Map<String, Value> =
        match starrocks_common::run(&Sql, &starrocks_common::ctx(NORMAL, json!({})), args) {
            Ok(o) if !o.failed => o.to_result(),
            Ok(o) => return Err(o.msg.unwrap_or_default()),
            Err(e) => return Err(e.to_string()),
        };
    Ok(r["rows"][0]["Value"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

#[test]
fn a_verified_tls_connection_is_encrypted_and_a_plain_one_is_not() {
    let certs = &server().certs;
    let cases: &[(&str, Value, bool)] = &[
        ("root", json!({}), false),
        ("root", json!({"tls": "disabled"}), false),
        // ca_cert alone means tls=required with the chain verified
        ("root", json!({"ca_cert": path(&certs.ca)}), true),
        (
            "root",
            json!({"ssl_ca": path(&certs.ca), "tls": "required"}),
            true,
        ),
        // preferred without a CA: encrypted, certificate not verified
        ("root", json!({"tls": "preferred"}), true),
        (
            "root",
            json!({"tls": "preferred", "ca_cert": path(&certs.ca)}),
            true,
        ),
        (TLS_USER, json!({"ca_cert": path(&certs.ca)}), true),
    ];
    for (user, extra, encrypted) in cases {
        let c = cipher(user, extra.clone()).unwrap_or_else(|e| panic!("{user} {extra}: {e}"));
        assert_eq!(
            !c.is_empty(),
            *encrypted,
            "{user} {extra}: Ssl_cipher={c:?}"
        );
    }
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let certs = &server().certs;
    for extra in [
        json!({"ca_cert": path(&certs.other_ca)}),
        json!({"ca_cert": path(&certs.other_ca), "check_hostname": false}),
        json!({"ca_cert": path(&certs.other_ca), "tls": "preferred"}),
    ] {
        let err = cipher("root", extra.clone()).expect_err("must be refused");
        assert!(err.contains("TLS handshake failed"), "{extra}: {err}");
        assert!(err.contains("UnknownIssuer"), "{extra}: {err}");
        assert!(err.contains("check ca_cert"), "{extra}: {err}");
        assert!(!err.contains(PASSWORD), "{err}");
    }
    // the public web roots do not know a private CA either
    let err = cipher("root", json!({"tls": "required"})).expect_err("must be refused");
    assert!(err.contains("UnknownIssuer"), "{err}");
}

#[test]
fn check_hostname_false_accepts_a_certificate_for_another_name_from_the_right_ca() {
    let certs = &server().certs;
    // The server's certificate names 127.0.0.1 only.
    let at_localhost = |extra: Value| {
        let mut e = extra;
        e["login_host"] = json!("localhost");
        cipher("root", e)
    };
    let err = at_localhost(json!({"ca_cert": path(&certs.ca)})).expect_err("name mismatch");
    assert!(err.contains("not valid for name"), "{err}");
    let c = at_localhost(json!({"ca_cert": path(&certs.ca), "check_hostname": false}))
        .expect("check_hostname=false");
    assert!(!c.is_empty(), "encrypted");
}

#[test]
fn a_user_that_requires_ssl_is_refused_without_tls() {
    let certs = &server().certs;
    for extra in [json!({}), json!({"tls": "disabled"})] {
        let err = cipher(TLS_USER, extra.clone()).expect_err("REQUIRE SSL without TLS");
        assert!(err.contains("ERROR 1045"), "{extra}: {err}");
        assert!(err.contains(TLS_USER), "{extra}: {err}");
    }
    assert!(!cipher(TLS_USER, json!({"ca_cert": path(&certs.ca)}))
        .unwrap()
        .is_empty());
}

#[test]
fn a_user_that_requires_a_client_certificate_gets_in_with_client_cert_and_key() {
    let certs = &server().certs;
    let err = cipher(X509_USER, json!({"ca_cert": path(&certs.ca)})).expect_err("no client cert");
    assert!(err.contains("ERROR 1045"), "{err}");
    let c = cipher(
        X509_USER,
        json!({"ca_cert": path(&certs.ca), "client_cert": path(&certs.client_cert),
               "client_key": path(&certs.client_key)}),
    )
    .expect("client certificate accepted");
    assert!(!c.is_empty());
    // Ansible's mysql_* aliases
    let c = cipher(
        X509_USER,
        json!({"ssl_ca": path(&certs.ca), "ssl_cert": path(&certs.client_cert),
               "ssl_key": path(&certs.client_key)}),
    )
    .expect("aliases");
    assert!(!c.is_empty());
}

#[test]
fn bad_tls_options_fail_before_connecting() {
    let certs = &server().certs;
    let cases: &[(Value, &str)] = &[
        (
            json!({"tls": "disabled", "ca_cert": path(&certs.ca)}),
            "tls=disabled contradicts ca_cert",
        ),
        (
            json!({"client_cert": path(&certs.client_cert)}),
            "client_cert and client_key go together",
        ),
        (
            json!({"ca_cert": "/nonexistent/ca.pem"}),
            "ca_cert /nonexistent/ca.pem",
        ),
        (json!({"tls": "maybe"}), "tls"),
        // not PEM: the driver's parse error, explained
        (
            json!({"ca_cert": path(&server().dir.join("error.log"))}),
            "TLS",
        ),
    ];
    for (extra, want) in cases {
        let mut args = login("root", extra.clone());
        args["query"] = json!("SELECT 1");
        let err = failure(&Sql, NORMAL, json!({}), args);
        assert!(err.contains(want), "{extra}: {err}");
    }
}

#[test]
fn preferred_falls_back_to_plain_when_the_server_has_no_tls_and_required_refuses() {
    let fe = fake_fe::start(vec![("SELECT 1", Answer::one("1", "1"))]);
    let args = |tls: &str| {
        json!({"login_host": "127.0.0.1", "login_port": fe.port, "login_user": "root",
               "tls": tls, "query": "SELECT 1"})
    };
    let r = result(&Sql, NORMAL, json!({}), args("preferred"));
    assert_eq!(r["rows"], json!([{"1": "1"}]), "{r:?}");
    let err = failure(&Sql, NORMAL, json!({}), args("required"));
    assert!(err.contains("the server does not offer TLS"), "{err}");
}
