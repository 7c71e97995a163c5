//! Playbooks on incidents (switching, checklist) and the clarification flow: draft from a
//! template → submit → approve or return (admins, never their own) → frozen → library, copy
//! log, ClaimReview. Every step goes on the incident's timeline and the clarification's audit.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::guards::{Reader, Responder};
use super::{views, AppState};
use crate::auth::Caller;
use crate::clarifications::{self as cl, Action, Status, Verdict};
use crate::error::{AppError, AppJson, AppQuery, AppResult};
use crate::service::clarifications as service;
use crate::store::ClarificationFilter;

fn field(field: &str, message: impl Into<String>) -> AppError {
    AppError::field(field, message)
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
    let input = service::NewDraft {
        verdict: parse_verdict(req.verdict.as_deref())?,
        channel: req.channel,
        lang: req.lang,
        variables: req.variables,
    };
    let row = service::create_draft(&state.env(), &caller, &incident_id, input).await?;
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
    let input = service::Edit {
        verdict: parse_verdict(req.verdict.as_deref())?,
        title: req.title,
        body: req.body,
        variables: req.variables,
    };
    let c = service::edit(&state.env(), &caller, &id, input).await?;
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
    let c = service::act(&state.env(), caller, id, action, comment).await?;
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
    let copied = service::copy(&state.env(), &caller, &id, req.channel).await?;
    Ok(Json(views::Copied {
        id: copied.id,
        channel: copied.channel,
        text: copied.text,
        copied_at: copied.copied_at,
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
    let incident = crate::service::incidents::load(&state.env(), &c.incident_id).await?;
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
    let pb = crate::service::incidents::switch_playbook(&state.env(), &caller, &incident_id, &req.playbook)
        .await?;
    Ok(Json(views::PlaybookSwitched {
        incident_id,
        playbook: views::PlaybookRef {
            id: pb.id,
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
    let p = crate::service::incidents::mark_step(&state.env(), &caller, &incident_id, step, req.done).await?;
    Ok(Json(views::ChecklistProgress {
        incident_id,
        done: p.done,
        total: p.total,
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
