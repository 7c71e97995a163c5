//! Alert mail: rendering (templates compiled in, HTML auto-escaped), the on-call rota, and the
//! outbox worker that delivers queued mail over SMTP or into `DATA_DIR/outbox/*.eml`, with
//! retries and backoff. Mail rows are written in the transaction that caused them, so a crash
//! loses none; a row is marked sent only after the server accepted it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, Utc};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use minijinja::Environment;
use tokio::sync::Notify;

use crate::classify::Classification;
use crate::config::{Rotation, Settings, Team};
use crate::domain::Label;
use crate::playbooks::Playbook;
use crate::store::{ts, wib, NewIncident, NewMail, OutboxRow, PendingMention, Store};

/// Attempts before a mail is given up and noted on the timeline.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a mail waits out an unreachable mail server before it is given up.
pub const MAX_AGE_HOURS: i64 = 24;
/// How often the outbox probes an unreachable mail server (with one mail).
pub const OUTAGE_RETRY_SECONDS: i64 = 5;

fn templates() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template(
            "incident_opened.txt",
            include_str!("templates/mail/incident_opened.txt"),
        )
        .expect("valid template");
        env.add_template(
            "incident_opened.html",
            include_str!("templates/mail/incident_opened.html"),
        )
        .expect("valid template");
        env
    })
}

/// Who is on call for a team at `now`, in the team's time zone.
pub fn oncall_now(team: &Team, now: DateTime<Utc>) -> String {
    let tz: chrono_tz::Tz = team.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
    let local_time = now.with_timezone(&tz).naive_local();
    for o in &team.overrides {
        let from = crate::config::RotaOverride::parse_local(&o.from);
        let until = crate::config::RotaOverride::parse_local(&o.until);
        if let (Some(from), Some(until)) = (from, until) {
            if from <= local_time && local_time < until {
                return o.person.clone();
            }
        }
    }
    let local = local_time.date();
    let days = local.num_days_from_ce().max(1) as usize;
    let slot = match team.rotation {
        Rotation::Daily => days,
        // Day 1 of the common era (0001-01-01) was a Monday, so weeks start on Mondays.
        Rotation::Weekly => (days - 1) / 7,
    };
    team.oncall[slot % team.oncall.len()].clone()
}

/// What mails need to write links.
#[derive(Clone)]
pub struct MailContext {
    /// How links are written.
    pub base_url: String,
    /// Signs acknowledge links.
    pub signer: crate::links::Signer,
    /// Validity of acknowledge links.
    pub ack_link_hours: i64,
}

impl MailContext {
    /// A signed, single-purpose acknowledge link for one recipient.
    pub fn ack_link(&self, incident_id: &str, recipient: &str, now: DateTime<Utc>) -> String {
        let claims = crate::links::Claims {
            p: "ack".into(),
            i: incident_id.into(),
            r: recipient.into(),
            e: (now + Duration::hours(self.ack_link_hours)).timestamp(),
        };
        format!(
            "{}/ack/{}",
            self.base_url.trim_end_matches('/'),
            self.signer.sign(&claims)
        )
    }
}

/// The escalation chain of a team at `now`: the on-call person, the rest of the rota in order,
/// then the lead (no one twice).
pub fn escalation_chain(team: &Team, now: DateTime<Utc>) -> Vec<String> {
    let first = oncall_now(team, now);
    let start = team.oncall.iter().position(|p| *p == first).unwrap_or(0);
    let mut chain: Vec<String> = vec![first];
    for k in 0..team.oncall.len() {
        let p = &team.oncall[(start + k) % team.oncall.len()];
        if !chain.contains(p) {
            chain.push(p.clone());
        }
    }
    if !chain.contains(&team.lead) {
        chain.push(team.lead.clone());
    }
    chain
}

/// The thread root Message-ID of an incident (without angle brackets).
pub fn thread_id(incident_id: &str, domain: &str) -> String {
    format!("{incident_id}@{domain}")
}

