//! Known claims over HTTP: `GET/POST /api/v1/known-claims`, `GET /api/v1/known-claims/{id}`,
//! and the claims page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::AppState;
use crate::auth::{Admin, Caller, Reader};
use crate::claims::{ClaimInput, KnownClaim, NewClaim};
use crate::error::{AppError, AppJson, AppQuery, AppResult};

/// Query of the claim list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClaimQuery {
    pub(super) q: Option<String>,
    pub(super) limit: Option<i64>,
    pub(super) offset: Option<i64>,
}

impl ClaimQuery {
    /// Filter text, limit (1–200) and offset, validated.
    pub(super) fn parts(&self) -> AppResult<(Option<String>, i64, i64)> {
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(AppError::field("q", "at most 200 characters"));
        }
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(AppError::field("limit", "must be 1–200"));
        }
        let offset = self.offset.unwrap_or(0);
        if !(0..=1_000_000).contains(&offset) {
            return Err(AppError::field("offset", "must be 0–1,000,000"));
        }
        Ok((q, limit, offset))
    }
}

/// A claim as the API shows it.
pub(super) fn claim_json(c: &KnownClaim) -> Value {
    json!({
        "id": c.id, "claim": c.claim, "verdict": c.verdict, "summary": c.summary, "url": c.url,
        "incident_id": c.incident_id, "origin": c.origin, "created_at": c.created_at,
        "matched_mentions": c.matches, "disabled_at": c.disabled_at,
    })
}

/// `GET /api/v1/known-claims?q=&limit=&offset=`: the registry, newest first.
pub(super) async fn list(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(query): AppQuery<ClaimQuery>,
) -> AppResult<Json<Value>> {
    let (q, limit, offset) = query.parts()?;
    let claims = state.store.list_claims(q.as_deref(), limit, offset).await?;
    Ok(Json(json!({
        "claims": claims.iter().map(claim_json).collect::<Vec<_>>(),
        "limit": limit, "offset": offset,
    })))
}

/// `GET /api/v1/known-claims/{id}`.
pub(super) async fn get(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let c = state
        .store
        .claim(&id)
        .await?
        .ok_or(AppError::NotFound("known claim"))?;
    Ok(Json(claim_json(&c)))
}

/// `POST /api/v1/known-claims` (admin): registers a debunked claim. New mentions are matched
/// against it within seconds. The same claim text twice answers 409.
pub(super) async fn create(
    State(state): State<AppState>,
    _: Admin,
    AppJson(input): AppJson<ClaimInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let claim = NewClaim::try_from(input).map_err(|e| AppError::field(e.field, e.message))?;
    if let Some(id) = &claim.incident_id {
        if !state.store.incident_exists(id).await? {
            return Err(AppError::field("incident_id", "no such incident"));
        }
    }
    let at = crate::store::ts(chrono::Utc::now());
    let id = state
        .store
        .insert_claim(&claim, "api", &at)
        .await?
        .ok_or_else(|| AppError::Conflict("this claim is already registered".into()))?;
    state.ingest_notify[1].notify_one();
    let c = state
        .store
        .claim(&id)
        .await?
        .ok_or(AppError::NotFound("known claim"))?;
    Ok((StatusCode::CREATED, Json(claim_json(&c))))
}

/// `POST /api/v1/known-claims/{id}/disable` body.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DisableReq {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/known-claims/{id}/disable` (admin): `{"reason"?}` — the source withdrew or
/// corrected its debunk; the claim is kept but no longer matched.
pub(super) async fn disable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    crate::error::AppJson(body): crate::error::AppJson<DisableReq>,
) -> AppResult<Json<Value>> {
    set_disabled(&state, &caller, &id, true, body.reason).await
}

/// `POST /api/v1/known-claims/{id}/enable` (admin): matched again.
pub(super) async fn enable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    set_disabled(&state, &caller, &id, false, None).await
}

async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    id: &str,
    disabled: bool,
    reason: Option<String>,
) -> AppResult<Json<Value>> {
    tracing::info!(by = %caller.name, claim = id, disabled, "known claim matching switched");
    let at = crate::store::ts(chrono::Utc::now());
    let reason = reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty());
    let value = disabled.then_some((at.as_str(), reason.as_deref()));
    if !state.store.set_claim_disabled(id, value).await? {
        return Err(AppError::NotFound("known claim"));
    }
    // The matcher is rebuilt on the next batch (the registry's version changed).
    state.ingest_notify[1].notify_one();
    let c = state
        .store
        .claim(id)
        .await?
        .ok_or(AppError::NotFound("known claim"))?;
    Ok(Json(claim_json(&c)))
}
