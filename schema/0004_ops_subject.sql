-- claimdb schema, version 4: one index on what an operation is about.
-- Every operation on a claim or on its appearances, verdicts and evidence carries the claim;
-- operations on sources and articles carry none. One index on (claim, entity) answers both
-- "the operations of this claim" and "the operations of this entity", and costs each logged
-- operation one index insertion instead of two.

DROP INDEX ops_entity;
DROP INDEX ops_claim;
CREATE INDEX ops_subject ON ops(claim, entity);
