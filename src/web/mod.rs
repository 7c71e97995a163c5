//! HTTP: the JSON API under `/api/v1`, health and metrics, and the server-rendered pages.

mod api;
mod charts;
pub(crate) mod claims;
mod clarify;
mod dashboard;
mod feeds;
pub(crate) mod guards;
mod i18n;
pub mod live;
mod openapi;
mod pages;
mod review;
mod users;
mod views;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
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
    /// The queue's version, kept by [`live::watch_queue`]; live pages follow it.
    pub queue: tokio::sync::watch::Receiver<String>,
    /// This process among the replicas sharing the database.
    pub replica: crate::cluster::Replica,
}

impl AppState {
    /// What the service layer's operations need.
    pub fn env(&self) -> crate::service::Env<'_> {
        crate::service::Env {
            store: &self.store,
            playbooks: &self.playbooks,
            settings: &self.settings,
            base_url: &self.base_url,
        }
    }
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
        route(Method::GET, "/healthz", api::healthz),
        route(Method::GET, "/readyz", api::readyz),
        route(Method::GET, "/metrics", api::metrics),
        route(Method::GET, "/api/v1/openapi.json", openapi::openapi_json),
        route(Method::POST, "/api/v1/mentions", api::post_mentions),
        route(Method::GET, "/api/v1/mentions/{id}", api::get_mention),
        route(Method::GET, "/api/v1/search", api::search),
        route(Method::GET, "/api/v1/feeds", api::feeds),
        route(Method::POST, "/api/v1/feeds", feeds::add),
        route(Method::POST, "/api/v1/feeds/{name}/disable", feeds::disable),
        route(Method::POST, "/api/v1/feeds/{name}/enable", feeds::enable),
        route(Method::GET, "/feeds", pages::feeds),
        route(Method::GET, "/api/v1/review", review::list),
        route(Method::POST, "/api/v1/review/{id}", review::decide),
        route(Method::GET, "/api/v1/incidents", api::list_incidents),
        route(Method::GET, "/api/v1/incidents/{id}", api::get_incident),
        route(Method::PATCH, "/api/v1/incidents/{id}", api::triage),
        route(
            Method::POST,
            "/api/v1/incidents/{id}/transitions",
            api::transition,
        ),
        route(Method::POST, "/api/v1/incidents/{id}/merge", api::merge),
        route(Method::POST, "/api/v1/incidents/{id}/split", api::split),
        route(
            Method::POST,
            "/api/v1/incidents/{id}/clarifications",
            clarify::create_draft,
        ),
        route(
            Method::PUT,
            "/api/v1/incidents/{id}/playbook",
            clarify::switch_playbook,
        ),
        route(
            Method::PUT,
            "/api/v1/incidents/{id}/checklist/{step}",
            clarify::mark_step,
        ),
        route(
            Method::GET,
            "/api/v1/clarifications",
            clarify::list_clarifications,
        ),
        route(
            Method::GET,
            "/api/v1/clarifications/{id}",
            clarify::get_clarification,
        ),
        route(
            Method::PATCH,
            "/api/v1/clarifications/{id}",
            clarify::edit_clarification,
        ),
        route(
            Method::POST,
            "/api/v1/clarifications/{id}/submit",
            clarify::submit,
        ),
        route(
            Method::POST,
            "/api/v1/clarifications/{id}/approve",
            clarify::approve,
        ),
        route(
            Method::POST,
            "/api/v1/clarifications/{id}/return",
            clarify::send_back,
        ),
        route(Method::POST, "/api/v1/clarifications/{id}/copies", clarify::copy),
        route(
            Method::GET,
            "/api/v1/clarifications/{id}/claimreview",
            clarify::claim_review,
        ),
        route(Method::GET, "/api/v1/known-claims", claims::list),
        route(Method::POST, "/api/v1/known-claims", claims::create),
        route(Method::GET, "/api/v1/known-claims/{id}", claims::get),
        route(Method::POST, "/api/v1/known-claims/{id}/disable", claims::disable),
        route(Method::POST, "/api/v1/known-claims/{id}/enable", claims::enable),
        route(Method::GET, "/api/v1/playbooks", clarify::list_playbooks),
        route(Method::GET, "/api/v1/playbooks/{id}", clarify::get_playbook),
        route(Method::GET, "/", pages::queue),
        route(Method::GET, "/incidents/{id}", pages::incident),
        route(Method::GET, "/library", pages::library),
        route(Method::GET, "/claims", pages::claims),
        route(Method::GET, "/search", pages::search),
        route(Method::GET, "/users", users::page),
        route(Method::GET, "/api/v1/users", users::list),
        route(Method::POST, "/api/v1/users", users::create),
        route(Method::POST, "/api/v1/users/{username}/disable", users::disable),
        route(Method::GET, "/lang/{code}", i18n::switch),
        route(Method::GET, "/events", live::events),
        route(Method::GET, "/dashboard", dashboard::dashboard),
        route(Method::GET, "/login", pages::login_form),
        route(Method::POST, "/login", pages::login),
        route(Method::POST, "/logout", pages::logout),
        route(Method::GET, "/ack/{token}", pages::ack_form),
        route(Method::POST, "/ack/{token}", pages::ack),
    ]
}

/// One table row: the handler answers `method` on `path`.
fn route<H, T>(
    method: Method,
    path: &'static str,
    handler: H,
) -> (Method, &'static str, MethodRouter<AppState>)
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("routes use standard methods");
    (method, path, on(filter, handler))
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
        .layer(middleware::from_fn_with_state(state.clone(), refuse_nul))
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

/// Refuses NUL (`%00`) in the path, the query string or a form body with a 400 before any
/// handler runs: no id, filter or form field needs it, and PostgreSQL refuses it in text, so
/// it would otherwise surface as a 500. (JSON bodies are checked by `AppJson`, naming the field;
/// mention text by intake.)
async fn refuse_nul(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().contains("%00") || uri.query().is_some_and(|q| q.contains("%00")) {
        return AppError::bad_request("invalid_request", "the address must not contain NUL characters")
            .into_response();
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.settings.server.max_body_bytes).await else {
        return AppError::bad_request("invalid_request", "the form is larger than allowed").into_response();
    };
    if bytes.windows(3).any(|w| w == b"%00") {
        return AppError::bad_request("invalid_request", "form fields must not contain NUL characters")
            .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Logs the cause of every 500 inside the request's span; the client sees an opaque body.
async fn log_internal_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(cause) = response.extensions().get::<InternalCause>() {
        tracing::error!(error = %format!("{:#}", cause.0), "internal error");
    }
    response
}
