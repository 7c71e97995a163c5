//! Storage: the only module that speaks SQL. Callers use [`Store`] and [`StoreTx`] methods and
//! plain data types; a PostgreSQL back end is added by giving these two types a second variant
//! (its own `migrations/postgres` folder), without touching their callers.

mod dialect;
mod sql;

pub use dialect::Backend;
pub use sql::{Store, StoreTx};

use crate::domain::{IncidentStatus, Label, Severity};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// A 0/1 integer column read as a `bool`: SQLite has no boolean type, so flags are integers
/// on both back ends.
#[derive(Debug, Clone, Copy)]
pub struct IntFlag(i64);

impl sqlx::Type<sqlx::Any> for IntFlag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for IntFlag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(IntFlag(<i64 as sqlx::Decode<'r, sqlx::Any>>::decode(value)?))
    }
}

impl From<IntFlag> for bool {
    fn from(f: IntFlag) -> bool {
        f.0 != 0
    }
}

/// Formats a time the way every time column stores it (RFC 3339, UTC, milliseconds).
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a stored time.
pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored time shown the way people read it here: `dd-mm-yyyy HH:MM` in WIB (empty if unparsable).
pub fn wib(s: &str) -> String {
    parse_ts(s)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Jakarta)
                .format("%d-%m-%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A validated mention ready to be stored.
#[derive(Debug, Clone)]
pub struct NewMention {
    /// Public id derived from (source, external_id).
    pub id: String,
    /// Platform.
    pub source: String,
    /// The item's id at its source, or a content-derived one.
    pub external_id: String,
    /// Whether `external_id` was derived from the content.
    pub external_id_derived: bool,
    /// Link to the item.
    pub url: Option<String>,
    /// Author handle.
    pub author_handle: Option<String>,
    /// Author display name.
    pub author_name: Option<String>,
    /// Author followers.
    pub author_followers: Option<i64>,
    /// The text.
    pub text: String,
    /// Language code.
    pub lang: Option<String>,
    /// When the item was posted (RFC 3339, UTC).
    pub posted_at: Option<String>,
    /// Kabupaten/kota.
    pub region: Option<String>,
    /// Engagement counters.
    pub likes: Option<i64>,
    /// Shares.
    pub shares: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Views.
    pub views: Option<i64>,
    /// sha256 of the text.
    pub content_hash: String,
    /// The item exactly as received.
    pub raw: String,
    /// When we received it.
    pub captured_at: String,
}

/// Rows in a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupCounts {
    /// Mentions.
    pub mentions: i64,
    /// Incidents.
    pub incidents: i64,
    /// Approved clarifications.
    pub approved_clarifications: i64,
    /// Known claims.
    pub known_claims: i64,
    /// People who log in.
    pub users: i64,
}

/// A stored known claim.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct KnownClaim {
    /// Id (`kc_…`).
    pub id: String,
    /// The claim as it circulates.
    pub claim: String,
    /// The verdict code.
    pub verdict: String,
    /// What is actually true, in a sentence or two.
    pub summary: String,
    /// Link to the clarification.
    pub url: Option<String>,
    /// The incident it was debunked in.
    pub incident_id: Option<String>,
    /// clarification | api | import.
    pub origin: String,
    /// When registered.
    pub created_at: String,
    /// When disabled (its source withdrew the debunk): no longer matched.
    #[sqlx(default)]
    pub disabled_at: Option<String>,
    /// Mentions that matched it (suggested or linked).
    #[sqlx(default)]
    pub matches: i64,
}

/// A validated claim, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClaim {
    /// Claim text (10–2,000 characters).
    pub claim: String,
    /// A final verdict (not `belum_terverifikasi`).
    pub verdict: crate::domain::Verdict,
    /// Summary (1–4,000 characters).
    pub summary: String,
    /// http(s) link, at most 2,000 characters.
    pub url: Option<String>,
    /// Incident id, if any.
    pub incident_id: Option<String>,
}

/// What happened to one mention on insert.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct InsertOutcome {
    /// The mention's id.
    pub id: String,
    /// `created` or `duplicate`.
    pub status: &'static str,
    /// The incident it belongs to, when known.
    pub incident_id: Option<String>,
}

