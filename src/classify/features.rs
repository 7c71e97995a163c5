//! Lexical features: normalised words (with a small slang table of our own), word bigrams and
//! character 3–5-grams within word boundaries, hashed into a fixed space and L2-normalised.

/// Size of the hashed feature space.
pub const DIM: usize = 1 << 18;

/// A sparse, L2-normalised feature vector: sorted (index, value) pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse {
    /// Indices (< [`DIM`]) and values.
    pub entries: Vec<(u32, f32)>,
}

/// A word of the normalised text and the features it produced (for explanations).
#[derive(Debug, Clone)]
pub struct Token {
    /// The word as normalised.
    pub word: String,
    /// Hashed indices of its unigram and character n-grams.
    pub features: Vec<u32>,
}

pub use crate::text::{normalise_words, slang, squeeze_repeats};

/// FNV-1a, 64 bit, over the concatenation of `parts`, folded into [`DIM`].
fn hash_parts(kind: u8, parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf29ce484222325 ^ u64::from(kind);
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    (h % DIM as u64) as u32
}

/// Place names (one word each, lowercase; names that are also common words or name an ethnic
/// group, such as `serang`, `malang`, `bandar`, `jawa` or `papua`, are kept as words): Lampung's regencies and cities, their seats and
/// well-known towns, Indonesia's provinces and large cities. They carry no evidence that a post
/// is a hoax, but our own written examples name Lampung places far more often than the real
/// everyday sets do, so a head would learn "Lampung → alarm" (measured: 25 % of everyday posts
/// naming a Lampung town raised an alarm, 1.2 % of the same posts without it). The lexical
/// features skip them; routing uses the mention's `region` field, not these features.
const PLACES: &[&str] = &[
    // Lampung: regencies, cities, seats, towns.
    "lampung",
    "bandarlampung",
    "metro",
    "pringsewu",
    "pesawaran",
    "tanggamus",
    "mesuji",
    "tulangbawang",
    "tuba",
    "tubaba",
    "pesibar",
    "lamsel",
    "lampsel",
    "lamteng",
    "lamtim",
    "lambar",
    "lampura",
    "kalianda",
    "liwa",
    "menggala",
    "gunungsugih",
    "sukadana",
    "kotabumi",
    "blambangan",
    "umpu",
    "krui",
    "gedongtataan",
    "kotaagung",
    "wonosobo",
    "panaragan",
    "natar",
    "telukbetung",
    "tanjungkarang",
    "bakauheni",
    "sidomulyo",
    "jatiagung",
    "rajabasa",
    "kemiling",
    "sukarame",
    "kedaton",
    "labuhanratu",
    "trimurjo",
    "pekalongan",
    "sekampung",
    "kambas",
    "seputih",
    "bangunrejo",
    "terbanggi",
    "punggur",
    "gadingrejo",
    "pagelaran",
    "talangpadang",
    "pugung",
    // Provinces and large cities.
    "sumatera",
    "sumatra",
    "sumut",
    "sumbar",
    "sumsel",
    "riau",
    "jambi",
    "bengkulu",
    "babel",
    "banten",
    "jakarta",
    "jabar",
    "jateng",
    "jatim",
    "yogyakarta",
    "jogja",
    "diy",
    "ntb",
    "ntt",
    "kalimantan",
    "kalbar",
    "kalteng",
    "kalsel",
    "kaltim",
    "kaltara",
    "sulawesi",
    "sulut",
    "sulteng",
    "sulsel",
    "sultra",
    "sulbar",
    "gorontalo",
    "malut",
    "medan",
    "palembang",
    "pekanbaru",
    "batam",
    "bandung",
    "semarang",
    "surabaya",
    "surakarta",
    "denpasar",
    "makassar",
    "manado",
    "balikpapan",
    "samarinda",
    "pontianak",
    "banjarmasin",
    "bogor",
    "bekasi",
    "depok",
    "tangerang",
    "cilegon",
    "merak",
    "kupang",
    "mataram",
    "ambon",
    "jayapura",
    "sorong",
];

/// Whether a normalised word is a place name the lexical features skip.
pub fn is_place(word: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| PLACES.iter().copied().collect())
        .contains(word)
}

