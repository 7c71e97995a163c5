//! The sentence encoder (all-MiniLM-L6-v2) behind a thread. Callers send texts over a bounded
//! channel and await the embeddings; the thread merges waiting requests into batches and never
//! embeds the same text twice within a batch.
//!
//! Two engines compute the same embeddings: ours ([`minilm`], the default: fused attention,
//! texts spread over one single-threaded worker per core in sub-batches sized by word pieces)
//! and rust-bert's `SentenceEmbeddingsModel` (the reference, kept as a fallback).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Context;
use rust_bert::pipelines::common::ModelType;
use rust_bert::pipelines::sentence_embeddings::{SentenceEmbeddingsConfig, SentenceEmbeddingsModel};
use rust_bert::resources::LocalResource;
use tokio::sync::{mpsc, oneshot};

use super::minilm::MiniLm;

type Reply = oneshot::Sender<anyhow::Result<Vec<Vec<f32>>>>;

struct Request {
    texts: Vec<String>,
    reply: Reply,
}

/// Handle to the encoder thread; cheap to clone.
#[derive(Clone)]
pub struct Encoder {
    tx: mpsc::Sender<Request>,
}

/// Files the encoder needs in its folder.
pub const REQUIRED_FILES: [&str; 6] = [
    "config.json",
    "model.safetensors",
    "vocab.txt",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
];

pub use crate::config::{Engine, Precision, PrecisionSetting};

/// The torch kind of a precision.
fn kind(p: Precision) -> tch::Kind {
    match p {
        Precision::Fp32 => tch::Kind::Float,
        Precision::Bf16 => tch::Kind::BFloat16,
    }
}

/// How to load the encoder.
#[derive(Debug, Clone, Copy)]
pub struct ModelOptions {
    /// Which code runs the transformer.
    pub engine: Engine,
    /// Weights' precision.
    pub precision: Precision,
    /// Longest input in word pieces (longer texts are truncated).
    pub max_tokens: usize,
    /// Most texts per model call.
    pub batch_size: usize,
    /// Most word pieces (texts × longest text) per model call of the fused engine.
    pub batch_tokens: usize,
    /// Threads doing model calls (0: one per core).
    pub threads: usize,
}

impl From<&crate::config::Settings> for ModelOptions {
    fn from(s: &crate::config::Settings) -> Self {
        ModelOptions {
            engine: s.classifier.engine,
            precision: s.classifier.precision.resolve().0,
            max_tokens: s.classifier.max_tokens,
            batch_size: s.classifier.batch_size.max(1),
            batch_tokens: s.classifier.batch_tokens.max(1),
            threads: s.classifier.threads,
        }
    }
}

/// Identifies the encoder configuration (embeddings differ between configurations).
pub fn cache_tag(settings: &crate::config::Settings) -> String {
    let o = ModelOptions::from(settings);
    format!("minilm-l6-{:?}-{:?}-{}", o.engine, o.precision, o.max_tokens).to_lowercase()
}

/// A loaded model and how to feed it.
pub struct Model {
    engine: Loaded,
    batch_size: usize,
    batch_tokens: usize,
    threads: usize,
}

enum Loaded {
    /// One replica per worker thread; the replicas share their weights.
    Fused(Vec<Mutex<MiniLm>>),
    RustBert(Box<SentenceEmbeddingsModel>),
}

/// Loads the model from `dir` (blocking; call once at start-up).
pub fn load_model(dir: &Path, opts: ModelOptions) -> anyhow::Result<Model> {
    let missing: Vec<&str> = REQUIRED_FILES
        .iter()
        .copied()
        .filter(|f| !dir.join(f).exists())
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the sentence-embedding model is missing from {} (absent: {}); run scripts/install-deps.sh",
        dir.display(),
        missing.join(", ")
    );
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let engine = match opts.engine {
        Engine::Fused => {
            let first = MiniLm::load(dir, opts.max_tokens, kind(opts.precision))?;
            let mut replicas: Vec<MiniLm> = (1..threads).map(|_| first.replica()).collect();
            replicas.insert(0, first);
            Loaded::Fused(replicas.into_iter().map(Mutex::new).collect())
        }
        Engine::RustBert => Loaded::RustBert(Box::new(load_rust_bert(dir, opts)?)),
    };
    Ok(Model {
        engine,
        batch_size: opts.batch_size.max(1),
        batch_tokens: opts.batch_tokens.max(1),
        threads,
    })
}

