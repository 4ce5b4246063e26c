//! Ansible Vault (format 1.1 and 1.2, AES256): decrypt `!vault` values and
//! vault-encrypted files so existing secret files keep working.
//!
//! Format: a header line `$ANSIBLE_VAULT;1.1;AES256` (1.2 adds `;<label>`),
//! then hex text that decodes to `hex(salt)\nhex(hmac)\nhex(ciphertext)`.
//! Keys: PBKDF2-HMAC-SHA256(password, salt, 10000 rounds) -> 80 bytes =
//! AES key (32) | HMAC key (32) | CTR IV (16). The HMAC-SHA256 of the
//! ciphertext is checked (constant time) before anything is decrypted.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use std::sync::{OnceLock, RwLock};
use zeroize::Zeroizing;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

const HEADER: &str = "$ANSIBLE_VAULT";
const ROUNDS: u32 = 10_000;

/// One vault password, optionally with its vault id label (`--vault-id
/// prod@file`). The password is wiped from memory when dropped and never
/// shown by `Debug`.
#[derive(Clone)]
pub struct VaultSecret {
    pub label: Option<String>,
    password: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for VaultSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultSecret({:?}, ********)", self.label)
    }
}

impl VaultSecret {
    pub fn new(label: Option<String>, password: impl Into<Vec<u8>>) -> Self {
        VaultSecret {
            label,
            password: Zeroizing::new(password.into()),
        }
    }

    /// Read a password file as Ansible does: an executable file is run and
    /// its stdout is the password; otherwise the file's first line.
    pub fn from_file(label: Option<String>, path: &Path) -> Result<Self, VaultError> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| VaultError::PasswordFile(path.display().to_string(), e.to_string()))?;
        let raw = if meta.permissions().mode() & 0o111 != 0 && meta.is_file() {
            let out = std::process::Command::new(path)
                .output()
                .map_err(|e| VaultError::PasswordFile(path.display().to_string(), e.to_string()))?;
            if !out.status.success() {
                return Err(VaultError::PasswordFile(
                    path.display().to_string(),
                    format!("script exited with {}", out.status),
                ));
            }
            out.stdout
        } else {
            std::fs::read(path)
                .map_err(|e| VaultError::PasswordFile(path.display().to_string(), e.to_string()))?
        };
        let raw = Zeroizing::new(raw);
        let text = raw.split(|b| *b == b'\n').next().unwrap_or_default();
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            return Err(VaultError::PasswordFile(
                path.display().to_string(),
                "the password is empty".into(),
            ));
        }
        Ok(VaultSecret::new(label, text.to_vec()))
    }

    /// Parse a `--vault-id` value: `label@source` or `source`; a source of
    /// `prompt` asks on the terminal.
    pub fn from_vault_id(
        spec: &str,
        ask: impl Fn(&str) -> Result<String, VaultError>,
    ) -> Result<Self, VaultError> {
        let (label, source) = match spec.split_once('@') {
            Some((l, s)) => (Some(l.to_string()), s),
            None => (None, spec),
        };
        if source == "prompt" {
            let prompt = match &label {
                Some(l) => format!("Vault password ({l}): "),
                None => "Vault password: ".to_string(),
            };
            return Ok(VaultSecret::new(label, ask(&prompt)?.into_bytes()));
        }
        VaultSecret::from_file(label, Path::new(source))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("not vault data: the first line must start with $ANSIBLE_VAULT")]
    NotVault,
    #[error("unsupported vault format `{0}` (supported: 1.1 and 1.2 with AES256)")]
    Unsupported(String),
    #[error("malformed vault data: {0}")]
    Malformed(&'static str),
    #[error("Attempting to decrypt but no vault secrets found (use --vault-password-file, --vault-id or --ask-vault-pass)")]
    NoSecrets,
    #[error("Decryption failed (no vault secrets were found that could decrypt)")]
    WrongPassword,
    #[error("cannot read vault password file {0}: {1}")]
    PasswordFile(String, String),
    #[error("{0}")]
    Prompt(String),
}

/// Does this text start with a vault header?
pub fn is_vault(data: &[u8]) -> bool {
    data.trim_ascii_start().starts_with(HEADER.as_bytes())
}

