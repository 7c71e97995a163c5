-- Playbook checklists per incident, clarification drafts and their approval, the copy log and
-- the registry of known claims that approved clarifications feed.

CREATE TABLE checklist_marks (
    incident_id  TEXT    NOT NULL REFERENCES incidents(id),
    playbook_id  TEXT    NOT NULL,
    step         INTEGER NOT NULL,           -- 1-based step number in the playbook
    done_by      TEXT    NOT NULL,
    done_at      TEXT    NOT NULL,
    PRIMARY KEY (incident_id, playbook_id, step)
);

CREATE TABLE clarifications (
    id               TEXT PRIMARY KEY,
    incident_id      TEXT    NOT NULL REFERENCES incidents(id),
    playbook_id      TEXT    NOT NULL,
    playbook_version INTEGER NOT NULL,
    channel          TEXT    NOT NULL,
    lang             TEXT    NOT NULL,
    verdict          TEXT,
    status           TEXT    NOT NULL,       -- draft | submitted | returned | approved
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    variables        TEXT    NOT NULL,       -- JSON object of the values used
    author           TEXT    NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 1, -- bumped by every edit
    return_comment   TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    submitted_at     TEXT,
    approved_by      TEXT,
    approved_at      TEXT
);
CREATE INDEX clarifications_incident ON clarifications(incident_id, created_at);
CREATE INDEX clarifications_status ON clarifications(status, approved_at);

-- Every step of every clarification, for the audit trail.
CREATE TABLE clarification_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    clarification_id  TEXT NOT NULL REFERENCES clarifications(id),
    at                TEXT NOT NULL,
    actor             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    revision          INTEGER NOT NULL,
    detail            TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE copy_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    clarification_id  TEXT NOT NULL REFERENCES clarifications(id),
    actor             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    at                TEXT NOT NULL
);

CREATE TABLE known_claims (
    id                TEXT PRIMARY KEY,
    claim             TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    summary           TEXT NOT NULL,
    url               TEXT,
    incident_id       TEXT REFERENCES incidents(id),
    clarification_id  TEXT UNIQUE REFERENCES clarifications(id),
    created_at        TEXT NOT NULL
);
