//! Server-rendered pages (templates compiled in, auto-escaped), login and logout. Every page
//! needs a session; forms carry the session's CSRF token.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use minijinja::{context, Environment};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use crate::auth::{self, Session, SESSION_COOKIE, SESSION_HOURS};
use crate::domain::Label;
use crate::error::{AppError, AppResult};
use crate::service::incidents;
use crate::store::{ts, wib, ClarificationFilter, IncidentFilter};
use crate::text::sha256_hex;

const LOGIN_CSRF_COOKIE: &str = "tanggap_login_csrf";
/// Failed logins allowed for one username from one address in the throttle window.
const MAX_FAILURES: i64 = 5;
/// Failed logins allowed from one address, any usernames, in the throttle window (sprays).
const MAX_ADDRESS_FAILURES: i64 = 20;
/// Failed logins on one username, from anywhere, after which every attempt on it is slowed.
const ACCOUNT_SLOWDOWN_AFTER: i64 = 10;
/// The longest such slowdown, in seconds.
const MAX_SLOWDOWN_SECONDS: i64 = 3;
/// The throttle window in minutes.
const THROTTLE_MINUTES: i64 = 15;

/// A logged-in person on a page; anyone else is sent to the login page.
pub(super) struct PageUser(pub(super) Session);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match super::guards::session_of(state, &parts.headers).await {
            Ok(Some(s)) => Ok(PageUser(s)),
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = format!("/login?next={}", urlencode(next));
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The template context for the logged-in person (for other page modules).
pub(super) fn user_context(s: &Session) -> minijinja::Value {
    user_ctx(s)
}

/// Renders one of the compiled-in page templates.
pub(super) fn render_page(name: &str, ctx: minijinja::Value) -> AppResult<Html<String>> {
    render(name, ctx)
}

fn user_ctx(s: &Session) -> minijinja::Value {
    context! { name => s.name, role => s.role.code(), csrf => s.csrf }
}

/// The page templates, compiled in.
pub(super) const TEMPLATES: [(&str, &str); 12] = [
    ("base.html", include_str!("../templates/web/base.html")),
    ("queue.html", include_str!("../templates/web/queue.html")),
    ("incident.html", include_str!("../templates/web/incident.html")),
    ("login.html", include_str!("../templates/web/login.html")),
    ("library.html", include_str!("../templates/web/library.html")),
    ("claims.html", include_str!("../templates/web/claims.html")),
    ("feeds.html", include_str!("../templates/web/feeds.html")),
    ("ack.html", include_str!("../templates/web/ack.html")),
    ("search.html", include_str!("../templates/web/search.html")),
    (
        "queue_rows.html",
        include_str!("../templates/web/queue_rows.html"),
    ),
    ("dashboard.html", include_str!("../templates/web/dashboard.html")),
    ("users.html", include_str!("../templates/web/users.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src).expect("valid template");
        }
        env.add_function("t", super::i18n::translate);
        env.add_filter("js", super::i18n::js_string);
        env
    })
}

/// Renders a template with the request's language and address (`lang`, `here`) added to `ctx`.
fn render(name: &str, ctx: minijinja::Value) -> AppResult<Html<String>> {
    let request = super::i18n::current();
    let request_ctx = context! { lang => request.lang.code(), here => request.here };
    let ctx = minijinja::value::merge_maps([request_ctx, ctx]);
    let html = env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Html(html))
}

/// Queue filters, kept in the URL.
#[derive(Debug, Default, Deserialize)]
pub(super) struct QueueQuery {
    status: Option<String>,
    label: Option<String>,
    team: Option<String>,
    assignee: Option<String>,
    region: Option<String>,
    /// `rows`: only the live part (counts and table), for the page's live updates.
    partial: Option<String>,
}

