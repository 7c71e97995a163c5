//! The `tanggap` command line. Every subcommand reads the same settings (see the README).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app::{shutdown_signal, Application};
use crate::classify::datasets::{self, Format};
use crate::classify::heads::{Example, TrainParams};
use crate::classify::{encoder, features, score_one, Heads};
use crate::config::Settings;
use crate::domain::{Label, Role};
use crate::index::SearchIndex;
use crate::ingest::{self, Limits};
use crate::playbooks::Playbooks;
use crate::store::{ts, Store};

/// Tanggap: hoax and crisis rapid response for a government communications office.
///
/// Settings come from built-in defaults, a TOML file (TANGGAP_CONFIG, or ./tanggap.toml) and
/// TANGGAP_* environment variables; see README.md.
#[derive(Debug, Parser)]
#[command(name = "tanggap", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service: API, queue page and background workers (index, classify, mail).
    Serve {
        /// Seed demo mentions and print demo API tokens (when the database is empty).
        #[arg(long)]
        demo: bool,
    },
    /// Import mentions from a JSONL or CSV file (by extension), with progress and a summary.
    ///
    /// CSV columns: text (required), source, external_id, url, author_handle, author_name,
    /// author_followers, lang, posted_at, region, likes, shares, comments, views. A running
    /// service indexes and classifies the imported mentions within seconds.
    Ingest {
        /// The file to import.
        file: PathBuf,
    },
    /// Train the label heads on the seed set and any extra labelled files.
    Train {
        /// Labelled files; append `:FORMAT` (jsonl, ihnd, ibrohim) or let the name decide.
        /// Defaults to MODELS_DIR/seed/train.jsonl.
        #[arg(long = "data", value_name = "FILE[:FORMAT]")]
        data: Vec<String>,
        /// Full-batch optimisation steps.
        #[arg(long, default_value_t = 150)]
        epochs: usize,
        /// Seed of the validation split.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where to write heads.json (heads.bin goes beside it). Defaults to MODELS_DIR/heads.json.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate the trained heads on a labelled file: precision, recall and F1 per label.
    Eval {
        /// The labelled file.
        file: PathBuf,
        /// File format; guessed from the name when omitted.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Evaluate at most this many items (after de-duplication).
        #[arg(long)]
        limit: Option<usize>,
        /// Heads to evaluate. Defaults to MODELS_DIR/heads.json.
        #[arg(long)]
        heads: Option<PathBuf>,
    },
    /// Rebuild the search index from the database, with progress.
    Reindex,
    /// Measure the classifier: raw model texts/s per batch size and pipeline mentions/s.
    Bench {
        /// Texts per measurement.
        #[arg(long, default_value_t = 512)]
        texts: usize,
        /// Batch sizes for the raw model, comma-separated.
        #[arg(long, default_value = "1,8,32,64", value_delimiter = ',')]
        batch_sizes: Vec<usize>,
        /// Share of the second stream that repeats ten chain messages.
        #[arg(long, default_value_t = 0.5)]
        duplicate_share: f32,
    },
    /// Benchmark search: our tantivy index against SQLite FTS5 on generated mentions.
    BenchSearch {
        /// Corpus sizes, comma-separated.
        #[arg(long, default_value = "100000,1000000", value_delimiter = ',')]
        sizes: Vec<usize>,
        /// Queries per size.
        #[arg(long, default_value_t = 500)]
        queries: usize,
        /// Extra real text for the sentence pool (JSONL with `text`, or IHND CSV).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Where to build the indexes (default: the temporary directory).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Validate the playbooks; prints `path:line: message` for every problem.
    CheckPlaybooks,
    /// Manage API tokens (bearer tokens bound to one role).
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Manage people who log in to the web UI.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add a user. Without --password-stdin a random password is generated and printed once.
    Add {
        /// Login name (a-z, 0-9, '.', '_', '-').
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Role: viewer, responder or admin.
        #[arg(long, value_enum)]
        role: Role,
        /// Read the password (at least 10 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable {
        /// The login name.
        username: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// Role: ingest, viewer, responder or admin.
        #[arg(long, value_enum)]
        role: Role,
        /// A unique name, e.g. "crawler-antara" or "dashboard".
        #[arg(long)]
        name: String,
    },
    /// List tokens (names and roles, never the tokens).
    List,
    /// Revoke a token by name.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// Parses arguments and runs the command.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    init_tracing(&settings.log);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(dispatch(cli.command, settings))
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::Ingest { file } => {
            let store = Store::open(settings.database_url.expose()).await?;
            eprintln!("importing {}", file.display());
            let s = ingest::import_file(&store, &file, limits(&settings)).await?;
            for (line, why) in s.invalid.iter().take(20) {
                eprintln!("  {}:{line}: {why}", file.display());
            }
            println!(
                "read {}, created {}, duplicates {}, invalid {}",
                s.read,
                s.created,
                s.duplicates,
                s.invalid.len()
            );
            Ok(())
        }
        Command::Train {
            data,
            epochs,
            seed,
            out,
        } => {
            let out = out.unwrap_or_else(|| settings.heads_path());
            tokio::task::spawn_blocking(move || train(&settings, &data, epochs, seed, &out)).await?
        }
        Command::Eval {
            file,
            format,
            limit,
            heads,
        } => {
            let heads = heads.unwrap_or_else(|| settings.heads_path());
            tokio::task::spawn_blocking(move || eval(&settings, &file, format, limit, &heads)).await?
        }
        Command::Reindex => reindex(&settings).await,
        Command::Bench {
            texts,
            batch_sizes,
            duplicate_share,
        } => {
            let opts = crate::bench::BenchOptions {
                texts,
                batch_sizes,
                duplicate_share,
            };
            crate::bench::run(settings, opts).await
        }
        Command::BenchSearch {
            sizes,
            queries,
            corpus,
            work_dir,
            seed,
        } => {
            let opts = crate::bench::search::SearchBenchOptions {
                sizes,
                queries,
                corpus,
                work_dir,
                seed,
            };
            crate::bench::search::run(&settings.models_dir, opts).await
        }
        Command::CheckPlaybooks => match Playbooks::load_dir(&settings.playbooks_dir) {
            Ok(p) => {
                for pb in &p.all {
                    println!(
                        "ok  {} v{}  {} ({} steps, {} templates)",
                        pb.id,
                        pb.version,
                        pb.title,
                        pb.steps.len(),
                        pb.templates.len()
                    );
                }
                println!("{} playbooks valid", p.all.len());
                Ok(())
            }
            Err(e) => {
                for line in &e.0 {
                    eprintln!("{line}");
                }
                anyhow::bail!("{} problem(s) in {}", e.0.len(), settings.playbooks_dir.display())
            }
        },
        Command::Token { action } => token(&settings, action).await,
        Command::User { action } => user(&settings, action).await,
    }
}

