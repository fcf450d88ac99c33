-- Reports how a run ended to a psql or pg_cron caller of the SQL entry points, the same way
-- whichever path ran it (in-database under PL/Java, or an agent through the queue): a NOTICE
-- when the run ended certified, else an error when p_raise, a WARNING otherwise. The status
-- is the run's (audit.run.status), read here and nowhere else on this path.
CREATE FUNCTION audit._report_run(p_run_id bigint, p_raise boolean, p_caller text, p_request_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_run      audit.run;
    v_message  text;
BEGIN
    SELECT * INTO v_run FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_run.status OPERATOR(pg_catalog.=) 'certified' THEN
        RAISE NOTICE '%', pg_catalog.format('mvcert: %s certified %s (run %s%s)%s', p_caller, v_run.target, v_run.run_id,
            COALESCE(pg_catalog.format(', request %s', p_request_id), ''),
            COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, ''));
        RETURN;
    END IF;
    v_message := pg_catalog.format('%s of %s did not end certified: run %s (%s) %s%s%s', p_caller, v_run.target,
                                   v_run.run_id, v_run.mode, v_run.status,
                                   COALESCE(pg_catalog.format(', request %s', p_request_id), ''),
                                   COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, ''));
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: %', v_message
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run and audit.step (run_id = %s), audit.certification and audit.check_result.', v_run.run_id);
    END IF;
    RAISE WARNING 'mvcert: %', v_message;
END
$$;
COMMENT ON FUNCTION audit._report_run(bigint, boolean, text, bigint) IS
  'Internal: NOTICE when a run ended certified, else an error (p_raise) or a WARNING naming the run, its status and reason.';
