//! What the JSON API answers: one typed struct per response, built from the stored rows. The
//! OpenAPI document (`/api/v1/openapi.json`, [`super::openapi`]) is generated from these types,
//! so what the document promises is what the handlers serialise.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::clarifications::{self as cl, Checks};
use crate::domain::{IncidentStatus, Label, Role, Severity};
use crate::store::{
    ClarificationEventRow, ClarificationRow, CopyRow, EventRow, IncidentRow, MentionRow, UserRow,
};

/// Parses a stored JSON column, `Null` when it is absent or unreadable.
fn json_or_null(s: Option<&str>) -> Value {
    s.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Parses a stored label list, empty when it is absent or unreadable.
fn labels_of(s: Option<&str>) -> Vec<Label> {
    s.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
}

/// Seconds from one stored time to another, when both are known.
fn secs(from: Option<&str>, to: Option<&str>) -> Option<i64> {
    let (a, b) = (crate::store::parse_ts(from?)?, crate::store::parse_ts(to?)?);
    Some((b - a).num_seconds().max(0))
}

/// The author of a post, as the platform gave it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    /// Handle on the platform.
    pub handle: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Followers when captured.
    pub followers: Option<i64>,
}

/// Engagement counts when captured.
#[derive(Debug, Serialize, ToSchema)]
pub struct Engagement {
    /// Likes.
    pub likes: Option<i64>,
    /// Shares or reposts.
    pub shares: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Views.
    pub views: Option<i64>,
}

/// Labels split by kind. Alarm labels (hoax, sara, hate_speech, scam) open incidents and page
/// people; topic labels describe and route.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelKinds {
    /// Labels that open incidents.
    pub alarm: Vec<Label>,
    /// Labels that describe the topic.
    pub topic: Vec<Label>,
}

impl LabelKinds {
    /// Splits a label list by kind.
    pub fn of(labels: &[Label]) -> LabelKinds {
        let (alarm, topic) = labels.iter().partition(|l| l.is_alarm());
        LabelKinds { alarm, topic }
    }
}

/// Where a mention stands in the review tray.
#[derive(Debug, Serialize, ToSchema)]
pub struct MentionReview {
    /// `pending`, `confirmed` or `rejected`; absent when the mention never needed review.
    pub state: Option<String>,
    /// The uncertain alarm labels that put it in the tray.
    pub labels: Option<Vec<Label>>,
}

/// A stored mention.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mention {
    /// Tanggap's id (`men_…`).
    pub id: String,
    /// Platform, lowercase (`twitter`, `news`, `whatsapp`, …).
    pub source: String,
    /// The platform's id of the post.
    pub external_id: String,
    /// Link to the post.
    pub url: Option<String>,
    /// Who posted it.
    pub author: Author,
    /// The text, as received.
    pub text: String,
    /// Language code, when given.
    pub lang: Option<String>,
    /// When it was posted (RFC 3339).
    pub posted_at: Option<String>,
    /// Region (regency or city).
    pub region: Option<String>,
    /// Engagement when captured.
    pub engagement: Engagement,
    /// sha256 of the normalised text (copies of a chain message share it).
    pub content_hash: String,
    /// When Tanggap stored it (RFC 3339).
    pub captured_at: String,
    /// When the classifier scored it; absent while it waits.
    pub classified_at: Option<String>,
    /// Score per label, 0–1; absent while it waits.
    pub scores: Value,
    /// Labels over their thresholds.
    pub labels: Vec<Label>,
    /// The labels split by kind.
    pub label_kinds: LabelKinds,
    /// Review tray state.
    pub review: MentionReview,
    /// Why the classifier chose its labels (the words and known claims that weighed most).
    pub explanation: Value,
    /// The model that scored it.
    pub model_version: Option<String>,
    /// The incident it belongs to.
    pub incident_id: Option<String>,
    /// The item as it was sent.
    pub raw: Value,
}

