-- An agent takes the oldest queued request it may run: at most one row, locked with
-- FOR UPDATE SKIP LOCKED so concurrent agents never take the same request, and never one
-- whose target is busy (a live running run, i.e. running with a heartbeat within its lease,
-- or another claimed request). A transaction-scoped advisory lock per target closes the
-- window in which two agents could each claim a different request of the same target.
-- The claim is visible to others when the agent commits.
CREATE FUNCTION audit.claim_request(p_agent text)
RETURNS SETOF audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_candidate  record;
    v_claimed    audit.run_request;
BEGIN
    IF p_agent IS NULL OR pg_catalog.btrim(p_agent) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: agent name must not be empty, got %', pg_catalog.quote_nullable(p_agent)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the agent''s name, e.g. ''host-1:4242''.';
    END IF;
    FOR v_candidate IN
        SELECT r.request_id, r.target
          FROM audit.run_request r
         WHERE r.status OPERATOR(pg_catalog.=) 'queued'
         ORDER BY r.requested_at, r.request_id
    LOOP
        -- Another agent is deciding about this target right now: leave it to that agent.
        CONTINUE WHEN NOT pg_catalog.pg_try_advisory_xact_lock(
            pg_catalog.hashtext('mvcert:claim'), pg_catalog.hashtext(v_candidate.target));
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM audit.run x
             WHERE x.target OPERATOR(pg_catalog.=) v_candidate.target
               AND x.status OPERATOR(pg_catalog.=) 'running'
               AND (x.heartbeat_at OPERATOR(pg_catalog.+) x.lease) OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp());
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM audit.run_request c
             WHERE c.target OPERATOR(pg_catalog.=) v_candidate.target
               AND c.status OPERATOR(pg_catalog.=) 'claimed');
        UPDATE audit.run_request r
           SET status = 'claimed', claimed_by = p_agent, claimed_at = pg_catalog.clock_timestamp()
         WHERE r.request_id OPERATOR(pg_catalog.=) (
                 SELECT q.request_id FROM audit.run_request q
                  WHERE q.request_id OPERATOR(pg_catalog.=) v_candidate.request_id
                    AND q.status OPERATOR(pg_catalog.=) 'queued'
                    FOR UPDATE SKIP LOCKED)
        RETURNING r.* INTO v_claimed;
        IF v_claimed.request_id IS NOT NULL THEN
            RETURN NEXT v_claimed;
            RETURN;
        END IF;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION audit.claim_request(text) IS
  'Agent: claims the oldest queued request whose target has no live run or other claim (FOR UPDATE SKIP LOCKED); returns it, or no row.';
