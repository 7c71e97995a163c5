//! The clarification flow: draft from a playbook template → edit → submit → approve or return
//! (admins who wrote none of the text) → frozen; copies logged. Each step writes the
//! clarification, its history, the incident's timeline and the incident's status (through
//! [`crate::lifecycle::follow_clarification`]) in one transaction.

use std::collections::BTreeMap;

use serde_json::json;

use super::{now, require, Actor, DomainError, Env, FieldError, Need, Outcome};
use crate::clarifications::{self as cl, Action, FlowError, Status, Verdict};
use crate::domain::IncidentStatus;
use crate::store::{ClarificationRow, IncidentRow, StoreTx};

/// Moves the incident along with its clarification, unless it is already further or closed.
async fn follow(tx: &mut StoreTx, incident: &IncidentRow, to: IncidentStatus, at: &str) -> Outcome<()> {
    let from = incident.status;
    if let Some(next) = crate::lifecycle::follow_clarification(from, to) {
        tx.set_incident_status(&incident.id, next.code(), at).await?;
    }
    Ok(())
}

fn flow_error(e: FlowError) -> DomainError {
    match e {
        FlowError::IllegalTransition { .. } => DomainError::Conflict(e.to_string()),
        FlowError::NotAdmin | FlowError::OwnDraft => DomainError::ForbiddenBecause(e.to_string()),
    }
}

/// Who published a known claim's debunk: the feed it came from, else the office itself.
pub fn fact_check_source(k: &crate::claims::KnownClaim) -> String {
    match k.origin.strip_prefix("feed:") {
        Some(feed) => feed.to_string(),
        None => "hasil klarifikasi".to_string(),
    }
}

/// A new draft.
#[derive(Debug, Clone)]
pub struct NewDraft {
    /// The template's channel (`twitter`, `whatsapp`, …).
    pub channel: String,
    /// The template's language (default `id`).
    pub lang: Option<String>,
    /// The verdict, if known yet.
    pub verdict: Option<Verdict>,
    /// Values for the template's variables.
    pub variables: BTreeMap<String, String>,
}

/// Drafts a clarification from the incident's playbook template, with the claim, the date, the
/// organisation and the matched fact-check filled in.
pub async fn create_draft(
    env: &Env<'_>,
    actor: &Actor,
    incident_id: &str,
    input: NewDraft,
) -> Outcome<ClarificationRow> {
    require(actor, Need::Respond)?;
    let incident = super::incidents::load(env, incident_id).await?;
    let playbook_id = incident
        .playbook_id
        .clone()
        .ok_or_else(|| DomainError::Conflict("the incident has no playbook; attach one first".into()))?;
    let playbook = env
        .playbooks
        .get(&playbook_id)
        .ok_or_else(|| DomainError::Conflict(format!("playbook {playbook_id:?} is no longer loaded")))?;
    let lang = input.lang.unwrap_or_else(|| "id".into());
    let template = playbook
        .templates
        .iter()
        .find(|t| t.channel == input.channel && t.lang == lang)
        .ok_or_else(|| {
            let have: Vec<String> = playbook
                .templates
                .iter()
                .map(|t| format!("{}/{}", t.channel, t.lang))
                .collect();
            DomainError::field(
                "channel",
                format!(
                    "playbook {} has no {}/{lang} template; it has {}",
                    playbook.id,
                    input.channel,
                    have.join(", ")
                ),
            )
        })?;
    let (now, at) = now();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    let claim: String = incident
        .sample_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    values.insert("klaim".into(), claim.chars().take(120).collect());
    values.insert("tanggal".into(), cl::tanggal(now));
    values.insert("instansi".into(), env.settings.organisation.name.clone());
    // The fact-check the incident's mentions matched: its link and publisher, ready to cite.
    if let Some(k) = env
        .store
        .claims_of_incident(&incident.id)
        .await?
        .into_iter()
        .find(|k| k.url.is_some())
    {
        values.insert("tautan".into(), k.url.clone().unwrap_or_default());
        values.insert("sumber".into(), fact_check_source(&k));
    }
    values.extend(cl::clean_values(input.variables));
    let (title, body) = cl::render(template, &values);
    let row = ClarificationRow {
        id: format!("cl_{}", uuid::Uuid::now_v7().simple()),
        incident_id: incident.id.clone(),
        playbook_id: playbook.id.clone(),
        playbook_version: playbook.version,
        channel: template.channel.clone(),
        lang: template.lang.clone(),
        verdict: input.verdict.map(|v| v.code().to_string()),
        status: Status::Draft.code().into(),
        title,
        body,
        variables: serde_json::to_string(&values).map_err(anyhow::Error::from)?,
        author: actor.name.clone(),
        revision: 1,
        return_comment: None,
        created_at: at.clone(),
        updated_at: at.clone(),
        submitted_at: None,
        approved_by: None,
        approved_at: None,
    };
    let mut tx = env.store.begin().await?;
    // The incident as the transaction sees it (another draft may have moved it meanwhile).
    let incident = tx
        .incident(&incident.id)
        .await?
        .ok_or(DomainError::NotFound("incident"))?;
    tx.insert_clarification(&row).await?;
    let detail = json!({"channel": row.channel}).to_string();
    tx.add_clarification_event(&row.id, &at, &actor.name, "drafted", 1, &detail)
        .await?;
    let detail = json!({ "clarification_id": row.id, "channel": row.channel }).to_string();
    tx.add_event(&incident.id, &at, &actor.name, "clarification_drafted", &detail)
        .await?;
    follow(&mut tx, &incident, IncidentStatus::Drafting, &at).await?;
    tx.commit().await?;
    Ok(row)
}

