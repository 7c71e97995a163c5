//! Our own forward pass for BERT-style sentence encoders (all-MiniLM-L6-v2), written with tch.
//!
//! It computes what rust-bert's `SentenceEmbeddingsModel` computes — the same tokenizer
//! (rust-bert's), the same weights, mean pooling, unit length — with fewer, fused kernels:
//! one QKV projection per layer instead of three, libtorch's fused scaled-dot-product
//! attention (no materialised score matrix, no separate scale/mask/softmax passes), and the
//! fused GELU. Profiling rust-bert in bf16 showed the matrix products to be cheap and the
//! time to go to those element-wise passes; see `models/README.md` for the numbers. A test
//! checks that both engines give the same embeddings.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rust_bert::pipelines::common::{ModelType, TokenizerOption};
use rust_tokenizers::tokenizer::TruncationStrategy;
use tch::{Kind, Tensor};

/// The shape of the encoder, read from the model's `config.json`.
#[derive(Debug, Clone, serde::Deserialize)]
struct BertShape {
    hidden_size: i64,
    num_attention_heads: i64,
    num_hidden_layers: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default)]
    hidden_act: Option<String>,
}

fn default_eps() -> f64 {
    1e-12
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    fn replica(&self) -> LayerNorm {
        LayerNorm {
            weight: self.weight.shallow_clone(),
            bias: self.bias.shallow_clone(),
        }
    }
}

struct Layer {
    qkv_weight: Tensor,
    qkv_bias: Tensor,
    out_weight: Tensor,
    out_bias: Tensor,
    attention_norm: LayerNorm,
    up_weight: Tensor,
    up_bias: Tensor,
    down_weight: Tensor,
    down_bias: Tensor,
    output_norm: LayerNorm,
}

impl Layer {
    fn replica(&self) -> Layer {
        Layer {
            qkv_weight: self.qkv_weight.shallow_clone(),
            qkv_bias: self.qkv_bias.shallow_clone(),
            out_weight: self.out_weight.shallow_clone(),
            out_bias: self.out_bias.shallow_clone(),
            attention_norm: self.attention_norm.replica(),
            up_weight: self.up_weight.shallow_clone(),
            up_bias: self.up_bias.shallow_clone(),
            down_weight: self.down_weight.shallow_clone(),
            down_bias: self.down_bias.shallow_clone(),
            output_norm: self.output_norm.replica(),
        }
    }
}

