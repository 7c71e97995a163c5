//! Typed settings: embedded defaults (`src/default.toml`), merged with an optional TOML file,
//! then `TANGGAP_*` environment overrides. This is the only module that reads the environment.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::{Label, Severity};

/// Numeric precision of the encoder's weights and arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats.
    Fp32,
    /// bfloat16 weights and arithmetic (AMX/AVX-512 on this CPU; ~2x faster).
    Bf16,
}

/// The configured precision: `auto` picks by what the CPU does well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionSetting {
    /// bf16 where the CPU has bf16 instructions (AVX512_BF16 or AMX), else fp32.
    #[default]
    Auto,
    /// Always 32-bit floats.
    Fp32,
    /// Always bfloat16 (about 20x slower than fp32 on CPUs without bf16 instructions).
    Bf16,
}

impl PrecisionSetting {
    /// The precision to run with, and why.
    pub fn resolve(self) -> (Precision, &'static str) {
        match self {
            PrecisionSetting::Fp32 => (Precision::Fp32, "configured"),
            PrecisionSetting::Bf16 => (Precision::Bf16, "configured"),
            PrecisionSetting::Auto => Precision::detect(),
        }
    }
}

impl Precision {
    /// bf16 when the CPU has bf16 dot-product instructions (AVX512_BF16, or AMX-BF16 as on
    /// Sapphire Rapids and later), else fp32: without them libtorch emulates bf16 and runs
    /// about 20x slower than fp32 (measured on an AVX2-only AMD EPYC).
    pub fn detect() -> (Precision, &'static str) {
        // The CPU does not change while we run: look once.
        static DETECTED: std::sync::OnceLock<(Precision, &'static str)> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(Self::detect_now)
    }

    fn detect_now() -> (Precision, &'static str) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bf16") {
                return (Precision::Bf16, "auto: the CPU has AVX512_BF16");
            }
            let amx = std::fs::read_to_string("/proc/cpuinfo")
                .map(|c| c.split_whitespace().any(|w| w == "amx_bf16"))
                .unwrap_or(false);
            if amx {
                return (Precision::Bf16, "auto: the CPU has AMX-BF16");
            }
        }
        (
            Precision::Fp32,
            "auto: the CPU has no bf16 instructions (AVX512_BF16/AMX)",
        )
    }

    /// `fp32` or `bf16`.
    pub fn code(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
}

/// Which code runs the transformer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Our forward pass (`classify::minilm`): fused attention, parallel sub-batches.
    Fused,
    /// rust-bert's `SentenceEmbeddingsModel`, one call per sub-batch on torch's thread pool.
    RustBert,
}

const DEFAULTS: &str = include_str!("default.toml");

/// A secret string (token, password-bearing URL) that never shows in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Everything the service and the CLI need to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to serve on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// Database, index, outbox and demo tokens live here.
    pub data_dir: PathBuf,
    /// `sqlite:…` URL of the database.
    pub database_url: Secret,
    /// Model files and trained heads.
    pub models_dir: PathBuf,
    /// SOP playbooks.
    pub playbooks_dir: PathBuf,
    /// SMTP server URL; `None` writes mails to `data_dir/outbox`.
    pub smtp_url: Option<Secret>,
    /// Bearer tokens with the `ingest` role.
    pub ingest_tokens: Vec<Secret>,
    /// How links in mails are written; derived from the bound address when unset.
    pub base_url: Option<String>,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log: String,
    /// Request limits.
    pub server: ServerSettings,
    /// Field limits for mentions.
    pub limits: LimitSettings,
    /// Classifier runtime settings.
    pub classifier: ClassifierSettings,
    /// Known-claim matching.
    pub claims: ClaimSettings,
    /// Incident grouping settings.
    pub incidents: IncidentSettings,
    /// Alert mail settings.
    pub alerts: AlertSettings,
    /// Teams with their on-call rotas.
    pub teams: Vec<Team>,
    /// Routing rules, first match wins.
    pub routing: Vec<RoutingRule>,
    /// The team used when no rule matches.
    pub default_team: String,
    /// The publishing organisation.
    pub organisation: Organisation,
    /// Escalation of unacknowledged incidents.
    pub escalation: EscalationSettings,
    /// SLA clocks.
    pub sla: SlaSettings,
    /// Feeds to poll (`[[feeds]]`).
    pub feeds: Vec<FeedConfig>,
    /// Key that signs acknowledge links. Unset: generated once into the data folder (SQLite) or
    /// into the shared database (PostgreSQL, so every replica signs alike).
    pub secret_key: Option<Secret>,
    /// Replicas sharing one database.
    pub cluster: ClusterSettings,
}

