-- Records the end of a run: how it ended (certified, not_certified, refresh_failed, skipped,
-- cancelled: see audit.run), why, which materialized views it left stale and which need a
-- maintenance-window rebuild. Only a running run is finished; returns false when the run had
-- already ended (e.g. marked abandoned because its heartbeat lapsed). A step of the run still
-- 'running' then (its executor lost the connection before it could record the step's end) is
-- marked abandoned with the reason: a finished run has no running step.
CREATE FUNCTION audit.finish_run(
    p_run_id             bigint,
    p_status             text,
    p_reason             text   DEFAULT NULL,
    p_stale_views        text[] DEFAULT '{}',
    p_needs_maintenance  text[] DEFAULT '{}')
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled']) THEN
        RAISE EXCEPTION 'mvcert: a run cannot finish with status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use certified, not_certified, refresh_failed, skipped or cancelled.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE audit.run r
       SET status = p_status, reason = p_reason, finished_at = pg_catalog.clock_timestamp(),
           heartbeat_at = pg_catalog.clock_timestamp(),
           stale_views = COALESCE(p_stale_views, '{}'), needs_maintenance = COALESCE(p_needs_maintenance, '{}')
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id AND r.status OPERATOR(pg_catalog.=) 'running';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE audit.step s
       SET status = 'abandoned', finished_at = pg_catalog.clock_timestamp(),
           error_message = pg_catalog.format('the run ended (%s) before this step''s end was recorded: its connection was lost', p_status)
     WHERE s.run_id OPERATOR(pg_catalog.=) p_run_id AND s.status OPERATOR(pg_catalog.=) 'running';
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) IS
  'Records how a running run ended (certified, not_certified, refresh_failed, skipped, cancelled), why, stale views, views needing maintenance; false if it had already ended.';
