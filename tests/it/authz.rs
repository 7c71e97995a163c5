//! The authorisation matrix (issue 15): every route of the router (read from
//! `tanggap::web::routes`, the list the router is built from) × every kind of caller, against the
//! expected outcomes kept in `docs/AUTHORIZATION.md`. A route without a row there, a row without
//! a route, or any cell that differs fails the test. `TANGGAP_AUTHZ_PRINT=1` prints the observed
//! table (to review a change, never to copy blindly).

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue};
use tanggap::domain::Role;

use crate::helpers::{repo, spawn_app, TestApp, PASSWORD};

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 13] = [
    "anonymous",
    "ingest token",
    "viewer token",
    "responder token",
    "admin token",
    "viewer session",
    "responder session",
    "admin session",
    "admin session, no CSRF",
    "admin session, foreign Origin",
    "disabled user's session",
    "disabled user's token",
    "expired session",
];

/// How a caller makes requests: a client (with or without a cookie) and extra headers.
struct Caller {
    client: reqwest::Client,
    headers: HeaderMap,
    /// Sent only with requests that change state (the CSRF token).
    write_headers: HeaderMap,
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn bearer(token: &str) -> Caller {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    Caller {
        client: plain_client(),
        headers,
        write_headers: HeaderMap::new(),
    }
}

/// A logged-in browser: its cookie jar and its CSRF token.
async fn session(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = app.login(&client, username, PASSWORD).await;
    assert_eq!(r.status(), 303, "login as {username}");
    let csrf = app.session_csrf(&client).await;
    (client, csrf)
}

fn with_csrf(client: reqwest::Client, csrf: Option<&str>, origin: Option<&str>) -> Caller {
    let mut write_headers = HeaderMap::new();
    if let Some(c) = csrf {
        write_headers.insert("x-csrf-token", HeaderValue::from_str(c).unwrap());
    }
    if let Some(o) = origin {
        write_headers.insert("origin", HeaderValue::from_str(o).unwrap());
    }
    Caller {
        client,
        headers: HeaderMap::new(),
        write_headers,
    }
}

async fn user(app: &TestApp, username: &str, role: Role) {
    assert!(
        tanggap::auth::create_user(&app.store, username, username, role, PASSWORD)
            .await
            .unwrap()
    );
}

async fn callers(app: &TestApp) -> Vec<Caller> {
    for (name, role) in [
        ("m_viewer", Role::Viewer),
        ("m_responder", Role::Responder),
        ("m_admin", Role::Admin),
        ("m_admin2", Role::Admin),
        ("m_gone", Role::Responder),
        ("m_stale", Role::Responder),
    ] {
        user(app, name, role).await;
    }
    let (viewer, viewer_csrf) = session(app, "m_viewer").await;
    let (responder, responder_csrf) = session(app, "m_responder").await;
    let (admin, admin_csrf) = session(app, "m_admin").await;
    let (admin2, _) = session(app, "m_admin2").await;
    let (admin3, admin3_csrf) = session(app, "m_admin2").await;
    // A person who is disabled: their session and their own token stop working.
    let (gone, gone_csrf) = session(app, "m_gone").await;
    let gone_token = tanggap::auth::create_token(&app.store, "m_gone_token", Role::Responder, Some("m_gone"))
        .await
        .unwrap()
        .unwrap();
    assert!(app
        .store
        .disable_user("m_gone", &tanggap::store::ts(chrono::Utc::now()))
        .await
        .unwrap());
    // A session that expired an hour ago (the cookie is still in the browser).
    let stale = app.store.user("m_stale").await.unwrap().unwrap();
    let cookie = "expired-session-cookie-value";
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    app.store
        .create_session(
            &tanggap::ingest::sha256_hex(cookie.as_bytes()),
            &stale.id,
            "stale-csrf",
            &tanggap::store::ts(past - chrono::Duration::hours(12)),
            &tanggap::store::ts(past),
        )
        .await
        .unwrap();
    let mut stale_headers = HeaderMap::new();
    stale_headers.insert(
        "cookie",
        HeaderValue::from_str(&format!("{}={cookie}", tanggap::auth::SESSION_COOKIE)).unwrap(),
    );
    let mut stale_writes = HeaderMap::new();
    stale_writes.insert("x-csrf-token", HeaderValue::from_static("stale-csrf"));
    vec![
        Caller {
            client: plain_client(),
            headers: HeaderMap::new(),
            write_headers: HeaderMap::new(),
        },
        bearer(&app.token(Role::Ingest).await),
        bearer(&app.token(Role::Viewer).await),
        bearer(&app.token(Role::Responder).await),
        bearer(&app.token(Role::Admin).await),
        with_csrf(viewer, Some(&viewer_csrf), None),
        with_csrf(responder, Some(&responder_csrf), None),
        with_csrf(admin, Some(&admin_csrf), None),
        with_csrf(admin2, None, None),
        with_csrf(admin3, Some(&admin3_csrf), Some("https://evil.example")),
        with_csrf(gone, Some(&gone_csrf), None),
        bearer(&gone_token),
        Caller {
            client: plain_client(),
            headers: stale_headers,
            write_headers: stale_writes,
        },
    ]
}

/// A concrete path for a route: every parameter becomes an id nobody has (guessing ids).
fn concrete(path: &str) -> String {
    path.replace("{code}", "en")
        .replace("{token}", "not-a-signed-link")
        .replace("{step}", "1")
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "zz_guessed_id"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a response means for authorisation.
fn outcome(r: &reqwest::Response) -> String {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match status {
        401 => "401".into(),
        403 => "403".into(),
        300..=399 if location.starts_with("/login") => "login".into(),
        500..=599 => format!("{status}"),
        _ => "ok".into(),
    }
}

/// The expected table from the docs: (method, path) → outcome per caller.
fn expected() -> BTreeMap<(String, String), Vec<String>> {
    let doc = std::fs::read_to_string(repo().join("docs/AUTHORIZATION.md")).unwrap();
    let mut rows = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect();
        if cells.len() == CALLERS.len() + 2
            && ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&cells[0].as_str())
        {
            rows.insert((cells[0].clone(), cells[1].clone()), cells[2..].to_vec());
        }
    }
    rows
}