impl From<&MentionRow> for Mention {
    fn from(m: &MentionRow) -> Self {
        let labels = labels_of(m.labels.as_deref());
        Mention {
            id: m.id.clone(),
            source: m.source.clone(),
            external_id: m.external_id.clone(),
            url: m.url.clone(),
            author: Author {
                handle: m.author_handle.clone(),
                name: m.author_name.clone(),
                followers: m.author_followers,
            },
            text: m.text.clone(),
            lang: m.lang.clone(),
            posted_at: m.posted_at.clone(),
            region: m.region.clone(),
            engagement: Engagement {
                likes: m.likes,
                shares: m.shares,
                comments: m.comments,
                views: m.views,
            },
            content_hash: m.content_hash.clone(),
            captured_at: m.captured_at.clone(),
            classified_at: m.classified_at.clone(),
            scores: json_or_null(m.scores.as_deref()),
            label_kinds: LabelKinds::of(&labels),
            labels,
            review: MentionReview {
                state: m.review_state.clone(),
                labels: m
                    .review_labels
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok()),
            },
            explanation: json_or_null(m.explanation.as_deref()),
            model_version: m.model_version.clone(),
            incident_id: m.incident_id.clone(),
            raw: json_or_null(Some(&m.raw)),
        }
    }
}

/// The answer to an intake batch: 201 when something new was stored, 200 when all were
/// duplicates.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResult {
    /// Items stored now.
    pub accepted: usize,
    /// Items already stored.
    pub duplicates: usize,
    /// One entry per item, in the order sent.
    pub items: Vec<crate::store::InsertOutcome>,
}

/// One search hit, joined with its stored mention.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// Mention id.
    pub id: String,
    /// Relevance score (BM25).
    pub score: f32,
    /// The text with the matched words between `<mark>` and `</mark>`; everything else is escaped.
    pub snippet: String,
    /// Platform.
    pub source: String,
    /// Region.
    pub region: Option<String>,
    /// Link to the post.
    pub url: Option<String>,
    /// Author handle.
    pub author: Option<String>,
    /// When stored.
    pub captured_at: String,
    /// When posted.
    pub posted_at: Option<String>,
    /// Labels.
    pub labels: Vec<Label>,
    /// Incident.
    pub incident_id: Option<String>,
}

/// How many hits carry one value of a facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Hits with it.
    pub count: u64,
}

/// Counts over all hits of a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    /// By label.
    pub label: Vec<FacetCount>,
    /// By platform.
    pub source: Vec<FacetCount>,
    /// By region.
    pub region: Vec<FacetCount>,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as given.
    pub query: String,
    /// Hits in all.
    pub total: usize,
    /// Page size.
    pub limit: usize,
    /// Hits skipped.
    pub offset: usize,
    /// Time spent in the index, milliseconds.
    pub took_ms: f64,
    /// This page.
    pub hits: Vec<SearchHit>,
    /// Counts by label, platform and region (absent with `facets=false`).
    pub facets: Option<Facets>,
}

/// An incident's playbook: its id and version; on one incident's detail also its text.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPlaybook {
    /// Playbook id.
    pub id: String,
    /// Version in use.
    pub version: Option<i64>,
    /// Title (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When to use it (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Who to call (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<crate::playbooks::Contact>>,
    /// Clarification templates (detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templates: Option<Vec<crate::playbooks::Template>>,
}

/// Service-level clocks of an incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sla {
    /// Acknowledge by.
    pub ack_due_at: String,
    /// When the acknowledge clock ran out, if it did.
    pub ack_breached_at: Option<String>,
    /// First approved clarification by.
    pub clarify_due_at: Option<String>,
    /// When the clarification clock ran out, if it did.
    pub clarify_breached_at: Option<String>,
}

/// How long each step took, in seconds; absent until it happened.
#[derive(Debug, Serialize, ToSchema)]
pub struct Durations {
    /// From the first mention to the incident opening.
    pub to_detect: Option<i64>,
    /// From opening to acknowledgement.
    pub to_acknowledge: Option<i64>,
    /// From opening to the first approved clarification.
    pub to_first_clarification: Option<i64>,
}

