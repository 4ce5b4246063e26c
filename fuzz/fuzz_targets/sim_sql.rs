//! The simulator's SQL front: every statement a client sends is lexed,
//! parsed and run against a fresh cluster's metadata (what the MySQL
//! protocol layer hands over for COM_QUERY). Also srplay's own SQL
//! statement classifiers (`sql` module: read-only? session-changing?).
#![no_main]

use libfuzzer_sys::fuzz_target;
use srplay_modules::sql::statement;
use starrocks_sim::cluster::Cluster;
use starrocks_sim::exec::{execute, Session};
use starrocks_sim::version::SrVersion;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let _ = statement::statement_count(sql);
    let _ = statement::is_read_only(sql);
    let _ = statement::changes_session(sql);
    let mut cluster = Cluster::new(SrVersion::default(), "127.0.0.1", 9010, 0);
    let mut session = Session::default();
    for stmt in sql.split(";\n") {
        let _ = execute(&mut cluster, &mut session, stmt, 1);
    }
});
