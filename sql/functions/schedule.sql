-- Schedules runs of a target with pg_cron: a named job 'mvcert:<target>:<name>' (name
-- defaults to the mode). p_mode NULL: the target's run_mode. Where the job's run happens
-- (p_executor):
--   agent        the job queues a request (SELECT audit.request_run(...)): coalesced rather than
--                stacked, run by a serving agent;
--   in_database  the job runs the refresh and certification itself in its pg_cron session
--                (CALL audit.refresh_and_certify / audit.run_certification) through the Java
--                engine deployed under PL/Java; refused when it is not deployed;
--   auto         (default) in_database where the Java engine is deployed now, else agent.
-- Scheduling the same target and name again replaces the job. Returns the pg_cron job id.
-- An invalid cron expression is refused with the expression named, before anything changes.
CREATE FUNCTION audit.schedule(
    p_target    regclass,
    p_cron      text,
    p_mode      text DEFAULT NULL,
    p_job_name  text DEFAULT NULL,
    p_executor  text DEFAULT 'auto')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)),
                                           ARRAY['incremental', 'atomic', 'certify']);
    v_job      text := audit._cron_job_name(v_target, coalesce(p_job_name, v_mode));
    v_executor text := audit._require_mode(p_executor, ARRAY['auto', 'agent', 'in_database'], 'executor');
    v_hint     constant text := 'Use five fields (minute hour day-of-month month day-of-week), e.g. ''0 2 * * *'' '
                                 'for daily at 02:00, or @hourly / @daily / @weekly / @monthly.';
    v_fields   text[];
    v_command  text;
    v_job_id   bigint;
BEGIN
    IF p_cron IS NULL THEN
        RAISE EXCEPTION 'mvcert: cron expression must not be NULL' USING ERRCODE = 'null_value_not_allowed', HINT = v_hint;
    END IF;
    -- pg_cron accepts some malformed expressions (extra fields are ignored): check the shape first.
    v_fields := pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_cron), '\s+');
    IF NOT (pg_catalog.array_length(v_fields, 1) OPERATOR(pg_catalog.=) 5
            AND pg_catalog.array_to_string(v_fields, ' ') OPERATOR(pg_catalog.~) '^[0-9A-Za-z*,/ -]+$'
            OR pg_catalog.btrim(p_cron) OPERATOR(pg_catalog.~) '^@(yearly|annually|monthly|weekly|daily|hourly|reboot)$') THEN
        RAISE EXCEPTION 'mvcert: invalid cron expression %', pg_catalog.quote_literal(p_cron)
            USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
    END IF;
    PERFORM audit._require_pg_cron();
    IF v_executor OPERATOR(pg_catalog.=) 'auto' THEN
        v_executor := CASE WHEN audit._pljava_available() THEN 'in_database' ELSE 'agent' END;
    ELSIF v_executor OPERATOR(pg_catalog.=) 'in_database' AND NOT audit._pljava_available() THEN
        RAISE EXCEPTION 'mvcert: cannot schedule % in-database: the Java engine is not deployed in database %',
                v_target, pg_catalog.quote_ident(pg_catalog.current_database())
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Deploy it with install/pljava.sh (needs PL/Java on the server), or schedule with p_executor => ''agent'' and run `mvcert serve`.';
    END IF;

    v_command := CASE
        WHEN v_executor OPERATOR(pg_catalog.=) 'agent'
            THEN pg_catalog.format('SELECT audit.request_run(%L, %L, %L)', v_target, v_mode, 'pg_cron job ' OPERATOR(pg_catalog.||) v_job)
        WHEN v_mode OPERATOR(pg_catalog.=) 'certify'
            THEN pg_catalog.format('CALL audit.run_certification(%L)', v_target)
        ELSE pg_catalog.format('CALL audit.refresh_and_certify(%L, true, %L)', v_target, v_mode)
    END;
    BEGIN
        -- dynamic: pg_cron is optional, so this function must not depend on its objects
        EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
           INTO v_job_id USING v_job, pg_catalog.btrim(p_cron), v_command, pg_catalog.current_database();
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'mvcert: invalid cron expression %', pg_catalog.quote_literal(p_cron)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = SQLERRM, HINT = v_hint;
    END;
    RETURN v_job_id;
END
$$;
COMMENT ON FUNCTION audit.schedule(regclass, text, text, text, text) IS
  'Admin: creates or replaces the pg_cron job ''mvcert:<target>:<name>'' that runs the target in-database (PL/Java) or queues it for an agent; returns the job id.';