/// An incident (without its mentions).
#[derive(Debug, Serialize, ToSchema)]
pub struct Incident {
    /// Id (`inc_…`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Lifecycle state.
    #[schema(value_type = IncidentStatus)]
    pub status: String,
    /// Severity.
    #[schema(value_type = Severity)]
    pub severity: String,
    /// The label that opened it.
    #[schema(value_type = Label)]
    pub top_label: String,
    /// Every label its mentions carry.
    pub labels: Vec<Label>,
    /// The labels split by kind.
    pub label_kinds: LabelKinds,
    /// Highest score per label.
    pub max_scores: Value,
    /// Team it is routed to.
    pub team: String,
    /// Region.
    pub region: Option<String>,
    /// Platform of the first mention.
    pub source: String,
    /// SOP playbook in use.
    pub playbook: Option<IncidentPlaybook>,
    /// Mentions in it.
    pub mention_count: i64,
    /// First mention's capture time.
    pub first_seen_at: String,
    /// Opened.
    pub opened_at: String,
    /// Latest mention.
    pub last_mention_at: String,
    /// Acknowledge by.
    pub ack_due_at: String,
    /// Acknowledged.
    pub acknowledged_at: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// Service-level clocks.
    pub sla: Sla,
    /// First approved clarification.
    pub first_clarified_at: Option<String>,
    /// The team's verdict on the claim.
    pub verdict: Option<String>,
    /// Who works on it.
    pub assignee: Option<String>,
    /// Time to detect, acknowledge and clarify.
    pub durations_seconds: Durations,
}

impl From<&IncidentRow> for Incident {
    fn from(i: &IncidentRow) -> Self {
        let labels = labels_of(Some(&i.labels));
        Incident {
            id: i.id.clone(),
            title: i.title.clone(),
            status: i.status.code().into(),
            severity: i.severity.code().into(),
            top_label: i.top_label.code().into(),
            label_kinds: LabelKinds::of(&labels),
            labels,
            max_scores: json_or_null(Some(&i.max_scores)),
            team: i.team.clone(),
            region: i.region.clone(),
            source: i.source.clone(),
            playbook: i.playbook_id.as_ref().map(|p| IncidentPlaybook {
                id: p.clone(),
                version: i.playbook_version,
                title: None,
                summary: None,
                contacts: None,
                templates: None,
            }),
            mention_count: i.mention_count,
            first_seen_at: i.first_seen_at.clone(),
            opened_at: i.opened_at.clone(),
            last_mention_at: i.last_mention_at.clone(),
            ack_due_at: i.ack_due_at.clone(),
            acknowledged_at: i.acknowledged_at.clone(),
            updated_at: i.updated_at.clone(),
            sla: Sla {
                ack_due_at: i.ack_due_at.clone(),
                ack_breached_at: i.ack_breached_at.clone(),
                clarify_due_at: i.clarify_due_at.clone(),
                clarify_breached_at: i.clarify_breached_at.clone(),
            },
            first_clarified_at: i.first_clarified_at.clone(),
            verdict: i.verdict.clone(),
            assignee: i.assignee.clone(),
            durations_seconds: Durations {
                to_detect: secs(Some(&i.first_seen_at), Some(&i.opened_at)),
                to_acknowledge: secs(Some(&i.opened_at), i.acknowledged_at.as_deref()),
                to_first_clarification: secs(Some(&i.opened_at), i.first_clarified_at.as_deref()),
            },
        }
    }
}

/// A page of incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    /// Newest first.
    pub incidents: Vec<Incident>,
}

/// Mention velocity before and after the first approved clarification.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClarificationEffect {
    /// First approved clarification.
    pub clarified_at: Option<String>,
    /// Hours compared on each side.
    pub window_hours: i64,
    /// Mentions per hour before.
    pub before_per_hour: f64,
    /// Mentions per hour after.
    pub after_per_hour: f64,
    /// Hours observed after (less than the window while it is recent).
    pub after_hours_observed: f64,
}

/// A fact-check that the incident's mentions matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactCheck {
    /// Known claim id.
    pub id: String,
    /// The claim.
    pub claim: String,
    /// Its verdict.
    pub verdict: String,
    /// The facts.
    pub summary: String,
    /// Link to the debunk.
    pub url: Option<String>,
    /// Who published it.
    pub source: String,
    /// Mentions of this incident that matched it.
    pub matched_mentions: i64,
}

/// One step of the incident's SOP checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistStep {
    /// Step number, from 1.
    pub step: usize,
    /// What to do.
    pub text: String,
    /// Role that owns it.
    pub owner: String,
    /// Minutes from opening by which it should be done.
    pub target_minutes: i64,
    /// Whether it is done.
    pub done: bool,
    /// Who marked it done.
    pub done_by: Option<String>,
    /// When.
    pub done_at: Option<String>,
}

