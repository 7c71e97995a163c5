//! Label heads: one logistic regression per label over the sentence embedding and the hashed
//! lexical features, with thresholds chosen on a validation split. Trained here, by hand,
//! because the model is small and must be deterministic.

use std::path::Path;

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::features::{Sparse, Token, DIM};
use crate::domain::Label;

/// Width of the sentence embedding.
pub const EMB: usize = 384;

/// One training or evaluation example.
#[derive(Debug, Clone)]
pub struct Example {
    /// Normalised sentence embedding.
    pub embedding: Vec<f32>,
    /// Lexical features.
    pub sparse: Sparse,
    /// Gold labels (as indices into [`Label::ALL`]).
    pub labels: [bool; 10],
}

/// Metadata stored beside the weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadsMeta {
    /// Version string recorded on every classified mention.
    pub version: String,
    /// Encoder name.
    pub encoder: String,
    /// When trained (RFC 3339).
    pub trained_at: String,
    /// Per label: threshold and validation numbers.
    pub labels: Vec<LabelMeta>,
    /// Training examples used.
    pub examples: usize,
    /// Seed of the split and shuffles.
    pub seed: u64,
}

/// Per-label metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelMeta {
    /// Label code.
    pub label: Label,
    /// Decision threshold on the score.
    pub threshold: f32,
    /// Positive training examples.
    pub positives: usize,
    /// F1 on the validation split at the threshold.
    pub validation_f1: f32,
    /// Bias term.
    pub bias: f32,
}

/// The trained heads.
#[derive(Debug, Clone)]
pub struct Heads {
    /// Metadata.
    pub meta: HeadsMeta,
    /// Per label: EMB embedding weights followed by DIM lexical weights.
    weights: Vec<Vec<f32>>,
}

