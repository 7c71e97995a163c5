//! The web UI in a real headless browser: Debian `chromium` driven by `tests/browser/ui.mjs`
//! (playwright-core from npm; `scripts/test` installs both). Screenshots of every page are
//! written to `$CARGO_TARGET_TMPDIR/screenshots`.

use std::process::Command;

use serde_json::json;
use tanggap::domain::Role;

use crate::helpers::{repo, require_model, spawn_app, Options, INGEST_TOKEN, PASSWORD};

const SCAM: &str = "Assalamualaikum Bapak/Ibu Kepala Desa, saya Gubernur Lampung. Ini nomor WA baru saya. \
    Mohon bantu transfer dulu dana 25 juta ke rekening BRI 0987654321 a.n. staf ajudan, besok saya ganti. Penting!";
const HOSTILE: &str = "INFO DARI GRUP SEBELAH!!! <img src=x onerror=alert(1)> BMKG prediksi Bendungan \
    Batutegi jebol malam ini jam 23.00. Warga Tanggamus segera mengungsi ke tempat tinggi. SEBARKAN!!! 🙏🙏";

#[tokio::test]
async fn the_ui_works_in_a_real_browser() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let mut incidents = Vec::new();
    for (n, text) in [SCAM, HOSTILE].iter().enumerate() {
        let item = json!({"source": "whatsapp", "external_id": format!("ui-{n}"), "text": text,
                          "region": "Tanggamus", "url": "https://example.org/wa/ui"});
        incidents.push(app.flagged_incident(item).await);
    }
    assert_ne!(incidents[0], incidents[1], "two separate incidents");
    let mut users = serde_json::Map::new();
    for (key, role) in [
        ("responder", Role::Responder),
        ("admin", Role::Admin),
        ("viewer", Role::Viewer),
    ] {
        let username = format!("ui-{key}");
        assert!(
            tanggap::auth::create_user(&app.store, &username, &format!("Uji {key}"), role, PASSWORD)
                .await
                .unwrap()
        );
        users.insert(key.into(), json!({"username": username, "password": PASSWORD}));
    }
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut cfg = json!({
        "base": app.base, "ingest_token": INGEST_TOKEN, "admin_token": app.admin_token,
        "scam_incident": incidents[0], "hostile_incident": incidents[1],
        "screenshots": shots, "extra_pages": [["10-dashboard", "/dashboard"]],
    });
    cfg.as_object_mut().unwrap().extend(users);
    let dir = repo().join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test does)"
    );
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(dir.join("ui.mjs"))
            .env("TANGGAP_UI_TEST", cfg.to_string())
            .output()
            .expect("node (scripts/test installs it)")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "browser test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("ok: every browser step passed"), "{stdout}");
    for shot in [
        "01-login",
        "02-queue",
        "03-queue-live",
        "06-incident",
        "08-library",
        "09-queue-phone",
    ] {
        assert!(shots.join(format!("{shot}.png")).exists(), "screenshot {shot}");
    }
    app.stop().await;
}
