-- Queues a run of a target for an agent (pg_cron's scheduled jobs call this). If an equal
-- request (same target and mode) is already queued, the new one is recorded as 'coalesced'
-- into it and the queued request's id is returned: requests never stack up behind a slow
-- run, and every request is still accounted for. A new queued request is announced with
-- NOTIFY mvcert_requests (payload: the request id), delivered when the caller commits.
CREATE FUNCTION audit.request_run(
    p_target    regclass,
    p_mode      text DEFAULT NULL,
    p_reason    text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)), ARRAY['incremental', 'atomic', 'certify']);
    v_request  bigint;
    v_queued   bigint;
BEGIN
    -- Two tries cover the race where the queued request is claimed between our INSERT and
    -- our look-up; a third conflict would need a claim per millisecond.
    FOR v_try IN 1..3 LOOP
        INSERT INTO audit.run_request (target, mode, requested_by, reason)
        VALUES (v_target, v_mode, SESSION_USER, p_reason)
        ON CONFLICT (target, mode) WHERE status OPERATOR(pg_catalog.=) 'queued' DO NOTHING
        RETURNING request_id INTO v_request;
        IF v_request IS NOT NULL THEN
            PERFORM pg_catalog.pg_notify('mvcert_requests', v_request::text);
            RETURN v_request;
        END IF;

        SELECT r.request_id INTO v_queued
          FROM audit.run_request r
         WHERE r.target OPERATOR(pg_catalog.=) v_target
           AND r.mode OPERATOR(pg_catalog.=) v_mode
           AND r.status OPERATOR(pg_catalog.=) 'queued';
        IF v_queued IS NOT NULL THEN
            INSERT INTO audit.run_request (target, mode, requested_by, reason, status, coalesced_into,
                                           finished_at, outcome)
            VALUES (v_target, v_mode, SESSION_USER, p_reason, 'coalesced', v_queued,
                    pg_catalog.clock_timestamp(),
                    pg_catalog.format('coalesced into queued request %s for the same target and mode', v_queued));
            RETURN v_queued;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'mvcert: could not queue a run of % (mode %): the queue changed too often', v_target, v_mode
        USING ERRCODE = 'serialization_failure', HINT = 'Retry the call.';
END
$$;
COMMENT ON FUNCTION audit.request_run(regclass, text, text) IS
  'Queues a run (mode incremental, atomic or certify) of a target for an agent and notifies mvcert_requests; coalesces with an equal queued request and returns its id.';