/// SLA clocks per severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// Seconds to acknowledge: critical, high, medium, low.
    pub ack_seconds: [i64; 4],
    /// Seconds to the first approved clarification: critical, high, medium, low.
    pub clarify_seconds: [i64; 4],
}

impl SlaSettings {
    fn slot(s: Severity) -> usize {
        match s {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
        }
    }
    /// Time allowed to acknowledge.
    pub fn ack(&self, s: Severity) -> chrono::Duration {
        chrono::Duration::seconds(self.ack_seconds[Self::slot(s)])
    }
    /// Time allowed to the first approved clarification.
    pub fn clarify(&self, s: Severity) -> chrono::Duration {
        chrono::Duration::seconds(self.clarify_seconds[Self::slot(s)])
    }
}

/// Escalation waits and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSettings {
    /// Wait for critical incidents.
    pub critical_seconds: i64,
    /// Wait for high incidents.
    pub high_seconds: i64,
    /// Wait for medium incidents.
    pub medium_seconds: i64,
    /// Wait for low incidents.
    pub low_seconds: i64,
    /// Passes through the chain.
    pub rounds: i64,
    /// Validity of acknowledge links.
    pub ack_link_hours: i64,
}

impl EscalationSettings {
    /// The wait for a severity.
    pub fn wait(&self, s: Severity) -> chrono::Duration {
        chrono::Duration::seconds(match s {
            Severity::Critical => self.critical_seconds,
            Severity::High => self.high_seconds,
            Severity::Medium => self.medium_seconds,
            Severity::Low => self.low_seconds,
        })
    }
}

/// The organisation that publishes clarifications.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Its name.
    pub name: String,
    /// Its website.
    pub url: String,
}

/// HTTP server limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Default listen address (overridden by `TANGGAP_LISTEN`).
    pub listen: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Largest number of mentions per request.
    pub max_batch_items: usize,
    /// Take the client's address from the last `X-Forwarded-For` entry (behind a reverse proxy
    /// that sets it); otherwise the TCP peer's address is used.
    pub trust_forwarded_for: bool,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// Ingest requests each token may make per minute, sustained (429 with Retry-After above).
    pub ingest_requests_per_minute: u32,
    /// Ingest requests a token may make at once before the rate applies.
    pub ingest_burst: u32,
    /// Let feeds reach loopback, private and link-local addresses (a crawler on this host or
    /// LAN). Off: a feed URL cannot reach internal services or the cloud metadata address.
    pub feeds_private_networks: bool,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricsAccess {
    /// Anyone who can reach the port (totals only; no text, no names).
    Public,
    /// Callers with read access: an API token (e.g. Prometheus' `bearer_token`) or a session.
    Token,
}

/// Limits on mention fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Longest accepted text, in characters.
    pub max_text_chars: usize,
}

/// Classifier runtime settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierSettings {
    /// Which code runs the encoder: `fused` (ours) or `rust-bert`.
    pub engine: Engine,
    /// Most texts per model call.
    pub batch_size: usize,
    /// Most word pieces (texts × longest text) per model call of the fused engine.
    pub batch_tokens: usize,
    /// Threads making model calls (0: one per core).
    pub threads: usize,
    /// Longest model input in word pieces.
    pub max_tokens: usize,
    /// Encoder precision: `auto` (bf16 where the CPU has bf16 instructions, else fp32),
    /// `fp32` or `bf16`.
    pub precision: PrecisionSetting,
    /// Precision the trained thresholds aim for on validation data.
    pub precision_target: f32,
    /// The heads to serve, relative to the models folder (`TANGGAP_HEADS`). Empty: heads
    /// trained here (`local/heads.json`) when present, else the shipped `default/heads.json`.
    #[serde(default)]
    pub heads: String,
}

