//! The FE's metadata file: `<meta_dir>/srsim.json`, written atomically
//! (temporary file, fsync, rename) so a killed process never leaves a torn
//! file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cluster::Cluster;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Persisted {
    Leader {
        cluster: Box<Cluster>,
    },
    Follower {
        leader: String,
        cluster_id: u32,
        /// The metadata as last replicated from the leader.
        #[serde(default)]
        replica: Option<Box<Cluster>>,
    },
}

impl Persisted {
    /// [`Cluster::migrate`] on the metadata held; whether it changed.
    pub fn migrate(&mut self) -> bool {
        match self {
            Persisted::Leader { cluster } => cluster.migrate(),
            Persisted::Follower {
                replica: Some(c), ..
            } => c.migrate(),
            Persisted::Follower { replica: None, .. } => false,
        }
    }
}

pub fn state_file(meta_dir: &Path) -> PathBuf {
    meta_dir.join("srsim.json")
}

/// A meta dir belongs to one FE (`<meta_dir>/srsim.node` holds its
/// `host:edit_log_port`). A meta dir copied from another FE is refused, as
/// StarRocks refuses stale metadata (FACTS.md §8.5: wipe `fe/meta`).
pub fn claim_meta_dir(meta_dir: &Path, me: &str) -> anyhow::Result<()> {
    let p = meta_dir.join("srsim.node");
    match std::fs::read_to_string(&p) {
        Ok(owner) if owner.trim() == me => Ok(()),
        Ok(owner) => anyhow::bail!(
            "{} holds the metadata of the FE at {}, not of this FE ({me}); \
             empty the meta dir before starting a new FE with --helper",
            meta_dir.display(),
            owner.trim()
        ),
        Err(_) => write_atomic(&p, me.as_bytes()),
    }
}

/// Read the state file; temporary files of a write interrupted by a kill
/// are removed (the state file itself is always whole).
pub fn load(meta_dir: &Path) -> anyhow::Result<Option<Persisted>> {
    if let Ok(entries) = std::fs::read_dir(meta_dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("srsim.tmp.") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let p = state_file(meta_dir);
    match std::fs::read_to_string(&p) {
        Ok(s) => {
            let mut st: Persisted =
                serde_json::from_str(&s).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            // An older file kept root's password in plain text: rewrite it
            // at once with the hash only.
            if st.migrate() {
                save(meta_dir, &st)?;
            }
            Ok(Some(st))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", p.display())),
    }
}

pub fn save(meta_dir: &Path, state: &Persisted) -> anyhow::Result<()> {
    write_atomic(
        &state_file(meta_dir),
        serde_json::to_string_pretty(state)?.as_bytes(),
    )
}

/// Write `data` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::SrVersion;

    #[test]
    fn round_trip_and_stale_temp_files() {
        let dir = std::env::temp_dir().join(format!("srsim-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("srsim.tmp.1"), "torn").unwrap();
        assert_eq!(load(&dir).unwrap(), None);
        assert!(!dir.join("srsim.tmp.1").exists());
        let c = Cluster::new(SrVersion::V3_3, "127.0.0.1", 9010, 1);
        let st = Persisted::Leader {
            cluster: Box::new(c),
        };
        save(&dir, &st).unwrap();
        assert_eq!(load(&dir).unwrap(), Some(st));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file from before the hash: `root_password` in plain text, for a
    /// leader and in a follower's replica; a newer hash is never replaced.
    #[test]
    fn plain_text_passwords_are_hashed_and_the_file_rewritten() {
        use crate::password::native_hash;
        let c = Cluster::new(SrVersion::V3_3, "127.0.0.1", 9010, 1);
        let leader = serde_json::to_value(Persisted::Leader {
            cluster: Box::new(c.clone()),
        })
        .unwrap();
        let follower = serde_json::to_value(Persisted::Follower {
            leader: "127.0.0.2:9010".into(),
            cluster_id: c.cluster_id,
            replica: Some(Box::new(c)),
        })
        .unwrap();
        // (state, plain-text password, hash already there, hash wanted)
        let cases = [
            (&leader, "pl@in", None, native_hash("pl@in")),
            (&follower, "pl@in", None, native_hash("pl@in")),
            (&leader, "", None, String::new()),
            (&leader, "stale", Some("*AB"), "*AB".to_string()),
        ];
        for (i, (state, plain, hash, want)) in cases.into_iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let mut old = state.clone();
            let key = if old.get("cluster").is_some() {
                "cluster"
            } else {
                "replica"
            };
            let c = old[key].as_object_mut().unwrap();
            c.remove("root_password_hash");
            c.insert("root_password".into(), plain.into());
            if let Some(h) = hash {
                c.insert("root_password_hash".into(), h.into());
            }
            std::fs::write(state_file(dir.path()), old.to_string()).unwrap();
            let loaded = load(dir.path()).unwrap().unwrap();
            let (Persisted::Leader { cluster: got }
            | Persisted::Follower {
                replica: Some(got), ..
            }) = &loaded
            else {
                panic!("case {i}: {loaded:?}");
            };
            assert_eq!(got.root_password_hash, want, "case {i}");
            assert_eq!(got.legacy_password_hash, None, "case {i}");
            let text = std::fs::read_to_string(state_file(dir.path())).unwrap();
            assert!(!text.contains("\"root_password\""), "case {i}: {text}");
            if !plain.is_empty() {
                assert!(!text.contains(plain), "case {i}: {text}");
            }
            assert_eq!(load(dir.path()).unwrap().unwrap(), loaded, "case {i}");
        }
    }
}
