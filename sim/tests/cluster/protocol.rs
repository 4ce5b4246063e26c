//! The MySQL wire protocol with real clients: mysql_async and the mariadb
//! CLI.

use crate::common;

use common::*;
use mysql_async::prelude::*;
use starrocks_sim::version::SrVersion;

const NET: u8 = 20;

fn server_error(e: mysql_async::Error) -> (u16, String, String) {
    match e {
        mysql_async::Error::Server(s) => (s.code, s.state, s.message),
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_async_queries_and_errors() {
    let sim = Sim::up(NET, 1, 1, 0, 0, SrVersion::V3_3);
    let mut c = sim.conn("fe1", None).await.expect("connect");

    let rows: Vec<mysql_async::Row> = c.query("SHOW BACKENDS").await.unwrap();
    assert_eq!(rows.len(), 1);
    let cols: Vec<String> = rows[0]
        .columns_ref()
        .iter()
        .map(|c| c.name_str().to_string())
        .collect();
    assert_eq!(cols, SrVersion::V3_3.backend_columns());
    let alive: String = rows[0].get("Alive").unwrap();
    assert_eq!(alive, "true");

    let v: Option<String> = c.query_first("SELECT current_version()").await.unwrap();
    assert_eq!(v.as_deref(), Some("3.3.10-227b0b3"));
    let v: Option<String> = c.query_first("SELECT @@version_comment").await.unwrap();
    assert_eq!(v.as_deref(), Some("StarRocks version 3.3.10-227b0b3"));
    let v: Option<String> = c.query_first("SELECT @@version").await.unwrap();
    assert_eq!(v.as_deref(), Some("5.1.0"));
    assert_eq!(c.server_version(), (5, 1, 0));

    // errors keep the connection usable
    let (code, state, msg) = server_error(c.query_drop("SELECT @@socket").await.unwrap_err());
    assert_eq!(
        (code, state.as_str(), msg.as_str()),
        (1193, "HY000", "Unknown system variable 'socket'")
    );
    let (code, state, msg) = server_error(c.query_drop("ALTER SYSTEM FROB").await.unwrap_err());
    assert_eq!((code, state.as_str()), (1064, "HY000"));
    assert!(
        msg.starts_with("Getting syntax error at line 1, column 13."),
        "{msg}"
    );

    // SET: constants only
    c.query_drop("SET query_timeout = 600").await.unwrap();
    let v: Option<String> = c.query_first("SELECT @@query_timeout").await.unwrap();
    assert_eq!(v.as_deref(), Some("600"));
    let (_, _, msg) = server_error(
        c.query_drop("SET query_timeout = @@wait_timeout + 1")
            .await
            .unwrap_err(),
    );
    assert_eq!(msg, "Set statement only support constant expr.");
    c.query_drop("SET NAMES utf8mb4").await.unwrap();

    let vars: Vec<(String, String)> = c.query("SHOW VARIABLES LIKE 'version%'").await.unwrap();
    assert_eq!(
        vars,
        vec![
            ("version".to_string(), "5.1.0".to_string()),
            (
                "version_comment".to_string(),
                "StarRocks version 3.3.10-227b0b3".to_string()
            )
        ]
    );
    c.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mysql_async_options_fail_like_against_starrocks() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::V3_3);
    let (h, p) = sim.query("fe1");
    // prefer_socket defaults to true: mysql_async asks for @@socket
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(h)
        .tcp_port(p)
        .user(Some("root"));
    let e = mysql_async::Conn::new(opts).await.map(|_| ()).unwrap_err();
    let (code, _, msg) = server_error(e);
    assert_eq!(
        (code, msg.as_str()),
        (1193, "Unknown system variable 'socket'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::V3_3);
    let mut c = sim.conn("fe1", None).await.unwrap();
    c.query_drop("SET PASSWORD FOR 'root' = PASSWORD('s3cret')")
        .await
        .unwrap();
    c.disconnect().await.unwrap();

    let mut c = sim
        .conn("fe1", Some("s3cret"))
        .await
        .expect("right password");
    let one: Option<String> = c.query_first("SELECT 'ok'").await.unwrap();
    assert_eq!(one.as_deref(), Some("ok"));

    let (code, state, msg) = server_error(
        sim.conn("fe1", Some("wrong"))
            .await
            .map(|_| ())
            .unwrap_err(),
    );
    assert_eq!((code, state.as_str()), (1045, "28000"));
    assert!(msg.starts_with("Access denied for user 'root'@'"), "{msg}");
    assert!(msg.ends_with("(using password: YES)"), "{msg}");
    let (code, _, msg) = server_error(sim.conn("fe1", None).await.map(|_| ()).unwrap_err());
    assert_eq!(code, 1045);
    assert!(msg.ends_with("(using password: NO)"), "{msg}");

    let out = sim.mariadb("fe1", &["-pwrong", "-e", "SELECT 1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ERROR 1045 (28000): Access denied for user 'root'@"),
        "{err}"
    );
    let out = sim.mariadb("fe1", &["-ps3cret", "-N", "-e", "SELECT 'in'"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "in\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_only_for_select_from_3_2() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::V3_3);
    let mut c = sim.conn("fe1", None).await.unwrap();
    let v: Option<String> = c.exec_first("SELECT current_version()", ()).await.unwrap();
    assert_eq!(v.as_deref(), Some("3.3.10-227b0b3"));
    let (code, state, _) = server_error(c.exec_drop("SHOW BACKENDS", ()).await.unwrap_err());
    assert_eq!((code, state.as_str()), (1064, "HY000"));
    drop(sim);

    let old = Sim::up(NET, 1, 0, 0, 0, SrVersion::V2_5);
    let mut c = old.conn("fe1", None).await.unwrap();
    let (code, _, msg) = server_error(c.exec_drop("SELECT 1", ()).await.unwrap_err());
    assert_eq!(
        (code, msg.as_str()),
        (1047, "Unknown command(COM_STMT_PREPARE)")
    );
    // the text protocol still works on the same connection
    let v: Option<String> = c.query_first("SELECT current_version()").await.unwrap();
    assert_eq!(v.as_deref(), Some("2.5.22-5fa3fa8"));
}

#[test]
fn mariadb_cli() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::V3_3);
    let out = sim.mariadb("fe1", &["-e", "SHOW BACKENDS"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        SrVersion::V3_3.backend_columns().join("\t")
    );
    assert_eq!(lines.count(), 2);

    let out = sim.mariadb(
        "fe1",
        &["--batch", "-N", "-e", "SELECT @@version_comment LIMIT 1"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "StarRocks version 3.3.10-227b0b3\n"
    );

    let be = sim.be_addr("be1");
    let out = sim.mariadb(
        "fe1",
        &["-e", &format!("ALTER SYSTEM ADD BACKEND \"{be}\"")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.trim_end().ends_with(&format!(
            "ERROR 1064 (HY000) at line 1: Backend already exists with same host {} and port 9050",
            sim.host("be1").address
        )),
        "{err}"
    );
    let out = sim.mariadb(
        "fe1",
        &[
            "-e",
            "CREATE DATABASE db1; USE db1; SHOW TABLES; SHOW DATABASES",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("db1"));
    let out = sim.mariadb("fe1", &["db1", "-N", "-e", "SELECT database()"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "db1\n");

    let out = sim.mariadb("fe1", &["-e", "this is not sql"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "ERROR 1064 (HY000) at line 1: Getting syntax error at line 1, column 0. Detail message: Unexpected input 'this'"
    ));
}
