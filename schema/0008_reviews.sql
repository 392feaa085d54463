-- claimdb schema, version 8: reviews of claims published elsewhere (ClaimReview imports).
-- A review belongs to a claim and keeps what it said; it never sets the claim's status.

CREATE TABLE reviews (
    id           TEXT PRIMARY KEY,
    claim_id     TEXT NOT NULL REFERENCES claims(id),
    url          TEXT NOT NULL,
    publisher    TEXT,
    publisher_site TEXT,
    title        TEXT,
    rating       TEXT,
    rating_value TEXT,
    best_rating  TEXT,
    worst_rating TEXT,
    reviewed_on  TEXT,
    lang         TEXT,
    claimant     TEXT,
    -- The URLs where the reviewed claim appeared, as a JSON array of strings.
    appearances  TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX reviews_claim ON reviews(claim_id);