fn limits(settings: &Settings) -> Limits {
    Limits {
        max_text_chars: settings.limits.max_text_chars,
        max_batch_items: settings.server.max_batch_items,
    }
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let data_dir = settings.data_dir.clone();
    let env_tokens = !settings.ingest_tokens.is_empty();
    let lims = limits(&settings);
    let app = Application::build(settings, listener).await?;
    println!("Tanggap is serving at {}", app.base_url());
    println!("  mail: {}", app.mail_description());
    if let Some(problem) = app.classifier_problem() {
        println!("  classifier NOT loaded: {problem}");
    }
    if demo {
        let seeded = crate::demo::seed_mentions(app.store(), lims).await?;
        if seeded > 0 {
            println!("  demo: stored {seeded} sample mentions");
        }
        let tokens = crate::demo::tokens(app.store(), &data_dir).await?;
        if !env_tokens {
            println!("  demo ingest token: {}", tokens.ingest);
        }
        println!("  demo admin token:  {}", tokens.admin);
        println!(
            "  web login: admin / {} at {}/login",
            tokens.admin_password,
            app.base_url()
        );
        println!(
            "  try: curl -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\\n         -d '{{\"source\":\"twitter\",\"text\":\"AWAS tsunami malam ini di Kalianda, sebarkan!\"}}' {}/api/v1/mentions",
            tokens.ingest,
            app.base_url()
        );
    }
    app.run_until(shutdown_signal()).await
}

async fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    let dir = settings.index_dir();
    let index = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
    let total = store.max_rev().await?;
    let started = Instant::now();
    let i = index.clone();
    tokio::task::spawn_blocking(move || i.clear()).await??;
    let mut done = 0usize;
    loop {
        let n = crate::pipeline::index_pending(&store, &index).await?;
        if n == 0 {
            break;
        }
        done += n;
        eprintln!(
            "  indexed {done} mentions (up to rev {} of {total})",
            index.watermark()?
        );
    }
    println!(
        "reindexed {done} mentions in {:.1}s ({} documents)",
        started.elapsed().as_secs_f64(),
        index.num_docs()
    );
    Ok(())
}

async fn token(settings: &Settings, action: TokenAction) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    match action {
        TokenAction::Create { role, name } => match crate::auth::create_token(&store, &name, role).await? {
            Some(t) => {
                println!("{t}");
                eprintln!("created {} token {name:?}; it is shown only now", role.code());
            }
            None => anyhow::bail!("a token named {name:?} already exists"),
        },
        TokenAction::List => {
            for t in store.tokens().await? {
                println!(
                    "{:<24} {:<10} created {}{}",
                    t.name,
                    t.role,
                    t.created_at,
                    t.revoked_at.map(|r| format!(", revoked {r}")).unwrap_or_default()
                );
            }
        }
        TokenAction::Revoke { name } => {
            if store.revoke_token(&name, &ts(chrono::Utc::now())).await? {
                println!("revoked {name:?}");
            } else {
                anyhow::bail!("no live token named {name:?}");
            }
        }
    }
    Ok(())
}

async fn user(settings: &Settings, action: UserAction) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    match action {
        UserAction::Add {
            username,
            name,
            role,
            password_stdin,
        } => {
            anyhow::ensure!(
                role != Role::Ingest,
                "people cannot have the ingest role; use `tanggap token create`"
            );
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (crate::auth::new_token()[3..23].to_string(), true)
            };
            let name = name.unwrap_or_else(|| username.clone());
            if !crate::auth::create_user(&store, &username, &name, role, &password).await? {
                anyhow::bail!("a user named {username:?} already exists");
            }
            println!("added {} {username:?}", role.code());
            if generated {
                println!("password: {password}");
            }
        }
        UserAction::List => {
            for u in store.users().await? {
                let state = u
                    .disabled_at
                    .map(|d| format!("disabled {d}"))
                    .unwrap_or_else(|| "active".into());
                println!("{:<20} {:<10} {:<30} {state}", u.username, u.role, u.name);
            }
        }
        UserAction::Disable { username } => {
            if store.disable_user(&username, &ts(chrono::Utc::now())).await? {
                println!("disabled {username:?} and ended their sessions");
            } else {
                anyhow::bail!("no active user named {username:?}");
            }
        }
    }
    Ok(())
}

/// Embeds texts with progress on stderr.
fn embed_all(settings: &Settings, texts: &[String], what: &str) -> anyhow::Result<Vec<Vec<f32>>> {
    let model = encoder::load_model(&settings.encoder_dir())?;
    let started = Instant::now();
    let mut out = Vec::with_capacity(texts.len());
    let step = settings.classifier.batch_size.max(1);
    for (n, chunk) in texts.chunks(step).enumerate() {
        out.extend(encoder::embed_with(&model, chunk)?);
        if n % 10 == 9 || out.len() == texts.len() {
            let rate = out.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "  embedding {what}: {}/{} ({rate:.0} texts/s)",
                out.len(),
                texts.len()
            );
        }
    }
    Ok(out)
}

