-- The live inputs of a target: relations its rows come from directly, not through any
-- materialized view. A path from the target through plain views (and functions and
-- declared edges) to a table, foreign table, sequence or system catalog or view passes
-- through no snapshot, so readers of the target see such a relation's rows as they are at
-- query time: they change without any refresh, and certification saw them only as they were
-- when it ran. One row per live input, with the objects of that path that read it directly
-- (read_by), and a description `relation (kind, read by a, b)` for messages and
-- audit.health. None for a materialized view target: everything below it is its snapshot.
-- Raises like audit.closure for a bad target or a broken closure.
CREATE FUNCTION audit._live_inputs(p_target regclass)
RETURNS TABLE (relation text, relid oid, kind text, read_by text[], description text)
LANGUAGE sql
STABLE
ROWS 10
SET search_path TO pg_catalog, pg_temp
AS $$
    WITH graph AS MATERIALIZED (
        -- the walk stops at materialized views: they are listed, their inputs are not
        SELECT g.* FROM audit._closure_graph(p_target, false) AS g
    )
    SELECT g.name, g.objid, g.kind, b.read_by,
           pg_catalog.format('%s (%s, read by %s)', g.name,
                             CASE WHEN g.untracked THEN 'system ' OPERATOR(pg_catalog.||) g.kind ELSE g.kind END,
                             pg_catalog.array_to_string(b.read_by, ', '))
      FROM graph g
      CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(r.name ORDER BY r.name) AS read_by
                            FROM graph r
                           WHERE g.name OPERATOR(pg_catalog.=) ANY (r.reads)) AS b
     WHERE (g.untracked
            OR g.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['view', 'materialized view', 'function', 'procedure', 'aggregate']))
       AND NOT EXISTS (SELECT FROM graph t
                        WHERE t.depth OPERATOR(pg_catalog.=) 0
                          AND t.kind OPERATOR(pg_catalog.=) 'materialized view')
     ORDER BY g.name
$$;
COMMENT ON FUNCTION audit._live_inputs(regclass) IS
  'Internal: relations a target reads through plain views only (no materialized view in between), whose rows change without any refresh, with the objects that read them.';
