-- Called by ingestion jobs to report a batch of a feed: 'running' when it starts,
-- 'succeeded' or 'failed' when it ends (finished_at is set then). Creates the feed on
-- first use with the default max_age.
CREATE FUNCTION audit.report_feed_batch(p_feed text, p_batch_id text, p_status text, p_detail text DEFAULT NULL)
RETURNS audit.feed_batch
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row audit.feed_batch;
BEGIN
    IF p_feed IS NULL OR p_batch_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: feed and batch id must not be NULL (got feed %, batch %)', p_feed, p_batch_id
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['running', 'succeeded', 'failed']) THEN
        RAISE EXCEPTION 'mvcert: unknown batch status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use running, succeeded or failed.';
    END IF;
    INSERT INTO audit.feed (feed) VALUES (p_feed) ON CONFLICT DO NOTHING;
    INSERT INTO audit.feed_batch AS b (feed, batch_id, status, finished_at, detail)
    VALUES (p_feed, p_batch_id, p_status,
            CASE WHEN p_status OPERATOR(pg_catalog.<>) 'running' THEN pg_catalog.clock_timestamp() END, p_detail)
    ON CONFLICT (feed, batch_id) DO UPDATE SET
        status = EXCLUDED.status, finished_at = EXCLUDED.finished_at, detail = COALESCE(EXCLUDED.detail, b.detail)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.report_feed_batch(text, text, text, text) IS
  'Reports an ingestion batch of a feed (running, succeeded, failed); creates the feed on first use.';
