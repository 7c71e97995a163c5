//! Several `tanggap serve` replicas on one database (issue 17), each with its own data folder
//! and search index, as behind a load balancer. They run on both back ends: on SQLite the
//! replicas share the database file (one host), on PostgreSQL the database (any hosts). The
//! kill -9 run with three replicas is `scripts/crash-harness --replicas 3` (scripts/test runs it
//! on PostgreSQL).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::Connection;
use tanggap::domain::Role;

use crate::helpers::{
    on_postgres, postgres_database_for, require_model, spawn_app, Options, SmtpSink, TestApp,
};

/// The database URL the first replica uses, for the others.
fn shared_database(app: &TestApp) -> String {
    postgres_database_for(app.data_dir.path())
        .unwrap_or_else(|| format!("sqlite://{}", app.data_dir.path().join("tanggap.db").display()))
}

/// `n` replicas on one database. On SQLite they are given one signing key (as an operator
/// would); on PostgreSQL none, so the key generated into the shared database is what they share.
async fn replicas(n: usize, smtp_port: Option<u16>, config: Option<&str>) -> Vec<TestApp> {
    let mut env = Vec::new();
    if !on_postgres() {
        env.push((
            "TANGGAP_SECRET_KEY",
            "replica-test-key-0123456789abcdefghijklmnop".to_string(),
        ));
    }
    let first = spawn_app(Options {
        smtp_port,
        extra_env: env.clone(),
        config_toml: config.map(str::to_string),
        ..Default::default()
    })
    .await;
    let url = shared_database(&first);
    let mut apps = vec![first];
    for _ in 1..n {
        let mut env = env.clone();
        env.push(("TANGGAP_DATABASE_URL", url.clone()));
        apps.push(
            spawn_app(Options {
                smtp_port,
                extra_env: env,
                config_toml: config.map(str::to_string),
                ..Default::default()
            })
            .await,
        );
    }
    apps
}

const CHAINS: [&str; 3] = [
    "PENTING!!! Sebarkan ke grup keluarga: mulai besok bantuan sosial Rp 2,5 juta dibagikan lewat link \
     bansos-lampung.xyz, isi NIK dan nomor rekening sebelum jam 12 malam. Jangan sampai terlewat!",
    "Vaksin yang dibagikan di puskesmas minggu ini mengandung chip pelacak, sudah banyak warga Metro yang \
     sakit. Jangan bawa anak ke posyandu!",
    "AWAS! Air PDAM Bandar Lampung hari ini tercemar racun, tiga orang meninggal. Jangan minum air keran, \
     teruskan ke semua grup.",
];

fn everyday(i: usize) -> String {
    const PLACES: [&str; 6] = ["Metro", "Pringsewu", "Kalianda", "Liwa", "Kotabumi", "Menggala"];
    const THINGS: [&str; 6] = [
        "pasar",
        "taman kota",
        "perpustakaan",
        "stadion",
        "pantai",
        "terminal",
    ];
    format!(
        "Sore tadi {} di {} ramai sekali, anak-anak senang main di sana (catatan {i})",
        THINGS[i % THINGS.len()],
        PLACES[(i / THINGS.len()) % PLACES.len()]
    )
}

async fn scalar(url: &str, sql: &str) -> i64 {
    let mut db = sqlx::AnyConnection::connect(url).await.unwrap();
    let v: i64 = sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap();
    db.close().await.unwrap();
    v
}

