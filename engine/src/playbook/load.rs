//! Playbook files -> a validated [`Playbook`].

use super::keywords;
use super::model::{Block, FileCtx, Item, Keywords, Play, Playbook, Role, Task};
use super::module_defaults::check_module_defaults;
use super::role::{
    find_role, load_role_vars, read_vars_file, role_allows_duplicates, role_dependencies, role_file,
};
use super::task::{apply_keyword, is_include_action, parse_task, scalar_text, string_list};
use super::Diagnostic;
use crate::module::ModuleRegistry;
use crate::template::is_template;
use crate::yaml::{self, Kind, Node, Pos};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct LoaderOptions {
    /// Extra role directories (`roles_path` / `ANSIBLE_ROLES_PATH`).
    pub roles_path: Vec<PathBuf>,
}

/// Reads playbooks, task files and roles; also used at run time by
/// `include_tasks` / `include_role`.
pub struct Loader {
    registry: ModuleRegistry,
    opts: LoaderOptions,
    playbook_dir: PathBuf,
    /// Task files already checked through a static-looking `include_tasks`.
    checked: Mutex<HashSet<PathBuf>>,
}

/// What a play collects while its tasks are read.
#[derive(Default)]
struct PlayBuild {
    handlers: Vec<Arc<Task>>,
    roles: Vec<Arc<Role>>,
    seen_roles: HashSet<String>,
    /// `roles:` entries already run: role path, params and vars.
    play_role_keys: HashSet<String>,
}

/// What `include_role` loads: the role's block, handlers and the roles
/// (dependencies included) whose vars join the play.
pub type IncludedRole = (Item, Vec<Arc<Task>>, Vec<Arc<Role>>);

/// Options of `import_role` / `include_role`.
#[derive(Debug, Clone, Default)]
pub struct RoleRequest {
    pub name: String,
    pub tasks_from: String,
    pub vars_from: String,
    pub defaults_from: String,
    pub handlers_from: String,
    pub params: Map<String, Value>,
}

impl RoleRequest {
    pub fn named(name: &str) -> Self {
        RoleRequest {
            name: name.to_string(),
            tasks_from: "main".into(),
            vars_from: "main".into(),
            defaults_from: "main".into(),
            handlers_from: "main".into(),
            params: Map::new(),
        }
    }
}

impl Loader {
    pub fn new(registry: ModuleRegistry, opts: LoaderOptions, playbook_dir: PathBuf) -> Self {
        Loader {
            registry,
            opts,
            playbook_dir,
            checked: Mutex::new(HashSet::new()),
        }
    }

    pub fn registry(&self) -> &ModuleRegistry {
        &self.registry
    }

    pub fn playbook_dir(&self) -> &Path {
        &self.playbook_dir
    }

    /// Load and validate a playbook file and everything it imports.
    pub fn load_playbook(&self, path: &Path) -> Result<Playbook, Diagnostic> {
        let path = absolute(path);
        let mut plays = Vec::new();
        self.playbook_file(
            &path,
            &Keywords::default(),
            &mut vec![],
            &mut plays,
            &Pos::none("command line"),
        )?;
        Ok(Playbook { path, plays })
    }

    /// Load and validate a playbook given as text, as if read from `path`
    /// (imports are still resolved relative to it). Lets fuzzers and tools
    /// check a playbook without writing it to disk first.
    pub fn load_playbook_text(&self, path: &Path, text: &str) -> Result<Playbook, Diagnostic> {
        let path = absolute(path);
        let docs = yaml::load_str(text, Arc::new(path.clone()))?;
        let mut plays = Vec::new();
        self.playbook_docs(&path, &docs, &Keywords::default(), &mut vec![], &mut plays)?;
        Ok(Playbook { path, plays })
    }

    fn playbook_file(
        &self,
        path: &Path,
        inherited: &Keywords,
        stack: &mut Vec<PathBuf>,
        plays: &mut Vec<Arc<Play>>,
        from: &Pos,
    ) -> Result<(), Diagnostic> {
        if stack.contains(&path.to_path_buf()) {
            return Err(Diagnostic::new(
                format!("import loop: {}", loop_text(stack, path)),
                from,
            ));
        }
        if !path.is_file() {
            return Err(Diagnostic::new(
                format!("the playbook {} could not be found", path.display()),
                from,
            ));
        }
        let docs = yaml::load_file(path)?;
        self.playbook_docs(path, &docs, inherited, stack, plays)
    }

