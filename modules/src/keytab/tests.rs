//! Parser tests: keytabs built by the encoder, a real MIT ktutil file,
//! and every way of cutting or corrupting them.

use super::encode::{encode_keytab, NewEntry};
use super::parse::{parse_keytab, KeytabError};

fn sample() -> Vec<NewEntry> {
    let mut legacy = NewEntry::service("starrocks/fe1.example.com@EXAMPLE.COM", 2);
    legacy.enctype = 23;
    legacy.key = vec![1; 16];
    legacy.kvno32 = false;
    vec![
        NewEntry::service("starrocks/fe1.example.com@EXAMPLE.COM", 2),
        legacy,
        NewEntry::service("hdfs@CORP.EXAMPLE.COM", 300),
    ]
}

#[test]
fn round_trip_every_version_and_byte_order() {
    for (version, be) in [(2, true), (1, true), (1, false)] {
        let kt = parse_keytab(&encode_keytab(version, be, &sample())).unwrap();
        assert_eq!(kt.version, version);
        let got: Vec<(&str, Option<u32>, u32, u16, usize)> = kt
            .entries
            .iter()
            .map(|e| {
                (
                    e.principal.as_str(),
                    e.name_type,
                    e.kvno,
                    e.enctype,
                    e.key_length,
                )
            })
            .collect();
        let nt = (version == 2).then_some(1);
        assert_eq!(
            got,
            [
                ("starrocks/fe1.example.com@EXAMPLE.COM", nt, 2, 18, 32),
                ("starrocks/fe1.example.com@EXAMPLE.COM", nt, 2, 23, 16),
                ("hdfs@CORP.EXAMPLE.COM", nt, 300, 18, 32),
            ],
            "version {version} big-endian {be}"
        );
        assert_eq!(kt.entries[0].components, ["starrocks", "fe1.example.com"]);
        assert_eq!(kt.entries[0].enctype_name, Some("aes256-cts-hmac-sha1-96"));
        assert_eq!(kt.entries[1].enctype_name, Some("arcfour-hmac"));
        assert_eq!(kt.entries[0].timestamp, 1_700_000_000);
        assert_eq!(kt.entries[0].offset, 2);
    }
}

#[test]
fn kvno_8bit_without_the_32bit_field_wraps() {
    let mut e = NewEntry::service("a@R", 300);
    e.kvno32 = false;
    let kt = parse_keytab(&encode_keytab(2, true, &[e])).unwrap();
    assert_eq!(
        kt.entries[0].kvno, 255,
        "only the 8-bit field, saturated by the writer"
    );
}

#[test]
fn real_mit_ktutil_keytab() {
    let data = include_bytes!("../../tests/fixtures/starrocks/keytab/mit-ktutil-v2.keytab");
    let kt = parse_keytab(data).unwrap();
    let got: Vec<(&str, u32, &str)> = kt
        .entries
        .iter()
        .map(|e| (e.principal.as_str(), e.kvno, e.enctype_name.unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "starrocks/fe1.example.com@EXAMPLE.COM",
                3,
                "aes256-cts-hmac-sha1-96"
            ),
            (
                "starrocks/fe1.example.com@EXAMPLE.COM",
                3,
                "aes128-cts-hmac-sha1-96"
            ),
            ("hdfs@EXAMPLE.COM", 300, "aes256-cts-hmac-sha1-96"),
        ]
    );
    assert!(kt.entries.iter().all(|e| e.timestamp == 1_795_695_573));
    assert_eq!(kt.entries[0].name_type, Some(1));
}

#[test]
fn holes_are_skipped_and_zero_size_ends() {
    let one = encode_keytab(2, true, &sample()[..1]);
    let mut data = vec![0x05, 0x02];
    data.extend((-6i32).to_be_bytes());
    data.extend([0xEE; 6]);
    data.extend(&one[2..]);
    data.extend(0u32.to_be_bytes());
    data.extend([0xFF; 3]); // after the end marker: ignored
    let kt = parse_keytab(&data).unwrap();
    assert_eq!(kt.entries.len(), 1);
    assert_eq!(kt.entries[0].offset, 12);
}

#[test]
fn error_texts_table() {
    let full = encode_keytab(2, true, &sample()[..1]);
    let mut huge_component = full.clone();
    huge_component[8..10].copy_from_slice(&0xFFFFu16.to_be_bytes()); // realm length
    let cases: Vec<(Vec<u8>, KeytabError)> = vec![
        (
            vec![],
            KeytabError {
                offset: 0,
                what: "the file is empty".into(),
            },
        ),
        (
            vec![0x04, 0x02],
            KeytabError {
                offset: 0,
                what: "not a keytab: first byte is 0x04, expected 0x05".into(),
            },
        ),
        (
            vec![0x05],
            KeytabError {
                offset: 1,
                what: "the file ends after the first byte; no version".into(),
            },
        ),
        (
            vec![0x05, 0x03],
            KeytabError {
                offset: 1,
                what: "unknown keytab version 0x0503 (expected 0x0501 or 0x0502)".into(),
            },
        ),
        (
            vec![0x05, 0x02, 0, 0],
            KeytabError {
                offset: 2,
                what: "entry size needs 4 byte(s) but only 2 remain".into(),
            },
        ),
        (
            full[..40].to_vec(),
            KeytabError {
                offset: 2,
                what: format!(
                    "entry size {} is larger than the 34 byte(s) left in the file",
                    full.len() - 6
                ),
            },
        ),
        (
            huge_component,
            KeytabError {
                offset: 10,
                what: format!(
                    "realm needs 65535 byte(s) but only {} remain",
                    full.len() - 10
                ),
            },
        ),
    ];
    for (data, want) in cases {
        assert_eq!(parse_keytab(&data).unwrap_err(), want, "{data:02x?}");
    }
    assert_eq!(
        parse_keytab(&[0x05, 0x04]).unwrap_err().to_string(),
        "corrupt keytab at byte 1: unknown keytab version 0x0504 (expected 0x0501 or 0x0502)"
    );
}

#[test]
fn every_truncation_is_an_error_or_a_prefix_never_a_panic() {
    let data = encode_keytab(2, true, &sample());
    let full = parse_keytab(&data).unwrap().entries;
    for cut in 0..data.len() {
        match parse_keytab(&data[..cut]) {
            Ok(kt) => {
                assert!(kt.entries.len() < full.len(), "cut {cut}");
                assert_eq!(kt.entries[..], full[..kt.entries.len()], "cut {cut}");
            }
            Err(e) => assert!(
                e.offset <= cut,
                "cut {cut}: offset {} past the end",
                e.offset
            ),
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let base = encode_keytab(2, true, &sample());
    let mut state: u32 = 0x1234_5678;
    let mut next = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        state
    };
    for _ in 0..5000 {
        let mut data = base.clone();
        for _ in 0..1 + next() % 4 {
            let i = next() as usize % data.len();
            data[i] = next() as u8;
        }
        if let Err(e) = parse_keytab(&data) {
            assert!(e.offset <= data.len());
        }
    }
}
