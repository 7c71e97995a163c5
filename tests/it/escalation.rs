//! Acknowledge links and escalation, against a real SMTP server process.

use std::time::Duration;

use serde_json::{json, Value};
use tanggap::domain::Role;

use crate::helpers::{require_model, spawn_app, Options, SmtpSink, TestApp};

const TSUNAMI: &str =
    "AWAS!!! Info dari grup sebelah: BMKG bilang malam ini jam 11 akan ada gempa besar dan \
    tsunami setinggi 10 meter di pesisir Kalianda akibat Anak Krakatau meletus. Segera mengungsi, SEBARKAN!!";

async fn open_incident(app: &TestApp) -> String {
    app.flagged_incident(
        json!({"source": "whatsapp", "external_id": "esc-1", "text": TSUNAMI, "region": "Lampung Selatan"}),
    )
    .await
}

fn ack_link(mail: &Value) -> String {
    let text = mail["text"].as_str().unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Akui dengan satu klik: "))
        .expect("ack link in mail");
    line.trim_start_matches("Akui dengan satu klik: ")
        .trim()
        .to_string()
}

#[tokio::test]
async fn the_ack_link_shows_a_page_and_only_the_post_acknowledges_once() {
    require_model();
    let smtp = SmtpSink::start();
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        ..Default::default()
    })
    .await;
    let incident = open_incident(&app).await;
    let mails = smtp.wait_for(1).await;
    let link = ack_link(&mails[0]);
    assert!(link.starts_with(&format!("{}/ack/", app.base)), "{link}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // A mail scanner opening the link changes nothing.
    for _ in 0..2 {
        let r = client.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Akui insiden?"));
    }
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(inc["status"], "new");

    let r = client.post(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Insiden diakui"));
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(inc["status"], "acknowledged");
    assert!(inc["acknowledged_at"].is_string());
    let recipient = mails[0]["rcpt_to"][0].as_str().unwrap();
    let ack = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "status_changed")
        .unwrap();
    assert_eq!(ack["actor"], recipient, "{ack}");

    // Reused or forged links are refused.
    assert_eq!(client.post(&link).send().await.unwrap().status(), 410);
    let mut forged = link.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(client.get(&forged).send().await.unwrap().status(), 410);
    assert_eq!(client.post(&forged).send().await.unwrap().status(), 410);
    app.stop().await;
}

#[tokio::test]
async fn unacknowledged_incidents_escalate_along_the_chain_in_one_thread() {
    require_model();
    let smtp = SmtpSink::start();
    let config = "[escalation]\ncritical_seconds = 1\nhigh_seconds = 1\nmedium_seconds = 1\nlow_seconds = 1\nrounds = 1\n";
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        config_toml: Some(config.into()),
        ..Default::default()
    })
    .await;
    let incident = open_incident(&app).await;
    // trc-kebencanaan: two on-call people, then the lead; one round.
    let mails = smtp.wait_for(3).await;
    let to: Vec<&str> = mails.iter().map(|m| m["rcpt_to"][0].as_str().unwrap()).collect();
    assert_eq!(to.len(), 3);
    assert!(
        to[0] != to[1] && to[0].starts_with("piket.bencana") && to[1].starts_with("piket.bencana"),
        "{to:?}"
    );
    assert!(to[2].starts_with("kabid.ikp"), "the lead ends the chain: {to:?}");
    let root = format!("<{incident}@127.0.0.1>");
    assert_eq!(mails[0]["headers"]["Message-ID"], root.as_str());
    for m in &mails[1..] {
        assert_eq!(m["headers"]["In-Reply-To"], root.as_str(), "{m}");
        assert_eq!(m["headers"]["References"], root.as_str());
        assert!(m["headers"]["Subject"].as_str().unwrap().contains("ESKALASI"));
        assert_ne!(m["headers"]["Message-ID"], root.as_str());
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(smtp.messages().len(), 3, "the number of repeats is bounded");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    let kinds: Vec<&str> = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "escalated").count(),
        2,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"escalation_exhausted"), "{kinds:?}");
    app.stop().await;
}

#[tokio::test]
async fn acknowledging_stops_escalation() {
    require_model();
    let smtp = SmtpSink::start();
    let config =
        "[escalation]\ncritical_seconds = 2\nhigh_seconds = 2\nmedium_seconds = 2\nlow_seconds = 2\n";
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        config_toml: Some(config.into()),
        ..Default::default()
    })
    .await;
    let incident = open_incident(&app).await;
    let responder = app.token(Role::Responder).await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/incidents/{incident}/transitions"),
            &responder,
            Some(json!({"to": "acknowledged"})),
        )
        .await;
    assert_eq!(status, 200);
    smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(smtp.messages().len(), 1, "no escalation after an acknowledgement");
    app.stop().await;
}

