//! Property tests (issue 15, proptest): the parsers and checkers that read outside input never
//! panic on anything, and keep their promises on everything.
//!
//! - intake: `split_body` and `validate_item` on any bytes; a valid mention keeps its text;
//! - search: any query string against a real index answers or names a syntax problem;
//! - playbooks: any file content loads or is refused with a message;
//! - templates: `fill` on any template; filling every variable leaves none unfilled;
//! - analyzer: any text; the stemmer is idempotent on any lowercase word;
//! - signed links: any token is refused unless it is ours, and one changed character breaks it.
//!
//! `PROPTEST_CASES` sets the cases per property (256 by default; the README reports a long run).
//! Failing inputs proptest finds are kept in `tests/props.proptest-regressions` and replayed.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tanggap::ingest::{self, Framing, Limits};

const LIMITS: Limits = Limits {
    max_text_chars: 20_000,
    max_batch_items: 1000,
};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Text with the characters hostile input likes: markup, quotes, braces, controls, scripts.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,200}",
        "[{}<>\"'\\\\/%:*?()\\[\\]~^!+\\-&|\\r\\n\\t\\x00a-z0-9 ]{0,120}",
        "(\\p{Arabic}|\\p{Han}|\\p{Javanese}|\\p{Emoji}|[\\u{200B}-\\u{200F}\\u{202A}-\\u{202E}]){0,60}",
    ]
}

proptest! {
    #[test]
    fn intake_never_panics_on_any_body(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for framing in [Framing::Json, Framing::Ndjson] {
            if let Ok(items) = ingest::split_body(&body, framing) {
                for raw in items.iter().take(50) {
                    let _ = ingest::validate_item(raw, LIMITS, now());
                }
            }
        }
    }

    #[test]
    fn intake_never_panics_on_any_item(raw in hostile_text()) {
        let _ = ingest::validate_item(&raw, LIMITS, now());
    }

    #[test]
    fn a_valid_mention_keeps_its_text(text in "[^\\x00]{1,400}", id in "[a-zA-Z0-9._-]{1,40}") {
        prop_assume!(!text.trim().is_empty());
        let raw = serde_json::json!({"source": "twitter", "external_id": id, "text": text}).to_string();
        let m = ingest::validate_item(&raw, LIMITS, now()).expect("a valid mention");
        prop_assert_eq!(m.text, text);
        prop_assert_eq!(m.external_id, id);
    }

    #[test]
    fn fill_never_panics_and_fills_every_variable(
        template in hostile_text(),
        names in proptest::collection::vec("[a-z_]{1,12}", 0..6),
        value in "[a-zA-Z0-9][a-zA-Z0-9 .,]{0,29}",
    ) {
        let values: BTreeMap<String, String> = BTreeMap::new();
        let _ = tanggap::clarifications::fill(&template, &values);
        let _ = tanggap::playbooks::variables(&template);
        // A template made of variables and plain text: filling every one leaves none.
        let t: String = names.iter().map(|n| format!("teks {{{{{n}}}}} ")).collect();
        let all: BTreeMap<String, String> = names.iter().map(|n| (n.clone(), value.clone())).collect();
        let filled = tanggap::clarifications::fill(&t, &all);
        prop_assert!(tanggap::playbooks::variables(&filled).is_empty(), "{filled}");
    }

    #[test]
    fn analysis_never_panics(text in hostile_text()) {
        let _ = tanggap::analyzer::analyze(&text);
    }

    #[test]
    fn stemming_is_idempotent(word in "[a-z]{1,24}") {
        let once = tanggap::analyzer::stem::stem(&word).into_owned();
        let twice = tanggap::analyzer::stem::stem(&once).into_owned();
        prop_assert_eq!(&twice, &once, "stem({}) = {}, stem({}) = {}", word, once, once, twice);
    }

    #[test]
    fn stemming_is_idempotent_on_indonesian_word_forms(
        prefix in prop::sample::select(vec!["", "me", "mem", "men", "meng", "meny", "pe", "pem", "pen", "peng", "ber", "ter", "di", "ke", "se", "per", "memper", "diper", "keber"]),
        root in prop::sample::select(vec!["banjir", "sebar", "bantu", "kirim", "ambil", "tolong", "pakai", "jual", "beli", "tipu", "lapor", "bagi", "dapat", "hoaks", "racun", "ajar", "tanam", "rusak", "ungsi", "beri", "satu", "tahu", "ikut", "cari"]),
        suffix in prop::sample::select(vec!["", "kan", "an", "i", "nya", "lah", "kah", "pun", "kannya", "annya"]),
    ) {
        let word = format!("{prefix}{root}{suffix}");
        let once = tanggap::analyzer::stem::stem(&word).into_owned();
        let twice = tanggap::analyzer::stem::stem(&once).into_owned();
        prop_assert_eq!(&twice, &once, "stem({}) = {}, stem({}) = {}", word, once, once, twice);
    }

    #[test]
    fn signed_links_accept_only_their_own_tokens(
        garbage in hostile_text(),
        flip in any::<prop::sample::Index>(),
        with in "[A-Za-z0-9_.-]",
    ) {
        let signer = tanggap::links::Signer::new(b"a key of at least thirty-two bytes!!");
        prop_assert!(signer.verify(&garbage, "ack", 0).is_err());
        let claims = tanggap::links::Claims { p: "ack".into(), i: "inc_1".into(), r: "a@x.id".into(), e: 100 };
        let token = signer.sign(&claims);
        prop_assert!(signer.verify(&token, "ack", 50).is_ok());
        prop_assert!(signer.verify(&token, "ack", 101).is_err(), "expired");
        prop_assert!(signer.verify(&token, "other", 50).is_err(), "wrong purpose");
        let mut chars: Vec<char> = token.chars().collect();
        let at = flip.index(chars.len());
        let mut new = with.chars().next().unwrap();
        if chars[at] == new {
            new = if new == 'A' { 'B' } else { 'A' };
        }
        chars[at] = new;
        let changed: String = chars.into_iter().collect();
        prop_assert!(signer.verify(&changed, "ack", 50).is_err(), "{token} → {changed}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: ProptestConfig::default().cases.min(64), ..ProptestConfig::default() })]

    #[test]
    fn playbook_files_load_or_are_refused(text in hostile_text()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p.toml"), &text).unwrap();
        let _ = tanggap::playbooks::Playbooks::load_dir(dir.path());
    }
}

/// One index shared by the search property (opening one per case would dominate the run).
fn index() -> &'static tanggap::index::SearchIndex {
    static INDEX: std::sync::OnceLock<(tempfile::TempDir, tanggap::index::SearchIndex)> =
        std::sync::OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let index = tanggap::index::SearchIndex::open(dir.path()).unwrap();
            (dir, index)
        })
        .1
}

proptest! {
    #[test]
    fn any_search_query_answers_or_names_the_problem(q in hostile_text(), limit in 0usize..500, offset in 0usize..10_000) {
        let request = tanggap::index::SearchRequest {
            q,
            label: None,
            source: None,
            region: None,
            incident: None,
            from: None,
            to: None,
            sort: tanggap::index::Sort::Relevance,
            limit: limit.max(1),
            offset,
            facets: true,
        };
        let _ = index().search(&request);
    }
}
