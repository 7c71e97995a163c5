//! JSON handlers.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::guards::{Ingester, Reader, Responder};
use super::{views, AppState};
use crate::domain::{IncidentStatus, Label, Severity};
use crate::error::{AppError, AppQuery, AppResult};
use crate::index::SearchError;
use crate::ingest::{self, Framing, Limits};
use crate::service::incidents;
use crate::store::{IncidentFilter, IncidentRow};

#[utoipa::path(
    get, path = "/healthz", tag = "health", responses((status = 200, description = "The process answers", body = String, content_type = "text/plain"))
)]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

pub(super) async fn not_found() -> AppError {
    AppError::NotFound("route")
}

#[utoipa::path(
    get, path = "/readyz", tag = "health", responses((status = 200, description = "Database and model ready", body = views::Readiness), (status = 503, description = "Database or model not ready", body = views::Readiness))
)]
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.store.ping().await;
    let model = state.classifier.is_some();
    let index_pending = index_pending(&state).await.ok();
    let (precision, why) = state.settings.classifier.precision.resolve();
    let body = views::Readiness {
        database: db,
        index: true,
        model,
        model_problem: state.classifier_problem.clone(),
        model_version: state.classifier.as_ref().map(|c| c.version().to_string()),
        encoder_precision: views::EncoderPrecision {
            precision: precision.code().to_string(),
            why: why.to_string(),
        },
        index_docs: state.index.num_docs(),
        index_pending,
        replica: state.replica.id.clone(),
    };
    let status = if db && model {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Mentions stored or changed that the search index does not reflect yet.
async fn index_pending(state: &AppState) -> anyhow::Result<i64> {
    let watermark = state.index.searchable_watermark();
    state.store.count_changed_after(watermark).await
}

/// `GET /api/v1/feeds` (viewer+): every feed (the TOML file's and the admins') with its health.
#[utoipa::path(
    get, path = "/api/v1/feeds", tag = "feeds", responses((status = 200, description = "Every feed with its health", body = views::FeedList))
)]
pub(super) async fn feeds(State(state): State<AppState>, _: Reader) -> AppResult<Json<views::FeedList>> {
    let states = state.store.feed_states().await?;
    let feeds = states
        .into_iter()
        .map(|s| views::Feed {
            name: s.name.clone(),
            url: s.url.clone(),
            kind: s.kind.clone(),
            region: s.region.clone(),
            every_secs: s.every_secs,
            enabled: s.enabled,
            origin: s.origin.clone(),
            health: s,
        })
        .collect();
    Ok(Json(views::FeedList { feeds }))
}

/// Feed health as labelled gauges and counters: last success time, consecutive failures, items
/// added.
fn record_feed_metrics(states: &[crate::store::FeedState]) {
    for f in states {
        let feed = f.name.clone();
        let last = f
            .last_success_at
            .as_deref()
            .and_then(crate::store::parse_ts)
            .map_or(0, |t| t.timestamp());
        metrics::gauge!("tanggap_feed_last_success_timestamp_seconds", "feed" => feed.clone())
            .set(last as f64);
        metrics::gauge!("tanggap_feed_consecutive_failures", "feed" => feed.clone())
            .set(f.consecutive_failures as f64);
        metrics::counter!("tanggap_feed_items_added_total", "feed" => feed)
            .absolute(f.items_added.max(0) as u64);
    }
}

