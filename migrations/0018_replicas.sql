-- Several `tanggap serve` processes on one database (issue 17): background work is claimed in
-- the database, so each piece is done once and a replica that dies gives its work back when its
-- lease runs out (or at once when it starts again: it releases what its own id still holds).

-- Mentions a replica is classifying. A row is taken with INSERT … ON CONFLICT DO UPDATE WHERE
-- the old lease has expired, deleted in the transaction that records the classification.
CREATE TABLE classify_leases (
    seq         INTEGER PRIMARY KEY,     -- mentions.seq
    owner       TEXT NOT NULL,           -- replica id
    expires_at  TEXT NOT NULL
);
CREATE INDEX classify_leases_owner ON classify_leases(owner);

-- Which replica recorded a mention's classification (the benchmark's work split).
ALTER TABLE mentions ADD COLUMN classified_by TEXT;

-- Mails a replica is delivering: claimed with a conditional UPDATE, released when it is marked
-- sent, deferred or failed.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

-- Values every replica must share and that nobody configured: the link-signing key when
-- `secret_key` is unset on a shared database (generated once, first writer wins).
CREATE TABLE cluster_values (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The live queue's version (Store::queue_version) is read by every replica at each change: maxima
-- of indexed columns, not counts that scan growing tables.
CREATE INDEX incidents_updated_at ON incidents(updated_at);
CREATE INDEX outbox_sent_at ON outbox(sent_at);
