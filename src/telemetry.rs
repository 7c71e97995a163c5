//! Metrics through the `metrics` crate and its Prometheus exporter: one process-wide recorder,
//! rendered by `GET /metrics`. Recorded where things happen: request latency per route and
//! status (a router middleware), classifier batch size and latency (the classifier loop), SLA
//! breaches (the escalation loop), ingest counts; gauges read from the database at each scrape
//! (queue depths, outbox backlog and age, open and breached incidents, feed health).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency histogram, by `route`, `method` and `status`.
pub const HTTP_SECONDS: &str = "tanggap_http_request_duration_seconds";
/// Mentions per classifier batch.
pub const CLASSIFIER_BATCH_SIZE: &str = "tanggap_classifier_batch_size";
/// Seconds per classifier batch (embedding, heads and claim matching).
pub const CLASSIFIER_BATCH_SECONDS: &str = "tanggap_classifier_batch_seconds";
/// Seconds one classified batch's transaction holds the write order (on PostgreSQL the audit
/// lock, taken at its begin; on SQLite the write lock) until its commit: placement, incidents,
/// outbox. Replicas' classification commits run one after another, so the sizing in
/// docs/SCALE.md reads the cluster's ceiling from this.
pub const CLASSIFY_COMMIT_SECONDS: &str = "tanggap_classify_commit_seconds";
/// SLA clocks that ran out, by `clock` (`ack`, `clarify`).
pub const SLA_BREACHES: &str = "tanggap_sla_breaches_total";
/// Mentions created through the API.
pub const INGEST_CREATED: &str = "tanggap_ingest_created_total";
/// Duplicates received through the API.
pub const INGEST_DUPLICATES: &str = "tanggap_ingest_duplicates_total";
/// Ingest requests rejected as invalid.
pub const INGEST_REJECTED: &str = "tanggap_ingest_rejected_total";

/// The process-wide recorder (installed on first use; tests start many apps in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_SECONDS.into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(CLASSIFIER_BATCH_SECONDS.into()),
                    &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(CLASSIFY_COMMIT_SECONDS.into()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(CLASSIFIER_BATCH_SIZE.into()),
                    &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
                )
            })
            .expect("valid buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (a library user's); ours still renders.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "HTTP request latency by route, method and status."
    );
    describe_histogram!(
        CLASSIFIER_BATCH_SIZE,
        Unit::Count,
        "Mentions per classifier batch."
    );
    describe_histogram!(
        CLASSIFIER_BATCH_SECONDS,
        Unit::Seconds,
        "Time to classify one batch."
    );
    describe_histogram!(
        CLASSIFY_COMMIT_SECONDS,
        Unit::Seconds,
        "Time one classified batch's transaction holds the write order (audit lock) until its commit."
    );
    describe_counter!(SLA_BREACHES, "SLA clocks that ran out, by clock.");
    describe_counter!(INGEST_CREATED, "Mentions created through the API.");
    describe_counter!(INGEST_DUPLICATES, "Duplicate mentions received through the API.");
    describe_counter!(INGEST_REJECTED, "Ingest requests rejected as invalid.");
    for (name, help) in [
        ("tanggap_mentions", "Mentions stored."),
        (
            "tanggap_mentions_unclassified",
            "Mentions waiting for the classifier.",
        ),
        ("tanggap_review_tray", "Mentions waiting in the review tray."),
        ("tanggap_incidents_open", "Open incidents."),
        (
            "tanggap_incidents_breached_open",
            "Open incidents with a breached SLA clock.",
        ),
        ("tanggap_outbox_pending", "Mails waiting to be sent."),
        (
            "tanggap_outbox_oldest_pending_seconds",
            "How long the oldest waiting mail has waited.",
        ),
        ("tanggap_index_docs", "Documents in the search index."),
        (
            "tanggap_index_pending",
            "Mentions stored or changed that the index does not reflect yet.",
        ),
        (
            "tanggap_feed_last_success_timestamp_seconds",
            "Last good poll of a feed (0: never).",
        ),
        (
            "tanggap_feed_consecutive_failures",
            "Failed polls since a feed's last good one.",
        ),
    ] {
        describe_gauge!(name, help);
    }
    for (name, help) in [
        ("tanggap_outbox_sent_total", "Mails sent."),
        ("tanggap_outbox_failed_total", "Mails given up on."),
        (
            "tanggap_feed_items_added_total",
            "Mentions or known claims created from a feed.",
        ),
    ] {
        describe_counter!(name, help);
    }
}

/// Router middleware: records each request's latency under its route pattern (never the raw
/// path, so ids do not explode the label set).
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        HTTP_SECONDS,
        "route" => route,
        "method" => method,
        "status" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}
