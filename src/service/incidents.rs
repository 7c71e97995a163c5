//! Operations on incidents: status changes (the API, pages and mail links), triage, merge, split,
//! the playbook and its checklist. Each checks its actor, follows [`crate::lifecycle`] and
//! writes the incident, its timeline and any triage decision in one transaction.

use serde_json::json;

use super::{now, require, Actor, DomainError, Env, Need, Outcome};
use crate::clarifications::Verdict;
use crate::domain::{IncidentStatus, Label};
use crate::lifecycle::check_transition;
use crate::store::{IncidentRow, NewIncident, StoreTx};

/// The stored status of an incident, typed.
fn status_of(code: &str) -> Outcome<IncidentStatus> {
    code.parse()
        .map_err(|e| DomainError::Internal(anyhow::anyhow!("stored incident status: {e}")))
}

/// The incident's status in this transaction, or 404.
async fn current_status(tx: &mut StoreTx, id: &str) -> Outcome<IncidentStatus> {
    let code = tx
        .incident_status(id)
        .await?
        .ok_or(DomainError::NotFound("incident"))?;
    status_of(&code)
}

/// An incident as stored now, or 404.
pub async fn load(env: &Env<'_>, id: &str) -> Outcome<IncidentRow> {
    env.store
        .incident(id)
        .await?
        .ok_or(DomainError::NotFound("incident"))
}

/// A status change asked for by a person.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The state wanted.
    pub to: IncidentStatus,
    /// Why (required to dismiss); at most 2,000 characters are kept.
    pub reason: Option<String>,
}

/// Changes an incident's status along the lifecycle (409 when it forbids the step); acknowledging
/// stamps the time, dismissing keeps the reason as a triage decision for retraining.
pub async fn transition(env: &Env<'_>, actor: &Actor, id: &str, input: Transition) -> Outcome<IncidentRow> {
    require(actor, Need::Respond)?;
    let reason = input
        .reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty());
    let to = input.to;
    if to == IncidentStatus::Dismissed && reason.is_none() {
        return Err(DomainError::field("reason", "say why the incident is dismissed"));
    }
    let mut tx = env.store.begin().await?;
    let from = current_status(&mut tx, id).await?;
    check_transition(from, to).map_err(|e| DomainError::Conflict(e.to_string()))?;
    let (_, at) = now();
    tx.set_incident_status(id, to.code(), &at).await?;
    if to == IncidentStatus::Acknowledged {
        tx.stamp_acknowledged(id, &at).await?;
    }
    if to == IncidentStatus::Dismissed {
        tx.add_feedback(id, "dismissed", reason.as_deref(), &actor.name, &at)
            .await?;
    }
    let detail = json!({ "from": from.code(), "to": to.code(), "reason": reason });
    tx.add_event(id, &at, &actor.name, "status_changed", &detail.to_string())
        .await?;
    tx.commit().await?;
    load(env, id).await
}

/// What acknowledging through a mail link did.
#[derive(Debug)]
pub enum LinkAck {
    /// Acknowledged now; the incident as it is.
    Done(Box<IncidentRow>),
    /// The link was used before.
    LinkUsed,
    /// The incident is past `new` (someone acknowledged it another way); its status.
    AlreadyMoved(IncidentStatus),
}

/// Acknowledges an incident from an alert mail's signed link (checked by the caller), once: the
/// link is spent in the same transaction, so a second click or a replay changes nothing. The
/// recipient named in the link is the actor; the link itself is the credential.
pub async fn acknowledge_by_link(
    env: &Env<'_>,
    link_hash: &str,
    incident_id: &str,
    recipient: &str,
) -> Outcome<LinkAck> {
    let (_, at) = now();
    let mut tx = env.store.begin().await?;
    if !tx.use_link(link_hash, &at).await? {
        return Ok(LinkAck::LinkUsed);
    }
    let from = current_status(&mut tx, incident_id).await?;
    if check_transition(from, IncidentStatus::Acknowledged).is_err() {
        return Ok(LinkAck::AlreadyMoved(from));
    }
    tx.set_incident_status(incident_id, IncidentStatus::Acknowledged.code(), &at)
        .await?;
    tx.stamp_acknowledged(incident_id, &at).await?;
    let detail = json!({ "from": from.code(), "to": "acknowledged", "via": "mail_link" });
    tx.add_event(incident_id, &at, recipient, "status_changed", &detail.to_string())
        .await?;
    tx.commit().await?;
    Ok(LinkAck::Done(Box::new(load(env, incident_id).await?)))
}

/// A triage: any of a verdict, an assignee and corrected labels.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    /// The team's verdict on the claim.
    pub verdict: Option<Verdict>,
    /// Who works on it (1–64 characters).
    pub assignee: Option<String>,
    /// The labels the incident really has (deduplicated here).
    pub labels: Option<Vec<Label>>,
}

