//! Feeds managed by admins: add a feed (kept in the database beside the TOML file's), disable
//! or enable any feed. The poller picks changes up at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::guards::Admin;
use super::{views, AppState};
use crate::config::{FeedConfig, FeedKind};
use crate::error::{AppError, AppJson, AppResult};

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

/// Validates a feed as the TOML file's are (name, http(s) address, kind, interval).
fn validate(req: NewFeed) -> Result<FeedConfig, AppError> {
    let name = req.name.trim().to_string();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(AppError::field("name", "1-64 letters, digits, '-', '_' or '.'"));
    }
    let url = req.url.trim().to_string();
    let ok = url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) && url.len() <= 2000;
    if !ok {
        return Err(AppError::field(
            "url",
            "an http(s) address of at most 2,000 characters",
        ));
    }
    let kind = match req.kind.as_str() {
        "mentions" => FeedKind::Mentions,
        "debunks" => FeedKind::Debunks,
        _ => return Err(AppError::field("kind", "\"mentions\" or \"debunks\"")),
    };
    let every_secs = req.every_secs.unwrap_or(300);
    if !(60..=86_400).contains(&every_secs) {
        return Err(AppError::field("every_secs", "between 60 and 86400"));
    }
    let region = req
        .region
        .map(|r| r.trim().chars().take(100).collect::<String>())
        .filter(|r| !r.is_empty());
    Ok(FeedConfig {
        name,
        url,
        kind,
        region,
        every_secs,
    })
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
    let feed = validate(req)?;
    if !state.settings.server.feeds_private_networks
        && url::Url::parse(&feed.url).is_ok_and(|u| !crate::feeds::url_is_public(&u))
    {
        return Err(AppError::field(
            "url",
            "a public address (this one is loopback, private or link-local; see [server] feeds_private_networks)",
        ));
    }
    if !state.store.add_feed(&feed, &caller.name).await? {
        return Err(AppError::Conflict(format!("a feed named {:?} exists", feed.name)));
    }
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

async fn set_enabled(state: &AppState, name: &str, enabled: bool) -> AppResult<Json<views::FeedSwitched>> {
    if !state.store.set_feed_enabled(name, enabled).await? {
        return Err(AppError::NotFound("feed"));
    }
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
    _admin: Admin,
    Path(name): Path<String>,
) -> AppResult<Json<views::FeedSwitched>> {
    set_enabled(&state, &name, false).await
}

/// `POST /api/v1/feeds/{name}/enable` (admin): polled again.
#[utoipa::path(
    post, path = "/api/v1/feeds/{name}/enable", tag = "feeds", params(("name" = String, Path, description = "Feed name")), responses((status = 200, description = "Polled again", body = views::FeedSwitched))
)]
pub(super) async fn enable(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> AppResult<Json<views::FeedSwitched>> {
    set_enabled(&state, &name, true).await
}
