//! The SOP's safety checks, run by the membership modules before they
//! change anything:
//! - decommissioning BEs (SOP checklist item 10): the remaining live,
//!   non-decommissioned BEs must have the free space for the data that
//!   moves, and be at least as many as the widest table's replication_num;
//! - adding or dropping an FE follower (item 11): the followers must stay
//!   an odd number, and a drop must leave a live majority.

use super::nodes::{Backend, Frontend};
use serde::Serialize;

/// The widest table's replication, when it could be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replication {
    pub table: String,
    pub replication_num: i64,
}

/// What the decommission precheck looked at (returned as `precheck`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecommissionCheck {
    pub leaving_data_used_bytes: u64,
    pub remaining_avail_bytes: u64,
    pub remaining_backends: usize,
    /// `None`: replication_num could not be read; the FE's own check decides.
    pub max_replication: Option<Replication>,
}

/// Check decommissioning `leaving` (addresses) against the cluster's BEs;
/// the reason to refuse, or what was checked.
pub fn decommission(
    backends: &[Backend],
    leaving: &[&str],
    max_replication: Option<Replication>,
) -> Result<DecommissionCheck, String> {
    let is_leaving = |b: &Backend| leaving.contains(&b.address.as_str());
    let remaining: Vec<&Backend> = backends
        .iter()
        .filter(|b| !is_leaving(b) && b.alive && !b.decommissioned)
        .collect();
    let check = DecommissionCheck {
        leaving_data_used_bytes: backends
            .iter()
            .filter(|b| is_leaving(b))
            .filter_map(|b| b.data_used_capacity_bytes)
            .sum(),
        remaining_avail_bytes: remaining
            .iter()
            .filter_map(|b| b.avail_capacity_bytes)
            .sum(),
        remaining_backends: remaining.len(),
        max_replication,
    };
    if check.remaining_avail_bytes < check.leaving_data_used_bytes {
        return Err(format!(
            "insufficient capacity: the leaving BE(s) hold {} of data but the {} remaining live, non-decommissioned BE(s) have only {} free (SHOW BACKENDS AvailCapacity); add BEs or free space first",
            show_bytes(check.leaving_data_used_bytes),
            check.remaining_backends,
            show_bytes(check.remaining_avail_bytes)
        ));
    }
    if let Some(r) = &check.max_replication {
        if (check.remaining_backends as i64) < r.replication_num {
            return Err(format!(
                "insufficient replicas: table {} has replication_num {} but only {} live, non-decommissioned BE(s) would remain; add a BE first or lower the table's replication_num",
                r.table, r.replication_num, check.remaining_backends
            ));
        }
    }
    Ok(check)
}

/// Bytes as SHOW BACKENDS prints them (`50.000 GB`).
fn show_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.3} {}", UNITS[unit])
}

/// Voting FEs (the leader included) and how many of them are alive.
fn voters(frontends: &[Frontend]) -> (usize, usize) {
    let v: Vec<&Frontend> = frontends
        .iter()
        .filter(|f| f.is_leader || f.role == "FOLLOWER")
        .collect();
    (v.len(), v.iter().filter(|f| f.alive).count())
}

/// Adding a follower must keep the follower count odd.
pub fn add_follower(frontends: &[Frontend]) -> Result<(), String> {
    let (followers, _) = voters(frontends);
    let after = followers + 1;
    if after % 2 == 0 {
        return Err(format!(
            "adding a follower would make {after} followers (leader included), an even number: an even group tolerates no more failures than one fewer and risks split votes; add it as an observer, add two followers in a row with allow_unsafe=true on the first, or set allow_unsafe=true"
        ));
    }
    Ok(())
}

