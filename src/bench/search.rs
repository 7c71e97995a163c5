//! `tanggap bench-search`: indexing rate, query latency (p50/p99), index size and memory of our
//! tantivy index against SQLite FTS5 over the same generated mentions and the same queries, at
//! each requested corpus size. Prints a Markdown table.
//!
//! Mentions are generated deterministically from real sentences (our seed set and demo
//! mentions, or a corpus file given with `--corpus`): one to three sentences each, some words
//! swapped for others from the vocabulary (a long tail, like real posts), handles, hashtags
//! and numbers, over 15 regions, 6 sources and 90 days; a fifth carry labels.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use crate::index::{SearchIndex, SearchRequest};
use crate::store::IndexRow;

/// Options of the search benchmark.
#[derive(Debug, Clone)]
pub struct SearchBenchOptions {
    /// Corpus sizes to measure.
    pub sizes: Vec<usize>,
    /// Queries per size.
    pub queries: usize,
    /// Extra real text (JSONL with `text`, or IHND CSV) for the sentence pool.
    pub corpus: Option<PathBuf>,
    /// Where to build the indexes (a temporary directory by default).
    pub work_dir: Option<PathBuf>,
    /// Seed of the generator.
    pub seed: u64,
}

const REGIONS: [&str; 15] = [
    "Bandar Lampung",
    "Metro",
    "Lampung Selatan",
    "Lampung Tengah",
    "Lampung Utara",
    "Lampung Timur",
    "Lampung Barat",
    "Tanggamus",
    "Tulang Bawang",
    "Way Kanan",
    "Pesawaran",
    "Pringsewu",
    "Mesuji",
    "Pesisir Barat",
    "Tulang Bawang Barat",
];
const SOURCES: [&str; 6] = ["twitter", "facebook", "instagram", "tiktok", "whatsapp", "news"];

/// One kind of benchmark query, with the same meaning for both engines.
#[derive(Debug, Clone)]
enum BenchQuery {
    Word(String),
    Both(String, String),
    Phrase(String, String),
    WordInSource(String, &'static str),
}

impl BenchQuery {
    fn tantivy(&self) -> SearchRequest {
        let (q, source) = match self {
            BenchQuery::Word(w) => (w.clone(), None),
            BenchQuery::Both(a, b) => (format!("{a} {b}"), None),
            BenchQuery::Phrase(a, b) => (format!("\"{a} {b}\""), None),
            BenchQuery::WordInSource(w, s) => (w.clone(), Some(s.to_string())),
        };
        SearchRequest {
            q,
            source,
            limit: 20,
            ..Default::default()
        }
    }

    fn fts5(&self) -> (String, Option<&'static str>) {
        match self {
            BenchQuery::Word(w) => (format!("\"{w}\""), None),
            BenchQuery::Both(a, b) => (format!("\"{a}\" \"{b}\""), None),
            BenchQuery::Phrase(a, b) => (format!("\"{a} {b}\""), None),
            BenchQuery::WordInSource(w, s) => (format!("\"{w}\""), Some(s)),
        }
    }
}

fn sentence_pool(opts: &SearchBenchOptions, models_dir: &Path) -> anyhow::Result<Vec<String>> {
    use crate::classify::datasets::{load, Format};
    let mut texts: Vec<String> = Vec::new();
    for f in ["seed/train.jsonl", "seed/test.jsonl"] {
        texts.extend(
            load(&models_dir.join(f), Format::Jsonl)?
                .items
                .into_iter()
                .map(|i| i.text),
        );
    }
    for line in crate::demo::MENTIONS.lines() {
        if let Some(t) = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v["text"].as_str().map(str::to_string))
        {
            texts.push(t);
        }
    }
    if let Some(path) = &opts.corpus {
        let format = if path.extension().is_some_and(|e| e == "csv") {
            Format::Ihnd
        } else {
            Format::Jsonl
        };
        texts.extend(load(path, format)?.items.into_iter().map(|i| i.text));
    }
    let mut sentences: Vec<String> = texts
        .iter()
        .flat_map(|t| t.split(['.', '!', '?', '\n']))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| s.split(' ').count() >= 3)
        .collect();
    sentences.sort();
    sentences.dedup();
    anyhow::ensure!(!sentences.is_empty(), "no sentences to build mentions from");
    Ok(sentences)
}

struct Corpus {
    rows: Vec<IndexRow>,
    vocabulary: Vec<String>,
}

