//! Server-rendered pages (templates compiled in, auto-escaped).

use axum::extract::{Path, State};
use axum::response::Html;
use minijinja::{context, Environment};
use serde_json::Value;

use super::AppState;
use crate::domain::Label;
use crate::error::{AppError, AppResult};
use crate::store::{parse_ts, IncidentFilter};

fn env() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("../templates/web/base.html")),
            ("queue.html", include_str!("../templates/web/queue.html")),
            ("incident.html", include_str!("../templates/web/incident.html")),
        ] {
            env.add_template(name, src).expect("valid template");
        }
        env
    })
}

/// A stored time shown in WIB.
pub(crate) fn wib(s: &str) -> String {
    parse_ts(s)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Jakarta)
                .format("%d-%m-%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn render(name: &str, ctx: minijinja::Value) -> AppResult<Html<String>> {
    let html = env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Html(html))
}

pub(super) async fn queue(State(state): State<AppState>) -> AppResult<Html<String>> {
    let filter = IncidentFilter {
        limit: 200,
        ..Default::default()
    };
    let rows = state.store.incidents(&filter).await?;
    let counts = state.store.counts().await?;
    let incidents: Vec<_> = rows
        .iter()
        .map(|i| {
            context! {
                id => i.id, title => i.title, severity => i.severity, status => i.status,
                team => i.team, region => i.region, source => i.source, mention_count => i.mention_count,
                labels => serde_json::from_str::<Vec<String>>(&i.labels).unwrap_or_default(),
                playbook => i.playbook_id, ack_due => wib(&i.ack_due_at),
            }
        })
        .collect();
    render(
        "queue.html",
        context! { incidents => incidents, counts => counts, model_problem => state.classifier_problem },
    )
}

pub(super) async fn incident(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let i = state
        .store
        .incident(&id)
        .await?
        .ok_or(AppError::NotFound("incident"))?;
    let mentions = state.store.incident_mentions(&id, 100).await?;
    let events = state.store.events(&id).await?;
    let scores: serde_json::Map<String, Value> = serde_json::from_str(&i.max_scores).unwrap_or_default();
    let labels: Vec<_> = serde_json::from_str::<Vec<Label>>(&i.labels)
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let s = scores.get(l.code()).and_then(Value::as_f64).unwrap_or(0.0);
            context! { name => l.name_id(), score => format!("{s:.2}") }
        })
        .collect();
    let mentions: Vec<_> = mentions
        .iter()
        .map(|m| {
            let words: Vec<String> = m
                .explanation
                .as_deref()
                .and_then(|e| serde_json::from_str::<Value>(e).ok())
                .and_then(|e| e["phrases"].get(0).cloned())
                .and_then(|p| p["words"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|w| w["word"].as_str().map(str::to_string))
                .collect();
            context! {
                source => m.source, url => m.url.as_deref().filter(|u| u.starts_with("http")),
                author => m.author_handle, text => m.text, words => words,
                at => wib(m.posted_at.as_deref().unwrap_or(&m.captured_at)),
            }
        })
        .collect();
    let timeline: Vec<_> = events
        .iter()
        .map(|e| context! { at => wib(&e.at), actor => e.actor, kind => e.kind })
        .collect();
    let playbook = i.playbook_id.as_deref().and_then(|p| state.playbooks.get(p));
    render(
        "incident.html",
        context! {
            i => context! {
                title => i.title, severity => i.severity, status => i.status, team => i.team,
                mention_count => i.mention_count, opened => wib(&i.opened_at), ack_due => wib(&i.ack_due_at),
            },
            labels => labels, mentions => mentions, timeline => timeline, playbook => playbook,
        },
    )
}
