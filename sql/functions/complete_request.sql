-- An agent records that it is done with a claimed request. The request's outcome is the run
-- that served it (the run points at the request, audit.run.request_id): its status and reason
-- become the request's. With no run (the agent could not start one), p_error says why and the
-- request ends 'error'. Only the claimed request can be completed, once; a second completion
-- is an error, so an agent whose claim was reaped learns that its result was not recorded as
-- the request's outcome. The one place where a request's status is derived.
CREATE FUNCTION audit.complete_request(p_request_id bigint, p_error text DEFAULT NULL)
RETURNS audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row     audit.run_request;
    v_run     audit.run;
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
        RAISE EXCEPTION 'mvcert: request % is %, not claimed: it cannot be completed', p_request_id, v_row.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a request returned by audit.claim_request and not yet completed or reaped can be completed.';
    END IF;
    SELECT * INTO v_run FROM audit.run r
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
     ORDER BY r.run_id DESC LIMIT 1;
    IF v_run.run_id IS NOT NULL AND v_run.status OPERATOR(pg_catalog.=) 'running' THEN
        RAISE EXCEPTION 'mvcert: request % cannot be completed while its run % is still running', p_request_id, v_run.run_id
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Finish the run first (audit.finish_run).';
    END IF;
    IF v_run.run_id IS NULL AND (p_error IS NULL OR pg_catalog.btrim(p_error) OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'mvcert: request % has no run; say why it could not run (p_error)', p_request_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE audit.run_request r
       SET status = COALESCE(v_run.status, 'error'),
           outcome = CASE WHEN v_run.run_id IS NULL THEN p_error
                          ELSE pg_catalog.format('run %s %s%s', v_run.run_id, v_run.status,
                                                 COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, '')) END,
           finished_at = pg_catalog.clock_timestamp()
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
    RETURNING r.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.complete_request(bigint, text) IS
  'Agent: ends a claimed request with the outcome of the run that served it (or error, with the reason, when no run started).';
