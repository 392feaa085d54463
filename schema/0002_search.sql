-- claimdb schema, version 2: full-text search over claims.
-- One row per claim (rowid = claims.rowid): its text, its quotes, verdict and evidence notes,
-- and the names and aliases of its speaker and relays. `alt` repeats all of them with the
-- Turkish dotless ı spelled i (the tokenizer folds İ but not ı), only when there is one.

CREATE VIRTUAL TABLE claim_fts USING fts5(
    text, quotes, notes, names, alt,
    tokenize = "unicode61 remove_diacritics 2"
);

INSERT INTO claim_fts(rowid, text, quotes, notes, names, alt)
SELECT rowid, text, quotes, notes, names,
       CASE WHEN instr(text || quotes || notes || names, 'ı') > 0
            THEN replace(text || ' ' || quotes || ' ' || notes || ' ' || names, 'ı', 'i')
            ELSE '' END
FROM (
SELECT c.rowid AS rowid,
       c.text AS text,
       coalesce((SELECT group_concat(a.quote, ' … ') FROM appearances a
                 WHERE a.claim_id = c.id AND a.quote IS NOT NULL), '') AS quotes,
       coalesce((SELECT group_concat(n, ' … ') FROM (
                    SELECT v.note AS n FROM verdicts v WHERE v.claim_id = c.id AND v.note IS NOT NULL
                    UNION ALL
                    SELECT e.note FROM evidence e WHERE e.claim_id = c.id AND e.note IS NOT NULL)), '') AS notes,
       coalesce((SELECT group_concat(sn.name, ' · ') FROM source_names sn
                 WHERE sn.source_id = c.speaker_id
                    OR sn.source_id IN (SELECT a.via_id FROM appearances a WHERE a.claim_id = c.id)), '') AS names
FROM claims c WHERE NOT c.deleted);
