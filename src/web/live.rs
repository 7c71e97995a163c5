//! Live updates for the queue page: a server-sent event stream that says "the queue changed"
//! (incidents opened or updated, mentions arriving, mail sent); the page then fetches its rows
//! again. Each stream checks the database's queue version once a second and ends when the
//! server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;

use super::pages::PageUser;
use super::AppState;

/// How often a stream looks for changes.
const POLL: Duration = Duration::from_secs(1);

struct Watch {
    state: AppState,
    last: Option<String>,
}

/// `GET /events`: `event: queue` with the new version whenever the queue changes (and once at
/// the start), keep-alive comments in between.
pub(super) async fn events(
    State(state): State<AppState>,
    PageUser(_user): PageUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watch = Watch { state, last: None };
    let stream = futures::stream::unfold(watch, |mut w| async move {
        let mut stopping = w.state.stopping.clone();
        loop {
            if *stopping.borrow() {
                return None;
            }
            if w.last.is_some() {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = stopping.changed() => return None,
                }
            }
            let version = match w.state.store.queue_version().await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "queue version unavailable");
                    w.last.get_or_insert_with(String::new);
                    continue;
                }
            };
            if w.last.as_deref() != Some(version.as_str()) {
                w.last = Some(version.clone());
                let event = Event::default().event("queue").data(version);
                return Some((Ok(event), w));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
