//! Feeds managed by admins: add a feed (kept in the database beside the TOML file's), disable
//! or enable any feed. The poller picks changes up at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::AppState;
use crate::auth::Admin;
use crate::config::{FeedConfig, FeedKind};
use crate::error::{AppError, AppJson, AppResult};

/// `POST /api/v1/feeds` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewFeed {
    name: String,
    url: String,
    kind: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
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
pub(super) async fn add(
    State(state): State<AppState>,
    Admin(caller): Admin,
    AppJson(req): AppJson<NewFeed>,
) -> AppResult<(StatusCode, Json<Value>)> {
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
        Json(
            json!({ "name": feed.name, "url": feed.url, "kind": feed.kind.code(),
                     "region": feed.region, "every_secs": feed.every_secs, "enabled": true }),
        ),
    ))
}

async fn set_enabled(state: &AppState, name: &str, enabled: bool) -> AppResult<Json<Value>> {
    if !state.store.set_feed_enabled(name, enabled).await? {
        return Err(AppError::NotFound("feed"));
    }
    if enabled {
        state.feeds_notify.notify_one();
    }
    Ok(Json(json!({ "name": name, "enabled": enabled })))
}

/// `POST /api/v1/feeds/{name}/disable` (admin): the feed is no longer polled.
pub(super) async fn disable(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    set_enabled(&state, &name, false).await
}

/// `POST /api/v1/feeds/{name}/enable` (admin): polled again.
pub(super) async fn enable(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> AppResult<Json<Value>> {
    set_enabled(&state, &name, true).await
}