/// `GET /`: the queue of open incidents, most severe and soonest due first, with filters,
/// SLA countdowns, live updates and keyboard shortcuts.
pub(super) async fn queue(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<QueueQuery>,
) -> AppResult<Html<String>> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (mut filter, error) =
        match super::api::incident_filter(p.status.as_deref(), p.label.as_deref(), p.team.as_deref(), None) {
            Ok(f) => (f, None),
            Err(e) => (IncidentFilter::default(), Some(e.input_problem().ok_or(e)?)),
        };
    filter.assignee = nonempty(&p.assignee);
    filter.region = nonempty(&p.region);
    filter.limit = 200;
    let rows = state.store.incidents(&filter).await?;
    let counts = state.store.counts().await?;
    let mut incidents = Vec::with_capacity(rows.len());
    for i in &rows {
        let total = i
            .playbook_id
            .as_deref()
            .and_then(|p| state.playbooks.get(p))
            .map(|p| p.steps.len())
            .unwrap_or(0);
        let done = if total > 0 {
            let marks = state.store.checklist(&i.id).await?;
            marks
                .iter()
                .filter(|m| Some(m.playbook_id.as_str()) == i.playbook_id.as_deref())
                .count()
        } else {
            0
        };
        // The clock that matters now: acknowledgement until acknowledged, then clarification.
        let (due, due_kind) = match (&i.acknowledged_at, &i.clarify_due_at) {
            (None, _) => (Some(i.ack_due_at.clone()), "akui"),
            (Some(_), Some(c)) if i.first_clarified_at.is_none() => (Some(c.clone()), "klarifikasi"),
            _ => (None, ""),
        };
        incidents.push({
            context! {
                id => i.id, title => i.title, severity => i.severity, status => i.status,
                team => i.team, region => i.region, source => i.source, mention_count => i.mention_count,
                labels => serde_json::from_str::<Vec<String>>(&i.labels).unwrap_or_default(),
                playbook => i.playbook_id, assignee => i.assignee,
                due => due.as_deref().map(wib), due_iso => due, due_kind => due_kind,
                checklist => format!("{done}/{total}"),
                breached => i.ack_breached_at.is_some() || i.clarify_breached_at.is_some(),
                can_ack => i.status == crate::domain::IncidentStatus::New,
            }
        });
    }
    let filters = context! {
        status => nonempty(&p.status), label => nonempty(&p.label), team => nonempty(&p.team),
        assignee => nonempty(&p.assignee), region => nonempty(&p.region),
    };
    let tray = super::review::tray(&state, 20, 0).await?;
    // Mail that has waited over a minute means the mail server is down or refusing: say so.
    let waited = counts.outbox_oldest_seconds(Utc::now());
    let mail_backlog = (counts.outbox_pending > 0 && waited >= 60).then(|| {
        context! {
            count => counts.outbox_pending, minutes => waited / 60,
            error => counts.outbox_last_error.as_deref().map(|e| e.chars().take(200).collect::<String>()),
        }
    });
    let ctx = context! {
        tray => tray, mail_backlog => mail_backlog,
        alarms => Label::ALARMS.iter().map(|l| l.code()).collect::<Vec<_>>(),
        incidents => incidents, counts => counts, model_problem => state.classifier_problem,
        user => user_ctx(&user), filters => filters, error => error,
        labels => Label::ALL.iter().map(|l| context! { code => l.code(), name => l.name_id() }).collect::<Vec<_>>(),
        teams => state.settings.teams.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        statuses => crate::domain::IncidentStatus::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
        can_act => user.role.can_respond(),
    };
    if p.partial.as_deref() == Some("rows") {
        return render("queue_rows.html", ctx);
    }
    render("queue.html", ctx)
}

