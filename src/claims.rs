//! The known-claims registry: claims the office (or a fact-checker) already debunked, and the
//! matching of new mentions against them by embedding similarity and BM25.
//!
//! A match at or above `claims.suggest_similarity` is shown to responders as a suggestion; at
//! or above `claims.auto_link_similarity` (and for texts of at least `claims.short_text_words`
//! words) the mention is linked: it joins the claim's open incident and carries the claim's
//! label even when the classifier missed it. Short texts are only ever suggested: a few words
//! match too many claims by chance.

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use crate::clarifications::Verdict;
use crate::config::ClaimSettings;

pub use crate::store::{KnownClaim, NewClaim};

/// A claim as submitted (API or import line), before validation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The claim text.
    #[schema(value_type = String, min_length = 10, max_length = 2000)]
    pub claim: Option<String>,
    /// Verdict code.
    #[schema(value_type = crate::clarifications::Verdict)]
    pub verdict: Option<String>,
    /// Summary of the facts.
    #[schema(value_type = String, min_length = 1, max_length = 4000)]
    pub summary: Option<String>,
    /// Link to the clarification.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// Incident it belongs to.
    #[serde(default)]
    pub incident_id: Option<String>,
}

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field name.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl TryFrom<ClaimInput> for NewClaim {
    type Error = FieldError;

    fn try_from(input: ClaimInput) -> Result<Self, FieldError> {
        let err = |field, message: &str| FieldError {
            field,
            message: message.to_string(),
        };
        let text = |v: Option<String>| v.map(|s| s.trim().to_string()).unwrap_or_default();
        let claim = text(input.claim);
        let n = claim.chars().count();
        if !(10..=2000).contains(&n) {
            return Err(err("claim", "must be 10–2,000 characters"));
        }
        let verdict = Verdict::parse(input.verdict.as_deref().unwrap_or("").trim())
            .filter(|v| *v != Verdict::BelumTerverifikasi)
            .ok_or_else(|| {
                let all: Vec<&str> = Verdict::ALL
                    .iter()
                    .filter(|v| **v != Verdict::BelumTerverifikasi)
                    .map(|v| v.code())
                    .collect();
                err("verdict", &format!("must be one of {}", all.join(", ")))
            })?;
        let summary = text(input.summary);
        if !(1..=4000).contains(&summary.chars().count()) {
            return Err(err("summary", "must be 1–4,000 characters"));
        }
        let url = input.url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        if let Some(u) = &url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 2000
                && !u.chars().any(char::is_whitespace);
            if !ok {
                return Err(err(
                    "url",
                    "must be an http(s) link without spaces, at most 2,000 characters",
                ));
            }
        }
        let incident_id = input
            .incident_id
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        Ok(NewClaim {
            claim,
            verdict,
            summary,
            url,
            incident_id,
        })
    }
}

/// The key that makes a claim unique (the same digest as an incident's cluster key).
pub fn claim_key(claim: &str) -> String {
    crate::text::cluster_key(claim)
}

pub use crate::domain::{ClaimMatch, MatchAction};

/// Records a known-claim match on a classification's explanation. A linked claim with a false
/// verdict also flags its label (hoax, or scam for `penipuan`) when the model missed it.
pub fn attach(c: &mut crate::classify::Classification, m: ClaimMatch) {
    if m.action == MatchAction::AutoLink {
        if let Some(l) = m.implied_label() {
            if !c.labels.contains(&l) {
                c.labels.push(l);
            }
        }
    }
    c.explanation.known_claim = Some(m);
}

/// Decides what a similarity means for a text of `words` words.
pub fn decide(similarity: f32, words: usize, s: &ClaimSettings) -> Option<MatchAction> {
    if similarity >= s.auto_link_similarity && words >= s.short_text_words {
        Some(MatchAction::AutoLink)
    } else if similarity >= s.suggest_similarity {
        Some(MatchAction::Suggest)
    } else {
        None
    }
}

/// A claim with its embedding, as the matcher holds it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The claim.
    pub claim: KnownClaim,
    /// Its unit-length embedding.
    pub embedding: Vec<f32>,
}

/// Known claims in memory: embeddings plus a small BM25 index (tantivy, in RAM).
pub struct Matcher {
    entries: Vec<Entry>,
    /// The claims' embeddings side by side (row `i` is claim `i`), scanned in one pass.
    matrix: Vec<f32>,
    /// Width of a row (0 when empty).
    dim: usize,
    lexical: Option<Lexical>,
    /// What the registry looked like when this was built (see `Store::claims_version`).
    pub version: String,
}

