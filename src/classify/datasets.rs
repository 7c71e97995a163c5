//! Labelled files for `train` and `eval`, and the evaluation report.
//!
//! Formats (`--format`):
//! - `jsonl`: `{"text": "...", "labels": ["hoax", ...]}` per line; all ten labels are annotated.
//! - `ihnd`: the IHND CSV (`id,text,label` with `Hoax`/`Valid`): annotates `hoax` only.
//! - `ibrohim`: the multi-label hate-speech CSV (`Tweet,HS,…,HS_Religion,HS_Race,…`):
//!   `HS_Religion` or `HS_Race` → `sara`, `HS` → `hate_speech`; annotates those two only.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::domain::Label;

/// A labelled text.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    /// The text.
    pub text: String,
    /// Its labels.
    pub labels: Vec<Label>,
}

/// A loaded data set: texts and which labels it annotates.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Items.
    pub items: Vec<Labelled>,
    /// Labels the file says something about (others are unknown, not negative).
    pub annotated: Vec<Label>,
}

/// File formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Our JSONL.
    Jsonl,
    /// IHND hoax/valid news CSV.
    Ihnd,
    /// Ibrohim & Budi multi-label hate-speech CSV.
    Ibrohim,
}

impl Format {
    /// Guesses the format from the file name.
    pub fn guess(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.starts_with("ihnd") {
            Format::Ihnd
        } else if name.starts_with("re_dataset") {
            Format::Ibrohim
        } else {
            Format::Jsonl
        }
    }
}

/// Reads a labelled file, dropping exact duplicate texts.
pub fn load(path: &Path, format: Format) -> anyhow::Result<Dataset> {
    let mut ds = match format {
        Format::Jsonl => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let mut items = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let item: Labelled = serde_json::from_str(line)
                    .with_context(|| format!("{}:{}: not a labelled example", path.display(), n + 1))?;
                items.push(item);
            }
            Dataset {
                items,
                annotated: Label::ALL.to_vec(),
            }
        }
        Format::Ihnd => {
            let mut r =
                csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
            let mut items = Vec::new();
            for rec in r.records() {
                let rec = rec?;
                let (text, label) = (rec.get(1).unwrap_or(""), rec.get(2).unwrap_or(""));
                let labels = if label.trim().eq_ignore_ascii_case("hoax") {
                    vec![Label::Hoax]
                } else {
                    vec![]
                };
                items.push(Labelled {
                    text: text.to_string(),
                    labels,
                });
            }
            Dataset {
                items,
                annotated: vec![Label::Hoax],
            }
        }
        Format::Ibrohim => {
            let mut r =
                csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
            let headers = r.headers()?.clone();
            let col = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .with_context(|| format!("no {name} column"))
            };
            let (tweet, hs, rel, race) = (col("Tweet")?, col("HS")?, col("HS_Religion")?, col("HS_Race")?);
            let mut items = Vec::new();
            for rec in r.records() {
                let rec = rec?;
                let on = |i: usize| rec.get(i).is_some_and(|v| v.trim() == "1");
                let mut labels = Vec::new();
                if on(rel) || on(race) {
                    labels.push(Label::Sara);
                }
                if on(hs) {
                    labels.push(Label::HateSpeech);
                }
                items.push(Labelled {
                    text: rec.get(tweet).unwrap_or("").to_string(),
                    labels,
                });
            }
            Dataset {
                items,
                annotated: vec![Label::Sara, Label::HateSpeech],
            }
        }
    };
    let mut seen = std::collections::HashSet::new();
    ds.items
        .retain(|i| !i.text.trim().is_empty() && seen.insert(i.text.trim().to_string()));
    Ok(ds)
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Serialize)]
pub struct LabelReport {
    /// Label.
    pub label: Label,
    /// Gold positives.
    pub support: usize,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// Precision.
    pub precision: f32,
    /// Recall.
    pub recall: f32,
    /// F1.
    pub f1: f32,
}

/// Per-label metrics over the annotated labels.
pub fn evaluate(gold: &[Vec<Label>], predicted: &[Vec<Label>], annotated: &[Label]) -> Vec<LabelReport> {
    annotated
        .iter()
        .map(|&label| {
            let (mut tp, mut fp, mut fn_) = (0, 0, 0);
            for (g, p) in gold.iter().zip(predicted) {
                match (g.contains(&label), p.contains(&label)) {
                    (true, true) => tp += 1,
                    (false, true) => fp += 1,
                    (true, false) => fn_ += 1,
                    _ => {}
                }
            }
            let precision = if tp + fp == 0 {
                0.0
            } else {
                tp as f32 / (tp + fp) as f32
            };
            let recall = if tp + fn_ == 0 {
                0.0
            } else {
                tp as f32 / (tp + fn_) as f32
            };
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            LabelReport {
                label,
                support: tp + fn_,
                tp,
                fp,
                fn_,
                precision,
                recall,
                f1,
            }
        })
        .collect()
}

/// The report as a Markdown table.
pub fn markdown(reports: &[LabelReport]) -> String {
    let mut s = String::from("| label | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|\n");
    for r in reports {
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} |\n",
            r.label.code(),
            r.support,
            r.precision,
            r.recall,
            r.f1
        ));
    }
    let n = reports.len().max(1) as f32;
    s.push_str(&format!(
        "| **macro** | | {:.3} | {:.3} | {:.3} |\n",
        reports.iter().map(|r| r.precision).sum::<f32>() / n,
        reports.iter().map(|r| r.recall).sum::<f32>() / n,
        reports.iter().map(|r| r.f1).sum::<f32>() / n
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_counted_per_label() {
        let gold = vec![vec![Label::Hoax], vec![Label::Hoax], vec![], vec![Label::Scam]];
        let pred = vec![vec![Label::Hoax], vec![], vec![Label::Hoax], vec![Label::Scam]];
        let r = evaluate(&gold, &pred, &[Label::Hoax, Label::Scam]);
        assert_eq!((r[0].tp, r[0].fp, r[0].fn_, r[0].support), (1, 1, 1, 2));
        assert!((r[0].f1 - 0.5).abs() < 1e-6);
        assert_eq!(r[1].f1, 1.0);
        assert!(markdown(&r).contains("| hoax | 2 | 0.500 | 0.500 | 0.500 |"));
    }
}
