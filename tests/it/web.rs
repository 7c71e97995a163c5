//! Accounts and pages over HTTP: login, sessions, CSRF, throttling, logout, the library page.

use serde_json::{json, Value};
use tanggap::domain::Role;

use crate::helpers::{between, spawn_app, Options, PASSWORD};

#[tokio::test]
async fn pages_need_a_login_and_logout_ends_the_session() {
    let app = spawn_app(Options::default()).await;
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/library", "/search?q=x", "/incidents/inc_x"] {
        let r = anon.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert!(r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
    }
    let (client, _) = app.login_as(Role::Viewer).await;
    let page = app.text_with(&client, "/").await;
    assert!(page.contains("Antrean insiden terbuka"));
    // The session cookie is HttpOnly and SameSite.
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
    let r = client
        .post(format!("{}/logout", app.base))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "logout without the right CSRF token is refused");
    let r = client
        .post(format!("{}/logout", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/login");
    let r = client.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(r.url().path(), "/login", "the session is gone");
    app.stop().await;
}

#[tokio::test]
async fn login_sets_a_safe_cookie_and_failures_are_throttled() {
    let app = spawn_app(Options::default()).await;
    tanggap::auth::create_user(&app.store, "budi", "Budi", Role::Responder, PASSWORD)
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ok = app.login(&client, "budi", PASSWORD).await;
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("tanggap_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let other = reqwest::Client::builder().cookie_store(true).build().unwrap();
    for _ in 0..5 {
        assert_eq!(app.login(&other, "budi", "salah-sandi-1").await.status(), 401);
    }
    let blocked = app.login(&other, "budi", PASSWORD).await;
    assert_eq!(
        blocked.status(),
        429,
        "from the address that failed, even the right password waits out the throttle"
    );
    assert_eq!(blocked.headers()["retry-after"], "900");
    // A form posted without the login CSRF cookie is refused.
    let bare = reqwest::Client::new();
    let r = bare
        .post(format!("{}/login", app.base))
        .form(&[("username", "budi"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

/// A browser client that says it comes from `address` (the app trusts X-Forwarded-For here).
fn client_from(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Throttling slows an attacker per address and per account, but nobody can lock a colleague
/// out: failures count against the address they come from, and a success clears them.
#[tokio::test]
async fn an_outsider_cannot_lock_a_colleague_out() {
    let app = spawn_app(Options {
        config_toml: Some("[server]\ntrust_forwarded_for = true\n".into()),
        ..Options::default()
    })
    .await;
    tanggap::auth::create_user(&app.store, "budi", "Budi", Role::Responder, PASSWORD)
        .await
        .unwrap();
    let attacker = client_from("203.0.113.9");
    for _ in 0..5 {
        assert_eq!(app.login(&attacker, "budi", "tebakan-salah").await.status(), 401);
    }
    assert_eq!(app.login(&attacker, "budi", PASSWORD).await.status(), 429);
    // Budi, at the office, logs in at once.
    let budi = client_from("198.51.100.7");
    assert_eq!(app.login(&budi, "budi", PASSWORD).await.status(), 303);
    // A success clears the address's failures on that account: four typos, a success, four more
    // typos, and the right password still works.
    let typist = client_from("198.51.100.8");
    for round in 0..2 {
        for _ in 0..4 {
            assert_eq!(app.login(&typist, "budi", "hampir-benar").await.status(), 401);
        }
        assert_eq!(
            app.login(&typist, "budi", PASSWORD).await.status(),
            303,
            "round {round}"
        );
    }
    // Spraying across usernames from one address is stopped at 20 failures.
    let sprayer = client_from("203.0.113.10");
    for i in 0..20 {
        let r = app.login(&sprayer, &format!("user{i}"), "Password123!").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    assert_eq!(app.login(&sprayer, "budi", PASSWORD).await.status(), 429);
    assert_eq!(app.login(&budi, "budi", PASSWORD).await.status(), 303);
    // IPv6 neighbours in one /64 share a budget.
    let a = client_from("2001:db8:7:7::1");
    for _ in 0..5 {
        assert_eq!(app.login(&a, "budi", "salah-lagi").await.status(), 401);
    }
    let b = client_from("2001:db8:7:7::2");
    assert_eq!(app.login(&b, "budi", PASSWORD).await.status(), 429);
    app.stop().await;
}

/// A write from another site is refused even with the session's CSRF token.
#[tokio::test]
async fn foreign_origins_cannot_write() {
    let app = spawn_app(Options::default()).await;
    let (admin, _) = app.login_as(Role::Admin).await;
    let csrf = app.session_csrf(&admin).await;
    let body =
        json!({"username": "sari", "name": "Sari", "role": "viewer", "password": "kata-sandi-panjang"});
    let create = |header: &'static str, value: String| {
        admin
            .post(format!("{}/api/v1/users", app.base))
            .header("x-csrf-token", &csrf)
            .header(header, value)
            .json(&body)
            .send()
    };
    let r = create("origin", "https://evil.example".into()).await.unwrap();
    assert_eq!(r.status(), 403);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "forbidden");
    let r = create("sec-fetch-site", "cross-site".into()).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        app.store.user("sari").await.unwrap().is_none(),
        "nothing was written"
    );
    let r = create("origin", app.base.clone()).await.unwrap();
    assert_eq!(r.status(), 201, "our own origin passes");
    app.stop().await;
}

/// `/metrics` needs a caller with read access unless the config makes it public.
#[tokio::test]
async fn metrics_need_a_token_unless_public() {
    let app = spawn_app(Options::default()).await;
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let ingest = app.token(Role::Ingest).await;
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&ingest)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "an ingest token cannot read");
    let viewer = app.token(Role::Viewer).await;
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("tanggap_mentions "), "{text}");
    // Request latency per route pattern (never per raw path) and status.
    let _ = app
        .call("GET", "/api/v1/incidents/inc_guessed", &viewer, None)
        .await;
    let text = app.metrics_text(&viewer).await;
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("tanggap_http_request_duration_seconds_count")
                && l.contains("route=\"/api/v1/incidents/{id}\"")
                && l.contains("status=\"404\"")
        })
        .unwrap_or_else(|| panic!("no latency histogram for the route:\n{text}"));
    assert!(!line.contains("inc_guessed"), "{line}");
    assert!(text.contains("# TYPE tanggap_http_request_duration_seconds histogram"));
    app.stop().await;
    let app = spawn_app(Options {
        config_toml: Some("[server]\nmetrics = \"public\"\n".into()),
        ..Options::default()
    })
    .await;
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn session_api_calls_need_the_csrf_token_and_roles_hold() {
    let app = spawn_app(Options::default()).await;
    let (viewer, _) = app.login_as(Role::Viewer).await;
    // Reads work with the session alone.
    let r = viewer
        .get(format!("{}/api/v1/incidents", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // State changes without the CSRF header are refused before anything else.
    let r = viewer
        .post(format!("{}/api/v1/clarifications/cl_x/copies", app.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let csrf = app.session_csrf(&viewer).await;
    let r = viewer
        .post(format!("{}/api/v1/clarifications/cl_x/copies", app.base))
        .header("x-csrf-token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "with the token the request goes through (and finds nothing)"
    );
    // A viewer cannot draft or approve even with the token.
    let r = viewer
        .post(format!("{}/api/v1/clarifications/cl_x/approve", app.base))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A disabled user's session ends.
    let (responder, name) = app.login_as(Role::Responder).await;
    app.store
        .disable_user(&name, "2026-11-29T00:00:00.000Z")
        .await
        .unwrap();
    let r = responder
        .get(format!("{}/api/v1/incidents", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_measures_volume_status_and_response_times() {
    crate::helpers::require_model();
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let app = spawn_app(Options::default()).await;
    let scam = "Selamat siang Bapak/Ibu, saya Gubernur Lampung, ini nomor WA baru saya. \
                Tolong bantu transfer dulu 15 juta ke rekening BRI 1234567890, nanti saya ganti hari ini.";
    let item = json!({"source": "whatsapp", "external_id": "dash-1", "text": scam, "region": "Pringsewu"});
    let (_, body) = app.post_mentions(item.to_string(), "application/json").await;
    let m = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    let incident = m["incident_id"].as_str().expect("an incident").to_string();
    let responder = app.token(Role::Responder).await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{incident}/transitions"),
            &responder,
            Some(json!({"to": "acknowledged"})),
        )
        .await;
    assert_eq!(status, 200);
    let (client, _) = app.login_as(Role::Viewer).await;
    let page = app.text_with(&client, "/dashboard").await;
    assert!(
        page.contains("<strong id=\"incidents-opened\">1</strong>"),
        "{page}"
    );
    assert!(page.contains("Pringsewu"), "region volume");
    assert!(page.contains("scam ("), "label volume legend");
    assert!(page.contains(">acknowledged</text>"), "status chart");
    assert!(
        page.contains("<td>Waktu pengakuan</td>") && page.contains("<svg class=\"chart\""),
        "response times against the SLA"
    );
    let bad = app
        .text_with(&client, "/dashboard?from=2026-12-01&to=2026-11-01")
        .await;
    assert!(bad.contains("role=\"alert\""), "a bad period is explained");
    app.stop().await;
}

/// A client that keeps cookies and does not follow redirects.
fn manual_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn the_ui_switches_between_indonesian_and_english() {
    let app = spawn_app(Options::default()).await;
    tanggap::auth::create_user(&app.store, "wati", "Wati", Role::Viewer, PASSWORD)
        .await
        .unwrap();
    let client = manual_client();
    assert_eq!(app.login(&client, "wati", PASSWORD).await.status(), 303);
    // Indonesian by default.
    let page = text(&client, format!("{}/search", app.base)).await;
    assert!(page.contains("<html lang=\"id\">"), "{page}");
    assert!(page.contains("<a href=\"/search\">Cari</a>") && page.contains("<h1>Cari sebutan</h1>"));
    assert!(
        page.contains("href=\"/lang/en?next=/search\""),
        "the switch comes back here"
    );

    let r = client
        .get(format!("{}/lang/en?next=/search", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/search");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in [
        "lang=en",
        "Path=/",
        "SameSite=Lax",
        "HttpOnly",
        "Max-Age=31536000",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let page = text(&client, format!("{}/search?q=banjir", app.base)).await;
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains("<a href=\"/\">Queue</a>") && page.contains("<a href=\"/search\">Search</a>"));
    assert!(page.contains("<h1>Search mentions</h1>") && page.contains(">Log out</button>"));
    assert!(page.contains("mentions"), "result counts in English");
    assert!(page.contains(">Bahasa Indonesia</a>"), "the switch back");
    assert!(page.contains("banjir"), "data stays as it is");

    // Only local paths are followed; unknown languages do not exist.
    for next in ["//evil.example", "https://evil.example/x", "/%5Cevil.example"] {
        let r = client
            .get(format!("{}/lang/id?next={next}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], "/", "{next}");
    }
    let r = client
        .get(format!("{}/lang/fr?next=/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let page = text(&client, format!("{}/", app.base)).await;
    assert!(page.contains("<html lang=\"id\">") && page.contains("Antrean insiden terbuka"));

    // Pages without a session follow the cookie too.
    let anon = manual_client();
    anon.get(format!("{}/lang/en?next=/login", app.base))
        .send()
        .await
        .unwrap();
    let login = text(&anon, format!("{}/login", app.base)).await;
    assert!(login.contains("<h1>Log in to Tanggap</h1>") && login.contains("<html lang=\"en\">"));
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_users_and_disabling_ends_sessions() {
    let app = spawn_app(Options::default()).await;
    let (admin, admin_name) = app.login_as(Role::Admin).await;
    let page = text(&admin, format!("{}/users", app.base)).await;
    assert!(
        page.contains("<h1>Pengguna</h1>") && page.contains(&admin_name),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"/users\">Pengguna</a>"),
        "admins see the nav link"
    );
    let csrf = between(&page, "name=\"csrf-token\" content=\"", "\"").unwrap();
    let api = |method: &str, path: &str| {
        admin
            .request(
                method.parse().unwrap(),
                format!("{}/api/v1/users{path}", app.base),
            )
            .header("x-csrf-token", &csrf)
    };

    // List and add.
    let r = api("GET", "").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list: serde_json::Value = r.json().await.unwrap();
    assert!(list["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == admin_name.as_str() && u.get("password_hash").is_none()));
    let sari = json!({"username": "sari.dewi", "name": "Sari Dewi", "role": "responder", "password": "panjang-sekali-1"});
    let r = api("POST", "").json(&sari).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["role"], "responder");
    assert!(created["disabled_at"].is_null());
    let r = api("POST", "").json(&sari).send().await.unwrap();
    assert_eq!(r.status(), 409, "a taken username");
    let r = admin
        .post(format!("{}/api/v1/users", app.base))
        .json(&json!({"username": "eko", "name": "Eko", "role": "viewer", "password": "panjang-sekali-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no CSRF token");
    for (body, field) in [
        (
            json!({"username": "Eko Bad!", "name": "Eko", "role": "viewer", "password": "panjang-sekali-1"}),
            "username",
        ),
        (
            json!({"username": "eko", "name": "", "role": "viewer", "password": "panjang-sekali-1"}),
            "name",
        ),
        (
            json!({"username": "eko", "name": "Eko", "role": "ingest", "password": "panjang-sekali-1"}),
            "role",
        ),
        (
            json!({"username": "eko", "name": "Eko", "role": "viewer", "password": "pendek"}),
            "password",
        ),
    ] {
        let r = api("POST", "").json(&body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{field}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["error"]["details"][0]["field"], field, "{e}");
    }
    let sari_client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r = app.login(&sari_client, "sari.dewi", "panjang-sekali-1").await;
    assert_eq!(
        (r.status().as_u16(), r.url().path()),
        (200, "/"),
        "the new user logs in"
    );
    let page = text(&admin, format!("{}/users", app.base)).await;
    assert!(page.contains("data-username=\"sari.dewi\"") && page.contains("Sari Dewi"));

    // Only admins.
    let (responder, _) = app.login_as(Role::Responder).await;
    let r = responder.get(format!("{}/users", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("hanya untuk admin") && !body.contains("<a href=\"/users\">"));
    let r = responder
        .get(format!("{}/api/v1/users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let token = app.token(Role::Responder).await;
    assert_eq!(app.call("GET", "/api/v1/users", &token, None).await.0, 403);
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/users",
            &token,
            Some(json!({"username": "x1", "name": "X", "role": "viewer", "password": "panjang-sekali-1"})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.call("GET", "/api/v1/users", &app.admin_token, None).await.0,
        200,
        "admin tokens may"
    );

    // Disabling ends the sessions and the logins.
    let r = api("POST", &format!("/{admin_name}/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "not oneself");
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("your own"),
        "{e}"
    );
    let r = api("POST", "/sari.dewi/disable").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = sari_client.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(r.url().path(), "/login", "the session ended");
    let r = app.login(&manual_client(), "sari.dewi", "panjang-sekali-1").await;
    assert_eq!(r.status(), 401, "no more logins");
    assert_eq!(
        api("POST", "/sari.dewi/disable").send().await.unwrap().status(),
        409
    );
    assert_eq!(api("POST", "/nobody/disable").send().await.unwrap().status(), 404);
    let page = text(&admin, format!("{}/users", app.base)).await;
    assert!(page.contains("nonaktif sejak"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn responders_correct_labels_and_the_correction_is_kept_for_retraining() {
    crate::helpers::require_model();
    let app = spawn_app(Options::default()).await;
    let text = "Selamat! Nomor Anda memenangkan undian Rp 50 juta dari Bank Lampung, transfer biaya \
                administrasi Rp 500 ribu ke rekening panitia hari ini juga.";
    let incident = app
        .flagged_incident(serde_json::json!({"source": "whatsapp", "external_id": "lbl-1", "text": text}))
        .await;
    let responder = app.token(tanggap::domain::Role::Responder).await;
    let path = format!("/api/v1/incidents/{incident}");
    let (status, err) = app
        .call(
            "PATCH",
            &path,
            &responder,
            Some(serde_json::json!({"labels": ["scam", "rumor"]})),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["details"][0]["field"], "labels");
    let (status, inc) = app
        .call(
            "PATCH",
            &path,
            &responder,
            Some(serde_json::json!({"labels": ["scam", "economy"]})),
        )
        .await;
    assert_eq!(status, 200, "{inc}");
    assert_eq!(inc["labels"], serde_json::json!(["scam", "economy"]));
    let rows = app.store.feedback_texts().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "corrected");
    assert_eq!(rows[0].1, r#"["scam","economy"]"#);
    // The incident page offers the correction with the current labels ticked.
    let (status, page) = app.page(&format!("/incidents/{incident}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"name="labels" value="economy" checked"#),
        "{page}"
    );
    app.stop().await;
}

/// Every answer carries the security headers: no sniffing, no framing, a content policy.
#[tokio::test]
async fn pages_and_api_answers_carry_security_headers() {
    let app = crate::helpers::spawn_app(crate::helpers::Options::default()).await;
    for path in ["/login", "/healthz", "/api/v1/incidents"] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}: {csp}"
        );
    }
    app.stop().await;
}