/// An edit of a draft or a returned clarification.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// New title, as written.
    pub title: Option<String>,
    /// New body, as written.
    pub body: Option<String>,
    /// New verdict.
    pub verdict: Option<Verdict>,
    /// New values for the template's variables.
    pub variables: BTreeMap<String, String>,
}

/// Edits a draft or a returned clarification: new values alone render the template again;
/// hand-written text is kept, its remaining placeholders filled. 409 once submitted or approved.
pub async fn edit(env: &Env<'_>, actor: &Actor, id: &str, input: Edit) -> Outcome<ClarificationRow> {
    require(actor, Need::Respond)?;
    for (name, v) in [("title", &input.title), ("body", &input.body)] {
        if v.as_ref().is_some_and(|t| t.chars().count() > 20_000) {
            return Err(DomainError::field(name, "at most 20000 characters"));
        }
    }
    let mut tx = env.store.begin().await?;
    let mut c = tx
        .clarification(id)
        .await?
        .ok_or(DomainError::NotFound("clarification"))?;
    let status = Status::parse(&c.status).unwrap_or(Status::Approved);
    if !status.editable() {
        return Err(DomainError::Conflict(format!(
            "a {} clarification is frozen; draft a new one",
            c.status
        )));
    }
    let mut values: BTreeMap<String, String> = serde_json::from_str(&c.variables).unwrap_or_default();
    let new_values = cl::clean_values(input.variables);
    values.extend(new_values.clone());
    let template = env.playbooks.get(&c.playbook_id).and_then(|p| {
        p.templates
            .iter()
            .find(|t| t.channel == c.channel && t.lang == c.lang)
    });
    match (input.title, input.body, template) {
        // Only new values: render the template again with them.
        (None, None, Some(t)) if !new_values.is_empty() => (c.title, c.body) = cl::render(t, &values),
        // Hand-edited text is kept as written; values fill what placeholders remain.
        (title, body, _) => {
            c.title = cl::fill(&title.unwrap_or(c.title), &values);
            c.body = cl::fill(&body.unwrap_or(c.body), &values);
        }
    }
    if let Some(v) = input.verdict {
        c.verdict = Some(v.code().to_string());
    }
    c.variables = serde_json::to_string(&values).map_err(anyhow::Error::from)?;
    c.revision += 1;
    let (_, at) = now();
    c.updated_at = at.clone();
    tx.update_clarification(&c).await?;
    let detail = json!({"variables": new_values.keys().collect::<Vec<_>>()}).to_string();
    tx.add_clarification_event(&c.id, &at, &actor.name, "edited", c.revision, &detail)
        .await?;
    tx.commit().await?;
    Ok(c)
}

/// What stops a clarification from being submitted, per field.
fn submit_problems(c: &ClarificationRow) -> Vec<FieldError> {
    let checks = cl::check(&c.channel, &c.title, &c.body);
    let problem = |field: &str, message: String| FieldError {
        index: None,
        field: field.into(),
        message,
    };
    let mut errors = Vec::new();
    if !checks.unfilled.is_empty() {
        let names: Vec<String> = checks.unfilled.iter().map(|v| format!("{{{{{v}}}}}")).collect();
        errors.push(problem(
            "variables",
            format!("fill {} before submitting", names.join(", ")),
        ));
    }
    if checks.too_long {
        errors.push(problem(
            "body",
            format!(
                "{} characters; {} allows {}",
                checks.length,
                c.channel,
                checks.limit.unwrap_or(0)
            ),
        ));
    }
    if c.verdict.is_none() {
        errors.push(problem("verdict", "choose a verdict before submitting".into()));
    }
    errors
}

