//! What a module sees of the run: the host's connection, the run's flags,
//! the host's variables, file search paths, templating and progress.

use crate::connection::{Become, Connection, ConnectionError, ExecOutput, ExecRequest, Stdin};
use crate::connection::{FileAttrs, PutSource};
use crate::template::TemplateSyntax;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Renders template text with the host's variables (the engine's
/// minijinja environment with Ansible's filters). Used by `template`.
pub trait TemplateRenderer: Send + Sync {
    /// `name` is used in error messages (the template's path);
    /// `extra` vars shadow the host's (`template_path`, `ansible_managed`…).
    fn render(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
    ) -> Result<String, String>;

    /// [`render`](Self::render) with a `template` task's Jinja syntax
    /// options. Renderers that only know the default syntax refuse others.
    fn render_with(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
        syntax: &TemplateSyntax,
    ) -> Result<String, String> {
        if *syntax == TemplateSyntax::default() {
            return self.render(name, source, extra);
        }
        Err(format!(
            "{name}: this renderer does not support custom template syntax"
        ))
    }
}

/// Progress of a long wait (BE decommission, wait_for). The engine draws a
/// bar on a TTY and prints periodic lines otherwise.
pub trait Progress: Send + Sync {
    /// `done` of `total` units (tablets, seconds…), with a short status text.
    fn update(&self, done: u64, total: u64, msg: &str);
    /// A line of output for this host, printed above any bars.
    fn line(&self, msg: &str);
}

/// A progress sink that shows nothing (tests, `--output json`).
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: u64, _: u64, _: &str) {}
    fn line(&self, _: &str) {}
}

#[derive(Clone)]
pub struct ModuleContext {
    pub host: String,
    pub conn: Arc<dyn Connection>,
    pub check_mode: bool,
    pub diff: bool,
    pub r#become: Option<Become>,
    /// The `environment:` keyword, applied to every command run via `exec`.
    pub environment: Vec<(String, String)>,
    /// The host's variables as the task sees them (inventory, facts,
    /// play/task vars), already templated.
    pub vars: Arc<Map<String, Value>>,
    /// Where relative `src` paths are looked up, most specific first: the
    /// role dir, the including file's dir, the playbook dir. Each entry is
    /// also tried with a `files/` or `templates/` subdirectory.
    pub search_paths: Vec<PathBuf>,
    pub renderer: Arc<dyn TemplateRenderer>,
    pub progress: Arc<dyn Progress>,
}

impl ModuleContext {
    /// Run a command with the task's become and environment applied.
    pub async fn exec(&self, cmd: impl Into<String>) -> Result<ExecOutput, ConnectionError> {
        self.exec_stdin(cmd, Stdin::Null).await
    }

    pub async fn exec_stdin(
        &self,
        cmd: impl Into<String>,
        stdin: Stdin,
    ) -> Result<ExecOutput, ConnectionError> {
        let mut req = ExecRequest::new(cmd)
            .stdin(stdin)
            .become_as(self.r#become.clone());
        req.env = self.environment.clone();
        self.conn.exec(req).await
    }

    /// Atomically write a file on the target as the task's become user.
    pub async fn put(
        &self,
        src: PutSource,
        dest: &str,
        attrs: &FileAttrs,
    ) -> Result<(), ConnectionError> {
        self.conn.put(src, dest, attrs, self.r#become.clone()).await
    }

    pub async fn get(&self, path: &str) -> Result<Vec<u8>, ConnectionError> {
        self.conn.get(path, self.r#become.clone()).await
    }

    /// Find a controller-side file the way Ansible does for `src`:
    /// absolute paths as given; relative ones under each search path's
    /// `subdir` (`files` or `templates`), then the search path itself.
    pub fn find_file(&self, subdir: &str, rel: &str) -> Option<PathBuf> {
        let p = PathBuf::from(rel);
        if p.is_absolute() {
            return p.exists().then_some(p);
        }
        self.search_paths
            .iter()
            .flat_map(|base| [base.join(subdir).join(rel), base.join(rel)])
            .find(|c| c.exists())
    }

    /// A variable of the host (`ansible_facts`, `inventory_hostname`…).
    pub fn var(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
}
