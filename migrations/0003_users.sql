-- People who log in to the web UI, their sessions, and failed logins for throttling.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,             -- argon2id PHC string
    created_at     TEXT NOT NULL,
    disabled_at    TEXT
);

CREATE TABLE sessions (
    id_hash        TEXT PRIMARY KEY,          -- sha256 of the cookie value
    user_id        TEXT NOT NULL REFERENCES users(id),
    csrf_token     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
