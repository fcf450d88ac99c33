-- Closes a materialized view's circuit breaker by hand (after the cause was fixed), recording
-- who did it and when. The next run refreshes the view normally.
CREATE FUNCTION audit.reset_breaker(p_matview regclass)
RETURNS audit.breaker
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key  text;
    v_now  timestamptz := pg_catalog.clock_timestamp();
    v_row  audit.breaker;
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: matview must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view, e.g. ''ml.features_mv''::regclass.';
    END IF;
    v_key := audit._breaker_key(p_matview::oid::regclass::text);
    INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, reset_at, reset_by, updated_at)
    VALUES (v_key, 'closed', 0, v_now, SESSION_USER, v_now)
    ON CONFLICT (matview) DO UPDATE SET
        state = 'closed', consecutive_failures = 0, opened_at = NULL, trial_started_at = NULL,
        reset_at = v_now, reset_by = SESSION_USER, updated_at = v_now
    RETURNING b.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.reset_breaker(regclass) IS
  'Operator: closes a materialized view''s circuit breaker and clears its failure count (recorded: reset_at, reset_by).';
