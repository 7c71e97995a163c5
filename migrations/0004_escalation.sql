-- Escalation of unacknowledged incidents, threading of follow-up mail, single-use links.

ALTER TABLE incidents ADD COLUMN escalation_chain TEXT NOT NULL DEFAULT '[]'; -- recipients snapshotted at opening
ALTER TABLE incidents ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;  -- index of the last person mailed
ALTER TABLE incidents ADD COLUMN next_escalation_at TEXT;                      -- NULL: nothing more to do
CREATE INDEX incidents_escalation ON incidents(next_escalation_at) WHERE status = 'new';

ALTER TABLE outbox ADD COLUMN thread_root TEXT;   -- Message-ID (without <>) this mail replies to

CREATE TABLE used_links (
    token_hash  TEXT PRIMARY KEY,
    used_at     TEXT NOT NULL
);