/// Submits, approves or returns a clarification. Nobody who wrote any of its text (the author or
/// any editor) approves or returns it; a return needs a comment; approval freezes the text,
/// stamps the incident clarified and registers the claim as known, linking this clarification.
pub async fn act(
    env: &Env<'_>,
    actor: &Actor,
    id: &str,
    action: Action,
    comment: Option<String>,
) -> Outcome<ClarificationRow> {
    require(actor, Need::Respond)?;
    let mut tx = env.store.begin().await?;
    let mut c = tx
        .clarification(id)
        .await?
        .ok_or(DomainError::NotFound("clarification"))?;
    let status = Status::parse(&c.status)
        .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("stored status {:?}", c.status)))?;
    if action == Action::Submit && status.editable() {
        let errors = submit_problems(&c);
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
    }
    // Four eyes: whoever wrote any of the text (the author or any editor) neither approves nor
    // returns it.
    let wrote = cl::wrote(&actor.name, &c.author, &tx.clarification_writers(&c.id).await?);
    let next = cl::transition(status, action, actor.is_admin(), wrote).map_err(flow_error)?;
    let (_, at) = now();
    let incident = tx
        .incident(&c.incident_id)
        .await?
        .ok_or(DomainError::NotFound("incident"))?;
    let (kind, incident_to) = match action {
        Action::Submit => {
            c.submitted_at = Some(at.clone());
            c.return_comment = None;
            ("submitted", IncidentStatus::AwaitingApproval)
        }
        Action::Return => {
            let comment = comment
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| DomainError::field("comment", "say what to change"))?;
            c.return_comment = Some(comment);
            ("returned", IncidentStatus::Drafting)
        }
        Action::Approve => {
            c.approved_by = Some(actor.name.clone());
            c.approved_at = Some(at.clone());
            ("approved", IncidentStatus::Clarified)
        }
    };
    c.status = next.code().into();
    c.updated_at = at.clone();
    tx.update_clarification(&c).await?;
    let text_sha256 = crate::text::sha256_hex(cl::full_text(&c.title, &c.body).as_bytes());
    let detail = json!({ "comment": c.return_comment, "text_sha256": text_sha256 }).to_string();
    tx.add_clarification_event(&c.id, &at, &actor.name, kind, c.revision, &detail)
        .await?;
    let detail = json!({ "clarification_id": c.id, "channel": c.channel, "comment": c.return_comment });
    let event = format!("clarification_{kind}");
    tx.add_event(&c.incident_id, &at, &actor.name, &event, &detail.to_string())
        .await?;
    follow(&mut tx, &incident, incident_to, &at).await?;
    if action == Action::Approve {
        tx.stamp_clarified(&c.incident_id, &at).await?;
        let values: BTreeMap<String, String> = serde_json::from_str(&c.variables).unwrap_or_default();
        let claim = values
            .get("klaim")
            .cloned()
            .unwrap_or_else(|| incident.sample_text.chars().take(300).collect());
        let summary = values
            .get("fakta")
            .cloned()
            .unwrap_or_else(|| c.body.chars().take(500).collect());
        let url = format!("{}/api/v1/clarifications/{}", env.base_url, c.id);
        tx.insert_known_claim(
            &format!("kc_{}", uuid::Uuid::now_v7().simple()),
            &claim,
            c.verdict.as_deref().unwrap_or(Verdict::Hoaks.code()),
            &summary,
            Some(&url),
            &c.incident_id,
            &c.id,
            &at,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// A logged copy of an approved clarification.
#[derive(Debug, Clone)]
pub struct Copy {
    /// The clarification.
    pub id: String,
    /// Where it is going.
    pub channel: String,
    /// The text to paste.
    pub text: String,
    /// When.
    pub copied_at: String,
}

/// Logs that someone copied an approved clarification (to its own channel unless another is
/// named) and gives them the text. 409 unless approved.
pub async fn copy(env: &Env<'_>, actor: &Actor, id: &str, channel: Option<String>) -> Outcome<Copy> {
    require(actor, Need::Read)?;
    let mut tx = env.store.begin().await?;
    let c = tx
        .clarification(id)
        .await?
        .ok_or(DomainError::NotFound("clarification"))?;
    if c.status != Status::Approved.code() {
        return Err(DomainError::Conflict(
            "only approved clarifications can be copied".into(),
        ));
    }
    let channel = channel.unwrap_or_else(|| c.channel.clone());
    if channel.chars().count() > 64 {
        return Err(DomainError::field("channel", "at most 64 characters"));
    }
    let (_, at) = now();
    tx.log_copy(id, &actor.name, &channel, &at).await?;
    tx.commit().await?;
    Ok(Copy {
        id: id.to_string(),
        channel,
        text: cl::full_text(&c.title, &c.body),
        copied_at: at,
    })
}
