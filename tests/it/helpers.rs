//! Test harness: spawns the real application on port 0 with a temporary data folder, the real
//! model and playbooks, and (when asked) a real SMTP server process on localhost.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;
use tanggap::app::Application;
use tanggap::config::Settings;
use tanggap::domain::Role;
use tokio::sync::oneshot;

pub const INGEST_TOKEN: &str = "test-ingest-token-0123456789";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The heads the tests run with, relative to `models/`: trained by scripts/test on the seed set
/// only (`tanggap train --out models/test/heads.json`), so results do not move when the
/// shipped default model is retrained.
pub const TEST_HEADS: &str = "test/heads.json";

/// Fails with a clear message when the model or heads were not installed by scripts/test.
pub fn require_model() {
    let models = repo().join("models");
    for f in [
        "all-MiniLM-L6-v2/model.safetensors",
        "test/heads.json",
        "test/heads.bin",
    ] {
        assert!(
            models.join(f).exists(),
            "models/{f} is missing: run scripts/test (it installs the model and trains the test heads)"
        );
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub data_dir: tempfile::TempDir,
    pub store: tanggap::store::Store,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

#[derive(Default)]
pub struct Options {
    pub smtp_port: Option<u16>,
    pub extra_env: Vec<(&'static str, String)>,
    pub data_dir: Option<tempfile::TempDir>,
    /// A TOML config merged over the defaults.
    pub config_toml: Option<String>,
}

pub fn settings_for(data_dir: &Path, opts: &Options) -> Settings {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("TANGGAP_DATA_DIR".into(), data_dir.display().to_string());
    env.insert(
        "TANGGAP_MODELS_DIR".into(),
        repo().join("models").display().to_string(),
    );
    env.insert(
        "TANGGAP_PLAYBOOKS_DIR".into(),
        repo().join("playbooks").display().to_string(),
    );
    env.insert("TANGGAP_INGEST_TOKENS".into(), INGEST_TOKEN.into());
    env.insert("TANGGAP_HEADS".into(), TEST_HEADS.into());
    env.insert("TANGGAP_LISTEN".into(), "127.0.0.1:0".into());
    if let Some(port) = opts.smtp_port {
        env.insert("TANGGAP_SMTP_URL".into(), format!("smtp://127.0.0.1:{port}"));
    }
    if let Some(url) = postgres_database_for(data_dir) {
        env.insert("TANGGAP_DATABASE_URL".into(), url);
    }
    for (k, v) in &opts.extra_env {
        env.insert(k.to_string(), v.clone());
    }
    Settings::from_parts(opts.config_toml.as_deref().map(|t| ("test.toml", t)), &env).expect("test settings")
}

/// When the suite runs against PostgreSQL (`TANGGAP_TEST_POSTGRES` = the admin URL of the
/// throwaway cluster scripts/test starts), the database of this data folder: created on first
/// use and named after the folder, so an app restarted on the same folder finds its data.
pub fn postgres_database_for(data_dir: &Path) -> Option<String> {
    let admin = std::env::var("TANGGAP_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())?;
    let digest = tanggap::text::sha256_hex(data_dir.display().to_string().as_bytes());
    let name = format!("t_{}", &digest[..20]);
    let out = Command::new("psql")
        .args([admin.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .expect("psql runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || stderr.contains("already exists"),
        "creating {name}: {stderr}"
    );
    let (base, _) = admin.rsplit_once('/').expect("admin URL ends in /DATABASE");
    Some(format!("{base}/{name}"))
}

/// Whether the suite runs against PostgreSQL (see [`postgres_database_for`]).
pub fn on_postgres() -> bool {
    std::env::var("TANGGAP_TEST_POSTGRES").is_ok_and(|u| !u.is_empty())
}

pub async fn spawn_app(mut opts: Options) -> TestApp {
    let data_dir = opts
        .data_dir
        .take()
        .unwrap_or_else(|| tempfile::tempdir().unwrap());
    let settings = settings_for(data_dir.path(), &opts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = Application::build(settings, listener).await.expect("app builds");
    let admin_token =
        tanggap::auth::create_token(app.store(), &format!("admin-{}", uuid_ish()), Role::Admin, None)
            .await
            .unwrap()
            .unwrap();
    let base = format!("http://{}", app.local_addr());
    let store = app.store().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        admin_token,
        data_dir,
        store,
        stop: Some(stop),
        handle: Some(handle),
    }
}

fn uuid_ish() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string()
}

impl TestApp {
    /// Stops the app gracefully and returns its data folder.
    pub async fn stop(self) -> tempfile::TempDir {
        let TestApp {
            data_dir,
            stop,
            handle,
            ..
        } = self;
        if let Some(s) = stop {
            let _ = s.send(());
        }
        if let Some(h) = handle {
            h.await.unwrap().unwrap();
        }
        data_dir
    }

    /// A new API token with a role.
    pub async fn token(&self, role: Role) -> String {
        tanggap::auth::create_token(
            &self.store,
            &format!("{}-{}", role.code(), uuid_ish()),
            role,
            None,
        )
        .await
        .unwrap()
        .unwrap()
    }

    /// A filled-in WhatsApp draft (verdict `penipuan`) on an incident, written with `token`;
    /// returns its id.
    pub async fn draft(&self, incident: &str, token: &str) -> String {
        let vars = serde_json::json!({"fakta": "f", "sumber": "s", "tautan": "https://x.id", "klaim": "k"});
        let (status, draft) = self
            .call(
                "POST",
                &format!("/api/v1/incidents/{incident}/clarifications"),
                token,
                Some(serde_json::json!({"channel": "whatsapp", "verdict": "penipuan", "variables": vars})),
            )
            .await;
        assert_eq!(status, 201, "{draft}");
        draft["id"].as_str().unwrap().to_string()
    }

    /// The `/metrics` text, read with `token`.
    pub async fn metrics_text(&self, token: &str) -> String {
        self.client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A JSON request with a token.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_mentions(&self, body: impl Into<reqwest::Body>, content_type: &str) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}/api/v1/mentions", self.base))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The body of a GET made with `client` (a logged-in browser's, or the anonymous one).
    pub async fn text_with(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A page as a logged-in responder sees it.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let (client, _) = self.login_as(Role::Responder).await;
        let r = client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Creates a user with `role` and logs in through the form; returns a client with the session cookie.
    pub async fn login_as(&self, role: Role) -> (reqwest::Client, String) {
        let username = format!("{}{}", role.code(), uuid_ish());
        assert!(
            tanggap::auth::create_user(&self.store, &username, "Petugas Uji", role, PASSWORD)
                .await
                .unwrap()
        );
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = self.login(&client, &username, PASSWORD).await;
        assert_eq!(r.status(), 200, "login as {username}");
        assert!(r.url().path() == "/", "{}", r.url());
        (client, username)
    }

    /// The login form's CSRF token (its cookie lands in `client`'s jar).
    pub async fn login_csrf(&self, client: &reqwest::Client) -> String {
        let form = self.text_with(client, "/login").await;
        between(&form, "name=\"csrf\" value=\"", "\"").expect("csrf field on the login form")
    }

    /// A logged-in browser's CSRF token for API writes (from a page's `<meta name="csrf-token">`).
    pub async fn session_csrf(&self, client: &reqwest::Client) -> String {
        let page = self.text_with(client, "/library").await;
        between(&page, "name=\"csrf-token\" content=\"", "\"").expect("csrf-token meta on the page")
    }

    /// Submits the login form.
    pub async fn login(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        let csrf = self.login_csrf(client).await;
        client
            .post(format!("{}/login", self.base))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Polls a mention until the classifier has seen it.
    pub async fn wait_classified(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (status, m) = self.get(&format!("/api/v1/mentions/{id}")).await;
            assert_eq!(status, 200, "{m}");
            if !m["classified_at"].is_null() {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "mention {id} was not classified in time"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Posts one mention (a JSON item), waits for its classification and returns the id of the
    /// incident it was placed in; fails if it was not flagged.
    pub async fn flagged_incident(&self, item: Value) -> String {
        let (status, body) = self.post_mentions(item.to_string(), "application/json").await;
        assert_eq!(status, 201, "{body}");
        let m = self
            .wait_classified(body["items"][0]["id"].as_str().unwrap())
            .await;
        m["incident_id"].as_str().expect("flagged").to_string()
    }

    /// Waits until the search index reflects every stored change (`/readyz` `index_pending` 0).
    pub async fn wait_indexed(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, ready) = self.get("/readyz").await;
            if ready["index_pending"] == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "the index did not catch up: {ready}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls a search until it returns at least `n` hits.
    pub async fn wait_search(&self, q: &str, n: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = self.get(&format!("/api/v1/search?q={}", urlencode(q))).await;
            assert_eq!(status, 200, "{body}");
            if body["total"].as_u64().unwrap_or(0) >= n {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "search {q:?} did not reach {n} hits: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub const PASSWORD: &str = "kata-sandi-uji-123";

/// The text between two markers.
pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let to = s[from..].find(end)? + from;
    Some(s[from..to].to_string())
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A real SMTP server process (aiosmtpd) on a free localhost port.
pub struct SmtpSink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        Self::start_on(port, dir)
    }

    pub fn start_on(port: u16, dir: tempfile::TempDir) -> SmtpSink {
        let child = Command::new("python3")
            .arg(repo().join("tests/support/smtp_sink.py"))
            .arg(port.to_string())
            .arg(dir.path())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "SMTP sink did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { port, dir, child }
    }

    /// Stops the server process (as an outage would), keeping what it received.
    pub fn stop(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    /// Messages received so far, in order, decoded: `rcpt_to`, `headers`, `text`, `html`.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(Instant::now() < deadline, "expected {n} mails, got {}", m.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
