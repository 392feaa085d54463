-- claimdb schema: one name per source.

-- Each name's skeleton (src/near_names.rs), to find names that are spelled differently but
-- probably name the same source. Filled by the fold; rows written before this version are
-- filled when the database is opened.
ALTER TABLE source_names ADD COLUMN skeleton TEXT;
CREATE INDEX source_names_skeleton ON source_names(skeleton);

-- The source each reference names as the operations set it. `speaker_id`, `via_id` and
-- `outlet_id` hold the source it stands for now: the same one, or the one it was merged into.
ALTER TABLE claims ADD COLUMN speaker_ref TEXT;
UPDATE claims SET speaker_ref = speaker_id;
CREATE INDEX claims_speaker_ref ON claims(speaker_ref) WHERE speaker_ref IS NOT NULL;
ALTER TABLE appearances ADD COLUMN via_ref TEXT;
UPDATE appearances SET via_ref = via_id;
CREATE INDEX appearances_via_ref ON appearances(via_ref) WHERE via_ref IS NOT NULL;
ALTER TABLE articles ADD COLUMN outlet_ref TEXT;
UPDATE articles SET outlet_ref = outlet_id;
CREATE INDEX articles_outlet_ref ON articles(outlet_ref) WHERE outlet_ref IS NOT NULL;

-- Every merge of one source into another, as the operations made them.
CREATE TABLE source_merges (
    op_id   TEXT PRIMARY KEY,
    drop_id TEXT NOT NULL,
    keep_id TEXT NOT NULL,
    hlc     INTEGER NOT NULL,
    replica TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The sources that were merged, and the source each now stands for (never itself). A source
-- not listed here stands for itself.
CREATE TABLE source_canon (
    source_id TEXT PRIMARY KEY,
    canon_id  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX source_canon_canon ON source_canon(canon_id);
