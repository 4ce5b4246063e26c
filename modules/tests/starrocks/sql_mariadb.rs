//! The `sql` module against a real MariaDB server on loopback.

use crate::sql_common;
use crate::starrocks_common;

use serde_json::{json, Value};
use sql_common::{server, DB, PASSWORD};
use srplay_modules::sql::pool::{idle_count, ConnParams};
use srplay_modules::sql::Sql;
use starrocks_common::{ctx, failure, result, run, CHECK, NORMAL};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn login(extra: Value) -> Value {
    let mut args = json!({
        "login_host": "127.0.0.1",
        "login_port": server().port,
        "login_user": "root",
        "login_password": PASSWORD,
        "login_db": DB,
    });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    args
}

fn sql(extra: Value) -> serde_json::Map<String, Value> {
    let r = result(&Sql, NORMAL, json!({}), login(extra));
    assert_eq!(r["failed"], false, "{r:?}");
    r
}

/// A table name unique to the calling test.
fn table(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}_{}", N.fetch_add(1, Ordering::SeqCst))
}

fn count(table: &str) -> i64 {
    let r = sql(json!({"query": format!("SELECT COUNT(*) AS n FROM {table}")}));
    r["rows"][0]["n"].as_i64().unwrap()
}

fn table_exists(table: &str) -> bool {
    let r = sql(json!({"query": "SHOW TABLES LIKE %s", "positional_args": [table]}));
    !r["rows"].as_array().unwrap().is_empty()
}

#[test]
fn select_returns_typed_rows_and_is_not_a_change() {
    let r = sql(
        json!({"query": "SELECT 1 AS i, 'a' AS s, 1.5 AS f, NULL AS n, \
        CAST(18446744073709551615 AS UNSIGNED) AS u, DATE('2024-01-02') AS d, -7 AS neg"}),
    );
    assert_eq!(r["changed"], false);
    assert_eq!(r["failed"], false);
    assert_eq!(
        r["rows"],
        json!([{"i": 1, "s": "a", "f": 1.5, "n": null, "u": 18446744073709551615u64,
                "d": "2024-01-02", "neg": -7}])
    );
    assert_eq!(r["rowcount"], 1);
    assert_eq!(r["query_result"], json!([r["rows"].clone()]));
}

#[test]
fn show_and_desc_are_read_only() {
    for q in [
        "SHOW DATABASES",
        "SHOW VARIABLES LIKE 'version'",
        "EXPLAIN SELECT 1",
    ] {
        let r = sql(json!({"query": q}));
        assert_eq!(r["changed"], false, "{q}");
        assert!(!r["rows"].as_array().unwrap().is_empty(), "{q}");
    }
}

#[test]
fn ddl_and_dml_are_changes_with_rowcounts() {
    let t = table("dml");
    let r = sql(json!({"query": [
        format!("CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(50))"),
        format!("INSERT INTO {t} VALUES (1, 'a'), (2, 'b')"),
        format!("UPDATE {t} SET name = 'c' WHERE id = 2"),
        format!("SELECT id, name FROM {t} ORDER BY id"),
    ]}));
    assert_eq!(r["changed"], true);
    assert_eq!(r["rowcount"], json!([0, 2, 1, 2]));
    assert_eq!(
        r["rows"],
        json!([{"id": 1, "name": "a"}, {"id": 2, "name": "c"}])
    );
    assert_eq!(r["query_result"].as_array().unwrap().len(), 4);
    assert_eq!(r["executed_queries"].as_array().unwrap().len(), 4);
}

#[test]
fn check_mode_runs_reads_and_skips_writes() {
    let t = table("check");
    let r = result(
        &Sql,
        CHECK,
        json!({}),
        login(json!({"query": [
            format!("CREATE TABLE {t} (id INT)"),
            "SELECT 42 AS answer",
        ]})),
    );
    assert_eq!(r["changed"], true, "would change");
    assert_eq!(r["query_result"][1], json!([{"answer": 42}]));
    assert_eq!(
        r["skipped_queries"],
        json!([format!("CREATE TABLE {t} (id INT)")])
    );
    assert_eq!(r["executed_queries"], json!(["SELECT 42 AS answer"]));
    assert!(r["msg"]
        .as_str()
        .unwrap()
        .contains("1 statement(s) that change data were not run"));
    assert!(!table_exists(&t), "check mode created nothing");
    let r = result(&Sql, CHECK, json!({}), login(json!({"query": "SELECT 1"})));
    assert_eq!(r["changed"], false);
}

