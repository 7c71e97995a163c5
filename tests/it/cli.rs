//! The command line, run as a user would.

use std::process::Command;

use crate::helpers::repo;

fn tanggap(data_dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tanggap"));
    c.env("TANGGAP_DATA_DIR", data_dir)
        .env("TANGGAP_MODELS_DIR", repo().join("models"))
        .env("TANGGAP_PLAYBOOKS_DIR", repo().join("playbooks"))
        .env("TANGGAP_HEADS", crate::helpers::TEST_HEADS)
        .env_remove("TANGGAP_CONFIG");
    if let Some(url) = crate::helpers::postgres_database_for(data_dir) {
        c.env("TANGGAP_DATABASE_URL", url);
    }
    c
}

#[test]
fn help_lists_every_subcommand() {
    let out = tanggap(std::path::Path::new("/nonexistent"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve",
        "ingest",
        "train",
        "eval",
        "reindex",
        "check-playbooks",
        "token",
        "backup",
        "restore",
        "audit",
    ] {
        assert!(help.contains(cmd), "{cmd} missing from --help:\n{help}");
    }
}

#[test]
fn ingest_imports_jsonl_and_csv_with_a_summary_and_reindex_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("m.jsonl");
    std::fs::write(
        &jsonl,
        "{\"source\":\"twitter\",\"external_id\":\"1\",\"text\":\"Harga beras naik\"}\n\
         {\"source\":\"twitter\",\"external_id\":\"1\",\"text\":\"Harga beras naik\"}\n\
         {\"source\":\"twitter\",\"external_id\":\"2\",\"text\":\"\"}\n",
    )
    .unwrap();
    let out = tanggap(dir.path()).arg("ingest").arg(&jsonl).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("read 3, created 1, duplicates 1, invalid 1"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("m.jsonl:3: text: must not be blank"));

    let csv = dir.path().join("m.csv");
    std::fs::write(
        &csv,
        "source,external_id,text,author_followers,region\nnews,a,\"Banjir, air naik\",10,Metro\n",
    )
    .unwrap();
    let out = tanggap(dir.path()).arg("ingest").arg(&csv).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("created 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = tanggap(dir.path()).arg("reindex").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("reindexed 2 mentions"));
}

#[test]
fn check_playbooks_reports_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = tanggap(dir.path()).arg("check-playbooks").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pb = dir.path().join("pb");
    std::fs::create_dir(&pb).unwrap();
    std::fs::write(pb.join("x.toml"), "id = \"x\"\ntitle = \"X\"\nversion = 0\n").unwrap();
    let out = tanggap(dir.path())
        .env("TANGGAP_PLAYBOOKS_DIR", &pb)
        .arg("check-playbooks")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:", pb.join("x.toml").display())),
        "{err}"
    );
}

