-- Tanggap's first schema. Times are RFC 3339 UTC text; JSON columns hold serde_json text.

CREATE TABLE mentions (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT, -- order of arrival; the index watermark
    id                TEXT    NOT NULL UNIQUE,           -- public id derived from (source, external_id)
    source            TEXT    NOT NULL,
    external_id       TEXT    NOT NULL,
    external_id_derived INTEGER NOT NULL DEFAULT 0,      -- 1 when derived from the content hash
    url               TEXT,
    author_handle     TEXT,
    author_name       TEXT,
    author_followers  INTEGER,
    text              TEXT    NOT NULL,
    lang              TEXT,
    posted_at         TEXT,
    region            TEXT,
    likes             INTEGER,
    shares            INTEGER,
    comments          INTEGER,
    views             INTEGER,
    content_hash      TEXT    NOT NULL,                  -- sha256 of the text, hex
    raw               TEXT    NOT NULL,                  -- the item exactly as received
    captured_at       TEXT    NOT NULL,
    classified_at     TEXT,                              -- NULL until the classifier has run
    scores            TEXT,                              -- {"hoax": 0.93, ...}
    labels            TEXT,                              -- ["hoax", "disaster"]
    explanation       TEXT,
    model_version     TEXT,
    embedding         BLOB,                              -- f32 little-endian, normalised
    incident_id       TEXT REFERENCES incidents(id),
    UNIQUE (source, external_id)
);
CREATE INDEX mentions_unclassified ON mentions(seq) WHERE classified_at IS NULL;
CREATE INDEX mentions_incident ON mentions(incident_id, seq);
CREATE INDEX mentions_content_hash ON mentions(content_hash);

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    title             TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'new',
    severity          TEXT    NOT NULL,
    top_label         TEXT    NOT NULL,
    labels            TEXT    NOT NULL,                  -- union of the mentions' labels
    max_scores        TEXT    NOT NULL,                  -- per label, the highest score seen
    team              TEXT    NOT NULL,
    region            TEXT,
    source            TEXT    NOT NULL,
    playbook_id       TEXT,
    playbook_version  INTEGER,
    sample_text       TEXT    NOT NULL,                  -- first mention's text, for near-duplicate checks
    centroid          BLOB,                              -- first mention's embedding
    mention_count     INTEGER NOT NULL DEFAULT 0,
    first_seen_at     TEXT    NOT NULL,                  -- earliest posted_at/captured_at of its mentions
    opened_at         TEXT    NOT NULL,
    last_mention_at   TEXT    NOT NULL,
    ack_due_at        TEXT    NOT NULL,
    acknowledged_at   TEXT,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX incidents_open ON incidents(status, top_label, last_mention_at);

CREATE TABLE incident_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);

-- Durable mail outbox: rows are written in the same transaction as what caused them.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id      TEXT REFERENCES incidents(id),
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    message_id       TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    sent_at          TEXT,
    failed_at        TEXT,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,                   -- sha256 of the token, hex
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