#[tokio::test]
async fn sla_breaches_are_marked_once_and_mailed_to_the_lead() {
    require_model();
    let smtp = SmtpSink::start();
    let config = "[sla]\nack_seconds = [1, 1, 1, 1]\nclarify_seconds = [2, 2, 2, 2]\n\
                  [escalation]\ncritical_seconds = 3600\nhigh_seconds = 3600\nmedium_seconds = 3600\nlow_seconds = 3600\n";
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        config_toml: Some(config.into()),
        ..Default::default()
    })
    .await;
    let incident = open_incident(&app).await;
    let mails = smtp.wait_for(3).await;
    let sla: Vec<&Value> = mails
        .iter()
        .filter(|m| {
            m["headers"]["Subject"]
                .as_str()
                .unwrap()
                .contains("SLA terlewati")
        })
        .collect();
    assert_eq!(sla.len(), 2, "one mail per clock");
    for m in &sla {
        assert!(
            m["rcpt_to"][0].as_str().unwrap().starts_with("kabid.ikp"),
            "to the lead: {m}"
        );
        assert_eq!(m["headers"]["In-Reply-To"], format!("<{incident}@127.0.0.1>"));
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(smtp.messages().len(), 3, "breaches alert once");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert!(
        inc["sla"]["ack_breached_at"].is_string() && inc["sla"]["clarify_breached_at"].is_string(),
        "{inc}"
    );
    assert!(inc["durations_seconds"]["to_detect"].is_i64());
    assert!(inc["durations_seconds"]["to_acknowledge"].is_null());
    let breaches = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "sla_breached")
        .count();
    assert_eq!(breaches, 2);
    let (_, queue) = app.page("/").await;
    assert!(queue.contains("⚠ SLA"), "breach marked in the queue");
    app.stop().await;
}

#[tokio::test]
async fn a_spike_raises_severity_and_alerts_again_once() {
    require_model();
    let smtp = SmtpSink::start();
    let config = "[incidents]\nspike_min_per_hour = 5\nspike_ratio = 3.0\n";
    let app = spawn_app(Options {
        smtp_port: Some(smtp.port),
        config_toml: Some(config.into()),
        ..Default::default()
    })
    .await;
    let scam = "Selamat siang Bapak/Ibu Kepala Desa, saya Gubernur Lampung, ini nomor WA baru saya. \
                Tolong bantu transfer dulu 15 juta ke rekening BRI 1234567890, nanti saya ganti hari ini.";
    let first = json!({"source": "whatsapp", "external_id": "spike-0", "text": scam});
    let (_, body) = app.post_mentions(first.to_string(), "application/json").await;
    let m = app
        .wait_classified(body["items"][0]["id"].as_str().unwrap())
        .await;
    let incident = m["incident_id"].as_str().expect("an incident").to_string();
    let (_, before) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    smtp.wait_for(1).await;
    let copies: Vec<Value> = (1..10)
        .map(|n| json!({"source": "whatsapp", "external_id": format!("spike-{n}"), "text": scam}))
        .collect();
    let (_, body) = app
        .post_mentions(Value::Array(copies).to_string(), "application/json")
        .await;
    app.wait_classified(body["items"][8]["id"].as_str().unwrap())
        .await;
    let mails = smtp.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(smtp.messages().len(), 2, "one spike alert, not one per copy");
    assert!(
        mails[1]["headers"]["Subject"]
            .as_str()
            .unwrap()
            .contains("Lonjakan"),
        "{}",
        mails[1]
    );
    assert_eq!(
        mails[1]["headers"]["In-Reply-To"],
        format!("<{incident}@127.0.0.1>")
    );
    let (_, after) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(after["mention_count"], 10);
    let spikes: Vec<&Value> = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "spike")
        .collect();
    assert_eq!(spikes.len(), 1, "{after}");
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let (b, a) = (
        rank(before["severity"].as_str().unwrap()),
        rank(after["severity"].as_str().unwrap()),
    );
    assert!(a == 3 || a == b + 1, "severity raised one level: {b} -> {a}");
    app.stop().await;
}
