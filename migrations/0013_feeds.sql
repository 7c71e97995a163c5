-- The feed poller's state per feed (issue 18): conditional-GET validators, health and backoff.
-- Items themselves go through the normal intake (mentions, idempotent on source + external id)
-- or the known-claims registry (idempotent on the claim key), so a re-poll never duplicates.
CREATE TABLE feed_state (
    name                  TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    kind                  TEXT NOT NULL,          -- mentions | debunks
    etag                  TEXT,
    last_modified         TEXT,
    last_polled_at        TEXT,
    last_success_at       TEXT,
    last_status           TEXT,                   -- new_items | not_modified | unchanged | error
    last_error            TEXT,
    last_error_at         TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    items_in_feed         INTEGER NOT NULL DEFAULT 0,   -- items in the last good response
    items_added           INTEGER NOT NULL DEFAULT 0,   -- mentions or known claims created, all time
    items_skipped         INTEGER NOT NULL DEFAULT 0,   -- items that could not be used, all time
    next_poll_at          TEXT
);
