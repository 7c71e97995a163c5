//! `tanggap bench`: measures the classifier's raw embedding rate at several batch sizes and
//! the pipeline's rate (store → classify → incidents → outbox) on the same texts, on unique
//! texts and on a stream where chain messages repeat. Prints Markdown tables. The search
//! benchmark is in [`search`].

pub mod backends;
pub mod claims;
pub mod search;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use crate::classify::encoder::Precision;
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
    /// Python of the peer's venv (`scripts/install-peer.sh`), to run it on the same texts.
    pub peer: Option<std::path::PathBuf>,
    /// Times our encoder and the peer are measured at each batch size; the best run counts
    /// (the machine is noisy; rust-bert's own columns are measured once).
    pub rounds: usize,
}

/// Embeds all texts at each batch size once; returns texts/s per batch size and the embeddings.
async fn raw_rates(
    settings: &Settings,
    model_opts: encoder::ModelOptions,
    texts: &[String],
    sizes: &[usize],
) -> anyhow::Result<(Vec<(usize, f64)>, Vec<Vec<f32>>)> {
    let dir = settings.encoder_dir();
    let texts = texts.to_vec();
    let sizes = sizes.to_vec();
    tokio::task::spawn_blocking(move || {
        let model = encoder::load_model(&dir, model_opts)?;
        encoder::embed_with(&model, &texts[..16.min(texts.len())])?; // warm-up
        let mut out = Vec::new();
        let mut vectors = Vec::new();
        for bs in sizes {
            let started = Instant::now();
            vectors.clear();
            for chunk in texts.chunks(bs) {
                vectors.extend(encoder::embed_with(&model, chunk)?);
            }
            out.push((bs, texts.len() as f64 / started.elapsed().as_secs_f64()));
            eprintln!("  raw model {:?}, batch {bs}: done", model_opts.precision);
        }
        Ok((out, vectors))
    })
    .await?
}

/// The peer's rates: (batch, fp32, bf16).
type PeerRates = (String, Vec<(usize, f64, f64)>);

