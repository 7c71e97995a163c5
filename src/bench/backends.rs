//! `tanggap bench-backends`: the same stream through the whole running service on SQLite and
//! on PostgreSQL, side by side. Clients post mentions over HTTP while a reader polls the
//! incident queue; the table gives the end-to-end rate (first post → last mention classified
//! and placed in an incident) and the latency of each kind of request (p50, p99).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::Application;
use crate::config::{Secret, Settings};
use crate::domain::Role;
use crate::store::Store;

/// Options of the back-end benchmark.
#[derive(Debug, Clone)]
pub struct BackendsBenchOptions {
    /// Mentions in the stream.
    pub mentions: usize,
    /// Share of the stream that repeats ten chain messages.
    pub duplicate_share: f32,
    /// Clients posting at once.
    pub clients: usize,
    /// Admin URL of a PostgreSQL server (a database is created and dropped); SQLite only
    /// when absent.
    pub postgres: Option<String>,
}

/// One back end's figures.
struct Run {
    name: String,
    end_to_end: f64,
    ingest_rate: f64,
    post: Latencies,
    read: Latencies,
    incidents: i64,
}

/// Request latencies in milliseconds.
#[derive(Default)]
struct Latencies(Vec<f64>);

impl Latencies {
    fn quantile(&self, q: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        v[((v.len() - 1) as f64 * q).round() as usize]
    }
}

/// Runs the stream on each back end and prints the table.
pub async fn run(settings: Settings, opts: BackendsBenchOptions) -> anyhow::Result<()> {
    let texts = super::texts(&settings, opts.mentions)?;
    let chain = texts[..10.min(texts.len())].to_vec();
    let repeats = (opts.mentions as f32 * opts.duplicate_share) as usize;
    let stream: Vec<String> = (0..opts.mentions)
        .map(|i| {
            if i % 2 == 0 && i / 2 < repeats {
                chain[i % chain.len()].clone()
            } else {
                texts[i].clone()
            }
        })
        .collect();
    println!(
        "CPU: {} ({} cores); {} mentions ({:.0}% chain-message copies), {} posting clients, 1 reader",
        super::cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        stream.len(),
        opts.duplicate_share * 100.0,
        opts.clients
    );
    let mut runs = Vec::new();
    let work = super::tempfile_dir()?;
    let sqlite = format!("sqlite://{}", work.join("sqlite").join("tanggap.db").display());
    runs.push(
        run_one(
            "SQLite (WAL, synchronous=FULL)",
            &settings,
            &sqlite,
            &work.join("sqlite"),
            &stream,
            &opts,
        )
        .await?,
    );
    if let Some(admin) = &opts.postgres {
        let db = format!("bench_{}", uuid::Uuid::now_v7().simple());
        admin_sql(admin, &format!("CREATE DATABASE {db}")).await?;
        let (base, _) = admin
            .rsplit_once('/')
            .ok_or_else(|| anyhow::anyhow!("--postgres: expected postgres://USER@HOST:PORT/DATABASE"))?;
        let url = format!("{base}/{db}");
        let version = server_version(&url).await.unwrap_or_default();
        let result = run_one(
            &format!("PostgreSQL {version} (READ COMMITTED, fsync on)"),
            &settings,
            &url,
            &work.join("postgres"),
            &stream,
            &opts,
        )
        .await;
        admin_sql(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await?;
        runs.push(result?);
    } else {
        println!("(no --postgres URL: SQLite only)");
    }
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "\n| back end | ingest → classified → incident, mentions/s | POST /api/v1/mentions, posts/s | POST p50 / p99 ms | GET /api/v1/incidents p50 / p99 ms (during the run) | incidents opened |\n|---|---:|---:|---:|---:|---:|"
    );
    for r in &runs {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {} |",
            r.name,
            r.end_to_end,
            r.ingest_rate,
            r.post.quantile(0.5),
            r.post.quantile(0.99),
            r.read.quantile(0.5),
            r.read.quantile(0.99),
            r.incidents
        );
    }
    Ok(())
}

async fn admin_sql(admin: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    sqlx::query(sql).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

async fn server_version(url: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let (v,): (String,) = sqlx::query_as("SHOW server_version").fetch_one(&mut conn).await?;
    conn.close().await?;
    Ok(v.split_whitespace().next().unwrap_or_default().to_string())
}

/// Starts the service on `database_url`, sends the stream, waits for the pipeline to finish.
async fn run_one(
    name: &str,
    settings: &Settings,
    database_url: &str,
    data_dir: &std::path::Path,
    stream: &[String],
    opts: &BackendsBenchOptions,
) -> anyhow::Result<Run> {
    eprintln!("  {name}: starting the service");
    std::fs::create_dir_all(data_dir)?;
    let ingest_token = "bench-ingest-token-0123456789".to_string();
    let mut s = settings.clone();
    s.database_url = Secret::new(database_url.to_string());
    s.data_dir = data_dir.to_path_buf();
    s.listen = "127.0.0.1:0".into();
    s.smtp_url = None;
    s.ingest_tokens = vec![Secret::new(ingest_token.clone())];
    // The store is measured, not the per-token rate limit.
    s.server.ingest_requests_per_minute = 1_000_000;
    s.server.ingest_burst = 100_000;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app = Application::build(s, listener).await?;
    let base = format!("http://{}", app.local_addr());
    let store: Store = app.store().clone();
    let reader_token = crate::auth::create_token(&store, "bench-reader", Role::Viewer, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bench token exists"))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stop_rx.await;
    }));

    let client = reqwest::Client::new();
    let started = Instant::now();
    let done_posting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The reader: the incident queue, as the team's screens poll it.
    let reader = {
        let (client, base, done) = (client.clone(), base.clone(), done_posting.clone());
        tokio::spawn(async move {
            let mut lat = Latencies::default();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let r = client
                    .get(format!("{base}/api/v1/incidents?limit=50"))
                    .bearer_auth(&reader_token)
                    .send()
                    .await;
                if matches!(&r, Ok(r) if r.status().is_success()) {
                    lat.0.push(t.elapsed().as_secs_f64() * 1e3);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            lat
        })
    };
    let mut posters = Vec::new();
    let share = stream.len().div_ceil(opts.clients.max(1));
    for (c, part) in stream.chunks(share.max(1)).enumerate() {
        let (client, base, token) = (client.clone(), base.clone(), ingest_token.clone());
        let part: Vec<String> = part.to_vec();
        posters.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            for (i, text) in part.iter().enumerate() {
                let body = json!({"source": "twitter", "external_id": format!("c{c}-{i}"), "text": text});
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/mentions"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "post answered {}", r.status());
                lat.0.push(t.elapsed().as_secs_f64() * 1e3);
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut post = Latencies::default();
    for p in posters {
        post.0.extend(p.await??.0);
    }
    let ingest_rate = stream.len() as f64 / started.elapsed().as_secs_f64();
    eprintln!("  {name}: {} posted; waiting for the pipeline", stream.len());
    let mut last_report = Instant::now();
    loop {
        let c = store.counts().await?;
        if c.mentions >= stream.len() as i64 && c.unclassified == 0 {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "  {name}: {} of {} classified",
                c.mentions - c.unclassified,
                stream.len()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let end_to_end = stream.len() as f64 / started.elapsed().as_secs_f64();
    done_posting.store(true, std::sync::atomic::Ordering::Relaxed);
    let read = reader.await?;
    let incidents = store.counts().await?.incidents;
    let _ = stop_tx.send(());
    server.await??;
    Ok(Run {
        name: name.to_string(),
        end_to_end,
        ingest_rate,
        post,
        read,
        incidents,
    })
}
