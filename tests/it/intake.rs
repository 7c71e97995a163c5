//! Intake over HTTP: framing, idempotency, validation, limits and auth.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Options, INGEST_TOKEN};
use tanggap::domain::Role;

fn mention(id: &str, text: &str) -> Value {
    json!({"source": "twitter", "external_id": id, "text": text, "region": "Bandar Lampung",
           "author": {"handle": "@warga", "followers": 120}, "engagement": {"likes": 3}})
}

#[tokio::test]
async fn one_object_an_array_and_ndjson_are_accepted_and_duplicates_are_reported() {
    let app = spawn_app(Options::default()).await;
    let (status, body) = app
        .post_mentions(mention("1", "Harga cabai naik").to_string(), "application/json")
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(1), Some(0))
    );
    let first_id = body["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(body["items"][0]["status"], "created");

    let batch = json!([
        mention("1", "Harga cabai naik"),
        mention("2", "Jalan rusak di Rajabasa")
    ]);
    let (status, body) = app.post_mentions(batch.to_string(), "application/json").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(body["items"][0]["id"], first_id.as_str());
    assert_eq!(body["items"][0]["status"], "duplicate");

    let ndjson = format!(
        "{}\n{}\n",
        mention("3", "Banjir di Telukbetung"),
        mention("2", "again")
    );
    let (status, body) = app.post_mentions(ndjson, "application/x-ndjson").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(1), Some(1))
    );

    // Sending only duplicates answers 200, and the stored text is the first one.
    let (status, body) = app
        .post_mentions(mention("1", "changed").to_string(), "application/json")
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, m) = app.get(&format!("/api/v1/mentions/{first_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(m["text"], "Harga cabai naik");
    assert_eq!(m["raw"]["external_id"], "1");
    assert_eq!(m["content_hash"].as_str().unwrap().len(), 64);
    app.stop().await;
}

#[tokio::test]
async fn missing_external_id_gets_a_content_hash_id() {
    let app = spawn_app(Options::default()).await;
    let item = json!({"source": "whatsapp", "text": "Pesan berantai yang sama"});
    let (_, a) = app.post_mentions(item.to_string(), "application/json").await;
    let (status, b) = app.post_mentions(item.to_string(), "application/json").await;
    assert_eq!(status, 200);
    assert_eq!(a["items"][0]["id"], b["items"][0]["id"]);
    assert_eq!(b["items"][0]["status"], "duplicate");
    let (_, m) = app
        .get(&format!(
            "/api/v1/mentions/{}",
            a["items"][0]["id"].as_str().unwrap()
        ))
        .await;
    assert!(m["external_id"].as_str().unwrap().starts_with("sha256:"), "{m}");
    app.stop().await;
}

#[tokio::test]
async fn a_batch_with_bad_items_is_rejected_whole_naming_index_and_field() {
    let app = spawn_app(Options::default()).await;
    let batch = json!([
        mention("ok-1", "fine"),
        {"source": "twitter", "external_id": "x", "text": ""},
        {"source": "twitter", "external_id": "y", "text": "ok", "author": {"followers": "many"}, "url": "ftp://x"},
    ]);
    let (status, body) = app.post_mentions(batch.to_string(), "application/json").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    let details: Vec<(u64, String)> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["index"].as_u64().unwrap(),
                d["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        details,
        [
            (1, "text".into()),
            (2, "url".into()),
            (2, "author.followers".into())
        ]
    );
    // Nothing from the batch was stored, not even the good item.
    let (status, _) = app
        .get(&format!(
            "/api/v1/mentions/{}",
            tanggap::ingest::mention_id("twitter", "ok-1")
        ))
        .await;
    assert_eq!(status, 404);
    // Too long a text names the field too.
    let long = json!({"text": "x".repeat(20_001)});
    let (status, body) = app.post_mentions(long.to_string(), "application/json").await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("text"))
    );
    app.stop().await;
}

#[tokio::test]
async fn malformed_bodies_get_json_errors() {
    let app = spawn_app(Options::default()).await;
    let (status, body) = app.post_mentions("{\"text\": ", "application/json").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );
    let (status, body) = app
        .post_mentions(b"{\"text\": \"\xff\xfe\"}".to_vec(), "application/json")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_utf8"))
    );
    let (status, body) = app
        .post_mentions("{\"text\":\"a\"}\nnot json\n", "application/x-ndjson")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("line 2"),
        "{body}"
    );
    let (status, body) = app.post_mentions("text=a", "text/plain").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let (status, body) = app.post_mentions("[]", "application/json").await;
    assert_eq!(
        (status, body["accepted"].as_u64()),
        (200, Some(0)),
        "an empty array is a no-op: {body}"
    );
    let huge = format!("{{\"text\": \"{}\"}}", "a".repeat(5 * 1024 * 1024));
    let (status, body) = app.post_mentions(huge, "application/json").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    app.stop().await;
}

