//! The feed poller (SPEC §3, §10): RSS 2.0, Atom and JSON Feed documents declared as
//! `[[feeds]]` in the configuration are fetched on their own timers, with conditional GET
//! (`ETag` / `Last-Modified`), a timeout, a size limit, a redirect limit and a doubling backoff
//! after errors. A feed of `kind = "mentions"` feeds the normal idempotent intake (source
//! `rss`, external id = the item's GUID or link); a feed of `kind = "debunks"` turns every item
//! whose title carries a fact-checker's verdict tag (`[HOAKS]`, `[SALAH]`, `[DISINFORMASI]`,
//! `[MISINFORMASI]`, `[PENIPUAN]`, `[FAKTA]`) into a known claim, idempotent on the claim.
//!
//! Each feed runs in its own task, so a slow, broken or hostile feed only ever harms itself;
//! its health (last success, last error, items) is kept in `feed_state` for the `/feeds` page,
//! `GET /api/v1/feeds` and `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::alerts::tokio_util_shim::Shutdown;
use crate::claims::{ClaimInput, NewClaim};
use crate::config::{FeedConfig, FeedKind, Settings};
use crate::ingest::Limits;
use crate::store::{ts, FeedPoll, Store};

/// Largest feed document accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Longest wait for one fetch, connection to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 5;
/// Items used per poll at most (the newest first, as feeds list them).
pub const MAX_ITEMS: usize = 500;
/// The longest backoff after repeated errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Why a poll failed, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Connection, TLS, timeout or redirect trouble.
    #[error("fetch failed: {0}")]
    Fetch(String),
    /// The server answered with an error status.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The document is over [`MAX_BYTES`].
    #[error("the document is larger than {MAX_BYTES} bytes")]
    TooLarge,
    /// Not RSS, Atom or JSON Feed.
    #[error("not an RSS, Atom or JSON feed: {0}")]
    Parse(String),
}

/// What one poll brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: nothing changed since the validators.
    NotModified,
    /// A document, with the validators to send next time.
    Document {
        /// Body bytes.
        body: Vec<u8>,
        /// `ETag`.
        etag: Option<String>,
        /// `Last-Modified`.
        last_modified: Option<String>,
    },
}

/// The HTTP client every feed shares: timeout, redirect limit, our user agent. Unless
/// `private_networks` is allowed, it never connects to a loopback, private, link-local or other
/// non-public address (a feed URL must not reach internal services or the cloud metadata
/// address): names are resolved by [`PublicOnly`] and redirects to such IP literals are refused.
pub fn client(private_networks: bool) -> anyhow::Result<FeedClient> {
    let builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Tanggap/", env!("CARGO_PKG_VERSION"), " (feed poller)"));
    let builder = if private_networks {
        builder.redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
    } else {
        builder
            .dns_resolver(Arc::new(PublicOnly))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if !url_is_public(attempt.url()) {
                    attempt.error("redirected to a non-public address")
                } else {
                    attempt.follow()
                }
            }))
    };
    Ok(FeedClient {
        http: builder.build()?,
        private_networks,
    })
}

/// The feeds' HTTP client and whether it may reach non-public addresses.
#[derive(Debug, Clone)]
pub struct FeedClient {
    http: reqwest::Client,
    private_networks: bool,
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// documentation, multicast or unspecified; IPv4-mapped IPv6 is judged as IPv4).
pub fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (b == 18 || b == 19))) // benchmarking
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(std::net::IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// Whether a URL's host is not a non-public IP literal (names are checked when resolved).
pub fn url_is_public(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => is_public(ip.into()),
        Some(url::Host::Domain(_)) => true,
        None => false,
    }
}

