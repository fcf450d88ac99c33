-- Takes the per-view refresh lock for the rest of the current transaction without waiting:
-- true when this session now holds it, false when another session does. For SQL and
-- pg_cron refresh scripts, so they exclude each other and the engine the same way:
--   BEGIN; SELECT audit.try_refresh_lock('ml.x_mv'); REFRESH ...; COMMIT;
CREATE FUNCTION audit.try_refresh_lock(p_matview regclass)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: matview must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view, e.g. ''ml.x_mv''::regclass.';
    END IF;
    RETURN pg_catalog.pg_try_advisory_xact_lock(audit.refresh_lock_key(p_matview));
END
$$;
COMMENT ON FUNCTION audit.try_refresh_lock(regclass) IS
  'Takes the refresh lock of a materialized view until the end of the transaction, without waiting; false if another session holds it.';
