//! Incidents: a flagged mention joins the open incident of a near duplicate (same top label,
//! similar embedding or word shingles, within a time window) or opens a new one, routed to a
//! team, with a playbook attached and an alert queued in the same transaction.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

use crate::alerts;
use crate::classify::Classification;
use crate::config::Settings;
use crate::domain::{Label, Severity};
use crate::playbooks::Playbooks;
use crate::store::{parse_ts, ts, IncidentCandidate, NewIncident, PendingMention, StoreTx};

/// Where a mention went.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The incident.
    pub incident_id: String,
    /// Whether this mention opened it.
    pub opened: bool,
}

/// Mention velocity at the moment a mention is placed: arrivals in the last hour (counting the
/// mention itself) and in the hour before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Velocity {
    /// Mentions in the last hour.
    pub last_hour: i64,
    /// Mentions in the hour before that.
    pub previous_hour: i64,
}

impl Velocity {
    /// The velocity of a brand-new cluster: this one mention.
    pub const FIRST: Velocity = Velocity {
        last_hour: 1,
        previous_hour: 0,
    };

    /// 0 at one mention an hour, 1 at a hundred or more; growth over the previous hour adds up
    /// to a quarter on top.
    pub fn factor(self) -> f32 {
        let rate = ((self.last_hour.max(1) as f32).log10() / 2.0).min(1.0);
        let growth = self.last_hour as f32 / self.previous_hour.max(1) as f32;
        let growth = if self.last_hour >= 5 {
            (growth.max(1.0).log2() / 8.0).min(0.25)
        } else {
            0.0
        };
        (rate + growth).min(1.0)
    }
}

/// Severity from scores, label weights, reach (followers, engagement) and velocity.
pub fn severity(c: &Classification, followers: i64, engagement: i64, velocity: Velocity) -> Severity {
    let base = c
        .labels
        .iter()
        .map(|l| c.scores[l.index()] * l.weight())
        .fold(0.0f32, f32::max);
    let reach = ((1.0 + followers.max(0) as f32 + 10.0 * engagement.max(0) as f32).log10() / 6.0).min(1.0);
    let s = 0.75 * base + 0.25 * reach + 0.2 * velocity.factor();
    match s {
        s if s >= 0.8 => Severity::Critical,
        s if s >= 0.6 => Severity::High,
        s if s >= 0.4 => Severity::Medium,
        _ => Severity::Low,
    }
}

/// The team for an incident: first matching rule, else the default team.
pub fn route<'a>(settings: &'a Settings, labels: &[Label], region: Option<&str>, source: &str) -> &'a str {
    for rule in &settings.routing {
        let label_ok = rule.labels.is_empty() || rule.labels.iter().any(|l| labels.contains(l));
        let region_ok = rule.regions.is_empty()
            || region.is_some_and(|r| rule.regions.iter().any(|x| x.eq_ignore_ascii_case(r)));
        let source_ok = rule.sources.is_empty() || rule.sources.iter().any(|s| s == source);
        if label_ok && region_ok && source_ok {
            return &rule.team;
        }
    }
    &settings.default_team
}

/// Below this embedding cosine two texts are not compared by word shingles at all.
const JACCARD_MIN_COSINE: f32 = 0.5;

/// Word 3-shingles of a normalised text.
pub fn shingles(text: &str) -> HashSet<String> {
    let words = crate::text::normalise_words(text);
    if words.len() < 3 {
        return words.into_iter().collect();
    }
    words.windows(3).map(|w| w.join(" ")).collect()
}

/// Jaccard similarity of two shingle sets.
pub fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count() as f32;
    inter / (a.len() as f32 + b.len() as f32 - inter)
}

/// Decodes an embedding stored by [`embedding_bytes`].
pub fn embedding_from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Embedding bytes (f32 little-endian).
pub fn embedding_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Cosine similarity of two unit-length embeddings (their dot product; 0 when their lengths
/// differ, e.g. an embedding from another model).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// What placing mentions needs besides the transaction: configuration, playbooks, mail setup.
#[derive(Clone, Copy)]
pub struct PlaceContext<'a> {
    /// Settings (thresholds, teams, SLAs).
    pub settings: &'a Settings,
    /// Playbooks to attach.
    pub playbooks: &'a Playbooks,
    /// How alert mails are written.
    pub mail: &'a alerts::MailContext,
}

