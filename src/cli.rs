//! The `tanggap` command line. Every subcommand reads the same settings (see the README).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app::{shutdown_signal, Application};
use crate::classify::datasets::Format;
use crate::classify::heads::{FeatureSet, TrainParams};
use crate::classify::training::{self, TrainOptions};
use crate::config::Settings;
use crate::domain::Role;
use crate::index::SearchIndex;
use crate::ingest::{self, Limits};
use crate::playbooks::Playbooks;
use crate::store::Store;

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
    /// Train the label heads: each labelled file is split 70/15/15 (stratified, seeded); heads
    /// fit on the train parts, are calibrated and get thresholds on the validation parts.
    Train {
        /// Labelled files; append `:FORMAT` (jsonl, ihnd, ibrohim, everyday) or let the name decide.
        /// Defaults to MODELS_DIR/seed/train.jsonl. Files may annotate only some labels.
        #[arg(long = "data", value_name = "FILE[:FORMAT]")]
        data: Vec<String>,
        /// Also learn from the team's triage decisions in the database; prints the evaluation
        /// before and after.
        #[arg(long)]
        include_feedback: bool,
        /// Full-batch optimisation steps.
        #[arg(long, default_value_t = 150)]
        epochs: usize,
        /// Seed of the split.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Precision each threshold aims for on validation (default: classifier.precision_target).
        #[arg(long)]
        precision_target: Option<f32>,
        /// Inverse L2 strength per head (penalty 1/(C·n)); 0 lets each head choose from
        /// 3, 10, 30 and 300 by average precision on validation.
        #[arg(long, default_value_t = 0.0)]
        c: f32,
        /// Do not refit on train + validation after choosing C, calibration and thresholds.
        #[arg(long)]
        no_refit: bool,
        /// Weight examples so every file annotating a label counts the same in its head.
        #[arg(long)]
        balance_sources: bool,
        /// Share of everyday posts (validation) that may raise any alarm label (hoax, sara,
        /// hate_speech, scam; a quarter each); alarm thresholds rise until it holds. 0 turns
        /// the budget off.
        #[arg(long, default_value_t = 0.03)]
        false_alarms: f32,
        /// The most of that budget the scam head may take (the rest is shared by hoax, sara and
        /// hate_speech).
        #[arg(long, default_value_t = 0.005)]
        scam_false_alarms: f32,
        /// Share of everyday posts that may reach the review tray or an alarm (sets the review
        /// thresholds).
        #[arg(long, default_value_t = 0.15)]
        review_false_alarms: f32,
        /// Keep an alarm label's precision-floor threshold when it is above the false-alarm
        /// budget's (fewer alarms, less recall); by default alarms sit at the budget.
        #[arg(long)]
        alarms_by_precision: bool,
        /// Features the heads read (the alternatives exist to compare them).
        #[arg(long, value_enum, default_value_t = FeatureSet::Both)]
        features: FeatureSet,
        /// Where to write heads.json (heads.bin goes beside it). Defaults to
        /// MODELS_DIR/local/heads.json, which the service then prefers to the shipped default.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate trained heads on held-out data: per label precision, recall, F1, support,
    /// PR-AUC and a confusion summary. By default: the test part of every training file and
    /// the seed test set. Writes eval.md and eval.json.
    Eval {
        /// A labelled file to evaluate on (its test part if the heads trained on it).
        file: Option<PathBuf>,
        /// Format of FILE; guessed from the name when omitted.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// More labelled files, as `FILE[:FORMAT]`.
        #[arg(long = "data", value_name = "FILE[:FORMAT]")]
        data: Vec<String>,
        /// Evaluate at most this many items per file (after de-duplication).
        #[arg(long)]
        limit: Option<usize>,
        /// Heads to evaluate. Defaults to the heads the service would load.
        #[arg(long)]
        heads: Option<PathBuf>,
        /// Folder for eval.md and eval.json. Defaults to MODELS_DIR/eval.
        #[arg(long)]
        report_dir: Option<PathBuf>,
    },
    /// Rebuild the search index from the database, with progress.
    Reindex,
    /// Back up the database (online, while the service runs), the signing key and the
    /// playbooks into a new folder, with a manifest of counts and checksums.
    Backup {
        /// The folder to create.
        dir: PathBuf,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Restore a backup made by `tanggap backup` (stop the service first). The search index is
    /// rebuilt when the service starts.
    Restore {
        /// The backup folder.
        dir: PathBuf,
        /// Replace an existing database and differing playbooks.
        #[arg(long)]
        force: bool,
    },
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
        /// Also run the Python peer (sentence-transformers) on the same texts, with this Python
        /// (installed by scripts/install-peer.sh: ~/.cache/tanggap/peer-venv/bin/python).
        #[arg(long)]
        peer: Option<PathBuf>,
        /// Measure our encoder, the peer and the pipeline this many times each and keep the
        /// best run (shared VMs are noisy).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Benchmark known-claim matching: matcher build time, per-mention latency and pipeline
    /// mentions/s with 0, 1,000 and 10,000 registered claims.
    BenchClaims {
        /// Registry sizes, comma-separated.
        #[arg(long, default_value = "0,1000,10000", value_delimiter = ',')]
        sizes: Vec<usize>,
        /// Mentions per size.
        #[arg(long, default_value_t = 512)]
        texts: usize,
    },
    /// Benchmark the storage back ends: the same stream through the running service on
    /// SQLite and on PostgreSQL (end-to-end mentions/s, request latency p50/p99).
    BenchBackends {
        /// Mentions in the stream.
        #[arg(long, default_value_t = 2000)]
        mentions: usize,
        /// Share of the stream that repeats ten chain messages.
        #[arg(long, default_value_t = 0.3)]
        duplicate_share: f32,
        /// Clients posting at once.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Admin URL of a PostgreSQL server (e.g. from scripts/pg-throwaway); a database is
        /// created for the run and dropped after it.
        #[arg(long)]
        postgres: Option<String>,
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
    /// Manage the registry of known (already debunked) claims.
    Claims {
        #[command(subcommand)]
        action: ClaimsAction,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Seal pending rows, recompute the whole chain and report any edited or deleted row;
    /// prints the head (keep it elsewhere to detect rows cut from the end later).
    Verify {
        /// A head recorded earlier, `SEQ:HASH`, that must still be in the chain.
        #[arg(long)]
        head: Option<String>,
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
enum ClaimsAction {
    /// Import claims from JSONL: one `{"claim", "verdict", "summary", "url"?, "incident_id"?}`
    /// per line. Claims already registered are skipped; bad lines are reported by line number.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Matching quality on labelled pairs (JSONL `{"claim", "post", "same"}`): precision and
    /// recall of suggestions and of auto-links with the configured thresholds.
    Eval {
        /// The pairs file (e.g. tests/data/claim_pairs.jsonl).
        file: PathBuf,
    },
    /// List registered claims, newest first.
    List {
        /// Only claims whose text or summary contains this.
        #[arg(long)]
        q: Option<String>,
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
        /// The person the token belongs to (a username): it acts as them, e.g. for the
        /// four-eyes rule, and stops working when they are disabled. Without it the token is a
        /// machine's, named `token:NAME` in timelines.
        #[arg(long)]
        user: Option<String>,
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
            include_feedback,
            epochs,
            seed,
            precision_target,
            c,
            no_refit,
            balance_sources,
            false_alarms,
            review_false_alarms,
            scam_false_alarms,
            alarms_by_precision,
            features,
            out,
        } => {
            let out = out.unwrap_or_else(|| settings.trained_heads_path());
            let opts = TrainOptions {
                data,
                params: TrainParams {
                    epochs,
                    seed,
                    precision_target: precision_target.unwrap_or(settings.classifier.precision_target),
                    features,
                    c,
                    refit: !no_refit,
                    balance_sources,
                    false_alarms,
                    review_false_alarms,
                    alarms_at_budget: !alarms_by_precision,
                    scam_false_alarms,
                    ..Default::default()
                },
                out,
            };
            train(settings, opts, include_feedback).await
        }
        Command::Eval {
            file,
            format,
            mut data,
            limit,
            heads,
            report_dir,
        } => {
            if let Some(f) = file {
                let format = format.unwrap_or_else(|| Format::guess(&f));
                data.insert(
                    0,
                    format!("{}:{}", f.display(), format!("{format:?}").to_lowercase()),
                );
            }
            let heads = heads.unwrap_or_else(|| settings.heads_path());
            let dir = report_dir.unwrap_or_else(|| settings.models_dir.join("eval"));
            tokio::task::spawn_blocking(move || {
                let reports = training::evaluate(&settings, &heads, &data, limit, Some(&dir))?;
                for r in &reports {
                    println!("{}", r.markdown());
                }
                println!(
                    "wrote {} and {}",
                    dir.join("eval.md").display(),
                    dir.join("eval.json").display()
                );
                Ok(())
            })
            .await?
        }
        Command::Reindex => reindex(&settings).await,
        Command::Audit {
            action: AuditAction::Verify { head },
        } => audit_verify(&settings, head).await,
        Command::Backup { dir } => {
            let m = crate::backup::backup(&settings, &dir).await?;
            print_backup("backed up", &dir, &m);
            Ok(())
        }
        Command::Restore { dir, force } => {
            let m = crate::backup::restore(&settings, &dir, force).await?;
            print_backup("restored", &dir, &m);
            println!("the search index is rebuilt when the service starts");
            Ok(())
        }
        Command::Bench {
            texts,
            batch_sizes,
            duplicate_share,
            peer,
            rounds,
        } => {
            let opts = crate::bench::BenchOptions {
                texts,
                batch_sizes,
                duplicate_share,
                peer,
                rounds,
            };
            crate::bench::run(settings, opts).await
        }
        Command::BenchClaims { sizes, texts } => {
            crate::bench::claims::run(
                settings,
                crate::bench::claims::ClaimsBenchOptions { sizes, texts },
            )
            .await
        }
        Command::BenchBackends {
            mentions,
            duplicate_share,
            clients,
            postgres,
        } => {
            let opts = crate::bench::backends::BackendsBenchOptions {
                mentions,
                duplicate_share,
                clients,
                postgres,
            };
            crate::bench::backends::run(settings, opts).await
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
        Command::Claims { action } => claims(&settings, action).await,
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
        crate::demo::seed_claims(app.store()).await?;
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

async fn audit_verify(settings: &Settings, head: Option<String>) -> anyhow::Result<()> {
    let expected = head
        .map(|h| {
            let (seq, hash) = h.split_once(':').context("--head is SEQ:HASH")?;
            anyhow::Ok((seq.parse::<i64>().context("--head SEQ")?, hash.to_string()))
        })
        .transpose()?;
    let store = Store::open(settings.database_url.expose()).await?;
    let v = crate::audit::verify(&store, expected).await?;
    store.close().await;
    let head = v
        .head
        .as_ref()
        .map(|(s, h)| format!("{s}:{h}"))
        .unwrap_or_else(|| "none (empty log)".into());
    if v.problems.is_empty() {
        println!(
            "audit log intact: {} rows ({} sealed now); head {head}",
            v.rows, v.sealed_now
        );
        Ok(())
    } else {
        for p in &v.problems {
            println!("BROKEN: {p}");
        }
        anyhow::bail!(
            "audit log broken: {} problems in {} rows; head {head}",
            v.problems.len(),
            v.rows
        )
    }
}

fn print_backup(what: &str, dir: &std::path::Path, m: &crate::backup::Manifest) {
    let c = &m.counts;
    println!(
        "{what} {} (snapshot {}): {} mentions, {} incidents, {} approved clarifications, {} known claims, {} users; {} files{}",
        dir.display(),
        m.created_at,
        c.mentions,
        c.incidents,
        c.approved_clarifications,
        c.known_claims,
        c.users,
        m.files.len(),
        if m.secret_key_included { "" } else { " (the signing key comes from TANGGAP_SECRET_KEY: keep it with the backup)" }
    );
}

/// Whoever runs the command line on the server acts as an admin named `cli:local` (usernames
/// cannot contain `:`, so it is never a person).
fn cli_actor() -> crate::service::Actor {
    crate::service::Actor {
        name: "cli:local".into(),
        role: Role::Admin,
    }
}

/// What the service layer needs, for commands that use no playbooks.
fn cli_env<'a>(
    store: &'a Store,
    settings: &'a Settings,
    playbooks: &'a Playbooks,
) -> crate::service::Env<'a> {
    crate::service::Env {
        store,
        playbooks,
        settings,
        base_url: settings.base_url.as_deref().unwrap_or(""),
    }
}

/// A refusal of the service layer as a command-line error (fields named).
fn refused(e: crate::service::DomainError) -> anyhow::Error {
    match e {
        crate::service::DomainError::Invalid(problems) => anyhow::anyhow!(
            "{}",
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        crate::service::DomainError::Internal(e) => e,
        other => anyhow::anyhow!("{other}"),
    }
}

async fn token(settings: &Settings, action: TokenAction) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    let playbooks = Playbooks::default();
    let env = cli_env(&store, settings, &playbooks);
    match action {
        TokenAction::Create { role, name, user } => {
            let t = crate::service::people::create_token(&env, &cli_actor(), &name, role, user.as_deref())
                .await
                .map_err(refused)?;
            println!("{t}");
            eprintln!("created {} token {name:?}; it is shown only now", role.code());
        }
        TokenAction::List => {
            for t in store.tokens().await? {
                println!(
                    "{:<24} {:<10} {:<20} created {}{}",
                    t.name,
                    t.role,
                    t.owner
                        .as_deref()
                        .map(|o| format!("user {o}"))
                        .unwrap_or_else(|| "machine".into()),
                    t.created_at,
                    t.revoked_at.map(|r| format!(", revoked {r}")).unwrap_or_default()
                );
            }
        }
        TokenAction::Revoke { name } => {
            match crate::service::people::revoke_token(&env, &cli_actor(), &name).await {
                Ok(()) => println!("revoked {name:?}"),
                Err(crate::service::DomainError::NotFound(_)) => {
                    anyhow::bail!("no live token named {name:?}")
                }
                Err(e) => return Err(refused(e)),
            }
        }
    }
    Ok(())
}

async fn user(settings: &Settings, action: UserAction) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    let playbooks = Playbooks::default();
    let env = cli_env(&store, settings, &playbooks);
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
            let new = crate::service::people::NewUser {
                name: name.unwrap_or_else(|| username.clone()),
                username: username.clone(),
                role: Some(role),
                password: password.clone(),
            };
            match crate::service::people::create_user(&env, &cli_actor(), new).await {
                Ok(_) => {}
                Err(crate::service::DomainError::Conflict(_)) => {
                    anyhow::bail!("a user named {username:?} already exists")
                }
                Err(e) => return Err(refused(e)),
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
            match crate::service::people::disable_user(&env, &cli_actor(), &username).await {
                Ok(_) => println!("disabled {username:?} and ended their sessions"),
                Err(crate::service::DomainError::NotFound(_) | crate::service::DomainError::Conflict(_)) => {
                    anyhow::bail!("no active user named {username:?}")
                }
                Err(e) => return Err(refused(e)),
            }
        }
    }
    Ok(())
}

/// Embeds texts with progress on stderr.
async fn train(settings: Settings, opts: TrainOptions, include_feedback: bool) -> anyhow::Result<()> {
    let feedback = if include_feedback {
        let store = Store::open(settings.database_url.expose()).await?;
        let rows = store.feedback_texts().await?;
        Some(training::feedback_dataset(&rows))
    } else {
        None
    };
    let before_heads = opts.out.clone();
    let had_heads = include_feedback && before_heads.exists();
    tokio::task::spawn_blocking(move || {
        let before = if had_heads {
            eprintln!("evaluating the current heads first");
            Some(training::evaluate(&settings, &before_heads, &[], None, None)?)
        } else {
            None
        };
        training::train(&settings, &opts, feedback)?;
        if let Some(before) = before {
            let after = training::evaluate(&settings, &opts.out, &[], None, None)?;
            println!("\n{}", training::comparison(&before, &after));
        }
        Ok(())
    })
    .await?
}

async fn claims(settings: &Settings, action: ClaimsAction) -> anyhow::Result<()> {
    let store = Store::open(settings.database_url.expose()).await?;
    let playbooks = Playbooks::default();
    let env = cli_env(&store, settings, &playbooks);
    let actor = cli_actor();
    match action {
        ClaimsAction::Import { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            // A whole JSON document is a fact-checkers' export or ClaimReview JSON-LD.
            let whole: Option<serde_json::Value> = (text.lines().filter(|l| !l.trim().is_empty()).count()
                > 1
                || text.trim_start().starts_with('['))
            .then(|| serde_json::from_str(&text).ok())
            .flatten()
            .or_else(|| {
                serde_json::from_str::<serde_json::Value>(&text).ok().filter(|v| {
                    v.get("claims").is_some() || v.get("@type").is_some() || v.get("@graph").is_some()
                })
            });
            if let Some(doc) = whole {
                let reviews = crate::claims::claim_reviews(&doc);
                let (mut added, mut known, mut bad) = (0usize, 0usize, 0usize);
                for (n, r) in reviews.iter().enumerate() {
                    match crate::service::claims::register(&env, &actor, r.input.clone(), "import").await {
                        Ok(crate::service::claims::Registered::Added(_)) => added += 1,
                        Ok(crate::service::claims::Registered::Known) => known += 1,
                        Err(e @ crate::service::DomainError::Internal(_)) => return Err(refused(e)),
                        Err(e) => {
                            bad += 1;
                            eprintln!("{}: review {}: {}", file.display(), n + 1, refused(e));
                        }
                    }
                }
                println!(
                    "imported {added} claims from {} fact-check reviews, {known} already registered, {bad} rejected",
                    reviews.len()
                );
                anyhow::ensure!(
                    !reviews.is_empty(),
                    "{}: no ClaimReview with a verdict found",
                    file.display()
                );
                return Ok(());
            }
            let lines: Vec<&str> = text.lines().collect();
            let (mut added, mut known, mut bad) = (0usize, 0usize, 0usize);
            let started = Instant::now();
            for (n, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let input = match serde_json::from_str::<crate::claims::ClaimInput>(line) {
                    Ok(i) => i,
                    Err(e) => {
                        bad += 1;
                        eprintln!("{}:{}: {e}", file.display(), n + 1);
                        continue;
                    }
                };
                match crate::service::claims::register(&env, &actor, input, "import").await {
                    Ok(crate::service::claims::Registered::Added(_)) => added += 1,
                    Ok(crate::service::claims::Registered::Known) => known += 1,
                    Err(e @ crate::service::DomainError::Internal(_)) => return Err(refused(e)),
                    Err(e) => {
                        bad += 1;
                        eprintln!("{}:{}: {}", file.display(), n + 1, refused(e));
                    }
                }
                if (n + 1) % 500 == 0 {
                    eprintln!("  {}/{} lines", n + 1, lines.len());
                }
            }
            println!(
                "imported {added} claims, {known} already registered, {bad} rejected ({:.1}s); \
                 a running service embeds and matches them within seconds",
                started.elapsed().as_secs_f64()
            );
            anyhow::ensure!(
                bad == 0 || added + known > 0,
                "no line of {} was a valid claim",
                file.display()
            );
        }
        ClaimsAction::Eval { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let mut pairs = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                pairs.push(
                    serde_json::from_str::<crate::claims::ClaimPair>(line)
                        .with_context(|| format!("{}:{}", file.display(), n + 1))?,
                );
            }
            let (suggest, link) = {
                let (settings, pairs) = (settings.clone(), pairs.clone());
                tokio::task::spawn_blocking(move || crate::claims::evaluate_pairs(&settings, &pairs))
                    .await??
            };
            let same = pairs.iter().filter(|p| p.same).count();
            println!(
                "{} pairs ({same} spreading their claim, {} a different claim sharing its words); suggest from {:.2}, auto-link from {:.2} (texts of {}+ words)\n",
                pairs.len(),
                pairs.len() - same,
                settings.claims.suggest_similarity,
                settings.claims.auto_link_similarity,
                settings.claims.short_text_words
            );
            println!("| match | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|");
            for (name, s) in [("suggest (or auto-link)", suggest), ("auto-link", link)] {
                println!(
                    "| {name} | {} | {} | {} | {:.3} | {:.3} |",
                    s.tp,
                    s.fp,
                    s.fn_,
                    s.precision(),
                    s.recall()
                );
            }
        }
        ClaimsAction::List { q } => {
            for c in store.list_claims(q.as_deref(), 200, 0).await? {
                println!(
                    "{}  {:<13} {:>4} matches  {}",
                    c.id,
                    c.verdict,
                    c.matches,
                    c.claim.chars().take(80).collect::<String>()
                );
            }
        }
    }
    Ok(())
}
