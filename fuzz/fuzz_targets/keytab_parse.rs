//! The Kerberos keytab parser (MIT keytab format, versions 1 and 2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use srplay_modules::keytab::{has_principal, parse_keytab};

fuzz_target!(|data: &[u8]| {
    if let Ok(kt) = parse_keytab(data) {
        let _ = has_principal(&kt, "starrocks/fe1.example.com@EXAMPLE.COM");
        let _ = has_principal(&kt, "starrocks/fe1.example.com");
    }
});
