//! Online backup and restore (`tanggap backup DIR`, `tanggap restore DIR`).
//!
//! A backup is a folder: `tanggap.db` (a consistent snapshot taken with SQLite's `VACUUM INTO`
//! while the service keeps serving and writing), the link-signing key (`secret.key`, unless it
//! comes from `TANGGAP_SECRET_KEY`), the demo tokens if any, the playbooks, and `manifest.json`
//! with what it holds (counts) and the sha256 of every file. The search index is not copied: it
//! is derived from the database and rebuilt when the restored service starts.
//!
//! Restore checks every file against the manifest first, refuses to run while a server answers
//! on the configured address or over an existing database without `--force`, and writes each
//! file under a temporary name before renaming it into place.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::store::Store;
use crate::text::sha256_hex;

/// Manifest format version.
const FORMAT: u32 = 1;

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub format: u32,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The Tanggap version that wrote it.
    pub tanggap_version: String,
    /// Rows in the snapshot.
    pub counts: BackupCounts,
    /// Whether the signing key is in the backup (else it comes from `TANGGAP_SECRET_KEY`).
    pub secret_key_included: bool,
    /// Every file, relative to the backup folder.
    pub files: Vec<BackupFile>,
}

pub use crate::store::BackupCounts;

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupFile {
    /// Path relative to the backup folder (`/`-separated).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// sha256, hex.
    pub sha256: String,
}

fn sqlite_path(settings: &Settings) -> anyhow::Result<PathBuf> {
    let url = settings.database_url.expose();
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| anyhow::anyhow!("backup and restore handle SQLite databases (sqlite://…)"))?;
    let path = path.split('?').next().unwrap_or(path);
    Ok(PathBuf::from(path))
}

fn file_entry(root: &Path, rel: &str) -> anyhow::Result<BackupFile> {
    let bytes = std::fs::read(root.join(rel)).with_context(|| format!("reading {rel}"))?;
    Ok(BackupFile {
        path: rel.to_string(),
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    })
}

/// The playbook files of a folder (`*.toml`, one level), sorted.
fn playbook_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Takes a backup into `dir` (created; it must not exist or be empty) while the service may be
/// running. Prints progress to stderr.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<Manifest> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        anyhow::bail!("{} is not empty; back up into a new folder", dir.display());
    }
    std::fs::create_dir_all(dir.join("playbooks")).with_context(|| format!("creating {}", dir.display()))?;
    let store = Store::open(settings.database_url.expose()).await?;
    let created_at = crate::store::ts(chrono::Utc::now());
    eprintln!("backup: snapshot of the database (online, VACUUM INTO)…");
    let db = dir.join("tanggap.db");
    store.snapshot_into(&db).await?;
    store.close().await;
    let snapshot = Store::open(&format!("sqlite://{}", db.display())).await?;
    let counts = snapshot.backup_counts().await?;
    snapshot.close().await;
    // The snapshot's own WAL files are empty after close; keep only the database file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("tanggap.db{suffix}")));
    }
    let mut rels = vec!["tanggap.db".to_string()];
    let key = settings.data_dir.join("secret.key");
    let secret_key_included = settings.secret_key.is_none() && key.is_file();
    if secret_key_included {
        std::fs::copy(&key, dir.join("secret.key"))?;
        rels.push("secret.key".into());
    }
    let demo = settings.data_dir.join("demo-tokens.json");
    if demo.is_file() {
        std::fs::copy(&demo, dir.join("demo-tokens.json"))?;
        rels.push("demo-tokens.json".into());
    }
    for path in playbook_files(&settings.playbooks_dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        std::fs::copy(&path, dir.join("playbooks").join(&name))?;
        rels.push(format!("playbooks/{name}"));
    }
    let files = rels
        .iter()
        .map(|r| file_entry(dir, r))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let manifest = Manifest {
        format: FORMAT,
        created_at,
        tanggap_version: env!("CARGO_PKG_VERSION").into(),
        counts,
        secret_key_included,
        files,
    };
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Reads a backup's manifest and checks every file against it.
pub fn verify(dir: &Path) -> anyhow::Result<Manifest> {
    let bytes = std::fs::read(dir.join("manifest.json"))
        .with_context(|| format!("{} has no manifest.json: not a Tanggap backup", dir.display()))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).context("manifest.json")?;
    anyhow::ensure!(
        manifest.format == FORMAT,
        "backup format {} is not supported (this version reads {FORMAT})",
        manifest.format
    );
    for f in &manifest.files {
        anyhow::ensure!(
            !f.path.split('/').any(|p| p == ".." || p.is_empty()) && !f.path.starts_with('/'),
            "manifest names a file outside the backup: {:?}",
            f.path
        );
        let actual = file_entry(dir, &f.path)?;
        anyhow::ensure!(
            actual.sha256 == f.sha256 && actual.bytes == f.bytes,
            "{} does not match the manifest (damaged or edited backup)",
            f.path
        );
    }
    Ok(manifest)
}

/// Copies `from` to `to` through a temporary file and a rename.
fn put(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = to.with_extension("restore-tmp");
    std::fs::copy(from, &tmp).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, to).with_context(|| format!("writing {}", to.display()))?;
    Ok(())
}

/// Restores a backup into the configured data folder, database and playbooks folder. The
/// service must be stopped; the index is removed and rebuilt when it starts.
pub async fn restore(settings: &Settings, dir: &Path, force: bool) -> anyhow::Result<Manifest> {
    let manifest = verify(dir)?;
    if std::net::TcpStream::connect_timeout(
        &settings
            .listen
            .parse()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 8080))),
        std::time::Duration::from_millis(300),
    )
    .is_ok()
    {
        anyhow::bail!(
            "a server answers on {}; stop the service before restoring",
            settings.listen
        );
    }
    let db = sqlite_path(settings)?;
    if db.exists() && !force {
        anyhow::bail!(
            "{} exists; pass --force to replace it with the backup",
            db.display()
        );
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    eprintln!("restore: database → {}", db.display());
    put(&dir.join("tanggap.db"), &db)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", db.display())));
    }
    for f in &manifest.files {
        let target = match f.path.as_str() {
            "tanggap.db" => continue,
            "secret.key" | "demo-tokens.json" => settings.data_dir.join(&f.path),
            p => match p.strip_prefix("playbooks/") {
                Some(name) => settings.playbooks_dir.join(name),
                None => continue,
            },
        };
        if target.exists() && !force && f.path.starts_with("playbooks/") {
            let same = std::fs::read(&target)
                .map(|b| sha256_hex(&b) == f.sha256)
                .unwrap_or(false);
            anyhow::ensure!(
                same,
                "{} differs from the backup's; pass --force to replace it",
                target.display()
            );
            continue;
        }
        put(&dir.join(&f.path), &target)?;
    }
    let index = settings.index_dir();
    if index.exists() {
        std::fs::remove_dir_all(&index).with_context(|| format!("removing {}", index.display()))?;
    }
    // The restored database opens (and is migrated forward if it is older).
    let store = Store::open(settings.database_url.expose()).await?;
    let now = store.backup_counts().await?;
    store.close().await;
    anyhow::ensure!(
        now == manifest.counts,
        "restored database holds {now:?}, the manifest says {:?}",
        manifest.counts
    );
    Ok(manifest)
}
