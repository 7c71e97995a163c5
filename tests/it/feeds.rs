//! The feed poller against a real HTTP server started by the test: RSS, Atom and JSON Feed,
//! conditional GET (ETag → 304), a feed that changes between polls, fact-checkers' debunks as
//! known claims (idempotent), and broken or hostile feeds that only harm themselves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::helpers::{spawn_app, Options, TestApp};

#[derive(Default)]
struct Fixture {
    /// Version of `/news.rss` (1, then 2 with one more item).
    version: AtomicUsize,
    requests: AtomicUsize,
    not_modified: AtomicUsize,
}

fn rss_item(guid: &str, title: &str, description: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://berita.test/{guid}</link><guid>{guid}</guid>\
         <description>{description}</description><pubDate>Mon, 30 Nov 2026 08:00:00 +0700</pubDate></item>"
    )
}

fn rss(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Berita</title>\
         <link>https://berita.test/</link><description>d</description>{}</channel></rss>",
        items.concat()
    )
}

async fn news(State(f): State<Arc<Fixture>>, headers: HeaderMap) -> Response {
    f.requests.fetch_add(1, Ordering::SeqCst);
    let v = f.version.load(Ordering::SeqCst);
    let etag = format!("\"v{v}\"");
    if headers.get(header::IF_NONE_MATCH).and_then(|h| h.to_str().ok()) == Some(etag.as_str()) {
        f.not_modified.fetch_add(1, Ordering::SeqCst);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut items = vec![
        rss_item(
            "n-1",
            "Banjir setinggi lutut di Way Halim",
            "&lt;p&gt;Warga mengungsi ke masjid.&lt;/p&gt;",
        ),
        rss_item(
            "n-2",
            "Harga cabai naik di Pasar Tugu",
            "Pedagang mengeluh pasokan berkurang.",
        ),
    ];
    if v >= 2 {
        items.push(rss_item(
            "n-3",
            "Jalan lintas barat longsor",
            "Kendaraan antre di Liwa.",
        ));
    }
    (
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/rss+xml".into()),
        ],
        rss(&items),
    )
        .into_response()
}

async fn debunks() -> impl IntoResponse {
    rss(&[
        rss_item(
            "d-1",
            "[HOAKS] Video tsunami di pantai Kalianda pada November 2026",
            "Video itu rekaman tsunami Aceh 2004, bukan di Kalianda.",
        ),
        rss_item(
            "d-2",
            "[SALAH] BMKG memprediksi gempa 9 SR di Selat Sunda malam ini",
            "BMKG tidak pernah memprediksi waktu gempa.",
        ),
        rss_item(
            "d-3",
            "[PENIPUAN] Pendaftaran bansos lewat tautan bit.ly atas nama Kemensos",
            "Kemensos tidak memungut pendaftaran lewat tautan.",
        ),
        rss_item("d-4", "Kegiatan literasi digital di Metro", "Bukan cek fakta."),
        // No tag in the title, but the article's ClaimReview JSON-LD carries the verdict.
        rss_item(
            "d-5",
            "Cek fakta: foto jembatan putus di Way Kanan",
            "<![CDATA[<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\
             \"@type\":\"ClaimReview\",\"claimReviewed\":\"Foto jembatan Way Kanan putus diterjang banjir pekan ini\",\
             \"url\":\"https://cekfakta.test/jembatan\",\"author\":{\"name\":\"Cek Fakta Lampung\"},\
             \"reviewRating\":{\"alternateName\":\"Misleading\"},\"description\":\"Foto itu diambil tahun 2019.\"}</script>\
             <p>Foto lama.</p>]]>",
        ),
    ])
}

async fn atom() -> impl IntoResponse {
    "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Kanal</title>\
     <id>urn:kanal</id><updated>2026-11-30T01:00:00Z</updated>\
     <entry><title>Pemadaman listrik bergilir di Pringsewu</title><id>urn:kanal:1</id>\
     <updated>2026-11-30T01:00:00Z</updated><link href=\"https://kanal.test/1\"/>\
     <summary>PLN menjadwalkan pemadaman 2 jam.</summary></entry></feed>"
}

async fn json_feed() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/feed+json")],
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"Warga","items":[
            {"id":"w-1","url":"https://warga.test/1","title":"Air PDAM mati tiga hari di Kemiling","content_text":"Warga beli air galon."}]}"#,
    )
}

