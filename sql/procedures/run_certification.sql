-- Certifies a target as it is now, without refreshing, from psql or pg_cron:
--   CALL audit.run_certification('ml.features_v');
-- In-database where the Java engine is deployed (PL/Java), otherwise through a running
-- agent (queue mode 'certify'), waiting for the result; call it outside a transaction block.
-- With p_raise (default) it raises an error unless the target ends certified.
CREATE PROCEDURE audit.run_certification(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_timeout  interval DEFAULT interval '10 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
BEGIN
    PERFORM audit._require_view(p_target);
    CALL audit._run_and_report(p_target, 'certify', p_raise, p_timeout, 'audit.run_certification');
END
$$;
COMMENT ON PROCEDURE audit.run_certification(regclass, boolean, interval) IS
  'Certifies a target without refreshing, in-database with PL/Java or through an agent; raises unless certified when p_raise.';
