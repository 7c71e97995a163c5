//! The whole path: POST → store → index → classify → incident → playbook → mail received by a
//! real SMTP server; grouping of near duplicates; escaping on the queue page; recovery.

use serde_json::{json, Value};

use crate::helpers::{require_model, spawn_app, Options, SmtpSink};

const TSUNAMI: &str =
    "AWAS!!! Info dari grup sebelah: BMKG bilang malam ini jam 11 akan ada gempa besar dan \
    tsunami setinggi 10 meter di pesisir Kalianda dan Bandar Lampung akibat Anak Krakatau meletus. \
    Segera mengungsi ke tempat tinggi, SEBARKAN ke keluarga!!";

fn item(id: &str, text: &str) -> Value {
    json!({"source": "whatsapp", "external_id": id, "text": text, "region": "Lampung Selatan",
           "url": "https://example.org/forward/1", "author": {"handle": "@grupwarga", "followers": 5000},
           "engagement": {"shares": 400}, "posted_at": "2026-11-29T08:00:00+07:00"})
}

#[tokio::test]
async fn a_flagged_mention_opens_an_incident_and_mails_the_on_call_person() {
    require_model();
    let smtp = SmtpSink::start();
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        ..Default::default()
    })
    .await;

    let (status, body) = app
        .post_mentions(item("wa-1", TSUNAMI).to_string(), "application/json")
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["items"][0]["id"].as_str().unwrap().to_string();
    let m = app.wait_classified(&id).await;
    let labels: Vec<&str> = m["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"disaster"),
        "labels {labels:?}, scores {}",
        m["scores"]
    );
    assert_eq!(m["scores"].as_object().unwrap().len(), 10);
    assert!(m["explanation"]["model_version"]
        .as_str()
        .unwrap()
        .starts_with("minilm"));
    let incident_id = m["incident_id"]
        .as_str()
        .expect("an incident was opened")
        .to_string();

    let (status, inc) = app.get(&format!("/api/v1/incidents/{incident_id}")).await;
    assert_eq!(status, 200, "{inc}");
    assert_eq!(inc["team"], "trc-kebencanaan", "routed by the disaster rule");
    assert_eq!(inc["playbook"]["id"], "rumor-bencana");
    assert_eq!(inc["mention_count"], 1);
    assert!(inc["checklist"].as_array().unwrap().len() >= 3);
    assert_eq!(inc["timeline"][0]["kind"], "opened");

    let mails = smtp.wait_for(1).await;
    let mail = &mails[0];
    assert!(
        mail["rcpt_to"][0].as_str().unwrap().starts_with("piket.bencana"),
        "on-call of the routed team: {mail}"
    );
    assert_eq!(
        mail["headers"]["Message-ID"],
        format!("<{incident_id}@127.0.0.1>")
    );
    let subject = mail["headers"]["Subject"].as_str().unwrap();
    assert!(
        // Named after the incident's top label: this text is a hoax about a disaster.
        subject.starts_with("[Tanggap][") && (subject.contains("Kebencanaan") || subject.contains("Hoaks")),
        "{subject}"
    );
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{}/incidents/{incident_id}", app.base)),
        "link in mail: {text}"
    );
    assert!(
        text.contains("Kebencanaan (disaster)"),
        "labels with scores: {text}"
    );
    assert!(text.contains("Playbook: "), "playbook steps: {text}");
    let html = mail["html"].as_str().unwrap();
    assert!(html.contains("<a href=") && html.contains(&incident_id), "{html}");

    // A near-duplicate copy of the chain message joins the incident and mails nobody.
    let copy = format!("Fwd: {} 🙏🙏", TSUNAMI.replace("SEBARKAN", "sebarkan"));
    let (_, body) = app
        .post_mentions(item("wa-2", &copy).to_string(), "application/json")
        .await;
    let m2 = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert_eq!(m2["incident_id"].as_str(), Some(incident_id.as_str()), "{m2}");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident_id}")).await;
    assert_eq!(inc["mention_count"], 2);
    let (_, list) = app.get("/api/v1/incidents?label=disaster").await;
    assert_eq!(list["incidents"].as_array().unwrap().len(), 1);

    // An everyday post is not flagged.
    let (_, body) = app
        .post_mentions(
            item(
                "wa-3",
                "Selamat pagi semua, hari ini sarapan nasi uduk dulu sebelum berangkat kerja",
            )
            .to_string(),
            "application/json",
        )
        .await;
    let m3 = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert!(m3["incident_id"].is_null(), "{m3}");

    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "one incident, one mail");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident_id}")).await;
    assert!(
        inc["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "mail_sent"),
        "{inc}"
    );
    app.stop().await;
}