struct Lexical {
    index: Index,
    reader: IndexReader,
    text: tantivy::schema::Field,
    /// Name of the fast field holding each document's position in `entries`.
    slot_name: &'static str,
    /// Each claim's BM25 score against itself, to scale scores into [0, 1].
    own: Vec<f32>,
}

/// Terms read from a text at most (long mentions are cut).
const MAX_TERMS: usize = 64;

/// Terms queried at most: the rarest among the registered claims.
const QUERY_TERMS: usize = 12;

impl Default for Matcher {
    fn default() -> Self {
        Matcher::empty()
    }
}

impl Matcher {
    /// A matcher with no claims.
    pub fn empty() -> Matcher {
        Matcher {
            entries: Vec::new(),
            matrix: Vec::new(),
            dim: 0,
            lexical: None,
            version: String::new(),
        }
    }

    /// Claims held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no claims.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Builds the matcher (blocking: indexes the claims).
    pub fn build(entries: Vec<Entry>, version: String) -> anyhow::Result<Matcher> {
        if entries.is_empty() {
            return Ok(Matcher {
                version,
                ..Matcher::empty()
            });
        }
        let dim = entries[0].embedding.len();
        let mut matrix = Vec::with_capacity(entries.len() * dim);
        for e in &entries {
            // A claim embedded by another model (another width) never matches by cosine.
            if e.embedding.len() == dim {
                matrix.extend_from_slice(&e.embedding);
            } else {
                matrix.extend(std::iter::repeat_n(0.0, dim));
            }
        }
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(crate::analyzer::STEMMED)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = schema.add_text_field("text", TextOptions::default().set_indexing_options(indexing));
        let slot = schema.add_u64_field("slot", tantivy::schema::FAST);
        let index = Index::create_in_ram(schema.build());
        crate::analyzer::register(&index);
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (i, e) in entries.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_text(text, &e.claim.claim);
            doc.add_u64(slot, i as u64);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut lexical = Lexical {
            index,
            reader,
            text,
            slot_name: "slot",
            own: vec![1.0; entries.len()],
        };
        let own: Vec<f32> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                lexical
                    .scores(&e.claim.claim)
                    .map(|s| s.iter().find(|(slot, _)| *slot == i).map_or(1.0, |x| x.1))
                    .unwrap_or(1.0)
                    .max(1e-3)
            })
            .collect();
        lexical.own = own;
        Ok(Matcher {
            entries,
            matrix,
            dim,
            lexical: Some(lexical),
            version,
        })
    }

    /// The best-matching claim of a text, if any reaches the suggest threshold.
    pub fn best(&self, text: &str, embedding: &[f32], s: &ClaimSettings) -> Option<ClaimMatch> {
        if self.entries.is_empty() {
            return None;
        }
        let mut lexical = vec![0f32; self.entries.len()];
        if let Some(lx) = &self.lexical {
            if let Ok(hits) = lx.scores(text) {
                for (slot, score) in hits {
                    lexical[slot] = (score / lx.own[slot]).min(1.0);
                }
            }
        }
        let same_width = embedding.len() == self.dim && self.dim > 0;
        let (i, cosine, lex, sim) = (0..self.entries.len())
            .map(|i| {
                let cos = if same_width {
                    let row = &self.matrix[i * self.dim..(i + 1) * self.dim];
                    row.iter()
                        .zip(embedding)
                        .map(|(a, b)| a * b)
                        .sum::<f32>()
                        .clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (i, cos, lexical[i], (cos + lexical[i]) / 2.0)
            })
            .max_by(|a, b| a.3.total_cmp(&b.3))?;
        let words = text.split_whitespace().count();
        let action = decide(sim, words, s)?;
        let c = &self.entries[i].claim;
        let shared_terms = self
            .lexical
            .as_ref()
            .and_then(|lx| lx.shared_terms(text, &c.claim).ok())
            .unwrap_or_default();
        Some(ClaimMatch {
            id: c.id.clone(),
            claim: c.claim.clone(),
            verdict: c.verdict.clone(),
            summary: c.summary.clone(),
            url: c.url.clone(),
            incident_id: c.incident_id.clone(),
            similarity: round(sim),
            cosine: round(cosine),
            lexical: round(lex),
            action,
            shared_terms,
        })
    }
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

impl Lexical {
    /// The analysed terms of a text, each once, in order (at most [`MAX_TERMS`]).
    fn terms(&self, text: &str) -> anyhow::Result<Vec<String>> {
        let mut terms: Vec<String> = Vec::new();
        let mut analyzer = self.index.tokenizer_for_field(self.text)?;
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token().text.clone();
            if !terms.contains(&t) {
                terms.push(t);
            }
            if terms.len() >= MAX_TERMS {
                break;
            }
        }
        Ok(terms)
    }

    /// Terms `text` shares with `claim`, rarest among the registered claims first (at most 8).
    fn shared_terms(&self, text: &str, claim: &str) -> anyhow::Result<Vec<String>> {
        let mine = self.terms(text)?;
        let searcher = self.reader.searcher();
        let mut shared: Vec<(u64, String)> = Vec::new();
        for t in self.terms(claim)? {
            if mine.contains(&t) {
                let df = searcher.doc_freq(&Term::from_field_text(self.text, &t))?;
                shared.push((df, t));
            }
        }
        shared.sort();
        Ok(shared.into_iter().take(8).map(|(_, t)| t).collect())
    }

    /// BM25 score of every claim sharing a term with `text`: (slot, score).
    fn scores(&self, text: &str) -> anyhow::Result<Vec<(usize, f32)>> {
        let searcher = self.reader.searcher();
        // The rarest terms decide which claim a text is about; common ones ("lampung", "warga")
        // would make the query visit most of a large registry for nothing.
        let mut terms: Vec<(u64, String)> = Vec::new();
        for t in self.terms(text)? {
            let df = searcher.doc_freq(&Term::from_field_text(self.text, &t))?;
            if df > 0 {
                terms.push((df, t));
            }
        }
        terms.sort();
        terms.truncate(QUERY_TERMS);
        let terms: Vec<String> = terms.into_iter().map(|(_, t)| t).collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.text, t),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(50))?;
        let mut out = Vec::with_capacity(top.len());
        // The slot is a fast field: reading it costs no stored-document decompression.
        let mut columns = std::collections::HashMap::new();
        for (score, addr) in top {
            let column = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64(self.slot_name)?,
                ),
            };
            if let Some(slot) = column.first(addr.doc_id) {
                out.push((slot as usize, score));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Label;

    fn input(claim: &str, verdict: &str, summary: &str, url: Option<&str>) -> ClaimInput {
        ClaimInput {
            claim: Some(claim.into()),
            verdict: Some(verdict.into()),
            summary: Some(summary.into()),
            url: url.map(Into::into),
            incident_id: None,
        }
    }

    #[test]
    fn claims_are_validated_field_by_field() {
        let ok = NewClaim::try_from(input(
            "  Vaksin mengandung microchip pelacak  ",
            "hoaks",
            "Tidak benar.",
            Some("https://x.go.id/a"),
        ))
        .unwrap();
        assert_eq!(ok.claim, "Vaksin mengandung microchip pelacak");
        assert_eq!(ok.verdict, Verdict::Hoaks);
        let field = |i: ClaimInput| NewClaim::try_from(i).unwrap_err().field;
        assert_eq!(field(input("pendek", "hoaks", "x", None)), "claim");
        assert_eq!(
            field(input(
                "klaim yang cukup panjang",
                "belum_terverifikasi",
                "x",
                None
            )),
            "verdict"
        );
        assert_eq!(
            field(input("klaim yang cukup panjang", "hoaks", "  ", None)),
            "summary"
        );
        assert_eq!(
            field(input(
                "klaim yang cukup panjang",
                "hoaks",
                "x",
                Some("javascript:alert(1)")
            )),
            "url"
        );
    }

    fn settings() -> ClaimSettings {
        ClaimSettings {
            suggest_similarity: 0.5,
            auto_link_similarity: 0.75,
            short_text_words: 8,
        }
    }

    #[test]
    fn short_texts_are_only_suggested() {
        let s = settings();
        assert_eq!(decide(0.9, 12, &s), Some(MatchAction::AutoLink));
        assert_eq!(decide(0.9, 5, &s), Some(MatchAction::Suggest));
        assert_eq!(decide(0.6, 12, &s), Some(MatchAction::Suggest));
        assert_eq!(decide(0.4, 12, &s), None);
    }

    fn entry(id: &str, text: &str, embedding: Vec<f32>) -> Entry {
        Entry {
            claim: KnownClaim {
                id: id.into(),
                claim: text.into(),
                verdict: "hoaks".into(),
                summary: "Tidak benar.".into(),
                url: None,
                incident_id: None,
                origin: "api".into(),
                created_at: "2026-11-01T00:00:00Z".into(),
                disabled_at: None,
                matches: 0,
            },
            embedding,
        }
    }

    #[test]
    fn bm25_and_cosine_pick_the_right_claim() {
        let a = entry(
            "kc_a",
            "Air rebusan daun sirsak menyembuhkan kanker dalam tiga hari",
            vec![1.0, 0.0],
        );
        let b = entry(
            "kc_b",
            "Bendungan Batutegi jebol dan air bah menuju Bandar Lampung",
            vec![0.0, 1.0],
        );
        let m = Matcher::build(vec![a, b], "1".into()).unwrap();
        let s = settings();
        let hit = m
            .best(
                "Info penting: bendungan Batutegi jebol, air bah menuju Bandar Lampung malam ini!!",
                &[0.1, 0.95],
                &s,
            )
            .expect("a match");
        assert_eq!(hit.id, "kc_b");
        assert!(hit.lexical > 0.7, "{hit:?}");
        assert_eq!(hit.action, MatchAction::AutoLink);
        assert_eq!(hit.implied_label(), Some(Label::Hoax));
        assert!(m.best("Harga cabai naik di pasar", &[0.5, 0.1], &s).is_none());
    }
}

