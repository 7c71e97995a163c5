//! Feeds managed by admins: adding one (kept in the database beside the TOML file's) and
//! switching any feed off and on. The caller wakes the poller.

use super::{require, Actor, DomainError, Env, Need, Outcome};
use crate::config::{FeedConfig, FeedKind};

/// A feed to add, as given (checked by [`add`]).
#[derive(Debug, Clone)]
pub struct NewFeed {
    /// 1–64 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// An http(s) address of at most 2,000 characters, public unless
    /// `[server] feeds_private_networks`.
    pub url: String,
    /// `mentions` or `debunks`.
    pub kind: String,
    /// Region given to its items.
    pub region: Option<String>,
    /// Poll interval, 60–86,400 s (default 300).
    pub every_secs: Option<u64>,
}

/// Validates a feed as the TOML file's are (name, http(s) address, kind, interval).
fn validate(req: NewFeed) -> Outcome<FeedConfig> {
    let name = req.name.trim().to_string();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(DomainError::field(
            "name",
            "1-64 letters, digits, '-', '_' or '.'",
        ));
    }
    let url = req.url.trim().to_string();
    let ok = url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) && url.len() <= 2000;
    if !ok {
        return Err(DomainError::field(
            "url",
            "an http(s) address of at most 2,000 characters",
        ));
    }
    let kind = match req.kind.as_str() {
        "mentions" => FeedKind::Mentions,
        "debunks" => FeedKind::Debunks,
        _ => return Err(DomainError::field("kind", "\"mentions\" or \"debunks\"")),
    };
    let every_secs = req.every_secs.unwrap_or(300);
    if !(60..=86_400).contains(&every_secs) {
        return Err(DomainError::field("every_secs", "between 60 and 86400"));
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

/// Adds a feed (admins); 409 when the name is taken. Feeds reach only public addresses unless
/// the settings allow private networks.
pub async fn add(env: &Env<'_>, actor: &Actor, req: NewFeed) -> Outcome<FeedConfig> {
    require(actor, Need::Admin)?;
    let feed = validate(req)?;
    if !env.settings.server.feeds_private_networks
        && url::Url::parse(&feed.url).is_ok_and(|u| !crate::feeds::url_is_public(&u))
    {
        return Err(DomainError::field(
            "url",
            "a public address (this one is loopback, private or link-local; see [server] feeds_private_networks)",
        ));
    }
    if !env.store.add_feed(&feed, &actor.name).await? {
        return Err(DomainError::Conflict(format!(
            "a feed named {:?} exists",
            feed.name
        )));
    }
    Ok(feed)
}

/// Switches a feed's polling off or on (admins).
pub async fn set_enabled(env: &Env<'_>, actor: &Actor, name: &str, enabled: bool) -> Outcome<()> {
    require(actor, Need::Admin)?;
    if env.store.set_feed_enabled(name, enabled).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("feed"))
    }
}
