-- claimdb server schema for PostgreSQL, version 1: the same data as the SQLite server's
-- versions 1 and 2 (schema/server/), with each workspace's head kept in its row.

-- `head` is the workspace's last sequence number. A push locks this row first
-- (SELECT ... FOR UPDATE) and writes it last, so pushes to one workspace commit one at a
-- time and in sequence order: a puller never passes a number whose row is still to commit.
CREATE TABLE workspaces (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    head       BIGINT NOT NULL DEFAULT 0
);

-- A member's token is `cdb1.<member id>.<secret>`; only SHA-256(secret) is stored.
CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    workspace  TEXT NOT NULL REFERENCES workspaces(name),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX members_workspace ON members(workspace, name);

-- Every entity some stored operation created.
CREATE TABLE entities (
    workspace TEXT NOT NULL,
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, id)
);

-- Each replica id belongs to the first member who stored an operation under it.
CREATE TABLE replicas (
    workspace TEXT NOT NULL,
    replica   TEXT NOT NULL,
    member    TEXT NOT NULL,
    PRIMARY KEY (workspace, replica)
);

-- The append-only log: `seq` is dense per workspace, taken from the workspace's head.
CREATE TABLE ops (
    workspace   TEXT NOT NULL REFERENCES workspaces(name),
    seq         BIGINT NOT NULL,
    id          TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (workspace, seq),
    UNIQUE (workspace, id)
);