/// A DNS resolver that keeps only public addresses, so a name pointing inside the network
/// (or rebinding to it) is refused at connect time.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                let msg = format!("{host} resolves only to non-public addresses");
                return Err(Box::<dyn std::error::Error + Send + Sync>::from(msg));
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Fetches a feed with conditional GET, refusing bodies over [`MAX_BYTES`] (also when the
/// server does not say how long they are).
pub async fn fetch(
    client: &FeedClient,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, FeedError> {
    if !client.private_networks && url::Url::parse(url).is_ok_and(|u| !url_is_public(&u)) {
        return Err(FeedError::Fetch(
            "the address is not public (set [server] feeds_private_networks to allow it)".into(),
        ));
    }
    let mut req = client.http.get(url).header(
        reqwest::header::ACCEPT,
        "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
    );
    if let Some(e) = etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, e);
    }
    if let Some(lm) = last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
    }
    let mut resp = req.send().await.map_err(|e| FeedError::Fetch(describe(&e)))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(FeedError::Status(status.as_u16()));
    }
    if resp.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(FeedError::TooLarge);
    }
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (etag, last_modified) = (
        header(reqwest::header::ETAG),
        header(reqwest::header::LAST_MODIFIED),
    );
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| FeedError::Fetch(describe(&e)))? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(FeedError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Document {
        body,
        etag,
        last_modified,
    })
}

/// A reqwest error with its causes (e.g. "too many redirects", "operation timed out").
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_redirect() {
        format!("too many redirects (more than {MAX_REDIRECTS})")
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s.chars().take(500).collect()
}

/// One item of a feed, reduced to what Tanggap uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The item's GUID / id, else its link.
    pub id: String,
    /// Title (plain text).
    pub title: String,
    /// Summary or content (HTML removed).
    pub summary: String,
    /// First link.
    pub link: Option<String>,
    /// Published (or updated) time.
    pub published: Option<DateTime<Utc>>,
    /// First author's name.
    pub author: Option<String>,
    /// JSON-LD blocks embedded in the item's HTML (a ClaimReview, for fact-checkers).
    pub json_ld: Vec<serde_json::Value>,
}

/// Parses RSS 2.0, Atom or JSON Feed (feed-rs; XML entities are never expanded, so an
/// entity bomb is only text or an error). At most [`MAX_ITEMS`] items.
pub fn parse(body: &[u8]) -> Result<Vec<Item>, FeedError> {
    let feed = feed_rs::parser::parse(body)
        .map_err(|e| FeedError::Parse(e.to_string().chars().take(300).collect()))?;
    Ok(feed
        .entries
        .into_iter()
        .take(MAX_ITEMS)
        .map(|e| {
            let link = e
                .links
                .first()
                .map(|l| l.href.trim().to_string())
                .filter(|l| !l.is_empty());
            let html = e
                .summary
                .map(|t| t.content)
                .or_else(|| e.content.and_then(|c| c.body))
                .unwrap_or_default();
            let json_ld = crate::claims::json_ld_blocks(&html);
            let summary = plain_text(&strip_scripts(&html));
            Item {
                id: if e.id.trim().is_empty() {
                    link.clone().unwrap_or_default()
                } else {
                    e.id.trim().to_string()
                },
                title: e.title.map(|t| plain_text(&t.content)).unwrap_or_default(),
                summary,
                link,
                published: e.published.or(e.updated),
                author: e
                    .authors
                    .first()
                    .map(|a| a.name.trim().to_string())
                    .filter(|a| !a.is_empty()),
                json_ld,
            }
        })
        .collect())
}

/// HTML without its `<script>…</script>` blocks (their code or JSON-LD is not text).
fn strip_scripts(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    while let Some(at) = lower[from..].find("<script") {
        let start = from + at;
        out.push_str(&html[from..start]);
        match lower[start..].find("</script>") {
            Some(end) => from = start + end + "</script>".len(),
            None => return out,
        }
    }
    out.push_str(&html[from..]);
    out
}