/// Known-claim matching thresholds (similarity is the mean of embedding cosine and scaled BM25).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSettings {
    /// Show the claim to responders from this similarity.
    pub suggest_similarity: f32,
    /// Link the mention to the claim (and its incident) from this similarity.
    pub auto_link_similarity: f32,
    /// Texts with fewer words are only ever suggested.
    pub short_text_words: usize,
}

/// Incident grouping settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSettings {
    /// How long after its last mention an open incident still absorbs near duplicates.
    pub window_hours: i64,
    /// Cosine similarity of embeddings above which texts are near duplicates.
    pub near_duplicate_cosine: f32,
    /// Jaccard similarity of word shingles above which texts are near duplicates.
    pub near_duplicate_jaccard: f32,
    /// Fewest mentions in the last hour that can be a spike.
    pub spike_min_per_hour: i64,
    /// Last hour over the hour before that makes a spike.
    pub spike_ratio: f64,
    /// Copies (same normalised text) of a mention with only topic labels that must arrive
    /// within an hour before they open an incident.
    pub topic_spike_per_hour: i64,
}

/// Alert mail settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Lowest severity that sends mail.
    pub min_severity: Severity,
    /// `From:` header of alert mails.
    pub from: String,
}

/// A response team and its on-call rota.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Stable identifier used by routing rules.
    pub id: String,
    /// Display name.
    pub name: String,
    /// IANA time zone of the rota (WIB by default).
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// `daily` or `weekly`.
    #[serde(default = "default_rotation")]
    pub rotation: Rotation,
    /// On-call addresses in rota order.
    pub oncall: Vec<String>,
    /// Team lead, the end of the escalation chain.
    pub lead: String,
    /// Exceptions to the rota (leave, swaps), checked before it.
    #[serde(default)]
    pub overrides: Vec<RotaOverride>,
}

/// Someone else is on call for a period (dates and times in the team's time zone).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotaOverride {
    /// Start, inclusive: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.
    pub from: String,
    /// End, exclusive: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.
    pub until: String,
    /// Who is on call instead.
    pub person: String,
}

impl RotaOverride {
    /// Parses a local date or date-time.
    pub fn parse_local(s: &str) -> Option<chrono::NaiveDateTime> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
    }
}

/// How often the on-call person changes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// A new person each day at midnight in the team's time zone.
    Daily,
    /// A new person each Monday at midnight in the team's time zone.
    Weekly,
}

fn default_tz() -> String {
    "Asia/Jakarta".into()
}
fn default_rotation() -> Rotation {
    Rotation::Weekly
}

/// One routing rule: every condition given must match.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    /// Any of these labels among the incident's labels.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// The incident's region is one of these (case-insensitive).
    #[serde(default)]
    pub regions: Vec<String>,
    /// The incident's first source is one of these.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Team that gets the incident.
    pub team: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    server: ServerSettings,
    paths: PathSettings,
    limits: LimitSettings,
    classifier: ClassifierSettings,
    claims: ClaimSettings,
    incidents: IncidentSettings,
    alerts: AlertSettings,
    organisation: Organisation,
    escalation: EscalationSettings,
    sla: SlaSettings,
    teams: Vec<Team>,
    routing: Vec<RoutingRule>,
    routing_default: RoutingDefault,
    #[serde(default)]
    smtp_url: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    feeds: Vec<FeedConfig>,
    #[serde(default)]
    secret_key: Option<String>,
    cluster: ClusterSettings,
}

/// Running several replicas on one database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// Seconds a replica holds work it claimed (mentions to classify, mails to send) before
    /// another replica may take it over; a replica that starts again releases its own at once.
    pub lease_seconds: u64,
}