/// `GET /metrics`: Prometheus text. Callers need read access unless `server.metrics = "public"`.
/// Gauges that live in the database are read now; the rest were recorded where they happened.
pub(super) async fn metrics(
    State(state): State<AppState>,
    reader: Result<Reader, AppError>,
) -> AppResult<Response> {
    if state.settings.server.metrics == crate::config::MetricsAccess::Token {
        reader?;
    }
    let c = state.store.counts().await?;
    let index_pending = index_pending(&state).await?;
    for (name, value) in [
        ("tanggap_mentions", c.mentions),
        ("tanggap_mentions_unclassified", c.unclassified),
        ("tanggap_review_tray", c.review_pending),
        ("tanggap_incidents_open", c.open_incidents),
        ("tanggap_incidents_breached_open", c.breached_open),
        ("tanggap_outbox_pending", c.outbox_pending),
        (
            "tanggap_outbox_oldest_pending_seconds",
            c.outbox_oldest_seconds(chrono::Utc::now()),
        ),
        ("tanggap_index_docs", state.index.num_docs() as i64),
        ("tanggap_index_pending", index_pending),
    ] {
        metrics::gauge!(name).set(value as f64);
    }
    metrics::counter!("tanggap_outbox_sent_total").absolute(c.outbox_sent.max(0) as u64);
    metrics::counter!("tanggap_outbox_failed_total").absolute(c.outbox_failed.max(0) as u64);
    record_feed_metrics(&state.store.feed_states().await?);
    let text = crate::telemetry::handle().render();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[utoipa::path(
    post, path = "/api/v1/mentions", tag = "intake",
    request_body(content = views::MentionBatch, description = "One mention, an array (stored all or none), or NDJSON with `Content-Type: application/x-ndjson`"),
    responses(
        (status = 201, description = "At least one mention stored (durably, before this answer)", body = views::IngestResult),
        (status = 200, description = "Every mention was already stored", body = views::IngestResult),
        (status = 415, description = "Unsupported Content-Type", body = crate::error::ErrorBody),
        (status = 429, description = "Over this token's ingest rate; see Retry-After", body = crate::error::ErrorBody),
    )
)]
pub(super) async fn post_mentions(
    State(state): State<AppState>,
    Ingester(caller): Ingester,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    if let Err(not_until) = state.ingest_limiter.check_key(&caller.name) {
        use governor::clock::{Clock, DefaultClock};
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Err(AppError::RateLimited(wait.as_secs_f64().ceil() as u64));
    }
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(state.settings.server.max_body_bytes)
        } else {
            AppError::bad_request("invalid_body", r.body_text())
        }
    })?;
    let framing =
        Framing::from_content_type(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()))?;
    let limits = Limits {
        max_text_chars: state.settings.limits.max_text_chars,
        max_batch_items: state.settings.server.max_batch_items,
    };
    let validated = ingest::split_body(&body, framing)
        .and_then(|raws| ingest::validate_batch(&raws, limits, chrono::Utc::now()));
    let mentions = match validated {
        Ok(m) => m,
        Err(e) => {
            metrics::counter!(crate::telemetry::INGEST_REJECTED).increment(1);
            return Err(e.into());
        }
    };
    // Durable before we answer: insert_mentions commits with synchronous=FULL.
    let items = crate::service::intake::ingest(&state.env(), &caller, &mentions).await?;
    let accepted = items.iter().filter(|i| i.status == "created").count();
    let duplicates = items.len() - accepted;
    metrics::counter!(crate::telemetry::INGEST_CREATED).increment(accepted as u64);
    metrics::counter!(crate::telemetry::INGEST_DUPLICATES).increment(duplicates as u64);
    if accepted > 0 {
        for n in state.ingest_notify.iter() {
            n.notify_one();
        }
    }
    let status = if accepted > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = views::IngestResult {
        accepted,
        duplicates,
        items,
    };
    Ok((status, Json(body)).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/mentions/{id}", tag = "intake", params(("id" = String, Path, description = "Mention id")), responses((status = 200, description = "The mention with its scores, labels and incident", body = views::Mention))
)]
pub(super) async fn get_mention(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<views::Mention>> {
    let m = state
        .store
        .mention(&id)
        .await?
        .ok_or(AppError::NotFound("mention"))?;
    Ok(Json(views::Mention::from(&m)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    #[param(max_length = 1000)]
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(hoax|sara|hate_speech|scam|disaster|health|politics|security|economy|public_service)?$")]
    label: Option<String>,
    source: Option<String>,
    region: Option<String>,
    incident: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(relevance|newest|oldest)?$")]
    sort: Option<String>,
    /// Page size, 1–100 (default 20; values outside are clamped).
    limit: Option<usize>,
    /// Hits to skip, up to 10,000 (larger values are clamped).
    offset: Option<usize>,
    facets: Option<bool>,
}

impl SearchParams {
    /// From a page's query string (all text): numbers that do not parse are ignored.
    pub(super) fn from_form(p: &std::collections::HashMap<String, String>) -> SearchParams {
        let text = |k: &str| p.get(k).cloned();
        SearchParams {
            q: text("q"),
            label: text("label"),
            source: text("source"),
            region: text("region"),
            incident: text("incident"),
            from: text("from"),
            to: text("to"),
            sort: text("sort"),
            limit: p.get("limit").and_then(|v| v.parse().ok()),
            offset: p.get("offset").and_then(|v| v.parse().ok()),
            facets: Some(true),
        }
    }
}

/// A time bound: RFC 3339, or a date `YYYY-MM-DD` meaning that day's start in WIB (for `to`,
/// the end of that day).
pub(super) fn parse_bound(
    field: &str,
    value: &str,
    end_of_day: bool,
) -> AppResult<chrono::DateTime<chrono::Utc>> {
    if let Some(t) = crate::store::parse_ts(value) {
        return Ok(t);
    }
    let day = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "use a date (2026-11-29) or an RFC 3339 time"))?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let wib = chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset");
    Ok(day
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(wib)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&chrono::Utc))
}