/// Sets the verdict, the assignee and/or corrects the labels. A verdict other than
/// `belum_terverifikasi`, and a label correction, are kept as triage decisions for retraining.
pub async fn triage(env: &Env<'_>, actor: &Actor, id: &str, input: Triage) -> Outcome<IncidentRow> {
    require(actor, Need::Respond)?;
    let assignee = input.assignee.map(|a| a.trim().to_string());
    if assignee
        .as_deref()
        .is_some_and(|a| a.is_empty() || a.chars().count() > 64)
    {
        return Err(DomainError::field("assignee", "must be 1–64 characters"));
    }
    let labels = input.labels.map(Label::unique);
    let verdict = input.verdict.map(|v| v.code().to_string());
    if verdict.is_none() && assignee.is_none() && labels.is_none() {
        return Err(DomainError::field(
            "verdict",
            "give a verdict, an assignee and/or labels",
        ));
    }
    let (_, at) = now();
    let mut tx = env.store.begin().await?;
    current_status(&mut tx, id).await?;
    tx.set_triage(id, verdict.as_deref(), assignee.as_deref(), &at)
        .await?;
    if let Some(ls) = &labels {
        let json = serde_json::to_string(ls).map_err(anyhow::Error::from)?;
        tx.set_incident_labels(id, &json).await?;
        let detail = json!({ "labels": ls }).to_string();
        tx.add_event(id, &at, &actor.name, "labels_corrected", &detail)
            .await?;
        tx.add_feedback(id, "corrected", None, &actor.name, &at).await?;
    }
    if let Some(v) = &verdict {
        let detail = json!({ "verdict": v }).to_string();
        tx.add_event(id, &at, &actor.name, "verdict_set", &detail).await?;
        if v != Verdict::BelumTerverifikasi.code() {
            tx.add_feedback(id, "confirmed", Some(v), &actor.name, &at)
                .await?;
        }
    }
    if let Some(a) = &assignee {
        let detail = json!({ "assignee": a }).to_string();
        tx.add_event(id, &at, &actor.name, "assigned", &detail).await?;
    }
    tx.commit().await?;
    load(env, id).await
}

/// Moves every mention of incident `from` into `into` and closes `from` (dismissed, "merged
/// into …"); both timelines record it. Both must be open.
pub async fn merge(env: &Env<'_>, actor: &Actor, into: &str, from: &str) -> Outcome<IncidentRow> {
    require(actor, Need::Respond)?;
    if from == into {
        return Err(DomainError::field("from", "cannot merge an incident into itself"));
    }
    let mut tx = env.store.begin().await?;
    let target = tx
        .incident(into)
        .await?
        .ok_or(DomainError::NotFound("incident"))?;
    let source = tx
        .incident(from)
        .await?
        .ok_or_else(|| DomainError::field("from", "no such incident"))?;
    for i in [&target, &source] {
        if !i.status.is_open() {
            return Err(DomainError::Conflict(format!(
                "incident {} is {}; only open incidents merge",
                i.id,
                i.status.code()
            )));
        }
    }
    let (_, at) = now();
    let moved = tx.move_mentions(&source.id, &target.id, None).await?;
    let parse = |json: &str| serde_json::from_str::<Vec<Label>>(json).unwrap_or_default();
    let labels = Label::unique(parse(&target.labels).into_iter().chain(parse(&source.labels)));
    let labels = serde_json::to_string(&labels).map_err(anyhow::Error::from)?;
    tx.set_incident_labels(&target.id, &labels).await?;
    tx.recount_incident(&target.id, &at).await?;
    tx.recount_incident(&source.id, &at).await?;
    tx.set_incident_status(&source.id, IncidentStatus::Dismissed.code(), &at)
        .await?;
    tx.set_escalation(&source.id, 0, None).await?;
    tx.set_merged_into(&source.id, &target.id).await?;
    let detail = json!({ "into": target.id, "mentions": moved }).to_string();
    tx.add_event(&source.id, &at, &actor.name, "merged_into", &detail)
        .await?;
    let detail = json!({ "from": source.id, "mentions": moved }).to_string();
    tx.add_event(&target.id, &at, &actor.name, "merged_from", &detail)
        .await?;
    tx.commit().await?;
    load(env, into).await
}

