-- The PostgreSQL schema: the same tables, columns and rules as the SQLite migrations
-- (0001–0017) in their final form, so one set of queries serves both back ends.
--
-- Kept as in SQLite on purpose: times are RFC 3339 UTC text with milliseconds (they sort as
-- text, and every query compares them that way), JSON columns are text, flags are 0/1 integers.
-- What differs is concurrency, because PostgreSQL has many writers at once:
--   * `mentions.rev`, the search index's change feed, is not MAX(rev)+1 (two writers would take
--     the same number, and a number taken by a transaction that commits late could be skipped).
--     It is the writing transaction's id shifted left 20 bits plus a per-row counter, and the
--     indexer reads only revs below the oldest transaction still running
--     (pg_snapshot_xmin), so a row committed late is never behind the watermark.
--   * the audit chain is sealed in `seq` order and must have no gaps (a gap is how a deleted
--     row is found). A sequence gives neither (numbers are handed out before commit, and a
--     rollback leaves a hole), so, as in SQLite, `seq` is MAX(seq) + 1, taken under one
--     advisory lock that every write transaction except mention intake takes when it begins
--     (store::Store::begin). Audited writers so queue in one order and cannot deadlock on each
--     other's row locks (taking the lock mid-transaction, in the triggers only, did deadlock
--     under the crash harness), and a rolled-back transaction gives its numbers back.
--   * one open incident per cluster is a partial unique index (as in SQLite), and the
--     placement code joins the existing incident when its insert conflicts.

CREATE TABLE incidents (
    id                 TEXT PRIMARY KEY,
    title              TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'new',
    severity           TEXT    NOT NULL,
    top_label          TEXT    NOT NULL,
    labels             TEXT    NOT NULL,
    max_scores         TEXT    NOT NULL,
    team               TEXT    NOT NULL,
    region             TEXT,
    source             TEXT    NOT NULL,
    playbook_id        TEXT,
    playbook_version   BIGINT,
    sample_text        TEXT    NOT NULL,
    centroid           BYTEA,
    mention_count      BIGINT  NOT NULL DEFAULT 0,
    first_seen_at      TEXT    NOT NULL,
    opened_at          TEXT    NOT NULL,
    last_mention_at    TEXT    NOT NULL,
    ack_due_at         TEXT    NOT NULL,
    acknowledged_at    TEXT,
    updated_at         TEXT    NOT NULL,
    escalation_chain   TEXT    NOT NULL DEFAULT '[]',
    escalation_level   BIGINT  NOT NULL DEFAULT 0,
    next_escalation_at TEXT,
    clarify_due_at     TEXT,
    ack_breached_at    TEXT,
    clarify_breached_at TEXT,
    first_clarified_at TEXT,
    verdict            TEXT,
    assignee           TEXT,
    last_spike_at      TEXT,
    cluster_key        TEXT,
    merged_into        TEXT REFERENCES incidents(id)
);
CREATE INDEX incidents_open ON incidents(status, top_label, last_mention_at);
CREATE INDEX incidents_escalation ON incidents(next_escalation_at) WHERE status = 'new';
CREATE UNIQUE INDEX incidents_one_open_per_cluster ON incidents(cluster_key)
    WHERE status NOT IN ('resolved', 'dismissed');

CREATE TABLE clarifications (
    id               TEXT PRIMARY KEY,
    incident_id      TEXT    NOT NULL REFERENCES incidents(id),
    playbook_id      TEXT    NOT NULL,
    playbook_version BIGINT  NOT NULL,
    channel          TEXT    NOT NULL,
    lang             TEXT    NOT NULL,
    verdict          TEXT,
    status           TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    variables        TEXT    NOT NULL,
    author           TEXT    NOT NULL,
    revision         BIGINT  NOT NULL DEFAULT 1,
    return_comment   TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    submitted_at     TEXT,
    approved_by      TEXT,
    approved_at      TEXT
);
CREATE INDEX clarifications_incident ON clarifications(incident_id, created_at);
CREATE INDEX clarifications_status ON clarifications(status, approved_at);

