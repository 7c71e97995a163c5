//! Demo mode: sample mentions (compiled in), demo API tokens and a demo web user `admin`, so a
//! newcomer sees a working queue. Tokens are kept in `DATA_DIR/demo-tokens.json` so they stay the same across restarts.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::auth;
use crate::domain::Role;
use crate::ingest::{self, Limits};
use crate::store::Store;

/// The sample mentions.
pub const MENTIONS: &str = include_str!("../demo/mentions.jsonl");

/// The demo tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoTokens {
    /// `ingest` role.
    pub ingest: String,
    /// `admin` role.
    pub admin: String,
    /// Password of the demo web user `admin`.
    #[serde(default)]
    pub admin_password: String,
}

/// Creates (or reloads) the demo tokens.
pub async fn tokens(store: &Store, data_dir: &Path) -> anyhow::Result<DemoTokens> {
    let path = data_dir.join("demo-tokens.json");
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(t) = serde_json::from_slice::<DemoTokens>(&bytes) {
            return Ok(t);
        }
    }
    let suffix = &uuid::Uuid::now_v7().simple().to_string()[..8];
    let ingest = auth::create_token(store, &format!("demo-ingest-{suffix}"), Role::Ingest, None).await?;
    let admin_password = auth::new_token()[3..19].to_string();
    if !auth::create_user(store, "admin", "Admin Demo", Role::Admin, &admin_password).await? {
        anyhow::bail!(
            "a user named admin exists but {} is missing; remove the data folder to start over",
            path.display()
        );
    }
    // The demo admin token is the demo admin's: same person, same four-eyes rule.
    let admin =
        auth::create_token(store, &format!("demo-admin-{suffix}"), Role::Admin, Some("admin")).await?;
    let tokens = DemoTokens {
        ingest: ingest.ok_or_else(|| anyhow::anyhow!("demo token name taken"))?,
        admin: admin.ok_or_else(|| anyhow::anyhow!("demo token name taken"))?,
        admin_password,
    };
    std::fs::write(&path, serde_json::to_vec_pretty(&tokens)?)?;
    Ok(tokens)
}

/// Sample known claims (compiled in).
pub const KNOWN_CLAIMS: &str = include_str!("../demo/known_claims.jsonl");

/// Registers the sample known claims (already registered ones are skipped). Returns how many
/// were added.
pub async fn seed_claims(store: &Store) -> anyhow::Result<usize> {
    let at = crate::store::ts(chrono::Utc::now());
    let mut added = 0;
    for line in KNOWN_CLAIMS.lines().filter(|l| !l.trim().is_empty()) {
        let input: crate::claims::ClaimInput = serde_json::from_str(line)?;
        let claim =
            crate::claims::NewClaim::try_from(input).map_err(|e| anyhow::anyhow!("demo claim: {e}"))?;
        added += store.insert_claim(&claim, "import", &at).await?.is_some() as usize;
    }
    Ok(added)
}

/// Stores the sample mentions unless the database already has mentions. Returns how many.
pub async fn seed_mentions(store: &Store, limits: Limits) -> anyhow::Result<usize> {
    if store.max_rev().await? > 0 {
        return Ok(0);
    }
    let raws: Vec<String> = MENTIONS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let mentions = ingest::validate_batch(
        &raws,
        Limits {
            max_batch_items: raws.len(),
            ..limits
        },
        chrono::Utc::now(),
    )
    .map_err(|e| anyhow::anyhow!("demo data is invalid: {e:?}"))?;
    let out = store.insert_mentions(&mentions).await?;
    Ok(out.iter().filter(|o| o.status == "created").count())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_claims_are_valid() {
        let n = super::KNOWN_CLAIMS
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let input: crate::claims::ClaimInput = serde_json::from_str(l).unwrap();
                crate::claims::NewClaim::try_from(input).unwrap()
            })
            .count();
        assert_eq!(n, 4);
    }
}
