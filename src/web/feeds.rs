//! Feeds managed by admins: add a feed (kept in the database beside the TOML file's), disable
//! or enable any feed. The poller picks changes up at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::guards::Admin;
use super::{views, AppState};
use crate::error::{AppJson, AppResult};
use crate::service::feeds as service;

/// `POST /api/v1/feeds` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewFeed {
    #[schema(min_length = 1, max_length = 64)]
    name: String,
    url: String,
    #[schema(value_type = String, pattern = "^(mentions|debunks)$")]
    kind: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    #[schema(minimum = 60, maximum = 86400)]
    every_secs: Option<u64>,
}

/// `POST /api/v1/feeds` (admin): `{"name", "url", "kind": "mentions"|"debunks", "region"?,
/// "every_secs"? (60-86400, default 300)}`; 409 when the name is taken.
#[utoipa::path(
    post, path = "/api/v1/feeds", tag = "feeds", request_body = NewFeed, responses((status = 201, description = "Added and polled within seconds", body = views::FeedAdded))
)]
pub(super) async fn add(
    State(state): State<AppState>,
    Admin(caller): Admin,
    AppJson(req): AppJson<NewFeed>,
) -> AppResult<(StatusCode, Json<views::FeedAdded>)> {
    let input = service::NewFeed {
        name: req.name,
        url: req.url,
        kind: req.kind,
        region: req.region,
        every_secs: req.every_secs,
    };
    let feed = service::add(&state.env(), &caller, input).await?;
    state.feeds_notify.notify_one();
    Ok((
        StatusCode::CREATED,
        Json(views::FeedAdded {
            kind: feed.kind.code().to_string(),
            name: feed.name,
            url: feed.url,
            region: feed.region,
            every_secs: feed.every_secs,
            enabled: true,
        }),
    ))
}

async fn set_enabled(
    state: &AppState,
    caller: &crate::auth::Caller,
    name: &str,
    enabled: bool,
) -> AppResult<Json<views::FeedSwitched>> {
    service::set_enabled(&state.env(), caller, name, enabled).await?;
    if enabled {
        state.feeds_notify.notify_one();
    }
    Ok(Json(views::FeedSwitched {
        name: name.to_string(),
        enabled,
    }))
}

/// `POST /api/v1/feeds/{name}/disable` (admin): the feed is no longer polled.
#[utoipa::path(
    post, path = "/api/v1/feeds/{name}/disable", tag = "feeds", params(("name" = String, Path, description = "Feed name")), responses((status = 200, description = "No longer polled", body = views::FeedSwitched))
)]
pub(super) async fn disable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(name): Path<String>,
) -> AppResult<Json<views::FeedSwitched>> {
    set_enabled(&state, &caller, &name, false).await
}

/// `POST /api/v1/feeds/{name}/enable` (admin): polled again.
#[utoipa::path(
    post, path = "/api/v1/feeds/{name}/enable", tag = "feeds", params(("name" = String, Path, description = "Feed name")), responses((status = 200, description = "Polled again", body = views::FeedSwitched))
)]
pub(super) async fn enable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(name): Path<String>,
) -> AppResult<Json<views::FeedSwitched>> {
    set_enabled(&state, &caller, &name, true).await
}
