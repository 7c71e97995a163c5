//! HTTP: the JSON API under `/api/v1`, health and metrics, and the server-rendered pages.

mod api;
mod charts;
pub(crate) mod claims;
mod clarify;
mod dashboard;
mod feeds;
mod i18n;
mod live;
mod pages;
mod review;
mod users;

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tokio::sync::Notify;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::classify::Classifier;
use crate::config::Settings;
use crate::error::{AppError, InternalCause};
use crate::index::SearchIndex;
use crate::playbooks::Playbooks;
use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// Full-text index.
    pub index: SearchIndex,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Playbooks.
    pub playbooks: Arc<Playbooks>,
    /// The classifier, when the model and heads loaded.
    pub classifier: Option<Classifier>,
    /// Why the classifier is missing, when it is.
    pub classifier_problem: Option<String>,
    /// sha256 of the `TANGGAP_INGEST_TOKENS`.
    pub ingest_token_hashes: Arc<HashSet<String>>,
    /// Wakes the indexer and the classifier after an ingest.
    pub ingest_notify: Arc<Vec<Arc<Notify>>>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// How links are written.
    pub base_url: String,
    /// Link signing for mails.
    pub mail: crate::alerts::MailContext,
    /// Turns true when the server starts shutting down (ends live streams).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Wakes the feed poller when an admin adds or re-enables a feed.
    pub feeds_notify: Arc<Notify>,
}

/// Process counters.
#[derive(Default, Debug)]
pub struct Metrics {
    /// Mentions created through the API.
    pub ingest_created: AtomicU64,
    /// Duplicates received through the API.
    pub ingest_duplicates: AtomicU64,
    /// Requests rejected as invalid.
    pub ingest_rejected: AtomicU64,
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.server.max_body_bytes;
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/mentions", post(api::post_mentions))
        .route("/api/v1/mentions/{id}", get(api::get_mention))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/feeds", get(api::feeds).post(feeds::add))
        .route("/api/v1/feeds/{name}/disable", post(feeds::disable))
        .route("/api/v1/feeds/{name}/enable", post(feeds::enable))
        .route("/feeds", get(pages::feeds))
        .route("/api/v1/review", get(review::list))
        .route("/api/v1/review/{id}", post(review::decide))
        .route("/api/v1/incidents", get(api::list_incidents))
        .route(
            "/api/v1/incidents/{id}",
            get(api::get_incident).patch(api::triage),
        )
        .route("/api/v1/incidents/{id}/transitions", post(api::transition))
        .route("/api/v1/incidents/{id}/merge", post(api::merge))
        .route("/api/v1/incidents/{id}/split", post(api::split))
        .route(
            "/api/v1/incidents/{id}/clarifications",
            post(clarify::create_draft),
        )
        .route("/api/v1/incidents/{id}/playbook", put(clarify::switch_playbook))
        .route("/api/v1/incidents/{id}/checklist/{step}", put(clarify::mark_step))
        .route("/api/v1/clarifications", get(clarify::list_clarifications))
        .route(
            "/api/v1/clarifications/{id}",
            get(clarify::get_clarification).patch(clarify::edit_clarification),
        )
        .route("/api/v1/clarifications/{id}/submit", post(clarify::submit))
        .route("/api/v1/clarifications/{id}/approve", post(clarify::approve))
        .route("/api/v1/clarifications/{id}/return", post(clarify::send_back))
        .route("/api/v1/clarifications/{id}/copies", post(clarify::copy))
        .route(
            "/api/v1/clarifications/{id}/claimreview",
            get(clarify::claim_review),
        )
        .route("/api/v1/known-claims", get(claims::list).post(claims::create))
        .route("/api/v1/known-claims/{id}", get(claims::get))
        .route("/api/v1/known-claims/{id}/disable", post(claims::disable))
        .route("/api/v1/known-claims/{id}/enable", post(claims::enable))
        .route("/api/v1/playbooks", get(clarify::list_playbooks))
        .route("/api/v1/playbooks/{id}", get(clarify::get_playbook))
        .route("/", get(pages::queue))
        .route("/incidents/{id}", get(pages::incident))
        .route("/library", get(pages::library))
        .route("/claims", get(pages::claims))
        .route("/search", get(pages::search))
        .route("/users", get(users::page))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{username}/disable", post(users::disable))
        .route("/lang/{code}", get(i18n::switch))
        .route("/events", get(live::events))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/ack/{token}", get(pages::ack_form).post(pages::ack))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_writes))
        .layer(middleware::from_fn(i18n::scope))
        // Every answer: no MIME sniffing, no framing by other sites, no referrer leaks, and a
        // content policy that allows only our own scripts, styles and connections (the pages'
        // small scripts are inline; mention text is always escaped).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(log_internal_errors))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Refuses a state-changing request that a browser sent from another site (a foreign `Origin`
/// or `Sec-Fetch-Site: cross-site`), before any handler runs, even with the right CSRF token.
async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.method().is_safe() && !crate::auth::same_origin(request.headers(), &state.base_url) {
        return AppError::ForbiddenBecause("cross-site request refused".into()).into_response();
    }
    next.run(request).await
}

/// Logs the cause of every 500 inside the request's span; the client sees an opaque body.
async fn log_internal_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(cause) = response.extensions().get::<InternalCause>() {
        tracing::error!(error = %format!("{:#}", cause.0), "internal error");
    }
    response
}
