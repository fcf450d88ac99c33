-- The executor of a running run proves it is alive: moves audit.run.heartbeat_at. Returns
-- false when the run is no longer running (e.g. it was reaped as abandoned after a long
-- pause), which tells the executor to stop: its work is no longer the run of record.
CREATE FUNCTION audit.heartbeat(p_run_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE audit.run r
       SET heartbeat_at = pg_catalog.clock_timestamp()
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id
       AND r.status OPERATOR(pg_catalog.=) 'running';
    IF FOUND THEN
        RETURN true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.run.';
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION audit.heartbeat(bigint) IS
  'Executor: moves a running run''s heartbeat_at; returns false when the run is no longer running (stop working on it).';
