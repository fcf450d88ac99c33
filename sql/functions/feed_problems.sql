-- The reasons a target may not refresh now because of its required ingestion feeds: one
-- row per required feed whose latest batch failed, is still running, or which has no
-- successful batch finished within its max_age ("missing for the period"). No rows: the
-- preconditions hold. Batches come from audit.feed_batch, or from the feed's batch_source
-- relation (columns feed, batch_id, status, finished_at) when the user mapped one.
CREATE FUNCTION audit.feed_problems(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (feed text, problem text)
LANGUAGE plpgsql
STABLE
ROWS 5
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name    text := audit._require_view(p_target);
    v_req     record;
    v_latest  record;
    v_ok_at   timestamptz;
    v_source  text;
BEGIN
    FOR v_req IN
        SELECT tf.feed, COALESCE(tf.max_age, f.max_age) AS max_age, f.batch_source
          FROM audit.target_feed tf
          JOIN audit.feed f ON f.feed OPERATOR(pg_catalog.=) tf.feed
         WHERE tf.target OPERATOR(pg_catalog.=) v_name
         ORDER BY tf.feed
    LOOP
        IF v_req.batch_source IS NULL THEN
            v_source := 'audit.feed_batch';
        ELSE
            -- the regclass cast names a missing relation in its error
            v_source := v_req.batch_source::pg_catalog.regclass::text;
        END IF;
        EXECUTE pg_catalog.format(
            'SELECT b.batch_id::text AS batch_id, b.status::text AS status, b.finished_at
               FROM %s b WHERE b.feed::text OPERATOR(pg_catalog.=) $1
              ORDER BY b.finished_at DESC NULLS FIRST LIMIT 1', v_source)
          INTO v_latest USING v_req.feed;
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.max(b.finished_at) FROM %s b
              WHERE b.feed::text OPERATOR(pg_catalog.=) $1 AND b.status::text OPERATOR(pg_catalog.=) ''succeeded''', v_source)
          INTO v_ok_at USING v_req.feed;
        feed := v_req.feed;
        IF v_latest IS NULL THEN
            problem := pg_catalog.format('feed %s has no batch', v_req.feed);
        ELSIF v_latest.status OPERATOR(pg_catalog.=) 'failed' THEN
            problem := pg_catalog.format('feed %s: latest batch %s failed at %s', v_req.feed, v_latest.batch_id, v_latest.finished_at);
        ELSIF v_latest.status OPERATOR(pg_catalog.=) 'running' THEN
            problem := pg_catalog.format('feed %s: batch %s is still running', v_req.feed, v_latest.batch_id);
        ELSIF v_ok_at IS NULL OR v_ok_at OPERATOR(pg_catalog.<) (p_at OPERATOR(pg_catalog.-) v_req.max_age) THEN
            problem := pg_catalog.format('feed %s: no successful batch within %s (latest at %s)', v_req.feed, v_req.max_age, v_ok_at);
        ELSE
            CONTINUE;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit.feed_problems(regclass, timestamptz) IS
  'Why the required ingestion feeds of a target forbid a refresh now (failed, running or missing latest batch); no rows when they allow it.';