fn mail_domain(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "tanggap.local".into())
}

/// Renders the mail that tells the on-call person about a new incident.
pub fn incident_opened_mail(
    incident: &NewIncident,
    c: &Classification,
    m: &PendingMention,
    playbook: Option<&Playbook>,
    recipient: &str,
    mail: &MailContext,
) -> anyhow::Result<NewMail> {
    let base_url = mail.base_url.as_str();
    let ack_due = wib(&incident.ack_due_at);
    let labels: Vec<_> = c
        .labels
        .iter()
        .map(|l: &Label| minijinja::context! { name => l.name_id(), code => l.code(), score => format!("{:.2}", c.scores[l.index()]) })
        .collect();
    let link = format!("{}/incidents/{}", base_url.trim_end_matches('/'), incident.id);
    let ctx = minijinja::context! {
        title => incident.title,
        severity => incident.severity,
        team_name => incident.team,
        labels => labels,
        source => m.source,
        region => m.region,
        text => m.text.chars().take(1000).collect::<String>(),
        url => m.url,
        playbook => playbook.map(|p| minijinja::context! {
            title => p.title, version => p.version,
            steps => p.steps.iter().take(3).collect::<Vec<_>>(),
        }),
        ack_due => ack_due,
        link => link,
        ack_link => mail.ack_link(&incident.id, recipient, Utc::now()),
        escalated => false,
    };
    let env = templates();
    let body_text = env.get_template("incident_opened.txt")?.render(&ctx)?;
    let body_html = env.get_template("incident_opened.html")?.render(&ctx)?;
    Ok(NewMail {
        incident_id: Some(incident.id.clone()),
        kind: "incident_opened".into(),
        recipient: recipient.to_string(),
        subject: format!(
            "[Tanggap][{}] {}",
            incident.severity.to_uppercase(),
            incident.title
        ),
        body_text,
        body_html,
        message_id: thread_id(&incident.id, &mail_domain(base_url)),
        thread_root: None,
    })
}

/// Renders an escalation mail: the same incident, to the next person, in the incident's thread.
pub fn escalation_mail(
    e: &crate::store::EscalationRow,
    recipient: &str,
    level: i64,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> anyhow::Result<NewMail> {
    let base_url = mail.base_url.as_str();
    let ack_due = wib(&e.ack_due_at);
    let ctx = minijinja::context! {
        title => e.title, severity => e.severity, team_name => e.team, labels => Vec::<()>::new(),
        source => "", region => None::<String>, text => "", url => None::<String>, playbook => None::<()>,
        ack_due => ack_due, link => format!("{}/incidents/{}", base_url.trim_end_matches('/'), e.id),
        ack_link => mail.ack_link(&e.id, recipient, now), escalated => true,
    };
    let env = templates();
    let domain = mail_domain(base_url);
    Ok(NewMail {
        incident_id: Some(e.id.clone()),
        kind: "escalation".into(),
        recipient: recipient.to_string(),
        subject: format!(
            "Re: [Tanggap][{}] ESKALASI: {}",
            e.severity.to_uppercase(),
            e.title
        ),
        body_text: env.get_template("incident_opened.txt")?.render(&ctx)?,
        body_html: env.get_template("incident_opened.html")?.render(&ctx)?,
        message_id: format!("{}.esc{level}.{}@{domain}", e.id, uuid::Uuid::now_v7().simple()),
        thread_root: Some(thread_id(&e.id, &domain)),
    })
}

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp(Arc<AsyncSmtpTransport<Tokio1Executor>>),
    /// `.eml` files in a folder.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    /// SMTP when `smtp_url` is set, else the outbox folder.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Transport> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("TANGGAP_SMTP_URL")?
                    .timeout(Some(StdDuration::from_secs(20)))
                    .build();
                Ok(Transport::Smtp(Arc::new(transport)))
            }
            None => {
                let dir = settings.outbox_dir();
                std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
                Ok(Transport::Files(AsyncFileTransport::new(&dir), dir))
            }
        }
    }

    /// A description for the start-up banner.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP (TANGGAP_SMTP_URL)".into(),
            Transport::Files(_, dir) => format!("files in {} (set TANGGAP_SMTP_URL to send)", dir.display()),
        }
    }

    async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else if e.is_transient() {
                    SendError::Transient(e.to_string())
                } else {
                    SendError::Unreachable(e.to_string())
                }
            }),
            Transport::Files(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transient(e.to_string())),
        }
    }
}