/// A stored mention as the API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MentionRow {
    /// Arrival order.
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// Platform.
    pub source: String,
    /// Id at the source.
    pub external_id: String,
    /// Link.
    pub url: Option<String>,
    /// Author handle.
    pub author_handle: Option<String>,
    /// Author name.
    pub author_name: Option<String>,
    /// Followers.
    pub author_followers: Option<i64>,
    /// Text.
    pub text: String,
    /// Language.
    pub lang: Option<String>,
    /// Posted time.
    pub posted_at: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Likes.
    pub likes: Option<i64>,
    /// Shares.
    pub shares: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Views.
    pub views: Option<i64>,
    /// sha256 of the text.
    pub content_hash: String,
    /// Raw payload.
    pub raw: String,
    /// Capture time.
    pub captured_at: String,
    /// When classified.
    pub classified_at: Option<String>,
    /// Scores JSON.
    pub scores: Option<String>,
    /// Labels JSON.
    pub labels: Option<String>,
    /// Explanation JSON.
    pub explanation: Option<String>,
    /// Model version.
    pub model_version: Option<String>,
    /// Incident.
    pub incident_id: Option<String>,
    /// Review tray: `pending`, `confirmed` or `dismissed`.
    pub review_state: Option<String>,
    /// Review tray: the uncertain alarm labels (JSON).
    pub review_labels: Option<String>,
}

/// A mention waiting for the classifier.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingMention {
    /// Arrival order.
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// Platform.
    pub source: String,
    /// Link to the item.
    pub url: Option<String>,
    /// Text.
    pub text: String,
    /// Region.
    pub region: Option<String>,
    /// Posted time.
    pub posted_at: Option<String>,
    /// Capture time.
    pub captured_at: String,
    /// Followers.
    pub author_followers: Option<i64>,
    /// Engagement total (likes + shares + comments).
    pub engagement: i64,
    /// sha256 of the text.
    pub content_hash: String,
    /// Labels a responder confirmed from the review tray (JSON), which the classifier adds.
    pub confirmed_labels: Option<String>,
}

/// What the index needs of a mention.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexRow {
    /// Arrival order.
    pub seq: i64,
    /// Change counter: bumped (by trigger) on arrival, classification and incident moves.
    pub rev: i64,
    /// Public id.
    pub id: String,
    /// Platform.
    pub source: String,
    /// Text.
    pub text: String,
    /// Region.
    pub region: Option<String>,
    /// Author handle.
    pub author_handle: Option<String>,
    /// Capture time.
    pub captured_at: String,
    /// When the author posted it, if known.
    pub posted_at: Option<String>,
    /// Flagged labels JSON, once classified.
    pub labels: Option<String>,
    /// Its incident, if any.
    pub incident_id: Option<String>,
}

/// The classifier's result for one mention.
#[derive(Debug, Clone)]
pub struct ClassificationRecord {
    /// Mention id.
    pub mention_id: String,
    /// Scores JSON.
    pub scores: String,
    /// Labels JSON.
    pub labels: String,
    /// Explanation JSON.
    pub explanation: String,
    /// Model version.
    pub model_version: String,
    /// Embedding bytes.
    pub embedding: Vec<u8>,
    /// Incident the mention joins.
    pub incident_id: Option<String>,
    /// Matched known claim and what the match did (`suggest` | `auto_link`).
    pub known_claim: Option<(String, &'static str)>,
    /// Uncertain alarm labels (JSON) when the mention goes to the review tray.
    pub review_labels: Option<String>,
    /// The mention's cluster key (see [`crate::text::cluster_key`]).
    pub cluster_key: String,
    /// The replica that classified it.
    pub classified_by: String,
}

/// A mention waiting in the review tray.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ReviewItem {
    /// Mention id.
    pub id: String,
    /// Platform.
    pub source: String,
    /// Link to the item.
    pub url: Option<String>,
    /// Text.
    pub text: String,
    /// Region.
    pub region: Option<String>,
    /// Capture time.
    pub captured_at: String,
    /// Uncertain alarm labels (JSON).
    pub review_labels: String,
    /// Scores (JSON).
    pub scores: Option<String>,
    /// Topic labels flagged (JSON).
    pub labels: Option<String>,
}

