-- A change counter for the search index: every arrival, classification or move to another
-- incident gives the mention a new, higher `rev`. The index stores the highest `rev` it has
-- (in its commit payload) and catches up from there, so this column is the durable indexing
-- queue that survives any crash.
ALTER TABLE mentions ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE mentions SET rev = seq;
CREATE INDEX mentions_rev ON mentions(rev);

CREATE TRIGGER mentions_rev_on_insert AFTER INSERT ON mentions
BEGIN
    UPDATE mentions SET rev = (SELECT MAX(rev) FROM mentions) + 1 WHERE seq = NEW.seq;
END;

CREATE TRIGGER mentions_rev_on_change AFTER UPDATE OF labels, incident_id ON mentions
BEGIN
    UPDATE mentions SET rev = (SELECT MAX(rev) FROM mentions) + 1 WHERE seq = NEW.seq;
END;