/// Moves the named mentions into a new incident with the same labels, team, playbook and status;
/// at least one mention must stay. Answers the new incident.
pub async fn split(env: &Env<'_>, actor: &Actor, id: &str, mention_ids: &[String]) -> Outcome<IncidentRow> {
    require(actor, Need::Respond)?;
    let mut tx = env.store.begin().await?;
    let source = tx.incident(id).await?.ok_or(DomainError::NotFound("incident"))?;
    if mention_ids.is_empty() || mention_ids.len() as i64 >= source.mention_count {
        return Err(DomainError::field(
            "mention_ids",
            "name some, but not all, of the incident's mentions",
        ));
    }
    let (_, at) = now();
    let mut first: Option<(String, Option<Vec<u8>>)> = None;
    for mid in mention_ids {
        match tx.mention_text_embedding(mid).await? {
            Some((text, emb, Some(inc))) if inc == id => {
                first.get_or_insert((text, emb));
            }
            _ => {
                return Err(DomainError::field(
                    "mention_ids",
                    format!("{mid} is not a mention of this incident"),
                ))
            }
        }
    }
    let (text, embedding) = first.expect("at least one mention");
    let top: Label = source.top_label;
    let new_id = format!("inc_{}", uuid::Uuid::now_v7().simple());
    let incident = NewIncident {
        id: new_id.clone(),
        title: crate::incidents::title_for(top, &text),
        severity: source.severity.code().into(),
        top_label: source.top_label.code().into(),
        labels: source.labels.clone(),
        max_scores: source.max_scores.clone(),
        team: source.team.clone(),
        region: source.region.clone(),
        source: source.source.clone(),
        playbook_id: source.playbook_id.clone(),
        playbook_version: source.playbook_version,
        sample_text: text.chars().take(2000).collect(),
        centroid: embedding.unwrap_or_default(),
        first_seen_at: at.clone(),
        opened_at: at.clone(),
        ack_due_at: source.ack_due_at.clone(),
        clarify_due_at: source.clarify_due_at.clone().unwrap_or_else(|| at.clone()),
        escalation_chain: "[]".into(),
        next_escalation_at: None,
        // Later copies of the split-out text join the new incident, unless the text is the
        // cluster of an incident still open (then the split stands alone).
        cluster_key: crate::text::cluster_key(&text),
        mention_count: 0, // recounted below, once the mentions have moved
    };
    if !tx.insert_incident(&incident).await? {
        let alone = NewIncident {
            cluster_key: format!("split:{new_id}"),
            ..incident
        };
        if !tx.insert_incident(&alone).await? {
            return Err(DomainError::Internal(anyhow::anyhow!(
                "split cluster key collided"
            )));
        }
    }
    tx.set_incident_status(&new_id, source.status.code(), &at).await?;
    let moved = tx.move_mentions(id, &new_id, Some(mention_ids)).await?;
    tx.recount_incident(id, &at).await?;
    tx.recount_incident(&new_id, &at).await?;
    let detail = json!({ "into": new_id, "mentions": moved }).to_string();
    tx.add_event(id, &at, &actor.name, "split_into", &detail).await?;
    let detail = json!({ "from": id, "mentions": moved }).to_string();
    tx.add_event(&new_id, &at, &actor.name, "split_from", &detail)
        .await?;
    tx.commit().await?;
    load(env, &new_id).await
}

/// Switches the incident's playbook (recorded with its version on the timeline).
pub async fn switch_playbook(
    env: &Env<'_>,
    actor: &Actor,
    id: &str,
    playbook: &str,
) -> Outcome<crate::playbooks::Playbook> {
    require(actor, Need::Respond)?;
    let pb = env
        .playbooks
        .get(playbook)
        .ok_or_else(|| DomainError::field("playbook", format!("no playbook {playbook:?}")))?;
    let (_, at) = now();
    let mut tx = env.store.begin().await?;
    let incident = tx.incident(id).await?.ok_or(DomainError::NotFound("incident"))?;
    tx.set_incident_playbook(&incident.id, &pb.id, pb.version, &at)
        .await?;
    let detail = json!({ "from": incident.playbook_id, "to": format!("{}@{}", pb.id, pb.version) });
    tx.add_event(
        &incident.id,
        &at,
        &actor.name,
        "playbook_switched",
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(pb.clone())
}

/// Checklist progress after a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// Marks a step of the incident's SOP checklist done or not done (who and when are kept).
pub async fn mark_step(env: &Env<'_>, actor: &Actor, id: &str, step: i64, done: bool) -> Outcome<Progress> {
    require(actor, Need::Respond)?;
    let incident = load(env, id).await?;
    let pb_id = incident
        .playbook_id
        .clone()
        .ok_or_else(|| DomainError::Conflict("the incident has no playbook".into()))?;
    let pb = env
        .playbooks
        .get(&pb_id)
        .ok_or_else(|| DomainError::Conflict("playbook not loaded".into()))?;
    if step < 1 || step as usize > pb.steps.len() {
        return Err(DomainError::field(
            "step",
            format!("must be 1..={}", pb.steps.len()),
        ));
    }
    let (_, at) = now();
    let mut tx = env.store.begin().await?;
    let by = done.then_some((actor.name.as_str(), at.as_str()));
    tx.set_checklist(&incident.id, &pb_id, step, by).await?;
    let kind = if done {
        "checklist_step_done"
    } else {
        "checklist_step_undone"
    };
    let detail = json!({ "playbook": pb_id, "step": step }).to_string();
    tx.add_event(&incident.id, &at, &actor.name, kind, &detail)
        .await?;
    tx.commit().await?;
    let marks = env.store.checklist(&incident.id).await?;
    Ok(Progress {
        done: marks.iter().filter(|m| m.playbook_id == pb_id).count(),
        total: pb.steps.len(),
    })
}