/// A claim read from a fact-checker's ClaimReview, with who published the review.
#[derive(Debug, Clone)]
pub struct ReviewedClaim {
    /// The claim, ready to validate.
    pub input: ClaimInput,
    /// The fact-checker (`author` / `publisher` name), when given.
    pub publisher: Option<String>,
    /// When the review was published (as given).
    pub date: Option<String>,
}

/// The verdict a fact-checker's rating text means (`Salah`, `Hoaks`, `False`, `Misleading`,
/// `Penipuan`, `Benar`, …); `None` for ratings that are no verdict (e.g. "unverifiable").
pub fn verdict_from_rating(rating: &str) -> Option<Verdict> {
    let r = rating.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| r.contains(w));
    if has(&["penipuan", "scam", "fraud", "phishing"]) {
        Some(Verdict::Penipuan)
    } else if has(&["disinformasi", "disinformation"]) {
        Some(Verdict::Disinformasi)
    } else if has(&[
        "misinformasi",
        "misinformation",
        "misleading",
        "menyesatkan",
        "missing context",
        "konteks",
    ]) {
        Some(Verdict::Misinformasi)
    } else if has(&["hoaks", "hoax", "fabricated", "fake", "palsu"]) {
        Some(Verdict::Hoaks)
    } else if has(&[
        "salah",
        "false",
        "keliru",
        "pants on fire",
        "incorrect",
        "tidak benar",
    ]) {
        Some(Verdict::Salah)
    } else if has(&["benar", "true", "fakta", "correct", "accurate"]) {
        Some(Verdict::Fakta)
    } else {
        None
    }
}

