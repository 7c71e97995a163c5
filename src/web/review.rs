//! The review tray: mentions whose alarm score fell between a label's review threshold and its
//! alarm threshold. They page nobody; a responder confirms (the mention goes back to the
//! classifier loop with the confirmed labels and is placed in an incident) or dismisses them.
//! Every decision is kept as a labelled example (`tanggap train --include-feedback`).

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::guards::{Reader, Responder};
use super::AppState;
use crate::domain::Label;
use crate::error::{AppError, AppJson, AppQuery, AppResult};
use crate::store::ReviewItem;

/// `GET /api/v1/review` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct TrayQuery {
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    #[serde(default)]
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// One uncertain alarm label of a mention.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UncertainLabel {
    label: Label,
    kind: &'static str,
    score: Option<f64>,
    /// The score as shown on the page (two decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    score_text: Option<String>,
}

/// A mention in the tray, as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrayItem {
    id: String,
    source: String,
    url: Option<String>,
    text: String,
    /// The text's first 400 characters (the queue page shows these).
    excerpt: String,
    region: Option<String>,
    captured_at: String,
    /// The uncertain alarm labels with their scores.
    review: Vec<UncertainLabel>,
    /// Topic labels flagged (they describe; they do not page).
    topics: Vec<Label>,
}

/// The tray's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Tray {
    total: i64,
    items: Vec<TrayItem>,
}

impl From<ReviewItem> for TrayItem {
    fn from(r: ReviewItem) -> Self {
        let scores: serde_json::Value = r
            .scores
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let review: Vec<Label> = serde_json::from_str(&r.review_labels).unwrap_or_default();
        let topics: Vec<Label> = r
            .labels
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        TrayItem {
            review: review
                .into_iter()
                .map(|l| {
                    let score = scores.get(l.code()).and_then(serde_json::Value::as_f64);
                    UncertainLabel {
                        label: l,
                        kind: l.kind(),
                        score,
                        score_text: score.map(|s| format!("{s:.2}")),
                    }
                })
                .collect(),
            topics,
            id: r.id,
            source: r.source,
            url: r.url,
            excerpt: excerpt(&r.text, 400),
            text: r.text,
            region: r.region,
            captured_at: r.captured_at,
        }
    }
}

/// The first `max` characters of a text, with an ellipsis when cut.
fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The tray's first `limit` mentions (oldest first) and how many wait.
pub(crate) async fn tray(state: &AppState, limit: i64, offset: i64) -> AppResult<Tray> {
    let (total, rows) = state.store.review_queue(limit, offset).await?;
    Ok(Tray {
        total,
        items: rows.into_iter().map(TrayItem::from).collect(),
    })
}

/// `GET /api/v1/review?limit=&offset=` (viewer+): the review tray.
#[utoipa::path(
    get, path = "/api/v1/review", tag = "review", params(TrayQuery), responses((status = 200, description = "Mentions whose alarm score is uncertain, oldest first", body = Tray))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    _: Reader,
    AppQuery(q): AppQuery<TrayQuery>,
) -> AppResult<Json<Tray>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::field("offset", "0 or more"));
    }
    Ok(Json(tray(&state, limit, offset).await?))
}

/// `POST /api/v1/review/{mention_id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DecisionReq {
    #[schema(pattern = "^(confirm|dismiss)$")]
    decision: String,
    #[serde(default)]
    #[schema(value_type = Option<Vec<Label>>)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    reason: Option<String>,
}

/// What a decision did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DecisionDone {
    mention_id: String,
    decision: &'static str,
    labels: Vec<Label>,
}

/// `POST /api/v1/review/{mention_id}` (responder, admin): `{"decision": "confirm", "labels":
/// ["hoax"]}` (labels default to the uncertain ones; at least one alarm label) or
/// `{"decision": "dismiss", "reason": "…"}`. 409 when the mention is not in the tray.
#[utoipa::path(
    post, path = "/api/v1/review/{id}", tag = "review", params(("id" = String, Path, description = "Mention id")), request_body = DecisionReq, responses((status = 200, description = "Confirmed (the mention joins or opens an incident) or dismissed", body = DecisionDone))
)]
pub(super) async fn decide(
    State(state): State<AppState>,
    Responder(caller): Responder,
    Path(id): Path<String>,
    AppJson(req): AppJson<DecisionReq>,
) -> AppResult<Json<DecisionDone>> {
    use crate::service::review::{self, Decision};
    let decision = match req.decision.as_str() {
        "confirm" => {
            let labels = req
                .labels
                .map(|v| {
                    v.iter()
                        .map(|code| {
                            code.parse::<Label>()
                                .map_err(|_| AppError::field("labels", format!("unknown label {code:?}")))
                        })
                        .collect::<Result<Vec<Label>, AppError>>()
                })
                .transpose()?;
            Decision::Confirm(labels)
        }
        "dismiss" if req.labels.is_some() => {
            return Err(AppError::field("labels", "only a confirmation takes labels"))
        }
        "dismiss" => Decision::Dismiss(req.reason),
        other => {
            return Err(AppError::field(
                "decision",
                format!("{other:?}: use \"confirm\" or \"dismiss\""),
            ))
        }
    };
    let done = review::decide(&state.env(), &caller, &id, decision).await?;
    if done.confirmed {
        // The classifier loop places the mention with its confirmed labels.
        state.ingest_notify[1].notify_one();
    }
    Ok(Json(DecisionDone {
        mention_id: id,
        decision: if done.confirmed { "confirmed" } else { "dismissed" },
        labels: done.labels,
    }))
}