enum SendError {
    /// The server answered 4xx: try again later, up to [`MAX_ATTEMPTS`].
    Transient(String),
    /// The server answered 5xx, or the mail cannot be built: give up.
    Permanent(String),
    /// No answer: connection refused, reset, timed out, TLS failed. Not the mail's fault.
    Unreachable(String),
}

fn build_message(from: &str, mail: &OutboxRow) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse().context("alerts.from is not a mail address")?;
    let to: Mailbox = mail
        .recipient
        .parse()
        .context("recipient is not a mail address")?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)));
    if let Some(root) = &mail.thread_root {
        builder = builder
            .in_reply_to(format!("<{root}>"))
            .references(format!("<{root}>"));
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        mail.body_text.clone(),
        mail.body_html.clone(),
    ))?)
    .map(|mut m| {
        m.headers_mut().insert_raw(header::HeaderValue::new(
            header::HeaderName::new_from_ascii_str("X-Tanggap-Incident"),
            mail.incident_id.clone().unwrap_or_default(),
        ));
        m
    })
}

/// Backoff before attempt `n + 1`: 5 s, 10 s, 20 s … capped at 10 minutes.
pub fn backoff(attempts: i64) -> Duration {
    Duration::seconds((5i64 << attempts.clamp(0, 7)).min(600))
}

/// The sent journal: the Message-ID of every mail the server accepted, appended the instant the
/// server says so and before the database records it. The database's `sent` mark needs a
/// commit that waits for the disk (and for the write lock), so a crash in that gap would send the
/// mail again after a restart; the journal closes the gap to one `write` call. A process crash
/// cannot lose that write (the kernel holds it); a power cut can, and then the mail is sent again
/// with the same Message-ID, as at-least-once allows. At start the journal's ids are marked sent
/// in the database, and the journal is emptied whenever every id in it is committed.
pub struct SentJournal {
    file: std::fs::File,
    entries: usize,
}

impl SentJournal {
    /// Opens (or creates) the journal and returns the ids it holds.
    pub fn open(path: &std::path::Path) -> anyhow::Result<(SentJournal, Vec<String>)> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let ids: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok((
            SentJournal {
                file,
                entries: ids.len(),
            },
            ids,
        ))
    }

    /// Appends an accepted mail's Message-ID. One small `write` on purpose, straight from the
    /// async task: handing it to another thread would widen the gap it exists to close.
    fn record(&mut self, message_id: &str) {
        use std::io::Write;
        match self.file.write_all(format!("{message_id}\n").as_bytes()) {
            Ok(()) => self.entries += 1,
            Err(e) => tracing::error!(error = %e, "writing the sent journal"),
        }
    }

    /// Empties the journal once every id in it is committed.
    fn clear(&mut self) {
        if self.entries > 0 {
            match self.file.set_len(0) {
                Ok(()) => self.entries = 0,
                Err(e) => tracing::error!(error = %e, "emptying the sent journal"),
            }
        }
    }
}

