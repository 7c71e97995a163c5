//! `tanggap train` and `tanggap eval`: labelled sources, their splits, embeddings (cached on
//! disk, so retraining and evaluating do not embed the same text twice), and reports.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use super::datasets::{self, Dataset, Format, Labelled, Part};
use super::encoder;
use super::eval::{self, Outcome, Report};
use super::features;
use super::heads::{Example, Heads, SourceMeta, TrainParams};
use crate::config::Settings;
use crate::domain::Label;

/// Name of the source that holds the team's triage decisions.
pub const FEEDBACK: &str = "feedback";

/// A labelled file as named on the command line: `FILE[:FORMAT]`.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// As given (recorded in the heads' metadata).
    pub spec: String,
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
}

impl SourceSpec {
    /// Parses `FILE[:FORMAT]`; without a format the file name decides.
    pub fn parse(arg: &str) -> SourceSpec {
        for (suffix, format) in [
            (":jsonl", Format::Jsonl),
            (":ihnd", Format::Ihnd),
            (":ibrohim", Format::Ibrohim),
            (":everyday", Format::Everyday),
        ] {
            if let Some(path) = arg.strip_suffix(suffix) {
                return SourceSpec {
                    spec: arg.to_string(),
                    path: PathBuf::from(path),
                    format,
                };
            }
        }
        let path = PathBuf::from(arg);
        let format = Format::guess(&path);
        SourceSpec {
            spec: arg.to_string(),
            path,
            format,
        }
    }
}

/// What `tanggap train` was asked for.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Labelled files (the seed set when empty).
    pub data: Vec<String>,
    /// Hyper-parameters.
    pub params: TrainParams,
    /// Where to write heads.json.
    pub out: PathBuf,
}

/// Text as compared for de-duplication: trimmed, whitespace collapsed, lowercase.
pub fn dedupe_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The default training files: those the served heads were trained on (so `train
/// --include-feedback` retrains the current model's recipe with the team's decisions), minus
/// any this machine lacks (with a warning); the seed set when nothing is left.
pub fn default_sources(settings: &Settings) -> Vec<String> {
    let seed = vec![settings.models_dir.join("seed/train.jsonl").display().to_string()];
    let Ok(heads) = Heads::load(&settings.heads_path()) else {
        return seed;
    };
    let mut out = Vec::new();
    for s in heads.meta.sources.iter().filter(|s| s.spec != FEEDBACK) {
        if SourceSpec::parse(&s.spec).path.exists() {
            out.push(s.spec.clone());
        } else {
            eprintln!(
                "note: {} (a training file of the served heads) is not on this machine; training without it",
                s.spec
            );
        }
    }
    if out.is_empty() {
        seed
    } else {
        out
    }
}

/// Loads sources and splits each (before cross-source de-duplication, so a file's split does
/// not depend on the others); then drops items whose text an earlier source already has.
fn load_split(
    specs: &[SourceSpec],
    extra: Option<Dataset>,
    seed: u64,
    augment_places: bool,
) -> anyhow::Result<Vec<(String, Dataset, Vec<Part>)>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut loaded: Vec<(String, Dataset, Format)> = Vec::new();
    for s in specs {
        let ds = datasets::load(&s.path, s.format)?;
        eprintln!(
            "loaded {} items from {} (annotates {})",
            ds.items.len(),
            s.path.display(),
            ds.annotated
                .iter()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(", ")
        );
        loaded.push((s.spec.clone(), ds, s.format));
    }
    if let Some(fb) = extra {
        eprintln!("loaded {} items from the team's triage decisions", fb.items.len());
        loaded.push((FEEDBACK.to_string(), fb, Format::Jsonl));
    }
    for (spec, ds, format) in loaded {
        let parts = datasets::split(&ds, seed);
        let (mut items, mut kept) = (Vec::new(), Vec::new());
        let mut dropped = 0;
        for (item, part) in ds.items.into_iter().zip(parts) {
            if seen.insert(dedupe_key(&item.text)) {
                items.push(item);
                kept.push(part);
            } else {
                dropped += 1;
            }
        }
        if dropped > 0 {
            eprintln!("  {spec}: {dropped} items dropped as duplicates of earlier sources");
        }
        if augment_places && format == Format::Everyday {
            let added = augment_with_places(&mut items, &mut kept);
            eprintln!("  {spec}: {added} training items repeated with a Lampung place name");
        }
        out.push((
            spec,
            Dataset {
                items,
                annotated: ds.annotated,
            },
            kept,
        ));
    }
    Ok(out)
}