pub(super) async fn incident(
    State(state): State<AppState>,
    PageUser(user): PageUser,
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
            let explanation = m
                .explanation
                .as_deref()
                .and_then(|e| serde_json::from_str::<Value>(e).ok())
                .unwrap_or(Value::Null);
            let claim = explanation.get("known_claim").filter(|k| !k.is_null()).map(|k| {
                context! {
                    id => k["id"], claim => k["claim"], verdict => k["verdict"], summary => k["summary"],
                    url => k["url"].as_str().filter(|u| u.starts_with("http")),
                    incident_id => k["incident_id"], similarity => format!("{:.2}", k["similarity"].as_f64().unwrap_or(0.0)),
                    linked => k["action"] == "auto_link",
                    shared => k["shared_terms"].as_array().map(|a| a.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(", ")),
                }
            });
            let words: Vec<String> = Some(&explanation)
                .and_then(|e| e["phrases"].get(0).cloned())
                .and_then(|p| p["words"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|w| w["word"].as_str().map(str::to_string))
                .collect();
            context! {
                source => m.source, url => m.url.as_deref().filter(|u| u.starts_with("http")),
                author => m.author_handle, text => m.text, words => words, claim => claim,
                model => explanation["model_version"].as_str(),
                at => wib(m.posted_at.as_deref().unwrap_or(&m.captured_at)),
            }
        })
        .collect();
    let timeline: Vec<_> = events
        .iter()
        .map(|e| context! { at => wib(&e.at), actor => e.actor, kind => e.kind })
        .collect();
    let playbook = i.playbook_id.as_deref().and_then(|p| state.playbooks.get(p));
    let marks = state.store.checklist(&id).await?;
    let steps: Vec<_> =
        playbook
            .map(|p| {
                p.steps
                .iter()
                .enumerate()
                .map(|(n, st)| {
                    let mark = marks.iter().find(|m| m.playbook_id == p.id && m.step == n as i64 + 1);
                    context! {
                        text => st.text, owner => st.owner, target_minutes => st.target_minutes,
                        done_by => mark.map(|m| m.done_by.clone()), done_at => mark.map(|m| wib(&m.done_at)),
                    }
                })
                .collect()
            })
            .unwrap_or_default();
    let filter = ClarificationFilter {
        incident_id: Some(id.clone()),
        limit: 50,
        ..Default::default()
    };
    let writers = state.store.clarification_writers_of_incident(&id).await?;
    let clarifications: Vec<_> = state
        .store
        .clarifications(&filter)
        .await?
        .iter()
        .map(|c| {
            // Four eyes: whoever wrote any of the text sees no approve or return buttons.
            let wrote = crate::clarifications::wrote(
                &user.username,
                &c.author,
                writers.get(&c.id).map_or(&[][..], Vec::as_slice),
            );
            let checks = crate::clarifications::check(&c.channel, &c.title, &c.body);
            let editable = crate::clarifications::Status::parse(&c.status).is_some_and(|s| s.editable());
            context! {
                id => c.id, channel => c.channel, lang => c.lang, status => c.status, author => c.author,
                verdict => c.verdict, return_comment => c.return_comment, title => c.title, body => c.body,
                text => crate::clarifications::full_text(&c.title, &c.body), editable => editable, wrote => wrote,
                length => checks.length, limit => checks.limit, too_long => checks.too_long, unfilled => checks.unfilled,
            }
        })
        .collect();
    let status = i.status;
    let transitions: Vec<_> = [
        ("acknowledged", "Akui"),
        ("investigating", "Mulai selidiki"),
        ("drafting", "Mulai menyusun"),
        ("resolved", "Selesai"),
        ("dismissed", "Tolak (bukan insiden)"),
    ]
    .into_iter()
    .filter(|(to, _)| {
        to.parse()
            .is_ok_and(|to| crate::incidents::check_transition(status, to).is_ok())
    })
    .map(|(to, label)| context! { to => to, label => label })
    .collect();
    let can_act = matches!(
        user.role,
        crate::domain::Role::Responder | crate::domain::Role::Admin
    );
    render(
        "incident.html",
        context! {
            i => context! {
                id => i.id, title => i.title, severity => i.severity, status => i.status, team => i.team,
                mention_count => i.mention_count, opened => wib(&i.opened_at), ack_due => wib(&i.ack_due_at),
                verdict => i.verdict, assignee => i.assignee,
            },
            label_choices => Label::ALL.iter().map(|l| context! {
                code => l.code(), name => l.name_id(),
                on => serde_json::from_str::<Vec<Label>>(&i.labels).unwrap_or_default().contains(l),
            }).collect::<Vec<_>>(),
            labels => labels, mentions => mentions, timeline => timeline, playbook => playbook,
            user => user_ctx(&user), steps => steps, clarifications => clarifications,
            can_act => can_act, is_admin => user.role == crate::domain::Role::Admin, transitions => transitions,
            verdicts => ["hoaks", "disinformasi", "misinformasi", "salah", "penipuan", "fakta", "belum_terverifikasi"],
        },
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    next: Option<String>,
}