/// Training hyper-parameters.
#[derive(Debug, Clone, Copy)]
pub struct TrainParams {
    /// Full-batch Adam steps.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Seed for the split.
    pub seed: u64,
    /// Share of examples held out to choose thresholds.
    pub validation_share: f32,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            epochs: 150,
            lr: 0.05,
            l2: 1e-5,
            seed: 42,
            validation_share: 0.2,
        }
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Heads {
    /// Scores of all labels for one example, in [`Label::ALL`] order.
    pub fn scores(&self, embedding: &[f32], sparse: &Sparse) -> [f32; 10] {
        let mut out = [0f32; 10];
        for (l, w) in self.weights.iter().enumerate() {
            out[l] = sigmoid(raw_score(w, self.meta.labels[l].bias, embedding, sparse));
        }
        out
    }

    /// Labels whose score reaches their threshold.
    pub fn flagged(&self, scores: &[f32; 10]) -> Vec<Label> {
        Label::ALL
            .iter()
            .zip(scores)
            .zip(&self.meta.labels)
            .filter(|((_, s), m)| **s >= m.threshold)
            .map(|((l, _), _)| *l)
            .collect()
    }

    /// The words that pushed `label`'s score up the most, with their weight.
    pub fn top_words(&self, label: Label, tokens: &[Token], sparse: &Sparse, k: usize) -> Vec<(String, f32)> {
        let w = &self.weights[label.index()];
        let value = |idx: u32| {
            sparse
                .entries
                .binary_search_by_key(&idx, |e| e.0)
                .map(|p| sparse.entries[p].1)
                .unwrap_or(0.0)
        };
        let mut seen = std::collections::HashMap::<String, f32>::new();
        for t in tokens {
            let c: f32 = t.features.iter().map(|&f| w[EMB + f as usize] * value(f)).sum();
            let e = seen.entry(t.word.clone()).or_insert(f32::MIN);
            *e = e.max(c);
        }
        let mut words: Vec<(String, f32)> = seen.into_iter().filter(|(_, c)| *c > 0.0).collect();
        words.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.truncate(k);
        words
    }

    /// Threshold of a label.
    pub fn threshold(&self, label: Label) -> f32 {
        self.meta.labels[label.index()].threshold
    }

    /// Trains heads: thresholds on a stratified validation split, then a final fit on everything.
    pub fn train(examples: &[Example], params: TrainParams, progress: &mut dyn FnMut(&str)) -> Heads {
        let (train_idx, val_idx) = stratified_split(examples, params.validation_share, params.seed);
        progress(&format!(
            "fitting on {} examples, choosing thresholds on {} held out",
            train_idx.len(),
            val_idx.len()
        ));
        let train: Vec<&Example> = train_idx.iter().map(|&i| &examples[i]).collect();
        let (w, b) = fit(&train, params, progress);
        let mut labels = Vec::new();
        for (l, label) in Label::ALL.iter().enumerate() {
            let scored: Vec<(f32, bool)> = val_idx
                .iter()
                .map(|&i| {
                    (
                        sigmoid(raw_score(
                            &w[l],
                            b[l],
                            &examples[i].embedding,
                            &examples[i].sparse,
                        )),
                        examples[i].labels[l],
                    )
                })
                .collect();
            let (threshold, f1) = best_threshold(&scored);
            labels.push(LabelMeta {
                label: *label,
                threshold,
                positives: examples.iter().filter(|e| e.labels[l]).count(),
                validation_f1: f1,
                bias: 0.0,
            });
        }
        progress("final fit on all examples");
        let all: Vec<&Example> = examples.iter().collect();
        let (weights, bias) = fit(&all, params, progress);
        for (m, b) in labels.iter_mut().zip(bias) {
            m.bias = b;
        }
        let trained_at = chrono::Utc::now();
        let mut heads = Heads {
            meta: HeadsMeta {
                version: String::new(),
                encoder: "all-MiniLM-L6-v2".into(),
                trained_at: crate::store::ts(trained_at),
                labels,
                examples: examples.len(),
                seed: params.seed,
            },
            weights,
        };
        heads.meta.version = format!("minilm-l6+lexical-lr/{}", &heads.fingerprint()[..12]);
        heads
    }

    fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for w in &self.weights {
            for x in w {
                h.update(x.to_le_bytes());
            }
        }
        for m in &self.meta.labels {
            h.update(m.bias.to_le_bytes());
            h.update(m.threshold.to_le_bytes());
        }
        hex::encode(h.finalize())
    }

    /// Writes `heads.json` (metadata) and `heads.bin` (weights) beside it.
    pub fn save(&self, json_path: &Path) -> anyhow::Result<()> {
        let bin_path = json_path.with_extension("bin");
        let mut bytes = Vec::with_capacity(self.weights.len() * (EMB + DIM) * 4);
        for w in &self.weights {
            for x in w {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
        write_atomic(&bin_path, &bytes)?;
        write_atomic(json_path, serde_json::to_string_pretty(&self.meta)?.as_bytes())?;
        Ok(())
    }

    /// Reads heads written by [`Heads::save`].
    pub fn load(json_path: &Path) -> anyhow::Result<Heads> {
        let meta: HeadsMeta = serde_json::from_slice(
            &std::fs::read(json_path).with_context(|| format!("reading {}", json_path.display()))?,
        )
        .with_context(|| format!("parsing {}", json_path.display()))?;
        let bin_path = json_path.with_extension("bin");
        let bytes = std::fs::read(&bin_path).with_context(|| format!("reading {}", bin_path.display()))?;
        let per = EMB + DIM;
        anyhow::ensure!(
            bytes.len() == Label::ALL.len() * per * 4 && meta.labels.len() == Label::ALL.len(),
            "{} does not match this version's feature layout; run `tanggap train`",
            bin_path.display()
        );
        let floats: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let weights = floats.chunks(per).map(<[f32]>::to_vec).collect();
        Ok(Heads { meta, weights })
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

fn raw_score(w: &[f32], b: f32, embedding: &[f32], sparse: &Sparse) -> f32 {
    let dense: f32 = w[..EMB].iter().zip(embedding).map(|(a, x)| a * x).sum();
    let lexical: f32 = sparse.entries.iter().map(|&(i, v)| w[EMB + i as usize] * v).sum();
    dense + lexical + b
}

/// Splits indices so every label keeps its share of positives in both parts.
fn stratified_split(examples: &[Example], share: f32, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // Group by the rarest positive label of each example (or "none").
    let counts: Vec<usize> = (0..10)
        .map(|l| examples.iter().filter(|e| e.labels[l]).count())
        .collect();
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, e) in examples.iter().enumerate() {
        let key = (0..10)
            .filter(|&l| e.labels[l])
            .min_by_key(|&l| counts[l])
            .unwrap_or(10);
        groups.entry(key).or_default().push(i);
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (_, mut idx) in groups {
        idx.shuffle(&mut rng);
        let n_val = ((idx.len() as f32) * share).round() as usize;
        val.extend_from_slice(&idx[..n_val]);
        train.extend_from_slice(&idx[n_val..]);
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

/// The threshold with the best F1 (ties: the middle of the best run); 0.5 without positives.
pub fn best_threshold(scored: &[(f32, bool)]) -> (f32, f32) {
    if !scored.iter().any(|s| s.1) {
        return (0.5, 0.0);
    }
    let mut best = (0.5f32, -1.0f32);
    let mut ties = Vec::new();
    for step in 1..100 {
        let t = step as f32 / 100.0;
        let f1 = f1_at(scored, t);
        if f1 > best.1 + 1e-6 {
            best = (t, f1);
            ties = vec![t];
        } else if (f1 - best.1).abs() <= 1e-6 {
            ties.push(t);
        }
    }
    (ties[ties.len() / 2], best.1)
}

fn f1_at(scored: &[(f32, bool)], t: f32) -> f32 {
    let (mut tp, mut fp, mut fn_) = (0f32, 0f32, 0f32);
    for &(s, y) in scored {
        match (s >= t, y) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            _ => {}
        }
    }
    if tp == 0.0 {
        0.0
    } else {
        2.0 * tp / (2.0 * tp + fp + fn_)
    }
}

/// Full-batch Adam on the class-balanced logistic loss, all labels at once.
fn fit(examples: &[&Example], p: TrainParams, progress: &mut dyn FnMut(&str)) -> (Vec<Vec<f32>>, Vec<f32>) {
    let n = examples.len().max(1) as f32;
    let per = EMB + DIM;
    // Only coordinates some example touches can move; the rest stay zero.
    let mut active: Vec<usize> = (0..EMB).collect();
    let mut touched = vec![false; DIM];
    for e in examples {
        for &(i, _) in &e.sparse.entries {
            touched[i as usize] = true;
        }
    }
    active.extend((0..DIM).filter(|&i| touched[i]).map(|i| EMB + i));

    let mut weights = Vec::new();
    let mut biases = Vec::new();
    for l in 0..10 {
        let pos = examples.iter().filter(|e| e.labels[l]).count() as f32;
        let neg = n - pos;
        let (wp, wn) = if pos == 0.0 || neg == 0.0 {
            (1.0, 1.0)
        } else {
            (n / (2.0 * pos), n / (2.0 * neg))
        };
        let mut w = vec![0f32; per];
        let mut b = 0f32;
        let (mut m, mut v) = (vec![0f32; per], vec![0f32; per]);
        let (mut mb, mut vb) = (0f32, 0f32);
        let mut grad = vec![0f32; per];
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        for epoch in 1..=p.epochs {
            for &i in &active {
                grad[i] = p.l2 * w[i];
            }
            let mut gb = 0f32;
            for e in examples {
                let y = e.labels[l];
                let g = (sigmoid(raw_score(&w, b, &e.embedding, &e.sparse)) - if y { 1.0 } else { 0.0 })
                    * if y { wp } else { wn }
                    / n;
                for (gi, x) in grad[..EMB].iter_mut().zip(&e.embedding) {
                    *gi += g * x;
                }
                for &(i, x) in &e.sparse.entries {
                    grad[EMB + i as usize] += g * x;
                }
                gb += g;
            }
            let t = epoch as i32;
            let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
            for &i in &active {
                m[i] = b1 * m[i] + (1.0 - b1) * grad[i];
                v[i] = b2 * v[i] + (1.0 - b2) * grad[i] * grad[i];
                w[i] -= p.lr * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
            }
            mb = b1 * mb + (1.0 - b1) * gb;
            vb = b2 * vb + (1.0 - b2) * gb * gb;
            b -= p.lr * (mb / c1) / ((vb / c2).sqrt() + eps);
        }
        progress(&format!(
            "  head {:>2}/10 {:<15} trained ({} positives)",
            l + 1,
            Label::ALL[l].code(),
            pos
        ));
        weights.push(w);
        biases.push(b);
    }
    (weights, biases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::features::{tokens, vectorize};

    fn example(text: &str, label: Option<Label>) -> Example {
        let mut labels = [false; 10];
        if let Some(l) = label {
            labels[l.index()] = true;
        }
        Example {
            embedding: vec![0.0; EMB],
            sparse: vectorize(&tokens(text)),
            labels,
        }
    }

    fn fixture() -> Vec<Example> {
        let mut v = Vec::new();
        for i in 0..20 {
            v.push(example(
                &format!("gempa besar tsunami akan datang malam {i}"),
                Some(Label::Disaster),
            ));
            v.push(example(
                &format!("transfer dana ke rekening ini segera pak {i}"),
                Some(Label::Scam),
            ));
            v.push(example(
                &format!("makan siang enak di warung dekat rumah {i}"),
                None,
            ));
        }
        v
    }

    #[test]
    fn training_is_deterministic_and_learns() {
        let params = TrainParams {
            epochs: 60,
            ..Default::default()
        };
        let a = Heads::train(&fixture(), params, &mut |_| {});
        let b = Heads::train(&fixture(), params, &mut |_| {});
        assert_eq!(a.fingerprint(), b.fingerprint());
        let probe = example("awas tsunami gempa besar", None);
        let scores = a.scores(&probe.embedding, &probe.sparse);
        assert!(a.flagged(&scores).contains(&Label::Disaster), "{scores:?}");
        assert!(!a.flagged(&scores).contains(&Label::Scam), "{scores:?}");
        let top = a.top_words(
            Label::Disaster,
            &tokens("awas tsunami gempa besar"),
            &probe.sparse,
            3,
        );
        assert!(top.iter().any(|(w, _)| w == "tsunami" || w == "gempa"), "{top:?}");
    }

    #[test]
    fn thresholds_maximise_f1() {
        let scored = [(0.9, true), (0.8, true), (0.7, false), (0.2, false)];
        let (t, f1) = best_threshold(&scored);
        assert!(t > 0.7 && t <= 0.8, "{t}");
        assert_eq!(f1, 1.0);
    }

    #[test]
    fn save_and_load_round_trip() {
        let heads = Heads::train(
            &fixture(),
            TrainParams {
                epochs: 5,
                ..Default::default()
            },
            &mut |_| {},
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("heads.json");
        heads.save(&path).unwrap();
        let back = Heads::load(&path).unwrap();
        assert_eq!(back.fingerprint(), heads.fingerprint());
        assert_eq!(back.meta.version, heads.meta.version);
    }
}
