//! Text normalisation shared by the classifier, the analyzer, incidents, claims and playbooks
//! (core: depends on nothing of ours): informal spellings, repeated letters, the cluster key
//! that makes copies of a chain message one incident, HTML escaping and content hashes.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// Common informal spellings → standard Indonesian (written by us; not the shared dictionary).
const SLANG: &[(&str, &str)] = &[
    ("gak", "tidak"),
    ("ga", "tidak"),
    ("gk", "tidak"),
    ("nggak", "tidak"),
    ("ngga", "tidak"),
    ("enggak", "tidak"),
    ("engga", "tidak"),
    ("tdk", "tidak"),
    ("tak", "tidak"),
    ("kagak", "tidak"),
    ("yg", "yang"),
    ("bgt", "banget"),
    ("bngt", "banget"),
    ("udh", "sudah"),
    ("udah", "sudah"),
    ("sdh", "sudah"),
    ("dah", "sudah"),
    ("dgn", "dengan"),
    ("krn", "karena"),
    ("karna", "karena"),
    ("aja", "saja"),
    ("gmn", "bagaimana"),
    ("gimana", "bagaimana"),
    ("blm", "belum"),
    ("org", "orang"),
    ("utk", "untuk"),
    ("buat", "untuk"),
    ("sy", "saya"),
    ("gue", "saya"),
    ("gw", "saya"),
    ("aku", "saya"),
    ("kalo", "kalau"),
    ("klo", "kalau"),
    ("jd", "jadi"),
    ("bs", "bisa"),
    ("lg", "lagi"),
    ("dr", "dari"),
    ("pd", "pada"),
    ("tp", "tapi"),
    ("sm", "sama"),
    ("trs", "terus"),
    ("skrg", "sekarang"),
    ("hrs", "harus"),
    ("dpt", "dapat"),
    ("bnyk", "banyak"),
    ("byk", "banyak"),
    ("smua", "semua"),
    ("sbg", "sebagai"),
    ("jgn", "jangan"),
    ("jngn", "jangan"),
    ("knp", "kenapa"),
    ("napa", "kenapa"),
    ("emg", "memang"),
    ("emang", "memang"),
    ("bener", "benar"),
    ("bnr", "benar"),
    ("bro", "kawan"),
    ("info", "informasi"),
    ("tlg", "tolong"),
    ("mksh", "terima kasih"),
    ("makasih", "terima kasih"),
    ("hoax", "hoaks"),
    ("hoaxs", "hoaks"),
    ("wa", "whatsapp"),
    ("dki", "dki"),
    ("pemda", "pemerintah daerah"),
    ("pemprov", "pemerintah provinsi"),
    ("pemkot", "pemerintah kota"),
    ("pemkab", "pemerintah kabupaten"),
];

fn slang_map() -> &'static HashMap<&'static str, &'static str> {
    static MAP: std::sync::OnceLock<HashMap<&'static str, &'static str>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| SLANG.iter().copied().collect())
}

/// The standard word for an informal spelling (lowercase), if our table knows it.
pub fn slang(word: &str) -> Option<&'static str> {
    slang_map().get(word).copied()
}

/// Squeezes letters repeated more than twice ("awasss" → "awass").
pub fn squeeze_repeats(word: &str) -> String {
    squeeze(word)
}

/// Lowercases, replaces links, squeezes letters repeated more than twice and maps slang.
pub fn normalise_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for raw in text.split_whitespace() {
        let lower = raw.to_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
            words.push("_url_".to_string());
            continue;
        }
        for piece in lower.split(|c: char| !(c.is_alphanumeric() || c == '@' || c == '#')) {
            let piece = piece.trim_matches(|c| c == '@' || c == '#');
            if piece.is_empty() {
                continue;
            }
            let squeezed = squeeze(piece);
            match slang_map().get(squeezed.as_str()) {
                Some(std) => words.extend(std.split(' ').map(str::to_string)),
                None => words.push(squeezed),
            }
        }
    }
    words
}

fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(c);
        }
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

/// The cluster a mention opens when it opens an incident: a digest of its normalised words, so
/// copies that differ only in case, punctuation or emoji share it. The database keeps at most
/// one open incident per key.
pub fn cluster_key(text: &str) -> String {
    let words = normalise_words(text).join(" ");
    let digest = Sha256::digest(words.as_bytes());
    format!("text:{}", hex::encode(&digest[..16]))
}

/// Escapes text for HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Lowercase hex sha256 of bytes (content hashes, token and link digests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