/// Validates search parameters into a request for the index.
pub(super) fn search_request(p: SearchParams) -> AppResult<crate::index::SearchRequest> {
    use crate::index::{SearchRequest, Sort};
    let q = p.q.unwrap_or_default();
    if q.chars().count() > 1000 {
        return Err(AppError::bad_request(
            "invalid_query",
            "q is longer than 1000 characters",
        ));
    }
    let label = match p.label.as_deref().filter(|s| !s.is_empty()) {
        Some(l) => Some(
            l.parse::<Label>()
                .map_err(|e| AppError::field("label", e.to_string()))?
                .code()
                .to_string(),
        ),
        None => None,
    };
    let from = p
        .from
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|v| parse_bound("from", v, false))
        .transpose()?;
    let to =
        p.to.as_deref()
            .filter(|s| !s.is_empty())
            .map(|v| parse_bound("to", v, true))
            .transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(AppError::field("to", "must be after from"));
        }
    }
    let sort = match p.sort.as_deref().unwrap_or("relevance") {
        "relevance" | "" => Sort::Relevance,
        "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        _ => return Err(AppError::field("sort", "one of relevance, newest, oldest")),
    };
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(SearchRequest {
        q,
        label,
        source: nonempty(p.source).map(|s| s.to_lowercase()),
        region: nonempty(p.region),
        incident: nonempty(p.incident),
        from,
        to,
        sort,
        limit: p.limit.unwrap_or(20).clamp(1, 100),
        offset: p.offset.unwrap_or(0).min(10_000),
        facets: p.facets.unwrap_or(true),
    })
}