/// Every claim in a JSON document of fact-check reviews: schema.org `ClaimReview` objects
/// (alone, in arrays or in an `@graph`, as embedded in article pages as JSON-LD) and the export
/// format of fact-check search tools (`{"claims": [{"text", "claimReview": [{"publisher",
/// "url", "title", "textualRating", "reviewDate"}]}]}`). Reviews without a usable verdict are
/// left out; the caller validates the rest.
pub fn claim_reviews(doc: &serde_json::Value) -> Vec<ReviewedClaim> {
    let mut out = Vec::new();
    collect_reviews(doc, &mut out, 0);
    out
}

fn collect_reviews(v: &serde_json::Value, out: &mut Vec<ReviewedClaim>, depth: usize) {
    use serde_json::Value;
    if depth > 8 {
        return;
    }
    let str_of = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Object(o) => o
                .get("name")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            Value::Array(a) => a.iter().find_map(|x| x.as_str().map(str::to_string)),
            _ => None,
        }
    };
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_reviews(i, out, depth + 1)),
        Value::Object(o) => {
            let is_review = o
                .get("@type")
                .map(|t| match t {
                    Value::String(s) => s == "ClaimReview",
                    Value::Array(a) => a.iter().any(|x| x == "ClaimReview"),
                    _ => false,
                })
                .unwrap_or(false);
            if is_review {
                let rating = o.get("reviewRating");
                let rating_text =
                    rating.and_then(|r| str_of(r.get("alternateName")).or_else(|| str_of(r.get("name"))));
                let verdict = rating_text.as_deref().and_then(verdict_from_rating);
                let claim = str_of(o.get("claimReviewed"));
                if let (Some(claim), Some(verdict)) = (claim, verdict) {
                    let summary = str_of(o.get("description"))
                        .or_else(|| str_of(o.get("headline")))
                        .or_else(|| str_of(o.get("name")))
                        .unwrap_or_else(|| format!("{}: {claim}", rating_text.clone().unwrap_or_default()));
                    out.push(ReviewedClaim {
                        input: ClaimInput {
                            claim: Some(claim),
                            verdict: Some(verdict.code().to_string()),
                            summary: Some(summary),
                            url: str_of(o.get("url")),
                            incident_id: None,
                        },
                        publisher: str_of(o.get("author")).or_else(|| str_of(o.get("publisher"))),
                        date: str_of(o.get("datePublished")),
                    });
                }
                return;
            }
            if let Some(claims) = o.get("claims").and_then(Value::as_array) {
                // The fact-check search tools' export.
                for c in claims {
                    let Some(text) = str_of(c.get("text")) else {
                        continue;
                    };
                    for r in c
                        .get("claimReview")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let rating = str_of(r.get("textualRating"));
                        let Some(verdict) = rating.as_deref().and_then(verdict_from_rating) else {
                            continue;
                        };
                        out.push(ReviewedClaim {
                            input: ClaimInput {
                                claim: Some(text.clone()),
                                verdict: Some(verdict.code().to_string()),
                                summary: Some(str_of(r.get("title")).unwrap_or_else(|| {
                                    format!("{}: {text}", rating.clone().unwrap_or_default())
                                })),
                                url: str_of(r.get("url")),
                                incident_id: None,
                            },
                            publisher: str_of(r.get("publisher")),
                            date: str_of(r.get("reviewDate")),
                        });
                        break;
                    }
                }
                return;
            }
            if let Some(graph) = o.get("@graph") {
                collect_reviews(graph, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The JSON-LD blocks (`<script type="application/ld+json">…</script>`) of an HTML text.
pub fn json_ld_blocks(html: &str) -> Vec<serde_json::Value> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("application/ld+json") {
        let start = from + at;
        let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script>").map(|i| open_end + i) else {
            break;
        };
        if let Ok(v) = serde_json::from_str(html[open_end..close].trim()) {
            out.push(v);
        }
        from = close;
    }
    out
}

