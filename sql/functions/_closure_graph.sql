-- The dependency graph below a target, one row per object: its depth (shortest distance
-- from the target), the object it was first reached through, what it reads directly, and
-- whether it is untracked (a system catalog or system view: not expanded, since what it
-- reads is the server's own state). audit.closure and audit.refresh_plan are both views of
-- this graph; with p_expand_matviews false the walk stops at materialized views below the
-- target (they are listed, not expanded), which is what audit._live_inputs needs.
--
-- The walk is breadth-first, one set-based step (audit._direct_dependencies) per depth with a
-- visited set, so each object is expanded once: a recursive CTE carrying a path array would
-- enumerate every path, which grows exponentially on the diamond-shaped DAGs pipelines
-- are made of. Views cannot form cycles in the catalog, but declared edges (and functions
-- redefined to read the views that call them) can; the walk itself ends on them, and a
-- cycle is then found by peeling leaves (objects that read nothing still unpeeled): what
-- cannot be peeled lies on or above a cycle, and following edges inside it must come
-- back to a node, which names the cycle. The error (SQLSTATE 42P19, invalid_recursion)
-- spells it as a path `a -> b -> a`, where `a -> b` means a reads b, and says what each
-- edge is (view reads view, view calls function, function body reads view, declared
-- dependency).
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE FUNCTION audit._closure_graph(p_target regclass, p_expand_matviews boolean DEFAULT true)
RETURNS TABLE (name text, classid oid, objid oid, kind text, depth integer, parent text,
               via text, reads text[], untracked boolean)
LANGUAGE plpgsql
STABLE
ROWS 100
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_target        text := audit._require_view(p_target);
    v_depth         integer := 0;
    -- objects reached so far, in parallel arrays
    v_name          text[];
    v_classid       oid[];
    v_objid         oid[];
    v_kind          text[];
    v_depths        integer[];
    v_parent        text[];
    v_via           text[];
    v_untracked     boolean[];
    -- every edge found, dependent -> object read
    v_edge_from     text[] := '{}';
    v_edge_to       text[] := '{}';
    v_edge_via      text[] := '{}';
    -- edges out of the current frontier, and the objects first reached through them
    v_step_from     text[];
    v_step_to       text[];
    v_step_classid  oid[];
    v_step_objid    oid[];
    v_step_kind     text[];
    v_step_via      text[];
    v_step_untracked boolean[];
    v_new_name      text[];
    v_frontier_rel  oid[] := ARRAY[p_target::oid];
    v_frontier_fn   oid[] := '{}';
    -- cycle search
    v_left          text[];
    v_peeled        text[];
    v_walk          text[];
    v_next          text;
    v_cycle         text[];
    v_start         integer;
    v_declared      text;
    v_edges         text;
BEGIN
    SELECT ARRAY[v_target], ARRAY['pg_catalog.pg_class'::pg_catalog.regclass::oid], ARRAY[c.oid],
           ARRAY[CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END],
           ARRAY[0], ARRAY[NULL::text], ARRAY[NULL::text], ARRAY[false]
      INTO v_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via, v_untracked
      FROM pg_catalog.pg_class c
     WHERE c.oid OPERATOR(pg_catalog.=) p_target;

    LOOP
        -- nothing left to expand (tables, and materialized views when not expanding them)
        EXIT WHEN pg_catalog.cardinality(v_frontier_rel) OPERATOR(pg_catalog.=) 0
              AND pg_catalog.cardinality(v_frontier_fn) OPERATOR(pg_catalog.=) 0;
        SELECT COALESCE(pg_catalog.array_agg(e.dependent), '{}'), COALESCE(pg_catalog.array_agg(e.name), '{}'),
               COALESCE(pg_catalog.array_agg(e.classid), '{}'), COALESCE(pg_catalog.array_agg(e.objid), '{}'),
               COALESCE(pg_catalog.array_agg(e.kind), '{}'), COALESCE(pg_catalog.array_agg(e.via), '{}'),
               COALESCE(pg_catalog.array_agg(e.untracked), '{}')
          INTO v_step_from, v_step_to, v_step_classid, v_step_objid, v_step_kind, v_step_via, v_step_untracked
          FROM audit._direct_dependencies(v_frontier_rel, v_frontier_fn) e;
        EXIT WHEN pg_catalog.cardinality(v_step_from) OPERATOR(pg_catalog.=) 0;

        v_depth := v_depth OPERATOR(pg_catalog.+) 1;
        v_edge_from := v_edge_from OPERATOR(pg_catalog.||) v_step_from;
        v_edge_to := v_edge_to OPERATOR(pg_catalog.||) v_step_to;
        v_edge_via := v_edge_via OPERATOR(pg_catalog.||) v_step_via;

        -- Objects reached for the first time; among several dependents at this depth the
        -- parent is the one reached through a catalog edge, then the first by name.
        SELECT COALESCE(pg_catalog.array_agg(f.name ORDER BY f.name), '{}'),
               v_classid OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.classid ORDER BY f.name), '{}'),
               v_objid OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.objid ORDER BY f.name), '{}'),
               v_kind OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.kind ORDER BY f.name), '{}'),
               v_depths OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(v_depth ORDER BY f.name), '{}'),
               v_parent OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.dependent ORDER BY f.name), '{}'),
               v_via OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.via ORDER BY f.name), '{}'),
               v_untracked OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.untracked ORDER BY f.name), '{}'),
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND NOT f.untracked
                     AND (f.kind OPERATOR(pg_catalog.=) 'view'
                          OR (p_expand_matviews AND f.kind OPERATOR(pg_catalog.=) 'materialized view'))), '{}'),
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass), '{}')
          INTO v_new_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via, v_untracked,
               v_frontier_rel, v_frontier_fn
          FROM (SELECT DISTINCT ON (s.name) s.*
                  FROM ROWS FROM (pg_catalog.unnest(v_step_from),
                                  pg_catalog.unnest(v_step_to),
                                  pg_catalog.unnest(v_step_classid),
                                  pg_catalog.unnest(v_step_objid),
                                  pg_catalog.unnest(v_step_kind),
                                  pg_catalog.unnest(v_step_via),
                                  pg_catalog.unnest(v_step_untracked))
                       AS s(dependent, name, classid, objid, kind, via, untracked)
                 WHERE NOT EXISTS (SELECT FROM pg_catalog.unnest(v_name) AS seen(name)
                                    WHERE seen.name OPERATOR(pg_catalog.=) s.name)
                 ORDER BY s.name, s.via OPERATOR(pg_catalog.=) 'declared', s.dependent) AS f;
        v_name := v_name OPERATOR(pg_catalog.||) v_new_name;
        EXIT WHEN pg_catalog.cardinality(v_new_name) OPERATOR(pg_catalog.=) 0;
    END LOOP;

    -- Peel objects that read nothing unpeeled, until nothing changes.
    v_left := v_name;
    LOOP
        SELECT pg_catalog.array_agg(n.name) FILTER (WHERE b.dependent IS NOT NULL),
               pg_catalog.array_agg(n.name) FILTER (WHERE b.dependent IS NULL)
          INTO v_left, v_peeled
          FROM pg_catalog.unnest(v_left) AS n(name)
          LEFT JOIN (SELECT DISTINCT e.dependent
                       FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                       pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
                       JOIN pg_catalog.unnest(v_left) AS t(name) ON t.name OPERATOR(pg_catalog.=) e.name) AS b
            ON b.dependent OPERATOR(pg_catalog.=) n.name;
        EXIT WHEN v_left IS NULL OR v_peeled IS NULL;
    END LOOP;

    IF v_left IS NOT NULL THEN
        -- Every object left reads another one left: walk until the walk meets itself.
        SELECT pg_catalog.min(x) INTO v_next FROM pg_catalog.unnest(v_left) AS x;
        v_walk := '{}';
        WHILE v_next OPERATOR(pg_catalog.<>) ALL (v_walk) LOOP
            v_walk := v_walk OPERATOR(pg_catalog.||) v_next;
            SELECT pg_catalog.min(e.name) INTO v_next
              FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                              pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
             WHERE e.dependent OPERATOR(pg_catalog.=) v_walk[pg_catalog.cardinality(v_walk)]
               AND e.name OPERATOR(pg_catalog.=) ANY (v_left);
        END LOOP;
        v_cycle := v_walk[pg_catalog.array_position(v_walk, v_next):];
        -- spell it from the object nearest the target, as a reader follows the closure
        SELECT c.i INTO v_start
          FROM pg_catalog.generate_subscripts(v_cycle, 1) AS c(i)
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_depths)) AS n(name, depth)
            ON n.name OPERATOR(pg_catalog.=) v_cycle[c.i]
         ORDER BY n.depth, n.name
         LIMIT 1;
        v_cycle := v_cycle[v_start:] OPERATOR(pg_catalog.||) v_cycle[:v_start];
        -- what each edge of the cycle is, in the order of the path
        SELECT pg_catalog.string_agg(pg_catalog.format('%s -> %s: %s', c.dependent, c.name,
                                                       audit._edge_description(fk.kind, tk.kind, e.via)), '; ' ORDER BY c.i),
               pg_catalog.string_agg(pg_catalog.format('%s -> %s', c.dependent, c.name), ', ' ORDER BY c.i)
                   FILTER (WHERE e.via OPERATOR(pg_catalog.=) 'declared')
          INTO v_edges, v_declared
          FROM (SELECT i, v_cycle[i] AS dependent, v_cycle[i OPERATOR(pg_catalog.+) 1] AS name
                  FROM pg_catalog.generate_series(1, pg_catalog.cardinality(v_cycle) OPERATOR(pg_catalog.-) 1) AS i) AS c
          JOIN ROWS FROM (pg_catalog.unnest(v_edge_from),
                          pg_catalog.unnest(v_edge_to),
                          pg_catalog.unnest(v_edge_via)) AS e(dependent, name, via)
            ON e.dependent OPERATOR(pg_catalog.=) c.dependent AND e.name OPERATOR(pg_catalog.=) c.name
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_kind)) AS fk(name, kind)
            ON fk.name OPERATOR(pg_catalog.=) c.dependent
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_kind)) AS tk(name, kind)
            ON tk.name OPERATOR(pg_catalog.=) c.name;
        RAISE EXCEPTION 'mvcert: dependency cycle in the closure of %: % (%)',
                v_target, pg_catalog.array_to_string(v_cycle, ' -> '), v_edges
            USING ERRCODE = 'invalid_recursion',
                  DETAIL = CASE WHEN v_declared IS NULL
                                THEN 'Each arrow means "reads"; every edge of the cycle is recorded by PostgreSQL.'
                                ELSE 'Each arrow means "reads". Declared edges on the cycle: ' OPERATOR(pg_catalog.||) v_declared OPERATOR(pg_catalog.||) '.' END,
                  HINT = CASE WHEN v_declared IS NULL
                              THEN 'Change one of the function bodies or views so the cycle is broken.'
                              ELSE 'Remove one of the declared edges with audit.undeclare_dependency(dependent, depends_on).' END;
    END IF;

    RETURN QUERY
    SELECT n.name, n.classid, n.objid, n.kind, n.depth, n.parent, n.via, COALESCE(r.reads, '{}'), n.untracked
      FROM ROWS FROM (pg_catalog.unnest(v_name),
                      pg_catalog.unnest(v_classid),
                      pg_catalog.unnest(v_objid),
                      pg_catalog.unnest(v_kind),
                      pg_catalog.unnest(v_depths),
                      pg_catalog.unnest(v_parent),
                      pg_catalog.unnest(v_via),
                      pg_catalog.unnest(v_untracked))
           AS n(name, classid, objid, kind, depth, parent, via, untracked)
      LEFT JOIN (SELECT e.dependent, pg_catalog.array_agg(DISTINCT e.name ORDER BY e.name) AS reads
                   FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                   pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
                  GROUP BY e.dependent) AS r ON r.dependent OPERATOR(pg_catalog.=) n.name;
END
$$;
COMMENT ON FUNCTION audit._closure_graph(regclass, boolean) IS
  'Internal: the dependency graph below a view or materialized view (depth, first parent, direct reads, untracked system relations); raises invalid_recursion naming a cycle and its edges.';