#[test]
fn tokens_are_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let out = tanggap(dir.path())
        .args(["token", "create", "--role", "viewer", "--name", "dash"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).trim().starts_with("tg_"));
    let again = tanggap(dir.path())
        .args(["token", "create", "--role", "viewer", "--name", "dash"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let list = tanggap(dir.path()).args(["token", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("dash"));
    let revoke = tanggap(dir.path())
        .args(["token", "revoke", "dash"])
        .output()
        .unwrap();
    assert!(revoke.status.success());
}

#[test]
fn users_are_added_listed_and_disabled() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tanggap(dir.path())
        .args([
            "user",
            "add",
            "--username",
            "sari",
            "--name",
            "Sari Dewi",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kata-sandi-panjang\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("password:"),
        "a given password is not echoed"
    );
    let out = tanggap(dir.path())
        .args(["user", "add", "--username", "eko", "--role", "viewer"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("password: "),
        "a generated password is printed once"
    );
    let short = tanggap(dir.path())
        .args([
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "viewer",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!short.status.success(), "an empty password is refused");
    let list = tanggap(dir.path()).args(["user", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("sari") && list.contains("Sari Dewi") && list.contains("eko"),
        "{list}"
    );
    assert!(tanggap(dir.path())
        .args(["user", "disable", "sari"])
        .output()
        .unwrap()
        .status
        .success());
    let list = tanggap(dir.path()).args(["user", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"));
    assert!(!tanggap(dir.path())
        .args(["user", "disable", "sari"])
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn claims_import_reads_fact_checkers_claim_review_exports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("factchecks.json");
    std::fs::write(
        &file,
        serde_json::json!({"claims": [
            {"text": "Air rebusan daun sirsak menyembuhkan kanker dalam dua minggu", "claimReview": [
                {"publisher": {"name": "Cek Fakta"}, "url": "https://cekfakta.test/sirsak",
                 "title": "[HOAKS] Rebusan daun sirsak sembuhkan kanker", "textualRating": "Hoaks"}]},
            {"text": "Pemerintah membagikan kuota internet gratis 100 GB lewat tautan", "claimReview": [
                {"url": "https://cekfakta.test/kuota", "textualRating": "False"}]},
            {"text": "Klaim yang belum bisa diperiksa kebenarannya", "claimReview": [{"textualRating": "Unverifiable"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let run = || {
        let out = tanggap(dir.path())
            .args(["claims", "import"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = run();
    assert!(
        first.contains("imported 2 claims from 2 fact-check reviews"),
        "{first}"
    );
    assert!(run().contains("imported 0 claims from 2 fact-check reviews, 2 already registered"));
    let out = tanggap(dir.path())
        .args(["claims", "list", "--q", "sirsak"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("hoaks"));
}

#[test]
fn claims_import_reports_added_known_and_rejected_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.jsonl");
    std::fs::write(
        &file,
        "{\"claim\":\"Vaksin mengandung microchip untuk melacak warga\",\"verdict\":\"hoaks\",\"summary\":\"Tidak benar.\"}\n\
         {\"claim\":\"Bansos Rp 600 ribu cair lewat link pendaftaran ini\",\"verdict\":\"penipuan\",\"summary\":\"Link palsu.\",\"url\":\"https://example.go.id/k/2\"}\n\
         {\"claim\":\"  vaksin mengandung   microchip untuk melacak warga \",\"verdict\":\"hoaks\",\"summary\":\"Sama.\"}\n\
         {\"claim\":\"Klaim tanpa putusan yang panjang\",\"summary\":\"x\"}\n\
         not json\n",
    )
    .unwrap();
    let out = tanggap(dir.path())
        .args(["claims", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 2 claims, 1 already registered, 2 rejected"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("claims.jsonl:4: verdict"), "{stderr}");
    assert!(stderr.contains("claims.jsonl:5:"), "{stderr}");
    // Importing again adds nothing.
    let out = tanggap(dir.path())
        .args(["claims", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0 claims, 3 already registered"));
    let out = tanggap(dir.path())
        .args(["claims", "list", "--q", "bansos"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("penipuan") && !listed.contains("microchip"),
        "{listed}"
    );
}

/// The test heads (seed-only, trained by scripts/test), copied so a test can retrain over them.
fn copy_heads(to: &std::path::Path) {
    let from = repo().join("models").join(crate::helpers::TEST_HEADS);
    for ext in ["json", "bin"] {
        std::fs::copy(from.with_extension(ext), to.with_extension(ext)).unwrap();
    }
}

#[tokio::test]
async fn train_is_deterministic_learns_from_feedback_and_eval_writes_reports() {
    crate::helpers::require_model();
    let dir = tempfile::tempdir().unwrap();
    // A triage decision in the database: an incident dismissed as a false positive.
    let app = crate::helpers::spawn_app(crate::helpers::Options {
        data_dir: Some(tempfile::tempdir_in(dir.path()).unwrap()),
        ..Default::default()
    })
    .await;
    let text = "AWAS!!! Tsunami setinggi 10 meter akan menerjang Kalianda malam ini, BMKG sudah \
                konfirmasi, SEBARKAN ke semua grup!!";
    let incident = app
        .flagged_incident(serde_json::json!({"source": "whatsapp", "external_id": "fb", "text": text}))
        .await;
    let (status, r) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{incident}/transitions"),
            &app.admin_token.clone(),
            Some(serde_json::json!({"to": "dismissed", "reason": "latihan simulasi BPBD"})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let rows = app.store.feedback_texts().await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let data_dir = app.stop().await;

    let run = |args: &[&str]| {
        let out = tanggap(data_dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let a = dir.path().join("a/heads.json");
    let b = dir.path().join("b/heads.json");
    let version = |stdout: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with("trained "))
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let (out_a, _) = run(&["train", "--seed", "7", "--out", a.to_str().unwrap()]);
    let (out_b, _) = run(&["train", "--seed", "7", "--out", b.to_str().unwrap()]);
    assert_eq!(version(&out_a), version(&out_b), "same data and seed, same model");
    assert!(
        out_a.contains("| label | kind | train positives | C | threshold | review from |"),
        "{out_a}"
    );

    // With the team's decisions: the dismissed text joins the training set; before/after printed.
    let c = dir.path().join("c/heads.json");
    std::fs::create_dir_all(c.parent().unwrap()).unwrap();
    copy_heads(&c);
    let (out_c, err_c) = run(&[
        "train",
        "--seed",
        "7",
        "--include-feedback",
        "--out",
        c.to_str().unwrap(),
    ]);
    assert!(
        err_c.contains("loaded 1 items from the team's triage decisions"),
        "{err_c}"
    );
    assert!(out_c.contains("| feedback | 1 |"), "{out_c}");
    assert!(
        out_c.contains("| data | label | F1 before | F1 after |"),
        "{out_c}"
    );
    assert_ne!(version(&out_c), version(&out_a), "the feedback changed the model");

    // Eval on a small fixture: a table per label, and Markdown + JSON reports.
    let reports = dir.path().join("reports");
    let (out, _) = run(&[
        "eval",
        repo().join("tests/data/eval_fixture.jsonl").to_str().unwrap(),
        "--heads",
        a.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert!(
        out.contains("### eval_fixture.jsonl (whole file, not trained on)"),
        "{out}"
    );
    assert!(out.contains("| scam | 1 |"), "{out}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("eval.json")).unwrap()).unwrap();
    assert_eq!(json[0]["items"], 6);
    assert_eq!(json[0]["model_version"].as_str().unwrap(), version(&out_a));
    let hoax = json[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "hoax")
        .unwrap();
    assert_eq!(hoax["support"], 2);
    assert!(hoax["pr_auc"].as_f64().unwrap() > 0.0);
    assert!(std::fs::read_to_string(reports.join("eval.md"))
        .unwrap()
        .contains("PR-AUC"));
}

/// `tanggap backup` takes a consistent snapshot while the service serves and writes;
/// `tanggap restore` checks it, refuses to overwrite, and a service started on the restored
/// folder finds every mention, incident and approved clarification (the index rebuilt).
#[tokio::test]
async fn backup_while_serving_and_restore_finds_everything() {
    use serde_json::{json, Value};
    use tanggap::domain::Role;
    crate::helpers::require_model();
    let app = crate::helpers::spawn_app(Default::default()).await;
    let scam = "Assalamualaikum Bapak/Ibu Kepala Desa, saya Gubernur Lampung. Ini nomor WA baru saya. \
        Mohon bantu transfer dulu dana 25 juta ke rekening BRI 0987654321 a.n. staf ajudan, besok saya ganti. Penting!";
    let iid = app
        .flagged_incident(json!({"source": "whatsapp", "external_id": "wa-b1", "text": scam}))
        .await;
    let responder = app.token(Role::Responder).await;
    let cid = app.draft(&iid, &responder).await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &responder,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &app.admin_token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    // Writes go on while the backup runs.
    let writer = {
        let base = app.base.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..40 {
                let item = json!({"source": "news", "external_id": format!("w{i}"), "text": format!("Jalan desa {i} diperbaiki")});
                let r = client
                    .post(format!("{base}/api/v1/mentions"))
                    .bearer_auth(crate::helpers::INGEST_TOKEN)
                    .json(&item)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    let root = tempfile::tempdir().unwrap();
    let backup = root.path().join("backup-1");
    let data = app.data_dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking({
        let backup = backup.clone();
        move || tanggap(&data).arg("backup").arg(&backup).output().unwrap()
    })
    .await
    .unwrap();
    if crate::helpers::on_postgres() {
        // The backup command copies the SQLite file; on PostgreSQL it refuses and names pg_dump.
        writer.await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("pg_dump"), "{err}");
        eprintln!("PostgreSQL: `tanggap backup` refuses and points to pg_dump; restore not tested here");
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(summary.contains("1 approved clarifications"), "{summary}");
    writer.await.unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let backed_up = manifest["counts"]["mentions"].as_i64().unwrap();
    assert!(backed_up >= 1, "{manifest}");
    let key = std::fs::read(app.data_dir.path().join("secret.key")).unwrap();
    app.stop().await;

    // A damaged backup is refused before anything is written.
    let damaged = root.path().join("damaged");
    std::fs::create_dir_all(damaged.join("playbooks")).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let rel = f["path"].as_str().unwrap();
        std::fs::copy(backup.join(rel), damaged.join(rel)).unwrap();
    }
    std::fs::copy(backup.join("manifest.json"), damaged.join("manifest.json")).unwrap();
    let mut db = std::fs::read(damaged.join("tanggap.db")).unwrap();
    let last = db.len() - 1;
    db[last] ^= 0xff;
    std::fs::write(damaged.join("tanggap.db"), db).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let out = tanggap(fresh.path())
        .arg("restore")
        .arg(&damaged)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match the manifest"));
    assert!(!fresh.path().join("tanggap.db").exists(), "nothing written");

    // Restore into a fresh folder; a second restore does not overwrite without --force.
    let out = tanggap(fresh.path())
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = tanggap(fresh.path())
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read(fresh.path().join("secret.key")).unwrap(), key);

    // The service on the restored folder has everything, and search works again.
    let app = crate::helpers::spawn_app(crate::helpers::Options {
        data_dir: Some(fresh),
        ..Default::default()
    })
    .await;
    let (status, incident) = app
        .call("GET", &format!("/api/v1/incidents/{iid}"), &app.admin_token, None)
        .await;
    assert_eq!(status, 200, "{incident}");
    let (_, approved) = app
        .call(
            "GET",
            "/api/v1/clarifications?status=approved",
            &app.admin_token,
            None,
        )
        .await;
    assert_eq!(
        approved["clarifications"].as_array().map(Vec::len),
        Some(1),
        "{approved}"
    );
    let stored = app.store.counts().await.unwrap().mentions;
    assert_eq!(stored, backed_up);
    app.wait_indexed().await;
    let hits = app.wait_search("rekening", 1).await;
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");
    app.stop().await;
}

/// Every change to people, credentials and decisions lands in the hash-chained audit log;
/// `tanggap audit verify` finds an edited row, a deleted row and rows cut from the end.
#[tokio::test]
async fn the_audit_log_detects_edited_and_deleted_rows() {
    use serde_json::json;
    let app = crate::helpers::spawn_app(Default::default()).await;
    for (username, role) in [("sari", "viewer"), ("budi", "responder")] {
        let (status, body) = app
            .call(
                "POST",
                "/api/v1/users",
                &app.admin_token,
                Some(json!({"username": username, "name": username, "role": role, "password": "kata-sandi-panjang"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = app
        .call("POST", "/api/v1/users/budi/disable", &app.admin_token, None)
        .await;
    assert_eq!(status, 200);
    let data = app.stop().await;
    let verify = |extra: &[&str]| {
        let out = tanggap(data.path())
            .args(["audit", "verify"])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = verify(&[]);
    assert!(ok && text.contains("audit log intact"), "{text}");
    let head = text.rsplit("head ").next().unwrap().trim().to_string();

    let url = crate::helpers::postgres_database_for(data.path())
        .unwrap_or_else(|| format!("sqlite://{}", data.path().join("tanggap.db").display()));
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE tbl = 'users'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 3, "two users created and one disabled");
    // A direct edit of a user is itself audited by the triggers; the chain stays intact.
    sqlx::query("UPDATE users SET role = 'admin' WHERE username = 'sari'")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, text) = verify(&[]);
    assert!(ok, "{text}");
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE tbl = 'users' AND op = 'update' AND replace(data, ' ', '') LIKE '%\"role\":\"admin\"%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 1, "the role change is in the log");
    // Editing the log itself breaks the chain at that row.
    let (seq,): (i64,) = sqlx::query_as(
        "SELECT seq FROM audit_log WHERE tbl = 'users' AND op = 'insert' AND row_key = 'sari'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_log SET data = replace(data, 'viewer', 'admin') WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    let (ok, text) = verify(&[]);
    assert!(!ok && text.contains(&format!("row {seq} ")), "{text}");
    sqlx::query("UPDATE audit_log SET data = replace(data, 'admin', 'viewer') WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    assert!(verify(&[]).0, "undoing the edit makes it whole again");
    // Deleting a row leaves a gap.
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    let (ok, text) = verify(&[]);
    assert!(!ok && text.contains("missing"), "{text}");
    // Cutting rows from the end is caught against a recorded head.
    sqlx::query("DELETE FROM audit_log WHERE seq >= (SELECT MAX(seq) FROM audit_log) - 1")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, text) = verify(&["--head", &head]);
    assert!(!ok && text.contains("cut from the end"), "{text}");
    pool.close().await;
}

/// Dependencies point one way (issue 16): `scripts/module-graph` finds no circle between the
/// crate's modules.
#[test]
fn the_module_graph_has_no_circle() {
    let out = Command::new("python3")
        .arg(repo().join("scripts/module-graph"))
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("\n0 circle(s)"), "{text}");
    // And the layers: storage and the classifier import no business module.
    let line = |m: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{m} -> ")))
            .unwrap_or_default()
            .to_string()
    };
    for (module, forbidden) in [
        ("store", ["claims", "incidents", "service", "web"]),
        ("classify", ["claims", "incidents", "service", "web"]),
        ("domain", ["store", "claims", "service", "web"]),
    ] {
        let deps = line(module);
        for f in forbidden {
            assert!(
                !deps.split([' ', ',']).any(|d| d == f),
                "{module} imports {f}: {deps}"
            );
        }
    }
}