/// Where to go after logging in: a local path only (no scheme, no `//host`, no `\`-tricks,
/// no control characters or spaces, which would also make an invalid `Location` header).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2000
                && !n.contains('\\')
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

fn login_page(status: StatusCode, csrf: &str, next: &str, username: &str, error: Option<&str>) -> Response {
    match render(
        "login.html",
        context! { csrf => csrf, next => next, username => username, error => error },
    ) {
        Ok(html) => {
            let mut r = (status, html).into_response();
            let cookie =
                format!("{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn login_form(Query(q): Query<LoginQuery>) -> Response {
    login_page(
        StatusCode::OK,
        &auth::new_token(),
        &safe_next(q.next.as_deref()),
        "",
        None,
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub(super) async fn login(
    State(state): State<AppState>,
    addr: auth::ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(f.next.as_deref());
    let fresh = auth::new_token();
    if auth::cookie(&headers, LOGIN_CSRF_COOKIE) != Some(f.csrf.as_str()) {
        return Ok(login_page(
            StatusCode::FORBIDDEN,
            &fresh,
            &next,
            &f.username,
            Some("Formulir kedaluwarsa, silakan coba lagi."),
        ));
    }
    // No username holds control characters; dropping them also keeps NUL (which PostgreSQL
    // refuses in text) out of the failure log.
    let username = f
        .username
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect::<String>();
    let now = Utc::now();
    let failures = state
        .store
        .login_failures_since(&username, &addr.0, &ts(now - Duration::minutes(THROTTLE_MINUTES)))
        .await?;
    // Hard limits hold only for the address that failed: an outsider cannot lock a colleague out.
    if failures.pair >= MAX_FAILURES || failures.address >= MAX_ADDRESS_FAILURES {
        let mut r = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &fresh,
            &next,
            &username,
            Some("Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit."),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(THROTTLE_MINUTES * 60));
        return Ok(r);
    }
    // Many failures on one account from many addresses slow every attempt on it a little
    // (up to a few seconds), which a person barely notices and a password sprayer pays for.
    if failures.account >= ACCOUNT_SLOWDOWN_AFTER {
        let extra = (failures.account - ACCOUNT_SLOWDOWN_AFTER + 1).min(MAX_SLOWDOWN_SECONDS);
        tokio::time::sleep(std::time::Duration::from_secs(extra as u64)).await;
    }
    let user = state
        .store
        .user(&username)
        .await?
        .filter(|u| u.disabled_at.is_none());
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let ok = auth::verify_password(f.password.chars().take(1024).collect(), hash).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        state.store.login_failed(&username, &addr.0, &ts(now)).await?;
        tracing::warn!(%username, address = %addr.0, "failed login");
        return Ok(login_page(
            StatusCode::UNAUTHORIZED,
            &fresh,
            &next,
            &username,
            Some("Nama pengguna atau kata sandi salah."),
        ));
    };
    state.store.login_succeeded(&username, &addr.0).await?;
    let session_id = auth::new_token();
    let expires = now + Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(
            &sha256_hex(session_id.as_bytes()),
            &user.id,
            &auth::new_token(),
            &ts(now),
            &ts(expires),
        )
        .await?;
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={session_id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        SESSION_HOURS * 3600
    );
    let mut r = Redirect::to(&next).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn logout(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    if f.csrf != user.csrf {
        return Err(AppError::ForbiddenBecause("missing or wrong CSRF token".into()));
    }
    state.store.delete_session(&user.id_hash).await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tanggap_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub(super) struct LibraryQuery {
    q: Option<String>,
    channel: Option<String>,
}

pub(super) async fn library(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<LibraryQuery>,
) -> AppResult<Html<String>> {
    let q = p.q.unwrap_or_default().chars().take(200).collect::<String>();
    let channel = p.channel.unwrap_or_default().chars().take(32).collect::<String>();
    let filter = ClarificationFilter {
        status: Some("approved".into()),
        channel: Some(channel.clone()).filter(|c| !c.is_empty()),
        q: Some(q.clone()).filter(|q| !q.trim().is_empty()),
        limit: 100,
        ..Default::default()
    };
    let items: Vec<_> = state
        .store
        .clarifications(&filter)
        .await?
        .iter()
        .map(|c| {
            context! {
                id => c.id, title => c.title, channel => c.channel, verdict => c.verdict,
                approved_by => c.approved_by, approved_at => wib(c.approved_at.as_deref().unwrap_or("")),
                incident_id => c.incident_id, text => crate::clarifications::full_text(&c.title, &c.body),
            }
        })
        .collect();
    render(
        "library.html",
        context! { items => items, q => q, channel => channel, channels => crate::playbooks::CHANNELS, user => user_ctx(&user) },
    )
}

/// `GET /search`: the search page, on the same request parsing and search as the API.
pub(super) async fn search(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<std::collections::HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let get = |k: &str| p.get(k).cloned().filter(|v| !v.trim().is_empty());
    let params = super::api::SearchParams::from_form(&p);
    let searched = ["q", "label", "source", "region", "incident", "from", "to"]
        .iter()
        .any(|k| get(k).is_some());
    let (result, error) = if !searched {
        (None, None)
    } else {
        let searched = async { super::api::run_search(&state, super::api::search_request(params)?).await };
        match searched.await {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e.input_problem().ok_or(e)?)),
        }
    };
    let hits: Vec<minijinja::Value> = result
        .as_ref()
        .map(|r| r.hits.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|h| {
            context! {
                id => h.id, source => h.source, region => h.region, url => h.url,
                author => h.author, incident_id => h.incident_id, labels => h.labels,
                at => wib(h.posted_at.as_deref().unwrap_or(&h.captured_at)),
                // Escaped by the index; only <mark> is markup.
                snippet => minijinja::Value::from_safe_string(h.snippet.clone()),
            }
        })
        .collect();
    let form: std::collections::BTreeMap<&str, String> =
        ["q", "label", "source", "region", "incident", "from", "to", "sort"]
            .into_iter()
            .map(|k| (k, get(k).unwrap_or_default()))
            .collect();
    let total = result.as_ref().map_or(0, |r| r.total);
    let offset = result.as_ref().map_or(0, |r| r.offset);
    let limit = result.as_ref().map_or(20, |r| r.limit);
    // The current filters as a query string, for facet links and pages.
    let base: String = form
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    render(
        "search.html",
        context! {
            user => user_ctx(&user), form => form, hits => hits, error => error, searched => searched,
            total => total, offset => offset, limit => limit, base => base,
            facets => result.as_ref().map(|r| minijinja::Value::from_serialize(&r.facets)),
            took_ms => result.as_ref().map(|r| r.took_ms),
            labels => Label::ALL.iter().map(|l| context! { code => l.code(), name => l.name_id() }).collect::<Vec<_>>(),
            prev => (offset > 0).then(|| offset.saturating_sub(limit)),
            next => (offset + limit < total).then_some(offset + limit),
        },
    )
}

fn ack_page(status: StatusCode, ctx: minijinja::Value) -> Response {
    match render("ack.html", ctx) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /ack/{token}`: shows what the link would do and changes nothing (mail scanners open links).
pub(super) async fn ack_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let claims = match state.mail.signer.verify(&token, "ack", Utc::now().timestamp()) {
        Ok(c) => c,
        Err(e) => return Ok(ack_page(StatusCode::GONE, context! { error => e.to_string() })),
    };
    let i = state
        .store
        .incident(&claims.i)
        .await?
        .ok_or(AppError::NotFound("incident"))?;
    Ok(ack_page(
        StatusCode::OK,
        context! { title => i.title, status => i.status, recipient => claims.r },
    ))
}

/// `POST /ack/{token}`: acknowledges the incident once; a used, expired or forged link is refused.
pub(super) async fn ack(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let now = Utc::now();
    let claims = match state.mail.signer.verify(&token, "ack", now.timestamp()) {
        Ok(c) => c,
        Err(e) => return Ok(ack_page(StatusCode::GONE, context! { error => e.to_string() })),
    };
    let hash = sha256_hex(token.as_bytes());
    let outcome = incidents::acknowledge_by_link(&state.env(), &hash, &claims.i, &claims.r).await?;
    Ok(match outcome {
        incidents::LinkAck::LinkUsed => ack_page(
            StatusCode::GONE,
            context! { error => "Tautan ini sudah dipakai." },
        ),
        incidents::LinkAck::AlreadyMoved(status) => ack_page(
            StatusCode::CONFLICT,
            context! { error => format!("Insiden ini sudah berstatus {}; tidak perlu diakui lagi.", status.code()) },
        ),
        incidents::LinkAck::Done(i) => ack_page(
            StatusCode::OK,
            context! {
                done => true, title => i.title, recipient => claims.r,
                at => wib(i.acknowledged_at.as_deref().unwrap_or_default()), incident_id => i.id,
            },
        ),
    })
}

/// `GET /claims?q=`: the known-claims registry, with how many mentions matched each; admins
/// add claims here.
pub(super) async fn claims(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<super::claims::ClaimQuery>,
) -> AppResult<Html<String>> {
    let (q, limit, offset) = p.parts()?;
    let claims: Vec<_> = state
        .store
        .list_claims(q.as_deref(), limit, offset)
        .await?
        .iter()
        .map(|c| {
            context! {
                id => c.id, claim => c.claim, verdict => c.verdict, summary => c.summary,
                url => c.url.as_deref().filter(|u| u.starts_with("http")), incident_id => c.incident_id,
                origin => c.origin, created => wib(&c.created_at), matches => c.matches,
            }
        })
        .collect();
    let verdicts: Vec<&str> = crate::clarifications::Verdict::ALL
        .iter()
        .filter(|v| **v != crate::clarifications::Verdict::BelumTerverifikasi)
        .map(|v| v.code())
        .collect();
    render(
        "claims.html",
        context! {
            claims => claims, q => q.unwrap_or_default(), verdicts => verdicts,
            is_admin => user.role == crate::domain::Role::Admin, user => user_ctx(&user),
        },
    )
}

/// `/feeds`: every feed with its health; admins add, disable and enable feeds here.
pub(super) async fn feeds(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> AppResult<Html<String>> {
    let feeds: Vec<_> = state
        .store
        .feed_states()
        .await?
        .iter()
        .map(|s| {
            context! {
                name => s.name, url => s.url, kind => s.kind, region => s.region,
                enabled => s.enabled, origin => s.origin,
                last_success => s.last_success_at.as_deref().map(wib),
                status => s.last_status, failures => s.consecutive_failures,
                failing => s.consecutive_failures > 0,
                last_error => s.last_error, last_error_at => s.last_error_at.as_deref().map(wib),
                items_in_feed => s.items_in_feed, items_added => s.items_added,
                items_skipped => s.items_skipped, next => s.next_poll_at.as_deref().map(wib),
            }
        })
        .collect();
    render(
        "feeds.html",
        context! {
            feeds => feeds, user => user_ctx(&user),
            is_admin => user.role == crate::domain::Role::Admin,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            super::safe_next(Some("/incidents/inc_1?x=1")),
            "/incidents/inc_1?x=1"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\nLocation",
            "/a b",
            "x",
        ] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(super::safe_next(None), "/");
    }
}
