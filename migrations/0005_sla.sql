-- SLA clocks: due times, breaches (alerted once each) and the first approved clarification.

ALTER TABLE incidents ADD COLUMN clarify_due_at TEXT;
ALTER TABLE incidents ADD COLUMN ack_breached_at TEXT;
ALTER TABLE incidents ADD COLUMN clarify_breached_at TEXT;
ALTER TABLE incidents ADD COLUMN first_clarified_at TEXT;
