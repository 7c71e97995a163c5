//! Playbooks on an incident and the clarification flow, through the API as responders and
//! admins use it: draft → submit → return → resubmit → approve → copy, with the guards.

use serde_json::{json, Value};
use tanggap::domain::Role;

use crate::helpers::{require_model, spawn_app, Options, TestApp};

const SCAM: &str = "Assalamualaikum Bapak/Ibu Kepala Desa, saya Gubernur Lampung. Ini nomor WA baru saya. \
    Mohon bantu transfer dulu dana 25 juta ke rekening BRI 0987654321 a.n. staf ajudan, besok saya ganti. Penting!";

async fn scam_incident(app: &TestApp) -> Value {
    let item = json!({"source": "whatsapp", "external_id": "wa-gub-1", "text": SCAM,
                      "url": "https://example.org/wa/1", "region": "Pesawaran"});
    let (status, body) = app.post_mentions(item.to_string(), "application/json").await;
    assert_eq!(status, 201, "{body}");
    let m = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    let id = m["incident_id"]
        .as_str()
        .expect("the scam opens an incident")
        .to_string();
    let (_, incident) = app.get(&format!("/api/v1/incidents/{id}")).await;
    incident
}

#[tokio::test]
async fn draft_submit_return_resubmit_approve_copy() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let responder = app.token(Role::Responder).await;
    let admin = app.admin_token.clone();
    let viewer = app.token(Role::Viewer).await;
    let incident = scam_incident(&app).await;
    let iid = incident["id"].as_str().unwrap();
    assert_eq!(incident["playbook"]["id"], "penipuan-catut-pejabat");
    assert_eq!(incident["playbook"]["version"], 1);

    // Checklist: a responder ticks step 1; the incident shows who and when.
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{iid}/checklist/1"),
            &responder,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!((status, body["done"].as_u64()), (200, Some(1)), "{body}");
    let (status, _) = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{iid}/checklist/99"),
            &responder,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, 422);

    // Draft from the X template: claim, date and agency are filled; fakta/sumber/tautan are not.
    let (status, draft) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{iid}/clarifications"),
            &responder,
            Some(json!({"channel": "twitter"})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let cid = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["status"], "draft");
    assert!(draft["text"].as_str().unwrap().contains("[PENIPUAN]"), "{draft}");
    let unfilled: Vec<&str> = draft["checks"]["unfilled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !unfilled.is_empty() && !unfilled.contains(&"instansi"),
        "{unfilled:?}"
    );

    // The incident page offers the draft's editor to a responder and nothing to act on to a viewer.
    let (responder_page, _) = app.login_as(Role::Responder).await;
    let html = app.text_with(&responder_page, &format!("/incidents/{iid}")).await;
    assert!(
        html.contains(&format!("data-api=\"POST /api/v1/clarifications/{cid}/submit\"")),
        "{html}"
    );
    assert!(html.contains("<textarea name=\"body\"") && html.contains("Buat draf"));
    assert!(
        html.contains("transitions") && html.contains("Akui") || html.contains("Mulai"),
        "transition buttons"
    );
    let (viewer_page, _) = app.login_as(Role::Viewer).await;
    let html = app.text_with(&viewer_page, &format!("/incidents/{iid}")).await;
    assert!(
        !html.contains("data-api=") && html.contains("[PENIPUAN]"),
        "a viewer only reads"
    );

    // Submitting with unfilled variables and no verdict is refused, naming the fields.
    let (status, err) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &responder,
            None,
        )
        .await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> = err["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"variables") && fields.contains(&"verdict"),
        "{fields:?}"
    );

    let values = json!({"fakta": "Gubernur tidak pernah meminta transfer lewat WA", "sumber": "Biro Adpim",
                        "tautan": "https://lampungprov.go.id/k/1", "klaim": "WA Gubernur minta transfer",
                        "instansi": "Gubernur Lampung"});
    let (status, edited) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &responder,
            Some(json!({"variables": values, "verdict": "penipuan"})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["checks"]["unfilled"], json!([]), "{edited}");
    assert!(
        edited["text"]
            .as_str()
            .unwrap()
            .contains("mengatasnamakan Gubernur Lampung"),
        "{edited}"
    );
    assert!(edited["checks"]["length"].as_u64().unwrap() <= 280, "{edited}");
    // Too long for X is flagged and refused at submission.
    let (_, long) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &responder,
            Some(json!({"body": "x".repeat(300)})),
        )
        .await;
    assert_eq!(long["checks"]["too_long"], true);
    let (status, err) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &responder,
            None,
        )
        .await;
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (422, Some("body")),
        "{err}"
    );
    let (status, edited) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &responder,
            Some(json!({"variables": {"sumber": "Biro Adpim"}})),
        )
        .await;
    assert_eq!(
        (status, edited["checks"]["too_long"].as_bool()),
        (200, Some(false)),
        "re-rendered from the template: {edited}"
    );
    let (status, submitted) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &responder,
            None,
        )
        .await;
    assert_eq!(
        (status, submitted["status"].as_str()),
        (200, Some("submitted")),
        "{submitted}"
    );

    // A responder cannot approve; an admin returns it with a comment.
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &responder,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/return"),
            &admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 422, "a return needs a comment");
    let (status, returned) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/return"),
            &admin,
            Some(json!({"comment": "Sebutkan nomor palsunya"})),
        )
        .await;
    assert_eq!(
        (status, returned["status"].as_str()),
        (200, Some("returned")),
        "{returned}"
    );

    // Edit and resubmit; the admin approves; the text is frozen.
    let new_body = format!("{}\nNomor palsu: 0812-xxxx.", returned["body"].as_str().unwrap());
    let (status, _) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &responder,
            Some(json!({"body": new_body})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &responder,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, approved) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &admin,
            None,
        )
        .await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("approved")),
        "{approved}"
    );
    assert!(approved["text"].as_str().unwrap().contains("Nomor palsu"));
    let (status, err) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &admin,
            Some(json!({"body": "changed"})),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("conflict")));
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 409, "approving twice is an illegal transition");

    // The library lists it; a viewer (an agency admin) copies it; the copy is logged.
    let (_, lib) = app
        .call(
            "GET",
            "/api/v1/clarifications?status=approved&q=gubernur",
            &viewer,
            None,
        )
        .await;
    assert_eq!(lib["clarifications"].as_array().unwrap().len(), 1, "{lib}");
    let (_, none) = app
        .call(
            "GET",
            "/api/v1/clarifications?status=approved&q=tsunami",
            &viewer,
            None,
        )
        .await;
    assert_eq!(none["clarifications"].as_array().unwrap().len(), 0);
    let (status, copied) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/copies"),
            &viewer,
            Some(json!({"channel": "twitter"})),
        )
        .await;
    assert_eq!(status, 200, "{copied}");
    assert_eq!(copied["text"], approved["text"]);
    let (_, detail) = app
        .call("GET", &format!("/api/v1/clarifications/{cid}"), &viewer, None)
        .await;
    assert_eq!(detail["copies"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = detail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "drafted",
            "edited",
            "edited",
            "edited",
            "submitted",
            "returned",
            "edited",
            "submitted",
            "approved"
        ]
    );

    // The incident's timeline has every step and the incident is clarified.
    let (_, inc) = app.get(&format!("/api/v1/incidents/{iid}")).await;
    assert_eq!(inc["status"], "clarified");
    assert!(
        inc["durations_seconds"]["to_first_clarification"].is_i64(),
        "{inc}"
    );
    assert_eq!(
        inc["clarification_effect"]["before_per_hour"].as_f64(),
        Some(1.0 / 6.0),
        "one mention in the 6 h before"
    );
    assert_eq!(inc["clarification_effect"]["after_per_hour"].as_f64(), Some(0.0));
    let timeline: Vec<&str> = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "checklist_step_done",
        "clarification_drafted",
        "clarification_returned",
        "clarification_approved",
    ] {
        assert!(timeline.contains(&k), "{k} missing from {timeline:?}");
    }
    assert_eq!(inc["checklist"][0]["done"], true);
    assert_eq!(inc["clarifications"].as_array().unwrap().len(), 1);

    // ClaimReview JSON-LD with the required fields.
    let r = app
        .client
        .get(format!("{}/api/v1/clarifications/{cid}/claimreview", app.base))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let cr: Value = r.json().await.unwrap();
    assert_eq!(
        (cr["@context"].as_str(), cr["@type"].as_str()),
        (Some("https://schema.org"), Some("ClaimReview"))
    );
    assert_eq!(cr["claimReviewed"], "WA Gubernur minta transfer");
    assert_eq!(cr["reviewRating"]["alternateName"], "Penipuan");
    assert_eq!(cr["reviewRating"]["ratingValue"], 1);
    assert_eq!(cr["itemReviewed"]["@type"], "Claim");
    assert_eq!(
        cr["itemReviewed"]["appearance"][0]["url"],
        "https://example.org/wa/1"
    );
    assert_eq!(cr["author"]["@type"], "Organization");
    assert!(cr["datePublished"].as_str().unwrap().len() == 10 && cr["url"].as_str().unwrap().contains(&cid));
    app.stop().await;
}