/// An incident row.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct IncidentRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Where it is in the lifecycle.
    #[sqlx(try_from = "String")]
    pub status: IncidentStatus,
    /// How urgent it is.
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    /// The label that leads it.
    #[sqlx(try_from = "String")]
    pub top_label: Label,
    /// Labels JSON.
    pub labels: String,
    /// Max scores JSON.
    pub max_scores: String,
    /// Team id.
    pub team: String,
    /// Region.
    pub region: Option<String>,
    /// Source of the first mention.
    pub source: String,
    /// Attached playbook.
    pub playbook_id: Option<String>,
    /// Its version.
    pub playbook_version: Option<i64>,
    /// First mention's text.
    pub sample_text: String,
    /// Number of mentions.
    pub mention_count: i64,
    /// Earliest sighting.
    pub first_seen_at: String,
    /// Opened.
    pub opened_at: String,
    /// Latest mention.
    pub last_mention_at: String,
    /// Acknowledge-by time.
    pub ack_due_at: String,
    /// Acknowledged.
    pub acknowledged_at: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// First approved clarification due.
    pub clarify_due_at: Option<String>,
    /// When the acknowledgement SLA was breached.
    pub ack_breached_at: Option<String>,
    /// When the clarification SLA was breached.
    pub clarify_breached_at: Option<String>,
    /// First approved clarification.
    pub first_clarified_at: Option<String>,
    /// The responder's verdict.
    pub verdict: Option<String>,
    /// Who works it.
    pub assignee: Option<String>,
}

/// An open incident that a new mention might join.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentCandidate {
    /// Id.
    pub id: String,
    /// First mention's text.
    pub sample_text: String,
    /// First mention's embedding.
    pub centroid: Option<Vec<u8>>,
    /// Labels JSON.
    pub labels: String,
    /// Max scores JSON.
    pub max_scores: String,
    /// Severity code.
    pub severity: String,
    /// Earliest sighting.
    pub first_seen_at: String,
    /// Status code.
    pub status: String,
    /// The incident it was merged into, if it was.
    pub merged_into: Option<String>,
}

impl IncidentCandidate {
    /// Whether it still takes mentions itself (not resolved, dismissed or merged).
    pub fn is_open(&self) -> bool {
        !matches!(self.status.as_str(), "resolved" | "dismissed")
    }
}

/// One timeline entry.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EventRow {
    /// When.
    pub at: String,
    /// Who (a user, a token name, or `system`).
    pub actor: String,
    /// What kind.
    pub kind: String,
    /// JSON detail.
    pub detail: String,
}

/// A mail to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// Incident.
    pub incident_id: Option<String>,
    /// Recipient address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub body_text: String,
    /// HTML body.
    pub body_html: String,
    /// Our Message-ID (without angle brackets).
    pub message_id: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The thread root it replies to.
    pub thread_root: Option<String>,
    /// When it was queued.
    pub created_at: String,
}

/// A mail to enqueue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// Incident.
    pub incident_id: Option<String>,
    /// Kind (`incident_opened`, …).
    pub kind: String,
    /// Recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub body_text: String,
    /// HTML body.
    pub body_html: String,
    /// Message-ID.
    pub message_id: String,
    /// Message-ID this mail replies to (the incident's thread root).
    pub thread_root: Option<String>,
}