#[tokio::test]
async fn tokens_are_required_and_roles_checked() {
    let app = spawn_app(Options::default()).await;
    let url = format!("{}/api/v1/mentions", app.base);
    let r = app
        .client
        .post(&url)
        .body("{\"text\":\"a\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    let r = app
        .client
        .post(&url)
        .bearer_auth("wrong")
        .body("{\"text\":\"a\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // An ingest token cannot read.
    let r = app
        .client
        .get(format!("{}/api/v1/incidents", app.base))
        .bearer_auth(INGEST_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .get(format!("{}/api/v1/incidents", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Health checks are open.
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = app.get("/api/v1/incidents?status=bogus").await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("status"))
    );
    let (status, body) = app.get("/api/v1/search?q=x&label=bogus").await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("label"))
    );
    let (status, body) = app.get("/api/v1/search?q=text%3A(").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, _) = app.get("/api/v1/mentions/m_nope").await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn without_model_files_the_service_still_stores_and_says_what_is_missing() {
    let models = tempfile::tempdir().unwrap();
    let app = spawn_app(Options {
        extra_env: vec![("TANGGAP_MODELS_DIR", models.path().display().to_string())],
        ..Default::default()
    })
    .await;
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let ready: Value = r.json().await.unwrap();
    assert_eq!(ready["model"], false);
    assert!(
        ready["model_problem"].as_str().unwrap().contains("tanggap train"),
        "{ready}"
    );
    let (status, _) = app
        .post_mentions(
            mention("m1", "Jembatan putus di Way Kanan").to_string(),
            "application/json",
        )
        .await;
    assert_eq!(status, 201, "intake keeps working");
    app.wait_search("jembatan", 1).await;
    let (_, page) = app.page("/").await;
    assert!(page.contains("Model belum siap"), "the queue says so");
    app.stop().await;
}

/// Each token has its own ingest rate: above it, 429 with Retry-After in our error format, and
/// other tokens go on.
#[tokio::test]
async fn a_token_over_its_ingest_rate_gets_429_with_retry_after() {
    let app = spawn_app(Options {
        config_toml: Some("[server]\ningest_requests_per_minute = 6\ningest_burst = 2\n".into()),
        ..Default::default()
    })
    .await;
    let crawler = app.token(tanggap::domain::Role::Ingest).await;
    let other = app.token(tanggap::domain::Role::Ingest).await;
    let send = |token: String, id: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/mentions", app.base))
                .bearer_auth(token)
                .json(&json!({"source": "news", "external_id": id, "text": "Jalan rusak di desa"}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(send(crawler.clone(), "r1").await.status(), 201);
    assert_eq!(send(crawler.clone(), "r2").await.status(), 201);
    let r = send(crawler.clone(), "r3").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        send(other, "o1").await.status(),
        201,
        "another token is not slowed"
    );
    // Nothing of the refused request was stored.
    let id = tanggap::ingest::mention_id("news", "r3");
    let (status, _) = app
        .call("GET", &format!("/api/v1/mentions/{id}"), &app.admin_token, None)
        .await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// The three findings of the schemathesis run, kept as cases: a post dated year 9999 (it once
/// panicked the index writer), a JSON array where an object is expected, and the document
/// itself served without a token.
#[tokio::test]
async fn schemathesis_findings_stay_fixed() {
    let app = spawn_app(Options::default()).await;
    let far = json!({"text": "tanggal jauh", "posted_at": "9999-12-31T23:59:59Z"});
    let (status, body) = app.post_mentions(far.to_string(), "application/json").await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (422, Some("posted_at")),
        "{body}"
    );
    let admin = app.token(Role::Admin).await;
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/known-claims/kc_x/disable",
            &admin,
            Some(json!([])),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{body}"
    );
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!((status, doc["openapi"].as_str()), (200, Some("3.1.0")));
    assert!(doc["paths"]["/api/v1/mentions"]["post"]["responses"]["201"].is_object());
    // What the document promises for a mention is what the API answers.
    let (_, sent) = app
        .post_mentions(
            json!({"text": "harga cabai naik"}).to_string(),
            "application/json",
        )
        .await;
    let id = sent["items"][0]["id"].as_str().unwrap().to_string();
    let (status, mention) = app
        .call("GET", &format!("/api/v1/mentions/{id}"), &admin, None)
        .await;
    assert_eq!(status, 200);
    let props = doc["components"]["schemas"]["Mention"]["properties"]
        .as_object()
        .unwrap();
    let mut promised: Vec<&String> = props.keys().collect();
    let mut answered: Vec<&String> = mention.as_object().unwrap().keys().collect();
    promised.sort();
    answered.sort();
    assert_eq!(promised, answered);
    app.stop().await;
}