/// Lampung places as people write them in posts.
const LAMPUNG_PLACES: &[&str] = &[
    "Bandar Lampung",
    "Metro",
    "Pringsewu",
    "Pesawaran",
    "Tanggamus",
    "Way Kanan",
    "Lampung Timur",
    "Lampung Selatan",
    "Lampung Tengah",
    "Lampung Utara",
    "Lampung Barat",
    "Tulang Bawang",
    "Mesuji",
    "Pesisir Barat",
    "Kalianda",
    "Natar",
    "Liwa",
    "Kotabumi",
    "Menggala",
    "Teluk Betung",
];

/// Counterfactual copies of everyday training posts that name a Lampung place. Our own alarm
/// examples name Lampung places far more often than the real everyday sets do, so without this
/// the encoder side of the heads learns "a Lampung place → alarm" (the lexical side skips place
/// names, see `features::is_place`). One in four everyday training items (chosen by a hash of
/// its text, so the choice is stable) gets a copy with a place added in one of a few common
/// ways; copies are training items only, so validation and test stay real text.
fn augment_with_places(items: &mut Vec<Labelled>, parts: &mut Vec<Part>) -> usize {
    let mut added = Vec::new();
    for (item, part) in items.iter().zip(parts.iter()) {
        if *part != Part::Train {
            continue;
        }
        let h = crate::text::sha256_hex(item.text.as_bytes());
        let n = u64::from_str_radix(&h[..12], 16).unwrap_or(0);
        if !n.is_multiple_of(4) {
            continue;
        }
        let place = LAMPUNG_PLACES[(n / 4) as usize % LAMPUNG_PLACES.len()];
        let text = item.text.trim_end();
        let text = match (n / 128) % 4 {
            0 => format!("{text} di {place}"),
            1 => format!("{place}: {text}"),
            2 => format!("{text} #{}", place.replace(' ', "")),
            _ => format!("Warga {place}, {text}"),
        };
        added.push(Labelled { text, ..item.clone() });
    }
    let n = added.len();
    parts.extend(std::iter::repeat_n(Part::Train, n));
    items.extend(added);
    n
}

fn example(item: &Labelled, annotated: &[Label], embedding: Vec<f32>, source: usize) -> Example {
    let mut labels = [false; 10];
    let mut mask = [false; 10];
    for l in Label::ALL {
        labels[l.index()] = item.labels.contains(&l);
        mask[l.index()] = item.annotates(l, annotated);
    }
    Example {
        embedding,
        sparse: features::vectorize(&features::tokens(&item.text)),
        labels,
        mask,
        source,
    }
}

/// Trains heads on the train parts of all sources (and `feedback`, if given), calibrates and
/// chooses thresholds on the validation parts, and writes them. Prints progress and a table.
pub fn train(settings: &Settings, opts: &TrainOptions, feedback: Option<Dataset>) -> anyhow::Result<Heads> {
    let started = Instant::now();
    let data = if opts.data.is_empty() {
        default_sources(settings)
    } else {
        opts.data.clone()
    };
    let specs: Vec<SourceSpec> = data.iter().map(|d| SourceSpec::parse(d)).collect();
    let sources = load_split(&specs, feedback, opts.params.seed, true)?;
    let texts: Vec<String> = sources
        .iter()
        .flat_map(|(_, ds, parts)| {
            ds.items
                .iter()
                .zip(parts)
                .filter(|(_, p)| **p != Part::Test)
                .map(|(i, _)| i.text.clone())
        })
        .collect();
    let mut embeddings = embed_all(settings, &texts, "training texts")?.into_iter();
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    let mut metas = Vec::new();
    for (source, (spec, ds, parts)) in sources.iter().enumerate() {
        let mut counts = [0usize; 3];
        for (item, part) in ds.items.iter().zip(parts) {
            match part {
                Part::Train => {
                    counts[0] += 1;
                    train.push(example(
                        item,
                        &ds.annotated,
                        embeddings.next().expect("embedded"),
                        source,
                    ));
                }
                Part::Validation => {
                    counts[1] += 1;
                    validation.push(example(
                        item,
                        &ds.annotated,
                        embeddings.next().expect("embedded"),
                        source,
                    ));
                }
                Part::Test => counts[2] += 1,
            }
        }
        metas.push(SourceMeta {
            spec: spec.clone(),
            annotated: ds.annotated.clone(),
            items: ds.items.len(),
            parts: counts,
        });
    }
    let mut heads = Heads::train(&train, &validation, opts.params, &mut |m| eprintln!("{m}"));
    heads.meta.sources = metas;
    if let Some(parent) = opts.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    heads.save(&opts.out)?;
    println!(
        "trained {} on {} examples ({} validation) in {:.1}s -> {}",
        heads.meta.version,
        train.len(),
        validation.len(),
        started.elapsed().as_secs_f64(),
        opts.out.display()
    );
    println!("\n| source | items | train | validation | test |\n|---|---:|---:|---:|---:|");
    for s in &heads.meta.sources {
        println!(
            "| {} | {} | {} | {} | {} |",
            s.spec, s.items, s.parts[0], s.parts[1], s.parts[2]
        );
    }
    println!(
        "\n| label | kind | train positives | C | threshold | review from | validation P | R | F1 | everyday alarms / review | precision ≥ {:.2} |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        heads.meta.precision_target
    );
    let pct = |x: Option<f32>| x.map_or("–".to_string(), |x| format!("{:.1} %", x * 100.0));
    for m in &heads.meta.labels {
        println!(
            "| {} | {} | {} | {} | {:.3} | {} | {:.3} | {:.3} | {:.3} | {} / {} | {} |",
            m.label.code(),
            m.label.kind(),
            m.positives,
            m.c,
            m.threshold,
            m.review_threshold.map_or("–".to_string(), |r| format!("{r:.3}")),
            m.validation_precision,
            m.validation_recall,
            m.validation_f1,
            pct(m.everyday_false_alarms),
            pct(m.everyday_review),
            if m.limited_by_false_alarms {
                "set by the false-alarm budget".to_string()
            } else if m.meets_target {
                "yes".to_string()
            } else if m.validation_support[0] < super::heads::MIN_POSITIVES_FOR_TARGET {
                format!("n/a ({} positives: best F1)", m.validation_support[0])
            } else {
                "not reachable (best F1)".to_string()
            }
        );
    }
    Ok(heads)
}

