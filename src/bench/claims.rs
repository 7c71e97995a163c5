//! `tanggap bench-claims`: known-claim matching at scale. Generates distinct debunked claims,
//! embeds them once, then for each registry size measures the matcher's build time, the
//! per-mention matching latency (p50, p99) and the classifier pipeline's rate (store →
//! classify → match → incidents) with that many claims registered.

use std::time::Instant;

use crate::claims::{Entry, KnownClaim, Matcher, NewClaim};
use crate::clarifications::Verdict;
use crate::config::Settings;

/// What to measure.
#[derive(Debug, Clone)]
pub struct ClaimsBenchOptions {
    /// Registry sizes.
    pub sizes: Vec<usize>,
    /// Mentions matched (and run through the pipeline) per size.
    pub texts: usize,
}

const SUBJECTS: [&str; 16] = [
    "BMKG",
    "Gubernur Lampung",
    "Dinas Kesehatan",
    "PLN",
    "Kemensos",
    "Polda Lampung",
    "KPU",
    "Bank Indonesia",
    "Pertamina",
    "BPBD",
    "Bupati Tanggamus",
    "Wali Kota Metro",
    "Kemenkes",
    "Dinas Pendidikan",
    "OJK",
    "Bulog",
];
const CLAIMS: [&str; 16] = [
    "memprediksi gempa besar dan tsunami",
    "membagikan bansos Rp 600 ribu lewat tautan pendaftaran",
    "menutup jalan lintas Sumatra selama sepekan",
    "mewajibkan vaksin tambahan bagi anak sekolah",
    "menaikkan harga BBM dan gas elpiji",
    "membuka lowongan kerja tanpa tes dengan biaya administrasi",
    "mengumumkan pemadaman listrik total",
    "menemukan beras plastik di pasar",
    "menarik uang kertas pecahan lama",
    "membatalkan hasil pemilihan kepala daerah",
    "menyebut air PDAM tercemar limbah berbahaya",
    "meminta warga mengungsi karena bendungan retak",
    "memblokir rekening penerima bantuan",
    "menemukan virus baru yang menular lewat udara",
    "mengganti KTP elektronik dengan kartu baru berbayar",
    "meliburkan sekolah karena penculikan anak",
];
const PLACES: [&str; 15] = [
    "Bandar Lampung",
    "Metro",
    "Kalianda",
    "Pringsewu",
    "Tanggamus",
    "Way Kanan",
    "Liwa",
    "Kotabumi",
    "Menggala",
    "Sukadana",
    "Gunung Sugih",
    "Blambangan Umpu",
    "Krui",
    "Pesawaran",
    "Tulang Bawang Barat",
];
const TIMES: [&str; 12] = [
    "malam ini",
    "besok pagi",
    "pekan depan",
    "bulan depan",
    "akhir tahun",
    "mulai Senin",
    "pada 2024",
    "pada 2025",
    "saat Lebaran",
    "saat Natal",
    "minggu ini",
    "hari Jumat",
];

/// The `i`-th generated claim: every combination is distinct.
fn claim_text(i: usize) -> String {
    let s = SUBJECTS[i % SUBJECTS.len()];
    let c = CLAIMS[(i / SUBJECTS.len()) % CLAIMS.len()];
    let p = PLACES[(i / (SUBJECTS.len() * CLAIMS.len())) % PLACES.len()];
    let t = TIMES[(i / (SUBJECTS.len() * CLAIMS.len() * PLACES.len())) % TIMES.len()];
    format!("{s} {c} di {p} {t}")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs the benchmark and prints a table.
pub async fn run(settings: Settings, opts: ClaimsBenchOptions) -> anyhow::Result<()> {
    let max = opts.sizes.iter().copied().max().unwrap_or(0);
    anyhow::ensure!(
        max <= SUBJECTS.len() * CLAIMS.len() * PLACES.len() * TIMES.len(),
        "at most {} distinct claims can be generated",
        SUBJECTS.len() * CLAIMS.len() * PLACES.len() * TIMES.len()
    );
    let classifier = crate::app::load_classifier(&settings).map_err(anyhow::Error::msg)?;
    let texts = super::texts(&settings, opts.texts)?;
    // Half the mentions spread a registered claim in other words, so matches really happen.
    let mentions: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i % 2 == 0 {
                format!(
                    "Katanya {} ya? Sebarkan ke grup keluarga!!",
                    claim_text(i * 7 % max.max(1))
                )
            } else {
                t.clone()
            }
        })
        .collect();
    let claims: Vec<String> = (0..max).map(claim_text).collect();
    eprintln!(
        "  embedding {} claims and {} mentions",
        claims.len(),
        mentions.len()
    );
    let started = Instant::now();
    let mut claim_vectors = Vec::with_capacity(claims.len());
    for chunk in claims.chunks(512) {
        claim_vectors.extend(classifier.encoder().embed(chunk.to_vec()).await?);
        eprintln!(
            "  embedded {}/{} claims ({:.0}/s)",
            claim_vectors.len(),
            claims.len(),
            claim_vectors.len() as f64 / started.elapsed().as_secs_f64()
        );
    }
    let mention_vectors = classifier.encoder().embed(mentions.clone()).await?;
    println!(
        "known-claim matching: {} mentions (half of them spread a registered claim in other words), claims generated from templates\n",
        mentions.len()
    );
    println!("| claims | matcher build (s) | match p50 (ms) | match p99 (ms) | suggested | auto-linked | pipeline mentions/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &size in &opts.sizes {
        let entries: Vec<Entry> = claims[..size]
            .iter()
            .zip(&claim_vectors)
            .enumerate()
            .map(|(i, (c, v))| Entry {
                claim: KnownClaim {
                    id: format!("kc_bench{i}"),
                    claim: c.clone(),
                    verdict: "hoaks".into(),
                    summary: "Tidak benar.".into(),
                    url: None,
                    incident_id: None,
                    origin: "bench".into(),
                    created_at: String::new(),
                    disabled_at: None,
                    matches: 0,
                },
                embedding: v.clone(),
            })
            .collect();
        let built = Instant::now();
        let matcher = tokio::task::spawn_blocking(move || Matcher::build(entries, "bench".into())).await??;
        let build_secs = built.elapsed().as_secs_f64();
        let (mut lat, mut suggested, mut linked) = (Vec::new(), 0, 0);
        for (t, v) in mentions.iter().zip(&mention_vectors) {
            let t0 = Instant::now();
            let hit = matcher.best(t, v, &settings.claims);
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            match hit.map(|h| h.action) {
                Some(crate::claims::MatchAction::Suggest) => suggested += 1,
                Some(crate::claims::MatchAction::AutoLink) => linked += 1,
                None => {}
            }
        }
        lat.sort_by(f64::total_cmp);
        let registered: Vec<(NewClaim, Vec<f32>)> = claims[..size]
            .iter()
            .zip(&claim_vectors)
            .map(|(c, v)| {
                (
                    NewClaim {
                        claim: c.clone(),
                        verdict: Verdict::Hoaks,
                        summary: "Tidak benar.".into(),
                        url: None,
                        incident_id: None,
                    },
                    v.clone(),
                )
            })
            .collect();
        let rate =
            super::pipeline_rate_with_claims(&settings, classifier.clone(), &mentions, &registered).await?;
        println!(
            "| {size} | {build_secs:.2} | {:.3} | {:.3} | {suggested} | {linked} | {rate:.1} |",
            percentile(&lat, 0.5),
            percentile(&lat, 0.99)
        );
    }
    Ok(())
}
