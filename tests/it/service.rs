//! The service layer called directly, as the command line and jobs call it: each operation
//! checks its actor's role itself (not only the web's guards), and the lifecycle is the same
//! whichever way a change arrives.

use serde_json::json;
use tanggap::domain::{Actor, IncidentStatus, Role};
use tanggap::playbooks::Playbooks;
use tanggap::service::{self, DomainError, Env};

use crate::helpers::{repo, require_model, settings_for, spawn_app, Options};

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        name: name.into(),
        role,
    }
}

#[tokio::test]
async fn operations_check_their_actor_and_follow_one_lifecycle() {
    require_model();
    let app = spawn_app(Options::default()).await;
    let scam = "Assalamualaikum Bapak/Ibu Kepala Desa, saya Gubernur Lampung. Ini nomor WA baru saya. \
        Mohon bantu transfer dulu dana 25 juta ke rekening BRI 0987654321 a.n. staf ajudan, besok saya ganti. Penting!";
    let id = app
        .flagged_incident(json!({"source": "whatsapp", "external_id": "svc-1", "text": scam}))
        .await;
    let settings = settings_for(app.data_dir.path(), &Options::default());
    let playbooks = Playbooks::load_dir(&repo().join("playbooks")).unwrap();
    let env = Env {
        store: &app.store,
        playbooks: &playbooks,
        settings: &settings,
        base_url: "http://localhost",
    };
    let ack = service::incidents::Transition {
        to: IncidentStatus::Acknowledged,
        reason: None,
    };
    // A viewer or an ingest token is refused by the operation itself.
    for role in [Role::Viewer, Role::Ingest] {
        let refused = service::incidents::transition(&env, &actor("v", role), &id, ack.clone()).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden)),
            "{role:?}: {refused:?}"
        );
    }
    let copy = service::clarifications::copy(&env, &actor("i", Role::Ingest), "cl_x", None).await;
    assert!(matches!(copy, Err(DomainError::Forbidden)), "{copy:?}");
    let user = service::people::NewUser {
        username: "budi".into(),
        name: "Budi".into(),
        role: Some(Role::Responder),
        password: "0123456789".into(),
    };
    let refused = service::people::create_user(&env, &actor("r", Role::Responder), user).await;
    assert!(matches!(refused, Err(DomainError::Forbidden)), "{refused:?}");
    // A responder acknowledges; the lifecycle refuses doing it twice, and so does a mail link.
    let done = service::incidents::transition(&env, &actor("budi", Role::Responder), &id, ack.clone())
        .await
        .unwrap();
    assert_eq!(done.status, IncidentStatus::Acknowledged);
    assert!(done.acknowledged_at.is_some());
    let again = service::incidents::transition(&env, &actor("budi", Role::Responder), &id, ack).await;
    assert!(matches!(again, Err(DomainError::Conflict(_))), "{again:?}");
    let link = service::incidents::acknowledge_by_link(&env, "hash-of-a-link", &id, "sari@example.go.id")
        .await
        .unwrap();
    assert!(
        matches!(
            link,
            service::incidents::LinkAck::AlreadyMoved(IncidentStatus::Acknowledged)
        ),
        "{link:?}"
    );
    // Approval skipped is refused the same way as through the API.
    let skip = service::incidents::Transition {
        to: IncidentStatus::Clarified,
        reason: None,
    };
    let skipped = service::incidents::transition(&env, &actor("budi", Role::Admin), &id, skip).await;
    assert!(matches!(skipped, Err(DomainError::Conflict(_))), "{skipped:?}");
    // The timeline names who acted, whichever way.
    let events = app.store.events(&id).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.kind == "status_changed" && e.actor == "budi"));
    app.stop().await;
}