CREATE TABLE known_claims (
    rowid             BIGSERIAL,              -- SQLite's implicit rowid: insertion order
    id                TEXT PRIMARY KEY,
    claim             TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    summary           TEXT NOT NULL,
    url               TEXT,
    incident_id       TEXT REFERENCES incidents(id),
    clarification_id  TEXT UNIQUE REFERENCES clarifications(id),
    created_at        TEXT NOT NULL,
    origin            TEXT NOT NULL DEFAULT 'clarification',
    claim_key         TEXT,
    embedding         BYTEA,
    disabled_at       TEXT,
    disabled_reason   TEXT
);
CREATE UNIQUE INDEX known_claims_key ON known_claims (claim_key) WHERE claim_key IS NOT NULL;

CREATE TABLE mentions (
    seq                 BIGSERIAL PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE,
    source              TEXT    NOT NULL,
    external_id         TEXT    NOT NULL,
    external_id_derived BIGINT  NOT NULL DEFAULT 0,
    url                 TEXT,
    author_handle       TEXT,
    author_name         TEXT,
    author_followers    BIGINT,
    text                TEXT    NOT NULL,
    lang                TEXT,
    posted_at           TEXT,
    region              TEXT,
    likes               BIGINT,
    shares              BIGINT,
    comments            BIGINT,
    views               BIGINT,
    content_hash        TEXT    NOT NULL,
    raw                 TEXT    NOT NULL,
    captured_at         TEXT    NOT NULL,
    classified_at       TEXT,
    scores              TEXT,
    labels              TEXT,
    explanation         TEXT,
    model_version       TEXT,
    embedding           BYTEA,
    incident_id         TEXT REFERENCES incidents(id),
    rev                 BIGINT  NOT NULL DEFAULT 0,
    known_claim_id      TEXT REFERENCES known_claims(id),
    known_claim_action  TEXT,
    review_labels       TEXT,
    review_state        TEXT,
    confirmed_labels    TEXT,
    cluster_key         TEXT,
    UNIQUE (source, external_id)
);
CREATE INDEX mentions_unclassified ON mentions(seq) WHERE classified_at IS NULL;
CREATE INDEX mentions_incident ON mentions(incident_id, seq);
CREATE INDEX mentions_content_hash ON mentions(content_hash);
CREATE INDEX mentions_rev ON mentions(rev);
CREATE INDEX mentions_known_claim ON mentions (known_claim_id) WHERE known_claim_id IS NOT NULL;
CREATE INDEX mentions_incident_captured ON mentions(incident_id, captured_at);
CREATE INDEX mentions_review_pending ON mentions(seq) WHERE review_state = 'pending';
CREATE INDEX mentions_cluster_time ON mentions(cluster_key, captured_at) WHERE cluster_key IS NOT NULL;

-- The change feed (see the top of this file).
CREATE SEQUENCE mentions_rev_low;
CREATE FUNCTION mentions_next_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.rev := (pg_current_xact_id()::text::bigint << 20) | (nextval('mentions_rev_low') & 1048575);
    RETURN NEW;
END $$;
CREATE TRIGGER mentions_rev_on_insert BEFORE INSERT ON mentions FOR EACH ROW
    EXECUTE FUNCTION mentions_next_rev();
CREATE TRIGGER mentions_rev_on_change BEFORE UPDATE OF labels, incident_id ON mentions FOR EACH ROW
    EXECUTE FUNCTION mentions_next_rev();

CREATE TABLE incident_events (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    incident_id      TEXT REFERENCES incidents(id),
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    message_id       TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    sent_at          TEXT,
    failed_at        TEXT,
    last_error       TEXT,
    thread_root      TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    owner        TEXT
);

CREATE TABLE checklist_marks (
    incident_id  TEXT    NOT NULL REFERENCES incidents(id),
    playbook_id  TEXT    NOT NULL,
    step         BIGINT  NOT NULL,
    done_by      TEXT    NOT NULL,
    done_at      TEXT    NOT NULL,
    PRIMARY KEY (incident_id, playbook_id, step)
);