/// Decrypt vault text with the first secret that fits. Secrets whose label
/// matches the 1.2 header's are tried first, as Ansible does.
pub fn decrypt(data: &[u8], secrets: &[VaultSecret]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let text = std::str::from_utf8(data).map_err(|_| VaultError::Malformed("not UTF-8 text"))?;
    let mut lines = text.trim().lines();
    let header = lines.next().ok_or(VaultError::NotVault)?.trim();
    let label = parse_header(header)?;
    let body: String = lines.flat_map(|l| l.trim().chars()).collect();
    let envelope = hex::decode(body).map_err(|_| VaultError::Malformed("body is not hex"))?;
    let envelope =
        String::from_utf8(envelope).map_err(|_| VaultError::Malformed("envelope is not text"))?;
    let mut parts = envelope.split('\n');
    let mut field = || -> Result<Vec<u8>, VaultError> {
        hex::decode(
            parts
                .next()
                .ok_or(VaultError::Malformed("missing salt, hmac or ciphertext"))?,
        )
        .map_err(|_| VaultError::Malformed("salt, hmac or ciphertext is not hex"))
    };
    let (salt, mac, ciphertext) = (field()?, field()?, field()?);
    if secrets.is_empty() {
        return Err(VaultError::NoSecrets);
    }
    let ordered = secrets
        .iter()
        .filter(|s| label.is_some() && s.label.as_deref() == label)
        .chain(
            secrets
                .iter()
                .filter(|s| !(label.is_some() && s.label.as_deref() == label)),
        );
    for secret in ordered {
        if let Some(plain) = try_secret(secret, &salt, &mac, &ciphertext)? {
            return Ok(plain);
        }
    }
    Err(VaultError::WrongPassword)
}

/// Decrypt to text (vaulted variables and files are UTF-8 YAML/strings).
pub fn decrypt_str(data: &[u8], secrets: &[VaultSecret]) -> Result<Zeroizing<String>, VaultError> {
    let bytes = decrypt(data, secrets)?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Malformed("decrypted data is not UTF-8"))
}

fn parse_header(header: &str) -> Result<Option<&str>, VaultError> {
    let fields: Vec<&str> = header.split(';').collect();
    if fields.first() != Some(&HEADER) {
        return Err(VaultError::NotVault);
    }
    match fields.as_slice() {
        [_, "1.1", cipher] if cipher.trim() == "AES256" => Ok(None),
        [_, "1.2", cipher, label] if cipher.trim() == "AES256" => Ok(Some(label.trim())),
        _ => Err(VaultError::Unsupported(fields[1..].join(";"))),
    }
}

fn try_secret(
    secret: &VaultSecret,
    salt: &[u8],
    mac: &[u8],
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
    let mut keys = Zeroizing::new([0u8; 80]);
    pbkdf2::pbkdf2_hmac::<Sha256>(&secret.password, salt, ROUNDS, keys.as_mut());
    let (aes_key, rest) = keys.split_at(32);
    let (mac_key, iv) = rest.split_at(32);
    let mut check =
        <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("HMAC takes any key length");
    check.update(ciphertext);
    if check.verify_slice(mac).is_err() {
        return Ok(None);
    }
    let mut plain = Zeroizing::new(ciphertext.to_vec());
    Aes256Ctr::new(aes_key.into(), iv.into()).apply_keystream(&mut plain);
    let pad = *plain
        .last()
        .ok_or(VaultError::Malformed("empty ciphertext"))? as usize;
    if pad == 0
        || pad > 16
        || pad > plain.len()
        || !plain[plain.len() - pad..]
            .iter()
            .all(|b| *b as usize == pad)
    {
        return Err(VaultError::Malformed("bad padding"));
    }
    let len = plain.len() - pad;
    plain.truncate(len);
    Ok(Some(plain))
}

/// The run's vault secrets, set once by the command line before anything is
/// loaded; the YAML loader decrypts `!vault` values and vault files with them.
static SECRETS: OnceLock<Vec<VaultSecret>> = OnceLock::new();

/// Plaintexts that came out of a vault: output masks every occurrence.
static REVEALED: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Shortest decrypted value that is masked: shorter ones (`1`, `yes`) would
/// blank out unrelated output.
const MIN_MASKED_LEN: usize = 4;

/// Install the run's vault secrets (first call wins), and let
/// inventory-parser decrypt whole vault-encrypted `group_vars/` and
/// `host_vars/` files with them.
pub fn set_secrets(secrets: Vec<VaultSecret>) {
    let _ = SECRETS.set(secrets);
    inventory_parser::set_vault_decryptor(decrypt_vars_file);
}

/// A whole vault-encrypted vars file, decrypted with the run's secrets;
/// every string value in it is masked in output from now on.
fn decrypt_vars_file(data: &[u8]) -> Result<String, String> {
    decrypt_vars_file_with(data, secrets())
}

fn decrypt_vars_file_with(data: &[u8], secrets: &[VaultSecret]) -> Result<String, String> {
    let plain = decrypt_str(data, secrets).map_err(|e| e.to_string())?;
    let file = std::sync::Arc::new(std::path::PathBuf::from("vault"));
    for doc in crate::yaml::load_str(&plain, file).unwrap_or_default() {
        reveal_strings(&doc.to_json());
    }
    Ok(plain.to_string())
}

fn reveal_strings(v: &serde_json::Value) {
    match v {
        serde_json::Value::String(s) => reveal(s),
        serde_json::Value::Array(items) => items.iter().for_each(reveal_strings),
        serde_json::Value::Object(m) => m.values().for_each(reveal_strings),
        _ => {}
    }
}

