//! Inline `!vault` values (`ansible-vault encrypt_string`): the inventory
//! keeps their ciphertext as a string (it knows no secrets), and the
//! ansible-inventory outputs show them as ansible-inventory 2.19 does:
//! `{"__ansible_vault": "<ciphertext>"}` in JSON, a `!vault |` block in
//! YAML, and the decrypted value with `--graph --vars`.

use crate::error::{InventoryError, Result};
use serde_json::{Map, Value};

/// Key of the JSON object that stands for an encrypted value.
pub const VAULT_KEY: &str = "__ansible_vault";

/// Whether a string value is vault ciphertext (a `!vault` value).
pub fn is_vault_value(s: &str) -> bool {
    crate::vault_files::is_vault_file(s)
}

/// `v` with every vault string replaced by `{"__ansible_vault": text}`.
pub fn mark_vault_values(v: &Value) -> Value {
    match v {
        Value::String(s) if is_vault_value(s) => {
            Value::Object(Map::from_iter([(VAULT_KEY.to_string(), v.clone())]))
        }
        Value::Array(a) => Value::Array(a.iter().map(mark_vault_values).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), mark_vault_values(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The YAML of a vault string: `!vault |` and its lines indented by
/// `indent` spaces (no trailing newline; `|-` when the text has none).
pub fn vault_yaml(s: &str, indent: usize) -> String {
    let chomp = if s.ends_with('\n') { "|" } else { "|-" };
    let pad = " ".repeat(indent);
    let lines: Vec<String> = s.lines().map(|l| format!("{pad}{l}")).collect();
    format!("!vault {chomp}\n{}", lines.join("\n"))
}

/// The plain text of a vault string, with the decryptor the program
/// installed; an error (ansible's text first) when it cannot decrypt.
pub fn decrypt_value(s: &str) -> Result<String> {
    crate::vault_files::decrypt_text(s).map_err(InventoryError::Inventory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CIPHER: &str = "$ANSIBLE_VAULT;1.1;AES256\n6162\n6364\n";

    #[test]
    fn vault_strings_are_marked_in_json_and_blocks_in_yaml() {
        let v = json!({"k": CIPHER, "l": [CIPHER, "plain"], "n": 1});
        let want = json!({
            "k": {"__ansible_vault": CIPHER},
            "l": [{"__ansible_vault": CIPHER}, "plain"],
            "n": 1
        });
        assert_eq!(mark_vault_values(&v), want);
        assert_eq!(
            vault_yaml(CIPHER, 2),
            "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n  6364"
        );
        assert_eq!(
            vault_yaml(CIPHER.trim_end(), 0),
            "!vault |-\n$ANSIBLE_VAULT;1.1;AES256\n6162\n6364"
        );
        assert!(!is_vault_value("x: $ANSIBLE_VAULT;1.1"));
    }
}
