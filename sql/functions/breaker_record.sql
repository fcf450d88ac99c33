-- Records the result of a run's refresh of a materialized view (after its retries) in the
-- view's circuit breaker: success closes it and clears the failure count; a failure counts,
-- opens the breaker at the threshold, and re-opens it when a half-open trial fails.
-- Returns the new state.
CREATE FUNCTION audit.breaker_record(
    p_matview    text,
    p_succeeded  boolean,
    p_error      text DEFAULT NULL,
    p_target     text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key     text := audit._breaker_key(p_matview);
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_policy  record;
    v_state   text;
BEGIN
    IF p_succeeded IS NULL THEN
        RAISE EXCEPTION 'mvcert: succeeded must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass true when the refresh succeeded, false when it failed.';
    END IF;
    SELECT * INTO v_policy FROM audit._breaker_policy(v_key, p_target);
    IF p_succeeded THEN
        INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, last_success_at, updated_at)
        VALUES (v_key, 'closed', 0, v_now, v_now)
        ON CONFLICT (matview) DO UPDATE SET
            state = 'closed', consecutive_failures = 0, opened_at = NULL, trial_started_at = NULL,
            last_success_at = v_now, updated_at = v_now
        RETURNING b.state INTO v_state;
    ELSE
        INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, opened_at,
                                        last_failure_at, last_error, updated_at)
        VALUES (v_key,
                CASE WHEN v_policy.failure_threshold OPERATOR(pg_catalog.<=) 1 THEN 'open' ELSE 'closed' END,
                1,
                CASE WHEN v_policy.failure_threshold OPERATOR(pg_catalog.<=) 1 THEN v_now END,
                v_now, p_error, v_now)
        ON CONFLICT (matview) DO UPDATE SET
            consecutive_failures = b.consecutive_failures OPERATOR(pg_catalog.+) 1,
            state = CASE WHEN b.state OPERATOR(pg_catalog.<>) 'closed'
                           OR (b.consecutive_failures OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.>=) v_policy.failure_threshold
                         THEN 'open' ELSE 'closed' END,
            -- a failed trial restarts the cool-down; an already open breaker keeps its time
            opened_at = CASE WHEN b.state OPERATOR(pg_catalog.=) 'open' THEN b.opened_at
                             WHEN b.state OPERATOR(pg_catalog.=) 'half_open'
                               OR (b.consecutive_failures OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.>=) v_policy.failure_threshold
                             THEN v_now END,
            trial_started_at = NULL,
            last_failure_at = v_now, last_error = p_error, updated_at = v_now
        RETURNING b.state INTO v_state;
    END IF;
    RETURN v_state;
END
$$;
COMMENT ON FUNCTION audit.breaker_record(text, boolean, text, text) IS
  'Agent: records a view''s refresh result in its breaker (success closes; failures open it at the threshold); returns the new state.';
