//! The keywords Ansible accepts at each level (ansible-core 2.19).

/// Keywords every level inherits (play, role, block, task).
const COMMON: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "name",
    "no_log",
    "port",
    "remote_user",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
];

pub const PLAY_KEYWORDS: &[&str] = &[
    "fact_path",
    "force_handlers",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "handlers",
    "hosts",
    "max_fail_percentage",
    "order",
    "post_tasks",
    "pre_tasks",
    "roles",
    "serial",
    "strategy",
    "tasks",
    "vars_files",
    "vars_prompt",
];

pub const BLOCK_KEYWORDS: &[&str] = &[
    "always",
    "block",
    "delegate_facts",
    "delegate_to",
    "notify",
    "rescue",
    "when",
];

pub const TASK_KEYWORDS: &[&str] = &[
    "action",
    "args",
    "async",
    "changed_when",
    "delay",
    "delegate_facts",
    "delegate_to",
    "failed_when",
    "local_action",
    "loop",
    "loop_control",
    "notify",
    "poll",
    "register",
    "retries",
    "until",
    "when",
];

/// Role keywords (in a play's `roles:` list); other keys are role params.
pub const ROLE_KEYWORDS: &[&str] = &["delegate_facts", "delegate_to", "role", "when"];

pub fn is_play_keyword(k: &str) -> bool {
    COMMON.contains(&k) || PLAY_KEYWORDS.contains(&k)
}

pub fn is_block_keyword(k: &str) -> bool {
    COMMON.contains(&k) || BLOCK_KEYWORDS.contains(&k)
}

pub fn is_task_keyword(k: &str) -> bool {
    COMMON.contains(&k) || TASK_KEYWORDS.contains(&k) || k.starts_with("with_")
}

pub fn is_role_keyword(k: &str) -> bool {
    COMMON.contains(&k) || ROLE_KEYWORDS.contains(&k)
}

/// All keywords of a level, for "did you mean" hints.
pub fn all_for(level: &str) -> Vec<&'static str> {
    let extra: &[&str] = match level {
        "play" => PLAY_KEYWORDS,
        "block" => BLOCK_KEYWORDS,
        "role" => ROLE_KEYWORDS,
        "handler" => &["listen"],
        _ => TASK_KEYWORDS,
    };
    let mut v: Vec<&str> = COMMON.iter().chain(extra).copied().collect();
    if level == "handler" {
        v.extend(TASK_KEYWORDS);
    }
    v
}

/// "did you mean" for a keyword: the closest one; on a tie, one that
/// contains the typed word's letters in order (`taks` -> `tasks`).
pub fn suggest(word: &str, level: &str) -> Option<String> {
    let all = all_for(level);
    let best = all
        .iter()
        .map(|c| strsim::damerau_levenshtein(word, c))
        .min()?;
    if best > (word.len() / 3).max(1) {
        return None;
    }
    let ties: Vec<&&str> = all
        .iter()
        .filter(|c| strsim::damerau_levenshtein(word, c) == best)
        .collect();
    let subsequence = |c: &str| {
        let mut it = c.chars();
        word.chars().all(|w| it.any(|x| x == w))
    };
    ties.iter()
        .find(|c| subsequence(c))
        .or(ties.first())
        .map(|c| c.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_table() {
        let cases = [
            ("taks", "play", Some("tasks")),
            ("wehn", "task", Some("when")),
            ("regster", "task", Some("register")),
            ("zzzzzz", "task", None),
        ];
        for (word, level, want) in cases {
            assert_eq!(super::suggest(word, level).as_deref(), want, "{word}");
        }
    }
}