/// Dropping the follower at `address` must leave an odd number of
/// followers with a live majority.
pub fn drop_follower(frontends: &[Frontend], address: &str) -> Result<(), String> {
    let (followers, alive) = voters(frontends);
    let leaving_alive = frontends.iter().any(|f| f.address == address && f.alive);
    let after = followers - 1;
    let alive_after = alive - usize::from(leaving_alive);
    if after % 2 == 0 {
        return Err(format!(
            "dropping {address} would leave {after} followers (leader included), an even number; scale followers down in odd steps (e.g. 5 -> 3), or set allow_unsafe=true"
        ));
    }
    if alive_after * 2 <= after {
        return Err(format!(
            "dropping {address} would leave {alive_after} live of {after} followers, not a majority (> {}); bring the dead followers back first, or set allow_unsafe=true",
            after / 2
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::starrocks::nodes::{decode_backend, decode_frontend};
    use serde_json::json;

    const GB: u64 = 1024 * 1024 * 1024;

    fn be(addr: &str, alive: bool, decom: bool, used_gb: u64, avail_gb: u64) -> Backend {
        let (ip, port) = addr.split_once(':').unwrap();
        let row = json!({"BackendId": "1", "IP": ip, "HeartbeatPort": port,
            "Alive": alive.to_string(), "SystemDecommissioned": decom.to_string(),
            "ClusterDecommissioned": "false", "TabletNum": "10",
            "DataUsedCapacity": format!("{used_gb}.000 GB"), "AvailCapacity": format!("{avail_gb}.000 GB")});
        decode_backend(row.as_object().unwrap()).unwrap()
    }

    fn fe(addr: &str, role: &str, alive: bool) -> Frontend {
        let (ip, port) = addr.split_once(':').unwrap();
        let row = json!({"Name": addr, "IP": ip, "EditLogPort": port, "Role": role, "Alive": alive.to_string(), "Join": "true"});
        decode_frontend(row.as_object().unwrap()).unwrap()
    }

    fn repl(n: i64) -> Option<Replication> {
        Some(Replication {
            table: "d.t".into(),
            replication_num: n,
        })
    }

    #[test]
    fn decommission_cases() {
        let cluster = vec![
            be("10.0.0.1:9050", true, false, 70, 100),
            be("10.0.0.2:9050", true, false, 50, 30),
            be("10.0.0.3:9050", true, false, 50, 30),
            be("10.0.0.4:9050", false, false, 0, 500),
            be("10.0.0.5:9050", true, true, 0, 500),
        ];
        // (leaving, replication, refusal substring or None)
        let cases: &[(&[&str], Option<Replication>, Option<&str>)] = &[
            (&["10.0.0.2:9050"], repl(1), None),
            (&["10.0.0.2:9050"], repl(2), None),
            (
                &["10.0.0.2:9050"],
                repl(3),
                Some("table d.t has replication_num 3 but only 2 live"),
            ),
            (&["10.0.0.2:9050"], None, None),
            (
                &["10.0.0.1:9050"],
                None,
                Some("hold 70.000 GB of data but the 2 remaining live, non-decommissioned BE(s) have only 60.000 GB free"),
            ),
            (
                &["10.0.0.2:9050", "10.0.0.3:9050"],
                repl(1),
                None,
            ),
        ];
        for (i, (leaving, r, want)) in cases.iter().enumerate() {
            let got = decommission(&cluster, leaving, r.clone());
            match want {
                None => assert!(got.is_ok(), "case {i}: {got:?}"),
                Some(w) => assert!(got.as_ref().unwrap_err().contains(w), "case {i}: {got:?}"),
            }
        }
        let ok = decommission(&cluster, &["10.0.0.2:9050"], None).unwrap();
        assert_eq!(ok.leaving_data_used_bytes, 50 * GB);
        assert_eq!(
            ok.remaining_avail_bytes,
            130 * GB,
            "dead and decommissioned BEs do not count"
        );
        assert_eq!(ok.remaining_backends, 2);
    }

    #[test]
    fn follower_quorum_cases() {
        let three = vec![
            fe("10.0.1.1:9010", "LEADER", true),
            fe("10.0.1.2:9010", "FOLLOWER", true),
            fe("10.0.1.3:9010", "FOLLOWER", true),
            fe("10.0.1.9:9010", "OBSERVER", true),
        ];
        assert!(add_follower(&three).unwrap_err().contains("4 followers"));
        assert!(drop_follower(&three, "10.0.1.2:9010")
            .unwrap_err()
            .contains("leave 2 followers"));
        let one = vec![fe("10.0.1.1:9010", "LEADER", true)];
        assert!(add_follower(&one).is_err(), "1 -> 2 is even");
        let two = vec![
            fe("10.0.1.1:9010", "LEADER", true),
            fe("10.0.1.2:9010", "FOLLOWER", true),
        ];
        assert_eq!(add_follower(&two), Ok(()));
        let four_one_dead = vec![
            fe("10.0.1.1:9010", "LEADER", true),
            fe("10.0.1.2:9010", "FOLLOWER", false),
            fe("10.0.1.3:9010", "FOLLOWER", false),
            fe("10.0.1.4:9010", "FOLLOWER", true),
        ];
        assert!(drop_follower(&four_one_dead, "10.0.1.4:9010")
            .unwrap_err()
            .contains("leave 1 live of 3 followers, not a majority (> 1)"));
        assert_eq!(
            drop_follower(&four_one_dead, "10.0.1.2:9010"),
            Ok(()),
            "dropping a dead follower keeps 2 live of 3"
        );
    }
}
