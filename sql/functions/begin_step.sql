-- Records the start of one attempt to refresh one materialized view within a run and
-- returns its step id. p_backend_pid is the session doing the refresh (which is not the
-- session writing history when the engine has a separate history connection). The
-- materialized view is validated and stored under its canonical name, so the step history
-- (and the no-overlap check over it) never holds names that do not denote a view. The lock
-- key defaults to the view's refresh lock (audit.refresh_lock_key). Also moves the run's
-- heartbeat: a run that starts steps is alive.
CREATE FUNCTION audit.begin_step(
    p_run_id        bigint,
    p_matview       text,
    p_plan_step     integer DEFAULT NULL,
    p_plan_level    integer DEFAULT NULL,
    p_planned_mode  text    DEFAULT NULL,
    p_attempt       integer DEFAULT 1,
    p_lock_key      bigint  DEFAULT NULL,
    p_backend_pid   integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_step_id bigint;
    v_matview text := audit._breaker_key(p_matview);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id
            USING ERRCODE = 'no_data_found', HINT = 'Start the run with audit.begin_run first.';
    END IF;
    INSERT INTO audit.step (run_id, matview, plan_step, plan_level, planned_mode, attempt, lock_key, backend_pid)
    VALUES (p_run_id, v_matview, p_plan_step, p_plan_level, p_planned_mode, COALESCE(p_attempt, 1),
            COALESCE(p_lock_key, audit.refresh_lock_key(v_matview::pg_catalog.regclass)),
            COALESCE(p_backend_pid, pg_catalog.pg_backend_pid()))
    RETURNING step_id INTO v_step_id;
    UPDATE audit.run r SET heartbeat_at = pg_catalog.clock_timestamp()
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id AND r.status OPERATOR(pg_catalog.=) 'running';
    RETURN v_step_id;
END
$$;
COMMENT ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) IS
  'Records the start of a refresh step attempt within a run and returns its step id.';