/// A held-out set to evaluate on.
struct EvalSet {
    name: String,
    dataset: Dataset,
}

/// The held-out sets: the test part of each training source (or of the files given), minus
/// any text the heads were trained or tuned on; plus the seed test file by default.
fn eval_sets(
    settings: &Settings,
    heads: &Heads,
    data: &[String],
    limit: Option<usize>,
) -> anyhow::Result<Vec<EvalSet>> {
    let seed = heads.meta.seed;
    let trained: Vec<SourceSpec> = heads
        .meta
        .sources
        .iter()
        .filter(|s| s.spec != FEEDBACK)
        .map(|s| SourceSpec::parse(&s.spec))
        .collect();
    // Everything the heads saw (train and validation parts), to keep it out of every test set.
    let mut seen = HashSet::new();
    let mut loaded: HashMap<PathBuf, (Dataset, Vec<Part>)> = HashMap::new();
    for ((_, ds, parts), spec) in load_split(&trained, None, seed, false)?.into_iter().zip(&trained) {
        for (item, part) in ds.items.iter().zip(&parts) {
            if *part != Part::Test {
                seen.insert(dedupe_key(&item.text));
            }
        }
        loaded.insert(spec.path.clone(), (ds, parts));
    }
    let wanted: Vec<SourceSpec> = if data.is_empty() {
        let mut v = trained.clone();
        let seed_test = settings.models_dir.join("seed/test.jsonl");
        if seed_test.exists() && !v.iter().any(|s| s.path == seed_test) {
            v.push(SourceSpec::parse(&seed_test.display().to_string()));
        }
        v
    } else {
        data.iter().map(|d| SourceSpec::parse(d)).collect()
    };
    let mut sets = Vec::new();
    // A text is evaluated once, in the first set that has it (IHND's two files overlap).
    let mut evaluated: HashSet<String> = HashSet::new();
    for spec in wanted {
        // Training files were read above (their split is the one trained with); others now.
        let was_trained = loaded.contains_key(&spec.path);
        let (ds, parts) = match loaded.remove(&spec.path) {
            Some(found) => found,
            None => {
                let ds = datasets::load(&spec.path, spec.format)?;
                let parts = datasets::split(&ds, seed);
                (ds, parts)
            }
        };
        let total = ds.items.len();
        let mut items: Vec<Labelled> = ds
            .items
            .into_iter()
            .zip(parts)
            .filter(|(item, part)| {
                let key = dedupe_key(&item.text);
                (!was_trained || *part == Part::Test) && !seen.contains(&key) && evaluated.insert(key)
            })
            .map(|(item, _)| item)
            .collect();
        if let Some(n) = limit {
            items.truncate(n);
        }
        if items.is_empty() {
            eprintln!(
                "{}: nothing left that the model has not seen",
                spec.path.display()
            );
            continue;
        }
        let name = format!(
            "{} ({})",
            spec.path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            if was_trained {
                "its test split".to_string()
            } else if items.len() < total {
                format!("{} items the model saw left out", total - items.len())
            } else {
                "whole file, not trained on".to_string()
            }
        );
        sets.push(EvalSet {
            name,
            dataset: Dataset {
                items,
                annotated: ds.annotated,
            },
        });
    }
    Ok(sets)
}

