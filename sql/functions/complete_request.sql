-- An agent records how a claimed request ended: done (ran; certified says whether the target
-- ended certified), failed, skipped (with the reason in p_outcome) or abandoned. Only the
-- claimed request can be completed, once; a second completion is an error, so an agent whose
-- claim was reaped learns that its result was not recorded as the request's outcome.
CREATE FUNCTION audit.complete_request(
    p_request_id  bigint,
    p_status      text,
    p_run_id      bigint DEFAULT NULL,
    p_outcome     text DEFAULT NULL,
    p_certified   boolean DEFAULT NULL)
RETURNS audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_status  text := audit._require_mode(p_status, ARRAY['done', 'failed', 'skipped', 'abandoned'], 'status');
    v_row     audit.run_request;
BEGIN
    IF p_request_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: request_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_row FROM audit.run_request r
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: request % does not exist', p_request_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.run_request.';
    END IF;
    IF v_row.status OPERATOR(pg_catalog.<>) 'claimed' THEN
        RAISE EXCEPTION 'mvcert: request % is %, not claimed: it cannot be completed as %',
                p_request_id, v_row.status, v_status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a request returned by audit.claim_request and not yet completed or reaped can be completed.';
    END IF;
    UPDATE audit.run_request r
       SET status = v_status, run_id = coalesce(p_run_id, r.run_id), outcome = p_outcome,
           certified = p_certified, finished_at = pg_catalog.clock_timestamp()
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
    RETURNING r.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.complete_request(bigint, text, bigint, text, boolean) IS
  'Agent: records the end of a claimed request (done, failed, skipped, abandoned) with its run, outcome and certification.';