/// Runs `scripts/bench-peer.py` once with the peer's Python on the same texts.
fn run_peer(python: &std::path::Path, texts: &[String], sizes: &[usize]) -> anyhow::Result<PeerRates> {
    let dir = tempfile_dir()?;
    let file = dir.join("texts.txt");
    let one_line: Vec<String> = texts.iter().map(|t| t.replace(['\n', '\r'], " ")).collect();
    std::fs::write(&file, one_line.join("\n"))?;
    let json = dir.join("peer.json");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-peer.py");
    let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    eprintln!("  running the Python peer ({})", python.display());
    let status = std::process::Command::new(python)
        .arg(&script)
        .arg("--texts")
        .arg(&file)
        .args([
            "--batches",
            &sizes.join(","),
            "--threads",
            "2",
            "--max-seconds",
            "600",
            "--json",
        ])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "the peer benchmark failed ({status})");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    let rows = v["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["batch"].as_u64().unwrap_or(0) as usize,
                        r["fp32"].as_f64().unwrap_or(f64::NAN),
                        r["bf16"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    Ok((v["peer"].as_str().unwrap_or("peer").to_string(), rows))
}

fn print_raw_table(
    raw: &[(Precision, Vec<(usize, f64)>)],
    encoder_rates: &[(usize, f64)],
    encoder_opts: encoder::ModelOptions,
    peer: Option<&PeerRates>,
    paired: &[(usize, Vec<f64>)],
) {
    let rate = |p: Precision, bs: usize| {
        raw.iter()
            .find(|r| r.0 == p)
            .and_then(|r| r.1.iter().find(|x| x.0 == bs))
            .map_or(f64::NAN, |x| x.1)
    };
    let stage = match encoder_opts.engine {
        encoder::Engine::Fused => format!(
            "our encoder (fused, {:?}, sorted, ≤ {} texts / {} pieces per call, {} workers)",
            encoder_opts.precision,
            encoder_opts.batch_size,
            encoder_opts.batch_tokens,
            match encoder_opts.threads {
                0 => "per-core".to_string(),
                n => n.to_string(),
            }
        ),
        encoder::Engine::RustBert => format!(
            "our encoder (rust-bert, {:?}, sorted, ≤ {} per call)",
            encoder_opts.precision, encoder_opts.batch_size
        ),
    }
    .to_lowercase();
    match peer {
        Some((name, _)) => println!(
            "| texts per call | rust-bert fp32 | rust-bert bf16 | {stage} | peer fp32 | peer bf16 | our encoder / peer best | same, median of paired rounds (range) |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n<!-- peer: {name} -->"
        ),
        None => println!("| texts per call | rust-bert fp32 | rust-bert bf16 | {stage} |\n|---|---:|---:|---:|"),
    }
    for (bs, _) in &raw[0].1 {
        let (f, b) = (rate(Precision::Fp32, *bs), rate(Precision::Bf16, *bs));
        let e = encoder_rates
            .iter()
            .find(|x| x.0 == *bs)
            .map_or(f64::NAN, |x| x.1);
        match peer.and_then(|(_, rows)| rows.iter().find(|r| r.0 == *bs)) {
            Some((_, pf, pb)) => println!(
                "| {bs} | {f:.1} | {b:.1} | {e:.1} | {pf:.1} | {pb:.1} | {:.2}x | {} |",
                e / pf.max(*pb),
                paired
                    .iter()
                    .find(|p| p.0 == *bs)
                    .map_or_else(|| "–".to_string(), |p| median_range(&p.1, "x"))
            ),
            None => println!("| {bs} | {f:.1} | {b:.1} | {e:.1} |"),
        }
    }
}

/// `median (min–max)` of ratios, each followed by `unit`.
fn median_range(values: &[f64], unit: &str) -> String {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match (v.first(), v.last()) {
        (Some(lo), Some(hi)) => format!("{:.2}{unit} ({lo:.2}–{hi:.2})", v[v.len() / 2]),
        _ => "–".into(),
    }
}

/// Realistic texts: the seed sets (written by us) cycled to `n`, made unique by a suffix.
pub(crate) fn texts(settings: &Settings, n: usize) -> anyhow::Result<Vec<String>> {
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

/// The CPU's model name (from `/proc/cpuinfo`), so every table says what it was measured on.
pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Whether the CPU has bf16 dot-product instructions (what `precision = "auto"` looks for).
fn bf16_instructions() -> bool {
    encoder::Precision::detect().0 == Precision::Bf16
}

/// Runs the benchmark and prints its tables.
pub async fn run(settings: Settings, opts: BenchOptions) -> anyhow::Result<()> {
    let unique = texts(&settings, opts.texts)?;
    let avg_words =
        unique.iter().map(|t| t.split_whitespace().count()).sum::<usize>() as f64 / unique.len() as f64;
    let (precision, why) = settings.classifier.precision.resolve();
    println!(
        "CPU: {} ({} cores); bf16 instructions: {}; encoder precision: {} ({why})",
        cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if bf16_instructions() {
            "yes"
        } else {
            "no (bf16 is emulated: expect it ~20x slower than fp32)"
        },
        precision.code()
    );
    println!(
        "texts: {} (seed-set mentions, {avg_words:.0} words on average)\n",
        unique.len()
    );

    // Raw model: rust-bert's pipeline called in fixed batches, in each precision.
    let mut raw: Vec<(Precision, Vec<(usize, f64)>)> = Vec::new();
    let mut reference = Vec::new();
    for precision in [Precision::Fp32, Precision::Bf16] {
        let model_opts = encoder::ModelOptions {
            engine: encoder::Engine::RustBert,
            batch_size: 4096,
            precision,
            ..encoder::ModelOptions::from(&settings)
        };
        // Without bf16 instructions bf16 is emulated (~20x slower): a small sample tells that
        // without making the whole bench wait.
        let sample = if precision == Precision::Bf16 && !bf16_instructions() {
            &unique[..unique.len().min(64)]
        } else {
            &unique[..]
        };
        let (rates, v) = raw_rates(&settings, model_opts, sample, &opts.batch_sizes).await?;
        raw.push((precision, rates));
        if precision == Precision::Fp32 {
            reference = v;
        }
    }
    // Our encoder stage as the service runs it (engine, precision, sub-batches and workers as
    // configured). Rounds alternate between it and the peer, so both see the same spells of
    // load from the VM's neighbours; each round's ratio is kept beside the best rates.
    let encoder_opts = encoder::ModelOptions::from(&settings);
    let mut encoder_rates: Vec<(usize, f64)> = opts.batch_sizes.iter().map(|&bs| (bs, 0.0)).collect();
    let mut ours = Vec::new();
    let mut peer: Option<PeerRates> = None;
    let mut paired: Vec<Vec<f64>> = vec![Vec::new(); opts.batch_sizes.len()];
    for round in 0..opts.rounds.max(1) {
        eprintln!("  round {} of {}", round + 1, opts.rounds.max(1));
        let (rates, v) = raw_rates(&settings, encoder_opts, &unique, &opts.batch_sizes).await?;
        ours = v;
        for (best, now) in encoder_rates.iter_mut().zip(&rates) {
            best.1 = best.1.max(now.1);
        }
        if let Some(python) = &opts.peer {
            let (python, texts, sizes) = (python.clone(), unique.clone(), opts.batch_sizes.clone());
            let (name, rows) =
                tokio::task::spawn_blocking(move || run_peer(&python, &texts, &sizes)).await??;
            for (i, (bs, ours_now)) in rates.iter().enumerate() {
                if let Some(r) = rows.iter().find(|r| r.0 == *bs) {
                    paired[i].push(ours_now / r.1.max(r.2));
                }
            }
            let (_, best) = peer.get_or_insert_with(|| (name, rows.clone()));
            for b in best.iter_mut() {
                if let Some(r) = rows.iter().find(|r| r.0 == b.0) {
                    b.1 = b.1.max(r.1);
                    b.2 = b.2.max(r.2);
                }
            }
        }
    }
    let paired: Vec<(usize, Vec<f64>)> = opts.batch_sizes.iter().copied().zip(paired).collect();
    print_raw_table(&raw, &encoder_rates, encoder_opts, peer.as_ref(), &paired);
    let cos: Vec<f32> = reference
        .iter()
        .zip(&ours)
        .map(|(a, b)| crate::incidents::cosine(a, b))
        .collect();
    let heads_for_agreement = Heads::load(&settings.heads_path())?;
    let same_labels = unique
        .iter()
        .zip(reference.iter().zip(&ours))
        .filter(|(t, (a, b))| {
            crate::classify::score_one(&heads_for_agreement, t, (*a).clone()).labels
                == crate::classify::score_one(&heads_for_agreement, t, (*b).clone()).labels
        })
        .count();
    println!(
        "
our encoder vs rust-bert fp32 on these texts: embedding cosine min {:.5}, mean {:.5}; same labels for {}/{} texts",
        cos.iter().copied().fold(1.0, f32::min),
        cos.iter().sum::<f32>() / cos.len().max(1) as f32,
        same_labels,
        unique.len()
    );

    // Pipeline: the real classification loop over a temporary database.
    let heads = Heads::load(&settings.heads_path())?;
    let encoder = Encoder::start(&settings.encoder_dir(), encoder::ModelOptions::from(&settings))?;
    let classifier = Classifier::new(encoder, heads);
    // The worker hands the encoder 2 × batch_size texts per call.
    let worker_batch = settings.classifier.batch_size * 2;
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
        "\n| pipeline (store → classify → claims → incidents → outbox), {worker_batch} mentions per step | mentions/s (best) | our encoder alone, unique texts, {worker_batch} per call (best) | pipeline / encoder, median of rounds (range) |\n|---|---:|---:|---:|"
    );
    for (name, stream) in [
        ("unique texts", &unique),
        (
            &*format!("{:.0}% chain-message copies", opts.duplicate_share * 100.0),
            &dup_stream,
        ),
    ] {
        // Each round measures the encoder alone right before the pipeline, so a round's ratio
        // compares two runs under the same machine load.
        let mut rounds = Vec::new();
        for _ in 0..opts.rounds.max(1) {
            let alone = encoder_rate(classifier.encoder(), &unique, worker_batch).await?;
            let piped = pipeline_rate(&settings, classifier.clone(), stream).await?;
            rounds.push((piped, alone));
        }
        let best = |f: fn(&(f64, f64)) -> f64| rounds.iter().map(f).fold(0.0f64, f64::max);
        let ratios: Vec<f64> = rounds.iter().map(|(p, a)| p / a).collect();
        println!(
            "| {name} | {:.1} | {:.1} | {} |",
            best(|r| r.0),
            best(|r| r.1),
            median_range(&ratios, "")
        );
    }
    Ok(())
}

/// The service's encoder stage alone (its thread, sub-batches and workers): texts/s when fed
/// `per_call` texts at a time.
async fn encoder_rate(encoder: &Encoder, texts: &[String], per_call: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    for chunk in texts.chunks(per_call.max(1)) {
        encoder.embed(chunk.to_vec()).await?;
    }
    Ok(texts.len() as f64 / started.elapsed().as_secs_f64())
}

async fn pipeline_rate(settings: &Settings, classifier: Classifier, texts: &[String]) -> anyhow::Result<f64> {
    pipeline_rate_with_claims(settings, classifier, texts, &[]).await
}

/// Mentions/s through store → classify → known-claim matching → incidents, with `claims`
/// (and their embeddings) registered first; the matcher is built before the clock starts.
async fn pipeline_rate_with_claims(
    settings: &Settings,
    classifier: Classifier,
    texts: &[String],
    claims: &[(crate::claims::NewClaim, Vec<f32>)],
) -> anyhow::Result<f64> {
    let dir = tempfile_dir()?;
    let store = Store::open(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    let at = crate::store::ts(chrono::Utc::now());
    for (c, v) in claims {
        if let Some(id) = store.insert_claim(c, "bench", &at).await? {
            store
                .set_claim_embedding(&id, &crate::incidents::embedding_bytes(v))
                .await?;
        }
    }
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
        replica: crate::cluster::Replica::ephemeral(60),
    };
    worker.refresh_claims().await?;
    let started = Instant::now();
    store.insert_mentions(&mentions).await?;
    let done = worker.drain().await?;
    let rate = done as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}

pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tanggap-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