#[tokio::test]
async fn every_route_answers_every_caller_as_documented() {
    let app = spawn_app(Default::default()).await;
    let callers = callers(&app).await;
    let mut routes = tanggap::web::routes();
    // Logging out ends the caller's session: last.
    routes.sort_by_key(|(_, path)| *path == "/logout");
    let expected = expected();
    let mut observed = BTreeMap::new();
    let mut problems = Vec::new();
    for (method, path) in &routes {
        let url = format!("{}{}", app.base, concrete(path));
        let mut row = Vec::new();
        for caller in &callers {
            let mut req = caller
                .client
                .request(method.clone(), &url)
                .headers(caller.headers.clone());
            if !method.is_safe() {
                req = req.headers(caller.write_headers.clone());
                req = if path.starts_with("/api/") {
                    req.header("content-type", "application/json").body("{}")
                } else {
                    req.form(&[("csrf", "x")])
                };
            }
            let r = req.send().await.unwrap();
            row.push(outcome(&r));
        }
        let key = (method.to_string(), path.to_string());
        match expected.get(&key) {
            None => problems.push(format!("{method} {path}: no row in docs/AUTHORIZATION.md")),
            Some(want) => {
                for ((caller, got), want) in CALLERS.iter().zip(&row).zip(want) {
                    if got != want {
                        problems.push(format!("{method} {path}, {caller}: got {got}, expected {want}"));
                    }
                }
            }
        }
        if row.iter().any(|o| o.starts_with('5')) {
            problems.push(format!("{method} {path}: a server error {row:?}"));
        }
        observed.insert(key, row);
    }
    for key in expected.keys() {
        if !observed.contains_key(key) {
            problems.push(format!("{} {}: documented but not routed", key.0, key.1));
        }
    }
    if std::env::var("TANGGAP_AUTHZ_PRINT").is_ok() {
        println!("| method | path | {} |", CALLERS.join(" | "));
        println!("|---|---|{}", "---|".repeat(CALLERS.len()));
        for ((m, p), row) in &observed {
            println!("| {m} | `{p}` | {} |", row.join(" | "));
        }
    }
    let cells = observed.len() * CALLERS.len();
    eprintln!(
        "authorisation matrix: {} routes × {} callers = {cells} cases, {} differences",
        observed.len(),
        CALLERS.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.stop().await;
}
