//! The hostile-input corpus (issue 15): every case of `tests/data/hostile/cases.jsonl` (written
//! by `generate.py` next to it) against the surface it names — JSON and NDJSON intake, the search
//! syntax and its parameters, the API's JSON bodies, the login form, CSV files for `tanggap
//! ingest`, playbook files and the config file. Rejected input gets a 4xx in our error format (or
//! a clean exit for the command line), accepted hostile text is stored byte for byte and escaped
//! on the pages, nothing answers 5xx or panics, and the database passes its integrity check.

use std::collections::BTreeMap;
use std::process::Command;

use serde::Deserialize;
use serde_json::{json, Value};
use tanggap::domain::Role;

use crate::helpers::{repo, require_model, spawn_app, TestApp, INGEST_TOKEN};

#[derive(Debug, Deserialize)]
struct Gen {
    #[serde(default)]
    prefix: String,
    repeat: String,
    times: usize,
    #[serde(default)]
    suffix: String,
}

#[derive(Debug, Deserialize)]
struct GenQuery {
    key: String,
    repeat: String,
    times: usize,
    #[serde(default)]
    suffix: String,
}

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    surface: String,
    why: String,
    expect: String,
    body: Option<String>,
    body_hex: Option<String>,
    gen: Option<Gen>,
    content_type: Option<String>,
    method: Option<String>,
    path: Option<String>,
    query: Option<BTreeMap<String, String>>,
    gen_query: Option<GenQuery>,
    raw_query: Option<String>,
    form: Option<BTreeMap<String, String>>,
    file: Option<String>,
    file_hex: Option<String>,
}

/// Expands `<<REPEAT:c:n>>` runs.
fn expand(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("<<REPEAT:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + "<<REPEAT:".len()..];
        let ch = tail.chars().next().unwrap();
        let after = &tail[ch.len_utf8() + 1..];
        let end = after.find(">>").unwrap();
        let n: usize = after[..end].parse().unwrap();
        out.extend(std::iter::repeat_n(ch, n));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

impl Case {
    fn bytes(&self) -> Vec<u8> {
        if let Some(h) = &self.body_hex {
            return hex(h);
        }
        if let Some(g) = &self.gen {
            return format!("{}{}{}", g.prefix, g.repeat.repeat(g.times), g.suffix).into_bytes();
        }
        expand(self.body.as_deref().unwrap_or("")).into_bytes()
    }

    fn file_bytes(&self) -> Vec<u8> {
        match (&self.file_hex, &self.file) {
            (Some(h), _) => hex(h),
            (None, Some(f)) => expand(f).into_bytes(),
            _ => Vec::new(),
        }
    }
}

/// The outcome of one case against what it expects.
fn judge(case: &Case, status: u16, body: &str, json_errors: bool) -> Result<(), String> {
    let error_format = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .is_some();
    let ok = match case.expect.as_str() {
        "reject" => (400..500).contains(&status) && (!json_errors || error_format),
        "accept" => (200..300).contains(&status),
        "no5xx" => status < 500 && (status < 400 || !json_errors || error_format),
        other => panic!("unknown expectation {other}"),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} ({}): expected {}, got {status}: {}",
            case.id,
            case.why,
            case.expect,
            body.chars().take(200).collect::<String>()
        ))
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    ok2xx: usize,
    rejected: usize,
    server_errors: usize,
    refused_cleanly: usize,
    panics: usize,
}

struct Ids {
    incident: String,
    clarification: String,
}