/// A loaded BERT sentence encoder with its tokenizer.
pub struct MiniLm {
    tokenizer: Arc<TokenizerOption>,
    pad_id: i64,
    max_tokens: usize,
    shape: Arc<BertShape>,
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

impl MiniLm {
    /// Loads the tokenizer, the shape and the weights from a sentence-transformers folder;
    /// weights are converted to `kind` (`Float` or `BFloat16`).
    pub fn load(dir: &Path, max_tokens: usize, kind: Kind) -> anyhow::Result<MiniLm> {
        let shape: BertShape = serde_json::from_slice(
            &std::fs::read(dir.join("config.json")).context("reading the encoder's config.json")?,
        )
        .context("parsing the encoder's config.json")?;
        anyhow::ensure!(
            shape.hidden_act.as_deref().unwrap_or("gelu") == "gelu",
            "the encoder uses activation {:?}; only gelu is supported",
            shape.hidden_act
        );
        let lower_case = tokenizer_lower_case(dir);
        let tokenizer = TokenizerOption::from_file(
            ModelType::Bert,
            &dir.join("vocab.txt").to_string_lossy(),
            None,
            lower_case,
            None,
            None,
        )
        .context("loading the encoder's vocabulary")?;
        let pad_id = tokenizer.get_pad_id().unwrap_or(0);
        let mut w = Weights::read(&dir.join("model.safetensors"), kind)?;
        let word = w.take("embeddings.word_embeddings.weight")?;
        let position = w.take("embeddings.position_embeddings.weight")?;
        let token_type = w.take("embeddings.token_type_embeddings.weight")?;
        let embedding_norm = w.norm("embeddings.LayerNorm")?;
        let mut layers = Vec::with_capacity(shape.num_hidden_layers);
        for i in 0..shape.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            layers.push(Layer {
                qkv_weight: w.qkv(&p, "weight")?,
                qkv_bias: w.qkv(&p, "bias")?,
                out_weight: w.take(&format!("{p}.attention.output.dense.weight"))?,
                out_bias: w.take(&format!("{p}.attention.output.dense.bias"))?,
                attention_norm: w.norm(&format!("{p}.attention.output.LayerNorm"))?,
                up_weight: w.take(&format!("{p}.intermediate.dense.weight"))?,
                up_bias: w.take(&format!("{p}.intermediate.dense.bias"))?,
                down_weight: w.take(&format!("{p}.output.dense.weight"))?,
                down_bias: w.take(&format!("{p}.output.dense.bias"))?,
                output_norm: w.norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        // The model's own limit (sentence-transformers' max_seq_length), else its positions.
        let limit = read_json(dir, "sentence_bert_config.json")
            .and_then(|v| v["max_seq_length"].as_u64())
            .map_or(position.size()[0] as usize, |n| n as usize);
        Ok(MiniLm {
            tokenizer: Arc::new(tokenizer),
            pad_id,
            max_tokens: max_tokens.clamp(8, limit.max(8)),
            shape: Arc::new(shape),
            word,
            position,
            token_type,
            embedding_norm,
            layers,
        })
    }

    /// Another handle to the same weights, for another thread (tensors are not `Sync`).
    pub fn replica(&self) -> MiniLm {
        MiniLm {
            tokenizer: Arc::clone(&self.tokenizer),
            pad_id: self.pad_id,
            max_tokens: self.max_tokens,
            shape: Arc::clone(&self.shape),
            word: self.word.shallow_clone(),
            position: self.position.shallow_clone(),
            token_type: self.token_type.shallow_clone(),
            embedding_norm: self.embedding_norm.replica(),
            layers: self.layers.iter().map(Layer::replica).collect(),
        }
    }

    /// Word-piece ids of each text, with `[CLS]`/`[SEP]`, truncated to the longest input.
    pub fn tokenize<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Vec<Vec<i64>> {
        self.tokenizer
            .encode_list(texts, self.max_tokens, &TruncationStrategy::LongestFirst, 0)
            .into_iter()
            .map(|e| e.token_ids)
            .collect()
    }

    /// Embeds tokenized texts (from [`MiniLm::tokenize`]) in one model call.
    pub fn embed_pieces(&self, pieces: &[&[i64]]) -> anyhow::Result<Vec<Vec<f32>>> {
        if pieces.is_empty() {
            return Ok(Vec::new());
        }
        let _no_grad = tch::no_grad_guard();
        let (ids, mask) = self.pad(pieces);
        let hidden = self.forward(&ids, &mask);
        let mask = mask.to_kind(Kind::Float).unsqueeze(-1);
        let pooled = (hidden.to_kind(Kind::Float) * &mask).sum_dim_intlist(1, false, Kind::Float)
            / mask.sum_dim_intlist(1, false, Kind::Float).clamp_min(1e-9);
        let norm = pooled.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
        let unit = (pooled / norm).contiguous();
        let dim = self.shape.hidden_size as usize;
        let flat = Vec::<f32>::try_from(unit.view([-1])).context("reading the embeddings")?;
        Ok(flat.chunks(dim).map(<[f32]>::to_vec).collect())
    }

    /// Ids and attention mask, `[texts, longest]`, padded with the pad id.
    fn pad(&self, pieces: &[&[i64]]) -> (Tensor, Tensor) {
        let longest = pieces.iter().map(|p| p.len()).max().unwrap_or(1).max(1);
        let mut ids = Vec::with_capacity(pieces.len() * longest);
        let mut mask = Vec::with_capacity(pieces.len() * longest);
        for p in pieces {
            ids.extend_from_slice(p);
            mask.extend(std::iter::repeat_n(true, p.len()));
            let pad = longest - p.len();
            ids.extend(std::iter::repeat_n(self.pad_id, pad));
            mask.extend(std::iter::repeat_n(false, pad));
        }
        let shape = [pieces.len() as i64, longest as i64];
        (
            Tensor::from_slice(&ids).view(shape),
            Tensor::from_slice(&mask).view(shape),
        )
    }

    /// The last hidden states, `[batch, tokens, hidden]`, in the weights' kind.
    fn forward(&self, ids: &Tensor, mask: &Tensor) -> Tensor {
        let (batch, tokens) = (ids.size()[0], ids.size()[1]);
        let hidden = self.shape.hidden_size;
        let heads = self.shape.num_attention_heads;
        let eps = self.shape.layer_norm_eps;
        let embedded = self
            .word
            .index_select(0, &ids.view([-1]))
            .view([batch, tokens, hidden])
            + self.position.narrow(0, 0, tokens).unsqueeze(0)
            + self.token_type.get(0);
        let mut x = layer_norm(&embedded, &self.embedding_norm, hidden, eps);
        // True where a key may be attended to; broadcast over heads and queries.
        let attend = mask.view([batch, 1, 1, tokens]);
        for layer in &self.layers {
            let qkv = x
                .linear(&layer.qkv_weight, Some(&layer.qkv_bias))
                .view([batch, tokens, 3, heads, hidden / heads])
                .permute([2, 0, 3, 1, 4]);
            let context = Tensor::scaled_dot_product_attention(
                &qkv.get(0),
                &qkv.get(1),
                &qkv.get(2),
                Some(&attend),
                0.0,
                false,
                None,
            )
            .transpose(1, 2)
            .reshape([batch, tokens, hidden]);
            let attended = context.linear(&layer.out_weight, Some(&layer.out_bias)) + &x;
            x = layer_norm(&attended, &layer.attention_norm, hidden, eps);
            let up = x.linear(&layer.up_weight, Some(&layer.up_bias)).gelu("none");
            let down = up.linear(&layer.down_weight, Some(&layer.down_bias)) + &x;
            x = layer_norm(&down, &layer.output_norm, hidden, eps);
        }
        x
    }
}

/// The tensors of a safetensors file by name (without a `bert.` prefix), taken one by one.
struct Weights {
    by_name: std::collections::HashMap<String, Tensor>,
    kind: Kind,
}

impl Weights {
    fn read(path: &Path, kind: Kind) -> anyhow::Result<Weights> {
        let by_name = Tensor::read_safetensors(path)
            .with_context(|| format!("reading the encoder's weights {}", path.display()))?
            .into_iter()
            .map(|(name, t)| (name.strip_prefix("bert.").unwrap_or(&name).to_string(), t))
            .collect();
        Ok(Weights { by_name, kind })
    }

    fn take(&mut self, name: &str) -> anyhow::Result<Tensor> {
        let t = self
            .by_name
            .remove(name)
            .with_context(|| format!("the encoder's weights lack {name}"))?;
        Ok(t.to_kind(self.kind))
    }

    fn norm(&mut self, prefix: &str) -> anyhow::Result<LayerNorm> {
        Ok(LayerNorm {
            weight: self.take(&format!("{prefix}.weight"))?,
            bias: self.take(&format!("{prefix}.bias"))?,
        })
    }

    /// The query, key and value projections of a layer stacked into one.
    fn qkv(&mut self, layer: &str, part: &str) -> anyhow::Result<Tensor> {
        let parts = ["query", "key", "value"]
            .iter()
            .map(|m| self.take(&format!("{layer}.attention.self.{m}.{part}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Tensor::cat(&parts, 0).contiguous())
    }
}

fn layer_norm(x: &Tensor, norm: &LayerNorm, hidden: i64, eps: f64) -> Tensor {
    x.layer_norm([hidden], Some(&norm.weight), Some(&norm.bias), eps, false)
}

/// Whether the tokenizer lower-cases (`tokenizer_config.json`, else `sentence_bert_config.json`).
fn tokenizer_lower_case(dir: &Path) -> bool {
    ["tokenizer_config.json", "sentence_bert_config.json"]
        .iter()
        .find_map(|f| read_json(dir, f).and_then(|v| v["do_lower_case"].as_bool()))
        .unwrap_or(false)
}

/// A JSON file of the model's folder, if it is there and parses.
fn read_json(dir: &Path, file: &str) -> Option<serde_json::Value> {
    serde_json::from_slice(&std::fs::read(dir.join(file)).ok()?).ok()
}
