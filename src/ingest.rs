//! Intake: turns request bodies and files into validated [`NewMention`]s. A batch with any bad
//! item is rejected whole, naming each bad item's index and field.

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::domain::FieldError;
use crate::domain::Source;
use crate::store::{ts, InsertOutcome, NewMention, Store};

/// Limits applied to every item.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest text in characters.
    pub max_text_chars: usize,
    /// Most items per request.
    pub max_batch_items: usize,
}

/// Why a body cannot be taken in. The web maps each to its status (400, 415, 422) in
/// [`crate::error`]; the command line prints it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntakeError {
    /// The body is not items at all (bad UTF-8, bad JSON, empty): a code and a message.
    #[error("{message}")]
    Malformed {
        /// `invalid_utf8` or `invalid_json`.
        code: &'static str,
        /// What is wrong, with its line and column.
        message: String,
    },
    /// A content type we do not read.
    #[error("unsupported content type {0:?}")]
    UnsupportedMediaType(String),
    /// Items whose fields break a rule: every one, with its index and field.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
}

fn malformed(code: &'static str, message: impl Into<String>) -> IntakeError {
    IntakeError::Malformed {
        code,
        message: message.into(),
    }
}

/// How a body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One object or an array of objects.
    Json,
    /// One object per line.
    Ndjson,
}

impl Framing {
    /// Chooses the framing from a `Content-Type` header (missing means JSON).
    pub fn from_content_type(ct: Option<&str>) -> Result<Self, IntakeError> {
        let Some(ct) = ct else { return Ok(Framing::Json) };
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" | "" => Ok(Framing::Json),
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines" => Ok(Framing::Ndjson),
            e if e.ends_with("+json") => Ok(Framing::Json),
            _ => Err(IntakeError::UnsupportedMediaType(essence)),
        }
    }
}

/// Splits a body into raw items, each kept byte for byte as evidence.
pub fn split_body(body: &[u8], framing: Framing) -> Result<Vec<String>, IntakeError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        malformed(
            "invalid_utf8",
            format!("body is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })?;
    match framing {
        Framing::Json => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(malformed("invalid_json", "body is empty"));
            }
            if trimmed.starts_with('[') {
                let items: Vec<Box<RawValue>> = serde_json::from_str(trimmed).map_err(json_error)?;
                Ok(items.into_iter().map(|r| r.get().to_string()).collect())
            } else {
                let item: Box<RawValue> = serde_json::from_str(trimmed).map_err(json_error)?;
                Ok(vec![item.get().to_string()])
            }
        }
        Framing::Ndjson => {
            let mut items = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let item: Box<RawValue> = serde_json::from_str(line)
                    .map_err(|e| malformed("invalid_json", format!("line {}: {e}", n + 1)))?;
                items.push(item.get().to_string());
            }
            if items.is_empty() {
                return Err(malformed("invalid_json", "body has no items"));
            }
            Ok(items)
        }
    }
}

fn json_error(e: serde_json::Error) -> IntakeError {
    malformed(
        "invalid_json",
        format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()),
    )
}

