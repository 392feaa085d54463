-- claimdb schema, version 1: the operation log and the tables it folds into.
-- Released migrations are never edited; add a new numbered file instead.

PRAGMA application_id = 1668047972; -- 'cldd' identifies a claimdb database

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every write, in local order. `body` is the JSON of the change (see src/ops.rs).
CREATE TABLE ops (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    hlc     INTEGER NOT NULL,
    replica TEXT NOT NULL,
    author  TEXT NOT NULL,
    entity  TEXT NOT NULL,
    claim   TEXT,
    body    TEXT NOT NULL
) STRICT;
CREATE INDEX ops_entity ON ops(entity);
CREATE INDEX ops_claim ON ops(claim) WHERE claim IS NOT NULL;
CREATE INDEX ops_hlc ON ops(hlc, replica);

CREATE TABLE sources (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    url        TEXT,
    created_at TEXT NOT NULL
) STRICT;

-- A source's name and aliases in folded form, for case-insensitive, alias-aware lookup.
CREATE TABLE source_names (
    source_id TEXT NOT NULL REFERENCES sources(id),
    name      TEXT NOT NULL,
    folded    TEXT NOT NULL,
    is_alias  INTEGER NOT NULL,
    PRIMARY KEY (source_id, folded)
) STRICT;
CREATE INDEX source_names_folded ON source_names(folded);

CREATE TABLE articles (
    id          TEXT PRIMARY KEY,
    url         TEXT,
    title       TEXT,
    outlet_id   TEXT REFERENCES sources(id),
    published   TEXT,
    lang        TEXT,
    body        TEXT,
    body_sha256 TEXT,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX articles_url ON articles(url) WHERE url IS NOT NULL;

CREATE TABLE claims (
    id         TEXT PRIMARY KEY,
    text       TEXT NOT NULL,
    speaker_id TEXT REFERENCES sources(id),
    said_on    TEXT,
    status     TEXT NOT NULL DEFAULT 'unverified',
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;
CREATE INDEX claims_created ON claims(created_at, id);
CREATE INDEX claims_status ON claims(status);
CREATE INDEX claims_speaker ON claims(speaker_id) WHERE speaker_id IS NOT NULL;

CREATE TABLE claim_tags (
    claim_id TEXT NOT NULL REFERENCES claims(id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (claim_id, tag)
) STRICT;
CREATE INDEX claim_tags_tag ON claim_tags(tag);

CREATE TABLE appearances (
    id          TEXT PRIMARY KEY,
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    article_id  TEXT REFERENCES articles(id),
    via_id      TEXT REFERENCES sources(id),
    quote       TEXT,
    quote_start INTEGER,
    quote_end   INTEGER,
    prefix      TEXT,
    suffix      TEXT,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX appearances_claim ON appearances(claim_id);
CREATE INDEX appearances_article ON appearances(article_id) WHERE article_id IS NOT NULL;
CREATE INDEX appearances_via ON appearances(via_id) WHERE via_id IS NOT NULL;

-- Verdicts are never updated; the current ones are those no other verdict supersedes.
CREATE TABLE verdicts (
    id         TEXT PRIMARY KEY,
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    status     TEXT NOT NULL,
    note       TEXT,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX verdicts_claim ON verdicts(claim_id);

CREATE TABLE verdict_supersedes (
    verdict_id    TEXT NOT NULL REFERENCES verdicts(id),
    superseded_id TEXT NOT NULL,
    PRIMARY KEY (verdict_id, superseded_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX verdict_supersedes_superseded ON verdict_supersedes(superseded_id);

CREATE TABLE evidence (
    id         TEXT PRIMARY KEY,
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    url        TEXT,
    stance     TEXT NOT NULL,
    note       TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_claim ON evidence(claim_id);

-- The operation that last set each field or tag, with its (HLC, replica): last writer wins.
-- `create` stamps the winning creation of a source or article (their ids can be derived from
-- a name or URL, so two members may create the same one).
CREATE TABLE field_stamps (
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    replica   TEXT NOT NULL,
    op_id     TEXT NOT NULL,
    PRIMARY KEY (entity_id, field)
) STRICT, WITHOUT ROWID;
