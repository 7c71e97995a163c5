//! Background loops that move stored mentions through the pipeline. Each one reads its work
//! from the database (the truth), so after a crash it simply resumes:
//! - the indexer adds mentions whose `rev` is above the index's watermark to tantivy (new ones,
//!   and changed ones again: classified, or moved to another incident);
//! - the classifier claims unclassified mentions (a lease in the database, so replicas sharing
//!   it split the work), scores them, places flagged ones in incidents and queues alerts, one
//!   transaction per batch that records only mentions still unclassified.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;

use crate::alerts::tokio_util_shim::Shutdown;
use crate::claims::{Entry, Matcher};
use crate::classify::Classifier;
use crate::config::Settings;
use crate::incidents;
use crate::index::SearchIndex;
use crate::playbooks::Playbooks;
use crate::store::{ts, ClassificationRecord, Store};

/// Batches read and handed to the encoder at most, the one being committed included.
const IN_FLIGHT: usize = 3;

/// Mentions per index commit at most.
const INDEX_BATCH: i64 = 5000;

/// A classification with the labels a responder confirmed from the review tray added (they
/// are alarms now, so the mention is placed in an incident); `None` when there are none.
fn confirmed_from_review(
    m: &crate::store::PendingMention,
    c: &crate::classify::Classification,
) -> Option<crate::classify::Classification> {
    let labels: Vec<crate::domain::Label> = serde_json::from_str(m.confirmed_labels.as_deref()?).ok()?;
    let mut c = c.clone();
    for l in labels {
        if !c.labels.contains(&l) {
            c.labels.insert(0, l);
        }
    }
    c.review.clear();
    Some(c)
}

/// Indexes new mentions until shutdown.
pub async fn run_indexer(store: Store, index: SearchIndex, notify: Arc<Notify>, shutdown: Shutdown) {
    loop {
        match index_pending(&store, &index).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "indexing failed; will retry"),
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.wait() => return,
        }
    }
}

/// Indexes one batch above the watermark; returns how many mentions it (re)indexed.
pub async fn index_pending(store: &Store, index: &SearchIndex) -> anyhow::Result<usize> {
    let watermark = index.watermark()?;
    let rows = store.mentions_changed_after(watermark, INDEX_BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let n = rows.len();
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.add_and_commit(&rows)).await??;
    Ok(n)
}

/// Everything the classification loop needs.
#[derive(Clone)]
pub struct ClassifyWorker {
    /// Database.
    pub store: Store,
    /// Model.
    pub classifier: Classifier,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Playbooks.
    pub playbooks: Arc<Playbooks>,
    /// For links in mails.
    pub mail: crate::alerts::MailContext,
    /// Wakes the mail worker.
    pub mail_notify: Arc<Notify>,
    /// Wakes the indexer (labels and incidents are searchable).
    pub index_notify: Arc<Notify>,
    /// Known claims, rebuilt when the registry changes.
    pub claims: Arc<tokio::sync::Mutex<Arc<Matcher>>>,
    /// Who this process is among the replicas: the owner of its leases.
    pub replica: crate::cluster::Replica,
}

/// A batch whose classification is running on the encoder while the previous one commits.
type InFlight = (
    Vec<crate::store::PendingMention>,
    tokio::task::JoinHandle<anyhow::Result<Vec<crate::classify::Classification>>>,
);