/// Validates every raw item; all or nothing.
pub fn validate_batch(
    raws: &[String],
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<Vec<NewMention>, IntakeError> {
    if raws.len() > limits.max_batch_items {
        return Err(IntakeError::Invalid(vec![FieldError {
            index: None,
            field: String::new(),
            message: format!(
                "at most {} items per request, got {}",
                limits.max_batch_items,
                raws.len()
            ),
        }]));
    }
    let batch = raws.len() > 1;
    let mut ok = Vec::with_capacity(raws.len());
    let mut errors = Vec::new();
    for (i, raw) in raws.iter().enumerate() {
        match validate_item(raw, limits, now) {
            Ok(m) => ok.push(m),
            Err(errs) => errors.extend(errs.into_iter().map(|mut e| {
                e.index = batch.then_some(i);
                e
            })),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(IntakeError::Invalid(errors))
    }
}

/// Validates one raw JSON item into a mention.
pub fn validate_item(raw: &str, limits: Limits, now: DateTime<Utc>) -> Result<NewMention, Vec<FieldError>> {
    let mut v = Validator::default();
    let value: Value = match serde_json::from_str(raw) {
        Ok(v) => v,
        Err(e) => return Err(vec![field_error("", format!("invalid JSON: {e}"))]),
    };
    let Some(obj) = value.as_object() else {
        return Err(vec![field_error("", "must be a JSON object")]);
    };

    let text = v.string(obj, "text", limits.max_text_chars, true);
    if let Some(t) = &text {
        if t.trim().is_empty() {
            v.fail("text", "must not be blank");
        }
        if t.contains('\0') {
            v.fail("text", "must not contain NUL characters");
        }
    }
    let source = match v.string(obj, "source", 32, false) {
        Some(s) => Source::parse(&s).map_err(|m| v.fail("source", m)).ok(),
        None => Source::parse("manual").ok(),
    };
    let external_id = match obj.get("external_id") {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => v.string(obj, "external_id", 256, false),
    };
    if external_id.as_deref().is_some_and(|e| e.trim().is_empty()) {
        v.fail("external_id", "must not be blank");
    }
    let url = v.string(obj, "url", 2048, false);
    if let Some(u) = &url {
        match url::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => {}
            _ => v.fail("url", "must be an absolute http(s) URL"),
        }
    }
    let author = v.object(obj, "author");
    let (handle, name, followers) = match author {
        Some(a) => (
            v.string(a, "handle", 128, false).map(|s| s.to_string()),
            v.string(a, "name", 256, false),
            v.count(a, "followers", "author.followers"),
        ),
        None => (None, None, None),
    };
    let lang = v.string(obj, "lang", 16, false);
    if lang
        .as_deref()
        .is_some_and(|l| !l.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
    {
        v.fail("lang", "must be a language code such as id or en");
    }
    let posted_at =
        v.string(obj, "posted_at", 64, false)
            .and_then(|s| match DateTime::parse_from_rfc3339(&s) {
                Ok(t) if !plausible_post_time(t.with_timezone(&Utc), now) => {
                    v.fail(
                        "posted_at",
                        "must be a time between 1970 and a day from now (check the year and the time zone)",
                    );
                    None
                }
                Ok(t) => Some(ts(t.with_timezone(&Utc))),
                Err(_) => {
                    v.fail(
                        "posted_at",
                        "must be an RFC 3339 time, e.g. 2026-11-29T08:00:00+07:00",
                    );
                    None
                }
            });
    let region = v.string(obj, "region", 128, false);
    let engagement = v.object(obj, "engagement");
    let [likes, shares, comments, views] = ["likes", "shares", "comments", "views"]
        .map(|k| engagement.and_then(|e| v.count(e, k, &format!("engagement.{k}"))));

    if !v.errors.is_empty() {
        return Err(v.errors);
    }
    let text = text.expect("validated");
    let source = source.expect("validated");
    let (external_id, derived) = match external_id {
        Some(e) => (e, false),
        None => (
            derive_external_id(&text, url.as_deref(), handle.as_deref(), posted_at.as_deref()),
            true,
        ),
    };
    Ok(NewMention {
        id: mention_id(source.as_str(), &external_id),
        source: source.as_str().to_string(),
        external_id,
        external_id_derived: derived,
        url,
        author_handle: handle,
        author_name: name,
        author_followers: followers,
        content_hash: sha256_hex(text.as_bytes()),
        text,
        lang,
        posted_at,
        region,
        likes,
        shares,
        comments,
        views,
        raw: raw.to_string(),
        captured_at: ts(now),
    })
}

/// Whether a post could have been written at `t`: not before 1970, and not more than a day
/// ahead of our clock (a later time is a wrong year or time zone, and would sort first forever).
pub fn plausible_post_time(t: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    t.timestamp() >= 0 && t <= now + chrono::Duration::days(1)
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        index: None,
        field: field.to_string(),
        message: message.into(),
    }
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(field_error(field, message));
    }

    fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        max_chars: usize,
        required: bool,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.fail(key, "is required");
                }
                None
            }
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n > max_chars {
                    self.fail(
                        key,
                        format!("is {n} characters long; at most {max_chars} allowed"),
                    );
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                self.fail(key, "must be a string");
                None
            }
        }
    }

    fn object<'a>(&mut self, obj: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.fail(key, "must be an object");
                None
            }
        }
    }

    fn count(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<i64> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(x) if x >= 0 => Some(x),
                _ => {
                    self.fail(path, "must be a non-negative integer");
                    None
                }
            },
            Some(_) => {
                self.fail(path, "must be a non-negative integer");
                None
            }
        }
    }
}