/// Evaluates heads on held-out data (see [`eval_sets`]); writes `eval.md` and `eval.json`
/// into `out_dir` when given, and returns the reports.
pub fn evaluate(
    settings: &Settings,
    heads_path: &Path,
    data: &[String],
    limit: Option<usize>,
    out_dir: Option<&Path>,
) -> anyhow::Result<Vec<Report>> {
    let heads = Heads::load(heads_path)?;
    let sets = eval_sets(settings, &heads, data, limit)?;
    // One pass over the embedding cache (and at most one model load) for all sets.
    let texts: Vec<String> = sets
        .iter()
        .flat_map(|s| s.dataset.items.iter().map(|i| i.text.clone()))
        .collect();
    let mut embeddings = embed_all(settings, &texts, "evaluation texts")?.into_iter();
    let mut reports = Vec::new();
    for set in sets {
        eprintln!(
            "evaluating {} on {} items of {}",
            heads.meta.version,
            set.dataset.items.len(),
            set.name
        );
        let outcomes: Vec<Outcome> = set
            .dataset
            .items
            .iter()
            .zip(embeddings.by_ref())
            .map(|(item, e)| {
                let c = super::score_one(&heads, &item.text, e);
                Outcome {
                    gold: item.labels.clone(),
                    annotated: Label::ALL
                        .into_iter()
                        .filter(|&l| item.annotates(l, &set.dataset.annotated))
                        .collect(),
                    scores: c.scores,
                    predicted: c.labels,
                    review: c.review,
                }
            })
            .collect();
        reports.push(eval::evaluate(&heads.meta.version, &set.name, &outcomes));
    }
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let md: String = reports.iter().map(|r| r.markdown() + "\n").collect();
        std::fs::write(dir.join("eval.md"), &md)?;
        std::fs::write(dir.join("eval.json"), serde_json::to_string_pretty(&reports)?)?;
    }
    Ok(reports)
}

/// Per data set and label, F1 before and after (for `train --include-feedback`).
pub fn comparison(before: &[Report], after: &[Report]) -> String {
    let mut s = String::from("| data | label | F1 before | F1 after |\n|---|---|---:|---:|\n");
    for a in after {
        let b = before.iter().find(|b| b.data == a.data);
        for l in &a.labels {
            let old = b
                .and_then(|b| b.labels.iter().find(|x| x.label == l.label))
                .map(|x| format!("{:.3}", x.f1))
                .unwrap_or_else(|| "–".into());
            s.push_str(&format!(
                "| {} | {} | {} | {:.3} |\n",
                a.data,
                l.label.code(),
                old,
                l.f1
            ));
        }
    }
    s
}

/// Embeddings of many texts, read from the on-disk cache or computed in batches with progress.
pub fn embed_all(settings: &Settings, texts: &[String], what: &str) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut cache = EmbeddingCache::open(&settings.models_dir.join(".cache"), &encoder::cache_tag(settings))?;
    let missing: Vec<String> = {
        let mut seen = HashSet::new();
        texts
            .iter()
            .filter(|t| cache.get(t).is_none() && seen.insert(t.as_str()))
            .cloned()
            .collect()
    };
    if !missing.is_empty() {
        eprintln!(
            "  embedding {what}: {} of {} not in the cache",
            missing.len(),
            texts.len()
        );
        let model = encoder::load_model(&settings.encoder_dir(), encoder::ModelOptions::from(settings))?;
        let started = Instant::now();
        let mut done = 0;
        let step = settings.classifier.batch_size.max(1) * 8;
        for chunk in missing.chunks(step) {
            let vectors = encoder::embed_with(&model, chunk)?;
            cache.put(chunk, &vectors)?;
            done += chunk.len();
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!("  embedding {what}: {done}/{} ({rate:.0} texts/s)", missing.len());
        }
    }
    Ok(texts
        .iter()
        .map(|t| cache.get(t).expect("embedded above").to_vec())
        .collect())
}

/// Embeddings by text digest, in an append-only file per encoder configuration.
struct EmbeddingCache {
    tag: String,
    file: std::fs::File,
    map: HashMap<[u8; 16], Vec<f32>>,
}

const CACHE_DIM: usize = super::heads::EMB;

