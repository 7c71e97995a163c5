//! The sentence encoder (rust-bert, all-MiniLM-L6-v2) on its own thread. Callers send texts
//! over a bounded channel and await the embeddings; the thread merges waiting requests into
//! batches and never embeds the same text twice within a batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_bert::pipelines::common::ModelType;
use rust_bert::pipelines::sentence_embeddings::{SentenceEmbeddingsConfig, SentenceEmbeddingsModel};
use rust_bert::resources::LocalResource;
use tokio::sync::{mpsc, oneshot};

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

/// Numeric precision of the encoder's weights and arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats.
    Fp32,
    /// bfloat16 weights and arithmetic (AMX/AVX-512 on this CPU; ~2x faster).
    Bf16,
}

/// How to load the encoder.
#[derive(Debug, Clone, Copy)]
pub struct ModelOptions {
    /// Weights' precision.
    pub precision: Precision,
    /// Longest input in word pieces (longer texts are truncated).
    pub max_tokens: usize,
    /// Texts per model call.
    pub batch_size: usize,
}

impl From<&crate::config::Settings> for ModelOptions {
    fn from(s: &crate::config::Settings) -> Self {
        ModelOptions {
            precision: s.classifier.precision,
            max_tokens: s.classifier.max_tokens,
            batch_size: s.classifier.batch_size.max(1),
        }
    }
}

/// Identifies the encoder configuration (embeddings differ between configurations).
pub fn cache_tag(settings: &crate::config::Settings) -> String {
    let o = ModelOptions::from(settings);
    format!("minilm-l6-{:?}-{}", o.precision, o.max_tokens).to_lowercase()
}

/// A loaded model and the batch size to feed it.
pub struct Model {
    inner: SentenceEmbeddingsModel,
    batch_size: usize,
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
    let inner = SentenceEmbeddingsModel::new(config).context("loading the sentence-embedding model");
    let _ = std::fs::remove_file(&sbert_config);
    let inner = inner?;
    Ok(Model {
        inner,
        batch_size: opts.batch_size.max(1),
    })
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
/// Texts are batched by length (so a batch pads little) and fed `batch_size` at a time.
pub fn embed_with(model: &Model, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut out = vec![Vec::new(); texts.len()];
    for chunk in order.chunks(model.batch_size) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = model.inner.encode(&batch).context("embedding")?;
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

/// Serves requests; merges what is waiting (up to `gather` texts) before each model call.
fn run(model: Model, mut rx: mpsc::Receiver<Request>, gather: usize) {
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
        let result = embed_with(&model, &unique);
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