#[test]
fn bound_arguments_survive_injection_attempts() {
    let t = table("inj");
    sql(json!({"query": format!("CREATE TABLE {t} (id INT, v VARCHAR(200)) CHARSET utf8mb4")}));
    let nasty = [
        "x'); DROP TABLE t; --",
        "\\' OR 1=1 -- ",
        "\"; DELETE FROM mysql.user; #",
        "100% %s %(x)s",
        "line\nbreak\u{0}nul",
        "emoji 🚀 and 'quotes'",
    ];
    for (i, v) in nasty.iter().enumerate() {
        let r = sql(json!({
            "query": format!("INSERT INTO {t} VALUES (%s, %s)"),
            "positional_args": [i, v],
        }));
        assert_eq!(r["rowcount"], 1, "{v}");
    }
    for (i, v) in nasty.iter().enumerate() {
        let r = sql(json!({
            "query": format!("SELECT v FROM {t} WHERE id = %(id)s AND v = %(v)s"),
            "named_args": {"id": i, "v": v},
        }));
        assert_eq!(
            r["rows"],
            json!([{"v": v}]),
            "{v} stored and matched verbatim"
        );
    }
    assert_eq!(
        count(&t),
        nasty.len() as i64,
        "no statement was smuggled in"
    );
}

#[test]
fn server_errors_are_reported_as_the_client_prints_them() {
    let msg = failure(
        &Sql,
        NORMAL,
        json!({}),
        login(json!({"query": "SELECT * FROM no_such_table"})),
    );
    assert!(
        msg.contains(&format!(
            "ERROR 1146 (42S02): Table '{DB}.no_such_table' doesn't exist"
        )),
        "{msg}"
    );
    assert!(
        msg.contains("statement 1 failed on root@127.0.0.1:"),
        "{msg}"
    );
    let msg = failure(&Sql, NORMAL, json!({}), login(json!({"query": "SELEC 1"})));
    assert!(msg.contains("ERROR 1064 (42000)"), "{msg}");
}

