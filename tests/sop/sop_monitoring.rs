//! SOP checklist items 13 (Grafana dashboards) and 14 (alert rules):
//! PASS, FAIL with the reason, SKIP only when not configured. Grafana is a
//! small HTTP server on loopback answering `/api/dashboards/uid/<uid>`.

use crate::sop_support;
use sop_support::Pg;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

const TOKEN: &str = "glsa_T0ken-4711";

/// A fake Grafana on 127.0.0.1: `dashboards` by uid; every request needs
/// `Authorization: Bearer TOKEN`. Returns its base URL.
fn grafana(dashboards: Vec<(&'static str, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut authorized = false;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                authorized |= h.trim() == format!("Authorization: Bearer {TOKEN}");
            }
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let uid = path.strip_prefix("/api/dashboards/uid/").unwrap_or("");
            let found = dashboards.iter().find(|(u, _)| *u == uid);
            let (status, body) = match (authorized, found) {
                (false, _) => (
                    "401 Unauthorized",
                    r#"{"message":"Unauthorized"}"#.to_string(),
                ),
                (true, None) => (
                    "404 Not Found",
                    r#"{"message":"Dashboard not found"}"#.into(),
                ),
                (true, Some((_, d))) => ("200 OK", format!(r#"{{"dashboard":{d},"meta":{{}}}}"#)),
            };
            let _ = write!(
                &stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A dashboard whose `$instance` variable is a fixed list.
fn static_dashboard(instances: &[String]) -> String {
    let options: Vec<String> = instances
        .iter()
        .map(|i| format!(r#"{{"text":"{i}","value":"{i}"}}"#))
        .collect();
    format!(
        r#"{{"uid":"x","title":"BE","templating":{{"list":[{{"name":"instance","type":"custom","options":[{}]}}]}}}}"#,
        options.join(",")
    )
}

/// The checklist's line for `item` of host be1.
fn row<'a>(out: &'a str, item: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains("be1") && l.contains(item))
        .unwrap_or_else(|| panic!("no {item} row:\n{out}"))
}

#[test]
fn dashboards_pass_when_they_show_the_node_and_fail_otherwise() {
    let pg = Pg::up(
        "127.0.53",
        &[
            "--fe",
            "1",
            "--be",
            "1",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let ip = pg.addr("be1");
    let url = grafana(vec![
        ("listed", static_dashboard(&[format!("{ip}:8040")])),
        ("other", static_dashboard(&["10.9.9.9:8040".into(), format!("{ip}9:8040")])),
        (
            "query",
            r#"{"templating":{"list":[{"name":"be","type":"query","definition":"label_values(up{job=\"starrocks_be\"}, instance)","query":{"query":"label_values(up{job=\"starrocks_be\"}, instance)"}}]}}"#.into(),
        ),
    ]);
    let token = [("SR_GRAFANA_TOKEN", TOKEN)];
    let vars = |uids: &str| {
        format!(
            r#"{{"sr_targets": "be1", "sr_grafana_url": "{url}/", "sr_grafana_dashboards": {uids}}}"#
        )
    };
    // (dashboards, token?, exit 0?, text in the item's row)
    let cases: [(&str, bool, bool, String); 5] = [
        (
            r#"["listed", "query"]"#,
            true,
            true,
            format!("PASS   listed: lists {ip}; query: instances from Prometheus ($be"),
        ),
        (
            r#"["other"]"#,
            true,
            false,
            format!("FAIL   other: {ip} not on it"),
        ),
        (
            r#"["nope"]"#,
            true,
            false,
            "FAIL   nope: cannot read it (".into(),
        ),
        (r#"["listed"]"#, false, false, "401".into()),
        (
            r#"[]"#,
            true,
            false,
            "FAIL   sr_grafana_dashboards is empty".into(),
        ),
    ];
    for (uids, with_token, ok, want) in cases {
        let env: &[(&str, &str)] = if with_token { &token } else { &[] };
        let (code, out) = pg.play_env("precheck.yml", &["-e", &vars(uids)], env);
        assert_eq!(code == 0, ok, "{uids}: exit {code}\n{out}");
        let line = row(&out, "13 grafana dashboards");
        assert!(line.contains(&want), "{uids}: want {want} in\n{line}");
        assert!(!out.contains(TOKEN), "the token was printed:\n{out}");
    }
    // not configured: SKIP
    let (code, out) = pg.play("precheck.yml", &["-e", "sr_targets=be1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        row(&out, "13 grafana dashboards").contains("SKIP   sr_grafana_url is empty"),
        "{out}"
    );
}

#[test]
fn alert_rules_pass_when_a_rule_covers_the_node_and_fail_otherwise() {
    let pg = Pg::up(
        "127.0.54",
        &[
            "--fe",
            "1",
            "--be",
            "1",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let ip = pg.addr("be1");
    let rules = |name: &str, expr: &str| {
        let path = pg.path(name);
        let text = format!(
            "groups:\n  - name: starrocks\n    rules:\n      - alert: BeDown\n        expr: '{expr}'\n        for: 1m\n"
        );
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let by_job = rules("job.yml", r#"up{job="starrocks_be"} == 0"#);
    let by_ip = rules("ip.yml", &format!(r#"up{{instance="{ip}:8040"}} == 0"#));
    let other = rules(
        "other.yml",
        r#"up{job="starrocks_be", instance="10.9.9.9:8040"} == 0"#,
    );
    let fe_only = rules("fe.yml", r#"up{job="starrocks_fe"} == 0"#);
    // (rule files, exit 0?, text in the item's row)
    let cases = [
        (
            vec![by_job.clone()],
            true,
            "PASS   covered by BeDown (job=".to_string(),
        ),
        (
            vec![other.clone(), by_ip],
            true,
            "PASS   named by BeDown".into(),
        ),
        (
            vec![other, fe_only.clone()],
            false,
            "FAIL   no rule in ".to_string(),
        ),
        (
            vec![fe_only, "/nonexistent/rules.yml".into()],
            false,
            "FAIL   cannot read /nonexistent/rules.yml".into(),
        ),
    ];
    for (files, ok, want) in cases {
        let vars =
            serde_json::json!({"sr_targets": "be1", "sr_alert_rule_files": files}).to_string();
        let (code, out) = pg.play("precheck.yml", &["-e", &vars]);
        assert_eq!(code == 0, ok, "{files:?}: exit {code}\n{out}");
        let line = row(&out, "14 alert rules");
        assert!(line.contains(&want), "{files:?}: want {want} in\n{line}");
    }
    let (code, out) = pg.play("precheck.yml", &["-e", "sr_targets=be1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        row(&out, "14 alert rules").contains("SKIP   sr_alert_rule_files is empty"),
        "{out}"
    );
}
