-- A job may carry a key naming the work it does (`publish:<variant id>`, `poll-feeds`), so enqueueing the same
-- work twice is idempotent: while a job with the key is alive (queued or running), no second one can be
-- inserted. A finished job is deleted and a dead one leaves the index, so either frees the key. The index does
-- the refusing, so two concurrent enqueues cannot both insert.

ALTER TABLE jobs ADD COLUMN unique_key TEXT;
CREATE UNIQUE INDEX jobs_live_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL AND dead_at IS NULL;
-- Every claim first buries jobs whose lease ran out on their last attempt; this finds them without a scan.
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE dead_at IS NULL AND locked_until IS NOT NULL;
