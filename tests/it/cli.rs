//! The command line, run as a user would.

use std::process::Command;

use crate::helpers::repo;

fn tanggap(data_dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tanggap"));
    c.env("TANGGAP_DATA_DIR", data_dir)
        .env("TANGGAP_MODELS_DIR", repo().join("models"))
        .env("TANGGAP_PLAYBOOKS_DIR", repo().join("playbooks"))
        .env_remove("TANGGAP_CONFIG");
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
