//! A native parser for MIT keytab files, format versions 1 (`0x0501`,
//! integers in the writer's byte order) and 2 (`0x0502`, big-endian).
//!
//! ```text
//! file  = 0x05 version { i32 size, entry[size] | hole[-size] }
//! entry = u16 count, string realm, string component[count]  (v1: count includes the realm)
//!         [u32 name_type (v2)], u32 timestamp, u8 kvno,
//!         u16 enctype, string key, [u32 kvno (if 4 more bytes)]
//! string = u16 length, bytes[length]
//! ```
//! Every length is checked against the bytes that remain, so a corrupt or
//! truncated file gives a [`KeytabError`] with the byte offset, never a
//! panic. Key bytes are never kept: entries carry the key's length only.

use serde::Serialize;

/// A parsed keytab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Keytab {
    /// 1 or 2.
    pub version: u8,
    pub entries: Vec<KeytabEntry>,
}

/// One key of a keytab, without the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeytabEntry {
    /// `comp1/comp2@REALM`.
    pub principal: String,
    pub components: Vec<String>,
    pub realm: String,
    /// Only in version 2 files (1 = KRB5_NT_PRINCIPAL, 3 = KRB5_NT_SRV_HST…).
    pub name_type: Option<u32>,
    /// Seconds since the epoch when the key was written.
    pub timestamp: u32,
    /// The key version: the 32-bit field when present and non-zero, else the 8-bit one.
    pub kvno: u32,
    pub enctype: u16,
    pub enctype_name: Option<&'static str>,
    pub key_length: usize,
    /// Where the entry's size field starts in the file.
    pub offset: usize,
}

/// Why a keytab could not be read; `offset` is the byte where reading failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt keytab at byte {offset}: {what}")]
pub struct KeytabError {
    pub offset: usize,
    pub what: String,
}

/// The name of a Kerberos encryption type number (RFC 3961/3962/8009, MIT).
pub fn enctype_name(n: u16) -> Option<&'static str> {
    Some(match n {
        1 => "des-cbc-crc",
        2 => "des-cbc-md4",
        3 => "des-cbc-md5",
        16 => "des3-cbc-sha1",
        17 => "aes128-cts-hmac-sha1-96",
        18 => "aes256-cts-hmac-sha1-96",
        19 => "aes128-cts-hmac-sha256-128",
        20 => "aes256-cts-hmac-sha384-192",
        23 => "arcfour-hmac",
        24 => "arcfour-hmac-exp",
        25 => "camellia128-cts-cmac",
        26 => "camellia256-cts-cmac",
        _ => return None,
    })
}

/// A bounded reader over one region of the file.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    big_endian: bool,
}

impl<'a> Reader<'a> {
    fn err(&self, what: impl Into<String>) -> KeytabError {
        KeytabError {
            offset: self.pos,
            what: what.into(),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], KeytabError> {
        let left = self.end - self.pos;
        if n > left {
            return Err(self.err(format!("{what} needs {n} byte(s) but only {left} remain")));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> Result<u8, KeytabError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, KeytabError> {
        let b: [u8; 2] = self.take(2, what)?.try_into().expect("2 bytes");
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&mut self, what: &str) -> Result<u32, KeytabError> {
        let b: [u8; 4] = self.take(4, what)?.try_into().expect("4 bytes");
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn string(&mut self, what: &str) -> Result<String, KeytabError> {
        let len = self.u16(&format!("{what} length"))? as usize;
        let bytes = self.take(len, what)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Parse a whole keytab file.
pub fn parse_keytab(data: &[u8]) -> Result<Keytab, KeytabError> {
    match data {
        [] => Err(KeytabError {
            offset: 0,
            what: "the file is empty".into(),
        }),
        [0x05, 0x02, ..] => parse_with(data, 2, true),
        // Version 1 used the writer's byte order: try big-endian, then
        // little-endian, and report the big-endian error if both fail.
        [0x05, 0x01, ..] => {
            parse_with(data, 1, true).or_else(|be| parse_with(data, 1, false).map_err(|_| be))
        }
        [0x05] => Err(KeytabError {
            offset: 1,
            what: "the file ends after the first byte; no version".into(),
        }),
        [0x05, v, ..] => Err(KeytabError {
            offset: 1,
            what: format!("unknown keytab version 0x05{v:02x} (expected 0x0501 or 0x0502)"),
        }),
        [b, ..] => Err(KeytabError {
            offset: 0,
            what: format!("not a keytab: first byte is 0x{b:02x}, expected 0x05"),
        }),
    }
}

fn parse_with(data: &[u8], version: u8, big_endian: bool) -> Result<Keytab, KeytabError> {
    let mut r = Reader {
        data,
        pos: 2,
        end: data.len(),
        big_endian,
    };
    let mut entries = Vec::new();
    while r.pos < r.end {
        let offset = r.pos;
        let size = r.u32("entry size")? as i32;
        if size == 0 {
            // MIT treats a zero size as the end of the entries.
            break;
        }
        let len = size.unsigned_abs() as usize;
        let left = r.end - r.pos;
        if len > left {
            return Err(KeytabError {
                offset,
                what: format!(
                    "entry size {len} is larger than the {left} byte(s) left in the file"
                ),
            });
        }
        if size < 0 {
            r.pos += len; // a hole left by a deleted entry
            continue;
        }
        let mut e = Reader {
            data,
            pos: r.pos,
            end: r.pos + len,
            big_endian,
        };
        entries.push(parse_entry(&mut e, version, offset)?);
        r.pos += len;
    }
    Ok(Keytab { version, entries })
}

fn parse_entry(e: &mut Reader, version: u8, offset: usize) -> Result<KeytabEntry, KeytabError> {
    let mut count = e.u16("component count")? as usize;
    if version == 1 {
        count = count
            .checked_sub(1)
            .ok_or_else(|| e.err("a version 1 entry needs at least the realm in its count"))?;
    }
    let realm = e.string("realm")?;
    let mut components = Vec::new();
    for i in 0..count {
        components.push(e.string(&format!("principal component {}", i + 1))?);
    }
    let name_type = if version == 2 {
        Some(e.u32("name type")?)
    } else {
        None
    };
    let timestamp = e.u32("timestamp")?;
    let kvno8 = e.u8("key version")?;
    let enctype = e.u16("encryption type")?;
    let key_length = e.u16("key length")? as usize;
    e.take(key_length, "key")?;
    let mut kvno = u32::from(kvno8);
    if e.end - e.pos >= 4 {
        let k = e.u32("32-bit key version")?;
        if k != 0 {
            kvno = k;
        }
    }
    Ok(KeytabEntry {
        principal: format!("{}@{realm}", components.join("/")),
        components,
        realm,
        name_type,
        timestamp,
        kvno,
        enctype,
        enctype_name: enctype_name(enctype),
        key_length,
        offset,
    })
}