#[test]
fn wrong_password_fails_without_showing_the_password() {
    let wrong = "Wr0ng-Secret-value";
    let err = failure(
        &Sql,
        NORMAL,
        json!({}),
        login(json!({"login_password": wrong, "query": "SELECT 1"})),
    );
    assert!(
        err.contains("Access denied for user 'root'@'127.0.0.1'"),
        "{err}"
    );
    assert!(err.contains("cannot connect to root@127.0.0.1:"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}

#[test]
fn connection_refused_is_a_clear_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = failure(
        &Sql,
        NORMAL,
        json!({}),
        login(json!({"login_port": port, "query": "SELECT 1"})),
    );
    assert!(
        err.contains(&format!("cannot connect to root@127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains(PASSWORD));
}

#[test]
fn connections_are_reused_per_endpoint() {
    let id = |r: &serde_json::Map<String, Value>| r["rows"][0]["id"].as_u64().unwrap();
    let first = sql(json!({"query": "SELECT CONNECTION_ID() AS id"}));
    let second = sql(json!({"query": "SELECT CONNECTION_ID() AS id"}));
    let params = ConnParams {
        host: "127.0.0.1".into(),
        port: server().port,
        user: "root".into(),
        password: Some(PASSWORD.into()),
        db: Some(DB.into()),
        connect_timeout: Duration::from_secs(30),
        tls: Default::default(),
    };
    assert!(idle_count(&params) >= 1, "handed back to the pool");
    // Other tests may borrow connections concurrently; a fresh id each time
    // would mean no reuse at all, so look for a repeat over a few runs.
    let mut ids = vec![id(&first), id(&second)];
    for _ in 0..5 {
        ids.push(id(&sql(json!({"query": "SELECT CONNECTION_ID() AS id"}))));
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert!(
        unique.len() < ids.len(),
        "some connection was reused: {ids:?}"
    );
    assert!(
        !format!("{params:?}").contains(PASSWORD),
        "Debug hides the password"
    );
}

#[test]
fn single_transaction_rolls_back_on_error() {
    let t = table("txn");
    sql(json!({"query": format!("CREATE TABLE {t} (id INT) ENGINE=InnoDB")}));
    let err = failure(
        &Sql,
        NORMAL,
        json!({}),
        login(json!({
            "single_transaction": true,
            "query": [format!("INSERT INTO {t} VALUES (1)"), "INSERT INTO no_such_table VALUES (1)"],
        })),
    );
    assert!(err.contains("statement 2 failed"), "{err}");
    let partial = run(
        &Sql,
        &ctx(NORMAL, json!({})),
        login(json!({"query": [format!("INSERT INTO {t} VALUES (7)"), "INSERT INTO no_such_table VALUES (1)"]})),
    )
    .unwrap();
    assert!(
        partial.failed && partial.changed,
        "the first insert ran and is reported"
    );
    sql(json!({"query": format!("DELETE FROM {t}")}));
    assert!(err.contains("the transaction was rolled back"), "{err}");
    assert_eq!(count(&t), 0);
    let rolled_back = run(
        &Sql,
        &ctx(NORMAL, json!({})),
        login(json!({
            "single_transaction": true,
            "query": [format!("INSERT INTO {t} VALUES (1)"), "INSERT INTO no_such_table VALUES (1)"],
        })),
    )
    .unwrap();
    assert!(
        rolled_back.failed && !rolled_back.changed,
        "rolled back: nothing changed"
    );
    assert_eq!(count(&t), 0);
    let r = sql(json!({
        "single_transaction": true,
        "query": [format!("INSERT INTO {t} VALUES (1)"), format!("INSERT INTO {t} VALUES (2)")],
    }));
    assert_eq!(r["changed"], true);
    assert_eq!(count(&t), 2);
}

#[test]
fn a_user_without_rights_gets_the_servers_refusal() {
    let err = failure(
        &Sql,
        NORMAL,
        json!({}),
        login(json!({"login_user": "reader", "login_password": "readerpw",
                     "query": "CREATE TABLE forbidden (id INT)"})),
    );
    assert!(err.contains("ERROR 1142 (42000)"), "{err}");
    assert!(!err.contains("readerpw"), "{err}");
}

#[test]
fn refusals_before_connecting() {
    let cases = [
        (
            json!({"query": "SELECT 1; DROP TABLE x"}),
            "query 1 holds 2 statements",
        ),
        (
            json!({"query": "SELECT %s", "positional_args": []}),
            "more %s placeholders",
        ),
        (
            json!({"query": "SELECT 1", "ca_cert": "/nonexistent/ca.pem"}),
            "sql: ca_cert /nonexistent/ca.pem: No such file",
        ),
        (
            json!({"query": {"a": 1}}),
            "query must be a string or a list of strings",
        ),
        (json!({"query": []}), "query is an empty list"),
        (
            json!({"query": "SELECT 1", "login_port": 70000}),
            "login_port must be 1..65535",
        ),
    ];
    for (args, want) in cases {
        let err = failure(&Sql, NORMAL, json!({}), login(args.clone()));
        assert!(err.contains(want), "{args}: {err}");
        assert!(!err.contains(PASSWORD));
    }
}

#[test]
fn bad_arguments_are_refused_by_the_spec() {
    let cases = [
        (
            json!({"querry": "SELECT 1"}),
            "unknown option `querry` for module `sql` (did you mean `query`?)",
        ),
        (
            json!({"login_host": "h"}),
            "missing required option `query` for module `sql`",
        ),
        (
            json!({"query": "SELECT %s", "positional_args": [1], "named_args": {"a": 1}}),
            "module `sql`: parameters are mutually exclusive: positional_args|named_args",
        ),
        (
            json!({"query": "SELECT 1", "login_port": "abc"}),
            "option `login_port` of module `sql`: expected an integer",
        ),
    ];
    for (args, want) in cases {
        let err = run(&Sql, &ctx(NORMAL, json!({})), args.clone())
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{args}: {err}");
    }
    let by_alias = sql(json!({"statement": "SELECT 7 AS seven"}));
    assert_eq!(by_alias["rows"], json!([{"seven": 7}]));
    let spec = srplay_modules::sql::SPEC;
    assert!(spec.secret_options().any(|o| o == "login_password"));
}

#[test]
fn starrocks_facts_on_a_server_that_is_not_starrocks_fails_clearly() {
    use srplay_modules::starrocks_facts::StarrocksFacts;
    let err = failure(&StarrocksFacts, CHECK, json!({}), login(json!({})));
    assert!(
        err.starts_with("starrocks_facts: `SHOW FRONTENDS` failed on root@127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("ERROR 1064 (42000)"), "{err}");
    assert!(err.ends_with("a StarRocks FE's query_port?)"), "{err}");
    assert!(!err.contains(PASSWORD));
    let err = failure(
        &StarrocksFacts,
        NORMAL,
        json!({}),
        login(json!({"gather": ["backends", "tablets"]})),
    );
    assert_eq!(err, "starrocks_facts: unknown `gather` entry `tablets` (choose from frontends, backends, compute_nodes, version)");
    // Only the version: MariaDB has no current_version(), so the facts
    // come back empty with a warning rather than a failure.
    let out = run(
        &StarrocksFacts,
        &ctx(NORMAL, json!({})),
        login(json!({"gather": ["version"]})),
    )
    .unwrap();
    assert!(!out.failed);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(
        out.warnings[0].contains("current_version"),
        "{:?}",
        out.warnings
    );
    let r = out.to_result();
    assert_eq!(r["ansible_facts"]["starrocks"]["frontends"], json!([]));
    assert_eq!(r["version"], Value::Null);
}

#[test]
fn a_session_changed_by_use_is_not_handed_to_the_next_task() {
    for _ in 0..3 {
        let r = sql(json!({"query": ["USE mysql", "SELECT DATABASE() AS db"]}));
        assert_eq!(r["rows"], json!([{"db": "mysql"}]));
        assert_eq!(r["changed"], false, "USE is read-only");
        let next = sql(json!({"query": "SELECT DATABASE() AS db"}));
        assert_eq!(
            next["rows"],
            json!([{"db": DB}]),
            "a pooled connection keeps login_db"
        );
    }
}
