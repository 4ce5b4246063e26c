//! sha1 checksums as Ansible reports them (`checksum`): lowercase hex.

use sha1::{Digest, Sha1};
use std::io::Read;

pub fn sha1_hex(data: &[u8]) -> String {
    hex(&Sha1::digest(data))
}

/// sha1 of a controller-side file, streamed.
pub fn sha1_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha1::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digests() {
        let cases = [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("foo\n", "f1d2d2f924e986ac86fdf7b36c94bcdf32beec15"),
        ];
        for (input, want) in cases {
            assert_eq!(super::sha1_hex(input.as_bytes()), want);
        }
    }
}
