-- Issue 15. Authorship is per person: a token may belong to a user (`owner`, a username) and then
-- acts as that user, so a draft written in a web session cannot be approved with the same
-- person's token. Login failures remember the address they came from, so throttling slows an
-- address or an account from one address without locking a colleague out.
ALTER TABLE api_tokens ADD COLUMN owner TEXT;
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_address ON login_failures(address, at);