#[cfg(test)]
mod review_tests {
    use super::*;

    #[test]
    fn claim_review_json_ld_and_the_search_tools_export_become_claims() {
        let page = r#"<html><head><script type="application/ld+json">
            {"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"ClaimReview",
             "claimReviewed":"Video tsunami di pantai Kalianda pada November 2026",
             "url":"https://cekfakta.test/1","author":{"@type":"Organization","name":"Cek Fakta"},
             "datePublished":"2026-11-20","reviewRating":{"@type":"Rating","alternateName":"Salah"},
             "description":"Video itu rekaman tahun 2004."}]}
            </script></head><body>…</body></html>"#;
        let blocks = json_ld_blocks(page);
        assert_eq!(blocks.len(), 1);
        let found = claim_reviews(&blocks[0]);
        assert_eq!(found.len(), 1);
        let c = NewClaim::try_from(found[0].input.clone()).unwrap();
        assert_eq!(c.verdict, Verdict::Salah);
        assert_eq!(c.summary, "Video itu rekaman tahun 2004.");
        assert_eq!(found[0].publisher.as_deref(), Some("Cek Fakta"));

        let export = serde_json::json!({"claims": [
            {"text": "Pendaftaran bansos lewat tautan bit.ly atas nama Kemensos", "claimReview": [
                {"publisher": {"name": "Turn Back Hoax"}, "url": "https://tbh.test/2",
                 "title": "[PENIPUAN] Pendaftaran bansos", "textualRating": "Penipuan", "reviewDate": "2026-10-01"}]},
            {"text": "Klaim tanpa vonis yang jelas", "claimReview": [{"textualRating": "Perlu konteks lebih"}]}
        ]});
        let found = claim_reviews(&export);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].input.verdict.as_deref(), Some("penipuan"));
        assert_eq!(found[1].input.verdict.as_deref(), Some("misinformasi"));
        assert_eq!(verdict_from_rating("Unverifiable"), None);
        assert_eq!(verdict_from_rating("False"), Some(Verdict::Salah));
        assert_eq!(verdict_from_rating("Hoaks"), Some(Verdict::Hoaks));
    }
}

