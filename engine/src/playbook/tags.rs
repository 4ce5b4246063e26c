//! `--tags` / `--skip-tags` selection, as Ansible's `evaluate_tags`.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl TagFilter {
    pub fn new(only: Vec<String>, skip: Vec<String>) -> Self {
        let split = |v: Vec<String>| -> Vec<String> {
            v.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        TagFilter {
            only: split(only),
            skip: split(skip),
        }
    }

    /// Does a task with these (effective) tags run?
    pub fn should_run(&self, task_tags: &[String]) -> bool {
        let untagged: BTreeSet<&str> = ["untagged"].into();
        let tags: BTreeSet<&str> = if task_tags.is_empty() {
            untagged.clone()
        } else {
            task_tags.iter().map(String::as_str).collect()
        };
        let only: BTreeSet<&str> = if self.only.is_empty() {
            ["all"].into()
        } else {
            self.only.iter().map(String::as_str).collect()
        };
        let skip: BTreeSet<&str> = self.skip.iter().map(String::as_str).collect();
        let disjoint = |a: &BTreeSet<&str>, b: &BTreeSet<&str>| a.is_disjoint(b);
        let mut run = tags.contains("always")
            || (only.contains("all") && !tags.contains("never"))
            || !disjoint(&tags, &only)
            || (only.contains("tagged") && tags != untagged && !tags.contains("never"));
        if run && !skip.is_empty() {
            if skip.contains("all") {
                if !tags.contains("always") || skip.contains("always") {
                    run = false;
                }
            } else if !disjoint(&tags, &skip) || (skip.contains("tagged") && tags != untagged) {
                run = false;
            }
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_table() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // (only, skip, task tags, runs)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], bool);
        let cases: &[Case] = &[
            (&[], &[], &[], true),
            (&[], &[], &["never"], false),
            (&[], &[], &["never", "debug"], false),
            (&["debug"], &[], &["never", "debug"], true),
            (&["a"], &[], &["b"], false),
            (&["a"], &[], &["always"], true),
            (&["a"], &[], &[], false),
            (&["untagged"], &[], &[], true),
            (&["tagged"], &[], &["x"], true),
            (&["tagged"], &[], &[], false),
            (&[], &["a"], &["a", "b"], false),
            (&[], &["always"], &["always"], false),
            (&[], &["all"], &["always"], true),
            (&["a,b"], &[], &["b"], true),
        ];
        for (only, skip, tags, want) in cases {
            let f = TagFilter::new(s(only), s(skip));
            assert_eq!(f.should_run(&s(tags)), *want, "{only:?} {skip:?} {tags:?}");
        }
    }
}
