//! Text analysis for Indonesian mentions, registered with tantivy under two names:
//!
//! - [`STEMMED`] (`id_stem`): the mention tokenizer, lowercasing, ASCII folding, then for plain
//!   words: squeezing of stretched letters ("awasss"), slang normalisation ("gak" → "tidak"),
//!   stopword removal and affix stemming ("penipuan" → "tipu"). Used for ranking and morphology.
//! - [`EXACT`] (`id_exact`): the same tokens, lowercased and folded only. Used for phrases and
//!   exact names ("Way Halim").
//!
//! The tokenizer keeps URLs, `@handles`, `#hashtags` (plus the hashtag's bare word at the same
//! position) and numbers with their separators ("10.000", "0812-3456-7890") as single tokens.

pub mod stem;
pub mod stopwords;

use std::collections::HashSet;
use std::sync::OnceLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Name of the stemmed analyzer.
pub const STEMMED: &str = "id_stem";
/// Name of the exact analyzer.
pub const EXACT: &str = "id_exact";

/// Longest token kept, in bytes.
const MAX_TOKEN_BYTES: usize = 64;

/// The stemmed analyzer.
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(MentionTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(IndonesianFilter)
        .build()
}

/// The exact analyzer.
pub fn exact() -> TextAnalyzer {
    TextAnalyzer::builder(MentionTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers with an index.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(STEMMED, stemmed());
    index.tokenizers().register(EXACT, exact());
}

/// The terms the stemmed analyzer makes of a text (for tests, tools and the benchmark).
pub fn analyze(text: &str) -> Vec<String> {
    let mut a = stemmed();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Whether a (lowercase) word is a stopword.
pub fn is_stopword(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| stopwords::STOPWORDS.iter().copied().collect())
        .contains(word)
}

/// The normal form of one plain word for the stemmed field, or `None` for a stopword.
pub fn normalise_word(word: &str) -> Option<String> {
    let squeezed = squeeze(word);
    let word = crate::text::slang(&squeezed)
        .filter(|w| !w.contains(' '))
        .unwrap_or(&squeezed);
    if is_stopword(word) {
        return None;
    }
    Some(stem::stem(word).into_owned())
}

/// Letters repeated three or more times become one ("awasss" → "awas", "tolonggg" → "tolong").
fn squeeze(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let run = j - i;
        for _ in 0..if run >= 3 { 1 } else { run } {
            out.push(chars[i]);
        }
        i = j;
    }
    out
}

/// Splits a mention into tokens; see the module docs.
#[derive(Clone, Default)]
pub struct MentionTokenizer;

/// The tokens of one text.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for MentionTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: tokenize(text),
            next: 0,
        }
    }
}

fn is_url_start(rest: &str) -> bool {
    let head = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
    head.starts_with("http://") || head.starts_with("https://") || head.starts_with("www.")
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0;
    let mut push = |tokens: &mut Vec<Token>, from: usize, to: usize, text: &str, same_position: bool| {
        if !same_position || tokens.is_empty() {
            position += usize::from(!tokens.is_empty());
        }
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text.to_string(),
            position_length: 1,
        });
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().expect("in bounds");
        if is_url_start(rest) {
            let mut end = i + rest.find(char::is_whitespace).unwrap_or(rest.len());
            while end > i
                && matches!(
                    bytes[end - 1],
                    b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']' | b'"' | b'\''
                )
            {
                end -= 1;
            }
            push(&mut tokens, i, end, &text[i..end], false);
            i = end.max(i + 1);
            continue;
        }
        if (c == '@' || c == '#') && rest[1..].starts_with(|n: char| n.is_alphanumeric() || n == '_') {
            let len = 1 + rest[1..]
                .find(|n: char| !(n.is_alphanumeric() || n == '_' || (c == '@' && n == '.')))
                .unwrap_or(rest.len() - 1);
            let mut end = i + len;
            while bytes[end - 1] == b'.' {
                end -= 1;
            }
            push(&mut tokens, i, end, &text[i..end], false);
            if c == '#' {
                push(&mut tokens, i + 1, end, &text[i + 1..end], true);
            }
            i = end;
            continue;
        }
        if c.is_ascii_digit() {
            // Digits with inner separators: 10.000, 15,5, 08:00, 0812-3456-7890, 1/2.
            let mut end = i;
            let b = bytes;
            while end < b.len() {
                let separator = matches!(b[end], b'.' | b',' | b':' | b'-' | b'/')
                    && b.get(end + 1).is_some_and(u8::is_ascii_digit);
                if !(b[end].is_ascii_digit() || separator) {
                    break;
                }
                end += 1;
            }
            // A number glued to letters ("15juta", "covid19") stays one alphanumeric word.
            let glued = text[end..].starts_with(char::is_alphabetic);
            if !glued {
                push(&mut tokens, i, end, &text[i..end], false);
                i = end;
                continue;
            }
        }
        if c.is_alphanumeric() {
            let len = rest.find(|n: char| !n.is_alphanumeric()).unwrap_or(rest.len());
            push(&mut tokens, i, i + len, &rest[..len], false);
            i += len;
            continue;
        }
        i += c.len_utf8();
    }
    tokens
}

/// Slang, stopwords and stemming for plain words; other tokens pass unchanged.
#[derive(Clone, Default)]
pub struct IndonesianFilter;

impl TokenFilter for IndonesianFilter {
    type Tokenizer<T: Tokenizer> = IndonesianFilterWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> IndonesianFilterWrapper<T> {
        IndonesianFilterWrapper { inner: tokenizer }
    }
}

/// [`IndonesianFilter`] around a tokenizer.
#[derive(Clone)]
pub struct IndonesianFilterWrapper<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for IndonesianFilterWrapper<T> {
    type TokenStream<'a> = IndonesianFilterStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        IndonesianFilterStream {
            tail: self.inner.token_stream(text),
        }
    }
}

/// The stream of [`IndonesianFilter`].
pub struct IndonesianFilterStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for IndonesianFilterStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            if !token.text.chars().all(char::is_alphabetic) {
                return true;
            }
            if let Some(normal) = normalise_word(&token.text) {
                token.text = normal;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_terms(text: &str) -> Vec<String> {
        let mut a = exact();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn keeps_urls_handles_hashtags_and_numbers() {
        let t = exact_terms(
            "Cek https://Example.org/a?b=1. @Humas_Lampung #BanjirLampung Rp10.000 di 0812-3456-7890 jam 08:00",
        );
        assert_eq!(
            t,
            [
                "cek",
                "https://example.org/a?b=1",
                "@humas_lampung",
                "#banjirlampung",
                "banjirlampung",
                "rp10",
                "000",
                "di",
                "0812-3456-7890",
                "jam",
                "08:00"
            ]
        );
    }

    #[test]
    fn stems_maps_slang_and_drops_stopwords() {
        assert_eq!(
            analyze("Awasss penipuan yg gak jelas!!"),
            ["awas", "tipu", "tidak", "jelas"]
        );
        assert_eq!(analyze("ditipu"), analyze("menipu"));
        assert_eq!(analyze("HOAX"), ["hoaks"]);
        assert!(analyze("yang dan di").is_empty());
    }

    #[test]
    fn hostile_and_odd_text_does_not_panic() {
        for t in [
            "",
            "@",
            "#",
            "1.",
            "http://",
            "ééé ñ",
            "😀😀",
            "a-b-c",
            "9-",
            "x\u{0}y",
            "www.",
        ] {
            let _ = analyze(t);
            let _ = exact_terms(t);
        }
        let long = "a".repeat(10_000);
        assert!(analyze(&long).is_empty(), "over-long tokens are dropped");
    }
}