pub use crate::text::sha256_hex;

/// The public id of a mention: stable for the same (source, external_id).
pub fn mention_id(source: &str, external_id: &str) -> String {
    let h = sha256_hex(format!("{source}\u{0}{external_id}").as_bytes());
    format!("m_{}", &h[..24])
}

fn derive_external_id(
    text: &str,
    url: Option<&str>,
    handle: Option<&str>,
    posted_at: Option<&str>,
) -> String {
    let key = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}",
        url.unwrap_or(""),
        handle.unwrap_or(""),
        posted_at.unwrap_or(""),
        text
    );
    format!("sha256:{}", &sha256_hex(key.as_bytes())[..32])
}

/// Summary of a file import.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportSummary {
    /// Lines or rows read.
    pub read: usize,
    /// New mentions stored.
    pub created: usize,
    /// Already stored.
    pub duplicates: usize,
    /// Rejected, with their line numbers and reasons.
    pub invalid: Vec<(usize, String)>,
}

/// Imports a JSONL or CSV file (chosen by extension) into the store, printing progress to stderr.
pub async fn import_file(store: &Store, path: &Path, limits: Limits) -> anyhow::Result<ImportSummary> {
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = if is_csv {
        read_csv(path)?
    } else {
        read_jsonl(path)?
    };
    let total = rows.len();
    let mut summary = ImportSummary {
        read: total,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    for chunk in rows.chunks(500) {
        let now = Utc::now();
        let mut good = Vec::with_capacity(chunk.len());
        for (line, raw) in chunk {
            match validate_item(raw, limits, now) {
                Ok(m) => good.push(m),
                Err(errs) => summary.invalid.push((
                    *line,
                    errs.iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                )),
            }
        }
        let outcomes: Vec<InsertOutcome> = store.insert_mentions(&good).await?;
        summary.created += outcomes.iter().filter(|o| o.status == "created").count();
        summary.duplicates += outcomes.iter().filter(|o| o.status == "duplicate").count();
        let done = summary.created + summary.duplicates + summary.invalid.len();
        eprintln!(
            "  {done}/{total} ({:.0}%)  created {}  duplicates {}  invalid {}",
            100.0 * done as f64 / total.max(1) as f64,
            summary.created,
            summary.duplicates,
            summary.invalid.len()
        );
    }
    eprintln!("  done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(summary)
}

fn read_jsonl(path: &Path) -> anyhow::Result<Vec<(usize, String)>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut rows = Vec::new();
    for (n, line) in file.lines().enumerate() {
        let line = line?;
        if !line.trim().is_empty() {
            rows.push((n + 1, line.trim().to_string()));
        }
    }
    Ok(rows)
}

/// CSV columns: text (required), source, external_id, url, author_handle, author_name,
/// author_followers, lang, posted_at, region, likes, shares, comments, views.
fn read_csv(path: &Path) -> anyhow::Result<Vec<(usize, String)>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record?;
        let mut obj = Map::new();
        let mut author = Map::new();
        let mut engagement = Map::new();
        for (h, val) in headers.iter().zip(record.iter()) {
            if val.is_empty() {
                continue;
            }
            let num = || {
                val.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::from(val))
            };
            match h.trim() {
                "author_handle" => drop(author.insert("handle".into(), val.into())),
                "author_name" => drop(author.insert("name".into(), val.into())),
                "author_followers" => drop(author.insert("followers".into(), num())),
                k @ ("likes" | "shares" | "comments" | "views") => drop(engagement.insert(k.into(), num())),
                k => drop(obj.insert(k.to_string(), val.into())),
            }
        }
        if !author.is_empty() {
            obj.insert("author".into(), Value::Object(author));
        }
        if !engagement.is_empty() {
            obj.insert("engagement".into(), Value::Object(engagement));
        }
        rows.push((n + 2, Value::Object(obj).to_string()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_text_chars: 100,
        max_batch_items: 3,
    };

    #[test]
    fn same_source_and_external_id_give_same_id() {
        let now = Utc::now();
        let a = validate_item(
            r#"{"source":"twitter","external_id":"1","text":"a"}"#,
            LIMITS,
            now,
        )
        .unwrap();
        let b = validate_item(
            r#"{"source":"twitter","external_id":"1","text":"b"}"#,
            LIMITS,
            now,
        )
        .unwrap();
        assert_eq!(a.id, b.id);
        let c = validate_item(r#"{"source":"twitter","text":"a"}"#, LIMITS, now).unwrap();
        assert!(c.external_id_derived && c.external_id.starts_with("sha256:"));
    }

    #[test]
    fn implausible_post_times_are_refused() {
        let now = Utc::now();
        for t in [
            "9999-12-31T23:59:59Z",
            "1900-01-01T00:00:00Z",
            "0001-01-01T00:00:00+23:59",
        ] {
            let raw = format!(r#"{{"text":"a","posted_at":"{t}"}}"#);
            let errors = validate_item(&raw, LIMITS, now).unwrap_err();
            assert_eq!(errors[0].field, "posted_at", "{t}");
        }
        let ok = validate_item(
            r#"{"text":"a","posted_at":"2026-11-29T08:00:00+07:00"}"#,
            LIMITS,
            now,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let raw = r#"{"source":"Bad Source","text":"","url":"javascript:alert(1)","author":{"followers":-1},"posted_at":"yesterday","engagement":{"likes":"many"}}"#;
        let errs = validate_item(raw, LIMITS, Utc::now()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "text",
                "source",
                "url",
                "author.followers",
                "posted_at",
                "engagement.likes"
            ]
        );
    }

    #[test]
    fn batch_errors_carry_indexes_and_limits_hold() {
        let raws = vec![r#"{"text":"ok"}"#.to_string(), r#"{"text":5}"#.to_string()];
        match validate_batch(&raws, LIMITS, Utc::now()) {
            Err(IntakeError::Invalid(e)) => assert_eq!((e[0].index, e[0].field.as_str()), (Some(1), "text")),
            other => panic!("{other:?}"),
        }
        let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(101));
        assert!(validate_item(&long, LIMITS, Utc::now()).is_err());
        let four = vec![r#"{"text":"a"}"#.to_string(); 4];
        assert!(validate_batch(&four, LIMITS, Utc::now()).is_err());
    }

    #[test]
    fn bodies_split_by_framing() {
        assert_eq!(split_body(br#"{"text":"a"}"#, Framing::Json).unwrap().len(), 1);
        assert_eq!(
            split_body(br#" [{"text":"a"}, {"text":"b"}] "#, Framing::Json)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            split_body(b"{\"text\":\"a\"}\n\n{\"text\":\"b\"}\n", Framing::Ndjson)
                .unwrap()
                .len(),
            2
        );
        assert!(split_body(b"{\"text\":", Framing::Json).is_err());
        assert!(split_body(b"\xff\xfe", Framing::Json).is_err());
        assert_eq!(
            Framing::from_content_type(Some("application/x-ndjson; charset=utf-8")).unwrap(),
            Framing::Ndjson
        );
        assert!(Framing::from_content_type(Some("text/plain")).is_err());
    }
}
