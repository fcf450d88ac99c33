-- The change-detection event triggers as they are now (name, oid, the transaction that last
-- created or altered each, enabled state), or NULL when change detection is off. Recorded at
-- each passing certification: while it is unchanged, the triggers have caught every REFRESH
-- and DDL of the closure since (they were not disabled and re-enabled, dropped or re-created
-- in between), so the registry status alone says whether a closure view was refreshed.
CREATE FUNCTION audit._change_detection_state()
RETURNS text
LANGUAGE sql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN audit.change_detection() THEN
               pg_catalog.string_agg(pg_catalog.format('%s:%s:%s:%s', e.evtname, e.oid, e.xmin, e.evtenabled),
                                     ',' ORDER BY e.evtname)
           END
      FROM pg_catalog.pg_event_trigger e
     WHERE e.evtname OPERATOR(pg_catalog.=) ANY (ARRAY['mvcert_closure_ddl', 'mvcert_closure_drop'])
$$;
COMMENT ON FUNCTION audit._change_detection_state() IS
  'Internal: identity and state of the change-detection triggers (NULL when off); the strict gate relies on the registry for row changes while it equals the value recorded at certification.';
