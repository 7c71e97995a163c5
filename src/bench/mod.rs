//! `tanggap bench`: measures the classifier's raw embedding rate at several batch sizes and
//! the pipeline's rate (store → classify → incidents → outbox) on the same texts, on unique
//! texts and on a stream where chain messages repeat. Prints Markdown tables. The search
//! benchmark is in [`search`].

pub mod search;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use crate::classify::{encoder, Classifier, Encoder, Heads};
use crate::config::Settings;
use crate::ingest::{self, Limits};
use crate::pipeline::ClassifyWorker;
use crate::playbooks::Playbooks;
use crate::store::Store;

/// Benchmark options.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Texts per measurement.
    pub texts: usize,
    /// Batch sizes for the raw model.
    pub batch_sizes: Vec<usize>,
    /// Share of the duplicate stream that repeats earlier texts.
    pub duplicate_share: f32,
}

/// Realistic texts: the seed sets (written by us) cycled to `n`, made unique by a suffix.
fn texts(settings: &Settings, n: usize) -> anyhow::Result<Vec<String>> {
    let mut base = Vec::new();
    for f in ["seed/train.jsonl", "seed/test.jsonl"] {
        let ds = crate::classify::datasets::load(
            &settings.models_dir.join(f),
            crate::classify::datasets::Format::Jsonl,
        )?;
        base.extend(ds.items.into_iter().map(|i| i.text));
    }
    anyhow::ensure!(!base.is_empty(), "no seed texts found");
    Ok((0..n)
        .map(|i| {
            let t = &base[i % base.len()];
            if i < base.len() {
                t.clone()
            } else {
                format!("{t} #{i}")
            }
        })
        .collect())
}

/// Runs the benchmark and prints its tables.
pub async fn run(settings: Settings, opts: BenchOptions) -> anyhow::Result<()> {
    let unique = texts(&settings, opts.texts)?;
    let avg_words =
        unique.iter().map(|t| t.split_whitespace().count()).sum::<usize>() as f64 / unique.len() as f64;
    println!(
        "texts: {} (seed-set mentions, {avg_words:.0} words on average)\n",
        unique.len()
    );

    // Raw model: one thread calling encode() in fixed batches.
    let dir = settings.encoder_dir();
    let model_opts = encoder::ModelOptions {
        batch_size: 4096,
        ..encoder::ModelOptions::from(&settings)
    };
    let sizes = opts.batch_sizes.clone();
    let texts_for_raw = unique.clone();
    let raw: Vec<(usize, f64)> = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(usize, f64)>> {
        let model = encoder::load_model(&dir, model_opts)?;
        encoder::embed_with(&model, &texts_for_raw[..8.min(texts_for_raw.len())])?; // warm-up
        let mut out = Vec::new();
        for bs in sizes {
            let started = Instant::now();
            for chunk in texts_for_raw.chunks(bs) {
                encoder::embed_with(&model, chunk)?;
            }
            out.push((bs, texts_for_raw.len() as f64 / started.elapsed().as_secs_f64()));
            eprintln!("  raw model, batch {bs}: done");
        }
        Ok(out)
    })
    .await??;
    println!("| raw model (rust-bert, fp32) | texts/s |\n|---|---:|");
    for (bs, rate) in &raw {
        println!("| batch {bs} | {rate:.1} |");
    }

    // Pipeline: the real classification loop over a temporary database.
    let heads = Heads::load(&settings.heads_path())?;
    let encoder = Encoder::start(&settings.encoder_dir(), encoder::ModelOptions::from(&settings))?;
    let classifier = Classifier::new(encoder, heads);
    let worker_batch = settings.classifier.batch_size;
    let raw_at_worker = raw
        .iter()
        .min_by_key(|(bs, _)| bs.abs_diff(worker_batch))
        .map(|r| r.1)
        .unwrap_or(f64::NAN);
    let mut dup_stream = Vec::with_capacity(unique.len());
    let repeats = (opts.texts as f32 * opts.duplicate_share) as usize;
    let chain = &unique[..10.min(unique.len())];
    for (i, t) in unique.iter().enumerate() {
        if i < repeats {
            dup_stream.push(chain[i % chain.len()].clone());
        } else {
            dup_stream.push(t.clone());
        }
    }
    println!(
        "\n| pipeline (store → classify → incidents → outbox), worker batch {worker_batch} | mentions/s | vs raw at batch {worker_batch} |\n|---|---:|---:|"
    );
    for (name, stream) in [
        ("unique texts", &unique),
        (
            &*format!("{:.0}% chain-message copies", opts.duplicate_share * 100.0),
            &dup_stream,
        ),
    ] {
        let rate = pipeline_rate(&settings, classifier.clone(), stream).await?;
        println!("| {name} | {rate:.1} | {:.2} |", rate / raw_at_worker);
    }
    Ok(())
}

async fn pipeline_rate(settings: &Settings, classifier: Classifier, texts: &[String]) -> anyhow::Result<f64> {
    let dir = tempfile_dir()?;
    let store = Store::open(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    let raws: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"source": "twitter", "external_id": format!("b{i}"), "text": t}).to_string()
        })
        .collect();
    let limits = Limits {
        max_text_chars: 100_000,
        max_batch_items: raws.len(),
    };
    let mentions = ingest::validate_batch(&raws, limits, chrono::Utc::now())
        .map_err(|e| anyhow::anyhow!("bench data invalid: {e:?}"))?;
    let playbooks = Playbooks::load_dir(&settings.playbooks_dir)?;
    let worker = ClassifyWorker {
        store: store.clone(),
        classifier,
        settings: Arc::new(settings.clone()),
        playbooks: Arc::new(playbooks),
        mail: crate::alerts::MailContext {
            base_url: "http://127.0.0.1:8080".into(),
            signer: crate::links::Signer::new(b"bench-key-bench-key-bench-key-bench-key"),
            ack_link_hours: 24,
        },
        mail_notify: Arc::new(Notify::new()),
        index_notify: Arc::new(Notify::new()),
        claims: Default::default(),
    };
    let started = Instant::now();
    store.insert_mentions(&mentions).await?;
    let mut done = 0;
    loop {
        let n = worker.process_batch().await?;
        if n == 0 {
            break;
        }
        done += n;
    }
    let rate = done as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tanggap-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