async fn setup(app: &TestApp) -> Ids {
    let scam = "Assalamualaikum Bapak/Ibu, saya Gubernur Lampung, ini nomor WA baru saya. \
        Mohon bantu transfer dulu dana 25 juta ke rekening BRI 0987654321 a.n. ajudan, besok saya ganti.";
    let incident = app
        .flagged_incident(json!({"source": "whatsapp", "external_id": "hostile-setup", "text": scam}))
        .await;
    let (status, draft) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{incident}/clarifications"),
            &app.admin_token,
            Some(json!({"channel": "whatsapp", "verdict": "penipuan"})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    Ids {
        incident,
        clarification: draft["id"].as_str().unwrap().to_string(),
    }
}

async fn http_case(app: &TestApp, viewer: &str, ids: &Ids, case: &Case) -> (u16, String) {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let req = match case.surface.as_str() {
        "json" | "ndjson" => client
            .post(format!("{}/api/v1/mentions", app.base))
            .bearer_auth(INGEST_TOKEN)
            .header(
                "content-type",
                case.content_type.as_deref().unwrap_or("application/json"),
            )
            .body(case.bytes()),
        "search" => {
            let mut url = format!("{}/api/v1/search", app.base);
            if let Some(raw) = &case.raw_query {
                url = format!("{url}?{raw}");
                client.get(url)
            } else {
                let mut params: Vec<(String, String)> = case
                    .query
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, expand(&v)))
                    .collect();
                if let Some(g) = &case.gen_query {
                    params.push((g.key.clone(), format!("{}{}", g.repeat.repeat(g.times), g.suffix)));
                }
                client.get(url).query(&params)
            }
            .bearer_auth(viewer)
        }
        "api" => {
            let path = case
                .path
                .as_deref()
                .unwrap()
                .replace("{incident}", &ids.incident)
                .replace("{clarification}", &ids.clarification);
            let body = String::from_utf8_lossy(&case.bytes())
                .replace("{incident}", &ids.incident)
                .into_bytes();
            let body = if case.body_hex.is_some() {
                case.bytes()
            } else {
                body
            };
            client
                .request(
                    case.method.as_deref().unwrap().parse().unwrap(),
                    format!("{}{path}", app.base),
                )
                .bearer_auth(&app.admin_token)
                .header("content-type", "application/json")
                .body(body)
        }
        "login" => {
            let jar = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let csrf = app.login_csrf(&jar).await;
            let mut fields: Vec<(String, String)> = case
                .form
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, expand(&v)))
                .collect();
            fields.push(("csrf".into(), csrf));
            let r = jar
                .post(format!("{}/login", app.base))
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            return (status, r.text().await.unwrap_or_default());
        }
        other => panic!("not an HTTP surface: {other}"),
    };
    match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        // The client could not even send it (a transport failure counts as a failure).
        Err(e) => (599, format!("{}", e.without_url())),
    }
}

