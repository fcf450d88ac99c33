-- pg_cron keeps its jobs in one database per cluster (cron.database_name). mvcert's
-- schedule functions work in that database only; elsewhere this says where to go.
CREATE FUNCTION audit._require_pg_cron()
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cron_db text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF pg_catalog.to_regprocedure('cron.schedule_in_database(text,text,text,text,text,boolean)') IS NOT NULL THEN
        RETURN;
    END IF;
    IF v_cron_db IS NULL THEN
        RAISE EXCEPTION 'mvcert: pg_cron is not available in this cluster (cron.database_name is not set)'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name, restart, and CREATE EXTENSION pg_cron in that database.';
    END IF;
    RAISE EXCEPTION 'mvcert: pg_cron is not installed in database %; its jobs live in database % (cron.database_name)',
            pg_catalog.quote_ident(pg_catalog.current_database()), pg_catalog.quote_ident(v_cron_db)
        USING ERRCODE = 'feature_not_supported',
              HINT = CASE WHEN v_cron_db OPERATOR(pg_catalog.=) pg_catalog.current_database()
                          THEN 'Run CREATE EXTENSION pg_cron in this database.'
                          ELSE pg_catalog.format('Install mvcert in database %I and call audit.schedule there, or schedule '
                                 'from there with cron.schedule_in_database(..., %L).', v_cron_db, pg_catalog.current_database()) END;
END
$$;
COMMENT ON FUNCTION audit._require_pg_cron() IS
  'Internal: raises a clear error naming cron.database_name unless pg_cron is installed in this database.';
