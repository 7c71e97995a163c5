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

/// Loads the model from `dir` (blocking; call once at start-up).
pub fn load_model(dir: &Path) -> anyhow::Result<SentenceEmbeddingsModel> {
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
    let config = SentenceEmbeddingsConfig {
        modules_config_resource: res(dir.join("modules.json")),
        transformer_type: ModelType::Bert,
        transformer_config_resource: res(dir.join("config.json")),
        transformer_weights_resource: res(dir.join("model.safetensors")),
        pooling_config_resource: res(dir.join("1_Pooling/config.json")),
        dense_config_resource: None,
        dense_weights_resource: None,
        sentence_bert_config_resource: res(dir.join("sentence_bert_config.json")),
        tokenizer_config_resource: res(dir.join("tokenizer_config.json")),
        tokenizer_vocab_resource: res(dir.join("vocab.txt")),
        tokenizer_merges_resource: None,
        device: tch::Device::Cpu,
        kind: None,
    };
    SentenceEmbeddingsModel::new(config).context("loading the sentence-embedding model")
}

/// Embeds texts with a loaded model, normalised to unit length.
pub fn embed_with(model: &SentenceEmbeddingsModel, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = model.encode(texts).context("embedding")?;
    for v in &mut out {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
    }
    Ok(out)
}

impl Encoder {
    /// Loads the model and starts its thread. `batch_size` caps texts per model call.
    pub fn start(dir: &Path, batch_size: usize) -> anyhow::Result<Encoder> {
        let model = load_model(dir)?;
        let (tx, rx) = mpsc::channel::<Request>(256);
        std::thread::Builder::new()
            .name("encoder".into())
            .spawn(move || run(model, rx, batch_size.max(1)))
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

fn run(model: SentenceEmbeddingsModel, mut rx: mpsc::Receiver<Request>, batch_size: usize) {
    while let Some(first) = rx.blocking_recv() {
        // Merge whatever else is waiting into this batch.
        let mut requests = vec![first];
        let mut pending: usize = requests[0].texts.len();
        while pending < batch_size {
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
        let result: anyhow::Result<Vec<Vec<f32>>> = unique
            .chunks(batch_size)
            .map(|chunk| embed_with(&model, chunk))
            .collect::<anyhow::Result<Vec<_>>>()
            .map(|parts| parts.concat());
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