/// What a feed's items become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// Each item is ingested as a mention (source `rss`).
    Mentions,
    /// Each item with a verdict tag (`[HOAKS]`, `[SALAH]`, …) becomes a known claim.
    Debunks,
}

impl FeedKind {
    /// `mentions` or `debunks`.
    pub fn code(self) -> &'static str {
        match self {
            FeedKind::Mentions => "mentions",
            FeedKind::Debunks => "debunks",
        }
    }
}

/// One `[[feeds]]` table: an RSS 2.0, Atom or JSON Feed to poll.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Unique name (letters, digits, `-`, `_`, `.`), shown in the UI and metrics.
    pub name: String,
    /// http(s) address of the feed.
    pub url: String,
    /// What its items become.
    pub kind: FeedKind,
    /// Region copied to the mentions.
    #[serde(default)]
    pub region: Option<String>,
    /// Seconds between polls (after an error the wait doubles, up to an hour).
    #[serde(default = "default_feed_every")]
    pub every_secs: u64,
}

fn default_feed_every() -> u64 {
    300
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathSettings {
    data_dir: PathBuf,
    models_dir: PathBuf,
    playbooks_dir: PathBuf,
    #[serde(default)]
    database_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingDefault {
    team: String,
}

/// Errors while loading settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has wrong fields.
    #[error("{path}: {message}")]
    Parse {
        /// The file (or `<defaults>`).
        path: String,
        /// What is wrong, with line numbers where known.
        message: String,
    },
    /// The values are inconsistent.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads settings from the process environment (the only place that reads it).
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load(&env)
    }

    /// Loads settings from defaults, the config file named by `TANGGAP_CONFIG` (or
    /// `tanggap.toml` if present) and the `TANGGAP_*` variables of `env`.
    pub fn load(env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let path = match env.get("TANGGAP_CONFIG") {
            Some(p) => Some(PathBuf::from(p)),
            None if Path::new("tanggap.toml").exists() => Some(PathBuf::from("tanggap.toml")),
            None => None,
        };
        let file = match &path {
            Some(p) => Some((
                p.display().to_string(),
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?,
            )),
            None => None,
        };
        Self::from_parts(file.as_ref().map(|(p, s)| (p.as_str(), s.as_str())), env)
    }

    /// Builds settings from an optional `(path, toml text)` and an environment map.
    pub fn from_parts(
        file: Option<(&str, &str)>,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut merged: toml::Value = parse_toml("<defaults>", DEFAULTS)?;
        if let Some((path, text)) = file {
            let user = parse_toml(path, text)?;
            merge(&mut merged, user);
        }
        let cfg: FileConfig = merged
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path: file.map(|(p, _)| p).unwrap_or("<defaults>").to_string(),
                message: e.message().to_string(),
            })?;
        let get = |k: &str| env.get(k).filter(|v| !v.trim().is_empty()).cloned();

        let data_dir = get("TANGGAP_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or(cfg.paths.data_dir);
        let database_url = get("TANGGAP_DATABASE_URL")
            .or(cfg.paths.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tanggap.db").display()));
        let ingest_tokens = get("TANGGAP_INGEST_TOKENS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(Secret::new)
                    .collect()
            })
            .unwrap_or_default();
        let mut classifier = cfg.classifier;
        if let Some(h) = get("TANGGAP_HEADS") {
            classifier.heads = h;
        }
        let mut alerts = cfg.alerts;
        if let Some(sev) = get("TANGGAP_ALERT_MIN_SEVERITY") {
            alerts.min_severity = sev.parse().map_err(|_| {
                ConfigError::Invalid(format!("TANGGAP_ALERT_MIN_SEVERITY: unknown severity {sev:?}"))
            })?;
        }
        let settings = Settings {
            listen: get("TANGGAP_LISTEN").unwrap_or_else(|| cfg.server.listen.clone()),
            database_url: Secret::new(database_url),
            models_dir: get("TANGGAP_MODELS_DIR")
                .map(PathBuf::from)
                .unwrap_or(cfg.paths.models_dir),
            playbooks_dir: get("TANGGAP_PLAYBOOKS_DIR")
                .map(PathBuf::from)
                .unwrap_or(cfg.paths.playbooks_dir),
            smtp_url: get("TANGGAP_SMTP_URL").or(cfg.smtp_url).map(Secret::new),
            ingest_tokens,
            base_url: get("TANGGAP_BASE_URL").or(cfg.base_url),
            log: get("TANGGAP_LOG").unwrap_or_else(|| "info,tantivy=warn,sqlx=warn".into()),
            data_dir,
            server: cfg.server,
            limits: cfg.limits,
            classifier,
            claims: cfg.claims,
            incidents: cfg.incidents,
            alerts,
            teams: cfg.teams,
            routing: cfg.routing,
            default_team: cfg.routing_default.team,
            organisation: cfg.organisation,
            escalation: cfg.escalation,
            sla: cfg.sla,
            feeds: cfg.feeds,
            secret_key: get("TANGGAP_SECRET_KEY").or(cfg.secret_key).map(Secret::new),
            cluster: ClusterSettings {
                lease_seconds: match get("TANGGAP_LEASE_SECONDS") {
                    Some(v) => v.parse().map_err(|_| {
                        ConfigError::Invalid(format!("TANGGAP_LEASE_SECONDS: not a number of seconds: {v:?}"))
                    })?,
                    None => cfg.cluster.lease_seconds,
                },
            },
        };
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let port_ok = self
            .listen
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(ConfigError::Invalid(format!(
                "listen: {:?} is not HOST:PORT (e.g. 127.0.0.1:8080)",
                self.listen
            )));
        }
        if !(5..=3600).contains(&self.cluster.lease_seconds) {
            return Err(ConfigError::Invalid(format!(
                "cluster.lease_seconds: {} is outside 5..=3600",
                self.cluster.lease_seconds
            )));
        }
        let mut names = std::collections::HashSet::new();
        for f in &self.feeds {
            let bad = |m: &str| Err(ConfigError::Invalid(format!("feeds: {:?}: {m}", f.name)));
            let name_ok = !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !name_ok {
                return bad("name must be 1-64 letters, digits, '-', '_' or '.'");
            }
            if !names.insert(f.name.as_str()) {
                return bad("the name is used twice");
            }
            match url::Url::parse(&f.url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return bad("url must be an http(s) address"),
            }
            if f.every_secs == 0 || f.every_secs > 86_400 {
                return bad("every_secs must be 1-86400");
            }
        }
        if self.teams.is_empty() {
            return Err(ConfigError::Invalid("at least one team is needed".into()));
        }
        for team in &self.teams {
            if team.oncall.is_empty() {
                return Err(ConfigError::Invalid(format!("team {}: oncall is empty", team.id)));
            }
            for o in &team.overrides {
                let (from, until) = (
                    RotaOverride::parse_local(&o.from),
                    RotaOverride::parse_local(&o.until),
                );
                if from.is_none() || until.is_none() || from >= until {
                    return Err(ConfigError::Invalid(format!(
                        "team {}: override {:?}..{:?} needs from < until as YYYY-MM-DD or YYYY-MM-DDTHH:MM",
                        team.id, o.from, o.until
                    )));
                }
            }
            if team.timezone.parse::<chrono_tz::Tz>().is_err() {
                return Err(ConfigError::Invalid(format!(
                    "team {}: unknown time zone {:?}",
                    team.id, team.timezone
                )));
            }
        }
        let known = |id: &str| self.teams.iter().any(|t| t.id == id);
        for rule in &self.routing {
            if !known(&rule.team) {
                return Err(ConfigError::Invalid(format!(
                    "routing rule names unknown team {:?}",
                    rule.team
                )));
            }
        }
        if !known(&self.default_team) {
            return Err(ConfigError::Invalid(format!(
                "routing_default names unknown team {:?}",
                self.default_team
            )));
        }
        let db = self.database_url.expose();
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            url::Url::parse(db).map_err(|e| ConfigError::Invalid(format!("TANGGAP_DATABASE_URL: {e}")))?;
        } else if !db.starts_with("sqlite:") {
            return Err(ConfigError::Invalid(
                "TANGGAP_DATABASE_URL: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into(),
            ));
        }
        if let Some(url) = &self.smtp_url {
            let parsed = url::Url::parse(url.expose())
                .map_err(|e| ConfigError::Invalid(format!("TANGGAP_SMTP_URL: {e}")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(ConfigError::Invalid(
                    "TANGGAP_SMTP_URL: scheme must be smtp or smtps".into(),
                ));
            }
        }
        Ok(())
    }

    /// A team by id.
    pub fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// Where alert mails are written when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where the tantivy index lives.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// The sentence-embedding model folder.
    pub fn encoder_dir(&self) -> PathBuf {
        self.models_dir.join("all-MiniLM-L6-v2")
    }

    /// The label heads to serve and evaluate: `classifier.heads` when set; else heads trained
    /// on this machine ([`Settings::trained_heads_path`]) when present, else the shipped default
    /// (`MODELS_DIR/default/heads.json`, see `models/README.md`).
    pub fn heads_path(&self) -> PathBuf {
        let trained = self.trained_heads_path();
        if !self.classifier.heads.trim().is_empty() || trained.exists() {
            trained
        } else {
            self.models_dir.join("default/heads.json")
        }
    }

    /// Where `tanggap train` writes by default: the configured heads, else `local/heads.json`.
    pub fn trained_heads_path(&self) -> PathBuf {
        if !self.classifier.heads.trim().is_empty() {
            return self.models_dir.join(self.classifier.heads.trim());
        }
        self.models_dir.join("local/heads.json")
    }
}