    /// The plays of one playbook file's parsed documents (only the first
    /// document counts, like ansible).
    fn playbook_docs(
        &self,
        path: &Path,
        docs: &[Node],
        inherited: &Keywords,
        stack: &mut Vec<PathBuf>,
        plays: &mut Vec<Arc<Play>>,
    ) -> Result<(), Diagnostic> {
        let Some(doc) = docs.first() else {
            return Ok(());
        };
        if doc.is_null() {
            return Ok(());
        }
        let entries = doc
            .as_seq()
            .ok_or_else(|| Diagnostic::new("a playbook must be a list of plays", &doc.pos))?;
        stack.push(path.to_path_buf());
        let ctx = Arc::new(FileCtx {
            file: path.to_path_buf(),
            role: None,
        });
        for entry in entries {
            if let Some((key, target)) = import_playbook_entry(entry) {
                let file = scalar_text(target);
                // The import's `when`, `tags` and `vars` apply to every play it brings.
                let mut own = Keywords::default();
                for (k, v) in entry.as_map().unwrap_or(&[]) {
                    let name = k.key_string();
                    match name.as_str() {
                        "when" | "tags" | "vars" => apply_keyword(&mut own, &name, v)?,
                        "name" => {}
                        _ if name == key => {}
                        _ => {
                            return Err(Diagnostic::new(
                                format!("unknown keyword `{name}` for import_playbook"),
                                &k.pos,
                            ))
                        }
                    }
                }
                let mut child = inherited.clone();
                child.when.extend(own.when);
                child.tags.extend(own.tags);
                child.vars.extend(own.vars);
                let target_path = ctx.dir().join(&file);
                self.playbook_file(&target_path, &child, stack, plays, &target.pos)?;
                continue;
            }
            let mut play = self.parse_play(entry, &ctx)?;
            play.kw.when.splice(0..0, inherited.when.iter().cloned());
            for t in &inherited.tags {
                if !play.kw.tags.contains(t) {
                    play.kw.tags.push(t.clone());
                }
            }
            // ansible-core: the import's vars win over the play's own.
            for (k, v) in &inherited.vars {
                play.kw.vars.insert(k.clone(), v.clone());
            }
            self.check_notify(&play)?;
            plays.push(Arc::new(play));
        }
        stack.pop();
        Ok(())
    }