/// A new incident.
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Top label.
    pub top_label: String,
    /// Labels JSON.
    pub labels: String,
    /// Max scores JSON.
    pub max_scores: String,
    /// Team.
    pub team: String,
    /// Region.
    pub region: Option<String>,
    /// Source.
    pub source: String,
    /// Playbook.
    pub playbook_id: Option<String>,
    /// Playbook version.
    pub playbook_version: Option<i64>,
    /// First text.
    pub sample_text: String,
    /// First embedding.
    pub centroid: Vec<u8>,
    /// First sighting.
    pub first_seen_at: String,
    /// Opened.
    pub opened_at: String,
    /// Ack due.
    pub ack_due_at: String,
    /// First approved clarification due.
    pub clarify_due_at: String,
    /// Escalation chain JSON (recipients in order).
    pub escalation_chain: String,
    /// When to escalate if still unacknowledged.
    pub next_escalation_at: Option<String>,
    /// The cluster it stands for; at most one open incident per key.
    pub cluster_key: String,
    /// Mentions it starts with (the opening mention is counted at insert).
    pub mention_count: i64,
}

/// An unacknowledged incident whose escalation is due.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EscalationRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Team.
    pub team: String,
    /// Chain JSON.
    pub escalation_chain: String,
    /// Last level mailed.
    pub escalation_level: i64,
    /// Ack due.
    pub ack_due_at: String,
}

/// Filters of the incident list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Status codes; empty means open ones.
    pub statuses: Vec<String>,
    /// Any of these labels.
    pub label: Option<String>,
    /// Team id.
    pub team: Option<String>,
    /// Severity code.
    pub severity: Option<String>,
    /// Assignee (exact).
    pub assignee: Option<String>,
    /// Region (exact, any case).
    pub region: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Page offset.
    pub offset: i64,
}

/// A row of the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the chain (1, 2, …).
    pub seq: i64,
    /// When the change was made.
    pub at: String,
    /// The table changed.
    pub tbl: String,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// The changed row's key.
    pub row_key: String,
    /// The audited columns, JSON.
    pub data: String,
    /// The chain hash (`None` until sealed).
    pub hash: Option<String>,
}

/// Recent failed logins, counted three ways (see `Store::login_failures_since`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// For this username from this address.
    pub pair: i64,
    /// From this address, any username.
    pub address: i64,
    /// For this username, any address.
    pub account: i64,
}

/// An API token's stored form.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TokenRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// The user the token acts for (`None`: a machine's token).
    pub owner: Option<String>,
    /// Created.
    pub created_at: String,
    /// Revoked.
    pub revoked_at: Option<String>,
}

/// Counts for `/metrics` and the queue page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// All mentions.
    pub mentions: i64,
    /// Mentions waiting for the classifier.
    pub unclassified: i64,
    /// Open incidents.
    pub open_incidents: i64,
    /// All incidents.
    pub incidents: i64,
    /// Mails waiting.
    pub outbox_pending: i64,
    /// Mails sent.
    pub outbox_sent: i64,
    /// Mails given up on.
    pub outbox_failed: i64,
    /// When the oldest waiting mail was queued.
    pub outbox_oldest_at: Option<String>,
    /// The last error of a waiting mail (the server's answer or why it could not be reached).
    pub outbox_last_error: Option<String>,
    /// Open incidents with a breached SLA clock.
    pub breached_open: i64,
    /// Mentions waiting in the review tray.
    pub review_pending: i64,
}

impl Counts {
    /// Seconds the oldest waiting mail has waited (0 when none waits).
    pub fn outbox_oldest_seconds(&self, now: DateTime<Utc>) -> i64 {
        self.outbox_oldest_at
            .as_deref()
            .and_then(parse_ts)
            .map(|t| (now - t).num_seconds().max(0))
            .unwrap_or(0)
    }
}

/// A clarification row.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ClarificationRow {
    /// Id.
    pub id: String,
    /// Incident.
    pub incident_id: String,
    /// Playbook the template came from.
    pub playbook_id: String,
    /// Its version.
    pub playbook_version: i64,
    /// Channel.
    pub channel: String,
    /// Language.
    pub lang: String,
    /// Verdict code.
    pub verdict: Option<String>,
    /// Status code.
    pub status: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Variables JSON.
    pub variables: String,
    /// Who drafted it.
    pub author: String,
    /// Edit counter.
    pub revision: i64,
    /// Admin's comment when returned.
    pub return_comment: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Submitted.
    pub submitted_at: Option<String>,
    /// Approver.
    pub approved_by: Option<String>,
    /// Approved.
    pub approved_at: Option<String>,
}