fn parse_toml(path: &str, text: &str) -> Result<toml::Value, ConfigError> {
    text.parse::<toml::Table>()
        .map(toml::Value::Table)
        .map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            message: match e.span() {
                Some(span) => format!("line {}: {}", line_of(text, span.start), e.message()),
                None => e.message().to_string(),
            },
        })
}

/// The 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_table() && v.is_table() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_env_overrides_win() {
        let mut env = HashMap::new();
        env.insert("TANGGAP_DATA_DIR".to_string(), "/tmp/x".to_string());
        env.insert("TANGGAP_INGEST_TOKENS".to_string(), "a, b,,".to_string());
        let s = Settings::from_parts(None, &env).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.database_url.expose(), "sqlite:///tmp/x/tanggap.db");
        assert_eq!(s.ingest_tokens.len(), 2);
        assert_eq!(s.listen, "127.0.0.1:8080");
    }

    #[test]
    fn file_merges_over_defaults_and_secrets_are_redacted() {
        let env = HashMap::from([(
            "TANGGAP_SMTP_URL".to_string(),
            "smtp://u:pw@localhost:25".to_string(),
        )]);
        let s = Settings::from_parts(Some(("t.toml", "[incidents]\nwindow_hours = 5\n")), &env).unwrap();
        assert_eq!(s.incidents.window_hours, 5);
        assert_eq!(s.incidents.near_duplicate_jaccard, 0.5);
        assert!(!format!("{s:?}").contains("pw"));
    }

    #[test]
    fn bad_file_names_the_line() {
        let err =
            Settings::from_parts(Some(("t.toml", "[server]\nlisten = \n")), &HashMap::new()).unwrap_err();
        assert!(err.to_string().starts_with("t.toml: line 2"), "{err}");
        let err = Settings::from_parts(
            Some(("t.toml", "[[routing]]\nteam = \"nope\"\n")),
            &HashMap::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown team"), "{err}");
        let bad_override = "[[teams]]\nid = \"a\"\nname = \"A\"\noncall = [\"x@y.id\"]\nlead = \"l@y.id\"\n\
            [[teams.overrides]]\nfrom = \"2026-12-02\"\nuntil = \"2026-12-01\"\nperson = \"z@y.id\"\n\
            [[routing]]\nteam = \"a\"\n[routing_default]\nteam = \"a\"\n";
        let err = Settings::from_parts(Some(("t.toml", bad_override)), &HashMap::new()).unwrap_err();
        assert!(err.to_string().contains("override"), "{err}");
    }
}
