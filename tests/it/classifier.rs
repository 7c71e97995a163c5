//! The real encoder in fp32 and bf16: the faster arithmetic must not change what is flagged.

use tanggap::classify::encoder::{self, ModelOptions, Precision};
use tanggap::classify::{score_one, Heads};

use crate::helpers::{repo, require_model, settings_for, Options};

#[test]
fn bf16_and_fp32_agree_within_tolerance() {
    require_model();
    let dir = tempfile::tempdir().unwrap();
    let settings = settings_for(dir.path(), &Options::default());
    let texts: Vec<String> = std::fs::read_to_string(repo().join("models/seed/test.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    assert!(texts.len() > 100);
    let embed = |precision| {
        let model = encoder::load_model(
            &settings.encoder_dir(),
            ModelOptions {
                precision,
                ..ModelOptions::from(&settings)
            },
        )
        .unwrap();
        encoder::embed_with(&model, &texts).unwrap()
    };
    let (full, half) = (embed(Precision::Fp32), embed(Precision::Bf16));
    let cosines: Vec<f32> = full
        .iter()
        .zip(&half)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum())
        .collect();
    let min = cosines.iter().copied().fold(1.0, f32::min);
    assert!(
        min > 0.99,
        "lowest cosine between fp32 and bf16 embeddings: {min}"
    );
    assert!(
        cosines.iter().any(|c| *c < 0.999999),
        "bf16 really ran (embeddings differ a little)"
    );
    let heads = Heads::load(&settings.heads_path()).unwrap();
    let same = texts
        .iter()
        .zip(full.into_iter().zip(half))
        .filter(|(t, (a, b))| {
            score_one(&heads, t, a.clone()).labels == score_one(&heads, t, b.clone()).labels
        })
        .count();
    assert!(
        same * 100 >= texts.len() * 97,
        "only {same} of {} texts kept the same labels under bf16",
        texts.len()
    );
}