/// Runs a search on a blocking thread and joins the hits with their stored mentions.
pub(super) async fn run_search(
    state: &AppState,
    request: crate::index::SearchRequest,
) -> AppResult<views::SearchResults> {
    let index = state.index.clone();
    let r = request.clone();
    let started = std::time::Instant::now();
    let page = tokio::task::spawn_blocking(move || index.search(&r))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| match e {
            SearchError::BadQuery(m) => AppError::bad_request("invalid_query", m),
            SearchError::Internal(e) => AppError::Internal(e),
        })?;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    let ids: Vec<String> = page.hits.iter().map(|h| h.id.clone()).collect();
    let rows = state.store.mentions_by_ids(&ids).await?;
    let hits = page
        .hits
        .iter()
        .filter_map(|h| {
            let m = rows.iter().find(|m| m.id == h.id)?;
            Some(views::SearchHit {
                id: h.id.clone(),
                score: h.score,
                snippet: h.snippet.clone(),
                source: m.source.clone(),
                region: m.region.clone(),
                url: m.url.clone(),
                author: m.author_handle.clone(),
                captured_at: m.captured_at.clone(),
                posted_at: m.posted_at.clone(),
                labels: m
                    .labels
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_default(),
                incident_id: m.incident_id.clone(),
            })
        })
        .collect();
    let facet = |counts: &[(String, u64)]| {
        counts
            .iter()
            .map(|(k, n)| views::FacetCount {
                value: k.clone(),
                count: *n,
            })
            .collect()
    };
    let facets = page.facets.as_ref().map(|f| views::Facets {
        label: facet(&f.label),
        source: facet(&f.source),
        region: facet(&f.region),
    });
    Ok(views::SearchResults {
        query: request.q,
        total: page.total,
        limit: request.limit,
        offset: request.offset,
        took_ms: (took_ms * 100.0).round() / 100.0,
        hits,
        facets,
    })
}

