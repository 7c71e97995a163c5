-- Several `tanggap serve` processes on one database (issue 17); see migrations/0018_replicas.sql
-- for the tables. On PostgreSQL the claims also use FOR UPDATE SKIP LOCKED, so replicas that
-- look for work at the same moment take different rows instead of queueing on each other.

CREATE TABLE classify_leases (
    seq         BIGINT PRIMARY KEY,
    owner       TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX classify_leases_owner ON classify_leases(owner);

ALTER TABLE mentions ADD COLUMN classified_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

CREATE TABLE cluster_values (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Live queue across replicas: whatever can change the queue page notifies channel
-- `tanggap_queue` once per statement (PostgreSQL folds repeats within a transaction and
-- delivers at commit); each replica LISTENs and wakes its open pages.
CREATE FUNCTION tanggap_queue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tanggap_queue', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER mentions_queue_notify AFTER INSERT OR UPDATE ON mentions
    FOR EACH STATEMENT EXECUTE FUNCTION tanggap_queue_changed();
CREATE TRIGGER incidents_queue_notify AFTER INSERT OR UPDATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION tanggap_queue_changed();
CREATE TRIGGER outbox_queue_notify AFTER INSERT OR UPDATE OF sent_at ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION tanggap_queue_changed();

-- The live queue's version (Store::queue_version) is read by every replica at each change: maxima
-- of indexed columns, not counts that scan growing tables.
CREATE INDEX incidents_updated_at ON incidents(updated_at);
CREATE INDEX outbox_sent_at ON outbox(sent_at);
