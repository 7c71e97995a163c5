//! What each storage back end must guarantee beyond the shared suite (which runs on both: see
//! scripts/test). SQLite gets these from its single writer; PostgreSQL from row locks and the
//! commit-safe change feed.

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;
use tanggap::domain::Role;

use crate::helpers::{postgres_database_for, spawn_app};

/// Eight people acknowledge the same incident at the same moment: one succeeds, seven are told
/// it is already acknowledged, and the timeline holds one acknowledgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transitions_take_effect_once() {
    crate::helpers::require_model();
    let app = spawn_app(Default::default()).await;
    let iid = app
        .flagged_incident(json!({"source": "whatsapp", "external_id": "race-1",
            "text": "HOAX: vaksin mengandung chip pelacak, sebarkan sebelum dihapus!"}))
        .await;
    let responder = app.token(Role::Responder).await;
    let mut calls = Vec::new();
    for _ in 0..8 {
        let (client, url, token) = (
            app.client.clone(),
            format!("{}/api/v1/incidents/{iid}/transitions", app.base),
            responder.clone(),
        );
        calls.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"to": "acknowledged"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for c in calls {
        statuses.push(c.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409], "{statuses:?}");
    let (_, inc) = app
        .call("GET", &format!("/api/v1/incidents/{iid}"), &responder, None)
        .await;
    let acks = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status_changed")
        .count();
    assert_eq!(acks, 1, "{}", inc["timeline"]);
    app.stop().await;
}

/// PostgreSQL: a transaction that began writing first but commits last is never skipped by the
/// search index's change feed. (A plain sequence would give it the lower number while a later
/// writer's higher number is already visible; an indexer that moved its watermark past that
/// would never see it.)
#[tokio::test]
async fn the_change_feed_never_skips_a_late_commit() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = postgres_database_for(dir.path()) else {
        eprintln!(
            "SQLite: one writer at a time, every rev is final when seen; the PostgreSQL run checks this"
        );
        return;
    };
    let store = tanggap::store::Store::open(&url).await.unwrap();
    let insert = |id: &str| {
        format!(
            "INSERT INTO mentions (id, source, external_id, text, content_hash, raw, captured_at) \
             VALUES ('{id}', 'test', '{id}', 'teks {id}', 'h-{id}', '{{}}', '2026-12-01T00:00:00.000Z')"
        )
    };
    // Writer A starts and writes first, but does not commit yet.
    let mut a = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut a).await.unwrap();
    sqlx::query(&insert("late")).execute(&mut a).await.unwrap();
    // Writer B writes after A and commits at once.
    let mut b = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query(&insert("early")).execute(&mut b).await.unwrap();
    // While A is open the feed holds B back too: B's rev is above A's, which is not final yet.
    let seen = store.mentions_changed_after(0, 100).await.unwrap();
    assert!(
        seen.is_empty(),
        "the feed showed {:?} while an older writer was open",
        seen.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    assert_eq!(
        store.count_changed_after(0).await.unwrap(),
        1,
        "B is stored and counted as not yet indexed"
    );
    sqlx::query("COMMIT").execute(&mut a).await.unwrap();
    // Now both are there, the late commit first (its writer began first).
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen = store.mentions_changed_after(0, 100).await.unwrap();
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ids: Vec<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["late", "early"]);
    assert!(seen[0].rev < seen[1].rev);
    store.close().await;
}

/// NUL is refused at the edge (PostgreSQL refuses it in text, so it must never reach a query):
/// in a path, a query string, a form and a JSON body, with a 4xx in our error format.
#[tokio::test]
async fn nul_is_refused_before_it_reaches_the_database() {
    let app = spawn_app(Default::default()).await;
    let admin = app.admin_token.clone();
    for path in [
        "/api/v1/incidents/inc%00x",
        "/api/v1/incidents?region=a%00b",
        "/incidents?team=%00",
    ] {
        let (status, body) = app.call("GET", path, &admin, None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request", "{path}: {body}");
    }
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/known-claims",
            &admin,
            Some(json!({"claim": "klaim\u{0}palsu", "verdict": "hoax", "summary": "ringkasan"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "claim", "{body}");
    let r = app
        .client
        .post(format!("{}/login", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=a%00b&password=x&csrf=y")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The service still answers normally afterwards.
    let (status, _) = app
        .call("GET", "/api/v1/incidents?region=lampung", &admin, None)
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}