impl EmbeddingCache {
    fn open(dir: &Path, tag: &str) -> anyhow::Result<EmbeddingCache> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("embeddings-{}.bin", tag.replace(['/', ' '], "_")));
        let bytes = std::fs::read(&path).unwrap_or_default();
        let record = 16 + CACHE_DIM * 4;
        let mut map = HashMap::new();
        for r in bytes.chunks_exact(record) {
            let mut key = [0u8; 16];
            key.copy_from_slice(&r[..16]);
            let v = r[16..]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            map.insert(key, v);
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        // A torn last record (a crash mid-write) is ignored; cut it so appends stay aligned.
        file.set_len((bytes.len() / record * record) as u64)?;
        Ok(EmbeddingCache {
            tag: tag.to_string(),
            file,
            map,
        })
    }

    fn key(&self, text: &str) -> [u8; 16] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.tag.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&h.finalize()[..16]);
        key
    }

    fn get(&self, text: &str) -> Option<&[f32]> {
        self.map.get(&self.key(text)).map(Vec::as_slice)
    }

    fn put(&mut self, texts: &[String], vectors: &[Vec<f32>]) -> anyhow::Result<()> {
        let mut buf = Vec::with_capacity(texts.len() * (16 + CACHE_DIM * 4));
        for (t, v) in texts.iter().zip(vectors) {
            let key = self.key(t);
            buf.extend_from_slice(&key);
            for x in v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            self.map.insert(key, v.clone());
        }
        self.file.write_all(&buf)?;
        Ok(())
    }
}

/// The team's triage decisions as labelled examples (rows from
/// [`crate::store::Store::feedback_texts`]):
/// - *confirmed* (a verdict was set): the incident's labels are right; a `fakta` verdict says
///   the claim is true, so `hoax` is wrong; `penipuan` adds `scam`, the false-claim verdicts add `hoax`;
/// - *dismissed* as a false positive: none of the incident's labels apply;
/// - *corrected*: the responder's labels are the whole truth (all ten annotated).
pub fn feedback_dataset(rows: &[(String, String, Option<String>, String)]) -> Dataset {
    let mut items = Vec::new();
    for (decision, labels, reason, text) in rows {
        let flagged: Vec<Label> = serde_json::from_str(labels).unwrap_or_default();
        let (labels, annotated) = match decision.as_str() {
            "dismissed" => (Vec::new(), flagged.clone()),
            "corrected" => (flagged.clone(), Label::ALL.to_vec()),
            _ => {
                let mut labels = flagged.clone();
                let extra = match reason.as_deref() {
                    Some("hoaks" | "disinformasi" | "misinformasi" | "salah") => Some(Label::Hoax),
                    Some("penipuan") => Some(Label::Scam),
                    _ => None,
                };
                if let Some(l) = extra {
                    if !labels.contains(&l) {
                        labels.push(l);
                    }
                }
                let mut annotated = labels.clone();
                if reason.as_deref() == Some("fakta") {
                    labels.retain(|l| *l != Label::Hoax);
                    if !annotated.contains(&Label::Hoax) {
                        annotated.push(Label::Hoax);
                    }
                }
                (labels, annotated)
            }
        };
        if annotated.is_empty() {
            continue;
        }
        items.push(Labelled {
            text: text.clone(),
            labels,
            annotated: Some(annotated),
        });
    }
    Dataset {
        items,
        annotated: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(decision: &str, labels: &str, reason: Option<&str>) -> (String, String, Option<String>, String) {
        (
            decision.into(),
            labels.into(),
            reason.map(Into::into),
            "teks".into(),
        )
    }

    #[test]
    fn triage_decisions_become_labelled_examples() {
        let ds = feedback_dataset(&[
            row("dismissed", r#"["hoax","health"]"#, Some("iklan biasa")),
            row("confirmed", r#"["health"]"#, Some("hoaks")),
            row("confirmed", r#"["hoax","health"]"#, Some("fakta")),
            row("corrected", r#"["scam"]"#, None),
        ]);
        let [dismissed, hoaks, fakta, corrected] = &ds.items[..] else {
            panic!("{:?}", ds.items)
        };
        assert!(dismissed.labels.is_empty());
        assert!(dismissed.annotates(Label::Hoax, &ds.annotated));
        assert!(!dismissed.annotates(Label::Scam, &ds.annotated));
        assert_eq!(hoaks.labels, vec![Label::Health, Label::Hoax]);
        assert_eq!(fakta.labels, vec![Label::Health]);
        assert!(fakta.annotates(Label::Hoax, &ds.annotated));
        assert_eq!(corrected.labels, vec![Label::Scam]);
        assert!(corrected.annotates(Label::Politics, &ds.annotated));
    }
}
