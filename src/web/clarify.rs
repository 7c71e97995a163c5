//! Playbooks on incidents (switching, checklist) and the clarification flow: draft from a
//! template → submit → approve or return (admins, never their own) → frozen → library, copy
//! log, ClaimReview. Every step goes on the incident's timeline and the clarification's audit.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::{views, AppState};
use crate::auth::{Caller, Reader, Responder};
use crate::clarifications::{self as cl, Action, FlowError, Status, Verdict};
use crate::error::{AppError, AppJson, AppQuery, AppResult, FieldError};
use crate::store::{ts, ClarificationFilter, ClarificationRow, IncidentRow, StoreTx};

fn field(field: &str, message: impl Into<String>) -> AppError {
    AppError::field(field, message)
}

fn flow_error(e: FlowError) -> AppError {
    match e {
        FlowError::IllegalTransition { .. } => AppError::Conflict(e.to_string()),
        FlowError::NotAdmin | FlowError::OwnDraft => AppError::ForbiddenBecause(e.to_string()),
    }
}

async fn incident_or_404(state: &AppState, id: &str) -> AppResult<IncidentRow> {
    super::api::load_incident(state, id).await
}

/// Parses an optional verdict, naming the field when it is unknown.
pub(crate) fn parse_verdict(v: Option<&str>) -> AppResult<Option<Verdict>> {
    v.map(|v| {
        Verdict::parse(v).ok_or_else(|| {
            let all: Vec<&str> = Verdict::ALL.iter().map(|v| v.code()).collect();
            field("verdict", format!("must be one of {}", all.join(", ")))
        })
    })
    .transpose()
}

