//! The queries, written once for both back ends (see [`super::dialect`]).
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (a commit is on disk before we answer) and
//! one writer at a time (`BEGIN IMMEDIATE`). PostgreSQL runs `READ COMMITTED`; where a
//! transaction reads a row to decide what to write, it locks it (`FOR UPDATE`), and the rules
//! that must hold across writers are constraints (one open incident per cluster).

use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor, Transaction};

use super::dialect::{Backend, Statements};
use super::*;

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// An open transaction; dropped without [`StoreTx::commit`] it rolls back.
pub struct StoreTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Statements for Store {
    fn backend(&self) -> Backend {
        self.backend
    }
}

impl Statements for StoreTx {
    fn backend(&self) -> Backend {
        self.backend
    }
}

const MENTION_COLUMNS: &str = "seq, id, source, external_id, url, author_handle, author_name, \
    author_followers, text, lang, posted_at, region, likes, shares, comments, views, content_hash, \
    raw, captured_at, classified_at, scores, labels, explanation, model_version, incident_id, \
    review_state, review_labels";

const INCIDENT_COLUMNS: &str = "id, title, status, severity, top_label, labels, max_scores, team, \
    region, source, playbook_id, playbook_version, sample_text, mention_count, first_seen_at, \
    opened_at, last_mention_at, ack_due_at, acknowledged_at, updated_at, clarify_due_at, ack_breached_at, \
    clarify_breached_at, first_clarified_at, verdict, assignee";

/// PostgreSQL's transaction-scoped audit lock (the key the audit triggers take too).
const AUDIT_LOCK: &str = "SELECT pg_advisory_xact_lock(7346001)";

/// `?,?,…,?`: `n` placeholders for an `IN (…)` list (rewritten to `$k` on PostgreSQL).
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// The SQLite file a `sqlite:` URL names, and the URL with `mode=rwc` (create if missing).
fn sqlite_target(url: &str) -> (std::path::PathBuf, String) {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let url = if query.contains("mode=") {
        url.to_string()
    } else if query.is_empty() {
        format!("{url}?mode=rwc")
    } else {
        format!("{url}&mode=rwc")
    };
    (std::path::PathBuf::from(path), url)
}

