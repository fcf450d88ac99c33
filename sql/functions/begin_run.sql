-- Records the start of a run of a target and returns its run id. Called by the engine
-- (through its history connection when it has one, so the row survives a rollback of the
-- work) and usable by SQL refresh scripts that want their runs in the history. p_mode NULL:
-- the target's run_mode (audit.target), incremental for an unregistered view; 'certify' is a
-- certification without refreshing.
CREATE FUNCTION audit.begin_run(
    p_target        regclass,
    p_mode          text     DEFAULT NULL,
    p_requested_by  text     DEFAULT NULL,
    p_request_id    bigint   DEFAULT NULL,
    p_executor      text     DEFAULT NULL,
    p_lease         interval DEFAULT NULL,
    p_backend_pid   integer  DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name   text := audit._require_view(p_target);
    v_mode   text := COALESCE(p_mode, audit._default_run_mode(v_name));
    v_run_id bigint;
BEGIN
    IF v_mode OPERATOR(pg_catalog.<>) ALL (ARRAY['incremental', 'atomic', 'certify']) THEN
        RAISE EXCEPTION 'mvcert: unknown run mode %', pg_catalog.quote_nullable(p_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use incremental, atomic or certify.';
    END IF;
    IF p_lease <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: lease must be positive, got %', p_lease USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.run (target, mode, requested_by, request_id, executor, lease, backend_pid)
    VALUES (v_name, v_mode, COALESCE(p_requested_by, SESSION_USER::text), p_request_id,
            COALESCE(p_executor, 'backend'), COALESCE(p_lease, interval '5 minutes'),
            COALESCE(p_backend_pid, pg_catalog.pg_backend_pid()))
    RETURNING run_id INTO v_run_id;
    RETURN v_run_id;
END
$$;
COMMENT ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) IS
  'Records the start of a run (history) and returns its run id; mode NULL takes the target''s run_mode.';