/// Moves the incident along with its clarification, unless it is already further or closed.
async fn move_incident(tx: &mut StoreTx, incident: &IncidentRow, to: &str, at: &str) -> anyhow::Result<()> {
    let order = [
        "new",
        "acknowledged",
        "investigating",
        "drafting",
        "awaiting_approval",
        "clarified",
    ];
    let pos = |s: &str| order.iter().position(|x| *x == s);
    let back_to_drafting = to == "drafting" && incident.status == "awaiting_approval";
    if let (Some(from), Some(target)) = (pos(&incident.status), pos(to)) {
        if target > from || back_to_drafting {
            tx.set_incident_status(&incident.id, to, at).await?;
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewDraft {
    channel: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Verdict>)]
    verdict: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[utoipa::path(
    post, path = "/api/v1/incidents/{id}/clarifications", tag = "clarifications", params(("id" = String, Path, description = "Incident id")), request_body = NewDraft, responses((status = 201, description = "A draft from the playbook's template", body = views::Clarification))
)]
pub(super) async fn create_draft(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(incident_id): Path<String>,
    AppJson(req): AppJson<NewDraft>,
) -> AppResult<Response> {
    let incident = incident_or_404(&state, &incident_id).await?;
    let verdict = parse_verdict(req.verdict.as_deref())?;
    let playbook_id = incident
        .playbook_id
        .clone()
        .ok_or_else(|| AppError::Conflict("the incident has no playbook; attach one first".into()))?;
    let playbook = state
        .playbooks
        .get(&playbook_id)
        .ok_or_else(|| AppError::Conflict(format!("playbook {playbook_id:?} is no longer loaded")))?;
    let lang = req.lang.unwrap_or_else(|| "id".into());
    let template = playbook
        .templates
        .iter()
        .find(|t| t.channel == req.channel && t.lang == lang)
        .ok_or_else(|| {
            let have: Vec<String> = playbook
                .templates
                .iter()
                .map(|t| format!("{}/{}", t.channel, t.lang))
                .collect();
            field(
                "channel",
                format!(
                    "playbook {} has no {}/{lang} template; it has {}",
                    playbook.id,
                    req.channel,
                    have.join(", ")
                ),
            )
        })?;
    let now = Utc::now();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    let claim: String = incident
        .sample_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let claim: String = claim.chars().take(120).collect();
    values.insert("klaim".into(), claim);
    values.insert("tanggal".into(), cl::tanggal(now));
    values.insert("instansi".into(), state.settings.organisation.name.clone());
    // The fact-check the incident's mentions matched: its link and publisher, ready to cite.
    if let Some(k) = state
        .store
        .claims_of_incident(&incident.id)
        .await?
        .into_iter()
        .find(|k| k.url.is_some())
    {
        values.insert("tautan".into(), k.url.clone().unwrap_or_default());
        values.insert("sumber".into(), fact_check_source(&k));
    }
    values.extend(cl::clean_values(req.variables));
    let (title, body) = cl::render(template, &values);
    let at = ts(now);
    let row = ClarificationRow {
        id: format!("cl_{}", uuid::Uuid::now_v7().simple()),
        incident_id: incident.id.clone(),
        playbook_id: playbook.id.clone(),
        playbook_version: playbook.version,
        channel: template.channel.clone(),
        lang: template.lang.clone(),
        verdict: verdict.map(|v| v.code().to_string()),
        status: Status::Draft.code().into(),
        title,
        body,
        variables: serde_json::to_string(&values).map_err(anyhow::Error::from)?,
        author: caller.name.clone(),
        revision: 1,
        return_comment: None,
        created_at: at.clone(),
        updated_at: at.clone(),
        submitted_at: None,
        approved_by: None,
        approved_at: None,
    };
    let mut tx = state.store.begin().await?;
    tx.insert_clarification(&row).await?;
    tx.add_clarification_event(
        &row.id,
        &at,
        &caller.name,
        "drafted",
        1,
        &json!({"channel": row.channel}).to_string(),
    )
    .await?;
    let detail = json!({ "clarification_id": row.id, "channel": row.channel });
    tx.add_event(
        &incident.id,
        &at,
        &caller.name,
        "clarification_drafted",
        &detail.to_string(),
    )
    .await?;
    move_incident(&mut tx, &incident, "drafting", &at).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(views::Clarification::from(&row))).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/clarifications/{id}", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), responses((status = 200, description = "The clarification with its history and copies", body = views::ClarificationDetail))
)]
pub(super) async fn get_clarification(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<views::ClarificationDetail>> {
    let c = state
        .store
        .clarification(&id)
        .await?
        .ok_or(AppError::NotFound("clarification"))?;
    let events = state.store.clarification_events(&id).await?;
    Ok(Json(views::ClarificationDetail {
        clarification: views::Clarification::from(&c),
        audit: events.iter().map(views::ClarificationEvent::from).collect(),
        copies: state.store.copies(&id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LibraryParams {
    #[param(value_type = Option<String>, pattern = "^(draft|submitted|returned|approved)?$")]
    status: Option<String>,
    channel: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(hoaks|disinformasi|misinformasi|salah|penipuan|fakta|belum_terverifikasi)?$")]
    verdict: Option<String>,
    incident: Option<String>,
    q: Option<String>,
    /// Page size, 1–200 (default 50; values outside are clamped).
    limit: Option<i64>,
    /// Clarifications to skip (negative counts as 0).
    offset: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/clarifications", tag = "clarifications", params(LibraryParams), responses((status = 200, description = "Clarifications, newest first", body = views::ClarificationList))
)]
pub(super) async fn list_clarifications(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(p): AppQuery<LibraryParams>,
) -> AppResult<Json<views::ClarificationList>> {
    if let Some(s) = p.status.as_deref().filter(|s| !s.is_empty()) {
        Status::parse(s).ok_or_else(|| field("status", "must be draft, submitted, returned or approved"))?;
    }
    if let Some(v) = p.verdict.as_deref().filter(|s| !s.is_empty()) {
        parse_verdict(Some(v))?;
    }
    let filter = ClarificationFilter {
        status: p.status.filter(|s| !s.is_empty()),
        channel: p.channel.filter(|s| !s.is_empty()),
        verdict: p.verdict.filter(|s| !s.is_empty()),
        incident_id: p.incident.filter(|s| !s.is_empty()),
        q: p.q.filter(|s| !s.trim().is_empty()),
        limit: p.limit.unwrap_or(50).clamp(1, 200),
        offset: p.offset.unwrap_or(0).max(0),
    };
    let rows = state.store.clarifications(&filter).await?;
    Ok(Json(views::ClarificationList {
        clarifications: rows.iter().map(views::Clarification::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Edit {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Verdict>)]
    verdict: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[utoipa::path(
    patch, path = "/api/v1/clarifications/{id}", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), request_body = Edit, responses((status = 200, description = "Edited (drafts and returned ones only)", body = views::Clarification))
)]
pub(super) async fn edit_clarification(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    AppJson(req): AppJson<Edit>,
) -> AppResult<Json<views::Clarification>> {
    let verdict = parse_verdict(req.verdict.as_deref())?;
    for (name, v) in [("title", &req.title), ("body", &req.body)] {
        if v.as_ref().is_some_and(|t| t.chars().count() > 20_000) {
            return Err(field(name, "at most 20000 characters"));
        }
    }
    let mut tx = state.store.begin().await?;
    let mut c = tx
        .clarification(&id)
        .await?
        .ok_or(AppError::NotFound("clarification"))?;
    let status = Status::parse(&c.status).unwrap_or(Status::Approved);
    if !status.editable() {
        return Err(AppError::Conflict(format!(
            "a {} clarification is frozen; draft a new one",
            c.status
        )));
    }
    let mut values: BTreeMap<String, String> = serde_json::from_str(&c.variables).unwrap_or_default();
    let new_values = cl::clean_values(req.variables);
    values.extend(new_values.clone());
    let template = state.playbooks.get(&c.playbook_id).and_then(|p| {
        p.templates
            .iter()
            .find(|t| t.channel == c.channel && t.lang == c.lang)
    });
    match (req.title, req.body, template) {
        // Only new values: render the template again with them.
        (None, None, Some(t)) if !new_values.is_empty() => (c.title, c.body) = cl::render(t, &values),
        // Hand-edited text is kept as written; values fill what placeholders remain.
        (title, body, _) => {
            c.title = cl::fill(&title.unwrap_or(c.title), &values);
            c.body = cl::fill(&body.unwrap_or(c.body), &values);
        }
    }
    if let Some(v) = verdict {
        c.verdict = Some(v.code().to_string());
    }
    c.variables = serde_json::to_string(&values).map_err(anyhow::Error::from)?;
    c.revision += 1;
    let at = ts(Utc::now());
    c.updated_at = at.clone();
    tx.update_clarification(&c).await?;
    tx.add_clarification_event(
        &c.id,
        &at,
        &caller.name,
        "edited",
        c.revision,
        &json!({"variables": new_values.keys().collect::<Vec<_>>()}).to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(views::Clarification::from(&c)))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnReq {
    #[serde(default)]
    comment: Option<String>,
}

async fn act(
    state: &AppState,
    caller: &Caller,
    id: &str,
    action: Action,
    comment: Option<String>,
) -> AppResult<views::Clarification> {
    let mut tx = state.store.begin().await?;
    let mut c = tx
        .clarification(id)
        .await?
        .ok_or(AppError::NotFound("clarification"))?;
    let status = Status::parse(&c.status).ok_or_else(|| anyhow::anyhow!("stored status {:?}", c.status))?;
    if action == Action::Submit {
        let checks = cl::check(&c.channel, &c.title, &c.body);
        let mut errors = Vec::new();
        if !checks.unfilled.is_empty() {
            errors.push(FieldError {
                index: None,
                field: "variables".into(),
                message: format!(
                    "fill {} before submitting",
                    checks
                        .unfilled
                        .iter()
                        .map(|v| format!("{{{{{v}}}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if checks.too_long {
            errors.push(FieldError {
                index: None,
                field: "body".into(),
                message: format!(
                    "{} characters; {} allows {}",
                    checks.length,
                    c.channel,
                    checks.limit.unwrap_or(0)
                ),
            });
        }
        if c.verdict.is_none() {
            errors.push(FieldError {
                index: None,
                field: "verdict".into(),
                message: "choose a verdict before submitting".into(),
            });
        }
        if status.editable() && !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
    }
    // Four eyes: whoever wrote any of the text (the author or any editor) neither approves nor
    // returns it.
    let wrote = cl::wrote(&caller.name, &c.author, &tx.clarification_writers(&c.id).await?);
    let next = cl::transition(status, action, caller.is_admin(), wrote).map_err(flow_error)?;
    let at = ts(Utc::now());
    let incident = state
        .store
        .incident(&c.incident_id)
        .await?
        .ok_or(AppError::NotFound("incident"))?;
    let (kind, incident_to) = match action {
        Action::Submit => {
            c.submitted_at = Some(at.clone());
            c.return_comment = None;
            ("submitted", "awaiting_approval")
        }
        Action::Return => {
            let comment = comment
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| field("comment", "say what to change"))?;
            c.return_comment = Some(comment);
            ("returned", "drafting")
        }
        Action::Approve => {
            c.approved_by = Some(caller.name.clone());
            c.approved_at = Some(at.clone());
            ("approved", "clarified")
        }
    };
    c.status = next.code().into();
    c.updated_at = at.clone();
    tx.update_clarification(&c).await?;
    let detail = json!({ "comment": c.return_comment, "text_sha256": crate::ingest::sha256_hex(cl::full_text(&c.title, &c.body).as_bytes()) });
    tx.add_clarification_event(&c.id, &at, &caller.name, kind, c.revision, &detail.to_string())
        .await?;
    let tl = json!({ "clarification_id": c.id, "channel": c.channel, "comment": c.return_comment });
    tx.add_event(
        &c.incident_id,
        &at,
        &caller.name,
        &format!("clarification_{kind}"),
        &tl.to_string(),
    )
    .await?;
    move_incident(&mut tx, &incident, incident_to, &at).await?;
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
        let url = format!("{}/api/v1/clarifications/{}", state.base_url, c.id);
        tx.insert_known_claim(
            &format!("kc_{}", uuid::Uuid::now_v7().simple()),
            &claim,
            c.verdict.as_deref().unwrap_or("hoaks"),
            &summary,
            Some(&url),
            &c.incident_id,
            &c.id,
            &at,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(views::Clarification::from(&c))
}

#[utoipa::path(
    post, path = "/api/v1/clarifications/{id}/submit", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), responses((status = 200, description = "Submitted for approval", body = views::Clarification))
)]
pub(super) async fn submit(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
) -> AppResult<Json<views::Clarification>> {
    Ok(Json(act(&state, &caller, &id, Action::Submit, None).await?))
}

#[utoipa::path(
    post, path = "/api/v1/clarifications/{id}/approve", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), responses((status = 200, description = "Approved and frozen (admins who wrote none of it)", body = views::Clarification))
)]
pub(super) async fn approve(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
) -> AppResult<Json<views::Clarification>> {
    Ok(Json(act(&state, &caller, &id, Action::Approve, None).await?))
}

#[utoipa::path(
    post, path = "/api/v1/clarifications/{id}/return", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), request_body = ReturnReq, responses((status = 200, description = "Returned to its writers with a comment", body = views::Clarification))
)]
pub(super) async fn send_back(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    AppJson(req): AppJson<ReturnReq>,
) -> AppResult<Json<views::Clarification>> {
    Ok(Json(
        act(&state, &caller, &id, Action::Return, req.comment).await?,
    ))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CopyReq {
    #[serde(default)]
    #[schema(max_length = 64)]
    channel: Option<String>,
}

/// Logs that someone copied an approved reply and gives them the text.
#[utoipa::path(
    post, path = "/api/v1/clarifications/{id}/copies", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), request_body(content = Option<CopyReq>, description = "Optional; the channel defaults to the clarification's"), responses((status = 200, description = "The text to paste; the copy is logged", body = views::Copied))
)]
pub(super) async fn copy(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Json<views::Copied>> {
    // No body, or `null`, copies to the clarification's own channel.
    let req: CopyReq = if body.iter().all(u8::is_ascii_whitespace) {
        CopyReq::default()
    } else {
        let bad = |m: String| AppError::bad_request("invalid_json", m);
        match serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| bad(e.to_string()))? {
            serde_json::Value::Null => CopyReq::default(),
            v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(|e| bad(e.to_string()))?,
            _ => return Err(bad("the body must be a JSON object".into())),
        }
    };
    let mut tx = state.store.begin().await?;
    let c = tx
        .clarification(&id)
        .await?
        .ok_or(AppError::NotFound("clarification"))?;
    if c.status != "approved" {
        return Err(AppError::Conflict(
            "only approved clarifications can be copied".into(),
        ));
    }
    let channel = req.channel.unwrap_or_else(|| c.channel.clone());
    if channel.chars().count() > 64 {
        return Err(field("channel", "at most 64 characters"));
    }
    let at = ts(Utc::now());
    tx.log_copy(&id, &caller.name, &channel, &at).await?;
    tx.commit().await?;
    Ok(Json(views::Copied {
        id,
        channel,
        text: cl::full_text(&c.title, &c.body),
        copied_at: at,
    }))
}

/// schema.org ClaimReview JSON-LD of an approved clarification.
#[utoipa::path(
    get, path = "/api/v1/clarifications/{id}/claimreview", tag = "clarifications", params(("id" = String, Path, description = "Clarification id")), responses((status = 200, description = "schema.org ClaimReview of an approved clarification", body = Object, content_type = "application/ld+json"), (status = 409, description = "The clarification is not approved", body = crate::error::ErrorBody))
)]
pub(super) async fn claim_review(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let c = state
        .store
        .clarification(&id)
        .await?
        .ok_or(AppError::NotFound("clarification"))?;
    if c.status != "approved" {
        return Err(AppError::Conflict(
            "ClaimReview exists only for approved clarifications".into(),
        ));
    }
    let incident = incident_or_404(&state, &c.incident_id).await?;
    let mentions = state.store.incident_mentions(&c.incident_id, 20).await?;
    let values: BTreeMap<String, String> = serde_json::from_str(&c.variables).unwrap_or_default();
    let claim = values
        .get("klaim")
        .cloned()
        .unwrap_or_else(|| incident.sample_text.chars().take(300).collect());
    let verdict = parse_verdict(c.verdict.as_deref())?.unwrap_or(Verdict::Hoaks);
    let url = format!("{}/api/v1/clarifications/{}", state.base_url, c.id);
    let approved_at = c.approved_at.clone().unwrap_or_default();
    let facts = cl::ReviewFacts {
        url: &url,
        claim: &claim,
        verdict,
        organisation: &state.settings.organisation.name,
        organisation_url: &state.settings.organisation.url,
        approved_at: &approved_at,
        appearances: mentions.iter().filter_map(|m| m.url.clone()).collect(),
        first_seen_at: &incident.first_seen_at,
        headline: &c.title,
    };
    let body = serde_json::to_string_pretty(&cl::claim_review(&facts)).map_err(anyhow::Error::from)?;
    Ok(([(header::CONTENT_TYPE, "application/ld+json")], body).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlaybookSwitch {
    playbook: String,
}

#[utoipa::path(
    put, path = "/api/v1/incidents/{id}/playbook", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = PlaybookSwitch, responses((status = 200, description = "The incident uses this playbook now", body = views::PlaybookSwitched))
)]
pub(super) async fn switch_playbook(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(incident_id): Path<String>,
    AppJson(req): AppJson<PlaybookSwitch>,
) -> AppResult<Json<views::PlaybookSwitched>> {
    let incident = incident_or_404(&state, &incident_id).await?;
    let pb = state
        .playbooks
        .get(&req.playbook)
        .ok_or_else(|| field("playbook", format!("no playbook {:?}", req.playbook)))?;
    let at = ts(Utc::now());
    let mut tx = state.store.begin().await?;
    tx.set_incident_playbook(&incident.id, &pb.id, pb.version, &at)
        .await?;
    let detail = json!({ "from": incident.playbook_id, "to": format!("{}@{}", pb.id, pb.version) });
    tx.add_event(
        &incident.id,
        &at,
        &caller.name,
        "playbook_switched",
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(views::PlaybookSwitched {
        incident_id: incident.id,
        playbook: views::PlaybookRef {
            id: pb.id.clone(),
            version: pb.version,
        },
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Mark {
    done: bool,
}

#[utoipa::path(
    put, path = "/api/v1/incidents/{id}/checklist/{step}", tag = "incidents", params(("id" = String, Path, description = "Incident id"), ("step" = i64, Path, description = "Step number, from 1")), request_body = Mark, responses((status = 200, description = "Checklist progress", body = views::ChecklistProgress))
)]
pub(super) async fn mark_step(
    State(state): State<AppState>,
    Responder(caller): Responder,
    crate::error::AppPath((incident_id, step)): crate::error::AppPath<(String, i64)>,
    AppJson(req): AppJson<Mark>,
) -> AppResult<Json<views::ChecklistProgress>> {
    let incident = incident_or_404(&state, &incident_id).await?;
    let pb_id = incident
        .playbook_id
        .clone()
        .ok_or_else(|| AppError::Conflict("the incident has no playbook".into()))?;
    let pb = state
        .playbooks
        .get(&pb_id)
        .ok_or_else(|| AppError::Conflict("playbook not loaded".into()))?;
    if step < 1 || step as usize > pb.steps.len() {
        return Err(field("step", format!("must be 1..={}", pb.steps.len())));
    }
    let at = ts(Utc::now());
    let mut tx = state.store.begin().await?;
    tx.set_checklist(
        &incident.id,
        &pb_id,
        step,
        req.done.then_some((caller.name.as_str(), at.as_str())),
    )
    .await?;
    let kind = if req.done {
        "checklist_step_done"
    } else {
        "checklist_step_undone"
    };
    tx.add_event(
        &incident.id,
        &at,
        &caller.name,
        kind,
        &json!({ "playbook": pb_id, "step": step }).to_string(),
    )
    .await?;
    tx.commit().await?;
    let marks = state.store.checklist(&incident.id).await?;
    let done = marks.iter().filter(|m| m.playbook_id == pb_id).count();
    Ok(Json(views::ChecklistProgress {
        incident_id: incident.id,
        done,
        total: pb.steps.len(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/playbooks", tag = "playbooks", responses((status = 200, description = "Every loaded playbook", body = views::PlaybookList))
)]
pub(super) async fn list_playbooks(
    State(state): State<AppState>,
    _: Reader,
) -> AppResult<Json<views::PlaybookList>> {
    let playbooks = state
        .playbooks
        .all
        .iter()
        .map(|p| views::PlaybookSummary {
            id: p.id.clone(),
            title: p.title.clone(),
            version: p.version,
            labels: p.labels.clone(),
            severities: p.severities.clone(),
            summary: p.summary.clone(),
            steps: p.steps.len(),
            templates: p
                .templates
                .iter()
                .map(|t| format!("{}/{}", t.channel, t.lang))
                .collect(),
        })
        .collect();
    Ok(Json(views::PlaybookList { playbooks }))
}

#[utoipa::path(
    get, path = "/api/v1/playbooks/{id}", tag = "playbooks", params(("id" = String, Path, description = "Playbook id")), responses((status = 200, description = "The playbook with steps, contacts and templates", body = crate::playbooks::Playbook))
)]
pub(super) async fn get_playbook(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<crate::playbooks::Playbook>> {
    let p = state.playbooks.get(&id).ok_or(AppError::NotFound("playbook"))?;
    Ok(Json(p.clone()))
}

/// Who published a known claim's debunk: the feed it came from, else the office itself.
pub(crate) fn fact_check_source(k: &crate::claims::KnownClaim) -> String {
    match k.origin.strip_prefix("feed:") {
        Some(feed) => feed.to_string(),
        None => "hasil klarifikasi".to_string(),
    }
}
