//! The hash-chained audit log. Database triggers (`migrations/0017_audit.sql`) append every
//! change to the tables that hold decisions, people and credentials to `audit_log`; the sealer
//! gives each new row, in `seq` order, `hash = sha256(previous hash, row)`. [`verify`] recomputes
//! the chain: an edited row breaks its own hash, a deleted one leaves a gap in `seq` and breaks
//! the next row's hash. The head (last `seq` and hash) is written to the service log whenever
//! rows are sealed and printed by `tanggap audit verify`; kept elsewhere, it also exposes rows cut
//! from the end (`--head SEQ:HASH`).

use std::time::Duration;

use crate::alerts::tokio_util_shim::Shutdown;
use crate::store::{AuditRow, Store};
use crate::text::sha256_hex;

/// The "previous hash" of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain hash of a row given the previous row's hash.
pub fn chain_hash(prev: &str, row: &AuditRow) -> String {
    let text = format!(
        "{prev}\n{}\n{}\n{}\n{}\n{}\n{}",
        row.seq, row.at, row.tbl, row.op, row.row_key, row.data
    );
    sha256_hex(text.as_bytes())
}

/// Seals every unsealed row (in `seq` order, one transaction per 1,000 rows); returns how many
/// were sealed and the head.
pub async fn seal(store: &Store) -> anyhow::Result<(usize, Option<(i64, String)>)> {
    // Nothing new (the usual case, checked every two seconds): no write lock taken.
    if !store.audit_unsealed().await? {
        return Ok((0, None));
    }
    let mut sealed = 0;
    loop {
        let mut tx = store.begin().await?;
        let mut prev = tx
            .last_audit_hash()
            .await?
            .unwrap_or_else(|| (0, GENESIS.to_string()));
        let rows = tx.unsealed_audit(1000).await?;
        if rows.is_empty() {
            tx.commit().await?;
            let head = (prev.0 > 0).then_some(prev);
            return Ok((sealed, head));
        }
        for row in &rows {
            let hash = chain_hash(&prev.1, row);
            tx.set_audit_hash(row.seq, &hash).await?;
            prev = (row.seq, hash);
        }
        tx.commit().await?;
        sealed += rows.len();
    }
}

/// Seals new audit rows every two seconds until shutdown.
pub async fn run_sealer(store: Store, shutdown: Shutdown) {
    loop {
        match seal(&store).await {
            Ok((n, Some((seq, hash)))) if n > 0 => {
                tracing::info!(sealed = n, head_seq = seq, head_hash = %hash, "audit log sealed");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "sealing the audit log"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.wait() => return,
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Rows read.
    pub rows: usize,
    /// Rows sealed by this run before checking.
    pub sealed_now: usize,
    /// The last row's seq and hash.
    pub head: Option<(i64, String)>,
    /// Every break in the chain, in order (empty: intact).
    pub problems: Vec<String>,
}

/// Seals what is pending, then checks the whole chain; `expected_head` (seq, hash) is a head
/// recorded earlier that must still be in the chain.
pub async fn verify(store: &Store, expected_head: Option<(i64, String)>) -> anyhow::Result<Verification> {
    let (sealed_now, _) = seal(store).await?;
    let mut v = Verification {
        sealed_now,
        ..Default::default()
    };
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut after = 0;
    let mut head_seen = expected_head.is_none();
    loop {
        let rows = store.audit_rows(after, 5000).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            v.rows += 1;
            if row.seq != expected_seq {
                v.problems.push(format!(
                    "rows {expected_seq}–{} are missing (deleted)",
                    row.seq - 1
                ));
            }
            let want = chain_hash(&prev, row);
            match &row.hash {
                Some(h) if *h == want => {}
                Some(_) => v.problems.push(format!(
                    "row {} ({} {} {}) does not match its hash: edited, or an earlier row was",
                    row.seq, row.op, row.tbl, row.row_key
                )),
                None => v.problems.push(format!("row {} is not sealed", row.seq)),
            }
            if let Some((seq, hash)) = &expected_head {
                if row.seq == *seq {
                    head_seen = true;
                    if row.hash.as_deref() != Some(hash.as_str()) {
                        v.problems
                            .push(format!("row {seq} is not the recorded head {hash}"));
                    }
                }
            }
            // Go on from the stored hash so that one edit is reported once.
            prev = row.hash.clone().unwrap_or(want);
            expected_seq = row.seq + 1;
            after = row.seq;
            v.head = Some((row.seq, prev.clone()));
        }
    }
    if !head_seen {
        if let Some((seq, _)) = expected_head {
            v.problems.push(format!(
                "the recorded head row {seq} is gone: rows were cut from the end"
            ));
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, data: &str) -> AuditRow {
        AuditRow {
            seq,
            at: "2026-12-01T00:00:00Z".into(),
            tbl: "users".into(),
            op: "insert".into(),
            row_key: "sari".into(),
            data: data.into(),
            hash: None,
        }
    }

    #[test]
    fn each_hash_depends_on_the_row_and_everything_before() {
        let a = chain_hash(GENESIS, &row(1, "{\"role\":\"viewer\"}"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, chain_hash(GENESIS, &row(1, "{\"role\":\"admin\"}")));
        assert_ne!(a, chain_hash(GENESIS, &row(2, "{\"role\":\"viewer\"}")));
        let b = chain_hash(&a, &row(2, "{}"));
        assert_ne!(b, chain_hash(GENESIS, &row(2, "{}")));
    }
}