/// Delivers due mail until `shutdown`; wakes on `notify` or every few seconds. Mails that the
/// journal at `journal_path` shows were accepted before a crash are marked sent, not sent again;
/// then the mails this replica had claimed are released to whoever delivers next.
pub async fn run_outbox(
    store: Store,
    transport: Transport,
    from: String,
    journal_path: std::path::PathBuf,
    replica: crate::cluster::Replica,
    notify: Arc<Notify>,
    shutdown: tokio_util_shim::Shutdown,
) {
    let mut journal = match SentJournal::open(&journal_path) {
        Ok((mut journal, accepted)) => match recover_accepted(&store, &accepted).await {
            Ok(n) => {
                if n > 0 {
                    tracing::warn!(
                        mails = n,
                        "mails accepted before a crash marked sent, not sent again"
                    );
                }
                journal.clear();
                Some(journal)
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "recovering the sent journal");
                None
            }
        },
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "no sent journal: a crash may send a mail twice");
            None
        }
    };
    // Only now, with every mail the journal knows marked sent, release what this replica held
    // (without a journal its claims run out instead).
    if journal.is_some() {
        if let Err(e) = store.release_mail_claims(&replica.id).await {
            tracing::error!(error = %format!("{e:#}"), "releasing this replica's mail claims");
        }
    }
    loop {
        match deliver_due(&store, &transport, &from, &replica, journal.as_mut()).await {
            // Progress: look for more at once.
            Ok(Delivery {
                attempted,
                unreachable: false,
            }) if attempted > 0 => continue,
            Ok(_) => {
                // Nothing in flight: every journal entry is committed.
                if let Some(j) = journal.as_mut() {
                    j.clear();
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "outbox"),
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(StdDuration::from_secs(2)) => {}
            _ = shutdown.wait() => return,
        }
    }
}

/// Marks sent the journal's mails the database still has as unsent; returns how many.
async fn recover_accepted(store: &Store, accepted: &[String]) -> anyhow::Result<usize> {
    let mut marked = 0;
    for id in accepted {
        if let Some(mail) = store.unsent_mail(id).await? {
            store.mail_sent(&mail, &ts(Utc::now())).await?;
            marked += 1;
        }
    }
    Ok(marked)
}

/// What one pass over the due mail did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Mails handed to the transport.
    pub attempted: usize,
    /// The pass stopped because the mail server could not be reached.
    pub unreachable: bool,
}

/// Sends the mail that is due now, oldest first, after claiming it for `replica` (replicas
/// sharing the database each send different mails). When the server cannot be reached the pass
/// stops at that mail: the others keep their place and their attempts (an outage does not use up
/// a mail's tries), their claims are released, and the loop probes again with one mail every few
/// seconds. A mail is given up only after [`MAX_ATTEMPTS`] answers from a server that refused
/// it, or after [`MAX_AGE_HOURS`] of outage.
pub async fn deliver_due(
    store: &Store,
    transport: &Transport,
    from: &str,
    replica: &crate::cluster::Replica,
    mut journal: Option<&mut SentJournal>,
) -> anyhow::Result<Delivery> {
    let now = Utc::now();
    let due = store
        .claim_due_mail(&replica.id, &ts(now), &replica.until(now), 20)
        .await?;
    let mut attempted = 0;
    for mail in &due {
        // A slow server: stop while the claims are safely ours; the next pass renews them.
        if Utc::now() - now > replica.lease / 2 {
            break;
        }
        attempted += 1;
        let result = match build_message(from, mail) {
            Ok(message) => transport.send(message).await,
            Err(e) => Err(SendError::Permanent(format!("{e:#}"))),
        };
        let at = ts(Utc::now());
        match result {
            Ok(()) => {
                if let Some(j) = journal.as_deref_mut() {
                    j.record(&mail.message_id);
                }
                tracing::info!(mail = mail.id, incident = ?mail.incident_id, "alert mail delivered");
                store.mail_sent(mail, &at).await?;
            }
            Err(SendError::Unreachable(e)) => {
                let age = crate::store::parse_ts(&mail.created_at).map(|c| Utc::now() - c);
                if age.is_some_and(|a| a > Duration::hours(MAX_AGE_HOURS)) {
                    tracing::error!(mail = mail.id, error = %e, "mail server unreachable for too long; giving up");
                    store.mail_failed(mail, &at, &e, None).await?;
                    continue;
                }
                let next = ts(Utc::now() + Duration::seconds(OUTAGE_RETRY_SECONDS));
                tracing::warn!(mail = mail.id, error = %e, "mail server unreachable; waiting");
                store.mail_deferred(mail, &e, &next).await?;
                store.release_mail_claims(&replica.id).await?;
                return Ok(Delivery {
                    attempted,
                    unreachable: true,
                });
            }
            Err(SendError::Transient(e)) if mail.attempts + 1 < MAX_ATTEMPTS => {
                let next = ts(Utc::now() + backoff(mail.attempts));
                tracing::warn!(mail = mail.id, error = %e, retry_at = %next, "mail delivery failed; will retry");
                store.mail_failed(mail, &at, &e, Some(&next)).await?;
            }
            Err(SendError::Transient(e)) | Err(SendError::Permanent(e)) => {
                tracing::error!(mail = mail.id, error = %e, "mail delivery failed for good");
                store.mail_failed(mail, &at, &e, None).await?;
            }
        }
    }
    Ok(Delivery {
        attempted,
        unreachable: false,
    })
}