/// rust-bert's sentence-embedding pipeline for the same folder.
fn load_rust_bert(dir: &Path, opts: ModelOptions) -> anyhow::Result<SentenceEmbeddingsModel> {
    let res = |p: PathBuf| -> Box<dyn rust_bert::resources::ResourceProvider + Send> {
        Box::new(LocalResource::from(p))
    };
    let sbert_config = sentence_bert_config(dir, opts.max_tokens)?;
    let config = SentenceEmbeddingsConfig {
        modules_config_resource: res(dir.join("modules.json")),
        transformer_type: ModelType::Bert,
        transformer_config_resource: res(dir.join("config.json")),
        transformer_weights_resource: res(dir.join("model.safetensors")),
        pooling_config_resource: res(dir.join("1_Pooling/config.json")),
        dense_config_resource: None,
        dense_weights_resource: None,
        sentence_bert_config_resource: res(sbert_config.clone()),
        tokenizer_config_resource: res(dir.join("tokenizer_config.json")),
        tokenizer_vocab_resource: res(dir.join("vocab.txt")),
        tokenizer_merges_resource: None,
        device: tch::Device::Cpu,
        kind: match opts.precision {
            Precision::Fp32 => None,
            Precision::Bf16 => Some(tch::Kind::BFloat16),
        },
    };
    let model = SentenceEmbeddingsModel::new(config).context("loading the sentence-embedding model");
    let _ = std::fs::remove_file(&sbert_config);
    model
}

/// The model's `sentence_bert_config.json` with our truncation length (rust-bert reads the
/// limit only from that file), written to a temporary file that is removed once loaded.
fn sentence_bert_config(dir: &Path, max_tokens: usize) -> anyhow::Result<PathBuf> {
    let original = dir.join("sentence_bert_config.json");
    let mut config: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&original).with_context(|| format!("reading {}", original.display()))?,
    )?;
    let limit = config["max_seq_length"].as_u64().unwrap_or(256) as usize;
    config["max_seq_length"] = serde_json::json!(max_tokens.clamp(8, limit));
    let path = std::env::temp_dir().join(format!(
        "tanggap-sentence-bert-{}-{}.json",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::write(&path, config.to_string()).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Embeds texts with a loaded model, normalised to unit length, in the texts' order.
///
/// Texts are sorted by length (so a model call pads little) and cut into sub-batches of at
/// most `batch_size` texts (and, for the fused engine, at most `batch_tokens` word pieces, as
/// many as a multiple of the worker count: see [`balanced_sub_batches`]). The fused engine runs the sub-batches on one single-threaded worker per core: on this model's small
/// matrices that beats one call spread over torch's thread pool, which spends its time in
/// synchronisation (see `models/README.md`).
pub fn embed_with(model: &Model, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
    match &model.engine {
        Loaded::Fused(replicas) => embed_fused(model, replicas, texts),
        Loaded::RustBert(inner) => embed_rust_bert(model, inner, texts),
    }
}

fn embed_rust_bert(
    model: &Model,
    inner: &SentenceEmbeddingsModel,
    texts: &[String],
) -> anyhow::Result<Vec<Vec<f32>>> {
    tch::set_num_threads(model.threads as i32);
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut out = vec![Vec::new(); texts.len()];
    for chunk in order.chunks(model.batch_size) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = inner.encode(&batch).context("embedding")?;
        for (&i, mut v) in chunk.iter().zip(vectors) {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|x| *x /= norm);
            }
            out[i] = v;
        }
    }
    Ok(out)
}

/// Embeddings tagged with the position of their text.
type Embedded = Vec<(usize, Vec<f32>)>;

