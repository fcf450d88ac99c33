-- Refreshes a target's closure and certifies it, from psql or pg_cron:
--   CALL audit.refresh_and_certify('ml.features_v', true);
-- Where the Java engine is deployed in-database (PL/Java) the work runs in this session;
-- otherwise it is handed to a running agent through the queue and this waits for the result
-- (committing while it waits; call it outside a transaction block). With p_raise (default)
-- it raises an error unless the target ends certified; with false it only warns.
CREATE PROCEDURE audit.refresh_and_certify(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_mode     text     DEFAULT 'incremental',
    p_timeout  interval DEFAULT interval '30 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
DECLARE
    v_outcome  text;
BEGIN
    PERFORM audit._require_view(p_target);
    PERFORM audit._require_mode(p_mode, ARRAY['incremental', 'atomic']);
    IF audit._pljava_available() THEN
        -- In this session, through the Java engine. COMMIT before reporting, so the history
        -- and a FAILED status are kept when the report raises (an atomic run that did not
        -- certify has already undone its refreshes). An assignment, not EXECUTE or SELECT
        -- INTO: PL/pgSQL evaluates it as a simple expression, the one way a Java function
        -- may be called from a procedure that later commits (as a statement, PL/Java's
        -- snapshot bookkeeping and the procedure's non-atomic execution collide).
        v_outcome := audit._run_in_database(p_target, p_mode, p_raise);
        COMMIT;
        PERFORM audit._report_in_database(v_outcome, p_raise, 'audit.refresh_and_certify');
        RETURN;
    END IF;
    CALL audit._request_and_wait(p_target, p_mode, p_raise, p_timeout, 'audit.refresh_and_certify');
END
$$;
COMMENT ON PROCEDURE audit.refresh_and_certify(regclass, boolean, text, interval) IS
  'Refreshes (mode incremental or atomic) and certifies a target, in-database with PL/Java or through an agent; raises unless certified when p_raise.';
