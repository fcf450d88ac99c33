-- The queue path of the SQL entry points: queue a request, COMMIT so an agent can see and
-- claim it, then poll (COMMIT between polls, so this session holds no snapshot while it
-- waits) until the request ends, and report the outcome: an error when p_raise (the default)
-- and the run did not end certified, a WARNING otherwise. Refuses at once, changing nothing,
-- when no agent is alive, and stops waiting when the agents go away or p_timeout passes.
-- Must be called outside an explicit transaction block (it commits).
CREATE PROCEDURE audit._request_and_wait(
    p_target   regclass,
    p_mode     text,
    p_raise    boolean,
    p_timeout  interval,
    p_caller   text)
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
DECLARE
    v_target     text := audit._require_view(p_target);
    v_mode       text := audit._require_mode(p_mode, ARRAY['incremental', 'atomic', 'certify']);
    v_agent_gap  constant interval := interval '30 seconds';
    v_deadline   timestamptz;
    v_request    bigint;
    v_row        audit.run_request;
    v_message    text;
BEGIN
    IF p_raise IS NULL THEN
        RAISE EXCEPTION 'mvcert: p_raise must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'true raises an error when the run does not end certified; false only warns.';
    END IF;
    IF p_timeout IS NULL OR p_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: timeout must be positive, got %', pg_catalog.quote_nullable(p_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''30 minutes''';
    END IF;
    -- Fail here, before anything changes, when called inside a transaction block (PostgreSQL
    -- then reports "invalid transaction termination"): the request must be committed for an
    -- agent to see it. No reliable test for a transaction block exists in PL/pgSQL.
    COMMIT;
    IF audit._live_agent_count(v_agent_gap) OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'mvcert: no mvcert agent is running for database %: start `mvcert serve`',
                pg_catalog.quote_ident(pg_catalog.current_database())
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('%s hands the work to an agent (no agent seen in the last %s; see audit.agent). '
                         'Start one: java -jar mvcert.jar serve --jdbc-url jdbc:postgresql://<host>/%s',
                         p_caller, v_agent_gap, pg_catalog.current_database());
    END IF;

    v_request := audit.request_run(p_target, v_mode, pg_catalog.format('%s by %s', p_caller, SESSION_USER));
    v_deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) p_timeout;
    RAISE NOTICE 'mvcert: queued request % (% of %); waiting up to % for an agent', v_request, v_mode, v_target, p_timeout;
    COMMIT;

    LOOP
        SELECT * INTO v_row FROM audit.run_request r WHERE r.request_id OPERATOR(pg_catalog.=) v_request;
        EXIT WHEN v_row.status OPERATOR(pg_catalog.<>) ALL (ARRAY['queued', 'claimed']);
        IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>) v_deadline THEN
            RAISE EXCEPTION 'mvcert: timed out after % waiting for request % (% of %), which is still %',
                    p_timeout, v_request, v_mode, v_target, v_row.status
                USING ERRCODE = 'query_canceled',
                      HINT = pg_catalog.format('The request stays in the queue and an agent may still run it: see '
                             'audit.run_request where request_id = %s. Pass a longer p_timeout to wait longer.', v_request);
        END IF;
        IF audit._live_agent_count(v_agent_gap) OPERATOR(pg_catalog.=) 0 THEN
            RAISE EXCEPTION 'mvcert: no mvcert agent is running for database % any more; request % is still %',
                    pg_catalog.quote_ident(pg_catalog.current_database()), v_request, v_row.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Start `mvcert serve`; it will pick the request up (see audit.run_request).';
        END IF;
        PERFORM pg_catalog.pg_sleep(0.2);
        COMMIT;
    END LOOP;

    -- request_run returns the queued request an equal request was coalesced into, so v_row is
    -- the request that actually ran.
    IF v_row.status OPERATOR(pg_catalog.=) 'done' AND v_row.certified THEN
        RAISE NOTICE 'mvcert: % certified (request %, run %)%', v_target, v_request, v_row.run_id,
            coalesce(': ' OPERATOR(pg_catalog.||) v_row.outcome, '');
        RETURN;
    END IF;
    v_message := pg_catalog.format('%s of %s did not end certified: request %s %s%s%s',
                    p_caller, v_target, v_request, v_row.status,
                    CASE WHEN v_row.run_id IS NOT NULL THEN pg_catalog.format(' (run %s)', v_row.run_id) ELSE '' END,
                    coalesce(': ' OPERATOR(pg_catalog.||) v_row.outcome, ''));
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: %', v_message
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run_request (request_id = %s) and audit.run / audit.step for the run.', v_request);
    END IF;
    RAISE WARNING 'mvcert: %', v_message;
END
$$;
COMMENT ON PROCEDURE audit._request_and_wait(regclass, text, boolean, interval, text) IS
  'Internal: queues a request, commits, and waits (committing between polls) for an agent to finish it; raises or warns unless certified.';
