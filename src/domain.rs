//! Validated domain types shared by every module: labels, severities, incident states and the
//! identifiers that reach SQL and tantivy only after parsing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the ten classification labels of SPEC §4.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Likely false or misleading claim.
    Hoax,
    /// Ethnic, religious, racial or inter-group tension.
    Sara,
    /// Hate speech or abuse.
    HateSpeech,
    /// Fraud, phishing, impersonation, fake recruitment or aid.
    Scam,
    /// Earthquakes, tsunami, floods, eruptions, fires.
    Disaster,
    /// Outbreaks, vaccines, food and drug safety.
    Health,
    /// Elections, officials, policies.
    Politics,
    /// Crime, riots, clashes, terrorism.
    Security,
    /// Prices, subsidies, social aid.
    Economy,
    /// Complaints about public services.
    PublicService,
}

impl Label {
    /// The labels in their first order, each once.
    pub fn unique(labels: impl IntoIterator<Item = Label>) -> Vec<Label> {
        let mut out: Vec<Label> = Vec::new();
        for l in labels {
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// All labels in their canonical order (the order of score vectors).
    pub const ALL: [Label; 10] = [
        Label::Hoax,
        Label::Sara,
        Label::HateSpeech,
        Label::Scam,
        Label::Disaster,
        Label::Health,
        Label::Politics,
        Label::Security,
        Label::Economy,
        Label::PublicService,
    ];

    /// The code used in the API and in files.
    pub fn code(self) -> &'static str {
        match self {
            Label::Hoax => "hoax",
            Label::Sara => "sara",
            Label::HateSpeech => "hate_speech",
            Label::Scam => "scam",
            Label::Disaster => "disaster",
            Label::Health => "health",
            Label::Politics => "politics",
            Label::Security => "security",
            Label::Economy => "economy",
            Label::PublicService => "public_service",
        }
    }

    /// The name shown to people (Indonesian).
    pub fn name_id(self) -> &'static str {
        match self {
            Label::Hoax => "Hoaks",
            Label::Sara => "SARA",
            Label::HateSpeech => "Ujaran kebencian",
            Label::Scam => "Penipuan",
            Label::Disaster => "Kebencanaan",
            Label::Health => "Kesehatan",
            Label::Politics => "Politik / Pemilu",
            Label::Security => "Keamanan",
            Label::Economy => "Ekonomi",
            Label::PublicService => "Layanan publik",
        }
    }

    /// Position in [`Label::ALL`].
    pub fn index(self) -> usize {
        Label::ALL.iter().position(|l| *l == self).expect("label in ALL")
    }

    /// The labels that raise alarms (open incidents, page people); the other six describe the
    /// topic and route.
    pub const ALARMS: [Label; 4] = [Label::Hoax, Label::Sara, Label::HateSpeech, Label::Scam];

    /// Whether the label raises an alarm (`hoax`, `sara`, `hate_speech`, `scam`) rather than
    /// describing the topic.
    pub fn is_alarm(self) -> bool {
        Label::ALARMS.contains(&self)
    }

    /// Whether an item is an *everyday* one: annotated for every alarm label and positive for
    /// none (what the false-alarm budget and the false-alarm rate count).
    pub fn everyday(annotates: impl Fn(Label) -> bool, positive: impl Fn(Label) -> bool) -> bool {
        Label::ALARMS.iter().all(|&l| annotates(l) && !positive(l))
    }

    /// `alarm` or `topic`, as shown in the API.
    pub fn kind(self) -> &'static str {
        if self.is_alarm() {
            "alarm"
        } else {
            "topic"
        }
    }

    /// How much the label weighs in severity: SARA, disaster and security weigh most.
    pub fn weight(self) -> f32 {
        match self {
            Label::Sara | Label::Disaster | Label::Security => 1.0,
            Label::Hoax | Label::Scam | Label::Health | Label::HateSpeech => 0.8,
            Label::Politics | Label::Economy => 0.6,
            Label::PublicService => 0.4,
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Label {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Label::ALL
            .iter()
            .copied()
            .find(|l| l.code() == s)
            .ok_or_else(|| UnknownValue(s.to_string()))
    }
}

/// Stored codes read back as their types (the store's rows use these through
/// `#[sqlx(try_from = "String")]`).
macro_rules! from_stored_code {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = UnknownValue;
            fn try_from(code: String) -> Result<Self, UnknownValue> {
                code.parse()
            }
        }
    )*};
}
from_stored_code!(Label, Severity, IncidentStatus);

