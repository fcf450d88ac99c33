-- What in a materialized view's definition can change its result without any input
-- changing, so skip-unchanged must never skip it: volatile functions (random(),
-- clock_timestamp(), ...), time-of-query functions (now() and its kin, which are STABLE),
-- SQL value functions (CURRENT_USER, CURRENT_TIMESTAMP, ...), user functions that are not
-- IMMUTABLE and whose bodies PostgreSQL does not parse (they may read tables the
-- fingerprint cannot see), and system catalogs (pg_class, pg_settings, ...: PostgreSQL
-- records no dependency on them and their changes are not counted). CURRENT_DATE is listed
-- as exactly 'CURRENT_DATE': its value changes once a day (in the session's TimeZone), so
-- audit._input_changes puts the day and the TimeZone into the fingerprint instead of
-- refusing to skip. Looks at the view's own query and the plain views it reads,
-- not past other materialized views: those are evaluated when they are refreshed.
-- Function calls are read from the stored query trees (pg_rewrite.ev_action), since
-- pg_depend does not record calls to built-in functions.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE FUNCTION audit._volatile_calls(p_matview regclass)
RETURNS text[]
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
BEGIN
    RETURN (
    WITH RECURSIVE reads(oid) AS (
        SELECT p_matview::oid
        UNION
        SELECT d.refobjid
          FROM reads v
          JOIN pg_catalog.pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) v.oid
                                      AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
          JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                     AND d.objid OPERATOR(pg_catalog.=) r.oid
                                     AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                     AND d.refobjid OPERATOR(pg_catalog.<>) v.oid
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.refobjid
                                    AND c.relkind OPERATOR(pg_catalog.=) 'v'
    ), tree AS (
        SELECT r.ev_action::text AS action
          FROM reads v
          JOIN pg_catalog.pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) v.oid
                                      AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
    ), called AS (
        SELECT DISTINCT m[1]::oid AS fn
          FROM tree t,
               LATERAL pg_catalog.regexp_matches(t.action, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\d+)', 'g') AS m
    ), finding AS (
        SELECT CASE
                 WHEN p.provolatile OPERATOR(pg_catalog.=) 'v'
                   THEN pg_catalog.format('volatile function %s()', p.oid::pg_catalog.regproc)
                 WHEN n.nspname OPERATOR(pg_catalog.=) 'pg_catalog'
                  AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['now', 'statement_timestamp', 'transaction_timestamp'])
                   THEN pg_catalog.format('time-of-query function %s()', p.proname)
                 WHEN n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])
                  AND p.provolatile OPERATOR(pg_catalog.<>) 'i' AND p.prosqlbody IS NULL
                   THEN pg_catalog.format('stable function %s() with an opaque body', p.oid::pg_catalog.regproc)
               END AS what
          FROM called c
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) c.fn
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
        UNION ALL
        -- :op 0 is CURRENT_DATE; the others read the time of day or the session's role
        SELECT CASE WHEN m[1] OPERATOR(pg_catalog.=) '0' THEN 'CURRENT_DATE'
                    ELSE 'SQL value function (CURRENT_TIMESTAMP, LOCALTIME, CURRENT_USER, ...)' END
          FROM tree t, LATERAL pg_catalog.regexp_matches(t.action, '\{SQLVALUEFUNCTION :op (\d+)', 'g') AS m
        UNION ALL
        SELECT pg_catalog.format('system catalog %s (its changes are not observable)', c.oid::pg_catalog.regclass)
          FROM tree t,
               LATERAL pg_catalog.regexp_matches(t.action, ':rtekind 0 :relid (\d+)', 'g') AS m
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) m[1]::oid
         WHERE c.oid OPERATOR(pg_catalog.<) 16384
    )
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT f.what ORDER BY f.what), '{}')
      FROM finding f
     WHERE f.what IS NOT NULL);
END
$$;
COMMENT ON FUNCTION audit._volatile_calls(regclass) IS
  'Internal: volatile, time-of-query and opaque non-immutable calls in a materialized view''s definition (and the plain views it reads).';