/// A labelled pair for judging matching: a registered claim and a post that spreads the same
/// claim (`same`) or a different one sharing its words.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimPair {
    /// The registered claim.
    pub claim: String,
    /// The post.
    pub post: String,
    /// Whether the post spreads that claim.
    pub same: bool,
}

/// Precision and recall of one kind of match on labelled pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PairScores {
    /// Pairs matched to their claim that spread it.
    pub tp: usize,
    /// Pairs matched to their claim that do not spread it.
    pub fp: usize,
    /// Pairs spreading the claim not matched to it.
    pub fn_: usize,
}

impl PairScores {
    /// Precision (1 when nothing was matched).
    pub fn precision(&self) -> f32 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f32 / (self.tp + self.fp) as f32
        }
    }

    /// Recall.
    pub fn recall(&self) -> f32 {
        self.tp as f32 / (self.tp + self.fn_).max(1) as f32
    }
}

/// Matching quality on labelled pairs with the configured encoder and thresholds (blocking:
/// loads the model and embeds every claim and post once); see [`pair_quality`].
pub fn evaluate_pairs(
    settings: &crate::config::Settings,
    pairs: &[ClaimPair],
) -> anyhow::Result<(PairScores, PairScores)> {
    use crate::classify::encoder;
    let mut texts: Vec<String> = pairs
        .iter()
        .flat_map(|p| [p.claim.clone(), p.post.clone()])
        .collect();
    texts.sort();
    texts.dedup();
    let model = encoder::load_model(&settings.encoder_dir(), encoder::ModelOptions::from(settings))?;
    let vectors = encoder::embed_with(&model, &texts)?;
    let vectors = texts.into_iter().zip(vectors).collect();
    pair_quality(pairs, &vectors, &settings.claims)
}

/// Matching quality on labelled pairs: every distinct claim is registered in one matcher (so
/// claims compete, as in the service); a post counts as matched to its pair's claim when that
/// claim is its best match at the *suggest* level (suggest or auto-link) or at *auto-link*.
/// `vectors` maps each claim and post text to its embedding.
pub fn pair_quality(
    pairs: &[ClaimPair],
    vectors: &std::collections::HashMap<String, Vec<f32>>,
    s: &ClaimSettings,
) -> anyhow::Result<(PairScores, PairScores)> {
    let mut claims: Vec<&str> = pairs.iter().map(|p| p.claim.as_str()).collect();
    claims.sort_unstable();
    claims.dedup();
    let entries = claims
        .iter()
        .enumerate()
        .map(|(i, c)| Entry {
            claim: KnownClaim {
                id: format!("kc_pair{i}"),
                claim: c.to_string(),
                verdict: "hoaks".into(),
                summary: "-".into(),
                url: None,
                incident_id: None,
                origin: "pairs".into(),
                created_at: String::new(),
                disabled_at: None,
                matches: 0,
            },
            embedding: vectors.get(*c).cloned().unwrap_or_default(),
        })
        .collect();
    let matcher = Matcher::build(entries, "pairs".into())?;
    let (mut suggest, mut link) = (PairScores::default(), PairScores::default());
    for p in pairs {
        let hit = matcher
            .best(&p.post, vectors.get(&p.post).map_or(&[][..], Vec::as_slice), s)
            .filter(|m| m.claim == p.claim);
        let count = |scores: &mut PairScores, matched: bool| match (matched, p.same) {
            (true, true) => scores.tp += 1,
            (true, false) => scores.fp += 1,
            (false, true) => scores.fn_ += 1,
            (false, false) => {}
        };
        count(&mut suggest, hit.is_some());
        count(
            &mut link,
            hit.as_ref().is_some_and(|m| m.action == MatchAction::AutoLink),
        );
    }
    Ok((suggest, link))
}
