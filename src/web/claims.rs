//! Known claims over HTTP: `GET/POST /api/v1/known-claims`, `GET /api/v1/known-claims/{id}`,
//! and the claims page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::guards::{Admin, Reader};
use super::{views, AppState};
use crate::auth::Caller;
use crate::claims::ClaimInput;
use crate::error::{AppError, AppJson, AppQuery, AppResult};
use crate::service::claims as service;

/// Query of the claim list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ClaimQuery {
    #[param(max_length = 200)]
    pub(super) q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub(super) limit: Option<i64>,
    #[param(minimum = 0, maximum = 1000000)]
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

/// `GET /api/v1/known-claims?q=&limit=&offset=`: the registry, newest first.
#[utoipa::path(
    get, path = "/api/v1/known-claims", tag = "claims", params(ClaimQuery), responses((status = 200, description = "Known claims, newest first", body = views::KnownClaimList))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(query): AppQuery<ClaimQuery>,
) -> AppResult<Json<views::KnownClaimList>> {
    let (q, limit, offset) = query.parts()?;
    let claims = state.store.list_claims(q.as_deref(), limit, offset).await?;
    Ok(Json(views::KnownClaimList {
        claims: claims.iter().map(views::KnownClaim::from).collect(),
        limit,
        offset,
    }))
}

/// `GET /api/v1/known-claims/{id}`.
#[utoipa::path(
    get, path = "/api/v1/known-claims/{id}", tag = "claims", params(("id" = String, Path, description = "Known claim id")), responses((status = 200, description = "The claim", body = views::KnownClaim))
)]
pub(super) async fn get(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<views::KnownClaim>> {
    let c = state
        .store
        .claim(&id)
        .await?
        .ok_or(AppError::NotFound("known claim"))?;
    Ok(Json(views::KnownClaim::from(&c)))
}

/// `POST /api/v1/known-claims` (admin): registers a debunked claim. New mentions are matched
/// against it within seconds. The same claim text twice answers 409.
#[utoipa::path(
    post, path = "/api/v1/known-claims", tag = "claims", request_body = ClaimInput, responses((status = 201, description = "Registered; new mentions are matched against it", body = views::KnownClaim))
)]
pub(super) async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    AppJson(input): AppJson<ClaimInput>,
) -> AppResult<(StatusCode, Json<views::KnownClaim>)> {
    match service::register(&state.env(), &caller, input, "api").await? {
        service::Registered::Added(c) => {
            state.ingest_notify[1].notify_one();
            Ok((StatusCode::CREATED, Json(views::KnownClaim::from(c.as_ref()))))
        }
        service::Registered::Known => Err(AppError::Conflict("this claim is already registered".into())),
    }
}

/// `POST /api/v1/known-claims/{id}/disable` body.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DisableReq {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/known-claims/{id}/disable` (admin): `{"reason"?}` — the source withdrew or
/// corrected its debunk; the claim is kept but no longer matched.
#[utoipa::path(
    post, path = "/api/v1/known-claims/{id}/disable", tag = "claims", params(("id" = String, Path, description = "Known claim id")), request_body = DisableReq, responses((status = 200, description = "Kept but no longer matched", body = views::KnownClaim))
)]
pub(super) async fn disable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    crate::error::AppJson(body): crate::error::AppJson<DisableReq>,
) -> AppResult<Json<views::KnownClaim>> {
    set_disabled(&state, &caller, &id, true, body.reason).await
}

/// `POST /api/v1/known-claims/{id}/enable` (admin): matched again.
#[utoipa::path(
    post, path = "/api/v1/known-claims/{id}/enable", tag = "claims", params(("id" = String, Path, description = "Known claim id")), responses((status = 200, description = "Matched again", body = views::KnownClaim))
)]
pub(super) async fn enable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> AppResult<Json<views::KnownClaim>> {
    set_disabled(&state, &caller, &id, false, None).await
}

async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    id: &str,
    disabled: bool,
    reason: Option<String>,
) -> AppResult<Json<views::KnownClaim>> {
    let c = service::set_disabled(&state.env(), caller, id, disabled, reason).await?;
    // The matcher is rebuilt on the next batch (the registry's version changed).
    state.ingest_notify[1].notify_one();
    Ok(Json(views::KnownClaim::from(&c)))
}