/// Text without HTML tags, with the common entities decoded and whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The verdict a fact-checker's title tag gives (`[HOAKS] …` → `hoaks`), and the title
/// without it.
pub fn verdict_tag(title: &str) -> Option<(&'static str, String)> {
    let t = title.trim_start();
    let rest = t.strip_prefix('[')?;
    let end = rest.find(']')?;
    let verdict = match rest[..end].trim().to_uppercase().as_str() {
        "HOAKS" | "HOAX" => "hoaks",
        "SALAH" => "salah",
        "DISINFORMASI" => "disinformasi",
        "MISINFORMASI" => "misinformasi",
        "PENIPUAN" => "penipuan",
        "FAKTA" | "BENAR" => "fakta",
        _ => return None,
    };
    Some((verdict, rest[end + 1..].trim().to_string()))
}

/// What a poll did with the items: created, unusable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// New mentions or known claims.
    pub added: i64,
    /// Items that were not usable (no text, no verdict tag, invalid).
    pub skipped: i64,
}

/// Ingests a mentions feed's items through the normal intake (idempotent on source `rss` and
/// the item's id).
pub async fn apply_mentions(
    store: &Store,
    feed: &FeedConfig,
    items: &[Item],
    limits: Limits,
) -> anyhow::Result<Applied> {
    let now = Utc::now();
    let mut good = Vec::new();
    let mut applied = Applied::default();
    for item in items {
        let text = match (item.title.is_empty(), item.summary.is_empty()) {
            (false, false) if !item.summary.starts_with(&item.title) => {
                format!("{}. {}", item.title, item.summary)
            }
            (_, false) => item.summary.clone(),
            _ => item.title.clone(),
        };
        let text: String = text.chars().take(limits.max_text_chars).collect();
        let mut raw = serde_json::json!({
            "source": "rss",
            "text": text,
            "url": item.link,
            "region": feed.region,
            // A feed's odd date (year 1900, next year) is dropped rather than the item.
            "posted_at": item
                .published
                .filter(|t| crate::ingest::plausible_post_time(*t, chrono::Utc::now()))
                .map(ts),
            "author": { "name": item.author, "handle": feed.name },
        });
        if !item.id.is_empty() {
            raw["external_id"] = serde_json::Value::String(item.id.chars().take(200).collect());
        }
        match crate::ingest::validate_item(&raw.to_string(), limits, now) {
            Ok(m) => good.push(m),
            Err(errs) => {
                applied.skipped += 1;
                tracing::debug!(feed = %feed.name, ?errs, "feed item skipped");
            }
        }
    }
    if !good.is_empty() {
        let outcomes = store.insert_mentions(&good).await?;
        applied.added = outcomes.iter().filter(|o| o.status == "created").count() as i64;
    }
    Ok(applied)
}

/// Turns a debunks feed's tagged items into known claims (idempotent on the claim), keeping the
/// fact-checker's link and the feed as provenance (`origin = feed:NAME`).
pub async fn apply_debunks(store: &Store, feed: &FeedConfig, items: &[Item]) -> anyhow::Result<Applied> {
    let at = ts(Utc::now());
    let origin = format!("feed:{}", feed.name);
    let mut applied = Applied::default();
    for item in items {
        let inputs = debunk_claims(feed, item);
        if inputs.is_empty() {
            applied.skipped += 1;
        }
        for input in inputs {
            match NewClaim::try_from(input) {
                Ok(c) => applied.added += store.insert_claim(&c, &origin, &at).await?.is_some() as i64,
                Err(e) => {
                    applied.skipped += 1;
                    tracing::debug!(feed = %feed.name, error = %e, "debunk item skipped");
                }
            }
        }
    }
    Ok(applied)
}