    /// Every `notify:` of the play's static tasks names a handler or a
    /// `listen` topic of the play (ansible-core fails at run time).
    fn check_notify(&self, play: &Play) -> Result<(), Diagnostic> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Arc<Task>>) {
            for i in items {
                match i {
                    Item::Task(t) => out.push(t),
                    Item::Block(b) => {
                        walk(&b.block, out);
                        walk(&b.rescue, out);
                        walk(&b.always, out);
                    }
                }
            }
        }
        let mut tasks = Vec::new();
        for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
            walk(section, &mut tasks);
        }
        tasks.extend(play.handlers.iter());
        for t in tasks {
            for n in &t.notify {
                let known = is_template(n)
                    || play.handlers.iter().any(|h| {
                        h.name.as_deref() == Some(n.as_str())
                            || h.display_name() == *n
                            || h.listen.contains(n)
                    });
                if !known {
                    let names = play.handlers.iter().filter_map(|h| h.name.as_deref());
                    return Err(Diagnostic::new(
                        format!("the requested handler '{n}' was not found in either the main handlers list nor in the listening handlers list"),
                        &t.pos,
                    )
                    .hint(crate::suggest::closest(n, names).map(|s| format!("did you mean `{s}`?"))));
                }
            }
        }
        Ok(())
    }

    fn parse_play(&self, node: &Node, ctx: &Arc<FileCtx>) -> Result<Play, Diagnostic> {
        let pairs = node.as_map().ok_or_else(|| {
            Diagnostic::new(
                format!("a play must be a mapping, got {}", node.type_name()),
                &node.pos,
            )
        })?;
        for (k, _) in pairs {
            let key = k.key_string();
            if !keywords::is_play_keyword(&key) {
                let hint = keywords::suggest(&key, "play");
                let msg = if self.registry.contains(&key) {
                    format!("`{key}` is a module, not a play keyword; put it under `tasks:`")
                } else {
                    format!("unknown keyword `{key}` for a play")
                };
                return Err(
                    Diagnostic::new(msg, &k.pos).hint(hint.map(|h| format!("did you mean `{h}`?")))
                );
            }
        }
        if let Some(md) = node.get("module_defaults") {
            check_module_defaults(md, &self.registry)?;
        }
        let hosts = node
            .get("hosts")
            .ok_or_else(|| Diagnostic::new("the play has no `hosts`", &node.pos))?;
        let mut play = Play {
            name: node.get("name").map(scalar_text),
            hosts: hosts.to_json(),
            kw: Keywords::default(),
            vars_files: Vec::new(),
            gather_facts: node.get("gather_facts").map(Node::to_json),
            pre_tasks: Vec::new(),
            tasks: Vec::new(),
            post_tasks: Vec::new(),
            handlers: Vec::new(),
            roles: Vec::new(),
            serial: node.get("serial").map(Node::to_json),
            strategy: node.get("strategy").map(Node::to_json),
            max_fail_percentage: node.get("max_fail_percentage").map(Node::to_json),
            order: node.get("order").map(Node::to_json),
            force_handlers: node.get("force_handlers").map(Node::to_json),
            vars_prompt: match node.get("vars_prompt") {
                Some(v) => super::vars_prompt::parse_vars_prompt(v)?,
                None => Vec::new(),
            },
            pos: node.pos.clone(),
            ctx: ctx.clone(),
        };
        for (k, v) in pairs {
            let key = k.key_string();
            if keywords::is_play_keyword(&key) && !keywords::PLAY_KEYWORDS.contains(&key.as_str()) {
                apply_keyword(&mut play.kw, &key, v)?;
            }
        }
        if let Some(vf) = node.get("vars_files") {
            play.vars_files = match &vf.kind {
                Kind::Seq(items) => items.iter().map(|i| (i.to_json(), i.pos.clone())).collect(),
                _ => vec![(vf.to_json(), vf.pos.clone())],
            };
        }
        let mut build = PlayBuild::default();
        let mut stack = vec![ctx.file.clone()];
        if let Some(pre) = node.get("pre_tasks") {
            play.pre_tasks = self.items(pre, ctx, &mut build, &mut stack)?;
        }
        if let Some(roles) = node.get("roles") {
            let list = roles
                .as_seq()
                .ok_or_else(|| Diagnostic::new("`roles` must be a list", &roles.pos))?;
            for entry in list {
                play.tasks
                    .push(self.play_role(entry, ctx, &mut build, &mut stack)?);
            }
        }
        if let Some(tasks) = node.get("tasks") {
            play.tasks
                .extend(self.items(tasks, ctx, &mut build, &mut stack)?);
        }
        if let Some(post) = node.get("post_tasks") {
            play.post_tasks = self.items(post, ctx, &mut build, &mut stack)?;
        }
        if let Some(h) = node.get("handlers") {
            let mut own = self.handler_list(h, ctx, &mut stack)?;
            own.extend(std::mem::take(&mut build.handlers));
            build.handlers = own;
        }
        play.handlers = build.handlers;
        play.roles = build.roles;
        Ok(play)
    }

    /// A section (`tasks:`, `block:`…) -> items.
    fn items(
        &self,
        node: &Node,
        ctx: &Arc<FileCtx>,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Vec<Item>, Diagnostic> {
        if node.is_null() {
            return Ok(vec![]);
        }
        let list = node.as_seq().ok_or_else(|| {
            Diagnostic::new(
                format!("expected a list of tasks, got {}", node.type_name()),
                &node.pos,
            )
        })?;
        let mut out = Vec::new();
        for n in list {
            out.push(self.item(n, ctx, build, stack)?);
        }
        Ok(out)
    }

    fn item(
        &self,
        node: &Node,
        ctx: &Arc<FileCtx>,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Item, Diagnostic> {
        if node.get("block").is_some() {
            return self
                .block(node, ctx, build, stack)
                .map(|b| Item::Block(Arc::new(b)));
        }
        let task = parse_task(node, ctx, &self.registry, false)?;
        match task.short_action() {
            "import_tasks" => self.import_tasks(task, build, stack),
            "import_role" => self.import_role(task, build, stack),
            "import_playbook" => Err(Diagnostic::new(
                "`import_playbook` is only allowed at the top level of a playbook",
                &task.pos,
            )),
            "include_tasks" => {
                self.check_static_include(&task, build, stack)?;
                Ok(Item::Task(Arc::new(task)))
            }
            _ => Ok(Item::Task(Arc::new(task))),
        }
    }

    fn block(
        &self,
        node: &Node,
        ctx: &Arc<FileCtx>,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Block, Diagnostic> {
        if let Some(md) = node.get("module_defaults") {
            check_module_defaults(md, &self.registry)?;
        }
        let mut kw = Keywords::default();
        for (k, v) in node.as_map().unwrap_or(&[]) {
            let key = k.key_string();
            if !keywords::is_block_keyword(&key) {
                let hint = keywords::suggest(&key, "block");
                return Err(Diagnostic::new(
                    format!("unknown keyword `{key}` for a block"),
                    &k.pos,
                )
                .hint(hint.map(|h| format!("did you mean `{h}`?"))));
            }
            if !["block", "rescue", "always"].contains(&key.as_str()) {
                apply_keyword(&mut kw, &key, v)?;
            }
        }
        let section =
            |name: &str, build: &mut PlayBuild, stack: &mut Vec<PathBuf>| match node.get(name) {
                Some(n) => self.items(n, ctx, build, stack),
                None => Ok(vec![]),
            };
        Ok(Block {
            name: node.get("name").map(scalar_text),
            block: section("block", build, stack)?,
            rescue: section("rescue", build, stack)?,
            always: section("always", build, stack)?,
            kw,
            pos: node.pos.clone(),
            ctx: ctx.clone(),
        })
    }

    /// Static import: the file's tasks in a block carrying the import's keywords.
    fn import_tasks(
        &self,
        task: Task,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Item, Diagnostic> {
        let file = include_file_arg(&task)?;
        if is_template(&file) {
            return Err(Diagnostic::new("`import_tasks` is static: its file name cannot use a variable known only at run time; use `include_tasks`", &task.pos));
        }
        let path = self.resolve_task_file(&file, &task.ctx).ok_or_else(|| {
            Diagnostic::new(format!("could not find the task file `{file}`"), &task.pos)
        })?;
        if stack.contains(&path) {
            return Err(Diagnostic::new(
                format!("import loop: {}", loop_text(stack, &path)),
                &task.pos,
            ));
        }
        let ctx = Arc::new(FileCtx {
            file: path.clone(),
            role: task.ctx.role.clone(),
        });
        stack.push(path.clone());
        let items = self.task_file_items(&path, &ctx, build, stack);
        stack.pop();
        let mut kw = task.kw.clone();
        merge_vars(&mut kw.vars, &task.args, &["file", "_raw_params"]);
        Ok(Item::Block(Arc::new(Block {
            name: task.name.clone(),
            block: items?,
            rescue: vec![],
            always: vec![],
            kw,
            pos: task.pos.clone(),
            ctx,
        })))
    }

    /// A dynamic include whose file name is plain text is read now, so its
    /// errors are found before any host is touched.
    fn check_static_include(
        &self,
        task: &Task,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<(), Diagnostic> {
        let Ok(file) = include_file_arg(task) else {
            return Ok(());
        };
        if is_template(&file) {
            return Ok(());
        }
        let path = self.resolve_task_file(&file, &task.ctx).ok_or_else(|| {
            Diagnostic::new(format!("could not find the task file `{file}`"), &task.pos)
        })?;
        if stack.contains(&path)
            || !self
                .checked
                .lock()
                .expect("not poisoned")
                .insert(path.clone())
        {
            return Ok(());
        }
        let ctx = Arc::new(FileCtx {
            file: path.clone(),
            role: task.ctx.role.clone(),
        });
        stack.push(path.clone());
        let mut scratch = PlayBuild {
            seen_roles: build.seen_roles.clone(),
            ..Default::default()
        };
        let r = self.task_file_items(&path, &ctx, &mut scratch, stack);
        stack.pop();
        r.map(|_| ())
    }

    fn task_file_items(
        &self,
        path: &Path,
        ctx: &Arc<FileCtx>,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Vec<Item>, Diagnostic> {
        let docs = yaml::load_file(path)?;
        match docs.first() {
            None => Ok(vec![]),
            Some(d) => self.items(d, ctx, build, stack),
        }
    }

    /// Where an include's file is: next to the including file, in the
    /// role's `tasks/`, then next to the playbook.
    pub fn resolve_task_file(&self, file: &str, ctx: &FileCtx) -> Option<PathBuf> {
        let p = PathBuf::from(file);
        if p.is_absolute() {
            return p.is_file().then_some(p);
        }
        let mut dirs = vec![ctx.dir()];
        if let Some(r) = &ctx.role {
            dirs.push(r.path.join("tasks"));
            dirs.push(r.path.clone());
        }
        dirs.push(self.playbook_dir.clone());
        dirs.into_iter().map(|d| d.join(&p)).find(|c| c.is_file())
    }

    fn import_role(
        &self,
        task: Task,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Item, Diagnostic> {
        let req = role_request(&task)?;
        if is_template(&req.name) {
            return Err(Diagnostic::new(
                "`import_role` is static: its name cannot use a variable; use `include_role`",
                &task.pos,
            ));
        }
        let mut kw = task.kw.clone();
        merge_vars(&mut kw.vars, &Map::new(), &[]);
        self.role_block(&req, kw, &task.ctx, &task.pos, build, stack)
    }

    /// An entry of a play's `roles:` list.
    fn play_role(
        &self,
        entry: &Node,
        ctx: &Arc<FileCtx>,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Item, Diagnostic> {
        // Checked here like on plays, blocks and tasks: a bad module name
        // or option fails before any host is touched.
        if let Some(md) = entry.get("module_defaults") {
            check_module_defaults(md, &self.registry)?;
        }
        let (req, kw) = role_entry(entry)?;
        // A role listed twice in `roles:` with the same params and vars
        // runs once, unless its meta says `allow_duplicates: true`.
        let dirs = [self.playbook_dir.clone(), ctx.dir()];
        if let Some(path) = find_role(&req.name, &dirs, &self.opts.roles_path) {
            let key = format!(
                "{}:{}:{}",
                path.display(),
                Value::Object(req.params.clone()),
                Value::Object(kw.vars.clone())
            );
            let fresh = build.play_role_keys.insert(key);
            if !fresh && !role_allows_duplicates(&path)? {
                return Ok(Item::Block(Arc::new(Block {
                    name: None,
                    block: vec![],
                    rescue: vec![],
                    always: vec![],
                    kw,
                    pos: entry.pos.clone(),
                    ctx: ctx.clone(),
                })));
            }
        }
        self.role_block(&req, kw, ctx, &entry.pos, build, stack)
    }

    /// A role's tasks (after its dependencies) as one block.
    fn role_block(
        &self,
        req: &RoleRequest,
        kw: Keywords,
        from: &Arc<FileCtx>,
        pos: &Pos,
        build: &mut PlayBuild,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Item, Diagnostic> {
        let mut dirs = vec![self.playbook_dir.clone(), from.dir()];
        if let Some(r) = &from.role {
            if let Some(parent) = r.path.parent() {
                dirs.push(parent.to_path_buf());
            }
        }
        dirs.dedup();
        let path = find_role(&req.name, &dirs, &self.opts.roles_path).ok_or_else(|| {
            Diagnostic::new(format!("the role `{}` was not found", req.name), pos).hint(Some(
                format!(
                    "searched {}",
                    dirs.iter()
                        .map(|d| d.join("roles").display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        })?;
        let key = format!(
            "{}:{}:{}",
            path.display(),
            req.tasks_from,
            Value::Object(req.params.clone())
        );
        let mut role = load_role_vars(&req.name, &path, &req.defaults_from, &req.vars_from)?;
        role.params = req.params.clone();
        let role = Arc::new(role);
        let ctx_role = Arc::new(FileCtx {
            file: path.join("tasks").join("main.yml"),
            role: Some(role.clone()),
        });
        let mut items = Vec::new();
        if stack.contains(&path) {
            return Err(Diagnostic::new(
                format!("role dependency loop: {}", loop_text(stack, &path)),
                pos,
            ));
        }
        stack.push(path.clone());
        for dep in role_dependencies(&path)? {
            let (dreq, dkw) = role_entry(&dep)?;
            let dep_key = dreq.name.clone();
            if build.seen_roles.contains(&format!("dep:{dep_key}")) {
                continue;
            }
            build.seen_roles.insert(format!("dep:{dep_key}"));
            items.push(self.role_block(&dreq, dkw, &ctx_role, &dep.pos, build, stack)?);
        }
        if let Some(tasks) = role_file(&path, "tasks", &req.tasks_from) {
            let ctx = Arc::new(FileCtx {
                file: tasks.clone(),
                role: Some(role.clone()),
            });
            items.extend(self.task_file_items(&tasks, &ctx, build, stack)?);
        } else if req.tasks_from != "main" {
            return Err(Diagnostic::new(
                format!(
                    "the role `{}` has no tasks file `{}`",
                    req.name, req.tasks_from
                ),
                pos,
            ));
        }
        if build.seen_roles.insert(key) {
            if let Some(h) = role_file(&path, "handlers", &req.handlers_from) {
                let ctx = Arc::new(FileCtx {
                    file: h.clone(),
                    role: Some(role.clone()),
                });
                let docs = yaml::load_file(&h)?;
                if let Some(d) = docs.first() {
                    build.handlers.extend(self.handler_list(d, &ctx, stack)?);
                }
            }
            build.roles.push(role.clone());
        }
        stack.pop();
        Ok(Item::Block(Arc::new(Block {
            name: None,
            block: items,
            rescue: vec![],
            always: vec![],
            kw,
            pos: pos.clone(),
            ctx: ctx_role,
        })))
    }

    fn handler_list(
        &self,
        node: &Node,
        ctx: &Arc<FileCtx>,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Vec<Arc<Task>>, Diagnostic> {
        if node.is_null() {
            return Ok(vec![]);
        }
        let list = node
            .as_seq()
            .ok_or_else(|| Diagnostic::new("`handlers` must be a list", &node.pos))?;
        let mut out = Vec::new();
        for n in list {
            let t = parse_task(n, ctx, &self.registry, true)?;
            if t.short_action() == "import_tasks" {
                let file = include_file_arg(&t)?;
                let path = self.resolve_task_file(&file, ctx).ok_or_else(|| {
                    Diagnostic::new(format!("could not find the task file `{file}`"), &t.pos)
                })?;
                if stack.contains(&path) {
                    return Err(Diagnostic::new(
                        format!("import loop: {}", loop_text(stack, &path)),
                        &t.pos,
                    ));
                }
                let sub = Arc::new(FileCtx {
                    file: path.clone(),
                    role: ctx.role.clone(),
                });
                let docs = yaml::load_file(&path)?;
                if let Some(d) = docs.first() {
                    stack.push(path.clone());
                    let r = self.handler_list(d, &sub, stack);
                    stack.pop();
                    out.extend(r?);
                }
                continue;
            }
            out.push(Arc::new(t));
        }
        Ok(out)
    }

    /// Run time: the items of an `include_tasks` file.
    pub fn include_tasks(
        &self,
        path: &Path,
        role: Option<Arc<Role>>,
    ) -> Result<Vec<Item>, Diagnostic> {
        let ctx = Arc::new(FileCtx {
            file: path.to_path_buf(),
            role,
        });
        let mut build = PlayBuild::default();
        self.task_file_items(path, &ctx, &mut build, &mut vec![path.to_path_buf()])
    }

    /// Run time: an `include_role`: its block and its handlers.
    pub fn include_role(
        &self,
        req: &RoleRequest,
        from: &Arc<FileCtx>,
        pos: &Pos,
    ) -> Result<IncludedRole, Diagnostic> {
        let mut build = PlayBuild::default();
        let item = self.role_block(req, Keywords::default(), from, pos, &mut build, &mut vec![])?;
        Ok((item, build.handlers, build.roles))
    }

    /// Read a `vars_files` / `include_vars` file.
    pub fn vars_file(&self, path: &Path) -> Result<Map<String, Value>, Diagnostic> {
        read_vars_file(path)
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

fn loop_text(stack: &[PathBuf], again: &Path) -> String {
    stack
        .iter()
        .chain(std::iter::once(&again.to_path_buf()))
        .map(|p| {
            p.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn import_playbook_entry(entry: &Node) -> Option<(String, &Node)> {
    for key in ["import_playbook", "ansible.builtin.import_playbook"] {
        if let Some(v) = entry.get(key) {
            return Some((key.to_string(), v));
        }
    }
    None
}

/// `include_tasks: x.yml` / `include_tasks: {file: x.yml}`.
pub fn include_file_arg(task: &Task) -> Result<String, Diagnostic> {
    task.args
        .get("file")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Diagnostic::new(format!("`{}` needs a file name", task.action), &task.pos))
}

/// Arguments of an include other than `file` become vars of its tasks.
fn merge_vars(vars: &mut Map<String, Value>, args: &Map<String, Value>, skip: &[&str]) {
    for (k, v) in args {
        if !skip.contains(&k.as_str()) {
            vars.insert(k.clone(), v.clone());
        }
    }
}

/// `import_role` / `include_role` arguments.
pub fn role_request(task: &Task) -> Result<RoleRequest, Diagnostic> {
    let name = task
        .args
        .get("name")
        .or_else(|| task.args.get("role"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Diagnostic::new(format!("`{}` needs a role `name`", task.action), &task.pos)
        })?;
    let mut req = RoleRequest::named(name);
    let s = |k: &str, d: &str| {
        task.args
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or(d)
            .to_string()
    };
    req.tasks_from = s("tasks_from", "main");
    req.vars_from = s("vars_from", "main");
    req.defaults_from = s("defaults_from", "main");
    req.handlers_from = s("handlers_from", "main");
    const OPTS: &[&str] = &[
        "name",
        "role",
        "tasks_from",
        "vars_from",
        "defaults_from",
        "handlers_from",
        "apply",
        "public",
        "allow_duplicates",
        "rolespec_validate",
    ];
    for k in task.args.keys() {
        if !OPTS.contains(&k.as_str()) {
            return Err(Diagnostic::new(
                format!("unknown option `{k}` for `{}`", task.action),
                &task.pos,
            )
            .hint(
                crate::suggest::closest(k, OPTS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?")),
            ));
        }
    }
    Ok(req)
}

/// A `roles:` entry (`- web`, `- role: web`, `- {role: web, port: 1, when: x}`).
fn role_entry(entry: &Node) -> Result<(RoleRequest, Keywords), Diagnostic> {
    let mut kw = Keywords::default();
    match &entry.kind {
        Kind::Str(name) => Ok((RoleRequest::named(name), kw)),
        Kind::Map(pairs) => {
            let name = entry
                .get("role")
                .or_else(|| entry.get("name"))
                .map(scalar_text)
                .ok_or_else(|| {
                    Diagnostic::new("a role entry needs `role:` (its name)", &entry.pos)
                })?;
            let mut req = RoleRequest::named(&name);
            for (k, v) in pairs {
                let key = k.key_string();
                match key.as_str() {
                    "role" | "name" => {}
                    "tags" | "when" | "vars" => apply_keyword(&mut kw, &key, v)?,
                    k2 if keywords::is_role_keyword(k2) => apply_keyword(&mut kw, k2, v)?,
                    _ => {
                        req.params.insert(key, v.to_json());
                    }
                }
            }
            let _ = string_list;
            Ok((req, kw))
        }
        _ => Err(Diagnostic::new(
            "a role entry must be a name or a mapping",
            &entry.pos,
        )),
    }
}

#[allow(dead_code)]
fn is_include(task: &Task) -> bool {
    is_include_action(&task.action)
}