CREATE TABLE clarification_events (
    id                BIGSERIAL PRIMARY KEY,
    clarification_id  TEXT NOT NULL REFERENCES clarifications(id),
    at                TEXT NOT NULL,
    actor             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    revision          BIGINT NOT NULL,
    detail            TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE copy_log (
    id                BIGSERIAL PRIMARY KEY,
    clarification_id  TEXT NOT NULL REFERENCES clarifications(id),
    actor             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    at                TEXT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    disabled_at    TEXT
);

CREATE TABLE sessions (
    id_hash        TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    csrf_token     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT NOT NULL,
    at             TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_failures_user ON login_failures(username, at);
CREATE INDEX login_failures_address ON login_failures(address, at);

CREATE TABLE used_links (
    token_hash  TEXT PRIMARY KEY,
    used_at     TEXT NOT NULL
);

CREATE TABLE feedback (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    decision     TEXT NOT NULL,
    labels       TEXT NOT NULL,
    reason       TEXT,
    actor        TEXT NOT NULL,
    at           TEXT NOT NULL
);

CREATE TABLE review_decisions (
    id          BIGSERIAL PRIMARY KEY,
    mention_id  TEXT NOT NULL REFERENCES mentions(id),
    decision    TEXT NOT NULL,
    labels      TEXT NOT NULL,
    reason      TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX review_decisions_mention ON review_decisions(mention_id);

CREATE TABLE feed_state (
    name                  TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    etag                  TEXT,
    last_modified         TEXT,
    last_polled_at        TEXT,
    last_success_at       TEXT,
    last_status           TEXT,
    last_error            TEXT,
    last_error_at         TEXT,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0,
    items_in_feed         BIGINT NOT NULL DEFAULT 0,
    items_added           BIGINT NOT NULL DEFAULT 0,
    items_skipped         BIGINT NOT NULL DEFAULT 0,
    next_poll_at          TEXT,
    region                TEXT,
    every_secs            BIGINT NOT NULL DEFAULT 300,
    enabled               BIGINT NOT NULL DEFAULT 1,
    origin                TEXT NOT NULL DEFAULT 'config',
    created_by            TEXT
);

CREATE TABLE audit_log (
    seq      BIGINT PRIMARY KEY,      -- MAX(seq) + 1 under the audit lock (see the top)
    at       TEXT NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    tbl      TEXT NOT NULL,
    op       TEXT NOT NULL,
    row_key  TEXT NOT NULL,
    data     TEXT NOT NULL,
    hash     TEXT
);
CREATE INDEX audit_log_unsealed ON audit_log(seq) WHERE hash IS NULL;

-- Audit triggers: the same rows and JSON fields as SQLite's 0017_audit.sql (generated from it).
CREATE FUNCTION audit_incidents_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'insert', NEW.id, json_build_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incidents_insert AFTER INSERT ON incidents FOR EACH ROW
    EXECUTE FUNCTION audit_incidents_insert();

CREATE FUNCTION audit_incidents_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'update', NEW.id, json_build_object('status', NEW.status, 'severity', NEW.severity, 'top_label', NEW.top_label, 'labels', NEW.labels, 'team', NEW.team, 'region', NEW.region, 'verdict', NEW.verdict, 'assignee', NEW.assignee, 'playbook_id', NEW.playbook_id, 'merged_into', NEW.merged_into, 'acknowledged_at', NEW.acknowledged_at, 'cluster_key', NEW.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incidents_update AFTER UPDATE ON incidents FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.severity IS DISTINCT FROM NEW.severity OR OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.assignee IS DISTINCT FROM NEW.assignee OR OLD.team IS DISTINCT FROM NEW.team OR OLD.playbook_id IS DISTINCT FROM NEW.playbook_id OR OLD.merged_into IS DISTINCT FROM NEW.merged_into OR OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at)
    EXECUTE FUNCTION audit_incidents_update();

CREATE FUNCTION audit_incidents_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incidents', 'delete', OLD.id, json_build_object('status', OLD.status, 'severity', OLD.severity, 'top_label', OLD.top_label, 'labels', OLD.labels, 'team', OLD.team, 'region', OLD.region, 'verdict', OLD.verdict, 'assignee', OLD.assignee, 'playbook_id', OLD.playbook_id, 'merged_into', OLD.merged_into, 'acknowledged_at', OLD.acknowledged_at, 'cluster_key', OLD.cluster_key)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incidents_delete AFTER DELETE ON incidents FOR EACH ROW
    EXECUTE FUNCTION audit_incidents_delete();

CREATE FUNCTION audit_incident_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incident_events_insert AFTER INSERT ON incident_events FOR EACH ROW
    EXECUTE FUNCTION audit_incident_events_insert();

CREATE FUNCTION audit_incident_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incident_events_update AFTER UPDATE ON incident_events FOR EACH ROW
    EXECUTE FUNCTION audit_incident_events_update();

CREATE FUNCTION audit_incident_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'incident_events', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'detail', OLD.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_incident_events_delete AFTER DELETE ON incident_events FOR EACH ROW
    EXECUTE FUNCTION audit_incident_events_delete();

CREATE FUNCTION audit_clarifications_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarifications_insert AFTER INSERT ON clarifications FOR EACH ROW
    EXECUTE FUNCTION audit_clarifications_insert();

CREATE FUNCTION audit_clarifications_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'status', NEW.status, 'verdict', NEW.verdict, 'title', NEW.title, 'body', NEW.body, 'author', NEW.author, 'revision', NEW.revision, 'approved_by', NEW.approved_by, 'approved_at', NEW.approved_at, 'return_comment', NEW.return_comment)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarifications_update AFTER UPDATE ON clarifications FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.title IS DISTINCT FROM NEW.title OR OLD.body IS DISTINCT FROM NEW.body OR OLD.approved_by IS DISTINCT FROM NEW.approved_by OR OLD.revision IS DISTINCT FROM NEW.revision)
    EXECUTE FUNCTION audit_clarifications_update();

CREATE FUNCTION audit_clarifications_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarifications', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'status', OLD.status, 'verdict', OLD.verdict, 'title', OLD.title, 'body', OLD.body, 'author', OLD.author, 'revision', OLD.revision, 'approved_by', OLD.approved_by, 'approved_at', OLD.approved_at, 'return_comment', OLD.return_comment)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarifications_delete AFTER DELETE ON clarifications FOR EACH ROW
    EXECUTE FUNCTION audit_clarifications_delete();

CREATE FUNCTION audit_clarification_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'insert', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarification_events_insert AFTER INSERT ON clarification_events FOR EACH ROW
    EXECUTE FUNCTION audit_clarification_events_insert();

CREATE FUNCTION audit_clarification_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'update', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'at', NEW.at, 'actor', NEW.actor, 'kind', NEW.kind, 'revision', NEW.revision, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarification_events_update AFTER UPDATE ON clarification_events FOR EACH ROW
    EXECUTE FUNCTION audit_clarification_events_update();

CREATE FUNCTION audit_clarification_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'clarification_events', 'delete', OLD.id, json_build_object('clarification_id', OLD.clarification_id, 'at', OLD.at, 'actor', OLD.actor, 'kind', OLD.kind, 'revision', OLD.revision, 'detail', OLD.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_clarification_events_delete AFTER DELETE ON clarification_events FOR EACH ROW
    EXECUTE FUNCTION audit_clarification_events_delete();

CREATE FUNCTION audit_users_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'insert', NEW.username, json_build_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_users_insert AFTER INSERT ON users FOR EACH ROW
    EXECUTE FUNCTION audit_users_insert();

CREATE FUNCTION audit_users_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'update', NEW.username, json_build_object('username', NEW.username, 'name', NEW.name, 'role', NEW.role, 'disabled_at', NEW.disabled_at, 'password_changed', OLD.password_hash IS DISTINCT FROM NEW.password_hash)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_users_update AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION audit_users_update();

CREATE FUNCTION audit_users_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'users', 'delete', OLD.username, json_build_object('username', OLD.username, 'name', OLD.name, 'role', OLD.role, 'disabled_at', OLD.disabled_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_users_delete AFTER DELETE ON users FOR EACH ROW
    EXECUTE FUNCTION audit_users_delete();

CREATE FUNCTION audit_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'insert', NEW.user_id, json_build_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_sessions_insert AFTER INSERT ON sessions FOR EACH ROW
    EXECUTE FUNCTION audit_sessions_insert();

CREATE FUNCTION audit_sessions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'update', NEW.user_id, json_build_object('user_id', NEW.user_id, 'created_at', NEW.created_at, 'expires_at', NEW.expires_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_sessions_update AFTER UPDATE ON sessions FOR EACH ROW
    WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
    EXECUTE FUNCTION audit_sessions_update();

CREATE FUNCTION audit_sessions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'sessions', 'delete', OLD.user_id, json_build_object('user_id', OLD.user_id, 'created_at', OLD.created_at, 'expires_at', OLD.expires_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_sessions_delete AFTER DELETE ON sessions FOR EACH ROW
    EXECUTE FUNCTION audit_sessions_delete();

CREATE FUNCTION audit_api_tokens_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'insert', NEW.name, json_build_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_api_tokens_insert AFTER INSERT ON api_tokens FOR EACH ROW
    EXECUTE FUNCTION audit_api_tokens_insert();

CREATE FUNCTION audit_api_tokens_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'update', NEW.name, json_build_object('name', NEW.name, 'role', NEW.role, 'owner', NEW.owner, 'revoked_at', NEW.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_api_tokens_update AFTER UPDATE ON api_tokens FOR EACH ROW
    EXECUTE FUNCTION audit_api_tokens_update();

CREATE FUNCTION audit_api_tokens_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'api_tokens', 'delete', OLD.name, json_build_object('name', OLD.name, 'role', OLD.role, 'owner', OLD.owner, 'revoked_at', OLD.revoked_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_api_tokens_delete AFTER DELETE ON api_tokens FOR EACH ROW
    EXECUTE FUNCTION audit_api_tokens_delete();

CREATE FUNCTION audit_known_claims_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'insert', NEW.id, json_build_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_known_claims_insert AFTER INSERT ON known_claims FOR EACH ROW
    EXECUTE FUNCTION audit_known_claims_insert();

CREATE FUNCTION audit_known_claims_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'update', NEW.id, json_build_object('claim', NEW.claim, 'verdict', NEW.verdict, 'url', NEW.url, 'incident_id', NEW.incident_id, 'origin', NEW.origin, 'disabled_at', NEW.disabled_at, 'disabled_reason', NEW.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_known_claims_update AFTER UPDATE ON known_claims FOR EACH ROW
    WHEN (OLD.claim IS DISTINCT FROM NEW.claim OR OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.url IS DISTINCT FROM NEW.url OR OLD.incident_id IS DISTINCT FROM NEW.incident_id OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
    EXECUTE FUNCTION audit_known_claims_update();

CREATE FUNCTION audit_known_claims_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'known_claims', 'delete', OLD.id, json_build_object('claim', OLD.claim, 'verdict', OLD.verdict, 'url', OLD.url, 'incident_id', OLD.incident_id, 'origin', OLD.origin, 'disabled_at', OLD.disabled_at, 'disabled_reason', OLD.disabled_reason)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_known_claims_delete AFTER DELETE ON known_claims FOR EACH ROW
    EXECUTE FUNCTION audit_known_claims_delete();

CREATE FUNCTION audit_checklist_marks_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'insert', NEW.incident_id || ':' || NEW.step, json_build_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_checklist_marks_insert AFTER INSERT ON checklist_marks FOR EACH ROW
    EXECUTE FUNCTION audit_checklist_marks_insert();

CREATE FUNCTION audit_checklist_marks_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'update', NEW.incident_id || ':' || NEW.step, json_build_object('incident_id', NEW.incident_id, 'playbook_id', NEW.playbook_id, 'step', NEW.step, 'done_by', NEW.done_by, 'done_at', NEW.done_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_checklist_marks_update AFTER UPDATE ON checklist_marks FOR EACH ROW
    EXECUTE FUNCTION audit_checklist_marks_update();

CREATE FUNCTION audit_checklist_marks_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'checklist_marks', 'delete', OLD.incident_id || ':' || OLD.step, json_build_object('incident_id', OLD.incident_id, 'playbook_id', OLD.playbook_id, 'step', OLD.step, 'done_by', OLD.done_by, 'done_at', OLD.done_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_checklist_marks_delete AFTER DELETE ON checklist_marks FOR EACH ROW
    EXECUTE FUNCTION audit_checklist_marks_delete();

CREATE FUNCTION audit_copy_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'insert', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_copy_log_insert AFTER INSERT ON copy_log FOR EACH ROW
    EXECUTE FUNCTION audit_copy_log_insert();

CREATE FUNCTION audit_copy_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'update', NEW.id, json_build_object('clarification_id', NEW.clarification_id, 'actor', NEW.actor, 'channel', NEW.channel, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_copy_log_update AFTER UPDATE ON copy_log FOR EACH ROW
    EXECUTE FUNCTION audit_copy_log_update();

CREATE FUNCTION audit_copy_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'copy_log', 'delete', OLD.id, json_build_object('clarification_id', OLD.clarification_id, 'actor', OLD.actor, 'channel', OLD.channel, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_copy_log_delete AFTER DELETE ON copy_log FOR EACH ROW
    EXECUTE FUNCTION audit_copy_log_delete();

CREATE FUNCTION audit_feedback_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'insert', NEW.id, json_build_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feedback_insert AFTER INSERT ON feedback FOR EACH ROW
    EXECUTE FUNCTION audit_feedback_insert();

CREATE FUNCTION audit_feedback_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'update', NEW.id, json_build_object('incident_id', NEW.incident_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feedback_update AFTER UPDATE ON feedback FOR EACH ROW
    EXECUTE FUNCTION audit_feedback_update();

CREATE FUNCTION audit_feedback_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feedback', 'delete', OLD.id, json_build_object('incident_id', OLD.incident_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feedback_delete AFTER DELETE ON feedback FOR EACH ROW
    EXECUTE FUNCTION audit_feedback_delete();

CREATE FUNCTION audit_review_decisions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'insert', NEW.id, json_build_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_review_decisions_insert AFTER INSERT ON review_decisions FOR EACH ROW
    EXECUTE FUNCTION audit_review_decisions_insert();

CREATE FUNCTION audit_review_decisions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'update', NEW.id, json_build_object('mention_id', NEW.mention_id, 'decision', NEW.decision, 'labels', NEW.labels, 'reason', NEW.reason, 'actor', NEW.actor, 'at', NEW.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_review_decisions_update AFTER UPDATE ON review_decisions FOR EACH ROW
    EXECUTE FUNCTION audit_review_decisions_update();

CREATE FUNCTION audit_review_decisions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'review_decisions', 'delete', OLD.id, json_build_object('mention_id', OLD.mention_id, 'decision', OLD.decision, 'labels', OLD.labels, 'reason', OLD.reason, 'actor', OLD.actor, 'at', OLD.at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_review_decisions_delete AFTER DELETE ON review_decisions FOR EACH ROW
    EXECUTE FUNCTION audit_review_decisions_delete();

CREATE FUNCTION audit_feed_state_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'insert', NEW.name, json_build_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feed_state_insert AFTER INSERT ON feed_state FOR EACH ROW
    EXECUTE FUNCTION audit_feed_state_insert();

CREATE FUNCTION audit_feed_state_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'update', NEW.name, json_build_object('url', NEW.url, 'kind', NEW.kind, 'region', NEW.region, 'every_secs', NEW.every_secs, 'enabled', NEW.enabled, 'origin', NEW.origin, 'created_by', NEW.created_by)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feed_state_update AFTER UPDATE ON feed_state FOR EACH ROW
    WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.region IS DISTINCT FROM NEW.region OR OLD.every_secs IS DISTINCT FROM NEW.every_secs OR OLD.enabled IS DISTINCT FROM NEW.enabled)
    EXECUTE FUNCTION audit_feed_state_update();

CREATE FUNCTION audit_feed_state_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'feed_state', 'delete', OLD.name, json_build_object('url', OLD.url, 'kind', OLD.kind, 'region', OLD.region, 'every_secs', OLD.every_secs, 'enabled', OLD.enabled, 'origin', OLD.origin, 'created_by', OLD.created_by)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_feed_state_delete AFTER DELETE ON feed_state FOR EACH ROW
    EXECUTE FUNCTION audit_feed_state_delete();

CREATE FUNCTION audit_mentions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'mentions', 'update', NEW.id, json_build_object('confirmed_labels', NEW.confirmed_labels, 'review_state', NEW.review_state)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_mentions_update AFTER UPDATE ON mentions FOR EACH ROW
    WHEN (OLD.confirmed_labels IS DISTINCT FROM NEW.confirmed_labels OR OLD.review_state IS DISTINCT FROM NEW.review_state)
    EXECUTE FUNCTION audit_mentions_update();

CREATE FUNCTION audit_mentions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7346001);
    INSERT INTO audit_log (seq, tbl, op, row_key, data) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), 'mentions', 'delete', OLD.id, json_build_object('source', OLD.source, 'external_id', OLD.external_id, 'content_hash', OLD.content_hash)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_mentions_delete AFTER DELETE ON mentions FOR EACH ROW
    EXECUTE FUNCTION audit_mentions_delete();