/// Places a classified mention: joins or opens an incident. `None` when nothing was flagged,
/// or only topic labels were (`disaster`, `health`, …): those join the open incident of their
/// own cluster, and open one only when `incidents.topic_spike_per_hour` copies arrive within
/// an hour. Alarm labels (`hoax`, `sara`, `hate_speech`, `scam`) open incidents by themselves.
///
/// The mention joins, in this order: the open incident of its own cluster (an exact copy after
/// normalisation), or the nearest open incident with the same top label (cosine or shingles,
/// within the window); merged incidents hand over to the one they were merged into. Otherwise
/// it opens one, and if a concurrent writer opened the same cluster first, it joins that.
pub async fn place(
    tx: &mut StoreTx,
    ctx: PlaceContext<'_>,
    nearby: &mut NearbyIncidents,
    m: &PendingMention,
    c: &Classification,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Placement>> {
    let PlaceContext {
        settings,
        playbooks,
        mail,
    } = ctx;
    if c.labels.is_empty() {
        return Ok(None);
    }
    // A mention linked to a known claim joins that claim's incident while it is open (the
    // claim may have got its incident after the matcher was built: ask the database).
    let linked = match c
        .explanation
        .known_claim
        .as_ref()
        .filter(|k| k.action == crate::claims::MatchAction::AutoLink)
    {
        Some(k) => match &k.incident_id {
            Some(id) => Some(id.clone()),
            None => tx.claim_incident(&k.id).await?,
        },
        None => None,
    };
    if let Some(id) = linked.as_deref() {
        if let Some(cand) = tx.incident_candidate(id).await? {
            if let Some(open) = follow_merges(tx, cand).await? {
                return join(tx, settings, mail, m, c, &open, now).await.map(Some);
            }
        }
    }
    let key = cluster_key(&m.text);
    // Alarm labels lead; a topic label only leads an incident opened by a spike of copies.
    let alarm = c.top_alarm();
    let top = alarm.unwrap_or(c.labels[0]);
    let mut found = tx.incident_of_cluster(&key).await?;
    if found.is_none() && alarm.is_some() {
        let since = ts(now - Duration::hours(settings.incidents.window_hours));
        let candidates = nearby.for_label(tx, top, &since).await?;
        if let Some(id) = nearest(candidates, m, c, settings) {
            found = tx.incident_candidate(&id).await?;
        }
    }
    if let Some(found) = found {
        if let Some(open) = follow_merges(tx, found).await? {
            return join(tx, settings, mail, m, c, &open, now).await.map(Some);
        }
    }
    if alarm.is_none() {
        // Topic labels describe and route; alone they open an incident only when copies of
        // the same text spike (this one included).
        let copies = tx
            .cluster_count_since(&key, &ts(now - Duration::hours(1)))
            .await?
            + 1;
        if copies < settings.incidents.topic_spike_per_hour {
            return Ok(None);
        }
    }
    let sev = severity(c, m.author_followers.unwrap_or(0), m.engagement, Velocity::FIRST);
    let seen_at = m.posted_at.clone().unwrap_or_else(|| m.captured_at.clone());
    let at = ts(now);
    let team_id = route(settings, &c.labels, m.region.as_deref(), &m.source).to_string();
    let playbook = playbooks.best_for(&c.labels, sev, &m.text);
    let id = format!("inc_{}", uuid::Uuid::now_v7().simple());
    let title = title_for(top, &m.text);
    let first_seen = parse_ts(&seen_at)
        .map(|t| ts(t.min(now)))
        .unwrap_or_else(|| at.clone());
    let team = settings.team(&team_id).expect("routing names known teams");
    let chain = alerts::escalation_chain(team, now);
    let alert = sev >= settings.alerts.min_severity;
    let incident = NewIncident {
        id: id.clone(),
        title,
        severity: sev.code().into(),
        top_label: top.code().into(),
        labels: serde_json::to_string(&c.labels)?,
        max_scores: c.scores_json().to_string(),
        team: team_id.clone(),
        region: m.region.clone(),
        source: m.source.clone(),
        playbook_id: playbook.map(|p| p.id.clone()),
        playbook_version: playbook.map(|p| p.version),
        sample_text: m.text.chars().take(2000).collect(),
        centroid: embedding_bytes(&c.embedding),
        first_seen_at: first_seen,
        opened_at: at.clone(),
        ack_due_at: ts(now + settings.sla.ack(sev)),
        clarify_due_at: ts(now + settings.sla.clarify(sev)),
        escalation_chain: serde_json::to_string(&chain)?,
        next_escalation_at: alert.then(|| ts(now + settings.escalation.wait(sev))),
        cluster_key: key.clone(),
        mention_count: 1,
    };
    if !tx.insert_incident(&incident).await? {
        // Another writer opened this cluster's incident between our read and our insert.
        let twin = tx
            .incident_of_cluster(&key)
            .await?
            .context("the database refused a twin incident but has none open")?;
        let open = follow_merges(tx, twin)
            .await?
            .context("the twin incident is closed")?;
        return join(tx, settings, mail, m, c, &open, now).await.map(Some);
    }
    // A mention linked to a known claim without an incident opens the claim's incident: it
    // carries the fact-checker's verdict from the start, and the next wave joins it.
    if let Some(k) = c
        .explanation
        .known_claim
        .as_ref()
        .filter(|k| k.action == crate::claims::MatchAction::AutoLink && linked.is_none())
    {
        tx.adopt_claim(&id, &k.id, &k.verdict).await?;
    }
    let detail = serde_json::json!({
        "mention_id": m.id, "labels": c.labels, "severity": sev, "team": team_id,
        "playbook": playbook.map(|p| format!("{}@{}", p.id, p.version)),
    });
    let mut events = vec![("opened", detail.to_string())];
    nearby.opened(top, &id, &incident.sample_text, &c.embedding);
    if alert {
        let recipient = chain[0].clone();
        let mail = alerts::incident_opened_mail(&incident, c, m, playbook, &recipient, mail)?;
        tx.enqueue_mail(&mail, &at).await?;
        let detail = serde_json::json!({ "to": recipient, "team": team_id });
        events.push(("alert_queued", detail.to_string()));
    }
    tx.add_events(&id, &at, "system", &events).await?;
    Ok(Some(Placement {
        incident_id: id,
        opened: true,
    }))
}

/// Follows `merged_into` links to the incident that now takes the mentions, if it is open.
async fn follow_merges(
    tx: &mut StoreTx,
    mut cand: IncidentCandidate,
) -> anyhow::Result<Option<IncidentCandidate>> {
    for _ in 0..16 {
        if cand.is_open() {
            return Ok(Some(cand));
        }
        let Some(next) = cand.merged_into.take() else {
            return Ok(None);
        };
        match tx.incident_candidate(&next).await? {
            Some(n) => cand = n,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Adds a mention to an open incident: labels, highest scores, severity (now with the
/// incident's velocity), and the spike check.
async fn join(
    tx: &mut StoreTx,
    settings: &Settings,
    mail: &alerts::MailContext,
    m: &PendingMention,
    c: &Classification,
    joined: &IncidentCandidate,
    now: DateTime<Utc>,
) -> anyhow::Result<Placement> {
    let at = ts(now);
    let seen_at = m.posted_at.clone().unwrap_or_else(|| m.captured_at.clone());
    let hour = Duration::hours(1);
    // The mention being placed is not linked yet: count it by hand.
    let velocity = Velocity {
        last_hour: tx
            .arrivals_between(&joined.id, &ts(now - hour), &ts(now + Duration::seconds(1)))
            .await?
            + 1,
        previous_hour: tx
            .arrivals_between(&joined.id, &ts(now - hour - hour), &ts(now - hour))
            .await?,
    };
    let sev = severity(c, m.author_followers.unwrap_or(0), m.engagement, velocity);
    let mut labels: Vec<Label> = serde_json::from_str(&joined.labels).unwrap_or_default();
    for l in &c.labels {
        if !labels.contains(l) {
            labels.push(*l);
        }
    }
    let mut max: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&joined.max_scores).unwrap_or_default();
    for l in Label::ALL {
        let old = max.get(l.code()).and_then(|v| v.as_f64()).unwrap_or(0.0) as f32;
        let new = old.max(c.scores[l.index()]);
        max.insert(
            l.code().into(),
            serde_json::json!((new * 10000.0).round() / 10000.0),
        );
    }
    let old_sev: Severity = joined.severity.parse().unwrap_or(Severity::Low);
    let new_sev = old_sev.max(sev);
    tx.bump_incident(
        &joined.id,
        &serde_json::to_string(&labels)?,
        &serde_json::Value::Object(max).to_string(),
        new_sev.code(),
        &seen_at,
        &at,
    )
    .await?;
    if new_sev > old_sev {
        let detail = serde_json::json!({
            "from": old_sev, "to": new_sev, "mention_id": m.id, "per_hour": velocity.last_hour,
        });
        tx.add_event(&joined.id, &at, "system", "severity_raised", &detail.to_string())
            .await?;
    }
    check_spike(tx, settings, mail, &joined.id, new_sev, velocity, now).await?;
    Ok(Placement {
        incident_id: joined.id.clone(),
        opened: false,
    })
}

/// Hours either side of the first approved clarification over which its effect is measured.
pub const EFFECT_WINDOW_HOURS: i64 = 6;

/// An incident's mention rate around its first approved clarification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClarificationEffect {
    /// Mentions per hour in the window before.
    pub before_per_hour: f64,
    /// Mentions per hour since, over at most the same window.
    pub after_per_hour: f64,
    /// Hours observed after (less than the window while it is still running).
    pub after_hours_observed: f64,
}

/// Measures [`ClarificationEffect`] for a clarification approved at `at`.
pub async fn clarification_effect(
    store: &crate::store::Store,
    incident_id: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<ClarificationEffect> {
    let window = Duration::hours(EFFECT_WINDOW_HOURS);
    let before = store
        .incident_mentions_between(incident_id, &ts(at - window), &ts(at))
        .await?;
    let end = (at + window).min(now);
    let after = store
        .incident_mentions_between(incident_id, &ts(at), &ts(end))
        .await?;
    let hours = ((end - at).num_seconds() as f64 / 3600.0).max(1.0 / 60.0);
    Ok(ClarificationEffect {
        before_per_hour: before as f64 / EFFECT_WINDOW_HOURS as f64,
        after_per_hour: after as f64 / hours,
        after_hours_observed: hours,
    })
}

/// Window-over-window spike check on a joined incident: raises severity one level and alerts
/// the on-call person again in the incident's thread, at most once an hour.
async fn check_spike(
    tx: &mut StoreTx,
    settings: &Settings,
    mail: &alerts::MailContext,
    id: &str,
    severity: Severity,
    velocity: Velocity,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let hour = Duration::hours(1);
    let (last, before) = (velocity.last_hour, velocity.previous_hour);
    let s = &settings.incidents;
    if last < s.spike_min_per_hour || (last as f64) < s.spike_ratio * (before.max(1) as f64) {
        return Ok(());
    }
    let (last_spike, chain, title, team) = tx.spike_state(id).await?;
    if last_spike
        .as_deref()
        .and_then(parse_ts)
        .is_some_and(|t| now - t < hour)
    {
        return Ok(());
    }
    let raised = match severity {
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        _ => Severity::Critical,
    };
    let at = ts(now);
    tx.record_spike(id, raised.code(), &at).await?;
    let detail = serde_json::json!({ "per_hour": last, "previous_hour": before, "severity": raised });
    tx.add_event(id, &at, "system", "spike", &detail.to_string())
        .await?;
    let chain: Vec<String> = serde_json::from_str(&chain).unwrap_or_default();
    let recipient = match settings.team(&team) {
        Some(t) => alerts::oncall_now(t, now),
        None => chain.first().cloned().unwrap_or_default(),
    };
    if !recipient.is_empty() {
        let m = alerts::spike_mail(id, &title, raised, last, before, &recipient, mail, now)?;
        tx.enqueue_mail(&m, &at).await?;
    }
    Ok(())
}

/// The open incidents a mention may be a near duplicate of, by top label: read once per batch
/// of mentions (one transaction) and extended with the incidents the batch opens. Only what
/// the comparison needs is kept (embedding, sample text and its shingles); the incident itself
/// is read afresh when a mention joins it.
#[derive(Default)]
pub struct NearbyIncidents {
    by_label: std::collections::HashMap<Label, Vec<Fingerprint>>,
}

/// What near-duplicate detection compares a mention with.
struct Fingerprint {
    id: String,
    centroid: Option<Vec<f32>>,
    sample_text: String,
    shingles: std::sync::OnceLock<HashSet<String>>,
}

impl Fingerprint {
    fn shingles(&self) -> &HashSet<String> {
        self.shingles.get_or_init(|| shingles(&self.sample_text))
    }
}

impl NearbyIncidents {
    /// The label's open incidents with a mention since `since` (read on first use).
    async fn for_label(
        &mut self,
        tx: &mut StoreTx,
        label: Label,
        since: &str,
    ) -> anyhow::Result<&[Fingerprint]> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.by_label.entry(label) {
            let loaded = tx
                .open_candidates(label.code(), since)
                .await?
                .into_iter()
                .map(|c| Fingerprint {
                    centroid: c.centroid.as_deref().map(embedding_from_bytes),
                    id: c.id,
                    sample_text: c.sample_text,
                    shingles: Default::default(),
                })
                .collect();
            slot.insert(loaded);
        }
        Ok(&self.by_label[&label])
    }

    /// Records an incident opened in this batch (if its label's incidents were read already;
    /// otherwise the read will find it).
    fn opened(&mut self, label: Label, id: &str, sample_text: &str, embedding: &[f32]) {
        if let Some(list) = self.by_label.get_mut(&label) {
            list.push(Fingerprint {
                id: id.to_string(),
                centroid: Some(embedding.to_vec()),
                sample_text: sample_text.to_string(),
                shingles: Default::default(),
            });
        }
    }
}

/// The id of the most similar near duplicate among `candidates`, if any.
fn nearest(
    candidates: &[Fingerprint],
    m: &PendingMention,
    c: &Classification,
    settings: &Settings,
) -> Option<String> {
    let mut mine: Option<HashSet<String>> = None;
    candidates
        .iter()
        .filter_map(|cand| {
            let cos = cand
                .centroid
                .as_deref()
                .map(|b| cosine(&c.embedding, b))
                .unwrap_or(0.0);
            // Texts sharing half their word triples always embed close; skip the (costlier)
            // shingling for candidates that are far apart.
            let jac = if cand.centroid.is_none() || cos >= JACCARD_MIN_COSINE {
                jaccard(mine.get_or_insert_with(|| shingles(&m.text)), cand.shingles())
            } else {
                0.0
            };
            let near = cos >= settings.incidents.near_duplicate_cosine
                || jac >= settings.incidents.near_duplicate_jaccard;
            near.then_some((cos.max(jac), cand))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, cand)| cand.id.clone())
}

/// A short title: the label's name and the start of the text on one line.
pub fn title_for(label: Label, text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = one_line.chars().take(90).collect();
    if one_line.chars().count() > 90 {
        short.push('…');
    }
    format!("{}: {}", label.name_id(), short)
}

pub use crate::lifecycle::{check_transition, TransitionError};
pub use crate::text::cluster_key;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn jaccard_of_near_copies_is_high() {
        let a = shingles("AWAS!!! Tsunami besar malam ini di Lampung, sebarkan ke keluarga");
        let b = shingles("Fwd: AWAS!!! Tsunami besar malam ini di Lampung, sebarkan ke keluarga 🙏");
        let c = shingles("Harga beras di pasar Way Halim naik lagi minggu ini");
        assert!(jaccard(&a, &b) > 0.7, "{}", jaccard(&a, &b));
        assert!(jaccard(&a, &c) < 0.1);
        assert_eq!(jaccard(&a, &a), 1.0);
    }

    #[test]
    fn routing_takes_the_first_match() {
        let s = Settings::from_parts(None, &HashMap::new()).unwrap();
        assert_eq!(
            route(&s, &[Label::Hoax, Label::Disaster], None, "twitter"),
            "trc-kebencanaan"
        );
        assert_eq!(
            route(&s, &[Label::Scam], None, "whatsapp"),
            "trc-keamanan-penipuan"
        );
        assert_eq!(route(&s, &[Label::Economy], None, "news"), "trc-diskominfotik");
    }

    #[test]
    fn copies_share_a_cluster_key() {
        let a = cluster_key("AWAS!!! Tsunami besar malam ini di Lampung, sebarkan");
        assert_eq!(
            a,
            cluster_key("awas tsunami BESAR malam ini di lampung... sebarkan 🙏")
        );
        assert_ne!(
            a,
            cluster_key("Awas tsunami besar besok malam di Lampung, sebarkan")
        );
    }

    #[test]
    fn velocity_grows_with_rate_and_growth() {
        let v = |last_hour, previous_hour| {
            Velocity {
                last_hour,
                previous_hour,
            }
            .factor()
        };
        assert_eq!(Velocity::FIRST.factor(), 0.0);
        assert!(v(10, 10) > 0.4 && v(10, 10) < 0.6, "{}", v(10, 10));
        assert!(v(10, 1) > v(10, 10), "growth adds");
        assert_eq!(v(500, 0), 1.0);
        assert_eq!(v(3, 0), v(3, 3), "too few to call it growth");
    }

    #[test]
    fn titles_are_short_and_single_line() {
        let t = title_for(Label::Hoax, &format!("a\nb {}", "x".repeat(200)));
        assert!(t.starts_with("Hoaks: a b ") && t.ends_with('…') && !t.contains('\n'));
    }
}