fn generate(sentences: &[String], n: usize, seed: u64) -> Corpus {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut vocabulary: Vec<String> = sentences
        .iter()
        .flat_map(|s| s.split(' '))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
        .collect();
    vocabulary.sort();
    vocabulary.dedup();
    let start = chrono::DateTime::parse_from_rfc3339("2026-09-01T00:00:00Z")
        .expect("valid")
        .with_timezone(&chrono::Utc);
    let labels = crate::domain::Label::ALL;
    let rows = (0..n)
        .map(|i| {
            let mut words: Vec<String> = Vec::new();
            for _ in 0..rng.gen_range(1..=3) {
                let s = sentences.choose(&mut rng).expect("non-empty");
                words.extend(s.split(' ').map(str::to_string));
            }
            for _ in 0..rng.gen_range(0..=3) {
                let at = rng.gen_range(0..words.len());
                words[at] = vocabulary.choose(&mut rng).expect("non-empty").clone();
            }
            match rng.gen_range(0..10) {
                0 => words.push(format!("@warga{}", rng.gen_range(0..5000))),
                1 => words.push(format!("#{}", vocabulary.choose(&mut rng).expect("non-empty"))),
                2 => words.push(format!("08{}", rng.gen_range(100_000_000u64..999_999_999))),
                _ => {}
            }
            let posted = start + chrono::Duration::seconds(rng.gen_range(0..90 * 86_400));
            let labels = (rng.gen_range(0..5) == 0)
                .then(|| format!("[\"{}\"]", labels[rng.gen_range(0..labels.len())].code()));
            IndexRow {
                seq: i as i64 + 1,
                rev: i as i64 + 1,
                id: format!("m_bench_{i}"),
                source: SOURCES[rng.gen_range(0..SOURCES.len())].to_string(),
                text: words.join(" "),
                region: Some(REGIONS[rng.gen_range(0..REGIONS.len())].to_string()),
                author_handle: None,
                captured_at: crate::store::ts(posted),
                posted_at: Some(crate::store::ts(posted)),
                labels,
                incident_id: None,
            }
        })
        .collect();
    Corpus { rows, vocabulary }
}