/// One entry of an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// When.
    pub at: String,
    /// Who (a username, `token:NAME`, or `system`).
    pub actor: String,
    /// What happened (`opened`, `status_changed`, `merged_into`, …).
    pub kind: String,
    /// Its details.
    pub detail: Value,
}

impl From<&EventRow> for TimelineEvent {
    fn from(e: &EventRow) -> Self {
        TimelineEvent {
            at: e.at.clone(),
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            detail: json_or_null(Some(&e.detail)),
        }
    }
}

/// One incident with its mentions, fact-checks, playbook, checklist, timeline and
/// clarifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    /// The incident.
    #[serde(flatten)]
    pub incident: Incident,
    /// Velocity before and after the first approved clarification, once there is one.
    pub clarification_effect: Option<ClarificationEffect>,
    /// Fact-checks its mentions matched, to cite.
    pub fact_checks: Vec<FactCheck>,
    /// Its latest 50 mentions.
    pub mentions: Vec<Mention>,
    /// SOP checklist of its playbook.
    pub checklist: Vec<ChecklistStep>,
    /// Everything that happened, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// Its clarifications.
    pub clarifications: Vec<Clarification>,
}

/// A clarification's playbook and version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookRef {
    /// Playbook id.
    pub id: String,
    /// Version.
    pub version: i64,
}

/// A clarification: a reply to the public, drafted from a template, approved by an admin who
/// wrote none of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Clarification {
    /// Id (`cla_…`).
    pub id: String,
    /// Its incident.
    pub incident_id: String,
    /// The template's playbook.
    pub playbook: PlaybookRef,
    /// Channel (`twitter`, `website`, `whatsapp`, …).
    pub channel: String,
    /// Language.
    pub lang: String,
    /// Verdict.
    pub verdict: Option<String>,
    /// `draft`, `submitted`, `returned` or `approved`.
    #[schema(value_type = crate::clarifications::Status)]
    pub status: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Title and body as published.
    pub text: String,
    /// Values filled into the template.
    pub variables: Value,
    /// What stops it from being submitted.
    pub checks: Checks,
    /// Who drafted it.
    pub author: String,
    /// Edits so far.
    pub revision: i64,
    /// Why it was returned.
    pub return_comment: Option<String>,
    /// Drafted.
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

impl From<&ClarificationRow> for Clarification {
    fn from(c: &ClarificationRow) -> Self {
        Clarification {
            id: c.id.clone(),
            incident_id: c.incident_id.clone(),
            playbook: PlaybookRef {
                id: c.playbook_id.clone(),
                version: c.playbook_version,
            },
            channel: c.channel.clone(),
            lang: c.lang.clone(),
            verdict: c.verdict.clone(),
            status: c.status.clone(),
            title: c.title.clone(),
            body: c.body.clone(),
            text: cl::full_text(&c.title, &c.body),
            variables: json_or_null(Some(&c.variables)),
            checks: cl::check(&c.channel, &c.title, &c.body),
            author: c.author.clone(),
            revision: c.revision,
            return_comment: c.return_comment.clone(),
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
            submitted_at: c.submitted_at.clone(),
            approved_by: c.approved_by.clone(),
            approved_at: c.approved_at.clone(),
        }
    }
}

/// A page of clarifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClarificationList {
    /// Newest first.
    pub clarifications: Vec<Clarification>,
}

/// One entry of a clarification's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClarificationEvent {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// `drafted`, `edited`, `submitted`, `returned`, `approved`, `copied`.
    pub kind: String,
    /// Revision after it.
    pub revision: i64,
    /// Its details.
    pub detail: Value,
}

impl From<&ClarificationEventRow> for ClarificationEvent {
    fn from(e: &ClarificationEventRow) -> Self {
        ClarificationEvent {
            at: e.at.clone(),
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            revision: e.revision,
            detail: json_or_null(Some(&e.detail)),
        }
    }
}