/// Runs a command-line case; `(exit code, output)`.
fn cli_case(case: &Case, work: &std::path::Path) -> (i32, String) {
    let data = work.join(format!("data-{}", case.id));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tanggap"));
    cmd.env("TANGGAP_DATA_DIR", &data)
        .env("TANGGAP_MODELS_DIR", repo().join("models"))
        .env("TANGGAP_HEADS", crate::helpers::TEST_HEADS)
        .env("TANGGAP_PLAYBOOKS_DIR", repo().join("playbooks"))
        .env_remove("TANGGAP_CONFIG");
    if let Some(url) = crate::helpers::postgres_database_for(&data) {
        cmd.env("TANGGAP_DATABASE_URL", url);
    }
    match case.surface.as_str() {
        "csv" => {
            let file = work.join(format!("{}.csv", case.id));
            std::fs::write(&file, case.file_bytes()).unwrap();
            cmd.arg("ingest").arg(&file);
        }
        "playbook" => {
            let dir = work.join(format!("playbooks-{}", case.id));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("hostile.toml"), case.file_bytes()).unwrap();
            cmd.env("TANGGAP_PLAYBOOKS_DIR", &dir).arg("check-playbooks");
        }
        "config" => {
            let file = work.join(format!("{}.toml", case.id));
            std::fs::write(&file, case.file_bytes()).unwrap();
            cmd.env("TANGGAP_CONFIG", &file).arg("check-playbooks");
        }
        other => panic!("not a command-line surface: {other}"),
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The mentions an accepted intake case should have stored: (source, external id, text).
fn accepted_mentions(case: &Case) -> Vec<(String, String, String)> {
    let body = String::from_utf8(case.bytes()).unwrap();
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match v {
                Value::Array(items) => items,
                one => vec![one],
            }
        })
        .map(|m| {
            (
                m["source"].as_str().unwrap().to_string(),
                m["external_id"].as_str().unwrap().to_string(),
                m["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_hostile_corpus_gets_clear_errors_and_breaks_nothing() {
    require_model();
    let cases: Vec<Case> = std::fs::read_to_string(repo().join("tests/data/hostile/cases.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(cases.len() >= 200, "the corpus has {} cases", cases.len());
    let app = spawn_app(Default::default()).await;
    let ids = setup(&app).await;
    let viewer = app.token(Role::Viewer).await;
    let work = tempfile::tempdir().unwrap();
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut stored = Vec::new();
    for case in &cases {
        let t = tally.entry(case.surface.clone()).or_default();
        t.cases += 1;
        match case.surface.as_str() {
            "csv" | "playbook" | "config" => {
                let (code, text) = cli_case(case, work.path());
                if code == 101 || text.contains("panicked") {
                    t.panics += 1;
                    failures.push(format!("{} ({}): panicked: {text}", case.id, case.why));
                    continue;
                }
                match (case.expect.as_str(), code) {
                    (_, 0) => t.ok2xx += 1,
                    _ => t.refused_cleanly += 1,
                }
                if case.expect == "reject" && (code == 0 || text.trim().is_empty()) {
                    failures.push(format!(
                        "{} ({}): expected a clear refusal, got exit {code}: {}",
                        case.id,
                        case.why,
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
            surface => {
                let (status, body) = http_case(&app, &viewer, &ids, case).await;
                match status {
                    200..=399 => t.ok2xx += 1,
                    400..=499 => t.rejected += 1,
                    _ => t.server_errors += 1,
                }
                if let Err(e) = judge(case, status, &body, surface != "login") {
                    failures.push(e);
                }
                if case.expect == "accept" && matches!(surface, "json" | "ndjson") && status < 300 {
                    stored.extend(accepted_mentions(case));
                }
            }
        }
    }
    // Accepted hostile text is stored exactly as sent.
    for (source, external_id, text) in &stored {
        let id = tanggap::ingest::mention_id(source, external_id);
        let (status, m) = app
            .call("GET", &format!("/api/v1/mentions/{id}"), &viewer, None)
            .await;
        if status != 200 || m["text"].as_str() != Some(text.as_str()) {
            failures.push(format!("{external_id}: not stored byte for byte ({status})"));
        }
    }
    // ... and escaped where the pages show it.
    app.wait_indexed().await;
    let (browser, _) = app.login_as(Role::Viewer).await;
    for q in ["alert", "onerror", "onload", "style"] {
        let page = app.text_with(&browser, &format!("/search?q={q}")).await;
        for raw in [
            "<script>alert(",
            "<img src=x onerror",
            "<svg/onload",
            "</style><style>",
        ] {
            if page.contains(raw) {
                failures.push(format!("/search?q={q} shows {raw:?} unescaped"));
            }
        }
    }
    // Nothing is corrupt. (SQLite's own checks; PostgreSQL checks foreign keys on every write
    // and has no equivalent of integrity_check to run here.)
    let (integrity, fk) = if crate::helpers::on_postgres() {
        ("ok".to_string(), Vec::new())
    } else {
        let url = format!("sqlite://{}", app.data_dir.path().join("tanggap.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        let fk: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        (integrity, fk)
    };
    app.stop().await;

    println!("| surface | cases | 2xx / exit 0 | 4xx | refused (CLI) | 5xx | panics |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut total = Tally::default();
    for (surface, t) in &tally {
        println!(
            "| {surface} | {} | {} | {} | {} | {} | {} |",
            t.cases, t.ok2xx, t.rejected, t.refused_cleanly, t.server_errors, t.panics
        );
        total.cases += t.cases;
        total.ok2xx += t.ok2xx;
        total.rejected += t.rejected;
        total.refused_cleanly += t.refused_cleanly;
        total.server_errors += t.server_errors;
        total.panics += t.panics;
    }
    println!(
        "| **all** | {} | {} | {} | {} | {} | {} |",
        total.cases, total.ok2xx, total.rejected, total.refused_cleanly, total.server_errors, total.panics
    );
    println!(
        "stored hostile mentions checked byte for byte: {}; integrity_check: {integrity}; foreign key problems: {}",
        stored.len(),
        fk.len()
    );
    assert_eq!(integrity, "ok");
    assert!(fk.is_empty(), "{fk:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