/// The claims one debunk item states: those of the ClaimReview JSON-LD it embeds (it says it
/// best), else the one its title's verdict tag gives; none for an untagged item. Each summary
/// ends with its source.
fn debunk_claims(feed: &FeedConfig, item: &Item) -> Vec<ClaimInput> {
    let with_source = |summary: &str, source: String| {
        summary.chars().take(3900).collect::<String>() + &format!(" (Sumber: {source})")
    };
    let reviewed: Vec<ClaimInput> = item
        .json_ld
        .iter()
        .flat_map(crate::claims::claim_reviews)
        .map(|r| {
            let by = r.publisher.unwrap_or_else(|| feed.name.clone());
            ClaimInput {
                url: r.input.url.or_else(|| item.link.clone()),
                summary: r.input.summary.map(|s| with_source(&s, by)),
                ..r.input
            }
        })
        .collect();
    if !reviewed.is_empty() {
        return reviewed;
    }
    let Some((verdict, claim)) = verdict_tag(&item.title) else {
        return Vec::new();
    };
    let source = match item.published {
        Some(p) => format!("{}, {}", feed.name, p.format("%Y-%m-%d")),
        None => feed.name.clone(),
    };
    let summary = if item.summary.is_empty() {
        &claim
    } else {
        &item.summary
    };
    vec![ClaimInput {
        summary: Some(with_source(summary, source)),
        claim: Some(claim.chars().take(2000).collect()),
        verdict: Some(verdict.to_string()),
        url: item.link.clone(),
        incident_id: None,
    }]
}

/// Waits after `failures` consecutive errors: the feed's interval doubled per failure, at most
/// [`MAX_BACKOFF`].
pub fn backoff(every: Duration, failures: i64) -> Duration {
    let factor = 2u32.saturating_pow(failures.clamp(0, 16) as u32);
    every.saturating_mul(factor).min(MAX_BACKOFF.max(every))
}