/// A clarification with its history and who copied it where.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClarificationDetail {
    /// The clarification.
    #[serde(flatten)]
    pub clarification: Clarification,
    /// Its history, oldest first.
    pub audit: Vec<ClarificationEvent>,
    /// Copies made by agency admins.
    pub copies: Vec<CopyRow>,
}

/// A copy of an approved clarification, logged.
#[derive(Debug, Serialize, ToSchema)]
pub struct Copied {
    /// The clarification.
    pub id: String,
    /// Where it is going.
    pub channel: String,
    /// The text to paste.
    pub text: String,
    /// When.
    pub copied_at: String,
}

/// The playbook now in use on an incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookSwitched {
    /// The incident.
    pub incident_id: String,
    /// Its playbook now.
    pub playbook: PlaybookRef,
}

/// Checklist progress after a mark.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistProgress {
    /// The incident.
    pub incident_id: String,
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// A playbook in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookSummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: i64,
    /// Labels it applies to.
    pub labels: Vec<Label>,
    /// Severities it applies to.
    pub severities: Vec<Severity>,
    /// When to use it.
    pub summary: String,
    /// Number of SOP steps.
    pub steps: usize,
    /// Its templates as `channel/lang`.
    pub templates: Vec<String>,
}

/// Every loaded playbook.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookList {
    /// By id.
    pub playbooks: Vec<PlaybookSummary>,
}

/// A known (debunked) claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct KnownClaim {
    /// Id.
    pub id: String,
    /// The claim.
    pub claim: String,
    /// Verdict.
    pub verdict: String,
    /// The facts.
    pub summary: String,
    /// Link to the debunk.
    pub url: Option<String>,
    /// Incident it came from.
    pub incident_id: Option<String>,
    /// `api`, `import`, `clarification` or `feed:NAME`.
    pub origin: String,
    /// Registered.
    pub created_at: String,
    /// Mentions that matched it.
    pub matched_mentions: i64,
    /// When matching was switched off, if it was.
    pub disabled_at: Option<String>,
}

impl From<&crate::claims::KnownClaim> for KnownClaim {
    fn from(c: &crate::claims::KnownClaim) -> Self {
        KnownClaim {
            id: c.id.clone(),
            claim: c.claim.clone(),
            verdict: c.verdict.clone(),
            summary: c.summary.clone(),
            url: c.url.clone(),
            incident_id: c.incident_id.clone(),
            origin: c.origin.clone(),
            created_at: c.created_at.clone(),
            matched_mentions: c.matches,
            disabled_at: c.disabled_at.clone(),
        }
    }
}

/// A page of the claim registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct KnownClaimList {
    /// Newest first.
    pub claims: Vec<KnownClaim>,
    /// Page size.
    pub limit: i64,
    /// Skipped.
    pub offset: i64,
}

/// A feed with its health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    /// Name.
    pub name: String,
    /// Address.
    pub url: String,
    /// `mentions` or `debunks`.
    pub kind: String,
    /// Region given to its items.
    pub region: Option<String>,
    /// Poll interval, seconds.
    pub every_secs: i64,
    /// Whether it is polled.
    pub enabled: bool,
    /// `config` (the TOML file) or `admin`.
    pub origin: String,
    /// Its polling record.
    pub health: crate::store::FeedState,
}

/// Every feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedList {
    /// By name.
    pub feeds: Vec<Feed>,
}

/// A feed as added.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedAdded {
    /// Name.
    pub name: String,
    /// Address.
    pub url: String,
    /// `mentions` or `debunks`.
    pub kind: String,
    /// Region.
    pub region: Option<String>,
    /// Poll interval, seconds.
    pub every_secs: u64,
    /// Always true for a new feed.
    pub enabled: bool,
}

/// A feed switched on or off.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedSwitched {
    /// Name.
    pub name: String,
    /// Whether it is polled now.
    pub enabled: bool,
}

/// A person who signs in (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    /// Username.
    pub username: String,
    /// Full name.
    pub name: String,
    /// Role.
    #[schema(value_type = Role)]
    pub role: String,
    /// Created.
    pub created_at: String,
    /// Disabled, if they are.
    pub disabled_at: Option<String>,
}

impl From<&UserRow> for User {
    fn from(u: &UserRow) -> Self {
        User {
            username: u.username.clone(),
            name: u.name.clone(),
            role: u.role.clone(),
            created_at: u.created_at.clone(),
            disabled_at: u.disabled_at.clone(),
        }
    }
}

