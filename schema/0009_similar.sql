-- claimdb schema, version 9: the index `claimdb similar` and "checked before" read.
-- For each live claim, its normalised terms (see src/similar/): `similar_docs` holds them as
-- a blob of 8-byte term ids, `similar_postings` lists the claims that hold each term, and
-- `similar_df` counts them (the row with term 0 counts the indexed claims). All three are
-- a fold of the claims table, kept by the same fold that keeps the full-text index; the
-- migration fills them for the claims already there.

CREATE TABLE similar_docs (
    claim INTEGER PRIMARY KEY,  -- claims.rowid
    terms BLOB NOT NULL
) STRICT;

CREATE TABLE similar_postings (
    term  INTEGER NOT NULL,
    claim INTEGER NOT NULL,     -- claims.rowid
    PRIMARY KEY (term, claim)
) STRICT, WITHOUT ROWID;

CREATE TABLE similar_df (
    term INTEGER PRIMARY KEY,
    n    INTEGER NOT NULL
) STRICT;
