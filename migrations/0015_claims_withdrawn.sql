-- A known claim whose source withdrew or corrected its debunk can be disabled (issue 18): it is
-- kept with its history but no longer matched against new mentions.
ALTER TABLE known_claims ADD COLUMN disabled_at TEXT;
ALTER TABLE known_claims ADD COLUMN disabled_reason TEXT;
