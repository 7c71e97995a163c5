//! The full-text index (tantivy) under `DATA_DIR/index`. The database is the truth: every change
//! to a mention that search cares about (arrival, classification, a move to another incident)
//! gives it a new `rev` in the database (by trigger), and each index commit records in its payload
//! the highest `rev` it contains; the indexer catches up from there after any crash, so the
//! database itself is the durable indexing queue. Commits run on blocking threads, in batches.
//!
//! Text goes into two fields: `text` (stemmed, slang-normalised, see [`crate::analyzer`]) and
//! `exact` (lowercased and folded only). Bare words search both, exact forms ranking higher;
//! quoted phrases search `exact` only, so names match precisely.

use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::AggregationCollector;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

use crate::analyzer;
use crate::store::IndexRow;

/// Bumped whenever the schema or analysis changes; a mismatch rebuilds the index on start.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    seq: Field,
    text: Field,
    exact: Field,
    source: Field,
    region: Field,
    author: Field,
    label: Field,
    incident: Field,
    at: Field,
}

/// The index, its single writer and its reader; cheap to clone.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    fields: Fields,
    /// The watermark that searches see (set once the reader has reloaded after a commit).
    searchable: Arc<std::sync::atomic::AtomicI64>,
}

/// The watermark stored with the index's last commit (0 for a new index).
fn committed_watermark(index: &Index) -> anyhow::Result<i64> {
    let metas = index.load_metas()?;
    Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
}

/// One search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Mention id.
    pub id: String,
    /// BM25 score (0 when sorted by time).
    pub score: f32,
    /// Escaped HTML fragment with `<mark>` around matches.
    pub snippet: String,
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first (posted time, else capture time).
    Newest,
    /// Oldest first.
    Oldest,
}

/// A search: the query text plus filters, order and page.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Query text (phrases, AND/OR/NOT, `+`/`-`, `field:value`); empty matches everything.
    pub q: String,
    /// Only mentions flagged with this label.
    pub label: Option<String>,
    /// Only this source.
    pub source: Option<String>,
    /// Only this region (exact name).
    pub region: Option<String>,
    /// Only mentions of this incident.
    pub incident: Option<String>,
    /// Posted (or captured) at or after.
    pub from: Option<DateTime<Utc>>,
    /// Posted (or captured) before.
    pub to: Option<DateTime<Utc>>,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Whether to count facets (label, source, region) over all matches.
    pub facets: bool,
}

/// Counts of matches per value of one field, largest first.
pub type FacetCounts = Vec<(String, u64)>;

/// Facet counts over all matches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// Per flagged label.
    pub label: FacetCounts,
    /// Per source.
    pub source: FacetCounts,
    /// Per region.
    pub region: FacetCounts,
}

/// A page of hits.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    /// All matches.
    pub total: usize,
    /// This page.
    pub hits: Vec<Hit>,
    /// Facet counts, when asked for.
    pub facets: Option<Facets>,
}

/// Errors of a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query does not parse.
    #[error("invalid query: {0}")]
    BadQuery(String),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analyzed = |name: &str| {
        TextFieldIndexing::default()
            .set_tokenizer(name)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        seq: b.add_u64_field("seq", INDEXED | STORED | FAST),
        text: b.add_text_field(
            "text",
            TextOptions::default()
                .set_indexing_options(analyzed(analyzer::STEMMED))
                .set_stored(),
        ),
        exact: b.add_text_field(
            "exact",
            TextOptions::default().set_indexing_options(analyzed(analyzer::EXACT)),
        ),
        source: b.add_text_field("source", STRING | STORED | FAST),
        region: b.add_text_field("region", STRING | STORED | FAST),
        author: b.add_text_field("author", STRING | STORED),
        label: b.add_text_field("label", STRING | FAST),
        incident: b.add_text_field("incident", STRING),
        at: b.add_date_field("at", INDEXED | STORED | FAST),
    };
    (b.build(), fields)
}

