-- claimdb schema, version 7: live claims in list order, so counting them and paging through
-- them (the board's pages) reads a small index instead of every claim row.

CREATE INDEX claims_live ON claims(deleted, created_at, id);