/// Polls one feed once and records the outcome; returns the wait until the next poll.
pub async fn poll_once(
    store: &Store,
    client: &FeedClient,
    feed: &FeedConfig,
    limits: Limits,
    notify: &[Arc<Notify>],
) -> anyhow::Result<Duration> {
    let every = Duration::from_secs(feed.every_secs.max(1));
    let state = store.feed_state(&feed.name).await?;
    let (etag, lm) = state
        .as_ref()
        .map(|s| (s.etag.clone(), s.last_modified.clone()))
        .unwrap_or_default();
    let now = Utc::now();
    let next = |wait: Duration| ts(now + chrono::Duration::from_std(wait).unwrap_or_default());
    let outcome = match fetch(client, &feed.url, etag.as_deref(), lm.as_deref()).await {
        Ok(Fetched::NotModified) => Ok(None),
        Ok(Fetched::Document {
            body,
            etag,
            last_modified,
        }) => {
            // Parsing up to MAX_BYTES of XML is CPU work: off the async runtime.
            match tokio::task::spawn_blocking(move || parse(&body)).await? {
                Ok(items) => Ok(Some((items, etag, last_modified))),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Err(e) => {
            let failures = state.as_ref().map_or(0, |s| s.consecutive_failures) + 1;
            let wait = backoff(every, failures);
            store
                .feed_failed(&feed.name, &e.to_string(), &ts(now), &next(wait))
                .await?;
            tracing::warn!(feed = %feed.name, error = %e, failures, "feed poll failed");
            Ok(wait)
        }
        Ok(None) => {
            store
                .feed_polled(
                    &feed.name,
                    &FeedPoll {
                        etag: None,
                        last_modified: None,
                        at: &ts(now),
                        status: "not_modified",
                        items_in_feed: None,
                        added: 0,
                        skipped: 0,
                        next_poll_at: &next(every),
                    },
                )
                .await?;
            Ok(every)
        }
        Ok(Some((items, etag, last_modified))) => {
            let applied = match feed.kind {
                FeedKind::Mentions => apply_mentions(store, feed, &items, limits).await?,
                FeedKind::Debunks => apply_debunks(store, feed, &items).await?,
            };
            store
                .feed_polled(
                    &feed.name,
                    &FeedPoll {
                        etag: etag.as_deref(),
                        last_modified: last_modified.as_deref(),
                        at: &ts(now),
                        status: if applied.added > 0 {
                            "new_items"
                        } else {
                            "unchanged"
                        },
                        items_in_feed: Some(items.len() as i64),
                        added: applied.added,
                        skipped: applied.skipped,
                        next_poll_at: &next(every),
                    },
                )
                .await?;
            if applied.added > 0 {
                for n in notify {
                    n.notify_one();
                }
            }
            tracing::info!(feed = %feed.name, items = items.len(), added = applied.added, "feed polled");
            Ok(every)
        }
    }
}

/// A feed's settings as stored (the TOML file's, or an admin's).
fn config_of(s: &crate::store::FeedState) -> FeedConfig {
    FeedConfig {
        name: s.name.clone(),
        url: s.url.clone(),
        kind: if s.kind == "debunks" {
            FeedKind::Debunks
        } else {
            FeedKind::Mentions
        },
        region: s.region.clone(),
        every_secs: s.every_secs.max(1) as u64,
    }
}

/// Polls every enabled feed (the TOML file's `[[feeds]]`, registered when the application is
/// built, and those admins
/// add) on its own timer until shutdown. `wake` makes it look for added or re-enabled feeds at
/// once (it also looks every few seconds); `notify` wakes the indexer and the classifier when
/// new mentions or claims arrive.
pub async fn run(
    store: Store,
    settings: Arc<Settings>,
    notify: Vec<Arc<Notify>>,
    wake: Arc<Notify>,
    shutdown: Shutdown,
) {
    let client = match client(settings.server.feeds_private_networks) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "no HTTP client: feeds are not polled");
            return;
        }
    };
    let limits = Limits {
        max_text_chars: settings.limits.max_text_chars,
        max_batch_items: settings.server.max_batch_items,
    };
    let mut running: std::collections::HashMap<String, tokio::task::JoinHandle<()>> = Default::default();
    loop {
        running.retain(|_, t| !t.is_finished());
        match store.feed_states().await {
            Ok(states) => {
                for s in states.into_iter().filter(|s| s.enabled) {
                    if running.contains_key(&s.name) {
                        continue;
                    }
                    let name = s.name.clone();
                    let task = tokio::spawn(poll_loop(
                        store.clone(),
                        client.clone(),
                        s,
                        limits,
                        notify.clone(),
                        shutdown.clone(),
                    ));
                    running.insert(name, task);
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "cannot read the feeds"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = shutdown.wait() => break,
        }
    }
    for (_, t) in running {
        let _ = t.await;
    }
}

/// Takes the feed's turn to be polled; `Some(wait)` when it is not due (another replica polled
/// it): how long until it is. While this replica polls, the turn is held for the feed's interval
/// (at least a minute), so a replica that dies mid-poll delays the next poll by that much at most.
async fn take_turn(store: &Store, feed: &crate::store::FeedState) -> anyhow::Result<Option<Duration>> {
    let now = Utc::now();
    let hold = chrono::Duration::seconds(feed.every_secs.max(60));
    if store
        .claim_feed_turn(&feed.name, &ts(now), &ts(now + hold))
        .await?
    {
        return Ok(None);
    }
    let next = store
        .feed_state(&feed.name)
        .await?
        .and_then(|s| s.next_poll_at)
        .as_deref()
        .and_then(crate::store::parse_ts);
    Ok(Some(match next {
        Some(t) => (t - Utc::now())
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_millis(200)),
        None => Duration::from_secs(1),
    }))
}