/// Filters of the clarification list.
#[derive(Debug, Clone, Default)]
pub struct ClarificationFilter {
    /// Status code.
    pub status: Option<String>,
    /// Channel.
    pub channel: Option<String>,
    /// Verdict code.
    pub verdict: Option<String>,
    /// Incident.
    pub incident_id: Option<String>,
    /// Words that must all appear in title or body (case-insensitive).
    pub q: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// One copy of an approved reply.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct CopyRow {
    /// Who.
    pub actor: String,
    /// Which channel.
    pub channel: String,
    /// When.
    pub at: String,
}

/// One audit entry of a clarification.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ClarificationEventRow {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// Text revision it applied to.
    pub revision: i64,
    /// JSON detail.
    pub detail: String,
}

/// A checklist mark.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ChecklistMark {
    /// Playbook.
    pub playbook_id: String,
    /// Step number (1-based).
    pub step: i64,
    /// Who.
    pub done_by: String,
    /// When.
    pub done_at: String,
}

/// A person who logs in.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// argon2id hash.
    #[serde(skip)]
    pub password_hash: String,
    /// Created.
    pub created_at: String,
    /// Disabled.
    pub disabled_at: Option<String>,
}

/// A live session with its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// CSRF token of the session.
    pub csrf_token: String,
}

/// An incident whose SLA clock just ran out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BreachRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Team.
    pub team: String,
    /// `ack` or `clarify`.
    pub clock: String,
    /// The due time that passed.
    pub due_at: String,
}

/// One incident's clocks, for the dashboard.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentClocks {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity code.
    pub severity: String,
    /// Status code.
    pub status: String,
    /// First sighting of its first mention.
    pub first_seen_at: String,
    /// Opened.
    pub opened_at: String,
    /// Acknowledged.
    pub acknowledged_at: Option<String>,
    /// First approved clarification.
    pub first_clarified_at: Option<String>,
}

/// A feed's poller state and health (`feed_state`).
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct FeedState {
    /// Feed name.
    pub name: String,
    /// Its address.
    pub url: String,
    /// `mentions` or `debunks`.
    pub kind: String,
    /// Validator for `If-None-Match`.
    #[serde(skip)]
    pub etag: Option<String>,
    /// Validator for `If-Modified-Since`.
    #[serde(skip)]
    pub last_modified: Option<String>,
    /// Last poll, good or bad.
    pub last_polled_at: Option<String>,
    /// Last good poll.
    pub last_success_at: Option<String>,
    /// `new_items`, `unchanged`, `not_modified` or `error`.
    pub last_status: Option<String>,
    /// Last error, in words.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<String>,
    /// Errors since the last good poll.
    pub consecutive_failures: i64,
    /// Items in the last good response.
    pub items_in_feed: i64,
    /// Mentions or known claims created from it, all time.
    pub items_added: i64,
    /// Items that could not be used, all time.
    pub items_skipped: i64,
    /// When it is polled next.
    pub next_poll_at: Option<String>,
    /// Region copied to its mentions.
    pub region: Option<String>,
    /// Polling interval.
    pub every_secs: i64,
    /// Whether it is polled (admins can disable any feed).
    #[sqlx(try_from = "IntFlag")]
    pub enabled: bool,
    /// `config` (the TOML file) or `admin` (added in the UI).
    pub origin: String,
    /// Who added it (admin feeds).
    pub created_by: Option<String>,
}

/// The outcome of a good poll, for [`Store::feed_polled`].
#[derive(Debug, Clone)]
pub struct FeedPoll<'a> {
    /// New `ETag`, if the server sent one.
    pub etag: Option<&'a str>,
    /// New `Last-Modified`, if the server sent one.
    pub last_modified: Option<&'a str>,
    /// When.
    pub at: &'a str,
    /// `new_items`, `unchanged` or `not_modified`.
    pub status: &'a str,
    /// Items in the response (`None` for 304).
    pub items_in_feed: Option<i64>,
    /// Created.
    pub added: i64,
    /// Unusable.
    pub skipped: i64,
    /// Next poll.
    pub next_poll_at: &'a str,
}