/// Rewrites `NOT x` (and `AND NOT x`) as `-x`: tantivy reads a lone `NOT x` as a query that
/// matches nothing, while `-x` excludes within the surrounding conjunction.
fn rewrite_not(q: &str) -> String {
    // Split on whitespace outside quotes.
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    for c in q.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c.is_whitespace() && !in_quotes {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut negate = false;
    for w in words {
        if w == "NOT" {
            if out.last().is_some_and(|p| p == "AND") {
                out.pop();
            }
            negate = true;
            continue;
        }
        if negate {
            out.push(format!("-{w}"));
            negate = false;
        } else {
            out.push(w);
        }
    }
    if negate {
        out.push("NOT".into());
    }
    out.join(" ")
}

/// Sends bare quoted phrases to the exact field: `"Way Halim"` → `exact:"Way Halim"`, leaving
/// `field:"…"` alone.
fn phrases_to_exact(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 16);
    let mut in_quotes = false;
    let mut prev: Option<char> = None;
    for c in q.chars() {
        if c == '"' {
            if !in_quotes && prev != Some(':') && prev != Some('\\') {
                out.push_str("exact:");
            }
            in_quotes = !in_quotes;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

pub use crate::text::escape_html;

/// A tantivy date. tantivy keeps nanoseconds in an `i64` (years 1678–2261) and overflows
/// outside them, so times beyond are clamped to its range.
fn tantivy_date(t: DateTime<Utc>) -> tantivy::DateTime {
    const LIMIT: i64 = i64::MAX / 1000;
    tantivy::DateTime::from_timestamp_micros(t.timestamp_micros().clamp(-LIMIT, LIMIT))
}

fn counts(result: &serde_json::Value, name: &str) -> FacetCounts {
    result[name]["buckets"]
        .as_array()
        .map(|buckets| {
            buckets
                .iter()
                .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64()?)))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it, or rebuilding it when its schema version is old.
    pub fn open(dir: &Path) -> anyhow::Result<SearchIndex> {
        let version_file = dir.join("tanggap-schema-version");
        let current = std::fs::read_to_string(&version_file)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok());
        if dir.exists() && current != Some(SCHEMA_VERSION) {
            tracing::warn!(
                ?current,
                wanted = SCHEMA_VERSION,
                "index schema changed; rebuilding from the database"
            );
            std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let (schema, fields) = schema();
        let index = if Index::exists(&tantivy::directory::MmapDirectory::open(dir)?)? {
            Index::open_in_dir(dir)?
        } else {
            let index = Index::create_in_dir(dir, schema)?;
            std::fs::write(&version_file, SCHEMA_VERSION.to_string())?;
            index
        };
        analyzer::register(&index);
        let writer: IndexWriter = index
            .writer(128_000_000)
            .context("taking the index writer lock")?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searchable = Arc::new(std::sync::atomic::AtomicI64::new(committed_watermark(&index)?));
        Ok(SearchIndex {
            index,
            reader,
            writer: Arc::new(Mutex::new(writer)),
            fields,
            searchable,
        })
    }

    /// Highest mention `rev` committed to the index.
    pub fn watermark(&self) -> anyhow::Result<i64> {
        committed_watermark(&self.index)
    }

    /// Highest mention `rev` that searches already see (at most [`Self::watermark`]).
    pub fn searchable_watermark(&self) -> i64 {
        self.searchable.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Adds (or replaces) mentions and commits with the new watermark, the highest `rev` of
    /// `rows` (blocking: call off the runtime).
    pub fn add_and_commit(&self, rows: &[IndexRow]) -> anyhow::Result<()> {
        let Some(last) = rows.iter().map(|r| r.rev).max() else {
            return Ok(());
        };
        let f = self.fields;
        let mut writer = self.writer()?;
        for r in rows {
            writer.delete_term(Term::from_field_text(f.id, &r.id));
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, &r.id);
            doc.add_u64(f.seq, r.seq as u64);
            doc.add_text(f.text, &r.text);
            doc.add_text(f.exact, &r.text);
            doc.add_text(f.source, &r.source);
            if let Some(region) = r.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                doc.add_text(f.region, region);
            }
            if let Some(a) = r.author_handle.as_deref().filter(|s| !s.is_empty()) {
                doc.add_text(f.author, a.to_lowercase());
            }
            for l in r
                .labels
                .as_deref()
                .and_then(|l| serde_json::from_str::<Vec<String>>(l).ok())
                .unwrap_or_default()
            {
                doc.add_text(f.label, l);
            }
            if let Some(i) = &r.incident_id {
                doc.add_text(f.incident, i);
            }
            let at = r
                .posted_at
                .as_deref()
                .and_then(crate::store::parse_ts)
                .or_else(|| crate::store::parse_ts(&r.captured_at))
                .unwrap_or_default();
            doc.add_date(f.at, tantivy_date(at));
            writer.add_document(doc)?;
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&last.to_string());
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.searchable.store(last, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Empties the index (for a rebuild).
    pub fn clear(&self) -> anyhow::Result<()> {
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload("0");
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.searchable.store(0, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// The writer. A panic while it was held (a bug; tantivy asserts) leaves uncommitted
    /// changes of unknown state: they are rolled back to the last commit, whose watermark makes
    /// the indexer send those rows again, instead of refusing every later batch.
    fn writer(&self) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter>> {
        match self.writer.lock() {
            Ok(w) => Ok(w),
            Err(poisoned) => {
                let mut w = poisoned.into_inner();
                tracing::error!("the index writer panicked earlier; rolling back to the last commit");
                w.rollback()?;
                self.writer.clear_poison();
                Ok(w)
            }
        }
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self) -> anyhow::Result<u64> {
        let searcher = self.reader.searcher();
        let mut total = 0;
        for segment in searcher.segment_readers() {
            total += segment.space_usage()?.total().get_bytes();
        }
        Ok(total)
    }

    fn build_query(&self, r: &SearchRequest) -> Result<Box<dyn Query>, SearchError> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.text, f.exact]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.exact, 1.5);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !r.q.trim().is_empty() {
            let text = phrases_to_exact(&rewrite_not(&r.q));
            // tantivy's query grammar panics on a few inputs (found by the property tests:
            // `<a - *`); such a query is the user's problem to fix, not a server error.
            let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse_query(&text)))
                .map_err(|_| {
                    SearchError::BadQuery("the query could not be read; check its operators".into())
                })?;
            let q = parsed.map_err(|e| SearchError::BadQuery(e.to_string()))?;
            clauses.push((Occur::Must, q));
        }
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        for (field, value) in [
            (f.label, &r.label),
            (f.source, &r.source),
            (f.region, &r.region),
            (f.incident, &r.incident),
        ] {
            if let Some(v) = value {
                clauses.push((Occur::Must, term(field, v)));
            }
        }
        if r.from.is_some() || r.to.is_some() {
            let lower = r
                .from
                .map_or(Bound::Unbounded, |t| Bound::Included(tantivy_date(t)));
            let upper =
                r.to.map_or(Bound::Unbounded, |t| Bound::Excluded(tantivy_date(t)));
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new_date_bounds("at".into(), lower, upper)),
            ));
        }
        if clauses.is_empty() {
            return Ok(Box::new(tantivy::query::AllQuery));
        }
        if clauses.len() == 1 {
            return Ok(clauses.pop().expect("one").1);
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Full-text search with filters, order, page, highlights and facets (blocking: call off
    /// the runtime).
    pub fn search(&self, r: &SearchRequest) -> Result<SearchPage, SearchError> {
        self.search_with(r, true)
    }

    /// The same search without snippets (hit ids and scores only), for the benchmark's
    /// engine-to-engine comparison.
    pub fn search_without_snippets(&self, r: &SearchRequest) -> Result<SearchPage, SearchError> {
        self.search_with(r, false)
    }

    fn search_with(&self, r: &SearchRequest, snippets: bool) -> Result<SearchPage, SearchError> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let query = self.build_query(r)?;
        let limit = r.limit.max(1);
        let page = TopDocs::with_limit(limit).and_offset(r.offset);
        let (top, total): (Vec<(f32, tantivy::DocAddress)>, usize) = match r.sort {
            Sort::Relevance => searcher
                .search(&query, &(page, Count))
                .map_err(anyhow::Error::from)?,
            Sort::Newest | Sort::Oldest => {
                let order = if r.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (top, total) = searcher
                    .search(
                        &query,
                        &(page.order_by_fast_field::<tantivy::DateTime>("at", order), Count),
                    )
                    .map_err(anyhow::Error::from)?;
                (top.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            }
        };
        let facets = if r.facets {
            let request: Aggregations = serde_json::from_value(serde_json::json!({
                "label": { "terms": { "field": "label", "size": 20 } },
                "source": { "terms": { "field": "source", "size": 20 } },
                "region": { "terms": { "field": "region", "size": 30 } },
            }))
            .map_err(anyhow::Error::from)?;
            let collector = AggregationCollector::from_aggs(request, Default::default());
            let result = searcher.search(&query, &collector).map_err(anyhow::Error::from)?;
            let json = serde_json::to_value(&result).map_err(anyhow::Error::from)?;
            Some(Facets {
                label: counts(&json, "label"),
                source: counts(&json, "source"),
                region: counts(&json, "region"),
            })
        } else {
            None
        };
        if !snippets {
            let hits = top
                .into_iter()
                .map(|(score, addr)| {
                    let doc: TantivyDocument = searcher.doc(addr)?;
                    let id = doc
                        .get_first(f.id)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string();
                    Ok(Hit {
                        id,
                        score,
                        snippet: String::new(),
                    })
                })
                .collect::<tantivy::Result<Vec<Hit>>>()
                .map_err(anyhow::Error::from)?;
            return Ok(SearchPage { total, hits, facets });
        }
        let mut stemmed =
            SnippetGenerator::create(&searcher, &*query, f.text).map_err(anyhow::Error::from)?;
        stemmed.set_max_num_chars(240);
        let mut exact = SnippetGenerator::create(&searcher, &*query, f.exact).map_err(anyhow::Error::from)?;
        exact.set_max_num_chars(240);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(anyhow::Error::from)?;
            let id = doc
                .get_first(f.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let text = doc.get_first(f.text).and_then(|v| v.as_str()).unwrap_or_default();
            // The stemmed field highlights every form of a word; phrases live in the exact field.
            let mut snippet = stemmed.snippet(text);
            if snippet.highlighted().is_empty() {
                snippet = exact.snippet(text);
            }
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let mut html = snippet.to_html();
            if html.is_empty() {
                html = escape_html(&text.chars().take(240).collect::<String>());
            }
            hits.push(Hit {
                id,
                score,
                snippet: html,
            });
        }
        Ok(SearchPage { total, hits, facets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, text: &str) -> IndexRow {
        IndexRow {
            seq,
            rev: seq,
            id: format!("m_{seq}"),
            source: "twitter".into(),
            text: text.into(),
            region: Some("Bandar Lampung".into()),
            author_handle: None,
            captured_at: format!("2026-11-{:02}T00:00:00.000Z", seq.clamp(1, 28)),
            posted_at: None,
            labels: None,
            incident_id: None,
        }
    }

    fn req(q: &str) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            limit: 20,
            facets: true,
            ..Default::default()
        }
    }

    fn ids(idx: &SearchIndex, r: &SearchRequest) -> Vec<String> {
        let mut ids: Vec<String> = idx.search(r).unwrap().hits.into_iter().map(|h| h.id).collect();
        ids.sort();
        ids
    }

    /// Found by schemathesis: a post dated year 9999 overflowed tantivy's nanoseconds, panicked
    /// in the index writer and poisoned it, so search stopped following the database.
    #[test]
    fn times_beyond_tantivys_range_are_clamped_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        let mut far = row(1, "tanggal jauh");
        far.posted_at = Some("9999-12-31T23:59:59.000Z".into());
        let mut early = row(2, "tanggal awal");
        early.posted_at = Some("0001-01-01T00:00:00.000Z".into());
        idx.add_and_commit(&[far, early]).unwrap();
        idx.add_and_commit(&[row(3, "sesudahnya")]).unwrap();
        assert_eq!(idx.search(&req("tanggal")).unwrap().total, 2);
        assert_eq!(idx.watermark().unwrap(), 3);
    }

    #[test]
    fn indexes_searches_and_remembers_its_watermark() {
        let dir = tempfile::tempdir().unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.watermark().unwrap(), 0);
        idx.add_and_commit(&[
            row(1, "Gempa <b>besar</b> di Lampung"),
            row(2, "harga beras naik"),
        ])
        .unwrap();
        assert_eq!(idx.watermark().unwrap(), 2);
        let page = idx.search(&req("gempa")).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.hits[0].id, "m_1");
        assert!(page.hits[0].snippet.contains("<mark>Gempa</mark>"));
        assert!(
            page.hits[0].snippet.contains("&lt;b&gt;"),
            "{}",
            page.hits[0].snippet
        );
        assert!(matches!(
            idx.search(&req("text:(")),
            Err(SearchError::BadQuery(_))
        ));
        assert!(matches!(
            idx.search(&req("nosuchfield:x")),
            Err(SearchError::BadQuery(_))
        ));
        drop(idx);
        // Re-opening keeps the watermark; an old schema version rebuilds from zero.
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.watermark().unwrap(), 2);
        drop(idx);
        std::fs::write(dir.path().join("tanggap-schema-version"), "1").unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.watermark().unwrap(), 0);
        assert_eq!(idx.num_docs(), 0);
    }

    #[test]
    fn morphology_slang_phrases_and_fields() {
        let dir = tempfile::tempdir().unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        let mut rows = vec![
            row(1, "Awas, dia menipu warga lewat WA"),
            row(2, "Korban penipuan online melapor"),
            row(3, "Saya ditipu kurir palsu"),
            row(4, "Pengumuman resmi pemerintahan provinsi"),
            row(5, "Bantuan itu tidak benar, kata pemerintah"),
            row(6, "Macet parah di Way Halim pagi ini"),
            row(7, "Halim bilang way keluar ditutup"),
        ];
        rows[6].source = "facebook".into();
        rows[6].region = Some("Metro".into());
        rows[1].labels = Some("[\"scam\",\"hoax\"]".into());
        rows[2].labels = Some("[\"scam\"]".into());
        idx.add_and_commit(&rows).unwrap();
        assert_eq!(ids(&idx, &req("tipu")), ["m_1", "m_2", "m_3"]);
        assert_eq!(ids(&idx, &req("penipuan")), ["m_1", "m_2", "m_3"]);
        assert_eq!(ids(&idx, &req("pemerintah")), ["m_4", "m_5"]);
        assert_eq!(ids(&idx, &req("gak benar")), ["m_5"]);
        assert_eq!(ids(&idx, &req("\"Way Halim\"")), ["m_6"]);
        assert_eq!(ids(&idx, &req("way halim")), ["m_6", "m_7"]);
        assert_eq!(ids(&idx, &req("halim AND NOT macet")), ["m_7"]);
        assert_eq!(ids(&idx, &req("macet OR ditutup")), ["m_6", "m_7"]);
        assert_eq!(ids(&idx, &req("halim -macet")), ["m_7"]);
        assert_eq!(ids(&idx, &req("source:facebook")), ["m_7"]);
        assert_eq!(ids(&idx, &req("label:scam tipu")), ["m_2", "m_3"]);
        assert_eq!(ids(&idx, &req("region:\"Bandar Lampung\" halim")), ["m_6"]);

        // Filters, facets, order and pages.
        let mut r = req("tipu");
        r.label = Some("scam".into());
        let page = idx.search(&r).unwrap();
        assert_eq!(page.total, 2);
        let facets = page.facets.unwrap();
        assert_eq!(facets.label, [("scam".to_string(), 2), ("hoax".to_string(), 1)]);
        assert_eq!(facets.source, [("twitter".to_string(), 2)]);
        let mut r = req("");
        r.region = Some("Metro".into());
        assert_eq!(ids(&idx, &r), ["m_7"]);
        let mut r = req("");
        r.from = Some("2026-11-03T00:00:00Z".parse().unwrap());
        r.to = Some("2026-11-05T00:00:00Z".parse().unwrap());
        assert_eq!(ids(&idx, &r), ["m_3", "m_4"]);
        let mut r = req("tipu");
        r.sort = Sort::Newest;
        r.limit = 2;
        let page = idx.search(&r).unwrap();
        let order: Vec<&str> = page.hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!((page.total, order), (3, vec!["m_3", "m_2"]));
        r.offset = 2;
        let order: Vec<String> = idx.search(&r).unwrap().hits.into_iter().map(|h| h.id).collect();
        assert_eq!(order, ["m_1"]);
        let page = idx.search(&req("penipuan")).unwrap();
        let snippet = &page.hits.iter().find(|h| h.id == "m_2").unwrap().snippet;
        assert!(snippet.contains("<mark>penipuan</mark>"), "{snippet}");
    }

    #[test]
    fn a_changed_mention_replaces_its_document() {
        let dir = tempfile::tempdir().unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        idx.add_and_commit(&[row(1, "gempa di kalianda")]).unwrap();
        let mut again = row(1, "gempa di kalianda");
        again.rev = 5;
        again.labels = Some("[\"disaster\"]".into());
        again.incident_id = Some("inc_1".into());
        idx.add_and_commit(&[again]).unwrap();
        assert_eq!(idx.num_docs(), 1);
        assert_eq!(idx.watermark().unwrap(), 5);
        let mut r = req("gempa");
        r.incident = Some("inc_1".into());
        assert_eq!(ids(&idx, &r), ["m_1"]);
    }

    #[test]
    fn phrases_go_to_the_exact_field() {
        assert_eq!(
            phrases_to_exact("\"Way Halim\" macet"),
            "exact:\"Way Halim\" macet"
        );
        assert_eq!(
            phrases_to_exact("region:\"Bandar Lampung\""),
            "region:\"Bandar Lampung\""
        );
        assert_eq!(phrases_to_exact("-\"a b\""), "-exact:\"a b\"");
        assert_eq!(rewrite_not("halim AND NOT macet"), "halim -macet");
        assert_eq!(rewrite_not("NOT \"a b\" c"), "-\"a b\" c");
        assert_eq!(rewrite_not("a OR NOT"), "a OR NOT");
    }
}