/// One feed's timer: waits for its turn (kept across restarts), re-reads its settings, stops
/// when an admin disables it, and polls.
async fn poll_loop(
    store: Store,
    client: FeedClient,
    first: crate::store::FeedState,
    limits: Limits,
    notify: Vec<Arc<Notify>>,
    shutdown: Shutdown,
) {
    let name = first.name.clone();
    let mut wait = first
        .next_poll_at
        .as_deref()
        .and_then(crate::store::parse_ts)
        .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
        .unwrap_or_default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait() => return,
        }
        let feed = match store.feed_state(&name).await {
            Ok(Some(s)) if s.enabled => s,
            Ok(_) => return,
            Err(e) => {
                tracing::error!(feed = %name, error = %format!("{e:#}"), "cannot read the feed");
                wait = Duration::from_secs(30);
                continue;
            }
        };
        // Replicas sharing the database each run this timer: the one that moves the feed's
        // next poll forward polls; the others wait for the new time.
        match take_turn(&store, &feed).await {
            Ok(None) => {}
            Ok(Some(later)) => {
                wait = later;
                continue;
            }
            Err(e) => {
                tracing::error!(feed = %name, error = %format!("{e:#}"), "cannot take the feed's turn");
                wait = Duration::from_secs(30);
                continue;
            }
        }
        let feed = config_of(&feed);
        wait = match poll_once(&store, &client, &feed, limits, &notify).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(feed = %feed.name, error = %format!("{e:#}"), "recording a feed poll failed");
                Duration::from_secs(feed.every_secs.max(1))
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "103.10.20.30", "2001:4860:4860::8888"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn verdict_tags_set_the_verdict() {
        assert_eq!(
            verdict_tag("[HOAKS] Video Tsunami di Kalianda"),
            Some(("hoaks", "Video Tsunami di Kalianda".to_string()))
        );
        assert_eq!(verdict_tag(" [salah] Foto banjir").map(|v| v.0), Some("salah"));
        assert_eq!(
            verdict_tag("[PENIPUAN] Lowongan PLN").map(|v| v.0),
            Some("penipuan")
        );
        assert_eq!(verdict_tag("Berita biasa tanpa label"), None);
        assert_eq!(verdict_tag("[OPINI] Sesuatu"), None);
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain_text("<p>Faktanya, <b>BMKG</b> tidak pernah&nbsp;mengeluarkan &quot;peringatan&quot; &amp; info itu.</p>"),
            "Faktanya, BMKG tidak pernah mengeluarkan \"peringatan\" & info itu."
        );
        assert_eq!(plain_text("a<script>x</script>b"), "a x b");
        assert_eq!(
            plain_text(&strip_scripts(
                "a<script type=\"application/ld+json\">{}</script>b"
            )),
            "ab"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let m = Duration::from_secs(60);
        assert_eq!(backoff(m, 0), m);
        assert_eq!(backoff(m, 3), Duration::from_secs(480));
        assert_eq!(backoff(m, 40), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(7200), 2), Duration::from_secs(7200));
    }

    #[test]
    fn rss_atom_and_json_feed_parse() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
            <item><title>Banjir di Metro</title><link>https://x.test/1</link><guid>g-1</guid>
            <description>&lt;p&gt;Air naik&lt;/p&gt;</description><pubDate>Mon, 30 Nov 2026 08:00:00 +0700</pubDate></item>
            </channel></rss>"#;
        let items = parse(rss).unwrap();
        assert_eq!(items[0].id, "g-1");
        assert_eq!(items[0].summary, "Air naik");
        assert_eq!(items[0].link.as_deref(), Some("https://x.test/1"));
        assert!(items[0].published.is_some());
        let atom = br#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
            <title>t</title><id>urn:f</id><updated>2026-11-30T00:00:00Z</updated>
            <entry><title>[SALAH] Foto lama</title><id>urn:e1</id><updated>2026-11-30T00:00:00Z</updated>
            <link href="https://x.test/e1"/><summary>Foto 2018.</summary></entry></feed>"#;
        assert_eq!(parse(atom).unwrap()[0].title, "[SALAH] Foto lama");
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"j1","url":"https://x.test/j1","content_text":"Isi"}]}"#;
        assert_eq!(parse(json).unwrap()[0].summary, "Isi");
        assert!(matches!(
            parse(b"<html><body>not a feed</body></html>"),
            Err(FeedError::Parse(_))
        ));
    }
}