/// Every user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// By username.
    pub users: Vec<User>,
}

/// A user disabled.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDisabled {
    /// Username.
    pub username: String,
    /// When.
    pub disabled_at: String,
}

/// One mention as an integrator sends it (documentation of the intake format; the handler
/// checks each field itself so that every error of a batch is named with its index and field).
#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct MentionInput {
    /// The post's text (required; not blank, no NUL; at most `limits.max_text_chars`).
    #[schema(pattern = "\\S")]
    pub text: String,
    /// Platform, lowercase letters, digits, `_` or `-` (default `manual`).
    #[schema(pattern = "^[a-z0-9_.-]{1,32}$")]
    pub source: Option<String>,
    /// The platform's id of the post (string or number); derived from the text, link, author
    /// and time when absent.
    #[schema(value_type = Option<String>, max_length = 256)]
    pub external_id: Option<Value>,
    /// Absolute http(s) link.
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// Who posted it.
    pub author: Option<AuthorInput>,
    /// Language code such as `id` or `en`.
    #[schema(max_length = 16)]
    pub lang: Option<String>,
    /// RFC 3339 time, e.g. `2026-11-29T08:00:00+07:00`.
    #[schema(format = DateTime)]
    pub posted_at: Option<String>,
    /// Regency or city.
    #[schema(max_length = 128)]
    pub region: Option<String>,
    /// Counts when captured.
    pub engagement: Option<EngagementInput>,
}

/// The author of a sent mention.
#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct AuthorInput {
    /// Handle.
    #[schema(max_length = 128)]
    pub handle: Option<String>,
    /// Display name.
    #[schema(max_length = 256)]
    pub name: Option<String>,
    /// Followers, 0 or more.
    #[schema(minimum = 0)]
    pub followers: Option<i64>,
}

/// Engagement counts of a sent mention, each 0 or more.
#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct EngagementInput {
    /// Likes.
    #[schema(minimum = 0)]
    pub likes: Option<i64>,
    /// Shares.
    #[schema(minimum = 0)]
    pub shares: Option<i64>,
    /// Comments.
    #[schema(minimum = 0)]
    pub comments: Option<i64>,
    /// Views.
    #[schema(minimum = 0)]
    pub views: Option<i64>,
}

/// An intake body: one mention or an array of them.
#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MentionBatch {
    /// One mention.
    One(Box<MentionInput>),
    /// Several, stored all or none.
    Many(Vec<MentionInput>),
}

/// The readiness of the service's parts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// The database answers.
    pub database: bool,
    /// The index is open.
    pub index: bool,
    /// The classifier is loaded.
    pub model: bool,
    /// Why it is not, when it is not.
    pub model_problem: Option<String>,
    /// Loaded model version.
    pub model_version: Option<String>,
    /// Encoder precision and why it was chosen.
    pub encoder_precision: EncoderPrecision,
    /// Documents in the index.
    pub index_docs: u64,
    /// How far this replica's search index is behind the database: mentions stored or changed
    /// that its search does not reflect yet (each replica keeps its own index).
    pub index_pending: Option<i64>,
    /// This replica's id (`DATA_DIR/replica.id`), under which it claims work in the database.
    pub replica: String,
}

/// Encoder precision and why it was chosen.
#[derive(Debug, Serialize, ToSchema)]
pub struct EncoderPrecision {
    /// `fp32` or `bf16`.
    pub precision: String,
    /// Why.
    pub why: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_kinds_split_alarm_from_topic() {
        let k = LabelKinds::of(&[Label::Hoax, Label::Disaster, Label::Scam]);
        assert_eq!(k.alarm, vec![Label::Hoax, Label::Scam]);
        assert_eq!(k.topic, vec![Label::Disaster]);
    }

    #[test]
    fn unreadable_stored_json_becomes_null_or_empty() {
        assert_eq!(json_or_null(Some("{not json")), Value::Null);
        assert!(labels_of(Some("[\"no_such_label\"]")).is_empty());
        assert_eq!(labels_of(Some("[\"hoax\"]")), vec![Label::Hoax]);
    }
}