fn queries(corpus: &Corpus, n: usize, seed: u64) -> Vec<BenchQuery> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let plain = |w: &str| w.len() >= 3 && w.chars().all(char::is_alphabetic);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        // Words drawn from random mentions follow the corpus's own frequencies.
        let doc = &corpus.rows[rng.gen_range(0..corpus.rows.len())];
        let words: Vec<String> = doc
            .text
            .split(' ')
            .map(|w| w.to_lowercase())
            .filter(|w| plain(w))
            .collect();
        if words.len() < 2 {
            continue;
        }
        let at = rng.gen_range(0..words.len() - 1);
        let q = match out.len() % 20 {
            0..=7 => BenchQuery::Word(words[at].clone()),
            8..=13 => {
                let other = &words[rng.gen_range(0..words.len())];
                BenchQuery::Both(words[at].clone(), other.clone())
            }
            14..=16 => BenchQuery::Phrase(words[at].clone(), words[at + 1].clone()),
            _ => BenchQuery::WordInSource(words[at].clone(), SOURCES[rng.gen_range(0..SOURCES.len())]),
        };
        out.push(q);
    }
    // A few rare words from the long tail too.
    for (i, w) in corpus
        .vocabulary
        .iter()
        .rev()
        .step_by(97)
        .take(n / 20)
        .enumerate()
    {
        out[i * 19 % n] = BenchQuery::Word(w.clone());
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Resident memory of this process, in MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One engine's numbers at one size.
struct Row {
    engine: &'static str,
    docs: usize,
    index_rate: f64,
    p50: f64,
    p99: f64,
    mean_hits: f64,
    size_mib: f64,
    rss_mib: f64,
}

fn bench_tantivy(dir: &Path, corpus: &Corpus, qs: &[BenchQuery], facets: bool) -> anyhow::Result<Vec<Row>> {
    let index = SearchIndex::open(dir)?;
    let started = Instant::now();
    for (n, chunk) in corpus.rows.chunks(100_000).enumerate() {
        index.add_and_commit(chunk)?;
        eprintln!(
            "  tantivy: indexed {} of {}",
            (n * 100_000 + chunk.len()),
            corpus.rows.len()
        );
    }
    let rate = corpus.rows.len() as f64 / started.elapsed().as_secs_f64();
    let size = dir_size(dir) as f64 / 1_048_576.0;
    let mut rows = Vec::new();
    for (engine, with_facets) in [("tantivy (ours)", false), ("tantivy + snippets, facets", true)] {
        if with_facets && !facets {
            continue;
        }
        let mut times = Vec::with_capacity(qs.len());
        let mut hits = 0usize;
        for q in qs.iter().take(20) {
            index.search(&q.tantivy())?; // warm-up
        }
        for q in qs {
            let mut r = q.tantivy();
            r.facets = with_facets;
            let t = Instant::now();
            let page = if with_facets {
                index.search(&r)?
            } else {
                index.search_without_snippets(&r)?
            };
            times.push(t.elapsed());
            hits += page.total;
        }
        times.sort();
        rows.push(Row {
            engine,
            docs: corpus.rows.len(),
            index_rate: rate,
            p50: percentile(&times, 0.5),
            p99: percentile(&times, 0.99),
            mean_hits: hits as f64 / qs.len() as f64,
            size_mib: size,
            rss_mib: rss_mib(),
        });
    }
    Ok(rows)
}

async fn bench_fts5(path: &Path, corpus: &Corpus, qs: &[BenchQuery]) -> anyhow::Result<Row> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE m USING fts5(text, source UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .execute(&mut conn)
    .await?;
    let started = Instant::now();
    for (n, chunk) in corpus.rows.chunks(100_000).enumerate() {
        let mut tx = conn.begin().await?;
        for r in chunk {
            sqlx::query("INSERT INTO m (rowid, text, source) VALUES (?, ?, ?)")
                .bind(r.seq)
                .bind(&r.text)
                .bind(&r.source)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        eprintln!(
            "  fts5: indexed {} of {}",
            (n * 100_000 + chunk.len()),
            corpus.rows.len()
        );
    }
    sqlx::query("INSERT INTO m(m) VALUES ('optimize')")
        .execute(&mut conn)
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    let rate = corpus.rows.len() as f64 / started.elapsed().as_secs_f64();
    let size = std::fs::metadata(path)?.len() as f64 / 1_048_576.0;
    let mut times = Vec::with_capacity(qs.len());
    let mut hits = 0usize;
    for (i, q) in qs.iter().enumerate() {
        let (expr, source) = q.fts5();
        let t = Instant::now();
        let (top, count) = match source {
            None => {
                let top: Vec<(i64,)> =
                    sqlx::query_as("SELECT rowid FROM m WHERE m MATCH ? ORDER BY rank LIMIT 20")
                        .bind(&expr)
                        .fetch_all(&mut conn)
                        .await?;
                let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM m WHERE m MATCH ?")
                    .bind(&expr)
                    .fetch_one(&mut conn)
                    .await?;
                (top, count)
            }
            Some(s) => {
                let top: Vec<(i64,)> = sqlx::query_as(
                    "SELECT rowid FROM m WHERE m MATCH ? AND source = ? ORDER BY rank LIMIT 20",
                )
                .bind(&expr)
                .bind(s)
                .fetch_all(&mut conn)
                .await?;
                let (count,): (i64,) =
                    sqlx::query_as("SELECT count(*) FROM m WHERE m MATCH ? AND source = ?")
                        .bind(&expr)
                        .bind(s)
                        .fetch_one(&mut conn)
                        .await?;
                (top, count)
            }
        };
        if i >= 20 || qs.len() <= 20 {
            times.push(t.elapsed());
        }
        let _ = top;
        hits += count as usize;
    }
    times.sort();
    Ok(Row {
        engine: "SQLite FTS5",
        docs: corpus.rows.len(),
        index_rate: rate,
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        mean_hits: hits as f64 / qs.len() as f64,
        size_mib: size,
        rss_mib: rss_mib(),
    })
}

/// Runs the search benchmark and prints its table.
pub async fn run(models_dir: &Path, opts: SearchBenchOptions) -> anyhow::Result<()> {
    let sentences = sentence_pool(&opts, models_dir)?;
    let tmp = tempfile::Builder::new()
        .prefix("tanggap-bench-search")
        .tempdir_in(opts.work_dir.clone().unwrap_or_else(std::env::temp_dir))?;
    println!(
        "sentence pool: {} sentences; {} queries per size (40% one word, 30% two words, 15% phrases, 15% word + source filter), top 20 + total count\n",
        sentences.len(),
        opts.queries
    );
    let mut table = Vec::new();
    for &n in &opts.sizes {
        eprintln!("generating {n} mentions…");
        let corpus = generate(&sentences, n, opts.seed);
        let qs = queries(&corpus, opts.queries, opts.seed);
        let dir = tmp.path().join(format!("tantivy-{n}"));
        let rows = {
            let qs = qs.clone();
            let corpus_ref = &corpus;
            tokio::task::block_in_place(|| bench_tantivy(&dir, corpus_ref, &qs, true))?
        };
        table.extend(rows);
        let fts = bench_fts5(&tmp.path().join(format!("fts5-{n}.db")), &corpus, &qs).await?;
        table.push(fts);
        std::fs::remove_dir_all(&dir).ok();
        std::fs::remove_file(tmp.path().join(format!("fts5-{n}.db"))).ok();
    }
    println!("| engine | mentions | index rate (mentions/s) | query p50 (ms) | query p99 (ms) | mean matches | index size (MiB) | process RSS (MiB) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &table {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.0} | {:.1} | {:.0} |",
            r.engine, r.docs, r.index_rate, r.p50, r.p99, r.mean_hits, r.size_mib, r.rss_mib
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_varied() {
        let sentences: Vec<String> = [
            "Awas tsunami malam ini di Kalianda",
            "Harga beras naik lagi di pasar",
            "Pemerintah provinsi membantah kabar itu",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = generate(&sentences, 200, 7);
        let b = generate(&sentences, 200, 7);
        assert_eq!(
            a.rows.iter().map(|r| &r.text).collect::<Vec<_>>(),
            b.rows.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        let distinct: std::collections::HashSet<&String> = a.rows.iter().map(|r| &r.text).collect();
        assert!(distinct.len() > 50, "{}", distinct.len());
        let qs = queries(&a, 40, 7);
        assert_eq!(qs.len(), 40);
        assert!(qs.iter().any(|q| matches!(q, BenchQuery::Phrase(..))));
    }
}
