-- Ingestion feeds a target may require. Feeds report batches into audit.feed_batch, or
-- batch_source names a view or table of the user's own (columns feed text, batch_id text,
-- status text ('running' | 'succeeded' | 'failed'), finished_at timestamptz) that mvcert
-- reads instead, so an existing ingestion log can be mapped without copying rows.
CREATE TABLE audit.feed (
    feed            text PRIMARY KEY,
    description     text,
    -- A successful batch older than this does not satisfy the feed ("missing for the period").
    max_age         interval NOT NULL DEFAULT interval '24 hours',
    batch_source    text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT feed_max_age_positive CHECK (max_age > interval '0')
);
COMMENT ON TABLE audit.feed IS
  'Ingestion feeds; a target refreshes only when the latest batch of each feed it requires succeeded recently enough.';
