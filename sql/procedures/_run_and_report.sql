-- The one path behind CALL audit.refresh_and_certify and CALL audit.run_certification (and
-- the pg_cron jobs that use them). Where the Java engine is deployed in-database (PL/Java) the
-- run happens in this session; otherwise it is queued for an agent and this waits for it,
-- committing between polls so the session holds no snapshot while it waits, and refusing at
-- once, changing nothing, when no agent is alive. Either way the run is reported by
-- audit._report_run: an error unless certified when p_raise, a WARNING otherwise. Commits, so
-- it must be called outside an explicit transaction block.
CREATE PROCEDURE audit._run_and_report(
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
    v_mode       text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)),
                                             ARRAY['incremental', 'atomic', 'certify']);
    v_agent_gap  constant interval := interval '30 seconds';
    v_deadline   timestamptz;
    v_request    bigint;
    v_row        audit.run_request;
    v_run        bigint;
BEGIN
    IF p_raise IS NULL THEN
        RAISE EXCEPTION 'mvcert: p_raise must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'true raises an error when the run does not end certified; false only warns.';
    END IF;
    IF p_timeout IS NULL OR p_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: timeout must be positive, got %', pg_catalog.quote_nullable(p_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''30 minutes''';
    END IF;
    IF audit._pljava_available() THEN
        -- In this session, through the Java engine. COMMIT before reporting, so the history
        -- and a FAILED status are kept when the report raises (an atomic run that did not
        -- certify has already undone its refreshes). An assignment, not EXECUTE or SELECT
        -- INTO: PL/pgSQL evaluates it as a simple expression, the one way a Java function
        -- may be called from a procedure that later commits (as a statement, PL/Java's
        -- snapshot bookkeeping and the procedure's non-atomic execution collide).
        v_run := audit._run_in_database(p_target, v_mode, p_raise);
        COMMIT;
        PERFORM audit._report_run(v_run, p_raise, p_caller);
        RETURN;
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
    -- the request that actually ran, and its run points at it.
    SELECT r.run_id INTO v_run FROM audit.run r
     WHERE r.request_id OPERATOR(pg_catalog.=) v_request ORDER BY r.run_id DESC LIMIT 1;
    IF v_run IS NOT NULL THEN
        PERFORM audit._report_run(v_run, p_raise, p_caller, v_request);
        RETURN;
    END IF;
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: % of % did not run: request % %: %', p_caller, v_target, v_request, v_row.status, v_row.outcome
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run_request (request_id = %s).', v_request);
    END IF;
    RAISE WARNING 'mvcert: % of % did not run: request % %: %', p_caller, v_target, v_request, v_row.status, v_row.outcome;
END
$$;
COMMENT ON PROCEDURE audit._run_and_report(regclass, text, boolean, interval, text) IS
  'Internal: runs a target in-database (PL/Java) or through an agent (queue, waiting, committing between polls) and reports the run; raises or warns unless certified.';
