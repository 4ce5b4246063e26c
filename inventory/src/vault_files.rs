//! Whole vault-encrypted vars files (`ansible-vault encrypt
//! group_vars/all.yml`): the file starts with `$ANSIBLE_VAULT;`.
//! inventory-parser knows no vault secrets, so the program that has them
//! (srplay's engine) installs a decryptor; without one such a file is an
//! error naming it, never silently skipped.

use crate::error::{InventoryError, Result};
use std::path::Path;
use std::sync::OnceLock;

/// Decrypts vault text to the plain file contents, or says why it cannot.
pub type VaultDecryptor = fn(&[u8]) -> std::result::Result<String, String>;

/// Messages of the errors about vault files (see
/// [`InventoryError::is_vault_error`]).
pub(crate) const NO_DECRYPTOR: &str =
    "is vault-encrypted and this program cannot decrypt vault files";
pub(crate) const CANNOT_DECRYPT: &str = "cannot decrypt this vault file: ";

static DECRYPTOR: OnceLock<VaultDecryptor> = OnceLock::new();

/// Install the decryptor for vault-encrypted vars files (first call wins).
pub fn set_vault_decryptor(f: VaultDecryptor) {
    let _ = DECRYPTOR.set(f);
}

/// Whether `text` is a whole vault file (its first line is the header).
pub fn is_vault_file(text: &str) -> bool {
    text.trim_start().starts_with("$ANSIBLE_VAULT;")
}

/// The plain contents of the vault file `file`.
pub fn decrypt_file(text: &str, file: &Path) -> Result<String> {
    let decrypt = DECRYPTOR
        .get()
        .ok_or_else(|| InventoryError::file(file, NO_DECRYPTOR))?;
    decrypt(text.as_bytes()).map_err(|e| InventoryError::file(file, format!("{CANNOT_DECRYPT}{e}")))
}

/// The plain text of vault `text` (an inline `!vault` value), or the
/// reason it cannot be decrypted.
pub(crate) fn decrypt_text(text: &str) -> std::result::Result<String, String> {
    let decrypt = DECRYPTOR
        .get()
        .ok_or_else(|| "this program cannot decrypt vault values".to_string())?;
    decrypt(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vault_file_without_a_decryptor_is_an_error_naming_it() {
        // This test binary never installs a decryptor.
        let text = "$ANSIBLE_VAULT;1.1;AES256\n6162\n";
        assert!(is_vault_file(text));
        assert!(!is_vault_file("a: $ANSIBLE_VAULT;1.1\n"));
        let err = decrypt_file(text, Path::new("group_vars/all.yml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "group_vars/all.yml: is vault-encrypted and this program cannot decrypt vault files"
        );
        assert!(err.is_vault_error());
        let other = InventoryError::file("group_vars/all.yml", "unreadable");
        assert!(!other.is_vault_error());
    }
}
