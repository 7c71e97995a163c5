-- When an incident's velocity last spiked (re-alerts at most once an hour).
ALTER TABLE incidents ADD COLUMN last_spike_at TEXT;
