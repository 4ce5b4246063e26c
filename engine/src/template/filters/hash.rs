//! `hash`, `checksum`, `md5`, `sha1`, `password_hash` (sha512_crypt).

use super::util::{filter_error, python_str};
use md5::Md5;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("hash", |v: Value, t: Option<String>| {
        hash(&python_str(&v), t.as_deref().unwrap_or("sha1"))
    });
    env.add_filter("checksum", |v: Value| hash(&python_str(&v), "sha1"));
    env.add_filter("sha1", |v: Value| hash(&python_str(&v), "sha1"));
    env.add_filter("md5", |v: Value| hash(&python_str(&v), "md5"));
    env.add_filter("password_hash", password_hash);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex digest of the UTF-8 text with the named algorithm.
pub fn hash(text: &str, algorithm: &str) -> Result<String, Error> {
    let data = text.as_bytes();
    Ok(match algorithm {
        "md5" => hex(&Md5::digest(data)),
        "sha1" => hex(&Sha1::digest(data)),
        "sha224" => hex(&Sha224::digest(data)),
        "sha256" => hex(&Sha256::digest(data)),
        "sha384" => hex(&Sha384::digest(data)),
        "sha512" => hex(&Sha512::digest(data)),
        other => {
            return Err(filter_error(format!(
                "unsupported hash type {other} (md5, sha1, sha224, sha256, sha384, sha512)"
            )))
        }
    })
}

/// `pw | password_hash('sha512', salt, rounds=656000)`: SHA-512 crypt,
/// as Ansible produces it through passlib.
fn password_hash(
    value: Value,
    hashtype: Option<String>,
    salt: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let rounds = kwargs.get::<Option<u32>>("rounds")?;
    let salt = match salt {
        Some(s) => Some(s),
        None => kwargs.get::<Option<String>>("salt")?,
    };
    let _ = kwargs.get::<Option<Value>>("ident")?;
    let _ = kwargs.get::<Option<Value>>("salt_size")?;
    kwargs.assert_all_used()?;
    match hashtype.as_deref().unwrap_or("sha512") {
        "sha512" | "sha512_crypt" => {}
        other => {
            return Err(filter_error(format!(
                "password_hash: hash type '{other}' is not supported (use sha512)"
            )))
        }
    }
    let salt = match salt {
        Some(s) => s,
        None => random_salt()?,
    };
    if salt.is_empty() || salt.len() > 16 || !salt.bytes().all(|b| CRYPT_ALPHABET.contains(&b)) {
        return Err(filter_error(
            "password_hash: the salt must be 1 to 16 characters from [./0-9A-Za-z]",
        ));
    }
    Ok(sha512_crypt(python_str(&value).as_bytes(), &salt, rounds))
}

const CRYPT_ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_salt() -> Result<String, Error> {
    use std::io::Read;
    let mut buf = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| filter_error(format!("password_hash: cannot read random salt: {e}")))?;
    Ok(buf
        .iter()
        .map(|b| CRYPT_ALPHABET[(*b as usize) % 64] as char)
        .collect())
}

/// The rounds Ansible asks passlib for when none are given.
const DEFAULT_ROUNDS: u32 = 656_000;

/// Ulrich Drepper's SHA-crypt with SHA-512 (`$6$`).
pub fn sha512_crypt(pw: &[u8], salt: &str, rounds: Option<u32>) -> String {
    let salt = &salt.as_bytes()[..salt.len().min(16)];
    let n_rounds = rounds.unwrap_or(DEFAULT_ROUNDS).clamp(1000, 999_999_999);
    let b = Sha512::new()
        .chain_update(pw)
        .chain_update(salt)
        .chain_update(pw)
        .finalize();
    let mut a = Sha512::new().chain_update(pw).chain_update(salt);
    a.update(repeat_to(&b, pw.len()));
    let mut len = pw.len();
    while len > 0 {
        if len & 1 == 1 {
            a.update(b);
        } else {
            a.update(pw);
        }
        len >>= 1;
    }
    let a = a.finalize();
    let dp = Sha512::digest(pw.repeat(pw.len()));
    let p = repeat_to(&dp, pw.len());
    let ds = Sha512::digest(salt.repeat(16 + a[0] as usize));
    let s = repeat_to(&ds, salt.len());
    let mut c = a.to_vec();
    for i in 0..n_rounds {
        let mut h = Sha512::new();
        if i % 2 == 1 {
            h.update(&p)
        } else {
            h.update(&c)
        }
        if i % 3 != 0 {
            h.update(&s);
        }
        if i % 7 != 0 {
            h.update(&p);
        }
        if i % 2 == 1 {
            h.update(&c)
        } else {
            h.update(&p)
        }
        c = h.finalize().to_vec();
    }
    // passlib leaves out the crypt default of 5000 rounds.
    let prefix = if n_rounds == 5000 {
        "$6$".to_string()
    } else {
        format!("$6$rounds={n_rounds}$")
    };
    format!(
        "{prefix}{}${}",
        String::from_utf8_lossy(salt),
        crypt_b64(&c)
    )
}

fn repeat_to(bytes: &[u8], len: usize) -> Vec<u8> {
    bytes.iter().copied().cycle().take(len).collect()
}

fn crypt_b64(c: &[u8]) -> String {
    const ORDER: [(usize, usize, usize); 21] = [
        (0, 21, 42),
        (22, 43, 1),
        (44, 2, 23),
        (3, 24, 45),
        (25, 46, 4),
        (47, 5, 26),
        (6, 27, 48),
        (28, 49, 7),
        (50, 8, 29),
        (9, 30, 51),
        (31, 52, 10),
        (53, 11, 32),
        (12, 33, 54),
        (34, 55, 13),
        (56, 14, 35),
        (15, 36, 57),
        (37, 58, 16),
        (59, 17, 38),
        (18, 39, 60),
        (40, 61, 19),
        (62, 20, 41),
    ];
    let mut out = String::new();
    let mut push = |w: u32, n: usize| {
        let mut w = w;
        for _ in 0..n {
            out.push(CRYPT_ALPHABET[(w & 0x3f) as usize] as char);
            w >>= 6;
        }
    };
    for (x, y, z) in ORDER {
        push(
            ((c[x] as u32) << 16) | ((c[y] as u32) << 8) | c[z] as u32,
            4,
        );
    }
    push(c[63] as u32, 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_table() {
        let cases = [
            ("md5", "test1", "5a105e8b9d40e1329780d62ea2265d8a"),
            ("sha1", "test1", "b444ac06613fc8d63795be9ad0beaf55011936ac"),
            (
                "sha256",
                "",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
        ];
        for (algo, text, want) in cases {
            assert_eq!(hash(text, algo).unwrap(), want, "{algo}");
        }
        assert!(hash("x", "nope").is_err());
    }

    #[test]
    fn sha512_crypt_reference_vectors() {
        // The test vectors published with the SHA-crypt specification.
        let cases = [
            ("Hello world!", "saltstring", Some(5000), "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
            ("Hello world!", "saltstringsaltstring", Some(10000), "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
        ];
        for (pw, salt, rounds, want) in cases {
            assert_eq!(sha512_crypt(pw.as_bytes(), salt, rounds), want);
        }
    }
}
