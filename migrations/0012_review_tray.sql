-- Alarm labels against topic labels (issue 14): an uncertain alarm (between a label's review and
-- alarm thresholds) puts the mention in the review tray instead of paging anyone; a responder
-- confirms or dismisses it. A confirmation hands the mention back to the classifier loop with
-- the confirmed labels (so it is placed in an incident, crash-safely, by the same code as any
-- other); every decision is kept as a labelled example for `tanggap train --include-feedback`.
ALTER TABLE mentions ADD COLUMN review_labels TEXT;       -- JSON alarm labels in the review band
ALTER TABLE mentions ADD COLUMN review_state TEXT;        -- pending | confirmed | dismissed
ALTER TABLE mentions ADD COLUMN confirmed_labels TEXT;    -- JSON labels a responder confirmed
-- The cluster (normalised-text digest) of every classified mention, so copies of a topic-only
-- message can be counted: a spike of them opens an incident.
ALTER TABLE mentions ADD COLUMN cluster_key TEXT;

CREATE INDEX mentions_review_pending ON mentions(seq) WHERE review_state = 'pending';
CREATE INDEX mentions_cluster_time ON mentions(cluster_key, captured_at) WHERE cluster_key IS NOT NULL;

CREATE TABLE review_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mention_id  TEXT NOT NULL REFERENCES mentions(id),
    decision    TEXT NOT NULL,        -- confirmed | dismissed
    labels      TEXT NOT NULL,        -- JSON: the confirmed labels, or the review labels dismissed
    reason      TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX review_decisions_mention ON review_decisions(mention_id);