/// A tiny cancellation signal shared by background loops.
pub mod tokio_util_shim {
    use tokio::sync::watch;

    /// Resolves once shutdown has been requested.
    #[derive(Clone)]
    pub struct Shutdown(pub watch::Receiver<bool>);

    impl Shutdown {
        /// Waits for the signal.
        pub async fn wait(&self) {
            let mut rx = self.0.clone();
            while !*rx.borrow_and_update() {
                if rx.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Mails the next person for every unacknowledged incident whose wait is over, until shutdown.
pub async fn run_escalation(
    store: Store,
    settings: Arc<Settings>,
    mail: MailContext,
    mail_notify: Arc<Notify>,
    shutdown: tokio_util_shim::Shutdown,
) {
    loop {
        let queued = async {
            let a = escalate_due(&store, &settings, &mail).await?;
            let b = check_sla(&store, &settings, &mail).await?;
            anyhow::Ok(a + b)
        };
        match queued.await {
            Ok(n) if n > 0 => mail_notify.notify_one(),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "escalation or SLA check failed; will retry")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(StdDuration::from_millis(500)) => {}
            _ = shutdown.wait() => return,
        }
    }
}

/// Renders the mail that says an incident is spreading fast, in the incident's thread.
#[allow(clippy::too_many_arguments)]
pub fn spike_mail(
    incident_id: &str,
    title: &str,
    severity: crate::domain::Severity,
    per_hour: i64,
    previous: i64,
    recipient: &str,
    mail: &MailContext,
    now: DateTime<Utc>,
) -> anyhow::Result<NewMail> {
    let domain = mail_domain(&mail.base_url);
    let link = format!("{}/incidents/{incident_id}", mail.base_url.trim_end_matches('/'));
    let ack = mail.ack_link(incident_id, recipient, now);
    let text = format!(
        "Lonjakan: {per_hour} penyebutan baru dalam satu jam terakhir (jam sebelumnya {previous}).\n\
         Keparahan dinaikkan menjadi {}.\n\nBuka insiden: {link}\nAkui dengan satu klik: {ack}\n",
        severity.code().to_uppercase()
    );
    let html = format!(
        "<p>Lonjakan: {per_hour} penyebutan baru dalam satu jam terakhir (jam sebelumnya {previous}). \
         Keparahan dinaikkan menjadi {}.</p><p><a href=\"{}\">Buka insiden</a> · <a href=\"{}\">Akui</a></p>",
        severity.code().to_uppercase(),
        crate::text::escape_html(&link),
        crate::text::escape_html(&ack)
    );
    Ok(NewMail {
        incident_id: Some(incident_id.to_string()),
        kind: "spike".into(),
        recipient: recipient.to_string(),
        subject: format!(
            "Re: [Tanggap][{}] Lonjakan: {title}",
            severity.code().to_uppercase()
        ),
        body_text: text,
        body_html: html,
        message_id: format!("{incident_id}.spike.{}@{domain}", uuid::Uuid::now_v7().simple()),
        thread_root: Some(thread_id(incident_id, &domain)),
    })
}

/// Marks SLA breaches (once per clock) and mails the team lead in the incident's thread.
pub async fn check_sla(store: &Store, settings: &Settings, mail: &MailContext) -> anyhow::Result<usize> {
    let now = Utc::now();
    let at = ts(now);
    let mut queued = 0;
    for b in store.due_breaches(&at).await? {
        let mut tx = store.begin().await?;
        if !tx.mark_breach(&b.id, &b.clock, &at).await? {
            continue;
        }
        metrics::counter!(crate::telemetry::SLA_BREACHES, "clock" => b.clock.clone()).increment(1);
        let what = if b.clock == "ack" {
            "belum diakui"
        } else {
            "belum ada klarifikasi yang disetujui"
        };
        let detail = serde_json::json!({ "clock": b.clock, "due_at": b.due_at });
        tx.add_event(&b.id, &at, "system", "sla_breached", &detail.to_string())
            .await?;
        if let Some(team) = settings.team(&b.team) {
            let domain = mail_domain(&mail.base_url);
            let link = format!("{}/incidents/{}", mail.base_url.trim_end_matches('/'), b.id);
            let text = format!(
                "SLA terlewati: insiden [{}] {} {what} sampai batas {} WIB.\n\nBuka insiden: {link}\n",
                b.severity.to_uppercase(),
                b.title,
                wib(&b.due_at),
            );
            let html = format!(
                "<p>{}</p><p><a href=\"{}\">Buka insiden</a></p>",
                crate::text::escape_html(text.lines().next().unwrap_or_default()),
                crate::text::escape_html(&link)
            );
            let m = NewMail {
                incident_id: Some(b.id.clone()),
                kind: format!("sla_{}", b.clock),
                recipient: team.lead.clone(),
                subject: format!(
                    "Re: [Tanggap][{}] SLA terlewati: {}",
                    b.severity.to_uppercase(),
                    b.title
                ),
                body_text: text,
                body_html: html,
                message_id: format!(
                    "{}.sla-{}.{}@{domain}",
                    b.id,
                    b.clock,
                    uuid::Uuid::now_v7().simple()
                ),
                thread_root: Some(thread_id(&b.id, &domain)),
            };
            tx.enqueue_mail(&m, &at).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Escalates every due incident once; returns how many mails were queued.
pub async fn escalate_due(store: &Store, settings: &Settings, mail: &MailContext) -> anyhow::Result<usize> {
    let now = Utc::now();
    let at = ts(now);
    let mut queued = 0;
    for id in store.due_escalations(&at).await? {
        // Re-read inside the transaction: an acknowledgement that won the race stops us here.
        let mut tx = store.begin().await?;
        let Some(e) = tx.due_escalation(&id, &at).await? else {
            continue;
        };
        let chain: Vec<String> = serde_json::from_str(&e.escalation_chain).unwrap_or_default();
        let level = e.escalation_level + 1;
        let limit = chain.len() as i64 * settings.escalation.rounds.max(1);
        if chain.is_empty() || level >= limit {
            tx.set_escalation(&e.id, e.escalation_level, None).await?;
            tx.add_event(
                &e.id,
                &at,
                "system",
                "escalation_exhausted",
                &serde_json::json!({ "mails": level }).to_string(),
            )
            .await?;
        } else {
            let recipient = &chain[(level as usize) % chain.len()];
            let m = escalation_mail(&e, recipient, level, mail, now)?;
            tx.enqueue_mail(&m, &at).await?;
            let severity: crate::domain::Severity =
                e.severity.parse().unwrap_or(crate::domain::Severity::Low);
            let next = ts(now + settings.escalation.wait(severity));
            tx.set_escalation(&e.id, level, Some(&next)).await?;
            let detail = serde_json::json!({ "to": recipient, "level": level });
            tx.add_event(&e.id, &at, "system", "escalated", &detail.to_string())
                .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hostile_text_cannot_inject_mail_headers() {
        let mail = OutboxRow {
            id: 1,
            incident_id: Some("inc_1\r\nBcc: evil@example.com".into()),
            recipient: "piket@example.go.id".into(),
            subject: "Banjir\r\nBcc: evil@example.com\r\nX-Evil: 1".into(),
            body_text: "isi\r\n.\r\nMAIL FROM:<evil@example.com>".into(),
            body_html: "<p>isi</p>".into(),
            message_id: "m1@example.go.id".into(),
            attempts: 0,
            thread_root: None,
            created_at: "2026-12-01T00:00:00Z".into(),
        };
        let message = build_message("Tanggap <tanggap@localhost>", &mail).unwrap();
        let raw = String::from_utf8_lossy(&message.formatted()).to_string();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        for line in headers.lines() {
            assert!(
                !line.starts_with("Bcc:") && !line.starts_with("X-Evil:"),
                "injected header line {line:?} in\n{headers}"
            );
        }
        // (A lone "." line in a body is dot-stuffed by lettre's SMTP codec when it is sent.)
    }

    #[test]
    fn the_sent_journal_keeps_ids_across_a_restart_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox-sent.journal");
        let (mut j, ids) = SentJournal::open(&path).unwrap();
        assert!(ids.is_empty());
        j.record("a@x");
        j.record("b@x");
        drop(j); // as a killed process would: nothing flushed by hand
        let (mut j, ids) = SentJournal::open(&path).unwrap();
        assert_eq!(ids, ["a@x", "b@x"]);
        j.clear();
        j.record("c@x");
        let (_, ids) = SentJournal::open(&path).unwrap();
        assert_eq!(ids, ["c@x"], "appends after clearing start at the beginning");
    }

    #[test]
    fn rota_rotates_daily_and_weekly_in_wib() {
        let mut team = Team {
            id: "t".into(),
            name: "T".into(),
            timezone: "Asia/Jakarta".into(),
            rotation: Rotation::Daily,
            oncall: vec!["a@x.id".into(), "b@x.id".into()],
            lead: "l@x.id".into(),
            overrides: vec![],
        };
        // 16:59 UTC and 17:01 UTC are either side of midnight in WIB (UTC+7).
        let before = Utc.with_ymd_and_hms(2026, 11, 29, 16, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 29, 17, 1, 0).unwrap();
        assert_ne!(oncall_now(&team, before), oncall_now(&team, after));
        team.rotation = Rotation::Weekly;
        // 2026-11-29 is a Sunday: Sunday night and Monday morning WIB are different weeks.
        assert_ne!(oncall_now(&team, before), oncall_now(&team, after));
        let tuesday = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        assert_eq!(oncall_now(&team, after), oncall_now(&team, tuesday));
        // An override (local WIB times) wins while it lasts, and leads the escalation chain.
        team.overrides.push(crate::config::RotaOverride {
            from: "2026-12-01".into(),
            until: "2026-12-01T12:00".into(),
            person: "c@x.id".into(),
        });
        assert_eq!(oncall_now(&team, tuesday), "c@x.id"); // 10:00 WIB
        let chain = escalation_chain(&team, tuesday);
        assert_eq!(chain.first().map(String::as_str), Some("c@x.id"));
        assert_eq!(chain.last().map(String::as_str), Some("l@x.id"));
        let later = Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap(); // 13:00 WIB
        assert_ne!(oncall_now(&team, later), "c@x.id");
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0).num_seconds(), 5);
        assert_eq!(backoff(1).num_seconds(), 10);
        assert_eq!(backoff(20).num_seconds(), 600);
    }
}