#[tokio::test]
async fn nobody_approves_their_own_draft_and_viewers_cannot_draft() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let admin = app.admin_token.clone();
    let viewer = app.token(Role::Viewer).await;
    let incident = scam_incident(&app).await;
    let iid = incident["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{iid}/clarifications"),
            &viewer,
            Some(json!({"channel": "twitter"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, err) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{iid}/clarifications"),
            &admin,
            Some(json!({"channel": "telegram"})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (422, Some("channel"))
    );
    let vars = json!({"fakta": "f", "sumber": "s", "tautan": "https://x.id", "klaim": "k"});
    let (status, draft) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{iid}/clarifications"),
            &admin,
            Some(json!({"channel": "whatsapp", "verdict": "penipuan", "variables": vars})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let cid = draft["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("own draft"));
    let other_admin = app.token(Role::Admin).await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &other_admin,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/copies"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(status, 200, "copy without a body uses the draft's channel");
    let (status, _) = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{iid}/playbook"),
            &admin,
            Some(json!({"playbook": "nope"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{iid}/playbook"),
            &admin,
            Some(json!({"playbook": "hoaks-umum"})),
        )
        .await;
    assert_eq!(
        (status, body["playbook"]["id"].as_str()),
        (200, Some("hoaks-umum"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_service_refuses_to_start_on_a_broken_playbook() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("playbooks");
    std::fs::create_dir(&pb).unwrap();
    let good = std::fs::read_to_string(crate::helpers::repo().join("playbooks/rumor-bencana.toml")).unwrap();
    std::fs::write(
        pb.join("rumor-bencana.toml"),
        good.replacen("labels = [\"disaster\"]", "labels = [\"bencana\"]", 1),
    )
    .unwrap();
    let line = good.lines().position(|l| l.starts_with("labels = ")).unwrap() + 1;
    let opts = Options {
        extra_env: vec![("TANGGAP_PLAYBOOKS_DIR", pb.display().to_string())],
        ..Default::default()
    };
    let settings = crate::helpers::settings_for(dir.path(), &opts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = match tanggap::app::Application::build(settings, listener).await {
        Ok(_) => panic!("started with a broken playbook"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains(&format!("rumor-bencana.toml:{line}: unknown label \"bencana\"")),
        "{err}"
    );
}

#[tokio::test]
async fn incident_transitions_are_checked() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let responder = app.token(Role::Responder).await;
    let viewer = app.token(Role::Viewer).await;
    let incident = scam_incident(&app).await;
    let path = format!(
        "/api/v1/incidents/{}/transitions",
        incident["id"].as_str().unwrap()
    );
    let (status, _) = app
        .call("POST", &path, &viewer, Some(json!({"to": "acknowledged"})))
        .await;
    assert_eq!(status, 403);
    let (status, err) = app
        .call("POST", &path, &responder, Some(json!({"to": "resolved"})))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{err}"
    );
    let (status, err) = app
        .call("POST", &path, &responder, Some(json!({"to": "clarified"})))
        .await;
    assert_eq!(status, 409, "approval cannot be skipped: {err}");
    let (status, err) = app
        .call("POST", &path, &responder, Some(json!({"to": "flying"})))
        .await;
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (422, Some("to"))
    );
    let (status, inc) = app
        .call("POST", &path, &responder, Some(json!({"to": "acknowledged"})))
        .await;
    assert_eq!(
        (status, inc["status"].as_str()),
        (200, Some("acknowledged")),
        "{inc}"
    );
    assert!(inc["acknowledged_at"].is_string());
    let (status, _) = app
        .call("POST", &path, &responder, Some(json!({"to": "acknowledged"})))
        .await;
    assert_eq!(status, 409, "twice is illegal");
    let (status, err) = app
        .call("POST", &path, &responder, Some(json!({"to": "dismissed"})))
        .await;
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, inc) = app
        .call(
            "POST",
            &path,
            &responder,
            Some(json!({"to": "dismissed", "reason": "bukan penipuan, pesan candaan"})),
        )
        .await;
    assert_eq!((status, inc["status"].as_str()), (200, Some("dismissed")));
    let (_, full) = app
        .get(&format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()))
        .await;
    let changes: Vec<&Value> = full["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status_changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1]["detail"]["reason"], "bukan penipuan, pesan candaan");
    app.stop().await;
}

#[tokio::test]
async fn verdicts_assignments_and_dismissals_are_recorded_as_feedback() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let responder = app.token(Role::Responder).await;
    let incident = scam_incident(&app).await;
    let iid = incident["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{iid}");
    let (status, err) = app
        .call("PATCH", &path, &responder, Some(json!({"verdict": "bohong"})))
        .await;
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (422, Some("verdict"))
    );
    let (status, inc) = app
        .call(
            "PATCH",
            &path,
            &responder,
            Some(json!({"verdict": "penipuan", "assignee": "budi"})),
        )
        .await;
    assert_eq!(status, 200, "{inc}");
    assert_eq!(
        (inc["verdict"].as_str(), inc["assignee"].as_str()),
        (Some("penipuan"), Some("budi"))
    );
    let (status, _) = app
        .call(
            "POST",
            &format!("{path}/transitions"),
            &responder,
            Some(json!({"to": "dismissed", "reason": "salah deteksi"})),
        )
        .await;
    assert_eq!(status, 200);
    let feedback = app.store.feedback(iid).await.unwrap();
    let decisions: Vec<&str> = feedback.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(decisions, ["confirmed", "dismissed"]);
    assert!(feedback[1].1.contains("scam") && feedback[1].2.as_deref() == Some("salah deteksi"));
    app.stop().await;
}

/// Four eyes: an admin who edited a responder's draft cannot approve it, and one person is one
/// name whatever credential they use (a draft written in a web session is not approved with the
/// same person's API token).
#[tokio::test]
async fn editors_cannot_approve_and_a_person_is_one_name_across_credentials() {
    let app = spawn_app(Options::default()).await;
    let incident = scam_incident(&app).await;
    let iid = incident["id"].as_str().unwrap();
    let vars = json!({"fakta": "f", "sumber": "s", "tautan": "https://x.id", "klaim": "k"});
    let responder = app.token(Role::Responder).await;
    let cid = app.draft(iid, &responder).await;
    // An admin rewrites the responder's draft entirely, submits it, then tries to approve it.
    let editor = app.token(Role::Admin).await;
    let (status, edited) = app
        .call(
            "PATCH",
            &format!("/api/v1/clarifications/{cid}"),
            &editor,
            Some(json!({"title": "Judul baru", "body": "Isi yang ditulis ulang oleh admin."})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/submit"),
            &editor,
            None,
        )
        .await;
    assert_eq!(status, 200);
    for action in ["approve", "return"] {
        let body = (action == "return").then(|| json!({"comment": "ubah"}));
        let (status, err) = app
            .call(
                "POST",
                &format!("/api/v1/clarifications/{cid}/{action}"),
                &editor,
                body,
            )
            .await;
        assert_eq!(status, 403, "{action} by an editor: {err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains("edited"),
            "{err}"
        );
    }
    // A third person approves: approved_by is them, the author is still the responder.
    let (status, approved) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &app.admin_token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_ne!(approved["approved_by"], approved["author"]);

    // An admin drafts in a web session and submits; their own token cannot approve it.
    let (web, username) = app.login_as(Role::Admin).await;
    let csrf = app.session_csrf(&web).await;
    let r = web
        .post(format!("{}/api/v1/incidents/{iid}/clarifications", app.base))
        .header("x-csrf-token", &csrf)
        .json(&json!({"channel": "whatsapp", "verdict": "penipuan", "variables": vars}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.unwrap();
    assert_eq!(draft["author"], username.as_str());
    let cid = draft["id"].as_str().unwrap().to_string();
    let r = web
        .post(format!("{}/api/v1/clarifications/{cid}/submit", app.base))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let page = app.text_with(&web, &format!("/incidents/{iid}")).await;
    assert!(
        !page.contains(&format!("/api/v1/clarifications/{cid}/approve")),
        "no approve button for a writer"
    );
    assert!(page.contains("admin lain yang menyetujui"));
    let own_token = tanggap::auth::create_token(&app.store, "personal", Role::Admin, Some(&username))
        .await
        .unwrap()
        .unwrap();
    let (status, err) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &own_token,
            None,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    // A token cannot carry more rights than its person, and a machine token is never a person.
    let (viewer_web, viewer) = app.login_as(Role::Viewer).await;
    drop(viewer_web);
    assert!(
        tanggap::auth::create_token(&app.store, "too-much", Role::Admin, Some(&viewer))
            .await
            .is_err()
    );
    let machine = app.token(Role::Admin).await;
    let (status, who) = app
        .call(
            "POST",
            &format!("/api/v1/clarifications/{cid}/approve"),
            &machine,
            None,
        )
        .await;
    assert_eq!(status, 200, "{who}");
    assert!(
        who["approved_by"].as_str().unwrap().starts_with("token:"),
        "{who}"
    );
    // Disabling the person stops their token too.
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/users/{username}/disable"),
            &app.admin_token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.call("GET", "/api/v1/incidents", &own_token, None).await;
    assert_eq!(status, 401);
    app.stop().await;
}
