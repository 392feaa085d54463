-- claimdb server schema, version 2: each replica id belongs to one member.
-- The first member to store an operation under a replica id owns it; operations under it
-- from anyone else are refused (`replica_taken`), so two databases can never pass for one.

CREATE TABLE replicas (
    workspace TEXT NOT NULL,
    replica   TEXT NOT NULL,
    member    TEXT NOT NULL,
    PRIMARY KEY (workspace, replica)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO replicas (workspace, replica, member)
SELECT workspace, json_extract(body, '$.replica'), author FROM ops ORDER BY workspace, seq;
