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
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put, MethodRouter};
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
    /// Ingest requests allowed per token (keyed by the caller's name).
    pub ingest_limiter: Arc<IngestLimiter>,
    /// Wakes the indexer and the classifier after an ingest.
    pub ingest_notify: Arc<Vec<Arc<Notify>>>,
    /// How links are written.
    pub base_url: String,
    /// Link signing for mails.
    pub mail: crate::alerts::MailContext,
    /// Turns true when the server starts shutting down (ends live streams).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Wakes the feed poller when an admin adds or re-enables a feed.
    pub feeds_notify: Arc<Notify>,
}

/// A rate limiter keyed by caller.
pub type IngestLimiter = governor::DefaultKeyedRateLimiter<String>;

/// The ingest limiter of the settings: `ingest_requests_per_minute` sustained per token, bursts
/// up to `ingest_burst` requests.
pub fn ingest_limiter(settings: &crate::config::ServerSettings) -> IngestLimiter {
    let per_minute = std::num::NonZeroU32::new(settings.ingest_requests_per_minute.max(1))
        .unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(settings.ingest_burst.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute).allow_burst(burst))
}

/// Every route: method, path and handler, one method each. The router is built from this list
/// and the authorisation matrix test (`tests/it/authz.rs`) reads it through [`routes`], so a new
/// route without an expected row in `docs/AUTHORIZATION.md` fails the suite.
fn route_table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/healthz", get(api::healthz)),
        (Method::GET, "/readyz", get(api::readyz)),
        (Method::GET, "/metrics", get(api::metrics)),
        (Method::POST, "/api/v1/mentions", post(api::post_mentions)),
        (Method::GET, "/api/v1/mentions/{id}", get(api::get_mention)),
        (Method::GET, "/api/v1/search", get(api::search)),
        (Method::GET, "/api/v1/feeds", get(api::feeds)),
        (Method::POST, "/api/v1/feeds", post(feeds::add)),
        (Method::POST, "/api/v1/feeds/{name}/disable", post(feeds::disable)),
        (Method::POST, "/api/v1/feeds/{name}/enable", post(feeds::enable)),
        (Method::GET, "/feeds", get(pages::feeds)),
        (Method::GET, "/api/v1/review", get(review::list)),
        (Method::POST, "/api/v1/review/{id}", post(review::decide)),
        (Method::GET, "/api/v1/incidents", get(api::list_incidents)),
        (Method::GET, "/api/v1/incidents/{id}", get(api::get_incident)),
        (Method::PATCH, "/api/v1/incidents/{id}", patch(api::triage)),
        (
            Method::POST,
            "/api/v1/incidents/{id}/transitions",
            post(api::transition),
        ),
        (Method::POST, "/api/v1/incidents/{id}/merge", post(api::merge)),
        (Method::POST, "/api/v1/incidents/{id}/split", post(api::split)),
        (
            Method::POST,
            "/api/v1/incidents/{id}/clarifications",
            post(clarify::create_draft),
        ),
        (
            Method::PUT,
            "/api/v1/incidents/{id}/playbook",
            put(clarify::switch_playbook),
        ),
        (
            Method::PUT,
            "/api/v1/incidents/{id}/checklist/{step}",
            put(clarify::mark_step),
        ),
        (
            Method::GET,
            "/api/v1/clarifications",
            get(clarify::list_clarifications),
        ),
        (
            Method::GET,
            "/api/v1/clarifications/{id}",
            get(clarify::get_clarification),
        ),
        (
            Method::PATCH,
            "/api/v1/clarifications/{id}",
            patch(clarify::edit_clarification),
        ),
        (
            Method::POST,
            "/api/v1/clarifications/{id}/submit",
            post(clarify::submit),
        ),
        (
            Method::POST,
            "/api/v1/clarifications/{id}/approve",
            post(clarify::approve),
        ),
        (
            Method::POST,
            "/api/v1/clarifications/{id}/return",
            post(clarify::send_back),
        ),
        (
            Method::POST,
            "/api/v1/clarifications/{id}/copies",
            post(clarify::copy),
        ),
        (
            Method::GET,
            "/api/v1/clarifications/{id}/claimreview",
            get(clarify::claim_review),
        ),
        (Method::GET, "/api/v1/known-claims", get(claims::list)),
        (Method::POST, "/api/v1/known-claims", post(claims::create)),
        (Method::GET, "/api/v1/known-claims/{id}", get(claims::get)),
        (
            Method::POST,
            "/api/v1/known-claims/{id}/disable",
            post(claims::disable),
        ),
        (
            Method::POST,
            "/api/v1/known-claims/{id}/enable",
            post(claims::enable),
        ),
        (Method::GET, "/api/v1/playbooks", get(clarify::list_playbooks)),
        (Method::GET, "/api/v1/playbooks/{id}", get(clarify::get_playbook)),
        (Method::GET, "/", get(pages::queue)),
        (Method::GET, "/incidents/{id}", get(pages::incident)),
        (Method::GET, "/library", get(pages::library)),
        (Method::GET, "/claims", get(pages::claims)),
        (Method::GET, "/search", get(pages::search)),
        (Method::GET, "/users", get(users::page)),
        (Method::GET, "/api/v1/users", get(users::list)),
        (Method::POST, "/api/v1/users", post(users::create)),
        (
            Method::POST,
            "/api/v1/users/{username}/disable",
            post(users::disable),
        ),
        (Method::GET, "/lang/{code}", get(i18n::switch)),
        (Method::GET, "/events", get(live::events)),
        (Method::GET, "/dashboard", get(dashboard::dashboard)),
        (Method::GET, "/login", get(pages::login_form)),
        (Method::POST, "/login", post(pages::login)),
        (Method::POST, "/logout", post(pages::logout)),
        (Method::GET, "/ack/{token}", get(pages::ack_form)),
        (Method::POST, "/ack/{token}", post(pages::ack)),
    ]
}

/// The method and path of every route (for the authorisation matrix and the docs).
pub fn routes() -> Vec<(Method, &'static str)> {
    route_table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.server.max_body_bytes;
    route_table()
        .into_iter()
        .fold(Router::new(), |r, (_, path, handler)| r.route(path, handler))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_writes))
        .route_layer(middleware::from_fn(crate::telemetry::track_requests))
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
