-- Reports the outcome of work the Java engine did in this session (audit._run_in_database:
-- text starting with CERTIFIED or FAILED) the way the queue path reports an agent's: a NOTICE
-- when certified, else an error when p_raise, a WARNING otherwise. The procedures call it
-- after COMMIT, so the run's history and a FAILED status stay recorded when it raises.
CREATE FUNCTION audit._report_in_database(p_outcome text, p_raise boolean, p_caller text)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.starts_with(p_outcome, 'CERTIFIED') THEN
        RAISE NOTICE 'mvcert: % in-database: %', p_caller, p_outcome;
    ELSIF p_raise THEN
        RAISE EXCEPTION 'mvcert: % in-database did not end certified: %', p_caller, p_outcome
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'See audit.certification and audit.check_result (and audit.run / audit.step for a refresh) for details.';
    ELSE
        RAISE WARNING 'mvcert: % in-database did not end certified: %', p_caller, p_outcome;
    END IF;
END
$$;
COMMENT ON FUNCTION audit._report_in_database(text, boolean, text) IS
  'Internal: NOTICE when the in-database outcome is CERTIFIED, else an error (p_raise) or a WARNING.';
