//! The `template` module's Jinja options (`trim_blocks`, `lstrip_blocks`
//! and the six delimiter strings), as a value the renderer can key an
//! environment on.

use super::filters::Delimiters;
use minijinja::syntax::SyntaxConfig;

/// Jinja syntax options of one `template` task; `Default` is Ansible's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TemplateSyntax {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
    pub block: (String, String),
    pub variable: (String, String),
    pub comment: (String, String),
}

impl Default for TemplateSyntax {
    fn default() -> Self {
        TemplateSyntax {
            trim_blocks: true,
            lstrip_blocks: false,
            block: ("{%".into(), "%}".into()),
            variable: ("{{".into(), "}}".into()),
            comment: ("{#".into(), "#}".into()),
        }
    }
}

impl TemplateSyntax {
    /// Are the delimiters the default ones?
    pub fn default_delimiters(&self) -> bool {
        self.delimiters() == Delimiters::default()
    }

    /// The delimiters, for the source pre-pass (raw string literals,
    /// strict operands), which must find tags the way Jinja's lexer does.
    pub fn delimiters(&self) -> Delimiters {
        Delimiters {
            variable: self.variable.clone(),
            block: self.block.clone(),
            comment: self.comment.clone(),
        }
    }

    /// The minijinja configuration; an error names the bad delimiters.
    pub fn config(&self) -> Result<SyntaxConfig, String> {
        SyntaxConfig::builder()
            .block_delimiters(self.block.0.clone(), self.block.1.clone())
            .variable_delimiters(self.variable.0.clone(), self.variable.1.clone())
            .comment_delimiters(self.comment.0.clone(), self.comment.1.clone())
            .trim_blocks(self.trim_blocks)
            .lstrip_blocks(self.lstrip_blocks)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| format!("invalid template delimiters: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_ansible_and_builds() {
        let d = TemplateSyntax::default();
        assert!(d.default_delimiters());
        let c = d.config().unwrap();
        assert!(c.trim_blocks() && !c.lstrip_blocks() && c.keep_trailing_newline());
        let custom = TemplateSyntax {
            variable: ("[[".into(), "]]".into()),
            ..TemplateSyntax::default()
        };
        assert!(!custom.default_delimiters());
        assert_eq!(custom.config().unwrap().variable_delimiters(), ("[[", "]]"));
    }
}
