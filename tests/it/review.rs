//! Alarm labels against topic labels (topic labels alone open no incident, unless copies
//! spike) and the review tray (uncertain alarms page nobody; decisions become training data).
//! The test heads are rewritten so the model's decisions are known in advance.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tanggap::domain::{Label, Role};

use crate::helpers::{repo, require_model, spawn_app, Options, TestApp, TEST_HEADS};

const ALARMS: [&str; 4] = ["hoax", "sara", "hate_speech", "scam"];

/// The test heads with every alarm threshold above any score (nothing alarms), the alarm
/// labels' review threshold set to `review` (`None`: no tray), and `disaster` flagged always.
fn rewritten_heads(dir: &Path, review: Option<f32>) -> String {
    let from = repo().join("models").join(TEST_HEADS);
    let mut meta: Value = serde_json::from_slice(&std::fs::read(&from).unwrap()).unwrap();
    for l in meta["labels"].as_array_mut().unwrap() {
        let code = l["label"].as_str().unwrap().to_string();
        if ALARMS.contains(&code.as_str()) {
            l["threshold"] = json!(1.01);
            l["review_threshold"] = review.map_or(Value::Null, |r| json!(r));
        } else if code == "disaster" {
            l["threshold"] = json!(0.0);
        }
    }
    let out = dir.join("heads.json");
    std::fs::write(&out, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
    std::fs::copy(from.with_extension("bin"), out.with_extension("bin")).unwrap();
    out.display().to_string()
}

async fn post(app: &TestApp, id: &str, text: &str) -> String {
    let item = json!({"source": "facebook", "external_id": id, "text": text, "region": "Metro"});
    let (status, body) = app.post_mentions(item.to_string(), "application/json").await;
    assert_eq!(status, 201, "{body}");
    body["items"][0]["id"].as_str().unwrap().to_string()
}

/// Polls a mention until `done` holds for it.
async fn wait_mention(app: &TestApp, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, m) = app.get(&format!("/api/v1/mentions/{id}")).await;
        if done(&m) {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "mention {id}: {what} did not happen: {m}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn topic_labels_alone_open_no_incident_until_copies_spike() {
    require_model();
    let heads_dir = tempfile::tempdir().unwrap();
    let app = spawn_app(Options {
        extra_env: vec![("TANGGAP_HEADS", rewritten_heads(heads_dir.path(), None))],
        config_toml: Some("[incidents]\ntopic_spike_per_hour = 3\n".into()),
        ..Default::default()
    })
    .await;
    let text = "Banjir lagi di Jl. Soekarno Hatta arah Rajabasa, air sepaha, motor pada mogok. \
                Hati-hati yang mau lewat sore ini";
    let first = post(&app, "b-1", text).await;
    let m = app.wait_classified(&first).await;
    assert!(
        m["label_kinds"]["topic"]
            .as_array()
            .unwrap()
            .contains(&json!("disaster")),
        "{m}"
    );
    assert_eq!(m["label_kinds"]["alarm"], json!([]), "{m}");
    assert!(
        m["incident_id"].is_null(),
        "a topic label alone opened an incident: {m}"
    );
    assert!(
        m["review"]["state"].is_null(),
        "no tray without review thresholds: {m}"
    );

    // Copies of the same text within the hour: the third one is a spike and opens an incident.
    let second = post(&app, "b-2", text).await;
    assert!(app.wait_classified(&second).await["incident_id"].is_null());
    let third = post(&app, "b-3", &format!("{text}!!")).await;
    let m3 = app.wait_classified(&third).await;
    let incident = m3["incident_id"]
        .as_str()
        .expect("the spike opened an incident")
        .to_string();
    let fourth = post(&app, "b-4", text).await;
    assert_eq!(
        app.wait_classified(&fourth).await["incident_id"],
        incident.as_str()
    );

    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert!(
        inc["label_kinds"]["topic"]
            .as_array()
            .unwrap()
            .contains(&json!("disaster")),
        "{inc}"
    );
    assert_eq!(inc["label_kinds"]["alarm"], json!([]), "{inc}");
    assert_eq!(inc["mention_count"], 2);
    let (_, queue) = app.get("/api/v1/incidents").await;
    assert_eq!(queue["incidents"].as_array().map(Vec::len), Some(1), "{queue}");
    app.stop().await;
}

#[tokio::test]
async fn uncertain_alarms_wait_in_the_review_tray_and_decisions_feed_training() {
    require_model();
    let heads_dir = tempfile::tempdir().unwrap();
    let app = spawn_app(Options {
        extra_env: vec![("TANGGAP_HEADS", rewritten_heads(heads_dir.path(), Some(0.0)))],
        ..Default::default()
    })
    .await;
    let confirm_text = "Katanya mulai Senin semua penerima bansos wajib daftar ulang lewat link \
                        bit.ly/daftar-bansos, kalau nggak datanya dihapus <b>pemprov</b>";
    let dismiss_text = "Alhamdulillah jalan ke pasar Bandar Jaya sudah mulus, terima kasih pak bupati";
    let a = post(&app, "r-1", confirm_text).await;
    let b = post(&app, "r-2", dismiss_text).await;
    for id in [&a, &b] {
        let m = app.wait_classified(id).await;
        assert!(
            m["incident_id"].is_null(),
            "an uncertain alarm opened an incident: {m}"
        );
        assert_eq!(m["review"]["state"], "pending", "{m}");
        assert_eq!(m["review"]["labels"], json!(ALARMS), "{m}");
    }
    let (status, tray) = app.get("/api/v1/review").await;
    assert_eq!(status, 200, "{tray}");
    assert_eq!(tray["total"], 2, "{tray}");
    assert_eq!(tray["items"][0]["id"], a.as_str());
    assert_eq!(tray["items"][0]["review"][0]["kind"], "alarm");
    assert!(
        tray["items"][0]["review"][0]["score"].as_f64().is_some(),
        "{tray}"
    );
    let (_, queue) = app.get("/api/v1/incidents").await;
    assert_eq!(queue["incidents"], json!([]), "nobody is paged for the tray");

    // The queue page shows the tray, the hostile text escaped.
    let (status, page) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"review-tray\""), "{page}");
    assert!(
        page.contains("&lt;b&gt;pemprov") && !page.contains("<b>pemprov"),
        "{page}"
    );
    assert!(page.contains(&format!("data-api=\"POST /api/v1/review/{a}\"")));

    // Roles and bad input.
    let viewer = app.token(Role::Viewer).await;
    let responder = app.token(Role::Responder).await;
    let path = |id: &str| format!("/api/v1/review/{id}");
    let (status, _) = app
        .call("POST", &path(&a), &viewer, Some(json!({"decision": "confirm"})))
        .await;
    assert_eq!(status, 403);
    let (status, err) = app
        .call("POST", &path(&a), &responder, Some(json!({"decision": "maybe"})))
        .await;
    assert_eq!(
        (status, &err["error"]["details"][0]["field"]),
        (422, &json!("decision")),
        "{err}"
    );
    let (status, err) = app
        .call(
            "POST",
            &path(&a),
            &responder,
            Some(json!({"decision": "confirm", "labels": ["politics"]})),
        )
        .await;
    assert_eq!(
        (status, &err["error"]["details"][0]["field"]),
        (422, &json!("labels")),
        "{err}"
    );
    let (status, _) = app
        .call(
            "POST",
            &path("men_missing"),
            &responder,
            Some(json!({"decision": "dismiss"})),
        )
        .await;
    assert_eq!(status, 404);

    // Confirmed: the classifier places it in an incident with the confirmed label.
    let (status, done) = app
        .call(
            "POST",
            &path(&a),
            &responder,
            Some(json!({"decision": "confirm", "labels": ["hoax"]})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["decision"], "confirmed");
    let m = wait_mention(&app, &a, "placed in an incident", |m| {
        m["incident_id"].is_string()
    })
    .await;
    assert_eq!(m["review"]["state"], "confirmed");
    assert!(
        m["label_kinds"]["alarm"]
            .as_array()
            .unwrap()
            .contains(&json!("hoax")),
        "{m}"
    );
    let (_, inc) = app
        .get(&format!(
            "/api/v1/incidents/{}",
            m["incident_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(inc["top_label"], "hoax", "{inc}");

    // Dismissed, once.
    let body = json!({"decision": "dismiss", "reason": "ucapan terima kasih warga"});
    let (status, _) = app.call("POST", &path(&b), &responder, Some(body.clone())).await;
    assert_eq!(status, 200);
    let (status, _) = app.call("POST", &path(&b), &responder, Some(body)).await;
    assert_eq!(status, 409, "a decided mention is no longer in the tray");
    let (_, tray) = app.get("/api/v1/review").await;
    assert_eq!(tray["total"], 0, "{tray}");
    assert!(app.get(&format!("/api/v1/mentions/{b}")).await.1["incident_id"].is_null());

    // Both decisions are labelled examples for `tanggap train --include-feedback`.
    let rows = app.store.feedback_texts().await.unwrap();
    let data = tanggap::classify::training::feedback_dataset(&rows);
    let find = |t: &str| data.items.iter().find(|i| i.text == t).expect("decision kept");
    let confirmed = find(confirm_text);
    assert_eq!(confirmed.labels, vec![Label::Hoax]);
    assert!(confirmed.annotates(Label::Hoax, &data.annotated));
    let dismissed = find(dismiss_text);
    assert!(dismissed.labels.is_empty());
    for l in Label::ALARMS {
        assert!(
            dismissed.annotates(l, &data.annotated),
            "{l:?} is a known negative"
        );
    }
    assert!(!dismissed.annotates(Label::Disaster, &data.annotated));
    app.stop().await;
}