/// Two replicas take a stream of everyday posts and chain-message copies, spread over both
/// as a load balancer would: every mention is classified once, each chain message gets one
/// incident, every mail reaches the SMTP server once, and both indexes hold every mention.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_the_work_and_do_each_piece_once() {
    require_model();
    let smtp = SmtpSink::start();
    let apps = replicas(2, Some(smtp.port), None).await;
    let url = shared_database(&apps[0]);
    let mut items = Vec::new();
    for i in 0..60 {
        items.push(json!({"source": "twitter", "external_id": format!("post-{i}"), "text": everyday(i)}));
        if i % 3 == 0 {
            let c = (i / 3) % CHAINS.len();
            items.push(
                json!({"source": "whatsapp", "external_id": format!("chain{c}-{i}"), "text": CHAINS[c]}),
            );
        }
    }
    let total = items.len() as i64;
    let mut posts = Vec::new();
    for (k, batch) in items.chunks(4).enumerate() {
        let app = &apps[k % apps.len()];
        let (client, url) = (app.client.clone(), format!("{}/api/v1/mentions", app.base));
        let body = Value::Array(batch.to_vec()).to_string();
        posts.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(crate::helpers::INGEST_TOKEN)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for p in posts {
        assert_eq!(p.await.unwrap(), 201);
    }

    // Drained: all classified, every mail sent, both indexes current.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let unclassified = scalar(&url, "SELECT COUNT(*) FROM mentions WHERE classified_at IS NULL").await;
        let unsent = scalar(&url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await;
        let mut pending = 0;
        for app in &apps {
            let (_, ready) = app.get("/readyz").await;
            pending += ready["index_pending"].as_i64().unwrap_or(1);
        }
        if unclassified == 0 && unsent == 0 && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not drained: {unclassified} unclassified, {unsent} mails unsent, {pending} not indexed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    assert_eq!(scalar(&url, "SELECT COUNT(*) FROM mentions").await, total);
    assert_eq!(
        scalar(&url, "SELECT COUNT(*) FROM classify_leases").await,
        0,
        "leases are dropped with the classification"
    );
    assert_eq!(
        scalar(&url, "SELECT COUNT(*) FROM mentions WHERE classified_by IS NULL").await,
        0
    );
    // Placed once: an incident counts exactly the mentions that point at it.
    assert_eq!(
        scalar(
            &url,
            "SELECT COUNT(*) FROM incidents i WHERE i.mention_count <> \
             (SELECT COUNT(*) FROM mentions m WHERE m.incident_id = i.id)"
        )
        .await,
        0,
        "a mention was placed twice"
    );
    assert_eq!(
        scalar(
            &url,
            "SELECT COUNT(*) FROM (SELECT cluster_key FROM incidents WHERE status NOT IN ('resolved','dismissed') \
             AND cluster_key IS NOT NULL GROUP BY cluster_key HAVING COUNT(*) > 1) AS twice"
        )
        .await,
        0,
        "two open incidents for one cluster"
    );
    for c in 0..CHAINS.len() {
        let incidents = scalar(
            &url,
            &format!(
                "SELECT COUNT(DISTINCT incident_id) FROM mentions WHERE external_id LIKE 'chain{c}-%' \
                 AND incident_id IS NOT NULL"
            ),
        )
        .await;
        assert_eq!(incidents, 1, "chain message {c} is in {incidents} incidents");
    }
    // Every queued mail at the SMTP server exactly once.
    let outbox = scalar(&url, "SELECT COUNT(*) FROM outbox").await as usize;
    assert!(
        outbox >= CHAINS.len(),
        "{outbox} mails for {} incidents",
        CHAINS.len()
    );
    let mails = smtp.wait_for(outbox).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for m in smtp.messages() {
        *ids.entry(m["headers"]["Message-ID"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        ids.len(),
        outbox,
        "{} distinct mails for {outbox} in the outbox",
        ids.len()
    );
    assert!(ids.values().all(|&n| n == 1), "a mail was sent twice: {ids:?}");
    assert_eq!(mails.len(), outbox);
    // Both replicas' indexes hold every mention.
    for app in &apps {
        let (_, ready) = app.get("/readyz").await;
        assert_eq!(ready["index_docs"].as_i64(), Some(total), "{ready}");
    }
    let (_, a) = apps[0].get("/readyz").await;
    let (_, b) = apps[1].get("/readyz").await;
    assert_ne!(a["replica"], b["replica"], "each replica has its own id");
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let split: Vec<(String, i64)> =
        sqlx::query_as("SELECT classified_by, COUNT(*) FROM mentions GROUP BY classified_by ORDER BY 1")
            .fetch_all(&mut db)
            .await
            .unwrap();
    eprintln!("mentions classified per replica: {split:?}");
    let known: HashSet<String> = [&a, &b]
        .iter()
        .map(|r| r["replica"].as_str().unwrap().to_string())
        .collect();
    assert!(split.iter().all(|(r, _)| known.contains(r)), "{split:?}");
    db.close().await.unwrap();
    for app in apps {
        app.stop().await;
    }
}

/// A viewer logged in on replica A keeps the queue page open on replica B (the session is
/// valid on every replica); a mention ingested on replica A reaches that page's live stream
/// within a second; an acknowledge link mailed by one replica works on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn any_replica_takes_any_request_and_pages_follow_changes_made_elsewhere() {
    require_model();
    let smtp = SmtpSink::start();
    let apps = replicas(2, Some(smtp.port), None).await;
    let (a, b) = (&apps[0], &apps[1]);

    // Logged in on A; the same cookie opens B's live stream (cookies ignore the port).
    let (browser, _) = a.login_as(Role::Viewer).await;
    let page = browser.get(format!("{}/", b.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.url().path() == "/",
        "B sent the session to log in again: {}",
        page.url()
    );
    let mut stream = browser.get(format!("{}/events", b.base)).send().await.unwrap();
    let mut buffer = String::new();
    let mut next_event = async || -> String {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                if event.contains("event: queue") {
                    return event;
                }
                continue;
            }
            let chunk = stream.chunk().await.unwrap().expect("stream open");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    let first = tokio::time::timeout(Duration::from_secs(5), next_event())
        .await
        .expect("the stream says where the queue is at once");
    // Settle: let the replicas finish what they were doing before the measured change.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = Instant::now();
    let (status, body) = a
        .post_mentions(
            json!({"source": "whatsapp", "external_id": "live-1", "text": CHAINS[1]}).to_string(),
            "application/json",
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let changed = tokio::time::timeout(Duration::from_secs(5), next_event())
        .await
        .expect("B's page hears of A's mention");
    let took = started.elapsed();
    assert_ne!(first, changed);
    assert!(
        took < Duration::from_secs(1),
        "B's page learned of A's mention after {took:?}"
    );
    eprintln!("mention on A → event on B's page: {} ms", took.as_millis());

    // The incident's mail (sent by whichever replica claimed it) carries a link that B honours.
    let incident = b.wait_classified(body["items"][0]["id"].as_str().unwrap()).await["incident_id"]
        .as_str()
        .expect("flagged")
        .to_string();
    let mails = smtp.wait_for(1).await;
    let text = mails[0]["text"].as_str().unwrap();
    let link = text
        .lines()
        .find_map(|l| l.strip_prefix("Akui dengan satu klik: "))
        .expect("ack link")
        .trim()
        .to_string();
    let token = link.rsplit_once("/ack/").unwrap().1;
    let ack = |app: &TestApp, method: reqwest::Method| {
        reqwest::Client::new()
            .request(method, format!("{}/ack/{token}", app.base))
            .send()
    };
    for app in [a, b] {
        let r = ack(app, reqwest::Method::GET).await.unwrap();
        assert_eq!(r.status(), 200, "the link opens on {}", app.base);
    }
    assert_eq!(ack(b, reqwest::Method::POST).await.unwrap().status(), 200);
    let (_, inc) = a.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(inc["status"], "acknowledged", "{inc}");
    // Used on B, refused on A.
    assert_eq!(ack(a, reqwest::Method::POST).await.unwrap().status(), 410);
    drop(stream);
    for app in apps {
        app.stop().await;
    }
}
