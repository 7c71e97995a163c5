//! Search as responders use it: Indonesian morphology and slang, phrases and fields, filters,
//! facets, order and pages, escaping, clear errors, and the index surviving `kill -9`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{repo, require_model, spawn_app, urlencode, Options, INGEST_TOKEN};

#[tokio::test]
async fn search_understands_indonesian_and_filters_facets_and_pages() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let items = json!([
        {"source": "twitter", "external_id": "s1", "region": "Bandar Lampung", "posted_at": "2026-11-20T08:00:00+07:00",
         "text": "Hati-hati, ada yang menipu warga pakai nama Gubernur, minta transfer ke rekening"},
        {"source": "facebook", "external_id": "s2", "region": "Metro", "posted_at": "2026-11-21T08:00:00+07:00",
         "text": "Korban penipuan arisan online di Metro bertambah"},
        {"source": "whatsapp", "external_id": "s3", "region": "Bandar Lampung", "posted_at": "2026-11-22T08:00:00+07:00",
         "text": "Ibu saya ditipu kurir paket palsu kemarin"},
        {"source": "news", "external_id": "s4", "region": "Bandar Lampung", "posted_at": "2026-11-23T08:00:00+07:00",
         "text": "Pengumuman pemerintahan provinsi soal jalan rusak"},
        {"source": "twitter", "external_id": "s5", "region": "Bandar Lampung", "posted_at": "2026-11-24T08:00:00+07:00",
         "text": "Kabar bantuan itu gak benar kata pemerintah"},
        {"source": "twitter", "external_id": "s6", "region": "Bandar Lampung", "posted_at": "2026-11-25T08:00:00+07:00",
         "text": "Macet parah di Way Halim pagi ini <img src=x onerror=alert(1)>"},
        {"source": "instagram", "external_id": "s7", "region": "Lampung Selatan", "posted_at": "2026-11-26T08:00:00+07:00",
         "text": "Halim bilang jalan keluar way kanan ditutup"},
    ]);
    let (status, body) = app.post_mentions(items.to_string(), "application/json").await;
    assert_eq!(status, 201, "{body}");
    // Mention ids → the short names above.
    let id_of: std::collections::HashMap<String, String> = (1..=7)
        .map(|n| {
            let source = items[n - 1]["source"].as_str().unwrap();
            (
                tanggap::ingest::mention_id(source, &format!("s{n}")),
                format!("s{n}"),
            )
        })
        .collect();
    let last = body["items"][6]["id"].as_str().unwrap().to_string();
    app.wait_classified(&last).await;
    // Labels are searchable once the index has caught up with the classification.
    app.wait_indexed().await;
    let search = |q: String| {
        let app = &app;
        async move {
            let (status, body) = app.get(&format!("/api/v1/search?{q}")).await;
            assert_eq!(status, 200, "{q}: {body}");
            body
        }
    };
    let named = |body: &Value| -> Vec<String> {
        let mut v: Vec<String> = body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| id_of[h["id"].as_str().unwrap()].clone())
            .collect();
        v.sort();
        v
    };
    let q = |s: &str| format!("q={}", urlencode(s));

    // Morphology: one root, every affixed form.
    for form in ["tipu", "menipu", "penipuan", "ditipu"] {
        assert_eq!(named(&search(q(form)).await), ["s1", "s2", "s3"], "{form}");
    }
    assert_eq!(named(&search(q("pemerintah")).await), ["s4", "s5"]);
    // Slang.
    assert_eq!(named(&search(q("tidak benar")).await), ["s5"]);
    assert_eq!(named(&search(q("gak")).await), ["s5"]);
    // Phrases match exactly; bare words anywhere.
    assert_eq!(named(&search(q("\"Way Halim\"")).await), ["s6"]);
    assert_eq!(named(&search(q("way halim")).await), ["s6", "s7"]);
    assert_eq!(named(&search(q("halim AND NOT macet")).await), ["s7"]);
    assert_eq!(
        named(&search(q("source:facebook OR source:instagram")).await),
        ["s2", "s7"]
    );
    // Filters.
    assert_eq!(
        named(&search(format!("{}&region={}", q("tipu"), urlencode("Bandar Lampung"))).await),
        ["s1", "s3"]
    );
    assert_eq!(
        named(&search(format!("{}&source=whatsapp", q("tipu"))).await),
        ["s3"]
    );
    assert_eq!(
        named(&search(format!("{}&from=2026-11-21&to=2026-11-22", q("tipu"))).await),
        ["s2", "s3"]
    );
    assert_eq!(
        named(&search("region=Metro".into()).await),
        ["s2"],
        "filters alone work"
    );
    let scam = search(format!("{}&label=scam", q("tipu"))).await;
    let scams = named(&scam);
    assert!(
        !scams.is_empty() && scams.iter().all(|s| ["s1", "s2", "s3"].contains(&s.as_str())),
        "{scam}"
    );
    let incident = scam["hits"][0]["incident_id"]
        .as_str()
        .expect("a scam incident")
        .to_string();
    let by_incident = search(format!("incident={incident}")).await;
    assert!(by_incident["total"].as_u64().unwrap() >= 1, "{by_incident}");
    // Facets count every match, not just the page.
    let all = search(format!("{}&limit=1", q("tipu"))).await;
    assert_eq!(
        (all["total"].as_u64(), all["hits"].as_array().unwrap().len()),
        (Some(3), 1)
    );
    let regions = &all["facets"]["region"];
    assert!(
        regions
            .as_array()
            .unwrap()
            .contains(&json!({"value": "Bandar Lampung", "count": 2})),
        "{all}"
    );
    assert!(
        all["facets"]["label"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["value"] == "scam"),
        "{all}"
    );
    // Order and pages.
    let newest = search(format!("{}&sort=newest&limit=2", q("tipu"))).await;
    assert_eq!(
        newest["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| id_of[h["id"].as_str().unwrap()].clone())
            .collect::<Vec<_>>(),
        ["s3", "s2"]
    );
    let next = search(format!("{}&sort=newest&limit=2&offset=2", q("tipu"))).await;
    assert_eq!(named(&next), ["s1"]);
    // Highlights are escaped.
    let hostile = search(q("macet")).await;
    let snippet = hostile["hits"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>Macet</mark>"), "{snippet}");
    assert!(
        snippet.contains("&lt;img") && !snippet.contains("<img"),
        "{snippet}"
    );

    // Clear errors.
    for (query, field) in [
        ("q=text:(", None),
        ("q=nosuchfield:x", None),
        ("q=x&label=bogus", Some("label")),
        ("q=x&from=kemarin", Some("from")),
        ("q=x&from=2026-11-22&to=2026-11-21", Some("to")),
        ("q=x&sort=random", Some("sort")),
        ("q=x&limit=abc", Some("limit")),
    ] {
        let (status, body) = app.get(&format!("/api/v1/search?{query}")).await;
        match field {
            // A query that does not parse: 400 with the parser's reason.
            None => assert_eq!(
                (status, body["error"]["code"].as_str()),
                (400, Some("invalid_query")),
                "{query}: {body}"
            ),
            // A bad parameter: 422 naming the field.
            Some(f) => assert_eq!(
                (status, body["error"]["details"][0]["field"].as_str()),
                (422, Some(f)),
                "{query}: {body}"
            ),
        }
    }
    app.stop().await;
}

/// A real `tanggap serve` process, killed with SIGKILL mid-work and started again.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    fn start(data: &std::path::Path, port: u16) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_tanggap"))
            .arg("serve")
            .env("TANGGAP_DATA_DIR", data)
            .envs(crate::helpers::postgres_database_for(data).map(|u| ("TANGGAP_DATABASE_URL", u)))
            .env("TANGGAP_MODELS_DIR", repo().join("models"))
            .env("TANGGAP_PLAYBOOKS_DIR", repo().join("playbooks"))
            .env("TANGGAP_LISTEN", format!("127.0.0.1:{port}"))
            .env("TANGGAP_INGEST_TOKENS", INGEST_TOKEN)
            .env_remove("TANGGAP_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tanggap binary");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tanggap serve did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, base }
    }

    fn kill_9(mut self) {
        let _ = Command::new("kill")
            .arg("-9")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn acknowledged_mentions_are_searchable_after_kill_9() {
    require_model();
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_tanggap"))
        .args(["token", "create", "--role", "viewer", "--name", "search"])
        .env("TANGGAP_DATA_DIR", data.path())
        .envs(crate::helpers::postgres_database_for(data.path()).map(|u| ("TANGGAP_DATABASE_URL", u)))
        .env_remove("TANGGAP_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let viewer = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let server = Server::start(data.path(), port);
    let client = reqwest::Client::new();
    let mut acknowledged = 0;
    for b in 0..10 {
        let items: Vec<Value> = (0..200)
            .map(|n| json!({"source": "news", "external_id": format!("k{b}-{n}"),
                            "text": format!("Jembatan nomor {b}x{n} di Pringsewu retak, warga diminta waspada")}))
            .collect();
        let r = client
            .post(format!("{}/api/v1/mentions", server.base))
            .bearer_auth(INGEST_TOKEN)
            .json(&items)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        acknowledged += 200;
    }
    // Killed while the indexer and the classifier are still working through the backlog.
    server.kill_9();
    let server = Server::start(data.path(), port);
    // A fresh client: the old one's pooled connections died with the process.
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let body: Value = client
            .get(format!(
                "{}/api/v1/search?q=jembatan&limit=1&facets=false",
                server.base
            ))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["total"].as_u64() == Some(acknowledged) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after kill -9 the index has {} of {acknowledged}",
            body["total"]
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(server);
}

#[tokio::test]
async fn the_search_page_shows_escaped_highlights_facets_and_errors() {
    let app = spawn_app(Options::default()).await;
    let items = json!([
        {"source": "twitter", "external_id": "p1", "region": "Metro",
         "text": "Penipuan undian <img src=x onerror=alert(1)> atas nama Bank Lampung"},
        {"source": "facebook", "external_id": "p2", "region": "Metro",
         "text": "Awas ditipu undian palsu lagi"},
    ]);
    let (status, _) = app.post_mentions(items.to_string(), "application/json").await;
    assert_eq!(status, 201);
    app.wait_search("undian", 2).await;
    let (client, _) = app.login_as(tanggap::domain::Role::Viewer).await;
    let page = |path: String| {
        let client = client.clone();
        let base = app.base.clone();
        async move {
            let r = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.unwrap()
        }
    };
    let html = page(format!("/search?q={}", urlencode("tipu undian"))).await;
    let main = html.split("<main>").nth(1).unwrap_or(&html).to_string();
    assert!(main.contains("<strong>2</strong> sebutan"), "{main}");
    assert!(
        html.contains("<mark>Penipuan</mark>") && html.contains("<mark>ditipu</mark>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img") && !html.contains("<img"),
        "hostile text stays text"
    );
    assert!(
        html.contains("source=twitter") && html.contains("region=Metro"),
        "facet links"
    );
    let html = page(format!("/search?q={}&source=facebook", urlencode("tipu"))).await;
    assert!(html.contains("<strong>1</strong> sebutan"), "{html}");
    let html = page(format!("/search?q={}", urlencode("text:("))).await;
    assert!(
        html.contains("role=\"alert\""),
        "a bad query is explained on the page"
    );
    app.stop().await;
}
