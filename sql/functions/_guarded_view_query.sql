-- The query of a guarded view over p_source (audit.create_guarded_view), also for re-creating
-- an existing guarded view in place (CREATE OR REPLACE VIEW keeps its grants):
--   SELECT * FROM <source> WHERE CASE WHEN EXISTS (<a fresh CERTIFIED registry row of the
--   source>) THEN true ELSE audit.require_certified(<source>, <max_age>) END
-- The EXISTS has only constants, so the planner makes it an InitPlan and the whole condition a
-- one-time filter: once per query, before any row is read, the registry row is read with the
-- view owner's rights and no function runs at all on the happy path. Otherwise the gate runs
-- and raises exactly as when called directly. The row must carry both the source's name and
-- its oid: after a rename, or a dump and restore (new oids), the gate decides. The strict
-- gate compares the closure on every read, so a strict view just calls it.
CREATE FUNCTION audit._guarded_view_query(p_source regclass, p_max_age interval, p_strict boolean)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_source text := audit._require_view(p_source, 'source');
BEGIN
    IF p_max_age IS NULL OR p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be a positive interval, got %', COALESCE(p_max_age::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_strict THEN
        RETURN pg_catalog.format(
            'SELECT * FROM %s WHERE audit.require_certified_strict(%L::pg_catalog.regclass, %L::pg_catalog.interval)',
            v_source, v_source, p_max_age);
    END IF;
    RETURN pg_catalog.format($q$SELECT * FROM %1$s
 WHERE CASE WHEN EXISTS (SELECT FROM audit.registry r
                          WHERE r.target OPERATOR(pg_catalog.=) %2$L::pg_catalog.text
                            AND r.target_oid OPERATOR(pg_catalog.=) %2$L::pg_catalog.regclass::pg_catalog.oid
                            AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED'::pg_catalog.text
                            AND (pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at) OPERATOR(pg_catalog.<=) %3$L::pg_catalog.interval)
            THEN true
            ELSE audit.require_certified(%2$L::pg_catalog.regclass, %3$L::pg_catalog.interval) END$q$,
        v_source, v_source, p_max_age);
END
$$;
COMMENT ON FUNCTION audit._guarded_view_query(regclass, interval, boolean) IS
  'Internal: the query of a guarded view (fast path: a registry InitPlan read with the view owner''s rights; otherwise the gate raises).';