fn parse_data_arg(arg: &str) -> (PathBuf, Format) {
    for (suffix, format) in [
        (":jsonl", Format::Jsonl),
        (":ihnd", Format::Ihnd),
        (":ibrohim", Format::Ibrohim),
    ] {
        if let Some(path) = arg.strip_suffix(suffix) {
            return (PathBuf::from(path), format);
        }
    }
    let path = PathBuf::from(arg);
    let format = Format::guess(&path);
    (path, format)
}

fn train(
    settings: &Settings,
    data: &[String],
    epochs: usize,
    seed: u64,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let data = if data.is_empty() {
        vec![settings.models_dir.join("seed/train.jsonl").display().to_string()]
    } else {
        data.to_vec()
    };
    let mut items: Vec<datasets::Labelled> = Vec::new();
    for arg in &data {
        let (path, format) = parse_data_arg(arg);
        let ds = datasets::load(&path, format)?;
        anyhow::ensure!(
            ds.annotated.len() == Label::ALL.len(),
            "{}: only files that annotate all ten labels can train all heads (got {:?}); use jsonl",
            path.display(),
            ds.annotated
        );
        eprintln!("loaded {} examples from {}", ds.items.len(), path.display());
        items.extend(ds.items);
    }
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.text.trim().to_string()));
    let texts: Vec<String> = items.iter().map(|i| i.text.clone()).collect();
    let embeddings = embed_all(settings, &texts, "training texts")?;
    let examples: Vec<Example> = items
        .iter()
        .zip(embeddings)
        .map(|(item, embedding)| {
            let mut labels = [false; 10];
            for l in &item.labels {
                labels[l.index()] = true;
            }
            Example {
                embedding,
                sparse: features::vectorize(&features::tokens(&item.text)),
                labels,
            }
        })
        .collect();
    let params = TrainParams {
        epochs,
        seed,
        ..Default::default()
    };
    let heads = Heads::train(&examples, params, &mut |m| eprintln!("{m}"));
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    heads.save(out)?;
    println!(
        "trained {} on {} examples in {:.1}s -> {}",
        heads.meta.version,
        examples.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    println!("| label | positives | threshold | validation F1 |\n|---|---:|---:|---:|");
    for m in &heads.meta.labels {
        println!(
            "| {} | {} | {:.2} | {:.3} |",
            m.label.code(),
            m.positives,
            m.threshold,
            m.validation_f1
        );
    }
    Ok(())
}

fn eval(
    settings: &Settings,
    file: &std::path::Path,
    format: Option<Format>,
    limit: Option<usize>,
    heads_path: &std::path::Path,
) -> anyhow::Result<()> {
    let heads = Heads::load(heads_path)?;
    let format = format.unwrap_or_else(|| Format::guess(file));
    let mut ds = datasets::load(file, format)?;
    if let Some(n) = limit {
        ds.items.truncate(n);
    }
    eprintln!(
        "evaluating {} on {} items of {} ({:?})",
        heads.meta.version,
        ds.items.len(),
        file.display(),
        format
    );
    let texts: Vec<String> = ds.items.iter().map(|i| i.text.clone()).collect();
    let embeddings = embed_all(settings, &texts, "evaluation texts")?;
    let predicted: Vec<Vec<Label>> = texts
        .iter()
        .zip(embeddings)
        .map(|(t, e)| score_one(&heads, t, e).labels)
        .collect();
    let gold: Vec<Vec<Label>> = ds.items.iter().map(|i| i.labels.clone()).collect();
    let report = datasets::evaluate(&gold, &predicted, &ds.annotated);
    println!(
        "model {} on {} ({} items)\n",
        heads.meta.version,
        file.display(),
        ds.items.len()
    );
    print!("{}", datasets::markdown(&report));
    Ok(())
}