fn embed_fused(model: &Model, replicas: &[Mutex<MiniLm>], texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
    let pieces = lock(&replicas[0])?.tokenize(texts);
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| pieces[i].len());
    let batches = balanced_sub_batches(
        &order,
        |i| pieces[i].len(),
        model.batch_size,
        model.batch_tokens,
        model.threads.max(1),
    );
    // A worker takes the next sub-batch until none is left.
    let next = AtomicUsize::new(0);
    let work = |replica: &Mutex<MiniLm>, torch_threads: usize| -> anyhow::Result<Embedded> {
        tch::set_num_threads(torch_threads as i32);
        let replica = lock(replica)?;
        let mut done = Vec::new();
        while let Some(batch) = batches.get(next.fetch_add(1, Ordering::Relaxed)) {
            let ids: Vec<&[i64]> = batch.iter().map(|&i| pieces[i].as_slice()).collect();
            done.extend(batch.iter().copied().zip(replica.embed_pieces(&ids)?));
        }
        Ok(done)
    };
    let workers = model.threads.min(batches.len()).min(replicas.len());
    let results: Vec<anyhow::Result<Embedded>> = if workers <= 1 {
        // One sub-batch: torch spreads it over the cores.
        vec![work(&replicas[0], model.threads)]
    } else {
        let work = &work;
        std::thread::scope(|scope| {
            let handles: Vec<_> = replicas[..workers]
                .iter()
                .map(|replica| scope.spawn(move || work(replica, 1)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!(WORKER_PANICKED))))
                .collect()
        })
    };
    let mut out = vec![Vec::new(); texts.len()];
    for result in results {
        for (i, v) in result? {
            out[i] = v;
        }
    }
    Ok(out)
}

const WORKER_PANICKED: &str = "an encoder worker panicked";

fn lock(replica: &Mutex<MiniLm>) -> anyhow::Result<std::sync::MutexGuard<'_, MiniLm>> {
    replica.lock().map_err(|_| anyhow::anyhow!(WORKER_PANICKED))
}

/// Cuts `order` (sorted by ascending length) into sub-batches within both limits, as many as a
/// multiple of `workers`, of about equal padded size: the budget is the smallest that needs no
/// more sub-batches than that, so no worker waits long for the others at the end of a call.
fn balanced_sub_batches(
    order: &[usize],
    len: impl Fn(usize) -> usize + Copy,
    max_texts: usize,
    max_tokens: usize,
    workers: usize,
) -> Vec<Vec<usize>> {
    let parts = sub_batches(order, len, max_texts, max_tokens)
        .len()
        .next_multiple_of(workers.max(1));
    let (mut lo, mut hi) = (1, max_tokens.max(1));
    while lo < hi {
        let mid = (lo + hi) / 2;
        if sub_batches(order, len, max_texts, mid).len() <= parts {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    sub_batches(order, len, max_texts, lo)
}

/// Cuts `order` (sorted by ascending length) into runs of at most `max_texts` items whose
/// padded size (items × longest item) stays within `max_tokens`; every run has one item at least.
fn sub_batches(
    order: &[usize],
    len: impl Fn(usize) -> usize,
    max_texts: usize,
    max_tokens: usize,
) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for &i in order {
        let longest = len(i).max(1);
        if !current.is_empty() && (current.len() >= max_texts || (current.len() + 1) * longest > max_tokens) {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

impl Encoder {
    /// Loads the model and starts its thread.
    pub fn start(dir: &Path, opts: ModelOptions) -> anyhow::Result<Encoder> {
        let model = load_model(dir, opts)?;
        let (tx, rx) = mpsc::channel::<Request>(256);
        std::thread::Builder::new()
            .name("encoder".into())
            .spawn(move || run(model, rx, opts.batch_size.max(1) * 4))
            .context("starting the encoder thread")?;
        Ok(Encoder { tx })
    }

    /// Embeds texts (normalised vectors, same order).
    pub async fn embed(&self, texts: Vec<String>) -> anyhow::Result<Vec<Vec<f32>>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request { texts, reply })
            .await
            .map_err(|_| anyhow::anyhow!("the encoder thread has stopped"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("the encoder thread dropped a request"))?
    }
}

/// Nice value of the encoder thread, and so of the worker and torch pool threads it starts
/// (Linux threads inherit it): the model takes every idle cycle, but HTTP handlers, database
/// transactions and the index preempt it. Measured: a classification transaction holding the
/// audit lock waited on the encoder for most of its ~110 ms at nice 0 (see docs/SCALE.md).
const ENCODER_NICE: i32 = 10;

/// Lowers the calling thread's scheduling priority to [`ENCODER_NICE`] (Linux; elsewhere
/// nothing). A failure is logged and changes nothing else.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, ENCODER_NICE)
        };
        if rc != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "could not lower the encoder's priority");
        }
    }
}

