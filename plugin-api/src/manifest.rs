//! The static description of a plugin and its modules, returned by
//! `srplay_plugin_manifest`: the host builds each module's argument schema
//! from it (load-time checks, `srplay doc`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The ABI the plugin was built for (also returned by `srplay_plugin_abi`).
    pub abi: u32,
    pub name: String,
    pub version: String,
    pub modules: Vec<ModuleDoc>,
}

/// A module's name, documentation and options.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ModuleDoc {
    pub name: String,
    /// First line: the summary `srplay doc --list` shows.
    pub description: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub options: Vec<OptionDoc>,
    /// Documentation only: the host always passes `check_mode` and the
    /// module must honour it.
    #[serde(default)]
    pub supports_check_mode: bool,
    #[serde(default)]
    pub returns: Vec<ReturnDoc>,
}

impl ModuleDoc {
    pub fn new(description: &str) -> Self {
        ModuleDoc {
            description: description.to_string(),
            supports_check_mode: true,
            ..Default::default()
        }
    }

    pub fn option(mut self, option: OptionDoc) -> Self {
        self.options.push(option);
        self
    }

    pub fn alias(mut self, alias: &str) -> Self {
        self.aliases.push(alias.to_string());
        self
    }

    pub fn returns(mut self, name: &str, description: &str) -> Self {
        self.returns.push(ReturnDoc {
            name: name.to_string(),
            description: description.to_string(),
        });
        self
    }

    pub fn supports_check_mode(mut self, supported: bool) -> Self {
        self.supports_check_mode = supported;
        self
    }
}

/// Option types, as Ansible's `argument_spec` spells them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    #[default]
    Str,
    Bool,
    Int,
    Float,
    List,
    Dict,
    Path,
    /// A file mode, kept as an octal string (`0644`).
    Mode,
    /// Passed through untouched.
    Raw,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OptionDoc {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: OptionType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Never printed by the host (passwords).
    #[serde(default)]
    pub no_log: bool,
    #[serde(default)]
    pub doc: String,
}

impl OptionDoc {
    pub fn new(name: &str, kind: OptionType, doc: &str) -> Self {
        OptionDoc {
            name: name.to_string(),
            kind,
            doc: doc.to_string(),
            ..Default::default()
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    pub fn choices(mut self, choices: &[&str]) -> Self {
        self.choices = choices.iter().map(|c| c.to_string()).collect();
        self
    }

    pub fn aliases(mut self, aliases: &[&str]) -> Self {
        self.aliases = aliases.iter().map(|a| a.to_string()).collect();
        self
    }

    pub fn no_log(mut self) -> Self {
        self.no_log = true;
        self
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReturnDoc {
    pub name: String,
    pub description: String,
}
