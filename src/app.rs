//! Builds the service from settings and runs it on a bound listener until a shutdown future
//! resolves, then stops the background loops and drains requests.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::alerts::{self, tokio_util_shim::Shutdown, Transport};
use crate::classify::{Classifier, Encoder, Heads};
use crate::config::Settings;
use crate::index::SearchIndex;
use crate::pipeline::{self, ClassifyWorker};
use crate::playbooks::Playbooks;
use crate::store::Store;
use crate::text::sha256_hex;
use crate::web::{self, AppState};

/// A built service, ready to run.
pub struct Application {
    listener: TcpListener,
    stop_tx: watch::Sender<bool>,
    queue_tx: watch::Sender<String>,
    state: AppState,
    base_url: String,
    transport: Transport,
}

/// Loads the classifier, or says what is missing.
pub fn load_classifier(settings: &Settings) -> Result<Classifier, String> {
    let heads_path = settings.heads_path();
    if !heads_path.exists() {
        return Err(format!(
            "no trained heads at {}; run `tanggap train` (the shipped default is models/default/heads.json)",
            heads_path.display()
        ));
    }
    let heads = Heads::load(&heads_path).map_err(|e| format!("{e:#}"))?;
    let (precision, why) = settings.classifier.precision.resolve();
    tracing::info!(
        heads = %heads_path.display(),
        version = %heads.meta.version,
        precision = precision.code(),
        why,
        "loading the classifier"
    );
    let encoder = Encoder::start(
        &settings.encoder_dir(),
        crate::classify::encoder::ModelOptions::from(settings),
    )
    .map_err(|e| format!("{e:#}"))?;
    Ok(Classifier::new(encoder, heads))
}

impl Application {
    /// Opens the database, index, playbooks and model; binds nothing itself.
    pub async fn build(settings: Settings, listener: TcpListener) -> anyhow::Result<Application> {
        let playbooks = Playbooks::load_dir(&settings.playbooks_dir)?;
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
        let store = Store::open(settings.database_url.expose()).await?;
        // The TOML file's feeds are known (listed, polled) from the first request on.
        for feed in &settings.feeds {
            store.register_feed(feed).await?;
        }
        let index_dir = settings.index_dir();
        let index = tokio::task::spawn_blocking(move || SearchIndex::open(&index_dir)).await??;
        let settings_for_model = settings.clone();
        let (classifier, classifier_problem) = match tokio::task::spawn_blocking(move || {
            load_classifier(&settings_for_model)
        })
        .await?
        {
            Ok(c) => (Some(c), None),
            Err(problem) => {
                tracing::error!(%problem, "the classifier is not available; mentions are stored and indexed but not classified");
                (None, Some(problem))
            }
        };
        let transport = Transport::from_settings(&settings)?;
        let replica = crate::cluster::Replica::open(&settings)?;
        let key = crate::links::signing_key(&settings, &store).await?;
        let (queue_tx, queue_rx) = watch::channel(store.queue_version().await.unwrap_or_default());
        let addr = listener.local_addr()?;
        let base_url = settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        let settings_ack_hours = settings.escalation.ack_link_hours;
        // Metrics recorded from here on reach /metrics.
        crate::telemetry::handle();
        let ingest_limiter = Arc::new(web::ingest_limiter(&settings.server));
        let ingest_token_hashes: HashSet<String> = settings
            .ingest_tokens
            .iter()
            .map(|t| sha256_hex(t.expose().as_bytes()))
            .collect();
        let (stop_tx, stop_rx) = watch::channel(false);
        let state = AppState {
            queue: queue_rx,
            replica,
            stopping: stop_rx,
            feeds_notify: Arc::new(Notify::new()),
            store,
            index,
            settings: Arc::new(settings),
            playbooks: Arc::new(playbooks),
            classifier,
            classifier_problem,
            ingest_token_hashes: Arc::new(ingest_token_hashes),
            ingest_limiter,
            ingest_notify: Arc::new(vec![Arc::new(Notify::new()), Arc::new(Notify::new())]),
            base_url: base_url.clone(),
            mail: alerts::MailContext {
                base_url: base_url.clone(),
                signer: crate::links::Signer::new(&key),
                ack_link_hours: settings_ack_hours,
            },
        };
        Ok(Application {
            listener,
            stop_tx,
            queue_tx,
            state,
            base_url,
            transport,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// The base URL used in links.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// How mail is delivered.
    pub fn mail_description(&self) -> String {
        self.transport.describe()
    }

    /// The store (for seeding demo data before serving).
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The classifier's problem, when it could not load.
    pub fn classifier_problem(&self) -> Option<&str> {
        self.state.classifier_problem.as_deref()
    }

    /// Serves until `shutdown` resolves; background loops stop with it.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let stop_tx = self.stop_tx;
        let stop = Shutdown(self.state.stopping.clone());
        tracing::info!(replica = %self.state.replica.id, "starting");
        let state = self.state.clone();
        let mail_notify = Arc::new(Notify::new());
        let mut tasks: Vec<JoinHandle<()>> = Vec::new();
        tasks.push(tokio::spawn(web::live::watch_queue(
            state.store.clone(),
            state.settings.database_url.expose().to_string(),
            self.queue_tx,
            stop.clone(),
        )));
        tasks.push(tokio::spawn(pipeline::run_indexer(
            state.store.clone(),
            state.index.clone(),
            state.ingest_notify[0].clone(),
            stop.clone(),
        )));
        if let Some(classifier) = state.classifier.clone() {
            let worker = ClassifyWorker {
                store: state.store.clone(),
                classifier,
                settings: state.settings.clone(),
                playbooks: state.playbooks.clone(),
                mail: self.state.mail.clone(),
                mail_notify: mail_notify.clone(),
                index_notify: state.ingest_notify[0].clone(),
                claims: Default::default(),
                replica: state.replica.clone(),
            };
            tasks.push(tokio::spawn(
                worker.run(state.ingest_notify[1].clone(), stop.clone()),
            ));
        }
        tasks.push(tokio::spawn(crate::feeds::run(
            state.store.clone(),
            state.settings.clone(),
            state.ingest_notify.to_vec(),
            state.feeds_notify.clone(),
            stop.clone(),
        )));
        tasks.push(tokio::spawn(alerts::run_escalation(
            state.store.clone(),
            state.settings.clone(),
            state.mail.clone(),
            mail_notify.clone(),
            stop.clone(),
        )));
        tasks.push(tokio::spawn(crate::audit::run_sealer(
            state.store.clone(),
            stop.clone(),
        )));
        tasks.push(tokio::spawn(alerts::run_outbox(
            state.store.clone(),
            self.transport.clone(),
            state.settings.alerts.from.clone(),
            state.settings.data_dir.join("outbox-sent.journal"),
            state.replica.clone(),
            mail_notify,
            stop.clone(),
        )));
        let app = web::router(state.clone());
        let stopping = stop_tx.clone();
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Live streams and background loops end now; requests in flight finish.
                let _ = stopping.send(true);
            })
            .await;
        let _ = stop_tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        state.store.close().await;
        result.map_err(Into::into)
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