impl Store {
    /// Opens the database a URL names (`sqlite://PATH`, created if needed, or
    /// `postgres://USER@HOST:PORT/DB`) and applies that back end's embedded migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url);
        let pool = match backend {
            Backend::Sqlite => {
                let (path, url) = sqlite_target(url);
                if let Some(parent) = path.parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)
                            .with_context(|| format!("creating {}", parent.display()))?;
                    }
                }
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .context("opening the SQLite database")?;
                sqlx::migrate!("./migrations")
                    .run(&pool)
                    .await
                    .context("applying migrations")?;
                pool
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                sqlx::migrate!("./migrations/postgres")
                    .run(&pool)
                    .await
                    .context("applying migrations")?;
                pool
            }
        };
        Ok(Store { pool, backend })
    }

    /// Starts a write transaction. On SQLite `BEGIN IMMEDIATE`, so writers queue instead of
    /// failing. On PostgreSQL it first takes the audit lock (see
    /// `migrations/postgres/0001_schema.sql`): transactions that may write audited rows
    /// queue in one order, so the audit chain is gap-free and in commit order, and they cannot
    /// deadlock on each other's row locks. Mention intake, which writes nothing audited, uses
    /// [`Store::begin_unaudited`] and does not queue.
    pub async fn begin(&self) -> anyhow::Result<StoreTx> {
        let mut tx = self.begin_unaudited().await?;
        if self.backend == Backend::Postgres {
            sqlx::query(AUDIT_LOCK).execute(&mut *tx.tx).await?;
        }
        Ok(tx)
    }

    /// A write transaction that writes no audited row (mention intake, recording the
    /// classification of a mention that has no label): no audit lock, so replicas doing this
    /// do not queue on each other. Writing an audited row in it would break the audit order.
    pub async fn begin_unaudited(&self) -> anyhow::Result<StoreTx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(StoreTx {
            tx,
            backend: self.backend,
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Stores mentions in one transaction; existing (source, external_id) pairs are duplicates.
    pub async fn insert_mentions(&self, items: &[NewMention]) -> anyhow::Result<Vec<InsertOutcome>> {
        let mut tx = self.begin_unaudited().await?;
        let mut out = Vec::with_capacity(items.len());
        for m in items {
            let done = self.query(
                "INSERT INTO mentions (id, source, external_id, external_id_derived, url, author_handle, \
                 author_name, author_followers, text, lang, posted_at, region, likes, shares, comments, \
                 views, content_hash, raw, captured_at) \
                 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (source, external_id) DO NOTHING",
            )
            .bind(&m.id)
            .bind(&m.source)
            .bind(&m.external_id)
            .bind(i64::from(m.external_id_derived))
            .bind(&m.url)
            .bind(&m.author_handle)
            .bind(&m.author_name)
            .bind(m.author_followers)
            .bind(&m.text)
            .bind(&m.lang)
            .bind(&m.posted_at)
            .bind(&m.region)
            .bind(m.likes)
            .bind(m.shares)
            .bind(m.comments)
            .bind(m.views)
            .bind(&m.content_hash)
            .bind(&m.raw)
            .bind(&m.captured_at)
            .execute(&mut *tx.tx)
            .await?;
            if done.rows_affected() == 1 {
                out.push(InsertOutcome {
                    id: m.id.clone(),
                    status: "created",
                    incident_id: None,
                });
            } else {
                let (id, incident_id): (String, Option<String>) = self
                    .query_as("SELECT id, incident_id FROM mentions WHERE source = ? AND external_id = ?")
                    .bind(&m.source)
                    .bind(&m.external_id)
                    .fetch_one(&mut *tx.tx)
                    .await?;
                out.push(InsertOutcome {
                    id,
                    status: "duplicate",
                    incident_id,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// One mention by id.
    pub async fn mention(&self, id: &str) -> anyhow::Result<Option<MentionRow>> {
        let sql = format!("SELECT {MENTION_COLUMNS} FROM mentions WHERE id = ?");
        Ok(self.query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Mentions by id, in the order given (missing ones skipped).
    pub async fn mentions_by_ids(&self, ids: &[String]) -> anyhow::Result<Vec<MentionRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(m) = self.mention(id).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Mentions of an incident, newest first.
    pub async fn incident_mentions(&self, incident_id: &str, limit: i64) -> anyhow::Result<Vec<MentionRow>> {
        let sql =
            format!("SELECT {MENTION_COLUMNS} FROM mentions WHERE incident_id = ? ORDER BY seq DESC LIMIT ?");
        Ok(self
            .query_as(&sql)
            .bind(incident_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Mentions that arrived or changed after `rev`, in `rev` order, for the indexer.
    pub async fn mentions_changed_after(&self, rev: i64, limit: i64) -> anyhow::Result<Vec<IndexRow>> {
        let sql = format!(
            "SELECT seq, rev, id, source, text, region, author_handle, captured_at, posted_at, labels, \
             incident_id FROM mentions WHERE rev > ?{} ORDER BY rev LIMIT ?",
            self.backend.settled_revs()
        );
        Ok(self
            .query_as(&sql)
            .bind(rev)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Mentions stored or changed after `rev` (the index's watermark): what the index has yet to see.
    pub async fn count_changed_after(&self, rev: i64) -> anyhow::Result<i64> {
        let (n,): (i64,) = self
            .query_as("SELECT COUNT(*) FROM mentions WHERE rev > ?")
            .bind(rev)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// The highest `rev` stored (0 when empty): the index is current when its watermark is this.
    pub async fn max_rev(&self) -> anyhow::Result<i64> {
        let (max,): (Option<i64>,) = self
            .query_as("SELECT MAX(rev) FROM mentions")
            .fetch_one(&self.pool)
            .await?;
        Ok(max.unwrap_or(0))
    }

    /// Claims up to `limit` unclassified mentions after `seq` for replica `owner` until
    /// `until`, oldest first, and returns them. A mention is taken when nobody holds it, when its
    /// lease has run out (its replica died) or when `owner` already holds it. Two replicas
    /// claiming at once get different mentions (on PostgreSQL rows another claim is locking are
    /// skipped; the conflict clause re-checks the lease either way), so each mention is worked
    /// on by one replica at a time.
    pub async fn claim_unclassified(
        &self,
        owner: &str,
        after_seq: i64,
        limit: i64,
        now: &str,
        until: &str,
    ) -> anyhow::Result<Vec<PendingMention>> {
        let sql = format!(
            "INSERT INTO classify_leases (seq, owner, expires_at) \
             SELECT m.seq, ?, ? FROM mentions m WHERE m.classified_at IS NULL AND m.seq > ? \
             AND NOT EXISTS (SELECT 1 FROM classify_leases l WHERE l.seq = m.seq AND l.expires_at > ? \
             AND l.owner <> ?) ORDER BY m.seq LIMIT ?{} \
             ON CONFLICT (seq) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE classify_leases.expires_at <= ? OR classify_leases.owner = excluded.owner \
             RETURNING seq",
            self.backend.skip_locked("m")
        );
        let seqs: Vec<i64> = self
            .query_scalar(&sql)
            .bind(owner)
            .bind(until)
            .bind(after_seq)
            .bind(now)
            .bind(owner)
            .bind(limit)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT seq, id, source, url, text, region, posted_at, captured_at, author_followers, \
             COALESCE(likes,0) + COALESCE(shares,0) + COALESCE(comments,0) AS engagement, content_hash, \
             confirmed_labels FROM mentions WHERE classified_at IS NULL AND seq IN ({}) ORDER BY seq",
            placeholders(seqs.len())
        );
        let mut q = self.query_as(&sql);
        for seq in &seqs {
            q = q.bind(seq);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Gives back every classification lease `owner` holds: a replica calls it when it starts,
    /// so mentions it held when it died are taken again at once instead of when the leases run
    /// out. Returns how many. (Mail claims are released by the mail loop, after its journal.)
    pub async fn release_leases(&self, owner: &str) -> anyhow::Result<u64> {
        Ok(self
            .query("DELETE FROM classify_leases WHERE owner = ?")
            .bind(owner)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Gives back the unsent mails `owner` claimed (a pass that stopped at an unreachable server
    /// leaves the rest to whichever replica probes next).
    pub async fn release_mail_claims(&self, owner: &str) -> anyhow::Result<u64> {
        Ok(self
            .query("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND sent_at IS NULL")
            .bind(owner)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// A value all replicas share, set once by whichever asks first (`candidate`), e.g. the
    /// link-signing key on a shared database with no configured key.
    pub async fn cluster_value(&self, name: &str, candidate: &str) -> anyhow::Result<String> {
        self.query("INSERT INTO cluster_values (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await?;
        Ok(self
            .query_scalar("SELECT value FROM cluster_values WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Takes a feed's turn to be polled: moves its `next_poll_at` to `until` if it is due at
    /// `now`. `false`: another replica took this turn (or it is not due).
    pub async fn claim_feed_turn(&self, name: &str, now: &str, until: &str) -> anyhow::Result<bool> {
        Ok(self
            .query("UPDATE feed_state SET next_poll_at = ? WHERE name = ? AND (next_poll_at IS NULL OR next_poll_at <= ?)")
            .bind(until)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    /// Incidents matching a filter, most severe and oldest-due first.
    pub async fn incidents(&self, f: &IncidentFilter) -> anyhow::Result<Vec<IncidentRow>> {
        let mut sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE 1=1");
        if f.statuses.is_empty() {
            sql.push_str(" AND status NOT IN ('resolved','dismissed')");
        } else {
            sql.push_str(" AND status IN (");
            sql.push_str(&placeholders(f.statuses.len()));
            sql.push(')');
        }
        if f.label.is_some() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM {} AS l WHERE l.value = ?)",
                self.backend.json_strings("incidents.labels")
            ));
        }
        if f.team.is_some() {
            sql.push_str(" AND team = ?");
        }
        if f.severity.is_some() {
            sql.push_str(" AND severity = ?");
        }
        if f.assignee.is_some() {
            sql.push_str(" AND assignee = ?");
        }
        if f.region.is_some() {
            sql.push_str(" AND lower(region) = lower(?)");
        }
        sql.push_str(
            " ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, \
             ack_due_at, opened_at LIMIT ? OFFSET ?",
        );
        let mut q = self.query_as::<IncidentRow>(&sql);
        for s in &f.statuses {
            q = q.bind(s);
        }
        for v in [&f.label, &f.team, &f.severity, &f.assignee, &f.region]
            .into_iter()
            .flatten()
        {
            q = q.bind(v);
        }
        Ok(q.bind(f.limit).bind(f.offset).fetch_all(&self.pool).await?)
    }

    /// Changes whenever the queue could look different: incidents opened or updated, mentions
    /// arriving or classified, mail sent. Read by each replica's live-queue watcher at every
    /// change, so it is three index lookups (maxima), whatever the tables' size.
    pub async fn queue_version(&self) -> anyhow::Result<String> {
        let (updated, rev, sent): (Option<String>, Option<i64>, Option<String>) = self
            .query_as(
                "SELECT (SELECT MAX(updated_at) FROM incidents), (SELECT MAX(rev) FROM mentions), \
             (SELECT MAX(sent_at) FROM outbox)",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(format!(
            "{}:{}:{}",
            updated.unwrap_or_default(),
            rev.unwrap_or(0),
            sent.unwrap_or_default()
        ))
    }

    /// Mentions per WIB day and flagged label captured in `[from, to)`.
    pub async fn label_volume_by_day(
        &self,
        from: &str,
        to: &str,
    ) -> anyhow::Result<Vec<(String, String, i64)>> {
        let sql = format!(
            "SELECT {} AS day, j.value AS label, COUNT(*) FROM mentions, {} AS j \
             WHERE captured_at >= ? AND captured_at < ? GROUP BY day, label ORDER BY day, label",
            self.backend.wib_day("captured_at"),
            self.backend.json_strings("mentions.labels"),
        );
        Ok(self
            .query_as(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Flagged mentions per region captured in `[from, to)`, largest first.
    pub async fn flagged_volume_by_region(&self, from: &str, to: &str) -> anyhow::Result<Vec<(String, i64)>> {
        Ok(self.query_as(
            "SELECT COALESCE(NULLIF(TRIM(region), ''), '(tanpa wilayah)') AS r, COUNT(*) AS n FROM mentions \
             WHERE captured_at >= ? AND captured_at < ? AND labels IS NOT NULL AND labels <> '[]' \
             GROUP BY r ORDER BY n DESC LIMIT 12",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Incidents opened in `[from, to)` with their clocks.
    pub async fn incident_clocks(&self, from: &str, to: &str) -> anyhow::Result<Vec<IncidentClocks>> {
        Ok(self.query_as(
            "SELECT id, title, severity, status, first_seen_at, opened_at, acknowledged_at, first_clarified_at \
             FROM incidents WHERE opened_at >= ? AND opened_at < ? ORDER BY opened_at",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One incident.
    pub async fn incident(&self, id: &str) -> anyhow::Result<Option<IncidentRow>> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?");
        Ok(self.query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// An incident's timeline, oldest first.
    pub async fn events(&self, incident_id: &str) -> anyhow::Result<Vec<EventRow>> {
        Ok(self
            .query_as("SELECT at, actor, kind, detail FROM incident_events WHERE incident_id = ? ORDER BY id")
            .bind(incident_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Claims up to `limit` mails due for a (re)try for replica `owner` until `until`, oldest
    /// first: mails nobody holds, whose claim ran out, or that `owner` holds already.
    pub async fn claim_due_mail(
        &self,
        owner: &str,
        now: &str,
        until: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        let free = "(claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)";
        let sql = format!(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (\
             SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? \
             AND {free} ORDER BY id LIMIT ?{}) AND sent_at IS NULL AND failed_at IS NULL AND {free} \
             RETURNING id, incident_id, recipient, subject, body_text, body_html, message_id, attempts, \
             thread_root, created_at",
            self.backend.skip_locked("outbox")
        );
        let mut rows: Vec<OutboxRow> = self
            .query_as(&sql)
            .bind(owner)
            .bind(until)
            .bind(now)
            .bind(now)
            .bind(owner)
            .bind(limit)
            .bind(now)
            .bind(owner)
            .fetch_all(&self.pool)
            .await?;
        rows.sort_by_key(|m| m.id);
        Ok(rows)
    }

    /// A queued mail not yet marked sent, by its Message-ID.
    pub async fn unsent_mail(&self, message_id: &str) -> anyhow::Result<Option<OutboxRow>> {
        Ok(self.query_as(
            "SELECT id, incident_id, recipient, subject, body_text, body_html, message_id, attempts, thread_root, \
             created_at FROM outbox WHERE message_id = ? AND sent_at IS NULL",
        )
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records a delivered mail and puts it on the incident's timeline.
    pub async fn mail_sent(&self, mail: &OutboxRow, at: &str) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let marked = self
            .query(
                "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL, claimed_by = NULL, \
                 claimed_until = NULL WHERE id = ? AND sent_at IS NULL",
            )
            .bind(at)
            .bind(mail.id)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
        if marked == 0 {
            // Already marked (its journal was replayed by the replica that sent it first).
            return tx.commit().await;
        }
        if let Some(incident) = &mail.incident_id {
            let detail = serde_json::json!({ "to": mail.recipient, "message_id": mail.message_id });
            tx.add_event(incident, at, "system", "mail_sent", &detail.to_string())
                .await?;
        }
        tx.commit().await
    }

    /// Puts a mail back to wait out an unreachable server: its error and next try are noted,
    /// its attempts are not used up.
    pub async fn mail_deferred(&self, mail: &OutboxRow, error: &str, retry_at: &str) -> anyhow::Result<()> {
        self.query(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
        )
            .bind(error)
            .bind(retry_at)
            .bind(mail.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt; `retry_at = None` gives up and notes it on the timeline.
    pub async fn mail_failed(
        &self,
        mail: &OutboxRow,
        at: &str,
        error: &str,
        retry_at: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        match retry_at {
            Some(next) => {
                self.query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL, \
                     claimed_until = NULL WHERE id = ?",
                )
                    .bind(error)
                    .bind(next)
                    .bind(mail.id)
                    .execute(&mut *tx.tx)
                    .await?;
            }
            None => {
                self.query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ?, claimed_by = NULL, \
                     claimed_until = NULL WHERE id = ?",
                )
                .bind(error)
                .bind(at)
                .bind(mail.id)
                .execute(&mut *tx.tx)
                .await?;
                if let Some(incident) = &mail.incident_id {
                    let detail = serde_json::json!({ "to": mail.recipient, "error": error });
                    tx.add_event(incident, at, "system", "mail_failed", &detail.to_string())
                        .await?;
                }
            }
        }
        tx.commit().await
    }

    /// Stores a new API token (only its hash).
    pub async fn create_token(
        &self,
        id: &str,
        name: &str,
        role: &str,
        hash: &str,
        owner: Option<&str>,
        at: &str,
    ) -> anyhow::Result<bool> {
        let done = self.query(
            "INSERT INTO api_tokens (id, name, role, token_hash, owner, created_at) VALUES (?,?,?,?,?,?) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(hash)
        .bind(owner)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A live token's name, role and owner. A token whose owner is disabled is not live.
    pub async fn token_by_hash(
        &self,
        hash: &str,
    ) -> anyhow::Result<Option<(String, String, Option<String>)>> {
        Ok(self.query_as(
            "SELECT t.name, t.role, t.owner FROM api_tokens t WHERE t.token_hash = ? AND t.revoked_at IS NULL \
             AND (t.owner IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.username = t.owner AND u.disabled_at IS NULL))",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// All tokens (without hashes).
    pub async fn tokens(&self) -> anyhow::Result<Vec<TokenRow>> {
        Ok(self
            .query_as(
                "SELECT id, name, role, owner, created_at, revoked_at FROM api_tokens ORDER BY created_at",
            )
            .fetch_all(&self.pool)
            .await?)
    }

    /// Revokes a token by name; false when no live token has that name.
    pub async fn revoke_token(&self, name: &str, at: &str) -> anyhow::Result<bool> {
        let done = self
            .query("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
            .bind(at)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counters for metrics and pages.
    pub async fn counts(&self) -> anyhow::Result<Counts> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = self
            .query_as(
                "SELECT (SELECT COUNT(*) FROM mentions), \
                    (SELECT COUNT(*) FROM mentions WHERE classified_at IS NULL), \
                    (SELECT COUNT(*) FROM incidents WHERE status NOT IN ('resolved','dismissed')), \
                    (SELECT COUNT(*) FROM incidents), \
                    (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL), \
                    (SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL), \
                    (SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL)",
            )
            .fetch_one(&self.pool)
            .await?;
        let (oldest, last_error, breached_open, review_pending): (Option<String>, Option<String>, i64, i64) =
            self.query_as(
                "SELECT (SELECT MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL), \
                    (SELECT last_error FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                     AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1), \
                    (SELECT COUNT(*) FROM incidents WHERE status NOT IN ('resolved','dismissed') \
                     AND (ack_breached_at IS NOT NULL OR clarify_breached_at IS NOT NULL)), \
                    (SELECT COUNT(*) FROM mentions WHERE review_state = 'pending')",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(Counts {
            mentions: row.0,
            unclassified: row.1,
            open_incidents: row.2,
            incidents: row.3,
            outbox_pending: row.4,
            outbox_sent: row.5,
            outbox_failed: row.6,
            outbox_oldest_at: oldest,
            outbox_last_error: last_error,
            breached_open,
            review_pending,
        })
    }

    /// Writes a consistent copy of the whole database to `path` (SQLite `VACUUM INTO`: one read
    /// transaction, so writers go on while it runs).
    pub async fn snapshot_into(&self, path: &std::path::Path) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            anyhow::bail!(
                "`tanggap backup` copies the SQLite file; back PostgreSQL up with pg_dump or your \
                 cluster's own backups (see docs/POSTGRES.md)"
            );
        }
        let path = path
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("backup path is not UTF-8"))?;
        self.query("VACUUM INTO ?")
            .bind(path)
            .execute(&self.pool)
            .await
            .context("VACUUM INTO")?;
        Ok(())
    }

    /// What a backup manifest counts.
    pub async fn backup_counts(&self) -> anyhow::Result<super::BackupCounts> {
        let (mentions, incidents, approved_clarifications, known_claims, users): (i64, i64, i64, i64, i64) =
            self.query_as(
                "SELECT (SELECT COUNT(*) FROM mentions), (SELECT COUNT(*) FROM incidents), \
                        (SELECT COUNT(*) FROM clarifications WHERE status = 'approved'), \
                        (SELECT COUNT(*) FROM known_claims), (SELECT COUNT(*) FROM users)",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(super::BackupCounts {
            mentions,
            incidents,
            approved_clarifications,
            known_claims,
            users,
        })
    }

    /// Whether any audit row waits to be sealed.
    pub async fn audit_unsealed(&self) -> anyhow::Result<bool> {
        let (n,): (i64,) = self
            .query_as(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_log WHERE hash IS NULL) THEN 1 ELSE 0 END",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 1)
    }

    /// Audit rows after `seq`, in order.
    pub async fn audit_rows(&self, after: i64, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(self.query_as(
            "SELECT seq, at, tbl, op, row_key, data, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl StoreTx {
    /// The last sealed audit row: (seq, hash).
    pub async fn last_audit_hash(&mut self) -> anyhow::Result<Option<(i64, String)>> {
        Ok(self
            .query_as("SELECT seq, hash FROM audit_log WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// Unsealed audit rows, oldest first.
    pub async fn unsealed_audit(&mut self, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(self.query_as(
            "SELECT seq, at, tbl, op, row_key, data, hash FROM audit_log WHERE hash IS NULL ORDER BY seq LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    /// Seals one audit row.
    pub async fn set_audit_hash(&mut self, seq: i64, hash: &str) -> anyhow::Result<()> {
        self.query("UPDATE audit_log SET hash = ? WHERE seq = ? AND hash IS NULL")
            .bind(hash)
            .bind(seq)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Commits.
    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Open (or merged) incidents with this top label whose last mention is not older than `since`.
    pub async fn open_candidates(
        &mut self,
        top_label: &str,
        since: &str,
    ) -> anyhow::Result<Vec<IncidentCandidate>> {
        Ok(self.query_as(
            "SELECT id, sample_text, centroid, labels, max_scores, severity, first_seen_at, status, merged_into \
             FROM incidents WHERE top_label = ? AND last_mention_at >= ? \
             AND (status NOT IN ('resolved','dismissed') OR merged_into IS NOT NULL) \
             ORDER BY last_mention_at DESC LIMIT 200",
        )
        .bind(top_label)
        .bind(since)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    /// Of the mentions `seqs`, those still unclassified, locked until the commit (on PostgreSQL;
    /// on SQLite the transaction holds the only write lock): the classifier records only these,
    /// so a mention whose lease ran out while a slow replica still worked on it, and that
    /// another replica classified meanwhile, is not placed twice.
    pub async fn lock_unclassified(
        &mut self,
        seqs: &[i64],
    ) -> anyhow::Result<std::collections::HashSet<i64>> {
        if seqs.is_empty() {
            return Ok(Default::default());
        }
        let sql = format!(
            "SELECT seq FROM mentions WHERE classified_at IS NULL AND seq IN ({}) ORDER BY seq{}",
            placeholders(seqs.len()),
            self.backend.for_update()
        );
        let mut q = self.query_scalar::<i64>(&sql);
        for seq in seqs {
            q = q.bind(seq);
        }
        Ok(q.fetch_all(&mut *self.tx).await?.into_iter().collect())
    }

    /// Drops the classification leases of `seqs` (their classification is being recorded).
    pub async fn drop_leases(&mut self, seqs: &[i64]) -> anyhow::Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM classify_leases WHERE seq IN ({})",
            placeholders(seqs.len())
        );
        let mut q = self.query(&sql);
        for seq in seqs {
            q = q.bind(seq);
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Writes a mention's classification (and its incident, if any).
    pub async fn record_classification(&mut self, r: &ClassificationRecord, at: &str) -> anyhow::Result<()> {
        self.query(
            "UPDATE mentions SET classified_at = ?, scores = ?, labels = ?, explanation = ?, \
             model_version = ?, embedding = ?, incident_id = ?, known_claim_id = ?, known_claim_action = ?, \
             cluster_key = ?, review_labels = ?, classified_by = ?, \
             review_state = CASE WHEN ? IS NOT NULL THEN 'pending' ELSE review_state END \
             WHERE id = ?",
        )
        .bind(at)
        .bind(&r.scores)
        .bind(&r.labels)
        .bind(&r.explanation)
        .bind(&r.model_version)
        .bind(&r.embedding)
        .bind(&r.incident_id)
        .bind(r.known_claim.as_ref().map(|k| &k.0))
        .bind(r.known_claim.as_ref().map(|k| k.1))
        .bind(&r.cluster_key)
        .bind(&r.review_labels)
        .bind(&r.classified_by)
        .bind(&r.review_labels)
        .bind(&r.mention_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Classified mentions of a cluster captured since `since` (a topic-only spike counts them).
    pub async fn cluster_count_since(&mut self, cluster_key: &str, since: &str) -> anyhow::Result<i64> {
        Ok(self
            .query_scalar("SELECT COUNT(*) FROM mentions WHERE cluster_key = ? AND captured_at >= ?")
            .bind(cluster_key)
            .bind(since)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    /// The uncertain labels (JSON) of a mention waiting in the review tray.
    pub async fn review_labels_if_pending(&mut self, mention_id: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .query_scalar("SELECT review_labels FROM mentions WHERE id = ? AND review_state = 'pending'")
            .bind(mention_id)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// Records a review-tray decision on a pending mention: `confirmed` hands it back to the
    /// classifier with `labels` (it will be placed in an incident), `dismissed` closes it. Both
    /// are kept for retraining. Returns the mention's review labels, or `None` when it is not
    /// (or no longer) pending.
    pub async fn decide_review(
        &mut self,
        mention_id: &str,
        confirmed: Option<&str>,
        reason: Option<&str>,
        actor: &str,
        at: &str,
    ) -> anyhow::Result<Option<String>> {
        let Some(review) = self.review_labels_if_pending(mention_id).await? else {
            return Ok(None);
        };
        match confirmed {
            Some(labels) => {
                self.query(
                    "UPDATE mentions SET review_state = 'confirmed', confirmed_labels = ?, classified_at = NULL \
                     WHERE id = ?",
                )
                .bind(labels)
                .bind(mention_id)
                .execute(&mut *self.tx)
                .await?;
            }
            None => {
                self.query("UPDATE mentions SET review_state = 'dismissed' WHERE id = ?")
                    .bind(mention_id)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.query(
            "INSERT INTO review_decisions (mention_id, decision, labels, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(mention_id)
        .bind(if confirmed.is_some() { "confirmed" } else { "dismissed" })
        .bind(confirmed.unwrap_or(&review))
        .bind(reason)
        .bind(actor)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(Some(review))
    }

    /// The incident a known claim belongs to now.
    pub async fn claim_incident(&mut self, claim_id: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .query_scalar("SELECT incident_id FROM known_claims WHERE id = ?")
            .bind(claim_id)
            .fetch_optional(&mut *self.tx)
            .await?
            .flatten())
    }

    /// An incident opened by a mention auto-linked to a known claim that had no incident yet:
    /// the incident takes the claim's verdict, and the claim points at the incident (so the
    /// next wave joins it).
    pub async fn adopt_claim(
        &mut self,
        incident_id: &str,
        claim_id: &str,
        verdict: &str,
    ) -> anyhow::Result<()> {
        self.query("UPDATE known_claims SET incident_id = ? WHERE id = ? AND incident_id IS NULL")
            .bind(incident_id)
            .bind(claim_id)
            .execute(&mut *self.tx)
            .await?;
        self.query("UPDATE incidents SET verdict = ? WHERE id = ? AND verdict IS NULL")
            .bind(verdict)
            .bind(incident_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Inserts an incident (counting `mention_count` mentions). Returns `false`, inserting nothing, when an
    /// open incident of the same cluster already exists (a concurrent writer opened it first).
    pub async fn insert_incident(&mut self, i: &NewIncident) -> anyhow::Result<bool> {
        let done = self.query(
            "INSERT INTO incidents (id, title, status, severity, top_label, labels, max_scores, team, region, \
             source, playbook_id, playbook_version, sample_text, centroid, mention_count, first_seen_at, \
             opened_at, last_mention_at, ack_due_at, updated_at, escalation_chain, next_escalation_at, clarify_due_at, \
             cluster_key) \
             VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (cluster_key) WHERE status NOT IN ('resolved', 'dismissed') DO NOTHING",
        )
        .bind(&i.id)
        .bind(&i.title)
        .bind(&i.severity)
        .bind(&i.top_label)
        .bind(&i.labels)
        .bind(&i.max_scores)
        .bind(&i.team)
        .bind(&i.region)
        .bind(&i.source)
        .bind(&i.playbook_id)
        .bind(i.playbook_version)
        .bind(&i.sample_text)
        .bind(&i.centroid)
        .bind(i.mention_count)
        .bind(&i.first_seen_at)
        .bind(&i.opened_at)
        .bind(&i.opened_at)
        .bind(&i.ack_due_at)
        .bind(&i.opened_at)
        .bind(&i.escalation_chain)
        .bind(&i.next_escalation_at)
        .bind(&i.clarify_due_at)
        .bind(&i.cluster_key)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The open (or merged) incident of a cluster, as a join candidate.
    pub async fn incident_of_cluster(&mut self, key: &str) -> anyhow::Result<Option<IncidentCandidate>> {
        let sql = format!(
            "SELECT id, sample_text, centroid, labels, max_scores, severity, first_seen_at, status, merged_into \
             FROM incidents WHERE cluster_key = ? \
             AND (status NOT IN ('resolved','dismissed') OR merged_into IS NOT NULL) \
             ORDER BY opened_at DESC LIMIT 1{}",
            self.backend.for_update()
        );
        Ok(self
            .query_as(&sql)
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// One incident as a join candidate.
    pub async fn incident_candidate(&mut self, id: &str) -> anyhow::Result<Option<IncidentCandidate>> {
        let sql = format!(
            "SELECT id, sample_text, centroid, labels, max_scores, severity, first_seen_at, status, merged_into \
             FROM incidents WHERE id = ?{}",
            self.backend.for_update()
        );
        Ok(self.query_as(&sql).bind(id).fetch_optional(&mut *self.tx).await?)
    }

    /// Records that `id` was merged into `into`.
    pub async fn set_merged_into(&mut self, id: &str, into: &str) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET merged_into = ? WHERE id = ?")
            .bind(into)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Counts a new mention on an incident and updates its aggregates.
    pub async fn bump_incident(
        &mut self,
        id: &str,
        labels: &str,
        max_scores: &str,
        severity: &str,
        first_seen_at: &str,
        at: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "UPDATE incidents SET mention_count = mention_count + 1, labels = ?1, max_scores = ?2, severity = ?3, \
             first_seen_at = CASE WHEN ?4 < first_seen_at THEN ?4 ELSE first_seen_at END, last_mention_at = ?5, \
             updated_at = ?5 WHERE id = ?6",
        )
        .bind(labels)
        .bind(max_scores)
        .bind(severity)
        .bind(first_seen_at)
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Appends to an incident's timeline.
    pub async fn add_event(
        &mut self,
        incident_id: &str,
        at: &str,
        actor: &str,
        kind: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        self.query("INSERT INTO incident_events (incident_id, at, actor, kind, detail) VALUES (?,?,?,?,?)")
            .bind(incident_id)
            .bind(at)
            .bind(actor)
            .bind(kind)
            .bind(detail)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Appends several entries by one actor to an incident's timeline, in order, in one statement.
    pub async fn add_events(
        &mut self,
        incident_id: &str,
        at: &str,
        actor: &str,
        events: &[(&str, String)],
    ) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let rows = vec!["(?, ?, ?, ?, ?)"; events.len()].join(", ");
        let sql = format!("INSERT INTO incident_events (incident_id, at, actor, kind, detail) VALUES {rows}");
        let mut q = self.query(&sql);
        for (kind, detail) in events {
            q = q.bind(incident_id).bind(at).bind(actor).bind(*kind).bind(detail);
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Puts a mail in the durable outbox.
    pub async fn enqueue_mail(&mut self, m: &NewMail, at: &str) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO outbox (incident_id, kind, recipient, subject, body_text, body_html, message_id, \
             created_at, next_attempt_at, thread_root) VALUES (?,?,?,?,?,?,?,?,?,?)",
        )
        .bind(&m.incident_id)
        .bind(&m.kind)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(&m.body_html)
        .bind(&m.message_id)
        .bind(at)
        .bind(at)
        .bind(&m.thread_root)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Sets an incident's status (the full lifecycle state machine lives with the incidents).
    pub async fn set_incident_status(&mut self, id: &str, status: &str, at: &str) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status)
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// One incident, read inside the transaction (the write lock is held, so it cannot change
    /// before the commit).
    pub async fn incident(&mut self, id: &str) -> anyhow::Result<Option<IncidentRow>> {
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?{}",
            self.backend.for_update()
        );
        Ok(self.query_as(&sql).bind(id).fetch_optional(&mut *self.tx).await?)
    }

    /// An incident's status, read inside the transaction.
    pub async fn incident_status(&mut self, id: &str) -> anyhow::Result<Option<String>> {
        let sql = format!(
            "SELECT status FROM incidents WHERE id = ?{}",
            self.backend.for_update()
        );
        Ok(self
            .query_scalar(&sql)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// Records that a link was used; false when it was used before.
    pub async fn use_link(&mut self, token_hash: &str, at: &str) -> anyhow::Result<bool> {
        let done = self
            .query("INSERT INTO used_links (token_hash, used_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(token_hash)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The escalation state of an incident that is still `new` and due.
    pub async fn due_escalation(&mut self, id: &str, now: &str) -> anyhow::Result<Option<EscalationRow>> {
        Ok(self.query_as(
            "SELECT id, title, severity, team, escalation_chain, escalation_level, ack_due_at FROM incidents \
             WHERE id = ? AND status = 'new' AND next_escalation_at IS NOT NULL AND next_escalation_at <= ?",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    /// Moves an incident's escalation on.
    pub async fn set_escalation(&mut self, id: &str, level: i64, next: Option<&str>) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET escalation_level = ?, next_escalation_at = ? WHERE id = ?")
            .bind(level)
            .bind(next)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets the verdict and/or assignee (None leaves a field as it is).
    pub async fn set_triage(
        &mut self,
        id: &str,
        verdict: Option<&str>,
        assignee: Option<&str>,
        at: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "UPDATE incidents SET verdict = COALESCE(?, verdict), assignee = COALESCE(?, assignee), updated_at = ? WHERE id = ?",
        )
        .bind(verdict)
        .bind(assignee)
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Keeps a triage decision as a labelled example for retraining.
    pub async fn add_feedback(
        &mut self,
        incident_id: &str,
        decision: &str,
        reason: Option<&str>,
        actor: &str,
        at: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO feedback (incident_id, decision, labels, reason, actor, at) \
             SELECT id, ?, labels, ?, ?, ? FROM incidents WHERE id = ?",
        )
        .bind(decision)
        .bind(reason)
        .bind(actor)
        .bind(at)
        .bind(incident_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Moves mentions from one incident to another: all of them, or only `ids`. Returns how many.
    pub async fn move_mentions(
        &mut self,
        from: &str,
        to: &str,
        ids: Option<&[String]>,
    ) -> anyhow::Result<u64> {
        let mut moved = 0;
        match ids {
            None => {
                moved = self
                    .query("UPDATE mentions SET incident_id = ? WHERE incident_id = ?")
                    .bind(to)
                    .bind(from)
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected();
            }
            Some(ids) => {
                for id in ids {
                    moved += self
                        .query("UPDATE mentions SET incident_id = ? WHERE incident_id = ? AND id = ?")
                        .bind(to)
                        .bind(from)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await?
                        .rows_affected();
                }
            }
        }
        Ok(moved)
    }

    /// Recomputes an incident's mention count and first/last sighting from its mentions.
    pub async fn recount_incident(&mut self, id: &str, at: &str) -> anyhow::Result<i64> {
        self.query(
            "UPDATE incidents SET \
               mention_count = (SELECT COUNT(*) FROM mentions WHERE incident_id = incidents.id), \
               first_seen_at = COALESCE((SELECT MIN(COALESCE(posted_at, captured_at)) FROM mentions WHERE incident_id = incidents.id), first_seen_at), \
               last_mention_at = COALESCE((SELECT MAX(captured_at) FROM mentions WHERE incident_id = incidents.id), last_mention_at), \
               updated_at = ? WHERE id = ?",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(self
            .query_scalar("SELECT mention_count FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    /// A mention's text and embedding, read inside the transaction.
    pub async fn mention_text_embedding(
        &mut self,
        id: &str,
    ) -> anyhow::Result<Option<(String, Option<Vec<u8>>, Option<String>)>> {
        Ok(self
            .query_as("SELECT text, embedding, incident_id FROM mentions WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// Sets an incident's labels (JSON) after a merge.
    pub async fn set_incident_labels(&mut self, id: &str, labels: &str) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET labels = ? WHERE id = ?")
            .bind(labels)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Mentions of an incident that arrived in `[from, to)`, read inside the transaction.
    pub async fn arrivals_between(&mut self, incident_id: &str, from: &str, to: &str) -> anyhow::Result<i64> {
        Ok(self.query_scalar(
            "SELECT COUNT(*) FROM mentions WHERE incident_id = ? AND captured_at >= ? AND captured_at < ?",
        )
        .bind(incident_id)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// When the incident last spiked, and its escalation chain.
    pub async fn spike_state(
        &mut self,
        id: &str,
    ) -> anyhow::Result<(Option<String>, String, String, String)> {
        Ok(self
            .query_as("SELECT last_spike_at, escalation_chain, title, team FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?)
    }

    /// Records a spike: new severity and time.
    pub async fn record_spike(&mut self, id: &str, severity: &str, at: &str) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET last_spike_at = ?, severity = ? WHERE id = ?")
            .bind(at)
            .bind(severity)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Stamps the first approved clarification.
    pub async fn stamp_clarified(&mut self, id: &str, at: &str) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET first_clarified_at = COALESCE(first_clarified_at, ?) WHERE id = ?")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Marks an SLA breach once; false when it was already marked.
    pub async fn mark_breach(&mut self, id: &str, clock: &str, at: &str) -> anyhow::Result<bool> {
        let sql = match clock {
            "ack" => "UPDATE incidents SET ack_breached_at = ? WHERE id = ? AND ack_breached_at IS NULL",
            _ => "UPDATE incidents SET clarify_breached_at = ? WHERE id = ? AND clarify_breached_at IS NULL",
        };
        let done = self.query(sql).bind(at).bind(id).execute(&mut *self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stamps the first acknowledgement and stops escalation.
    pub async fn stamp_acknowledged(&mut self, id: &str, at: &str) -> anyhow::Result<()> {
        self.query(
            "UPDATE incidents SET acknowledged_at = COALESCE(acknowledged_at, ?), next_escalation_at = NULL WHERE id = ?",
        )
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Switches an incident's playbook.
    pub async fn set_incident_playbook(
        &mut self,
        id: &str,
        playbook: &str,
        version: i64,
        at: &str,
    ) -> anyhow::Result<()> {
        self.query("UPDATE incidents SET playbook_id = ?, playbook_version = ?, updated_at = ? WHERE id = ?")
            .bind(playbook)
            .bind(version)
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Marks or unmarks a checklist step.
    pub async fn set_checklist(
        &mut self,
        incident: &str,
        playbook: &str,
        step: i64,
        done: Option<(&str, &str)>,
    ) -> anyhow::Result<()> {
        match done {
            Some((by, at)) => {
                self.query(
                    "INSERT INTO checklist_marks (incident_id, playbook_id, step, done_by, done_at) VALUES (?,?,?,?,?) \
                     ON CONFLICT (incident_id, playbook_id, step) DO NOTHING",
                )
                .bind(incident)
                .bind(playbook)
                .bind(step)
                .bind(by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
            }
            None => {
                self.query(
                    "DELETE FROM checklist_marks WHERE incident_id = ? AND playbook_id = ? AND step = ?",
                )
                .bind(incident)
                .bind(playbook)
                .bind(step)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Inserts a clarification draft.
    pub async fn insert_clarification(&mut self, c: &ClarificationRow) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO clarifications (id, incident_id, playbook_id, playbook_version, channel, lang, verdict, \
             status, title, body, variables, author, revision, created_at, updated_at) \
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        )
        .bind(&c.id)
        .bind(&c.incident_id)
        .bind(&c.playbook_id)
        .bind(c.playbook_version)
        .bind(&c.channel)
        .bind(&c.lang)
        .bind(&c.verdict)
        .bind(&c.status)
        .bind(&c.title)
        .bind(&c.body)
        .bind(&c.variables)
        .bind(&c.author)
        .bind(c.revision)
        .bind(&c.created_at)
        .bind(&c.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// A clarification, read inside the transaction.
    pub async fn clarification(&mut self, id: &str) -> anyhow::Result<Option<ClarificationRow>> {
        let sql = format!("SELECT {CLARIFICATION_COLUMNS} FROM clarifications WHERE id = ?");
        Ok(self.query_as(&sql).bind(id).fetch_optional(&mut *self.tx).await?)
    }

    /// Writes a clarification's mutable fields back.
    pub async fn update_clarification(&mut self, c: &ClarificationRow) -> anyhow::Result<()> {
        self.query(
            "UPDATE clarifications SET verdict = ?, status = ?, title = ?, body = ?, variables = ?, revision = ?, \
             return_comment = ?, updated_at = ?, submitted_at = ?, approved_by = ?, approved_at = ? WHERE id = ?",
        )
        .bind(&c.verdict)
        .bind(&c.status)
        .bind(&c.title)
        .bind(&c.body)
        .bind(&c.variables)
        .bind(c.revision)
        .bind(&c.return_comment)
        .bind(&c.updated_at)
        .bind(&c.submitted_at)
        .bind(&c.approved_by)
        .bind(&c.approved_at)
        .bind(&c.id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Appends to a clarification's audit trail.
    pub async fn add_clarification_event(
        &mut self,
        id: &str,
        at: &str,
        actor: &str,
        kind: &str,
        revision: i64,
        detail: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO clarification_events (clarification_id, at, actor, kind, revision, detail) VALUES (?,?,?,?,?,?)",
        )
        .bind(id)
        .bind(at)
        .bind(actor)
        .bind(kind)
        .bind(revision)
        .bind(detail)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Everyone who wrote any of a clarification's text: its author and every editor.
    pub async fn clarification_writers(&mut self, id: &str) -> anyhow::Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .query_as(
                "SELECT DISTINCT actor FROM clarification_events \
             WHERE clarification_id = ? AND kind IN ('drafted', 'edited')",
            )
            .bind(id)
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// Registers a known claim (one per approved clarification).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_known_claim(
        &mut self,
        id: &str,
        claim: &str,
        verdict: &str,
        summary: &str,
        url: Option<&str>,
        incident_id: &str,
        clarification_id: &str,
        at: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO known_claims (id, claim, verdict, summary, url, incident_id, clarification_id, created_at) \
             VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (clarification_id) DO NOTHING",
        )
        .bind(id)
        .bind(claim)
        .bind(verdict)
        .bind(summary)
        .bind(url)
        .bind(incident_id)
        .bind(clarification_id)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Logs a copy of an approved reply.
    pub async fn log_copy(&mut self, id: &str, actor: &str, channel: &str, at: &str) -> anyhow::Result<()> {
        self.query("INSERT INTO copy_log (clarification_id, actor, channel, at) VALUES (?,?,?,?)")
            .bind(id)
            .bind(actor)
            .bind(channel)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

const CLARIFICATION_COLUMNS: &str = "id, incident_id, playbook_id, playbook_version, channel, lang, verdict, status, \
    title, body, variables, author, revision, return_comment, created_at, updated_at, submitted_at, approved_by, \
    approved_at";

impl Store {
    /// One clarification.
    pub async fn clarification(&self, id: &str) -> anyhow::Result<Option<ClarificationRow>> {
        let sql = format!("SELECT {CLARIFICATION_COLUMNS} FROM clarifications WHERE id = ?");
        Ok(self.query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// Clarifications matching a filter, newest approval (or change) first.
    pub async fn clarifications(&self, f: &ClarificationFilter) -> anyhow::Result<Vec<ClarificationRow>> {
        let mut sql = format!("SELECT {CLARIFICATION_COLUMNS} FROM clarifications WHERE 1=1");
        let mut binds: Vec<String> = Vec::new();
        for (col, v) in [
            ("status", &f.status),
            ("channel", &f.channel),
            ("verdict", &f.verdict),
            ("incident_id", &f.incident_id),
        ] {
            if let Some(v) = v {
                sql.push_str(&format!(" AND {col} = ?"));
                binds.push(v.clone());
            }
        }
        if let Some(q) = &f.q {
            for word in q.split_whitespace().take(10) {
                sql.push_str(&format!(
                    " AND ({f}(lower(title), ?) > 0 OR {f}(lower(body), ?) > 0)",
                    f = self.backend.position()
                ));
                binds.push(word.to_lowercase());
                binds.push(word.to_lowercase());
            }
        }
        sql.push_str(" ORDER BY COALESCE(approved_at, updated_at) DESC LIMIT ? OFFSET ?");
        let mut q = self.query_as::<ClarificationRow>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.bind(f.limit).bind(f.offset).fetch_all(&self.pool).await?)
    }

    /// A clarification's audit trail.
    pub async fn clarification_events(&self, id: &str) -> anyhow::Result<Vec<ClarificationEventRow>> {
        Ok(self.query_as(
            "SELECT at, actor, kind, revision, detail FROM clarification_events WHERE clarification_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Who copied a reply, newest first.
    pub async fn copies(&self, id: &str) -> anyhow::Result<Vec<CopyRow>> {
        Ok(self
            .query_as("SELECT actor, channel, at FROM copy_log WHERE clarification_id = ? ORDER BY id DESC")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Checklist marks of an incident.
    pub async fn checklist(&self, incident_id: &str) -> anyhow::Result<Vec<ChecklistMark>> {
        Ok(self.query_as(
            "SELECT playbook_id, step, done_by, done_at FROM checklist_marks WHERE incident_id = ? ORDER BY step",
        )
        .bind(incident_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Registers a known claim; `None` when the same claim text is already registered.
    pub async fn insert_claim(
        &self,
        c: &super::NewClaim,
        origin: &str,
        at: &str,
    ) -> anyhow::Result<Option<String>> {
        let id = format!("kc_{}", uuid::Uuid::now_v7().simple());
        let done = self.query(
            "INSERT INTO known_claims (id, claim, verdict, summary, url, incident_id, created_at, origin, claim_key) \
             VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (claim_key) WHERE claim_key IS NOT NULL DO NOTHING",
        )
        .bind(&id)
        .bind(&c.claim)
        .bind(c.verdict.code())
        .bind(&c.summary)
        .bind(&c.url)
        .bind(&c.incident_id)
        .bind(at)
        .bind(origin)
        .bind(crate::text::cluster_key(&c.claim))
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(id))
    }

    /// Known claims with how many mentions matched each, newest first; `q` filters on the
    /// claim and summary text (case-insensitive substring).
    pub async fn list_claims(
        &self,
        q: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<super::KnownClaim>> {
        let pattern = q.map(|q| {
            format!(
                "%{}%",
                q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
            )
        });
        Ok(self.query_as(
            "SELECT k.id, k.claim, k.verdict, k.summary, k.url, k.incident_id, k.origin, k.created_at, \
             k.disabled_at, (SELECT COUNT(*) FROM mentions m WHERE m.known_claim_id = k.id) AS matches \
             FROM known_claims k \
             WHERE (?1 IS NULL OR lower(k.claim) LIKE lower(?1) ESCAPE '\\' OR lower(k.summary) LIKE lower(?1) ESCAPE '\\') \
             ORDER BY k.created_at DESC, k.id DESC LIMIT ?2 OFFSET ?3",
        )
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Disables a known claim (its source withdrew the debunk) or enables it again; `false`
    /// when there is no such claim.
    pub async fn set_claim_disabled(
        &self,
        id: &str,
        disabled: Option<(&str, Option<&str>)>,
    ) -> anyhow::Result<bool> {
        let done = self
            .query("UPDATE known_claims SET disabled_at = ?, disabled_reason = ? WHERE id = ?")
            .bind(disabled.map(|d| d.0))
            .bind(disabled.and_then(|d| d.1))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One known claim.
    pub async fn claim(&self, id: &str) -> anyhow::Result<Option<super::KnownClaim>> {
        Ok(self
            .query_as(
                "SELECT k.id, k.claim, k.verdict, k.summary, k.url, k.incident_id, k.origin, k.created_at, \
             k.disabled_at, (SELECT COUNT(*) FROM mentions m WHERE m.known_claim_id = k.id) AS matches \
             FROM known_claims k WHERE k.id = ?",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The known claims an incident's mentions matched (suggested or linked) or that belong to
    /// it, the most matched first: the fact-checks a responder can cite.
    pub async fn claims_of_incident(&self, incident_id: &str) -> anyhow::Result<Vec<super::KnownClaim>> {
        Ok(self.query_as(
            "SELECT k.id, k.claim, k.verdict, k.summary, k.url, k.incident_id, k.origin, k.created_at, \
             (SELECT COUNT(*) FROM mentions m WHERE m.known_claim_id = k.id AND m.incident_id = ?) AS matches \
             FROM known_claims k WHERE k.incident_id = ? \
             OR k.id IN (SELECT known_claim_id FROM mentions WHERE incident_id = ? AND known_claim_id IS NOT NULL) \
             ORDER BY matches DESC, k.created_at DESC LIMIT 10",
        )
        .bind(incident_id)
        .bind(incident_id)
        .bind(incident_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Changes whenever a claim is added (a claim getting its incident later is looked up at
    /// placement, so the matcher is not rebuilt for it).
    pub async fn claims_version(&self) -> anyhow::Result<String> {
        Ok(self
            .query_scalar(
                "SELECT COUNT(*) || ':' || COALESCE(MAX(created_at), '') || ':' || COALESCE(MAX(rowid), 0) \
             || ':' || COUNT(disabled_at) || ':' || COALESCE(MAX(disabled_at), '') FROM known_claims",
            )
            .fetch_one(&self.pool)
            .await?)
    }

    /// Claims whose embedding is not computed yet: (id, claim).
    pub async fn claims_without_embedding(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(self
            .query_as("SELECT id, claim FROM known_claims WHERE embedding IS NULL ORDER BY rowid")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Stores a claim's embedding.
    pub async fn set_claim_embedding(&self, id: &str, embedding: &[u8]) -> anyhow::Result<()> {
        self.query("UPDATE known_claims SET embedding = ? WHERE id = ?")
            .bind(embedding)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every claim with an embedding, for the matcher.
    pub async fn claims_for_matching(&self) -> anyhow::Result<Vec<(super::KnownClaim, Vec<u8>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            claim: super::KnownClaim,
            embedding: Vec<u8>,
        }
        let rows: Vec<Row> = self
            .query_as(
                "SELECT id, claim, verdict, summary, url, incident_id, origin, created_at, embedding \
             FROM known_claims WHERE embedding IS NOT NULL AND disabled_at IS NULL ORDER BY rowid",
            )
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.claim, r.embedding)).collect())
    }

    /// Whether an incident exists.
    pub async fn incident_exists(&self, id: &str) -> anyhow::Result<bool> {
        Ok(self
            .query_scalar::<i64>("SELECT COUNT(*) FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            > 0)
    }
}

impl Store {
    /// Adds a user; false when the username is taken.
    pub async fn create_user(&self, u: &UserRow) -> anyhow::Result<bool> {
        let done = self.query(
            "INSERT INTO users (id, username, name, role, password_hash, created_at) VALUES (?,?,?,?,?,?) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.name)
        .bind(&u.role)
        .bind(&u.password_hash)
        .bind(&u.created_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A user by username.
    pub async fn user(&self, username: &str) -> anyhow::Result<Option<UserRow>> {
        Ok(self.query_as(
            "SELECT id, username, name, role, password_hash, created_at, disabled_at FROM users WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// All users.
    pub async fn users(&self) -> anyhow::Result<Vec<UserRow>> {
        Ok(self.query_as(
            "SELECT id, username, name, role, password_hash, created_at, disabled_at FROM users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Disables a user and ends their sessions; false when there is no such active user.
    pub async fn disable_user(&self, username: &str, at: &str) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let done = self
            .query("UPDATE users SET disabled_at = ? WHERE username = ? AND disabled_at IS NULL")
            .bind(at)
            .bind(username)
            .execute(&mut *tx.tx)
            .await?;
        self.query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)")
            .bind(username)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a session.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: &str,
        csrf: &str,
        at: &str,
        expires: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?,?,?,?,?)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(at)
        .bind(expires)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this hash and its (enabled) user.
    pub async fn session(&self, id_hash: &str, now: &str) -> anyhow::Result<Option<SessionRow>> {
        Ok(self.query_as(
            "SELECT u.username, u.name, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> anyhow::Result<()> {
        self.query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Everyone who wrote any text of each clarification of an incident, by clarification id.
    pub async fn clarification_writers_of_incident(
        &self,
        incident_id: &str,
    ) -> anyhow::Result<std::collections::HashMap<String, Vec<String>>> {
        let rows: Vec<(String, String)> = self
            .query_as(
                "SELECT DISTINCT e.clarification_id, e.actor FROM clarification_events e \
             JOIN clarifications c ON c.id = e.clarification_id \
             WHERE c.incident_id = ? AND e.kind IN ('drafted', 'edited')",
            )
            .bind(incident_id)
            .fetch_all(&self.pool)
            .await?;
        let mut by_id = std::collections::HashMap::<String, Vec<String>>::new();
        for (id, actor) in rows {
            by_id.entry(id).or_default().push(actor);
        }
        Ok(by_id)
    }

    /// Records a failed login and the address it came from.
    pub async fn login_failed(&self, username: &str, address: &str, at: &str) -> anyhow::Result<()> {
        self.query("INSERT INTO login_failures (username, address, at) VALUES (?, ?, ?)")
            .bind(username)
            .bind(address)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed logins since a time: (for this username from this address, from this address for
    /// any username, for this username from any address).
    pub async fn login_failures_since(
        &self,
        username: &str,
        address: &str,
        since: &str,
    ) -> anyhow::Result<LoginFailures> {
        let (pair, address_total, account_total): (i64, i64, i64) = self
            .query_as(
                "SELECT \
               (SELECT COUNT(*) FROM login_failures WHERE username = ?1 AND address = ?2 AND at > ?3), \
               (SELECT COUNT(*) FROM login_failures WHERE address = ?2 AND at > ?3), \
               (SELECT COUNT(*) FROM login_failures WHERE username = ?1 AND at > ?3)",
            )
            .bind(username)
            .bind(address)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(LoginFailures {
            pair,
            address: address_total,
            account: account_total,
        })
    }

    /// Forgets a username's failures from an address after that address logged in as it.
    pub async fn login_succeeded(&self, username: &str, address: &str) -> anyhow::Result<()> {
        self.query("DELETE FROM login_failures WHERE username = ? AND address = ?")
            .bind(username)
            .bind(address)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Incidents whose escalation is due (still `new`).
    pub async fn due_escalations(&self, now: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .query_scalar(
                "SELECT id FROM incidents WHERE status = 'new' AND next_escalation_at IS NOT NULL \
             AND next_escalation_at <= ? ORDER BY next_escalation_at LIMIT 100",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await?)
    }
}

impl Store {
    /// Incidents whose acknowledgement or clarification clock ran out and is not yet marked.
    pub async fn due_breaches(&self, now: &str) -> anyhow::Result<Vec<BreachRow>> {
        Ok(self.query_as(
            "SELECT id, title, severity, team, 'ack' AS clock, ack_due_at AS due_at FROM incidents \
             WHERE status = 'new' AND ack_breached_at IS NULL AND ack_due_at <= ? \
             UNION ALL \
             SELECT id, title, severity, team, 'clarify', clarify_due_at FROM incidents \
             WHERE status NOT IN ('clarified','resolved','dismissed') AND first_clarified_at IS NULL \
             AND clarify_breached_at IS NULL AND clarify_due_at IS NOT NULL AND clarify_due_at <= ? LIMIT 200",
        )
        .bind(now)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Mentions of an incident seen in `[from, to)` (by posted time, else capture time).
    pub async fn incident_mentions_between(
        &self,
        incident_id: &str,
        from: &str,
        to: &str,
    ) -> anyhow::Result<i64> {
        Ok(self
            .query_scalar(
                "SELECT COUNT(*) FROM mentions WHERE incident_id = ? \
             AND COALESCE(posted_at, captured_at) >= ? AND COALESCE(posted_at, captured_at) < ?",
            )
            .bind(incident_id)
            .bind(from)
            .bind(to)
            .fetch_one(&self.pool)
            .await?)
    }
}

impl Store {
    /// Triage decisions of an incident: (decision, labels JSON, reason, actor).
    pub async fn feedback(
        &self,
        incident_id: &str,
    ) -> anyhow::Result<Vec<(String, String, Option<String>, String)>> {
        Ok(self
            .query_as(
                "SELECT decision, labels, reason, actor FROM feedback WHERE incident_id = ? ORDER BY id",
            )
            .bind(incident_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Mentions waiting in the review tray, oldest first, and how many there are.
    pub async fn review_queue(
        &self,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(i64, Vec<crate::store::ReviewItem>)> {
        let total: i64 = self
            .query_scalar("SELECT COUNT(*) FROM mentions WHERE review_state = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        let items = self
            .query_as(
                "SELECT id, source, url, text, region, captured_at, review_labels, scores, labels \
             FROM mentions WHERE review_state = 'pending' ORDER BY seq LIMIT ? OFFSET ?",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        Ok((total, items))
    }

    /// Every incident's latest triage decision with its mentions' distinct texts (at most 50
    /// per incident), then every review-tray decision with its mention's text:
    /// (decision, labels JSON, reason, text).
    pub async fn feedback_texts(&self) -> anyhow::Result<Vec<(String, String, Option<String>, String)>> {
        Ok(self.query_as(
            "WITH latest AS (SELECT incident_id, MAX(id) AS id FROM feedback GROUP BY incident_id), \
             texts AS (SELECT DISTINCT incident_id, text FROM mentions WHERE incident_id IN \
                       (SELECT incident_id FROM latest)), \
             ranked AS (SELECT incident_id, text, ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY text) AS n \
                        FROM texts), \
             incident_rows AS (SELECT f.id AS k, 0 AS kind, f.decision, f.labels, f.reason, r.text FROM latest l \
                               JOIN feedback f ON f.id = l.id JOIN ranked r ON r.incident_id = l.incident_id \
                               WHERE r.n <= 50), \
             review_latest AS (SELECT mention_id, MAX(id) AS id FROM review_decisions GROUP BY mention_id), \
             review_rows AS (SELECT d.id AS k, 1 AS kind, d.decision, d.labels, d.reason, m.text \
                             FROM review_latest l JOIN review_decisions d ON d.id = l.id \
                             JOIN mentions m ON m.id = d.mention_id) \
             SELECT decision, labels, reason, text FROM \
             (SELECT * FROM incident_rows UNION ALL SELECT * FROM review_rows) AS decided ORDER BY kind, k, text",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Registers a configured feed (or notes that its address changed: the conditional-GET
    /// validators of the old address are dropped).
    pub async fn register_feed(&self, f: &crate::config::FeedConfig) -> anyhow::Result<()> {
        self.query(
            "INSERT INTO feed_state (name, url, kind, region, every_secs, origin) VALUES (?, ?, ?, ?, ?, 'config') \
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, region = excluded.region, \
               every_secs = excluded.every_secs, origin = 'config', \
               etag = CASE WHEN feed_state.url = excluded.url THEN feed_state.etag END, \
               last_modified = CASE WHEN feed_state.url = excluded.url THEN feed_state.last_modified END, \
               url = excluded.url",
        )
        .bind(&f.name)
        .bind(&f.url)
        .bind(f.kind.code())
        .bind(&f.region)
        .bind(f.every_secs as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Adds a feed from the admin page; `false` when the name is taken.
    pub async fn add_feed(&self, f: &crate::config::FeedConfig, by: &str) -> anyhow::Result<bool> {
        let done = self
            .query(
                "INSERT INTO feed_state (name, url, kind, region, every_secs, origin, created_by) \
             VALUES (?, ?, ?, ?, ?, 'admin', ?) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&f.name)
            .bind(&f.url)
            .bind(f.kind.code())
            .bind(&f.region)
            .bind(f.every_secs as i64)
            .bind(by)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Enables or disables a feed; `false` when there is no such feed.
    pub async fn set_feed_enabled(&self, name: &str, enabled: bool) -> anyhow::Result<bool> {
        let done = self
            .query("UPDATE feed_state SET enabled = ? WHERE name = ?")
            .bind(i64::from(enabled))
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One feed's state.
    pub async fn feed_state(&self, name: &str) -> anyhow::Result<Option<FeedState>> {
        Ok(self
            .query_as("SELECT * FROM feed_state WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Every feed's state, by name.
    pub async fn feed_states(&self) -> anyhow::Result<Vec<FeedState>> {
        Ok(self
            .query_as("SELECT * FROM feed_state ORDER BY name")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Records a good poll: validators, counts and the next poll time.
    pub async fn feed_polled(&self, name: &str, p: &FeedPoll<'_>) -> anyhow::Result<()> {
        self.query(
            "UPDATE feed_state SET etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), \
             last_polled_at = ?, last_success_at = ?, last_status = ?, consecutive_failures = 0, \
             items_in_feed = COALESCE(?, items_in_feed), items_added = items_added + ?, \
             items_skipped = items_skipped + ?, next_poll_at = ? WHERE name = ?",
        )
        .bind(p.etag)
        .bind(p.last_modified)
        .bind(p.at)
        .bind(p.at)
        .bind(p.status)
        .bind(p.items_in_feed)
        .bind(p.added)
        .bind(p.skipped)
        .bind(p.next_poll_at)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed poll and when to try again.
    pub async fn feed_failed(
        &self,
        name: &str,
        error: &str,
        at: &str,
        next_poll_at: &str,
    ) -> anyhow::Result<()> {
        self.query(
            "UPDATE feed_state SET last_polled_at = ?, last_status = 'error', last_error = ?, last_error_at = ?, \
             consecutive_failures = consecutive_failures + 1, next_poll_at = ? WHERE name = ?",
        )
        .bind(at)
        .bind(error)
        .bind(at)
        .bind(next_poll_at)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
