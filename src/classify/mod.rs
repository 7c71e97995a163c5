//! Classification: sentence embeddings (rust-bert, on the encoder thread) plus hashed lexical
//! features feed one logistic head per label. Also training and evaluation from labelled files.

pub mod datasets;
pub mod encoder;
pub mod eval;
pub mod features;
pub mod heads;
pub mod minilm;
pub mod training;

use std::sync::Arc;

use serde::Serialize;

use crate::domain::Label;
pub use encoder::Encoder;
pub use heads::Heads;

/// The classifier's verdict on one text.
#[derive(Debug, Clone)]
pub struct Classification {
    /// Score per label, in [`Label::ALL`] order.
    pub scores: [f32; 10],
    /// Labels over their thresholds, highest score first.
    pub labels: Vec<Label>,
    /// Alarm labels between their review and alarm thresholds: the mention goes to the review
    /// tray (nobody is paged) unless an alarm label is flagged.
    pub review: Vec<Label>,
    /// Why.
    pub explanation: Explanation,
    /// The sentence embedding (unit length).
    pub embedding: Vec<f32>,
}

impl Classification {
    /// The flagged label with the highest score.
    pub fn top_label(&self) -> Option<Label> {
        self.labels.first().copied()
    }

    /// The flagged alarm label with the highest score.
    pub fn top_alarm(&self) -> Option<Label> {
        self.labels.iter().copied().find(|l| l.is_alarm())
    }

    /// Whether an alarm label is flagged (only then does a mention open an incident by itself).
    pub fn has_alarm(&self) -> bool {
        self.top_alarm().is_some()
    }

    /// Whether the mention belongs in the review tray: an uncertain alarm and no flagged one.
    pub fn needs_review(&self) -> bool {
        !self.review.is_empty() && !self.has_alarm()
    }

    /// Scores as a JSON object keyed by label code.
    pub fn scores_json(&self) -> serde_json::Value {
        scores_to_json(&self.scores)
    }
}

/// Scores as a JSON object keyed by label code (rounded to 4 places).
pub fn scores_to_json(scores: &[f32; 10]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = Label::ALL
        .iter()
        .zip(scores)
        .map(|(l, s)| {
            (
                l.code().to_string(),
                serde_json::json!((s * 10000.0).round() / 10000.0),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

/// What a responder can check.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Model name and version.
    pub model_version: String,
    /// Per flagged label, the words that weighed most.
    pub phrases: Vec<LabelPhrases>,
    /// The nearest known claim, when one is similar enough (filled by `claims::attach`).
    pub known_claim: Option<crate::domain::ClaimMatch>,
}

/// The words that pushed one label up.
#[derive(Debug, Clone, Serialize)]
pub struct LabelPhrases {
    /// Label.
    pub label: Label,
    /// Score.
    pub score: f32,
    /// Threshold.
    pub threshold: f32,
    /// Words with their contribution to the raw score.
    pub words: Vec<WordWeight>,
}

/// One word's contribution.
#[derive(Debug, Clone, Serialize)]
pub struct WordWeight {
    /// The normalised word.
    pub word: String,
    /// Its contribution.
    pub weight: f32,
}

/// Encoder plus heads, ready to classify; cheap to clone.
#[derive(Clone)]
pub struct Classifier {
    encoder: Encoder,
    heads: Arc<Heads>,
}

impl Classifier {
    /// Combines a running encoder and trained heads.
    pub fn new(encoder: Encoder, heads: Heads) -> Self {
        Classifier {
            encoder,
            heads: Arc::new(heads),
        }
    }

    /// The sentence encoder (for embedding known claims).
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The heads' version string.
    pub fn version(&self) -> &str {
        &self.heads.meta.version
    }

    /// Classifies texts (embedding on the encoder thread, scoring on a blocking thread).
    pub async fn classify(&self, texts: Vec<String>) -> anyhow::Result<Vec<Classification>> {
        let embeddings = self.encoder.embed(texts.clone()).await?;
        let heads = self.heads.clone();
        tokio::task::spawn_blocking(move || {
            texts
                .iter()
                .zip(embeddings)
                .map(|(t, e)| score_one(&heads, t, e))
                .collect()
        })
        .await
        .map_err(Into::into)
    }
}

/// Scores one text given its embedding.
pub fn score_one(heads: &Heads, text: &str, embedding: Vec<f32>) -> Classification {
    let tokens = features::tokens(text);
    let sparse = features::vectorize(&tokens);
    let scores = heads.scores(&embedding, &sparse);
    let mut labels = heads.flagged(&scores);
    labels.sort_by(|a, b| scores[b.index()].total_cmp(&scores[a.index()]));
    let review = heads.review(&scores);
    let phrases = labels
        .iter()
        .map(|&l| LabelPhrases {
            label: l,
            score: scores[l.index()],
            threshold: heads.threshold(l),
            words: heads
                .top_words(l, &tokens, &sparse, 5)
                .into_iter()
                .map(|(word, weight)| WordWeight { word, weight })
                .collect(),
        })
        .collect();
    Classification {
        scores,
        labels,
        review,
        explanation: Explanation {
            model_version: heads.meta.version.clone(),
            phrases,
            known_claim: None,
        },
        embedding,
    }
}
