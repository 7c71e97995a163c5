//! Accounts and pages over HTTP: login, sessions, CSRF, throttling, logout, the library page.

use serde_json::json;
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
    let page = client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
        "even the right password waits out the throttle"
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
    let page = viewer
        .get(format!("{}/library", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = between(&page, "name=\"csrf-token\" content=\"", "\"").unwrap();
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
    let page = client
        .get(format!("{}/dashboard", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let bad = client
        .get(format!("{}/dashboard?from=2026-12-01&to=2026-11-01", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(bad.contains("role=\"alert\""), "a bad period is explained");
    app.stop().await;
}
