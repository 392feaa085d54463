-- claimdb schema, version 3: team sync state.

-- Remotes this database syncs with. `pushed_seq` is the local ops.seq up to which this
-- replica's own operations were acknowledged by the remote; `cursor` is the remote's
-- sequence number up to which its operations were applied here.
CREATE TABLE remotes (
    name       TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    ca_cert    TEXT,
    pushed_seq INTEGER NOT NULL DEFAULT 0,
    cursor     INTEGER NOT NULL DEFAULT 0,
    last_sync  TEXT
) STRICT;

CREATE INDEX ops_replica_seq ON ops(replica, seq);

-- Operations of this replica that a remote refused for good (wrong author, a clock far
-- ahead, a reference the remote lacks). They stay in this database; the remote never has them.
CREATE TABLE refused (
    remote  TEXT NOT NULL,
    op_id   TEXT NOT NULL,
    code    TEXT NOT NULL,
    message TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (remote, op_id)
) STRICT;
