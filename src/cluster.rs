//! What a replica needs to share a database with others (issue 17): its own stable id, under
//! which it claims work in the database, and how long a claim lasts.
//!
//! Every replica runs every background loop; none is a leader. Work is claimed in the database
//! (classification leases, outbox claims, feed turns; see `migrations/0018_replicas.sql`), so
//! each piece is done once, and a replica that dies gives its work back when its claims run out,
//! or at once when it starts again under the same id.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::config::Settings;

/// This process as one of the replicas sharing the database.
#[derive(Debug, Clone)]
pub struct Replica {
    /// Stable id, kept in `DATA_DIR/replica.id` (each replica has its own data folder, for its
    /// search index), so a restarted replica recognises the claims it held.
    pub id: String,
    /// How long a claim lasts.
    pub lease: chrono::Duration,
}

impl Replica {
    /// Reads (or creates) this replica's id in the data folder.
    pub fn open(settings: &Settings) -> anyhow::Result<Replica> {
        Ok(Replica {
            id: replica_id(&settings.data_dir)?,
            lease: chrono::Duration::seconds(settings.cluster.lease_seconds as i64),
        })
    }

    /// A replica for tools and tests that claim work without a data folder.
    pub fn ephemeral(lease_seconds: i64) -> Replica {
        Replica {
            id: format!("r-{}", uuid::Uuid::now_v7().simple()),
            lease: chrono::Duration::seconds(lease_seconds),
        }
    }

    /// When a claim taken at `now` runs out, as stored.
    pub fn until(&self, now: DateTime<Utc>) -> String {
        crate::store::ts(now + self.lease)
    }
}

/// The id in `data_dir/replica.id`, created on first use: the host name (for people reading
/// /readyz and logs) and a random part (two hosts may share a name).
fn replica_id(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("replica.id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() && id.len() <= 128 {
            return Ok(id.to_string());
        }
    }
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(40)
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "replica".into());
    let id = format!("{host}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let tmp = path.with_extension("id.tmp");
    std::fs::write(&tmp, format!("{id}\n")).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replica_id_is_kept_across_restarts_and_differs_between_folders() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let first = replica_id(a.path()).unwrap();
        assert_eq!(replica_id(a.path()).unwrap(), first);
        assert_ne!(replica_id(b.path()).unwrap(), first);
        assert!(!first.is_empty() && first.len() <= 60, "{first}");
    }
}
