-- Sets the circuit-breaker policy for a materialized view, a target (the views refreshed for
-- it), or, with p_scope NULL, the default for all views. NULL threshold or cool-down keep
-- the current value (or the built-in default: 3 failures, 15 minutes).
CREATE FUNCTION audit.set_breaker_policy(
    p_scope              regclass,
    p_failure_threshold  integer DEFAULT NULL,
    p_cool_down          interval DEFAULT NULL)
RETURNS audit.breaker_policy
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_scope  text := CASE WHEN p_scope IS NULL THEN '*' ELSE audit._require_view(p_scope, 'scope') END;
    v_row    audit.breaker_policy;
BEGIN
    IF p_failure_threshold OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'mvcert: failure threshold must be at least 1, got %', p_failure_threshold
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The breaker opens after this many consecutive failed runs.';
    END IF;
    IF p_cool_down OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: cool-down must be positive, got %', p_cool_down
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''15 minutes''';
    END IF;
    INSERT INTO audit.breaker_policy AS bp (scope, failure_threshold, cool_down)
    VALUES (v_scope, coalesce(p_failure_threshold, 3), coalesce(p_cool_down, interval '15 minutes'))
    ON CONFLICT (scope) DO UPDATE SET
        failure_threshold = coalesce(p_failure_threshold, bp.failure_threshold),
        cool_down         = coalesce(p_cool_down, bp.cool_down),
        updated_at        = pg_catalog.clock_timestamp(),
        updated_by        = SESSION_USER
    RETURNING bp.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.set_breaker_policy(regclass, integer, interval) IS
  'Admin: sets the breaker threshold and cool-down for a materialized view, a target, or (scope NULL) all views.';
