-- Asks the circuit breaker of a materialized view whether to refresh it now:
-- 'closed' refresh normally; 'half_open' refresh once as the trial (the caller must report
-- the result with audit.breaker_record); 'open' skip it. An open breaker whose cool-down has
-- passed moves to half_open for exactly one caller: the row lock makes concurrent callers
-- queue behind the first, who see the trial already taken. A trial older than the cool-down
-- (its agent died) is given to the next caller. Call it in its own short transaction.
CREATE FUNCTION audit.breaker_permit(p_matview text, p_target text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key     text := audit._breaker_key(p_matview);
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_policy  record;
    v_b       audit.breaker;
BEGIN
    SELECT * INTO v_b FROM audit.breaker b WHERE b.matview OPERATOR(pg_catalog.=) v_key FOR UPDATE;
    IF NOT FOUND OR v_b.state OPERATOR(pg_catalog.=) 'closed' THEN
        RETURN 'closed';
    END IF;
    SELECT * INTO v_policy FROM audit._breaker_policy(v_key, p_target);
    IF v_b.state OPERATOR(pg_catalog.=) 'open'
       AND (v_b.opened_at OPERATOR(pg_catalog.+) v_policy.cool_down) OPERATOR(pg_catalog.<=) v_now
       OR v_b.state OPERATOR(pg_catalog.=) 'half_open'
       AND (v_b.trial_started_at OPERATOR(pg_catalog.+) v_policy.cool_down) OPERATOR(pg_catalog.<=) v_now THEN
        UPDATE audit.breaker b
           SET state = 'half_open', trial_started_at = v_now, updated_at = v_now
         WHERE b.matview OPERATOR(pg_catalog.=) v_key;
        RETURN 'half_open';
    END IF;
    RETURN 'open';
END
$$;
COMMENT ON FUNCTION audit.breaker_permit(text, text) IS
  'Agent: closed = refresh, half_open = refresh once as the trial, open = skip; grants at most one trial after the cool-down.';