/// A string that is not one of the allowed values.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// Incident severity, ordered from lowest to highest.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Can wait a working day.
    Low,
    /// Within hours.
    Medium,
    /// Within the hour.
    High,
    /// Now.
    Critical,
}

impl Severity {
    /// The code used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(UnknownValue(s.to_string())),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Incident lifecycle states (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Opened, nobody has looked yet.
    New,
    /// Somebody owns it.
    Acknowledged,
    /// Being checked.
    Investigating,
    /// A clarification is being written.
    Drafting,
    /// A draft waits for an admin.
    AwaitingApproval,
    /// An approved clarification exists.
    Clarified,
    /// Done.
    Resolved,
    /// False positive.
    Dismissed,
}

impl IncidentStatus {
    /// All states.
    pub const ALL: [IncidentStatus; 8] = [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::Investigating,
        IncidentStatus::Drafting,
        IncidentStatus::AwaitingApproval,
        IncidentStatus::Clarified,
        IncidentStatus::Resolved,
        IncidentStatus::Dismissed,
    ];

    /// The code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Drafting => "drafting",
            IncidentStatus::AwaitingApproval => "awaiting_approval",
            IncidentStatus::Clarified => "clarified",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Dismissed => "dismissed",
        }
    }

    /// Whether the incident still needs work.
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Resolved | IncidentStatus::Dismissed)
    }
}

impl FromStr for IncidentStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IncidentStatus::ALL
            .iter()
            .copied()
            .find(|v| v.code() == s)
            .ok_or_else(|| UnknownValue(s.to_string()))
    }
}

/// Roles of people and API tokens (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Can only send mentions.
    Ingest,
    /// Can read everything.
    Viewer,
    /// Works incidents.
    Responder,
    /// Approves, manages.
    Admin,
}

impl Role {
    /// The code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may read incidents, mentions and search.
    pub fn can_read(self) -> bool {
        !matches!(self, Role::Ingest)
    }

    /// Whether this role may act on incidents (acknowledge, draft, change state).
    pub fn can_respond(self) -> bool {
        matches!(self, Role::Responder | Role::Admin)
    }

    /// Whether this role may send mentions.
    pub fn can_ingest(self) -> bool {
        matches!(self, Role::Ingest | Role::Admin)
    }

    /// Whether a token with this role may belong to a person with role `person`: never more
    /// than the person may do (an `ingest` token may belong to anyone).
    pub fn within(self, person: Role) -> bool {
        let rank = |r: Role| match r {
            Role::Ingest => 0,
            Role::Viewer => 1,
            Role::Responder => 2,
            Role::Admin => 3,
        };
        self == Role::Ingest || rank(self) <= rank(person)
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ingest" => Ok(Role::Ingest),
            "viewer" => Ok(Role::Viewer),
            "responder" => Ok(Role::Responder),
            "admin" => Ok(Role::Admin),
            _ => Err(UnknownValue(s.to_string())),
        }
    }
}

/// A mention source: a lowercase token such as `twitter`, `news` or `whatsapp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Source(String);

impl Source {
    /// Sources named in SPEC §3; other lowercase tokens are accepted too.
    pub const KNOWN: [&'static str; 11] = [
        "twitter",
        "facebook",
        "instagram",
        "tiktok",
        "youtube",
        "news",
        "whatsapp",
        "web",
        "rss",
        "manual",
        "tipline",
    ];

    /// Parses a source: 1–32 characters of `a-z`, `0-9`, `_`, `-`, `.`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
        if ok {
            Ok(Source(s.to_string()))
        } else {
            Err("must be 1–32 characters of a-z, 0-9, '_', '-', '.' (e.g. twitter, news, whatsapp)".into())
        }
    }

    /// The source as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A responder's verdict on a claim (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A hoax.
    Hoaks,
    /// Deliberately misleading.
    Disinformasi,
    /// Misleading without intent.
    Misinformasi,
    /// False.
    Salah,
    /// A scam.
    Penipuan,
    /// True.
    Fakta,
    /// Not verified yet.
    BelumTerverifikasi,
}

impl Verdict {
    /// All verdicts.
    pub const ALL: [Verdict; 7] = [
        Verdict::Hoaks,
        Verdict::Disinformasi,
        Verdict::Misinformasi,
        Verdict::Salah,
        Verdict::Penipuan,
        Verdict::Fakta,
        Verdict::BelumTerverifikasi,
    ];

