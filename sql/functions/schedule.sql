-- Schedules runs of a target with pg_cron: a named job 'mvcert:<target>:<name>' (name
-- defaults to the mode) whose command is SELECT audit.request_run(...), so scheduled runs go
-- through the queue, are coalesced rather than stacked, and are run by an agent. Scheduling
-- the same target and name again replaces the job's schedule. Returns the pg_cron job id.
-- An invalid cron expression is refused with the expression named, before anything changes.
CREATE FUNCTION audit.schedule(
    p_target    regclass,
    p_cron      text,
    p_mode      text DEFAULT 'incremental',
    p_job_name  text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(p_mode, ARRAY['incremental', 'atomic', 'certify']);
    v_job      text := audit._cron_job_name(v_target, coalesce(p_job_name, v_mode));
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

    v_command := pg_catalog.format('SELECT audit.request_run(%L, %L, %L)', v_target, v_mode, 'pg_cron job ' || v_job);
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
COMMENT ON FUNCTION audit.schedule(regclass, text, text, text) IS
  'Admin: creates or replaces the pg_cron job ''mvcert:<target>:<name>'' that queues runs of the target (SELECT audit.request_run(...)); returns the job id.';