async fn huge() -> Response {
    // 8 MiB streamed without a length: the poller must stop reading at its limit.
    let chunk = axum::body::Bytes::from(vec![b'a'; 64 * 1024]);
    let stream = futures::stream::iter((0..128).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    Response::new(Body::from_stream(stream))
}

const BOMB: &str = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
    <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
    <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\
    <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\
    <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\
    <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\
    <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\
    <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\
    <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\
    <rss version=\"2.0\"><channel><title>bom</title><item><title>&lol9;</title><guid>b-1</guid>\
    <description>&lol9;</description></item></channel></rss>";

async fn start_fixture(f: Arc<Fixture>) -> String {
    let app = Router::new()
        .route("/news.rss", get(news))
        .route("/debunks.rss", get(debunks))
        .route("/atom.xml", get(atom))
        .route("/feed.json", get(json_feed))
        .route(
            "/broken.xml",
            get(|| async { "<rss version=\"2.0\"><channel><item><title>putus" }),
        )
        .route(
            "/page.html",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<!doctype html><html><body><h1>Bukan umpan</h1></body></html>",
                )
            }),
        )
        .route("/huge.xml", get(huge))
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        )
        .route("/bomb.xml", get(|| async { BOMB }))
        .route("/gone.xml", get(|| async { StatusCode::GONE }))
        .route(
            "/extra.rss",
            get(|| async {
                rss(&[rss_item(
                    "x-1",
                    "Antrean BBM mengular di SPBU Natar",
                    "Solar langka sejak pagi.",
                )])
            }),
        )
        .with_state(f);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn config(base: &str) -> String {
    // The fixture server is on 127.0.0.1: allow what a deployment forbids by default.
    let mut s = String::from("[server]\nfeeds_private_networks = true\n\n");
    for (name, path, kind) in [
        ("berita-lampung", "/news.rss", "mentions"),
        ("kanal-atom", "/atom.xml", "mentions"),
        ("warga-json", "/feed.json", "mentions"),
        ("cekfakta", "/debunks.rss", "debunks"),
        ("rusak", "/broken.xml", "mentions"),
        ("halaman-html", "/page.html", "mentions"),
        ("raksasa", "/huge.xml", "mentions"),
        ("putar", "/loop", "mentions"),
        ("bom", "/bomb.xml", "mentions"),
        ("hilang", "/gone.xml", "debunks"),
    ] {
        s.push_str(&format!(
            "[[feeds]]\nname = \"{name}\"\nurl = \"{base}{path}\"\nkind = \"{kind}\"\nregion = \"Lampung\"\nevery_secs = 1\n\n"
        ));
    }
    s
}

async fn health(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/api/v1/feeds").await;
    assert_eq!(status, 200, "{body}");
    body["feeds"].as_array().unwrap().clone()
}

fn feed<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} listed"))
}

