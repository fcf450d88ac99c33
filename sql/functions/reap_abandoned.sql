-- Marks the work of dead executors as abandoned so its targets can run again: running runs
-- whose heartbeat is older than their lease become 'abandoned' (with the reason), as do
-- their running steps and the requests they served; claimed requests that never got a run
-- are abandoned once their agent has been silent for p_claim_timeout; claimed requests whose
-- run has ended are closed with the run's outcome. Returns how many runs and claims it
-- marked. Safe to call from every agent at once.
CREATE FUNCTION audit.reap_abandoned(p_claim_timeout interval DEFAULT interval '2 minutes')
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_runs    integer;
    v_claims  integer;
    v_silent  integer;
BEGIN
    IF p_claim_timeout IS NULL OR p_claim_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: claim timeout must be positive, got %', pg_catalog.quote_nullable(p_claim_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''2 minutes''';
    END IF;

    WITH dead AS (
        UPDATE audit.run r
           SET status = 'abandoned', finished_at = v_now,
               reason = pg_catalog.format('abandoned: executor %s sent no heartbeat since %s (lease %s)',
                                          r.executor, r.heartbeat_at, r.lease)
         WHERE r.status OPERATOR(pg_catalog.=) 'running'
           AND (r.heartbeat_at OPERATOR(pg_catalog.+) r.lease) OPERATOR(pg_catalog.<) v_now
        RETURNING r.run_id, r.request_id, r.reason
    ), steps AS (
        UPDATE audit.step s
           SET status = 'abandoned', finished_at = v_now, error_message = dead.reason
          FROM dead
         WHERE s.run_id OPERATOR(pg_catalog.=) dead.run_id
           AND s.status OPERATOR(pg_catalog.=) 'running'
        RETURNING s.step_id
    ), requests AS (
        UPDATE audit.run_request q
           SET status = 'abandoned', finished_at = v_now,
               outcome = pg_catalog.format('run %s %s', dead.run_id, dead.reason)
          FROM dead
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND q.request_id OPERATOR(pg_catalog.=) dead.request_id
        RETURNING q.request_id
    )
    SELECT pg_catalog.count(*)::integer INTO v_runs FROM dead;
    -- Claims whose run ended but whose request was never completed (the agent lost its
    -- connection, or the server its last commit, between the two): the run's end is the
    -- request's. Left for p_claim_timeout after the run's end so a live agent completes it.
    WITH ended AS (
        UPDATE audit.run_request q
           SET status = r.status, finished_at = v_now,
               outcome = pg_catalog.format('closed by the reaper: run %s ended %s at %s, the request was never completed',
                                           r.run_id, r.status, r.finished_at)
          FROM audit.run r
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND r.request_id OPERATOR(pg_catalog.=) q.request_id
           AND r.status OPERATOR(pg_catalog.<>) 'running'
           AND r.finished_at OPERATOR(pg_catalog.<) (v_now OPERATOR(pg_catalog.-) p_claim_timeout)
           AND NOT EXISTS (SELECT 1 FROM audit.run live
                            WHERE live.status OPERATOR(pg_catalog.=) 'running'
                              AND live.request_id OPERATOR(pg_catalog.=) q.request_id)
        RETURNING q.request_id
    )
    SELECT pg_catalog.count(*)::integer INTO v_claims FROM ended;
    -- Claims whose agent died before starting a run: no run row points at them.
    UPDATE audit.run_request q
       SET status = 'abandoned', finished_at = v_now,
           outcome = pg_catalog.format('abandoned: agent %s claimed it at %s and went silent', q.claimed_by, q.claimed_at)
     WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
       AND q.claimed_at OPERATOR(pg_catalog.<) (v_now OPERATOR(pg_catalog.-) p_claim_timeout)
       AND NOT EXISTS (SELECT 1 FROM audit.run r
                        WHERE r.status OPERATOR(pg_catalog.=) 'running'
                          AND r.request_id OPERATOR(pg_catalog.=) q.request_id)
       AND NOT EXISTS (SELECT 1 FROM audit.agent a
                        WHERE a.name OPERATOR(pg_catalog.=) q.claimed_by
                          AND a.stopped_at IS NULL
                          AND a.last_seen_at OPERATOR(pg_catalog.>=) (v_now OPERATOR(pg_catalog.-) p_claim_timeout));
    GET DIAGNOSTICS v_silent = ROW_COUNT;
    RETURN v_runs OPERATOR(pg_catalog.+) v_claims OPERATOR(pg_catalog.+) v_silent;
END
$$;
COMMENT ON FUNCTION audit.reap_abandoned(interval) IS
  'Agent: marks runs past their lease (and their running steps and claimed requests) abandoned, and claims of silent agents; returns how many runs and claims.';