/// `GET /api/v1/search`: full-text search with filters, order, page, highlights and facets.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "search", params(SearchParams), responses((status = 200, description = "A page of hits with highlights and facets", body = views::SearchResults))
)]
pub(super) async fn search(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(p): AppQuery<SearchParams>,
) -> AppResult<Json<views::SearchResults>> {
    let request = search_request(p)?;
    Ok(Json(run_search(&state, request).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct IncidentParams {
    status: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(hoax|sara|hate_speech|scam|disaster|health|politics|security|economy|public_service)?$")]
    label: Option<String>,
    team: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(low|medium|high|critical)?$")]
    severity: Option<String>,
    assignee: Option<String>,
    region: Option<String>,
    /// Page size, 1–500 (default 50; values outside are clamped).
    limit: Option<i64>,
    /// Incidents to skip (negative counts as 0).
    offset: Option<i64>,
}

/// Parses incident list filters, naming the bad field.
pub(crate) fn incident_filter(
    status: Option<&str>,
    label: Option<&str>,
    team: Option<&str>,
    severity: Option<&str>,
) -> Result<IncidentFilter, AppError> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, message: String| {
        errors.push(crate::error::FieldError {
            index: None,
            field: field.into(),
            message,
        })
    };
    let statuses = match status.filter(|s| !s.is_empty()) {
        None | Some("open") => vec![],
        Some("all") => IncidentStatus::ALL.iter().map(|s| s.code().to_string()).collect(),
        Some(list) => list
            .split(',')
            .filter_map(|s| match s.parse::<IncidentStatus>() {
                Ok(s) => Some(s.code().to_string()),
                Err(_) => {
                    bad("status", format!("unknown status {s:?}"));
                    None
                }
            })
            .collect(),
    };
    let label = label
        .filter(|s| !s.is_empty())
        .and_then(|l| match l.parse::<Label>() {
            Ok(l) => Some(l.code().to_string()),
            Err(_) => {
                bad("label", format!("unknown label {l:?}"));
                None
            }
        });
    let severity = severity
        .filter(|s| !s.is_empty())
        .and_then(|s| match s.parse::<Severity>() {
            Ok(s) => Some(s.code().to_string()),
            Err(_) => {
                bad("severity", format!("unknown severity {s:?}"));
                None
            }
        });
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(IncidentFilter {
        statuses,
        label,
        team: team.filter(|s| !s.is_empty()).map(str::to_string),
        severity,
        assignee: None,
        region: None,
        limit: 100,
        offset: 0,
    })
}

/// Mention velocity (per hour) in the hours before and after the first approved clarification,
/// so the office can see whether its answer slowed the claim down.
async fn clarification_effect(
    state: &AppState,
    i: &IncidentRow,
) -> AppResult<Option<views::ClarificationEffect>> {
    let Some(at) = i.first_clarified_at.as_deref().and_then(crate::store::parse_ts) else {
        return Ok(None);
    };
    let e = crate::incidents::clarification_effect(&state.store, &i.id, at, chrono::Utc::now()).await?;
    Ok(Some(views::ClarificationEffect {
        clarified_at: i.first_clarified_at.clone(),
        window_hours: crate::incidents::EFFECT_WINDOW_HOURS,
        before_per_hour: e.before_per_hour,
        after_per_hour: e.after_per_hour,
        after_hours_observed: e.after_hours_observed,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/incidents", tag = "incidents", params(IncidentParams), responses((status = 200, description = "Incidents, newest first (open ones unless `status` says otherwise)", body = views::IncidentList))
)]
pub(super) async fn list_incidents(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(p): AppQuery<IncidentParams>,
) -> AppResult<Json<views::IncidentList>> {
    let mut filter = incident_filter(
        p.status.as_deref(),
        p.label.as_deref(),
        p.team.as_deref(),
        p.severity.as_deref(),
    )?;
    filter.assignee = p.assignee.filter(|s| !s.is_empty());
    filter.region = p.region.filter(|s| !s.is_empty());
    filter.limit = p.limit.unwrap_or(50).clamp(1, 500);
    filter.offset = p.offset.unwrap_or(0).max(0);
    let rows = state.store.incidents(&filter).await?;
    Ok(Json(views::IncidentList {
        incidents: rows.iter().map(views::Incident::from).collect(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path, description = "Incident id")), responses((status = 200, description = "The incident with mentions, playbook, checklist, timeline and clarifications", body = views::IncidentDetail))
)]
pub(super) async fn get_incident(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<views::IncidentDetail>> {
    let i = state
        .store
        .incident(&id)
        .await?
        .ok_or(AppError::NotFound("incident"))?;
    let mentions = state.store.incident_mentions(&id, 50).await?;
    let events = state.store.events(&id).await?;
    let playbook = i.playbook_id.as_deref().and_then(|p| state.playbooks.get(p));
    let mut incident = views::Incident::from(&i);
    incident.playbook = playbook.map(|p| views::IncidentPlaybook {
        id: p.id.clone(),
        version: Some(p.version),
        title: Some(p.title.clone()),
        summary: Some(p.summary.clone()),
        contacts: Some(p.contacts.clone()),
        templates: Some(p.templates.clone()),
    });
    // The fact-checks the incident's mentions matched, to cite as {{sumber}} / {{tautan}}.
    let fact_checks = state
        .store
        .claims_of_incident(&id)
        .await?
        .iter()
        .map(|k| views::FactCheck {
            id: k.id.clone(),
            claim: k.claim.clone(),
            verdict: k.verdict.clone(),
            summary: k.summary.clone(),
            url: k.url.clone(),
            source: crate::service::clarifications::fact_check_source(k),
            matched_mentions: k.matches,
        })
        .collect();
    let marks = state.store.checklist(&id).await?;
    let checklist = playbook
        .map(|p| {
            p.steps
                .iter()
                .enumerate()
                .map(|(n, s)| {
                    let mark = marks
                        .iter()
                        .find(|m| m.playbook_id == p.id && m.step == n as i64 + 1);
                    views::ChecklistStep {
                        step: n + 1,
                        text: s.text.clone(),
                        owner: s.owner.clone(),
                        target_minutes: s.target_minutes,
                        done: mark.is_some(),
                        done_by: mark.map(|m| m.done_by.clone()),
                        done_at: mark.map(|m| m.done_at.clone()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let filter = crate::store::ClarificationFilter {
        incident_id: Some(id.clone()),
        limit: 100,
        ..Default::default()
    };
    let clarifications = state.store.clarifications(&filter).await?;
    Ok(Json(views::IncidentDetail {
        clarification_effect: clarification_effect(&state, &i).await?,
        incident,
        fact_checks,
        mentions: mentions.iter().map(views::Mention::from).collect(),
        checklist,
        timeline: events.iter().map(views::TimelineEvent::from).collect(),
        clarifications: clarifications.iter().map(views::Clarification::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TransitionReq {
    #[schema(value_type = IncidentStatus)]
    to: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: Option<String>,
}

/// `POST /api/v1/incidents/{id}/transitions`: a checked status change (409 when illegal).
#[utoipa::path(
    post, path = "/api/v1/incidents/{id}/transitions", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = TransitionReq, responses((status = 200, description = "Status changed (409 when the lifecycle forbids it)", body = views::Incident))
)]
pub(super) async fn transition(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    crate::error::AppJson(req): crate::error::AppJson<TransitionReq>,
) -> AppResult<Json<views::Incident>> {
    let to: IncidentStatus = req
        .to
        .parse()
        .map_err(|_| AppError::field("to", format!("unknown status {:?}", req.to)))?;
    let input = incidents::Transition {
        to,
        reason: req.reason,
    };
    let i = incidents::transition(&state.env(), &caller, &id, input).await?;
    Ok(Json(views::Incident::from(&i)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TriageReq {
    #[serde(default)]
    #[schema(value_type = Option<crate::clarifications::Verdict>)]
    verdict: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    assignee: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<Label>>)]
    labels: Option<Vec<String>>,
}

/// `PATCH /api/v1/incidents/{id}`: set the verdict, the assignee and/or correct the labels. A
/// verdict other than `belum_terverifikasi`, and a label correction, are kept as triage
/// decisions for retraining (`tanggap train --include-feedback`).
#[utoipa::path(
    patch, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = TriageReq, responses((status = 200, description = "Verdict, assignee and/or labels set", body = views::Incident))
)]
pub(super) async fn triage(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    crate::error::AppJson(req): crate::error::AppJson<TriageReq>,
) -> AppResult<Json<views::Incident>> {
    let verdict = super::clarify::parse_verdict(req.verdict.as_deref())?;
    let labels = req
        .labels
        .map(|ls| {
            ls.iter()
                .map(|l| {
                    l.parse::<Label>().map_err(|_| {
                        let shown: String = l.chars().take(40).collect();
                        AppError::field("labels", format!("unknown label {shown:?}"))
                    })
                })
                .collect::<Result<Vec<Label>, AppError>>()
        })
        .transpose()?;
    let input = incidents::Triage {
        verdict,
        assignee: req.assignee,
        labels,
    };
    let i = incidents::triage(&state.env(), &caller, &id, input).await?;
    Ok(Json(views::Incident::from(&i)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MergeReq {
    from: String,
}

/// `POST /api/v1/incidents/{id}/merge`: moves every mention of `from` into this incident and
/// closes `from` (dismissed, "merged into …"); both timelines record it.
#[utoipa::path(
    post, path = "/api/v1/incidents/{id}/merge", tag = "incidents", params(("id" = String, Path, description = "Target incident id")), request_body = MergeReq, responses((status = 200, description = "The other incident's mentions moved here; it is closed", body = views::Incident))
)]
pub(super) async fn merge(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    crate::error::AppJson(req): crate::error::AppJson<MergeReq>,
) -> AppResult<Json<views::Incident>> {
    let i = incidents::merge(&state.env(), &caller, &id, &req.from).await?;
    // The indexer picks up the moved mentions (their incident changed).
    state.ingest_notify[0].notify_one();
    Ok(Json(views::Incident::from(&i)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SplitReq {
    #[schema(min_items = 1)]
    mention_ids: Vec<String>,
}

/// `POST /api/v1/incidents/{id}/split`: moves the given mentions into a new incident with the
/// same labels, team and playbook; at least one mention must stay.
#[utoipa::path(
    post, path = "/api/v1/incidents/{id}/split", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = SplitReq, responses((status = 201, description = "The new incident holding the named mentions", body = views::Incident))
)]
pub(super) async fn split(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    crate::error::AppJson(req): crate::error::AppJson<SplitReq>,
) -> AppResult<Response> {
    let i = incidents::split(&state.env(), &caller, &id, &req.mention_ids).await?;
    state.ingest_notify[0].notify_one();
    Ok((StatusCode::CREATED, Json(views::Incident::from(&i))).into_response())
}