impl ClassifyWorker {
    /// Classifies new mentions until shutdown.
    pub async fn run(self, notify: Arc<Notify>, shutdown: Shutdown) {
        match self.store.release_leases(&self.replica.id).await {
            Ok(leases) if leases > 0 => {
                tracing::info!(leases, replica = %self.replica.id, "released the mentions this replica held before it stopped");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "releasing old leases"),
        }
        loop {
            if let Err(e) = self.drain().await {
                tracing::error!(error = %format!("{e:#}"), "classification failed; will retry");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            tokio::select! {
                _ = notify.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.wait() => return,
            }
        }
    }

    fn batch_limit(&self) -> i64 {
        self.settings.classifier.batch_size.max(1) as i64 * 2
    }

    /// Classifies unclassified mentions until none is left that another replica is not
    /// holding; returns how many. Pipelined: while one batch is placed in incidents and
    /// committed, the next [`IN_FLIGHT`] − 1 are already queued on the encoder, so the encoder
    /// never waits for a commit (an `fsync`). Work is claimed from the database, so an error or
    /// a crash loses nothing: the next call (or, after a crash, any replica once the lease runs
    /// out) starts again from the oldest unclassified mention.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut cursor = 0i64;
        let mut done = 0;
        let mut exhausted = false;
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        loop {
            while !exhausted && in_flight.len() < IN_FLIGHT {
                let now = Utc::now();
                let next = self
                    .store
                    .claim_unclassified(
                        &self.replica.id,
                        cursor,
                        self.batch_limit(),
                        &ts(now),
                        &self.replica.until(now),
                    )
                    .await?;
                let Some(last) = next.last() else {
                    exhausted = true;
                    break;
                };
                cursor = last.seq;
                let texts: Vec<String> = next.iter().map(|m| m.text.clone()).collect();
                let me = self.clone();
                in_flight.push_back((next, tokio::spawn(async move { me.classify(texts).await })));
            }
            let Some((batch, handle)) = in_flight.pop_front() else {
                return Ok(done);
            };
            let results = handle.await??;
            self.commit(&batch, &results).await?;
            done += batch.len();
        }
    }

    /// Scores texts and matches them against the known claims.
    async fn classify(&self, texts: Vec<String>) -> anyhow::Result<Vec<crate::classify::Classification>> {
        let started = std::time::Instant::now();
        metrics::histogram!(crate::telemetry::CLASSIFIER_BATCH_SIZE).record(texts.len() as f64);
        let results = self.classify_and_match(texts).await;
        metrics::histogram!(crate::telemetry::CLASSIFIER_BATCH_SECONDS)
            .record(started.elapsed().as_secs_f64());
        results
    }

    async fn classify_and_match(
        &self,
        texts: Vec<String>,
    ) -> anyhow::Result<Vec<crate::classify::Classification>> {
        let mut results = self.classifier.classify(texts.clone()).await?;
        let matcher = self.refresh_claims().await?;
        if !matcher.is_empty() {
            let settings = self.settings.clone();
            results = tokio::task::spawn_blocking(move || {
                for (c, t) in results.iter_mut().zip(&texts) {
                    if let Some(hit) = matcher.best(t, &c.embedding, &settings.claims) {
                        crate::claims::attach(c, hit);
                    }
                }
                results
            })
            .await?;
        }
        Ok(results)
    }

    /// Records a batch's classifications, placing flagged mentions in incidents and queueing
    /// alerts. Two transactions: the quiet mentions (no label, nothing to review: most of an
    /// everyday stream) are recorded without the audit lock, since they touch no audited row;
    /// the rest are placed under it, in one transaction. Either may commit alone after a crash:
    /// what is left is simply classified again. Only mentions still unclassified when a
    /// transaction locks them are recorded: if this replica was so slow that its lease ran out
    /// and another replica classified a mention meanwhile, it stays as the other one placed it.
    async fn commit(
        &self,
        batch: &[crate::store::PendingMention],
        results: &[crate::classify::Classification],
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let at = ts(now);
        let (quiet, loud): (Vec<_>, Vec<_>) = batch
            .iter()
            .zip(results)
            .map(|(m, c)| (m, confirmed_from_review(m, c).unwrap_or_else(|| c.clone())))
            .partition(|(_, c)| c.labels.is_empty() && !c.needs_review());
        let mut skipped = 0;
        if !quiet.is_empty() {
            let mut tx = self.store.begin_unaudited().await?;
            let open = self.claim_rows(&mut tx, &quiet).await?;
            for (m, c) in &quiet {
                if open.contains(&m.seq) {
                    tx.record_classification(&self.record(m, c, None)?, &at).await?;
                } else {
                    skipped += 1;
                }
            }
            tx.commit().await?;
        }
        let mut opened = 0;
        if !loud.is_empty() {
            let mut tx = self.store.begin().await?;
            // Timed from the moment the transaction holds the write order (the audit lock on
            // PostgreSQL): replicas' placements run one after another for this long.
            let held = std::time::Instant::now();
            let open = self.claim_rows(&mut tx, &loud).await?;
            let mut nearby = incidents::NearbyIncidents::default();
            for (m, c) in &loud {
                if !open.contains(&m.seq) {
                    skipped += 1;
                    continue;
                }
                let context = incidents::PlaceContext {
                    settings: &self.settings,
                    playbooks: &self.playbooks,
                    mail: &self.mail,
                };
                let placement = incidents::place(&mut tx, context, &mut nearby, m, c, now).await?;
                opened += placement.as_ref().is_some_and(|p| p.opened) as usize;
                let record = self.record(m, c, placement.map(|p| p.incident_id))?;
                tx.record_classification(&record, &at).await?;
            }
            tx.commit().await?;
            metrics::histogram!(crate::telemetry::CLASSIFY_COMMIT_SECONDS)
                .record(held.elapsed().as_secs_f64());
        }
        self.index_notify.notify_one();
        if opened > 0 {
            self.mail_notify.notify_one();
        }
        if skipped > 0 {
            tracing::warn!(
                skipped,
                "mentions another replica classified first (a lease ran out) left as they are"
            );
        }
        tracing::debug!(
            quiet = quiet.len(),
            flagged = loud.len(),
            skipped,
            opened,
            "classified a batch"
        );
        Ok(())
    }

