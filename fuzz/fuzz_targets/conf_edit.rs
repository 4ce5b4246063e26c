//! The conf editors: `starrocks_config` (fe.conf/be.conf key = value) and
//! `jvm_options` (JAVA_OPTS flags). The input is a conf text, optionally
//! followed by a line `%%` and edit lines (`set k=v`, `rm k`, `flag -X..`,
//! `noflag -X..`, `key K`); without them a default set of edits is used.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srplay_modules::jvm_options::{self, FlagEdit};
use srplay_modules::starrocks_config;

#[derive(Default)]
struct Edits {
    set: Vec<(String, String)>,
    remove: Vec<String>,
    flags: FlagEdit,
    keys: Option<Vec<String>>,
}

fn default_edits() -> Edits {
    Edits {
        set: vec![("priority_networks".into(), "10.0.0.0/8".into())],
        remove: vec!["sys_log_level".into()],
        flags: FlagEdit {
            set: vec!["-Xmx4g".into(), "-XX:+UseG1GC".into()],
            remove: vec!["-XX:+UseConcMarkSweepGC".into()],
        },
        keys: None,
    }
}

fn parse_edits(text: &str) -> Edits {
    let mut e = Edits::default();
    for line in text.lines() {
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        match cmd {
            "set" => {
                let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
                e.set.push((k.to_string(), v.to_string()));
            }
            "rm" => e.remove.push(arg.to_string()),
            "flag" => e.flags.set.push(arg.to_string()),
            "noflag" => e.flags.remove.push(arg.to_string()),
            "key" => e.keys.get_or_insert_with(Vec::new).push(arg.to_string()),
            _ => {}
        }
    }
    e
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (conf, edits) = match text.split_once("\n%%\n") {
        Some((conf, edits)) => (conf, parse_edits(edits)),
        None => (text, default_edits()),
    };
    // The module refuses entries that do not fit on one line (check_entry).
    let mut edits = edits;
    edits
        .set
        .retain(|(k, v)| starrocks_config::check_entry(k, v).is_ok());
    for (k, v) in &edits.set {
        let _ = starrocks_config::validate_setting(k, v);
    }
    let (out, _) = starrocks_config::edit_conf(conf, &edits.set, &edits.remove);
    // Editing is idempotent: applying the same edits again changes nothing.
    let (again, _) = starrocks_config::edit_conf(&out, &edits.set, &edits.remove);
    assert_eq!(again, out, "edit_conf is not idempotent");
    let _ = jvm_options::edit_java_opts(conf, &edits.flags, edits.keys.as_deref());
    let _ = jvm_options::memtotal_mb_from_meminfo(conf);
});
