-- Event trigger (sql_drop): dropping an object of a certified closure (a view, materialized
-- view, function, table or one of the closure's indexes) moves its targets out of CERTIFIED
-- in the dropping transaction.
CREATE FUNCTION audit._on_closure_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_obj record;
BEGIN
    FOR v_obj IN SELECT d.classid, d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d LOOP
        PERFORM audit._invalidate(v_obj.classid, v_obj.objid, TG_TAG);
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit._on_closure_drop() IS
  'Internal (event trigger mvcert_closure_drop): dropping an object of a certified closure moves its targets to STALE in the same transaction.';