    /// The code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Hoaks => "hoaks",
            Verdict::Disinformasi => "disinformasi",
            Verdict::Misinformasi => "misinformasi",
            Verdict::Salah => "salah",
            Verdict::Penipuan => "penipuan",
            Verdict::Fakta => "fakta",
            Verdict::BelumTerverifikasi => "belum_terverifikasi",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.code() == s)
    }

    /// The tag fact-checkers put in the title.
    pub fn tag(self) -> &'static str {
        match self {
            Verdict::Hoaks => "HOAKS",
            Verdict::Disinformasi => "DISINFORMASI",
            Verdict::Misinformasi => "MISINFORMASI",
            Verdict::Salah => "SALAH",
            Verdict::Penipuan => "PENIPUAN",
            Verdict::Fakta => "FAKTA",
            Verdict::BelumTerverifikasi => "BELUM TERVERIFIKASI",
        }
    }

    /// ClaimReview rating on a 1 (false) – 5 (true) scale.
    pub fn rating(self) -> u8 {
        match self {
            Verdict::Hoaks | Verdict::Disinformasi | Verdict::Salah | Verdict::Penipuan => 1,
            Verdict::Misinformasi => 2,
            Verdict::BelumTerverifikasi => 3,
            Verdict::Fakta => 5,
        }
    }
}

/// What a match does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchAction {
    /// Shown to responders; nothing changes.
    Suggest,
    /// The mention is linked to the claim (and its incident).
    AutoLink,
}

impl MatchAction {
    /// Code stored on the mention.
    pub fn code(self) -> &'static str {
        match self {
            MatchAction::Suggest => "suggest",
            MatchAction::AutoLink => "auto_link",
        }
    }
}

/// The nearest known claim of a mention.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimMatch {
    /// Claim id.
    pub id: String,
    /// Claim text.
    pub claim: String,
    /// Verdict code.
    pub verdict: String,
    /// Summary.
    pub summary: String,
    /// Clarification link.
    pub url: Option<String>,
    /// The claim's incident.
    pub incident_id: Option<String>,
    /// Combined similarity in [0, 1]: the mean of `cosine` and `lexical`.
    pub similarity: f32,
    /// Cosine of the sentence embeddings.
    pub cosine: f32,
    /// BM25 score against the claim's own, capped at 1.
    pub lexical: f32,
    /// Suggest or auto-link.
    pub action: MatchAction,
    /// Why: the words (stemmed; numbers, handles and links whole) the text shares with the
    /// claim, rarest among the registered claims first.
    #[serde(default)]
    pub shared_terms: Vec<String>,
}

impl ClaimMatch {
    /// The label a linked claim implies: scam for `penipuan`, hoax for the false verdicts.
    pub fn implied_label(&self) -> Option<Label> {
        match Verdict::parse(&self.verdict)? {
            Verdict::Penipuan => Some(Label::Scam),
            Verdict::Hoaks | Verdict::Disinformasi | Verdict::Misinformasi | Verdict::Salah => {
                Some(Label::Hoax)
            }
            Verdict::Fakta | Verdict::BelumTerverifikasi => None,
        }
    }
}

/// Who acts: a person or a machine, with its role. Every operation of [`crate::service`] takes
/// one; timelines and the four-eyes rule record its name.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The person acting: a username for a web session or a token that belongs to a user;
    /// `token:NAME` for a machine's token (usernames cannot contain `:`). Authorship and the
    /// four-eyes rule compare this, so one person is one name whatever credential they use.
    pub name: String,
    /// Its role.
    pub role: Role,
}

impl Actor {
    /// Whether the actor is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// One problem with one field of one item.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    /// Index of the item in a batch, when the request had several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Dotted path of the field, e.g. `author.followers`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_labels_keep_their_first_order() {
        use Label::*;
        assert_eq!(
            Label::unique([Scam, Hoax, Scam, Disaster, Hoax]),
            vec![Scam, Hoax, Disaster]
        );
        assert!(Label::unique([]).is_empty());
    }

    #[test]
    fn labels_round_trip() {
        for l in Label::ALL {
            assert_eq!(l.code().parse::<Label>().unwrap(), l);
            assert_eq!(Label::ALL[l.index()], l);
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.code()));
        }
        assert!("Hoax".parse::<Label>().is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in IncidentStatus::ALL {
            assert_eq!(s.code().parse::<IncidentStatus>().unwrap(), s);
        }
        assert!(!IncidentStatus::Dismissed.is_open());
    }

    #[test]
    fn sources_are_validated() {
        assert!(Source::parse("twitter").is_ok());
        assert!(Source::parse("rss.antara").is_ok());
        for bad in ["", "Twitter", "a b", "<script>", &"x".repeat(33)] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn severity_orders() {
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
        assert_eq!("high".parse::<Severity>().unwrap(), Severity::High);
    }
}
