-- claimdb server schema, version 1: workspaces, members and each workspace's operation log.

PRAGMA application_id = 1668047987; -- 'clds' identifies a claimdb server database

CREATE TABLE workspaces (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
) STRICT;

-- A member's token is `cdb1.<member id>.<secret>`; only SHA-256(secret) is stored.
CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    workspace  TEXT NOT NULL REFERENCES workspaces(name),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX members_workspace ON members(workspace, name);

-- Every entity some stored operation created, so an operation that refers to anything else
-- is refused instead of breaking every member's pull.
CREATE TABLE entities (
    workspace TEXT NOT NULL,
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, id)
) STRICT, WITHOUT ROWID;

-- The append-only log: `seq` is dense per workspace, taken inside the inserting transaction.
CREATE TABLE ops (
    workspace   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (workspace, seq),
    UNIQUE (workspace, id)
) STRICT, WITHOUT ROWID;
