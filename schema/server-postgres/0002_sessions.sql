-- claimdb server schema for PostgreSQL, version 2: browser sessions for the board
-- (the same as the SQLite server's version 3).

CREATE TABLE sessions (
    secret_hash BYTEA PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
