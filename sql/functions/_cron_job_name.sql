-- The pg_cron job name mvcert uses for a target's schedule: 'mvcert:<target>:<name>'.
-- Validates the name part and that the whole fits pg_cron's job name (a 63-byte "name"),
-- which would otherwise be cut silently and could collide with another target's job.
CREATE FUNCTION audit._cron_job_name(p_target text, p_job_name text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_job text;
BEGIN
    IF p_job_name IS NULL OR p_job_name OPERATOR(pg_catalog.!~) '^[A-Za-z0-9_.-]+$' THEN
        RAISE EXCEPTION 'mvcert: invalid job name %', pg_catalog.quote_nullable(p_job_name)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use letters, digits, ''_'', ''.'' and ''-'' only, e.g. ''daily'' or ''intraday''.';
    END IF;
    v_job := pg_catalog.format('mvcert:%s:%s', p_target, p_job_name);
    IF pg_catalog.octet_length(v_job) OPERATOR(pg_catalog.>) 63 THEN
        RAISE EXCEPTION 'mvcert: pg_cron job name % is longer than 63 bytes', pg_catalog.quote_literal(v_job)
            USING ERRCODE = 'name_too_long', HINT = 'Choose a shorter job name.';
    END IF;
    RETURN v_job;
END
$$;
COMMENT ON FUNCTION audit._cron_job_name(text, text) IS
  'Internal: the pg_cron job name ''mvcert:<target>:<name>'' for a target''s schedule, validated.';
