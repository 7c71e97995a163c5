//! The full-text index (tantivy) under `DATA_DIR/index`. The database is the truth: the index
//! records, in each commit's payload, the highest mention `seq` it contains, and the indexer
//! catches up from there after any crash. Commits run on blocking threads, in batches.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{Field, Schema, Value, INDEXED, STORED, STRING, TEXT};
use tantivy::snippet::SnippetGenerator;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::store::IndexRow;

/// Bumped whenever the schema or analysis changes; a mismatch rebuilds the index on start.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    seq: Field,
    text: Field,
    source: Field,
    region: Field,
    author: Field,
    captured_at: Field,
}

/// The index, its single writer and its reader; cheap to clone.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    fields: Fields,
}

/// One search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Mention id.
    pub id: String,
    /// BM25 score.
    pub score: f32,
    /// Escaped HTML fragment with `<mark>` around matches.
    pub snippet: String,
}

/// A page of hits.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    /// All matches.
    pub total: usize,
    /// This page.
    pub hits: Vec<Hit>,
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
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        seq: b.add_u64_field("seq", INDEXED | STORED),
        text: b.add_text_field("text", TEXT | STORED),
        source: b.add_text_field("source", STRING | STORED),
        region: b.add_text_field("region", STRING | STORED),
        author: b.add_text_field("author", STRING | STORED),
        captured_at: b.add_text_field("captured_at", STRING | STORED),
    };
    (b.build(), fields)
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
        let writer: IndexWriter = index.writer(64_000_000).context("taking the index writer lock")?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Arc::new(Mutex::new(writer)),
            fields,
        })
    }

    /// Highest mention `seq` committed to the index.
    pub fn watermark(&self) -> anyhow::Result<i64> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Adds mentions and commits with the new watermark (blocking: call off the runtime).
    pub fn add_and_commit(&self, rows: &[IndexRow]) -> anyhow::Result<()> {
        let Some(last) = rows.last() else { return Ok(()) };
        let f = self.fields;
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        for r in rows {
            writer.delete_term(Term::from_field_text(f.id, &r.id));
            writer.add_document(doc!(
                f.id => r.id.as_str(),
                f.seq => r.seq as u64,
                f.text => r.text.as_str(),
                f.source => r.source.as_str(),
                f.region => r.region.as_deref().unwrap_or("").to_lowercase(),
                f.author => r.author_handle.as_deref().unwrap_or("").to_lowercase(),
                f.captured_at => r.captured_at.as_str(),
            ))?;
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&last.seq.to_string());
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Empties the index (for a rebuild).
    pub fn clear(&self) -> anyhow::Result<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        writer.delete_all_documents()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload("0");
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Full-text search (blocking: call off the runtime).
    pub fn search(&self, q: &str, limit: usize, offset: usize) -> Result<SearchPage, SearchError> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let parser = QueryParser::for_index(&self.index, vec![f.text]);
        let query = parser
            .parse_query(q)
            .map_err(|e| SearchError::BadQuery(e.to_string()))?;
        let (top, total) = searcher
            .search(&query, &(TopDocs::with_limit(limit).and_offset(offset), Count))
            .map_err(anyhow::Error::from)?;
        let mut snippets =
            SnippetGenerator::create(&searcher, &*query, f.text).map_err(anyhow::Error::from)?;
        snippets.set_max_num_chars(240);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(anyhow::Error::from)?;
            let id = doc
                .get_first(f.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let mut snippet = snippets.snippet_from_doc(&doc);
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let mut html = snippet.to_html();
            if html.is_empty() {
                let text = doc.get_first(f.text).and_then(|v| v.as_str()).unwrap_or_default();
                html = escape_html(&text.chars().take(240).collect::<String>());
            }
            hits.push(Hit {
                id,
                score,
                snippet: html,
            });
        }
        Ok(SearchPage { total, hits })
    }
}

/// Escapes text for HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, text: &str) -> IndexRow {
        IndexRow {
            seq,
            id: format!("m_{seq}"),
            source: "twitter".into(),
            text: text.into(),
            region: Some("Bandar Lampung".into()),
            author_handle: None,
            captured_at: "2026-11-29T00:00:00.000Z".into(),
        }
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
        let page = idx.search("gempa", 10, 0).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.hits[0].id, "m_1");
        assert!(page.hits[0].snippet.contains("<mark>Gempa</mark>"));
        assert!(
            page.hits[0].snippet.contains("&lt;b&gt;"),
            "{}",
            page.hits[0].snippet
        );
        assert!(matches!(
            idx.search("text:(", 10, 0),
            Err(SearchError::BadQuery(_))
        ));
        drop(idx);
        // Re-opening keeps the watermark; an old schema version rebuilds from zero.
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.watermark().unwrap(), 2);
        drop(idx);
        std::fs::write(dir.path().join("tanggap-schema-version"), "0").unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.watermark().unwrap(), 0);
        assert_eq!(idx.num_docs(), 0);
    }
}
