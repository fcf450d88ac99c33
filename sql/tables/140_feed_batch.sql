-- Batches reported by ingestion jobs (feed, batch id, status, finished at). The latest
-- batch of a feed (by finished_at, then started_at) decides whether runs may proceed.
CREATE TABLE audit.feed_batch (
    feed            text NOT NULL REFERENCES audit.feed (feed) ON DELETE CASCADE,
    batch_id        text NOT NULL,
    status          text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at     timestamptz,
    detail          text,
    PRIMARY KEY (feed, batch_id),
    CONSTRAINT feed_batch_status_known CHECK (status IN ('running', 'succeeded', 'failed')),
    CONSTRAINT feed_batch_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX feed_batch_latest_idx ON audit.feed_batch (feed, finished_at DESC NULLS FIRST, started_at DESC);
COMMENT ON TABLE audit.feed_batch IS 'Ingestion batches per feed, as reported by the ingestion jobs.';