    /// Locks the rows of `items` still unclassified (returned) and drops their leases.
    async fn claim_rows(
        &self,
        tx: &mut crate::store::StoreTx,
        items: &[(&crate::store::PendingMention, crate::classify::Classification)],
    ) -> anyhow::Result<std::collections::HashSet<i64>> {
        let seqs: Vec<i64> = items.iter().map(|(m, _)| m.seq).collect();
        let open = tx.lock_unclassified(&seqs).await?;
        tx.drop_leases(&seqs).await?;
        Ok(open)
    }

    /// What is stored of a mention's classification (`incident_id`: where it was placed).
    fn record(
        &self,
        m: &crate::store::PendingMention,
        c: &crate::classify::Classification,
        incident_id: Option<String>,
    ) -> anyhow::Result<ClassificationRecord> {
        Ok(ClassificationRecord {
            mention_id: m.id.clone(),
            scores: c.scores_json().to_string(),
            labels: serde_json::to_string(&c.labels)?,
            explanation: serde_json::to_string(&c.explanation)?,
            model_version: c.explanation.model_version.clone(),
            embedding: incidents::embedding_bytes(&c.embedding),
            review_labels: (c.needs_review() && incident_id.is_none())
                .then(|| serde_json::to_string(&c.review))
                .transpose()?,
            incident_id,
            known_claim: c
                .explanation
                .known_claim
                .as_ref()
                .map(|k| (k.id.clone(), k.action.code())),
            cluster_key: incidents::cluster_key(&m.text),
            classified_by: self.replica.id.clone(),
        })
    }

    /// The current known-claims matcher: embeds claims that have no embedding yet (stored, so
    /// a crash loses nothing) and rebuilds the matcher when the registry changed.
    pub async fn refresh_claims(&self) -> anyhow::Result<Arc<Matcher>> {
        let mut held = self.claims.lock().await;
        let version = self.store.claims_version().await?;
        if held.version == version {
            return Ok(held.clone());
        }
        let missing = self.store.claims_without_embedding().await?;
        if !missing.is_empty() {
            let texts: Vec<String> = missing.iter().map(|(_, t)| t.clone()).collect();
            let vectors = self.classifier.encoder().embed(texts).await?;
            for ((id, _), v) in missing.iter().zip(&vectors) {
                self.store
                    .set_claim_embedding(id, &incidents::embedding_bytes(v))
                    .await?;
            }
        }
        let entries: Vec<Entry> = self
            .store
            .claims_for_matching()
            .await?
            .into_iter()
            .map(|(claim, bytes)| Entry {
                claim,
                embedding: incidents::embedding_from_bytes(&bytes),
            })
            .collect();
        let n = entries.len();
        let built = tokio::task::spawn_blocking(move || Matcher::build(entries, version)).await??;
        tracing::info!(claims = n, "known claims loaded");
        *held = Arc::new(built);
        Ok(held.clone())
    }
}
