-- Feeds managed by admins in the UI (issue 18): besides the `[[feeds]]` of the TOML file, an
-- admin can add a feed (kept here with its settings) and disable or enable any feed. A disabled
-- feed is not polled; the decision survives restarts, also for feeds of the TOML file.
ALTER TABLE feed_state ADD COLUMN region TEXT;
ALTER TABLE feed_state ADD COLUMN every_secs INTEGER NOT NULL DEFAULT 300;
ALTER TABLE feed_state ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE feed_state ADD COLUMN origin TEXT NOT NULL DEFAULT 'config';   -- config | admin
ALTER TABLE feed_state ADD COLUMN created_by TEXT;
