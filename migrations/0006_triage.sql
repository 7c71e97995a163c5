-- The responder's verdict and assignee on an incident, and triage decisions kept as labelled
-- examples for retraining.

ALTER TABLE incidents ADD COLUMN verdict TEXT;
ALTER TABLE incidents ADD COLUMN assignee TEXT;

CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    decision     TEXT NOT NULL,        -- confirmed | dismissed
    labels       TEXT NOT NULL,        -- the incident's labels at the time (JSON)
    reason       TEXT,
    actor        TEXT NOT NULL,
    at           TEXT NOT NULL
);
