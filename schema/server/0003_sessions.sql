-- claimdb server schema, version 3: browser sessions for the board.
-- A session cookie holds a random secret; only its SHA-256 is stored. A session ends at
-- `expires_at`, when its member signs out, or when the member's token is revoked (every
-- request checks the member).

CREATE TABLE sessions (
    secret_hash BLOB PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions(expires_at);
