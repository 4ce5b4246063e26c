//! root's password as a real MySQL-protocol server keeps it: only the
//! `mysql_native_password` hash, `*` and the upper-case hex of
//! SHA1(SHA1(password)) (`authentication_string`), never the password. A
//! login is verified against the hash: the client's scramble XOR
//! SHA1(salt + hash) gives SHA1(password), whose SHA1 must be the hash.

use serde::{Deserialize, Deserializer};
use sha1::{Digest, Sha1};

/// The stored form of `password`; empty for no password.
pub fn native_hash(password: &str) -> String {
    if password.is_empty() {
        return String::new();
    }
    let stage2 = Sha1::digest(Sha1::digest(password.as_bytes()));
    let hex: String = stage2.iter().map(|b| format!("{b:02X}")).collect();
    format!("*{hex}")
}

/// Whether `auth_data`, the client's scramble of `salt`, proves that it
/// knows the password behind `hash` (empty: no password, no scramble).
pub fn verify(hash: &str, salt: &[u8], auth_data: &[u8]) -> bool {
    if hash.is_empty() {
        return auth_data.is_empty();
    }
    let Some(stage2) = parse(hash) else {
        return false;
    };
    if auth_data.len() != stage2.len() {
        return false;
    }
    let mut h = Sha1::new();
    h.update(salt);
    h.update(stage2);
    let mask = h.finalize();
    let stage1: Vec<u8> = auth_data
        .iter()
        .zip(mask.iter())
        .map(|(a, m)| a ^ m)
        .collect();
    Sha1::digest(&stage1).as_slice() == stage2
}

/// `*<40 hex digits>` back into the 20 bytes.
fn parse(hash: &str) -> Option<[u8; 20]> {
    let hex = hash.strip_prefix('*')?;
    if hex.len() != 40 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// serde: metadata written before the hash was stored held the password
/// in plain text; it is hashed as it is read and never kept.
pub(crate) fn hash_plain_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let password = String::deserialize(d)?;
    Ok(Some(native_hash(&password)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::native_password_scramble;

    #[test]
    fn native_hash_is_mysqls() {
        // MySQL: SELECT PASSWORD('root') (5.7), the well-known value.
        assert_eq!(
            native_hash("root"),
            "*81F5E21E35407D884A6CD4A731AEBFB6AF209E1B"
        );
        assert_eq!(native_hash(""), "");
    }

    #[test]
    fn verify_table() {
        let salt = b"12345678901234567890";
        let hash = native_hash("s3cret");
        // (stored hash, what the client sends, accepted)
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            (&hash, native_password_scramble("s3cret", salt), true),
            (&hash, native_password_scramble("wrong", salt), false),
            (
                &hash,
                native_password_scramble("s3cret", b"another salt 1234567"),
                false,
            ),
            (&hash, Vec::new(), false),
            (&hash, vec![0; 19], false),
            ("", Vec::new(), true),
            ("", native_password_scramble("s3cret", salt), false),
            (
                "*not-a-hash",
                native_password_scramble("s3cret", salt),
                false,
            ),
            ("s3cret", native_password_scramble("s3cret", salt), false),
        ];
        for (i, (stored, auth, ok)) in cases.into_iter().enumerate() {
            assert_eq!(verify(stored, salt, &auth), ok, "case {i}");
        }
    }
}