/// Extracts the tokens of a text with their features: the word, the bigram it starts and the
/// character 3–5-grams of ` word ` (hashed straight from the bytes, no string per n-gram).
/// Place names ([`is_place`]) are skipped.
pub fn tokens(text: &str) -> Vec<Token> {
    let words: Vec<String> = normalise_words(text)
        .into_iter()
        .filter(|w| !is_place(w))
        .collect();
    let mut out = Vec::with_capacity(words.len());
    let mut padded = String::new();
    let mut bounds: Vec<usize> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let mut f = Vec::with_capacity(2 + 3 * (w.len() + 2));
        f.push(hash_parts(b'w', &[w.as_bytes()]));
        if let Some(next) = words.get(i + 1) {
            f.push(hash_parts(b'b', &[w.as_bytes(), b" ", next.as_bytes()]));
        }
        padded.clear();
        padded.push(' ');
        padded.push_str(w);
        padded.push(' ');
        bounds.clear();
        bounds.extend(padded.char_indices().map(|(at, _)| at));
        bounds.push(padded.len());
        let chars = bounds.len() - 1;
        let bytes = padded.as_bytes();
        for n in 3..=5 {
            if chars < n {
                break;
            }
            for start in 0..=chars - n {
                f.push(hash_parts(b'c', &[&bytes[bounds[start]..bounds[start + n]]]));
            }
        }
        out.push(Token {
            word: w.clone(),
            features: f,
        });
    }
    out
}

/// The sparse vector of a text: sublinear counts, L2-normalised.
pub fn vectorize(tokens: &[Token]) -> Sparse {
    let mut all: Vec<u32> = tokens.iter().flat_map(|t| t.features.iter().copied()).collect();
    all.sort_unstable();
    let mut entries: Vec<(u32, f32)> = Vec::new();
    for run in all.chunk_by(|a, b| a == b) {
        entries.push((run[0], 1.0 + (run.len() as f32).ln()));
    }
    let norm = entries.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        for e in &mut entries {
            e.1 /= norm;
        }
    }
    Sparse { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_names_give_no_lexical_features() {
        let words = |t: &str| tokens(t).into_iter().map(|t| t.word).collect::<Vec<_>>();
        assert_eq!(
            words("Pagi ini ke pasar di Pringsewu, Lampung"),
            ["pagi", "ini", "ke", "pasar", "di"]
        );
        assert_eq!(
            vectorize(&tokens("Banjir di Metro")),
            vectorize(&tokens("Banjir di Tanggamus"))
        );
        // Words that are also places elsewhere stay words.
        assert!(words("orang jawa diserang").contains(&"jawa".to_string()));
    }

    #[test]
    fn slang_links_and_repeats_are_normalised() {
        assert_eq!(
            normalise_words("GAK bener bangeeeet yg ini!! https://x.co/a"),
            ["tidak", "benar", "bangeet", "yang", "ini", "_url_"]
        );
    }

    /// The reference formulation (one string per n-gram); trained heads depend on these indices.
    fn reference_features(words: &[String], i: usize) -> Vec<u32> {
        let w = &words[i];
        let mut f = vec![hash_parts(b'w', &[w.as_bytes()])];
        if let Some(next) = words.get(i + 1) {
            f.push(hash_parts(b'b', &[format!("{w} {next}").as_bytes()]));
        }
        let chars: Vec<char> = format!(" {w} ").chars().collect();
        for n in 3..=5 {
            for win in chars.windows(n) {
                f.push(hash_parts(b'c', &[win.iter().collect::<String>().as_bytes()]));
            }
        }
        f
    }

    #[test]
    fn features_match_the_string_formulation_for_any_script() {
        let text = "Gempa 🌋 di Bandar Kota!! sebarkaaan ke grup WA yg lain, ダメ ok é";
        let words = normalise_words(text);
        let toks = tokens(text);
        assert_eq!(toks.len(), words.len());
        for (i, t) in toks.iter().enumerate() {
            assert_eq!(t.features, reference_features(&words, i), "word {:?}", t.word);
        }
        // FNV-1a of "a" with kind 0 from its published constants.
        let expected = ((0xcbf29ce484222325u64 ^ 0x61).wrapping_mul(0x100000001b3) % DIM as u64) as u32;
        assert_eq!(hash_parts(0, &[b"a"]), expected);
    }

    #[test]
    fn vectors_are_unit_length_and_deterministic() {
        let a = vectorize(&tokens("Gempa besar akan terjadi malam ini, sebarkan!"));
        let b = vectorize(&tokens("Gempa besar akan terjadi malam ini, sebarkan!"));
        assert_eq!(a, b);
        let norm: f32 = a.entries.iter().map(|e| e.1 * e.1).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(vectorize(&tokens("")).entries.is_empty());
    }
}
