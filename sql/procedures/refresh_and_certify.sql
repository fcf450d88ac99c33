-- Refreshes a target's closure and certifies it, from psql or pg_cron:
--   CALL audit.refresh_and_certify('ml.features_v', true);
-- Where the Java engine is deployed in-database (PL/Java) the work runs in this session;
-- otherwise it is handed to a running agent through the queue and this waits for the result
-- (committing while it waits; call it outside a transaction block). With p_raise (default)
-- it raises an error unless the target ends certified; with false it only warns. p_mode NULL
-- (default): the target's run_mode (audit.target).
CREATE PROCEDURE audit.refresh_and_certify(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_mode     text     DEFAULT NULL,
    p_timeout  interval DEFAULT interval '30 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
BEGIN
    PERFORM audit._require_view(p_target);
    IF p_mode IS NOT NULL THEN
        PERFORM audit._require_mode(p_mode, ARRAY['incremental', 'atomic']);
    END IF;
    CALL audit._run_and_report(p_target, p_mode, p_raise, p_timeout, 'audit.refresh_and_certify');
END
$$;
COMMENT ON PROCEDURE audit.refresh_and_certify(regclass, boolean, text, interval) IS
  'Refreshes (mode incremental or atomic; NULL: the target''s run_mode) and certifies a target, in-database with PL/Java or through an agent; raises unless certified when p_raise.';
