-- Whether changes made outside mvcert (a REFRESH by hand, CREATE OR REPLACE VIEW, DROP, ...)
-- to objects of certified closures are caught in the changing transaction: true when both
-- event triggers of audit.enable_change_detection exist and are enabled. Where false, only
-- mvcert's own runs move targets out of CERTIFIED; readers should use
-- audit.require_certified_strict, which compares the closure with what certification saw.
CREATE FUNCTION audit.change_detection()
RETURNS boolean
LANGUAGE sql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) 2
      FROM pg_catalog.pg_event_trigger e
     WHERE e.evtname OPERATOR(pg_catalog.=) ANY (ARRAY['mvcert_closure_ddl', 'mvcert_closure_drop'])
       AND e.evtenabled OPERATOR(pg_catalog.<>) 'D'
$$;
COMMENT ON FUNCTION audit.change_detection() IS
  'True when REFRESH and DDL outside mvcert on objects of certified closures are caught (event triggers installed and enabled); else use require_certified_strict.';
