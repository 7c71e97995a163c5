-- Known claims: where each came from, a key that keeps imports idempotent, and the claim's
-- embedding (filled in by the classification worker, so a crash never loses one).
ALTER TABLE known_claims ADD COLUMN origin TEXT NOT NULL DEFAULT 'clarification'; -- clarification | api | import
ALTER TABLE known_claims ADD COLUMN claim_key TEXT;
ALTER TABLE known_claims ADD COLUMN embedding BLOB;
CREATE UNIQUE INDEX known_claims_key ON known_claims (claim_key) WHERE claim_key IS NOT NULL;

-- The known claim a mention matched (suggested or auto-linked), for the claims page.
ALTER TABLE mentions ADD COLUMN known_claim_id TEXT REFERENCES known_claims(id);
ALTER TABLE mentions ADD COLUMN known_claim_action TEXT;                 -- suggest | auto_link
CREATE INDEX mentions_known_claim ON mentions (known_claim_id) WHERE known_claim_id IS NOT NULL;
