-- claimdb schema, version 5: the claims whose fields were edited.
-- `claimdb conflicts` looks for concurrent edits among the claims that have any; without
-- this index it reads the body of every claim operation in the log.

CREATE INDEX ops_claim_edits ON ops(claim) WHERE body LIKE '{"op":"set_claim"%';