/// The run's vault secrets (none if the command line gave none).
pub fn secrets() -> &'static [VaultSecret] {
    SECRETS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// Remember a decrypted value so output never shows it (treated as no_log).
pub fn reveal(plain: &str) {
    let plain = plain.trim_end_matches('\n');
    if plain.chars().count() < MIN_MASKED_LEN {
        return;
    }
    let mut r = REVEALED.write().unwrap_or_else(|e| e.into_inner());
    if !r.iter().any(|p| p == plain) {
        r.push(plain.to_string());
        // Longest first, so a secret containing another is masked whole.
        r.sort_by_key(|p| std::cmp::Reverse(p.len()));
    }
}

/// `text` with every decrypted vault value replaced by `********`.
pub fn mask(text: &str) -> std::borrow::Cow<'_, str> {
    let r = REVEALED.read().unwrap_or_else(|e| e.into_inner());
    if r.is_empty() || !r.iter().any(|p| text.contains(p.as_str())) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for p in r.iter() {
        out = out.replace(p.as_str(), "********");
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE_11: &str = include_str!("../tests/fixtures/vault/enc11.yml");
    const FILE_12: &str = include_str!("../tests/fixtures/vault/enc12.yml");
    const PLAIN: &str = "db_password: s3cr3t\nport: 9030\n";

    fn pw(p: &str) -> VaultSecret {
        VaultSecret::new(None, p.as_bytes().to_vec())
    }

    #[test]
    fn whole_vars_files_decrypt_for_the_inventory_and_their_strings_are_masked() {
        let plain = decrypt_vars_file_with(FILE_11.as_bytes(), &[pw("wrong"), pw("pw1")]);
        assert_eq!(plain.as_deref(), Ok(PLAIN));
        assert_eq!(mask("pw is s3cr3t"), "pw is ********");
        let err = decrypt_vars_file_with(FILE_11.as_bytes(), &[pw("wrong")]).unwrap_err();
        assert!(err.contains("Decryption failed"), "{err}");
        let err = decrypt_vars_file_with(FILE_11.as_bytes(), &[]).unwrap_err();
        assert!(
            err.contains("Attempting to decrypt but no vault secrets found"),
            "{err}"
        );
    }

    #[test]
    fn decrypts_files_made_by_ansible_vault() {
        let cases = [
            (FILE_11, vec![pw("pw1")]),
            (
                FILE_12,
                vec![VaultSecret::new(Some("prod".into()), b"pw1".to_vec())],
            ),
            // Label mismatch: every secret is still tried.
            (FILE_12, vec![pw("nope"), pw("pw1")]),
        ];
        for (data, secrets) in cases {
            assert_eq!(
                decrypt_str(data.as_bytes(), &secrets).unwrap().as_str(),
                PLAIN
            );
        }
    }

    #[test]
    fn errors_table() {
        let cases: [(&[u8], Vec<VaultSecret>, VaultError); 5] = [
            (
                FILE_11.as_bytes(),
                vec![pw("wrong")],
                VaultError::WrongPassword,
            ),
            (FILE_11.as_bytes(), vec![], VaultError::NoSecrets),
            (b"plain: yaml\n", vec![pw("x")], VaultError::NotVault),
            (
                b"$ANSIBLE_VAULT;1.0;AES\nabcd\n",
                vec![pw("x")],
                VaultError::Unsupported("1.0;AES".into()),
            ),
            (
                b"$ANSIBLE_VAULT;1.1;AES256\nzz\n",
                vec![pw("x")],
                VaultError::Malformed("body is not hex"),
            ),
        ];
        for (data, secrets, want) in cases {
            assert_eq!(decrypt(data, &secrets).unwrap_err(), want);
        }
    }

    #[test]
    fn revealed_values_are_masked() {
        reveal("hunter2-secret");
        reveal("abc");
        assert_eq!(mask("pw=hunter2-secret;"), "pw=********;");
        assert_eq!(mask("abc stays"), "abc stays");
    }

    #[test]
    fn truncated_data_never_panics() {
        for cut in (0..FILE_11.len()).step_by(7) {
            let _ = decrypt(&FILE_11.as_bytes()[..cut], &[pw("pw1")]);
        }
    }

    #[test]
    fn password_file_first_line_and_executable_script() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("pw");
        std::fs::write(&plain, "pw1\nignored\n").unwrap();
        let script = dir.path().join("pw.sh");
        std::fs::write(&script, "#!/bin/sh\necho pw1\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        for path in [&plain, &script] {
            let s = VaultSecret::from_file(None, path).unwrap();
            assert_eq!(
                decrypt_str(FILE_11.as_bytes(), &[s]).unwrap().as_str(),
                PLAIN
            );
        }
        let id =
            VaultSecret::from_vault_id(&format!("prod@{}", plain.display()), |_| unreachable!())
                .unwrap();
        assert_eq!(id.label.as_deref(), Some("prod"));
        assert!(!format!("{id:?}").contains("pw1"));
    }
}