async fn wait_until(app: &TestApp, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = health(app).await;
        if done(&all) {
            return all;
        }
        assert!(Instant::now() < deadline, "{what} did not happen: {all:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn feeds_are_polled_with_conditional_get_and_hostile_feeds_harm_only_themselves() {
    let fixture = Arc::new(Fixture::default());
    fixture.version.store(1, Ordering::SeqCst);
    let base = start_fixture(fixture.clone()).await;
    let app = spawn_app(Options {
        config_toml: Some(config(&base)),
        ..Default::default()
    })
    .await;

    // Tolerant lookups while waiting: a feed not listed yet counts as not polled yet.
    let find = |all: &[Value], name: &str| {
        all.iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    let added = |all: &[Value], name: &str| find(all, name)["health"]["items_added"].as_i64().unwrap_or(0);
    let failures = |all: &[Value], name: &str| {
        find(all, name)["health"]["consecutive_failures"]
            .as_i64()
            .unwrap_or(0)
    };
    let all = wait_until(&app, "every feed polled", |all| {
        added(all, "berita-lampung") == 2
            && added(all, "kanal-atom") == 1
            && added(all, "warga-json") == 1
            && added(all, "cekfakta") == 4
            && ["rusak", "halaman-html", "raksasa", "putar", "hilang"]
                .iter()
                .all(|n| failures(all, n) >= 1)
    })
    .await;

    // Clear errors, each on its own feed.
    let error = |name: &str| {
        feed(&all, name)["health"]["last_error"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        error("rusak").contains("not an RSS, Atom or JSON feed"),
        "{}",
        error("rusak")
    );
    assert!(
        error("halaman-html").contains("not an RSS, Atom or JSON feed"),
        "{}",
        error("halaman-html")
    );
    assert!(error("raksasa").contains("larger than"), "{}", error("raksasa"));
    assert!(error("putar").contains("redirect"), "{}", error("putar"));
    assert!(error("hilang").contains("HTTP 410"), "{}", error("hilang"));
    for good in ["berita-lampung", "kanal-atom", "warga-json", "cekfakta"] {
        assert_eq!(failures(&all, good), 0, "{good}: {:#}", feed(&all, good));
        assert!(feed(&all, good)["health"]["last_success_at"].is_string());
    }
    assert!(
        feed(&all, "cekfakta")["health"]["items_skipped"]
            .as_i64()
            .unwrap()
            >= 1,
        "the untagged item"
    );

    // The entity bomb: either refused or read without expanding anything.
    let bomb = feed(&all, "bom");
    if failures(&all, "bom") == 0 {
        let id = tanggap::ingest::mention_id("rss", "b-1");
        let (_, m) = app.get(&format!("/api/v1/mentions/{id}")).await;
        assert!(
            m["text"].as_str().map_or(0, str::len) < 10_000,
            "entities were expanded: {bomb}"
        );
    }

    // Items became mentions through the normal intake: source rss, the feed's region, the link.
    let id = tanggap::ingest::mention_id("rss", "n-1");
    let (status, m) = app.get(&format!("/api/v1/mentions/{id}")).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["source"], "rss");
    assert_eq!(m["region"], "Lampung");
    assert_eq!(m["url"], "https://berita.test/n-1");
    assert_eq!(
        m["text"],
        "Banjir setinggi lutut di Way Halim. Warga mengungsi ke masjid."
    );
    let (status, _) = app
        .get(&format!(
            "/api/v1/mentions/{}",
            tanggap::ingest::mention_id("rss", "w-1")
        ))
        .await;
    assert_eq!(status, 200, "the JSON Feed item");

    // Conditional GET: the unchanged feed answered 304, and nothing was stored twice.
    let all = wait_until(&app, "a 304", |_| {
        fixture.not_modified.load(Ordering::SeqCst) >= 1
    })
    .await;
    assert_eq!(added(&all, "berita-lampung"), 2);
    // The feed changes: only the new item is added.
    fixture.version.store(2, Ordering::SeqCst);
    wait_until(&app, "the new item", |all| added(all, "berita-lampung") == 3).await;
    let (status, m) = app
        .get(&format!(
            "/api/v1/mentions/{}",
            tanggap::ingest::mention_id("rss", "n-3")
        ))
        .await;
    assert_eq!(
        (
            status,
            m["text"]
                .as_str()
                .unwrap()
                .starts_with("Jalan lintas barat longsor")
        ),
        (200, true)
    );

    // Debunks became known claims with the fact-checker's verdict and link, once.
    let (_, claims) = app.get("/api/v1/known-claims?limit=50").await;
    let claims = claims["claims"].as_array().unwrap().clone();
    let from_feed: Vec<&Value> = claims.iter().filter(|c| c["origin"] == "feed:cekfakta").collect();
    assert_eq!(from_feed.len(), 4, "{claims:#?}");
    let bridge = from_feed
        .iter()
        .find(|c| c["url"] == "https://cekfakta.test/jembatan")
        .expect("the ClaimReview item");
    assert_eq!(bridge["verdict"], "misinformasi");
    assert_eq!(
        bridge["claim"],
        "Foto jembatan Way Kanan putus diterjang banjir pekan ini"
    );
    assert!(
        bridge["summary"].as_str().unwrap().contains("Cek Fakta Lampung"),
        "{bridge}"
    );
    let tsunami = from_feed
        .iter()
        .find(|c| c["claim"] == "Video tsunami di pantai Kalianda pada November 2026")
        .expect("the [HOAKS] item");
    assert_eq!(tsunami["verdict"], "hoaks");
    assert_eq!(tsunami["url"], "https://berita.test/d-1");
    assert!(tsunami["summary"].as_str().unwrap().contains("Sumber: cekfakta"));
    let verdicts: Vec<&str> = from_feed.iter().map(|c| c["verdict"].as_str().unwrap()).collect();
    assert!(
        verdicts.contains(&"salah") && verdicts.contains(&"penipuan"),
        "{verdicts:?}"
    );

    // Health in /metrics (read with a token) and on the page.
    let metrics = app.metrics_text(&app.admin_token).await;
    assert!(
        metrics.contains("tanggap_feed_items_added_total{feed=\"cekfakta\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tanggap_feed_consecutive_failures{feed=\"putar\"}"),
        "{metrics}"
    );
    let (status, page) = app.page("/feeds").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"feed-raksasa\"") && page.contains("larger than"),
        "{page}"
    );
    assert!(fixture.requests.load(Ordering::SeqCst) >= 3);

    // Admins manage feeds: add one (polled at once), refuse bad input, disable and enable.
    let viewer = app.token(tanggap::domain::Role::Viewer).await;
    let admin = app.admin_token.clone();
    let extra = serde_json::json!({"name": "natar", "url": format!("{base}/extra.rss"), "kind": "mentions",
                                   "region": "Lampung Selatan", "every_secs": 60});
    let (status, _) = app
        .call("POST", "/api/v1/feeds", &viewer, Some(extra.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, err) = app
        .call(
            "POST",
            "/api/v1/feeds",
            &admin,
            Some(serde_json::json!({"name": "x", "url": "ftp://x", "kind": "mentions"})),
        )
        .await;
    assert_eq!(
        (status, &err["error"]["details"][0]["field"]),
        (422, &serde_json::json!("url")),
        "{err}"
    );
    let (status, added_feed) = app
        .call("POST", "/api/v1/feeds", &admin, Some(extra.clone()))
        .await;
    assert_eq!(status, 201, "{added_feed}");
    let (status, _) = app.call("POST", "/api/v1/feeds", &admin, Some(extra)).await;
    assert_eq!(status, 409);
    let all = wait_until(&app, "the admin's feed polled", |all| added(all, "natar") == 1).await;
    assert_eq!(feed(&all, "natar")["origin"], "admin");
    let (_, m) = app
        .get(&format!(
            "/api/v1/mentions/{}",
            tanggap::ingest::mention_id("rss", "x-1")
        ))
        .await;
    assert_eq!(m["region"], "Lampung Selatan", "{m}");

    let (status, _) = app
        .call("POST", "/api/v1/feeds/berita-lampung/disable", &admin, None)
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = fixture.requests.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        fixture.requests.load(Ordering::SeqCst),
        before,
        "a disabled feed is not polled"
    );
    let (status, _) = app
        .call("POST", "/api/v1/feeds/berita-lampung/enable", &admin, None)
        .await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    while fixture.requests.load(Ordering::SeqCst) == before {
        assert!(Instant::now() < deadline, "an enabled feed is polled again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = app.call("POST", "/api/v1/feeds/nope/disable", &admin, None).await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// By default no feed reaches a loopback, private or link-local address: an admin's URL, a name
/// that resolves inside the network, and a redirect there are all refused.
#[tokio::test]
async fn feeds_cannot_reach_internal_addresses_by_default() {
    let fixture_base = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/x.rss", axum::routing::get(|| async { "<rss/>" }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    };
    let port = fixture_base.rsplit(':').next().unwrap().to_string();
    let app = spawn_app(Options {
        config_toml: Some(format!(
            "[[feeds]]\nname = \"lokal\"\nurl = \"http://localhost:{port}/x.rss\"\nkind = \"mentions\"\nevery_secs = 1\n"
        )),
        ..Default::default()
    })
    .await;
    for url in [
        format!("{fixture_base}/x.rss"),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://[::1]:8080/feed".into(),
        "http://10.1.2.3/feed.xml".into(),
        "http://[::ffff:127.0.0.1]/feed".into(),
    ] {
        let (status, body) = app
            .call(
                "POST",
                "/api/v1/feeds",
                &app.admin_token,
                Some(serde_json::json!({"name": "intern", "url": url, "kind": "mentions"})),
            )
            .await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["error"]["details"][0]["field"], "url", "{body}");
    }
    // A name that resolves to loopback is refused when polled, and says why.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let feeds = health(&app).await;
        let lokal = feed(&feeds, "lokal");
        let error = lokal["health"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !error.is_empty() {
            assert!(error.contains("non-public"), "{error}");
            assert_eq!(lokal["health"]["items_added"], 0);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no poll error recorded: {lokal}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.stop().await;
}
