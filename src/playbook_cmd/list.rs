//! `--list-hosts`, `--list-tasks`, `--list-tags`, as `ansible-playbook` prints them.

use super::flatten_tasks;
use anyhow::Result;
use serde_json::Value;
use srplay_engine::executor::RunOptions;
use srplay_engine::inventory_view::InventoryView;
use srplay_engine::playbook::Playbook;
use std::collections::BTreeSet;

/// `TAGS: [a, b]`: ansible-playbook prints tag lists unquoted.
fn tag_list(v: &[String]) -> String {
    format!("[{}]", v.join(", "))
}

fn py_list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `given`: the playbook path as written on the command line
/// (ansible-playbook prints it so).
pub fn listing(
    pb: &Playbook,
    given: &std::path::Path,
    inv: &dyn InventoryView,
    opts: &RunOptions,
    hosts: bool,
    tasks: bool,
    tags: bool,
) -> Result<String> {
    let mut out = format!("\nplaybook: {}\n", given.display());
    for (i, play) in pb.plays.iter().enumerate() {
        let pattern = match &play.hosts {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.push_str(&format!(
            "\n  play #{} ({}): {}\tTAGS: {}\n",
            i + 1,
            pattern,
            play.display_name(),
            tag_list(&play.kw.tags)
        ));
        if hosts {
            let mut selected = inv.select(&pattern).map_err(anyhow::Error::msg)?;
            if let Some(l) = &opts.limit {
                let allowed = inv.select(l).map_err(anyhow::Error::msg)?;
                selected.retain(|h| allowed.contains(h));
            }
            out.push_str(&format!(
                "    pattern: {}\n    hosts ({}):\n",
                py_list(std::slice::from_ref(&pattern)),
                selected.len()
            ));
            for h in selected {
                out.push_str(&format!("      {h}\n"));
            }
        }
        let mut list = Vec::new();
        for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
            flatten_tasks(section, &play.kw.tags, &mut list);
        }
        let all_tags: BTreeSet<String> = list.iter().flat_map(|(_, t)| t.clone()).collect();
        list.retain(|(_, t)| opts.tags.should_run(t));
        // Without tag options every tag is listed (`never` ones too).
        let play_tags: BTreeSet<String> = if opts.tags.only.is_empty() && opts.tags.skip.is_empty()
        {
            all_tags
        } else {
            list.iter().flat_map(|(_, t)| t.clone()).collect()
        };
        if tasks {
            out.push_str("    tasks:\n");
            for (name, t) in &list {
                // The play's tags too (ansible-core 2.19), sorted, once each.
                let own: Vec<String> = t
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                out.push_str(&format!("      {name}\tTAGS: {}\n", tag_list(&own)));
            }
        }
        if tags {
            out.push_str(&format!(
                "      TASK TAGS: {}\n",
                tag_list(&play_tags.iter().cloned().collect::<Vec<_>>())
            ));
        }
    }
    Ok(out)
}