#[tokio::test]
async fn mail_waits_out_smtp_outages_and_is_delivered_exactly_once() {
    require_model();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app(Options {
        smtp_port: Some(port),
        ..Default::default()
    })
    .await;
    let scam = "Selamat siang Bapak/Ibu, saya Gubernur Lampung, ini nomor WA baru saya. \
                Tolong bantu transfer dulu 15 juta ke rekening BRI 1234567890 a.n. ajudan, nanti saya ganti hari ini.";
    let (_, body) = app
        .post_mentions(item("wa-scam", scam).to_string(), "application/json")
        .await;
    let m = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert!(m["incident_id"].is_string(), "{m}");
    // Nothing listens yet: the first attempt fails and is retried with backoff.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let smtp = SmtpSink::start_on(port, tempfile::tempdir().unwrap());
    let mails = smtp.wait_for(1).await;
    assert!(
        mails[0]["text"].as_str().unwrap().contains("Penipuan"),
        "{}",
        mails[0]
    );
    // The server goes down while another incident opens, and comes back.
    let dir = smtp.stop();
    let (_, body) = app
        .post_mentions(item("wa-tsunami", TSUNAMI).to_string(), "application/json")
        .await;
    let m = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert!(m["incident_id"].is_string(), "{m}");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    // While it lasts, the backlog and its age are in /metrics.
    let metrics = app.metrics_text(&app.admin_token).await;
    let gauge = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1.0)
    };
    assert!(gauge("tanggap_outbox_pending") >= 1.0, "{metrics}");
    assert!(gauge("tanggap_outbox_oldest_pending_seconds") >= 1.0, "{metrics}");
    assert!(gauge("tanggap_classifier_batch_size_count") >= 1.0, "{metrics}");
    assert!(
        metrics.contains("tanggap_classifier_batch_seconds_bucket"),
        "{metrics}"
    );
    let smtp = SmtpSink::start_on(port, dir);
    let mails = smtp.wait_for(2).await;
    assert!(
        mails[1]["text"].as_str().unwrap().contains("Tsunami")
            || mails[1]["text"].as_str().unwrap().contains("tsunami"),
        "{}",
        mails[1]
    );
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let ids: std::collections::HashSet<String> = smtp
        .messages()
        .iter()
        .map(|m| {
            m["headers"]["Message-ID"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        (smtp.messages().len(), ids.len()),
        (2, 2),
        "every mail delivered exactly once"
    );
    app.stop().await;
}

#[tokio::test]
async fn hostile_text_is_escaped_on_the_queue_page_and_search_finds_it() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let hostile = "AWAS penipuan!! Gubernur minta transfer <script>alert('x')</script> \
                   <img src=x onerror=alert(1)> ke rekening ini, sebarkan!";
    let (_, body) = app
        .post_mentions(item("evil", hostile).to_string(), "application/json")
        .await;
    let id = body["items"][0]["id"].as_str().unwrap().to_string();
    let m = app.wait_classified(&id).await;
    let hits = app.wait_search("rekening", 1).await;
    assert_eq!(hits["hits"][0]["id"], id.as_str());
    let snippet = hits["hits"][0]["snippet"].as_str().unwrap();
    assert!(
        !snippet.contains("<script>") && !snippet.contains("<img"),
        "{snippet}"
    );
    assert!(snippet.contains("<mark>rekening</mark>"), "{snippet}");

    let (status, page) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Antrean insiden terbuka"), "logged in: {page}");
    if let Some(incident) = m["incident_id"].as_str() {
        assert!(page.contains(incident), "the queue lists the incident");
        let (_, detail) = app.page(&format!("/incidents/{incident}")).await;
        assert!(detail.contains("&lt;script&gt;"), "escaped on the incident page");
        assert!(!detail.contains("<script>alert") && !detail.contains("<img src=x"));
    }
    assert!(
        !page.contains("<script>alert") && !page.contains("<img src=x"),
        "queue page must escape"
    );
    assert!(page.contains("&lt;script&gt;") || m["incident_id"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn the_index_catches_up_after_a_crash() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let dir = app.stop().await;
    // Mentions committed to the database while no indexer ran (as after a crash between the
    // commit and the index commit).
    let settings = crate::helpers::settings_for(dir.path(), &Options::default());
    let store = tanggap::store::Store::open(settings.database_url.expose())
        .await
        .unwrap();
    let limits = tanggap::ingest::Limits {
        max_text_chars: 1000,
        max_batch_items: 10,
    };
    let raws = vec![
        json!({"source": "news", "external_id": "n1", "text": "Jembatan Way Sekampung retak parah"})
            .to_string(),
        json!({"source": "news", "external_id": "n2", "text": "Warga keluhkan jembatan rusak di Pringsewu"})
            .to_string(),
    ];
    let batch = tanggap::ingest::validate_batch(&raws, limits, chrono::Utc::now()).unwrap();
    store.insert_mentions(&batch).await.unwrap();
    store.close().await;

    let app = spawn_app(Options {
        data_dir: Some(dir),
        ..Default::default()
    })
    .await;
    let hits = app.wait_search("jembatan", 2).await;
    assert_eq!(hits["total"], 2, "{hits}");
    // And the classifier catches up too.
    app.wait_classified(&tanggap::ingest::mention_id("news", "n2"))
        .await;
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_500_chain_message_copies_is_one_incident() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let items: Vec<Value> = (0..500)
        .map(|n| {
            let text = if n % 3 == 0 {
                format!("Fwd: {TSUNAMI}")
            } else {
                TSUNAMI.to_string()
            };
            json!({"source": "whatsapp", "external_id": format!("chain-{n}"), "text": text})
        })
        .collect();
    let (status, body) = app
        .post_mentions(Value::Array(items).to_string(), "application/json")
        .await;
    assert_eq!((status, body["accepted"].as_u64()), (201, Some(500)), "{body}");
    let last = body["items"][499]["id"].as_str().unwrap().to_string();
    app.wait_classified(&last).await;
    let (_, list) = app.get("/api/v1/incidents").await;
    let incidents = list["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{list}");
    assert_eq!(incidents[0]["mention_count"], 500);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_ingestion_does_not_open_twin_incidents() {
    require_model();
    let app = spawn_app(Options::default()).await;
    // Eight clients post copies of the same chain message at once, in small batches, while the
    // classifier works through them.
    let client = |c: usize| {
        let app = &app;
        async move {
            let mut last = String::new();
            for b in 0..5 {
                let items: Vec<Value> = (0..10)
                    .map(|n| {
                        let text = match n % 3 {
                            0 => TSUNAMI.to_uppercase(),
                            1 => format!("{TSUNAMI} 🙏🙏"),
                            _ => TSUNAMI.to_string(),
                        };
                        json!({"source": "whatsapp", "external_id": format!("c{c}-b{b}-{n}"), "text": text})
                    })
                    .collect();
                let (status, body) = app
                    .post_mentions(Value::Array(items).to_string(), "application/json")
                    .await;
                assert_eq!(status, 201, "{body}");
                last = body["items"][9]["id"].as_str().unwrap().to_string();
            }
            last
        }
    };
    let lasts = futures::future::join_all((0..8).map(client)).await;
    for last in lasts {
        app.wait_classified(&last).await;
    }
    // On PostgreSQL concurrent batches commit in any order, so a client's last mention can be
    // classified before another client's earlier batch, which the next pass takes: wait for
    // all 400.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let list = loop {
        let (_, list) = app.get("/api/v1/incidents").await;
        let counted = list["incidents"][0]["mention_count"].as_i64().unwrap_or(0);
        if counted >= 400 || std::time::Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let incidents = list["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{list}");
    assert_eq!(incidents[0]["mention_count"], 400);
    app.stop().await;
}

#[tokio::test]
async fn the_database_keeps_one_open_incident_per_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = tanggap::store::Store::open(&url).await.unwrap();
    let incident = |id: &str| tanggap::store::NewIncident {
        id: id.into(),
        title: "Hoaks: x".into(),
        severity: "high".into(),
        top_label: "hoax".into(),
        labels: "[\"hoax\"]".into(),
        max_scores: "{}".into(),
        team: "trc-diskominfotik".into(),
        region: None,
        source: "whatsapp".into(),
        playbook_id: None,
        playbook_version: None,
        sample_text: "x".into(),
        centroid: vec![],
        first_seen_at: "2026-11-29T00:00:00Z".into(),
        opened_at: "2026-11-29T00:00:00Z".into(),
        ack_due_at: "2026-11-29T01:00:00Z".into(),
        clarify_due_at: "2026-11-29T04:00:00Z".into(),
        escalation_chain: "[]".into(),
        next_escalation_at: None,
        cluster_key: tanggap::incidents::cluster_key("AWAS tsunami malam ini"),
        mention_count: 1,
    };
    let mut tx = store.begin().await.unwrap();
    assert!(tx.insert_incident(&incident("inc_a")).await.unwrap());
    assert!(
        !tx.insert_incident(&incident("inc_b")).await.unwrap(),
        "a twin open incident is refused"
    );
    tx.set_incident_status("inc_a", "dismissed", "2026-11-29T00:10:00Z")
        .await
        .unwrap();
    assert!(
        tx.insert_incident(&incident("inc_c")).await.unwrap(),
        "once the first is closed, the cluster may open again"
    );
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let open = tx
        .incident_of_cluster(&tanggap::incidents::cluster_key("awas TSUNAMI malam ini!!"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.id, "inc_c");
}

#[tokio::test]
async fn responders_merge_and_split_incidents() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let responder = app.token(tanggap::domain::Role::Responder).await;
    let scam = "Selamat siang Bapak/Ibu, saya Gubernur Lampung, ini nomor WA baru saya. \
                Tolong bantu transfer dulu 15 juta ke rekening BRI 1234567890, nanti saya ganti hari ini.";
    let mut ids = Vec::new();
    for (n, text) in [TSUNAMI, scam].iter().enumerate() {
        let (_, body) = app
            .post_mentions(item(&format!("ms-{n}"), text).to_string(), "application/json")
            .await;
        let m = app
            .wait_classified(body["items"][0]["id"].as_str().unwrap())
            .await;
        ids.push((
            m["id"].as_str().unwrap().to_string(),
            m["incident_id"].as_str().expect("incident").to_string(),
        ));
    }
    let (a, b) = (ids[0].1.clone(), ids[1].1.clone());
    assert_ne!(a, b);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{a}/merge"),
            &responder,
            Some(json!({"from": a})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, merged) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{a}/merge"),
            &responder,
            Some(json!({"from": b})),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["mention_count"], 2);
    assert!(
        merged["labels"].as_array().unwrap().iter().any(|l| l == "scam"),
        "{merged}"
    );
    let (_, closed) = app.get(&format!("/api/v1/incidents/{b}")).await;
    assert_eq!(
        (closed["status"].as_str(), closed["mention_count"].as_u64()),
        (Some("dismissed"), Some(0))
    );
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{a}/merge"),
            &responder,
            Some(json!({"from": b})),
        )
        .await;
    assert_eq!(status, 409, "a closed incident cannot be merged again");
    // A later copy of the merged incident's text joins the incident it was merged into.
    let (_, body) = app
        .post_mentions(item("ms-again", scam).to_string(), "application/json")
        .await;
    let again = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert_eq!(again["incident_id"].as_str(), Some(a.as_str()), "{again}");

    // Split the scam mention back out.
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{a}/split"),
            &responder,
            Some(json!({"mention_ids": [ids[0].0, ids[1].0, again["id"]]})),
        )
        .await;
    assert_eq!(status, 422, "at least one mention must stay");
    let (status, split) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{a}/split"),
            &responder,
            Some(json!({"mention_ids": [ids[1].0]})),
        )
        .await;
    assert_eq!(status, 201, "{split}");
    assert_eq!(split["mention_count"], 1);
    // From now on, copies of the split-out text join the split incident.
    let (_, body) = app
        .post_mentions(item("ms-after-split", scam).to_string(), "application/json")
        .await;
    let after = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    assert_eq!(after["incident_id"], split["id"], "{after}");
    let (_, rest) = app.get(&format!("/api/v1/incidents/{a}")).await;
    assert_eq!(rest["mention_count"], 2);
    let (_, m) = app.get(&format!("/api/v1/mentions/{}", ids[1].0)).await;
    assert_eq!(m["incident_id"], split["id"]);
    let kinds: Vec<&str> = rest["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"merged_from") && kinds.contains(&"split_into"),
        "{kinds:?}"
    );
    app.stop().await;
}