/// Serves requests; merges what is waiting (up to `gather` texts) before each model call.
fn run(model: Model, mut rx: mpsc::Receiver<Request>, gather: usize) {
    lower_priority();
    while let Some(first) = rx.blocking_recv() {
        // Merge whatever else is waiting into this batch.
        let mut requests = vec![first];
        let mut pending: usize = requests[0].texts.len();
        while pending < gather {
            match rx.try_recv() {
                Ok(r) => {
                    pending += r.texts.len();
                    requests.push(r);
                }
                Err(_) => break,
            }
        }
        // Unique texts only: chain messages arrive as many exact copies.
        let mut unique: Vec<String> = Vec::new();
        let mut slot: HashMap<&str, usize> = HashMap::new();
        let positions: Vec<Vec<usize>> = requests
            .iter()
            .map(|r| {
                r.texts
                    .iter()
                    .map(|t| {
                        *slot.entry(t.as_str()).or_insert_with(|| {
                            unique.push(t.clone());
                            unique.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let t0 = std::time::Instant::now();
        let result = embed_with(&model, &unique);
        tracing::debug!(
            texts = unique.len(),
            micros = t0.elapsed().as_micros() as u64,
            "embedded"
        );
        drop(slot);
        for (req, pos) in requests.into_iter().zip(positions) {
            let answer = match &result {
                Ok(all) => Ok(pos.iter().map(|&i| all[i].clone()).collect()),
                Err(e) => Err(anyhow::anyhow!("{e:#}")),
            };
            let _ = req.reply.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{balanced_sub_batches, sub_batches};

    #[test]
    fn sub_batches_respect_both_limits_and_keep_every_item_once() {
        let lens = [3usize, 3, 4, 4, 5, 10, 10, 40, 300];
        let order: Vec<usize> = (0..lens.len()).collect();
        let batches = sub_batches(&order, |i| lens[i], 3, 20);
        let flat: Vec<usize> = batches.iter().flatten().copied().collect();
        assert_eq!(flat, order, "every item once, in order");
        for b in &batches {
            assert!(!b.is_empty() && b.len() <= 3);
            let longest = b.iter().map(|&i| lens[i]).max().unwrap();
            assert!(b.len() == 1 || b.len() * longest <= 20, "{b:?} exceeds 20 pieces");
        }
        // The items longer than the budget go alone.
        assert_eq!(batches[batches.len() - 1], vec![8]);
        assert_eq!(batches[batches.len() - 2], vec![7]);
        assert_eq!(batches[0], vec![0, 1, 2]);
        assert!(sub_batches(&[], |_| 1, 3, 20).is_empty());
    }

    #[test]
    fn balanced_sub_batches_come_in_multiples_of_the_workers_with_even_work() {
        // 32 posts of 20–51 pieces: the plain cut at 640 pieces gives three sub-batches, and
        // one worker would run the third while the other waits.
        let lens: Vec<usize> = (0..32).map(|i| 20 + i).collect();
        let order: Vec<usize> = (0..lens.len()).collect();
        let padded = |b: &Vec<usize>| b.len() * b.iter().map(|&i| lens[i]).max().unwrap();
        assert_eq!(sub_batches(&order, |i| lens[i], 32, 640).len(), 3);
        let batches = balanced_sub_batches(&order, |i| lens[i], 32, 640, 2);
        assert_eq!(batches.len(), 4);
        assert_eq!(batches.concat(), order, "every item once, in order");
        let sizes: Vec<usize> = batches.iter().map(padded).collect();
        let (lo, hi) = (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap());
        assert!(hi <= 640 && (hi - lo) * 4 < hi, "uneven: {sizes:?}");
        // Ten short posts: one sub-batch each worker.
        assert_eq!(
            balanced_sub_batches(&order[..10], |i| lens[i], 32, 640, 2).len(),
            2
        );
        // Limits still hold, and a single text is a single sub-batch.
        for b in balanced_sub_batches(&order, |i| lens[i], 4, 640, 2) {
            assert!(b.len() <= 4);
        }
        assert_eq!(balanced_sub_batches(&[0], |_| 700, 16, 640, 2), vec![vec![0]]);
    }
}
