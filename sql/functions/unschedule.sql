-- Removes a target's pg_cron job made by audit.schedule: the one named p_job_name, or with
-- p_job_name NULL every mvcert job of the target. Returns how many jobs were removed. Naming
-- a job that does not exist is an error (nothing changes), so typos do not pass silently.
CREATE FUNCTION audit.unschedule(p_target regclass, p_job_name text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target  text := audit._require_view(p_target);
    v_job     text;
    v_prefix  text := pg_catalog.format('mvcert:%s:', v_target);
    v_ids     bigint[];
    v_id      bigint;
BEGIN
    IF p_job_name IS NOT NULL THEN
        v_job := audit._cron_job_name(v_target, p_job_name);
    END IF;
    PERFORM audit._require_pg_cron();
    EXECUTE 'SELECT pg_catalog.array_agg(j.jobid ORDER BY j.jobid) FROM cron.job j
              WHERE CASE WHEN $1 IS NULL
                         THEN pg_catalog.left(j.jobname::text, pg_catalog.length($2)) OPERATOR(pg_catalog.=) $2
                         ELSE j.jobname::text OPERATOR(pg_catalog.=) $1 END'
       INTO v_ids USING v_job, v_prefix;
    IF v_ids IS NULL AND v_job IS NOT NULL THEN
        RAISE EXCEPTION 'mvcert: no pg_cron job named % for %', pg_catalog.quote_literal(v_job), v_target
            USING ERRCODE = 'no_data_found',
                  HINT = 'SELECT jobname FROM cron.job WHERE jobname LIKE ''mvcert:%'' lists the jobs.';
    END IF;
    FOREACH v_id IN ARRAY coalesce(v_ids, '{}') LOOP
        EXECUTE 'SELECT cron.unschedule($1::bigint)' USING v_id;
    END LOOP;
    RETURN coalesce(pg_catalog.array_length(v_ids, 1), 0);
END
$$;
COMMENT ON FUNCTION audit.unschedule(regclass, text) IS
  'Admin: removes the target''s pg_cron job of that name, or all its mvcert jobs when the name is NULL; returns how many.';
