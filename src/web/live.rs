//! Live updates for the queue page: a server-sent event stream that says "the queue changed"
//! (incidents opened or updated, mentions arriving, mail sent); the page then fetches its rows
//! again.
//!
//! One watcher per process ([`watch_queue`]) keeps the queue's version and every open stream
//! follows it, so a hundred open pages cost one query per change, not a hundred per second. On
//! PostgreSQL the watcher LISTENs on channel `tanggap_queue`, which triggers notify on every
//! change whichever replica made it (`migrations/postgres/0002_replicas.sql`): a mention ingested
//! on replica A reaches a page open on replica B within a few hundred milliseconds. It still looks
//! every few seconds, in case the listening connection was down when something changed. On
//! SQLite it looks four times a second.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::watch;

use super::pages::PageUser;
use super::AppState;
use crate::alerts::tokio_util_shim::Shutdown;
use crate::store::{Backend, Store};

/// PostgreSQL channel the queue triggers notify.
pub const CHANNEL: &str = "tanggap_queue";

/// How often the watcher looks without being told (SQLite; PostgreSQL as a fallback).
const POLL_SQLITE: Duration = Duration::from_millis(250);
const POLL_LISTENING: Duration = Duration::from_secs(5);
/// Changes arriving closer together than this are read as one (a burst of ingests).
const COALESCE: Duration = Duration::from_millis(100);

/// Keeps `version` equal to the queue's version until shutdown. `database_url` picks how it
/// learns of changes (LISTEN on PostgreSQL, polling on SQLite).
pub async fn watch_queue(
    store: Store,
    database_url: String,
    version: watch::Sender<String>,
    shutdown: Shutdown,
) {
    let postgres = Backend::of_url(&database_url) == Backend::Postgres;
    let mut listener = if postgres {
        listen(&database_url).await
    } else {
        None
    };
    loop {
        match store.queue_version().await {
            Ok(v) => {
                version.send_if_modified(|old| {
                    let changed = *old != v;
                    if changed {
                        *old = v;
                    }
                    changed
                });
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "queue version unavailable"),
        }
        let poll = if listener.is_some() {
            POLL_LISTENING
        } else {
            POLL_SQLITE
        };
        tokio::select! {
            lost = notified(&mut listener) => {
                if lost {
                    tracing::warn!("lost the LISTEN connection; polling until it is back");
                    listener = None;
                }
            }
            _ = tokio::time::sleep(poll) => {
                if listener.is_none() && postgres {
                    listener = listen(&database_url).await;
                }
            }
            _ = shutdown.wait() => return,
        }
        tokio::time::sleep(COALESCE).await;
    }
}

/// A connection listening on [`CHANNEL`], or `None` (logged) when it cannot be had now.
async fn listen(url: &str) -> Option<sqlx::postgres::PgListener> {
    let result = async {
        let mut l = sqlx::postgres::PgListener::connect(url).await?;
        l.listen(CHANNEL).await?;
        anyhow::Ok(l)
    }
    .await;
    match result {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot LISTEN for queue changes; polling");
            None
        }
    }
}

/// Resolves when a notification arrives (`false`) or the connection is lost (`true`); never
/// without a listener.
async fn notified(listener: &mut Option<sqlx::postgres::PgListener>) -> bool {
    match listener {
        Some(l) => match l.try_recv().await {
            Ok(Some(_)) => false,
            Ok(None) | Err(_) => true,
        },
        None => std::future::pending().await,
    }
}

/// `GET /events`: `event: queue` with the new version whenever the queue changes (and once at
/// the start), keep-alive comments in between; ends when the server shuts down.
pub(super) async fn events(
    State(state): State<AppState>,
    PageUser(_user): PageUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut queue = state.queue.clone();
    queue.mark_changed();
    let stopping = state.stopping.clone();
    let stream = futures::stream::unfold((queue, stopping), |(mut queue, mut stopping)| async move {
        if *stopping.borrow() {
            return None;
        }
        tokio::select! {
            changed = queue.changed() => changed.ok()?,
            _ = stopping.changed() => return None,
        }
        let version = queue.borrow_and_update().clone();
        let event = Event::default().event("queue").data(version);
        Some((Ok(event), (queue, stopping)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
