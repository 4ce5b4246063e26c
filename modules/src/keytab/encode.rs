//! Writing keytabs: the inverse of [`parse_keytab`](super::parse_keytab),
//! used to build test keytabs and for round-trip fuzzing.

/// One entry to write, key bytes included.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub components: Vec<String>,
    pub realm: String,
    pub name_type: u32,
    pub timestamp: u32,
    pub kvno: u32,
    pub enctype: u16,
    pub key: Vec<u8>,
    /// Write the optional trailing 32-bit kvno.
    pub kvno32: bool,
}

impl NewEntry {
    /// A service principal `service/host@REALM` with an AES-256 key.
    pub fn service(principal: &str, kvno: u32) -> Self {
        let (name, realm) = principal
            .split_once('@')
            .unwrap_or((principal, "EXAMPLE.COM"));
        NewEntry {
            components: name.split('/').map(str::to_string).collect(),
            realm: realm.to_string(),
            name_type: 1,
            timestamp: 1_700_000_000,
            kvno,
            enctype: 18,
            key: vec![0xAB; 32],
            kvno32: true,
        }
    }
}

fn put_u16(out: &mut Vec<u8>, v: u16, be: bool) {
    out.extend(if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put_u32(out: &mut Vec<u8>, v: u32, be: bool) {
    out.extend(if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put_str(out: &mut Vec<u8>, s: &[u8], be: bool) {
    put_u16(out, s.len() as u16, be);
    out.extend(s);
}

/// Encode entries as a keytab of `version` (1 or 2); version 1 in the
/// given byte order, version 2 always big-endian.
pub fn encode_keytab(version: u8, big_endian: bool, entries: &[NewEntry]) -> Vec<u8> {
    let be = version == 2 || big_endian;
    let mut out = vec![0x05, version];
    for e in entries {
        let mut body = Vec::new();
        let count = e.components.len() as u16 + u16::from(version == 1);
        put_u16(&mut body, count, be);
        put_str(&mut body, e.realm.as_bytes(), be);
        for c in &e.components {
            put_str(&mut body, c.as_bytes(), be);
        }
        if version == 2 {
            put_u32(&mut body, e.name_type, be);
        }
        put_u32(&mut body, e.timestamp, be);
        body.push(e.kvno.min(255) as u8);
        put_u16(&mut body, e.enctype, be);
        put_str(&mut body, &e.key, be);
        if e.kvno32 {
            put_u32(&mut body, e.kvno, be);
        }
        put_u32(&mut out, body.len() as u32, be);
        out.extend(body);
    }
    out
}
