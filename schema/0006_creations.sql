-- claimdb schema, version 6: one id created more than once, and where operations came from.

-- Ids for which more than one creation was applied (two members importing one claim id,
-- two members adding the same source or article). The tables hold a merge of the creations
-- (see store::apply); `claimdb conflicts` reads the creations from the log to show what lost.
CREATE TABLE duplicate_creates (
    entity_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Sources and articles are no longer merged by one stamp per creation.
DELETE FROM field_stamps WHERE field = 'create';

-- 1 for an operation that was pulled from a remote: never this database's own to push,
-- whatever replica id it carries.
ALTER TABLE ops ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0;
UPDATE ops SET pulled = 1 WHERE replica <> (SELECT value FROM meta WHERE key = 'replica_id');
