-- Records that a view or materialized view depends on a relation PostgreSQL cannot see it
-- read (a function body, dynamic SQL, a foreign server), so audit.closure and
-- audit.refresh_plan include it like a catalog edge. Idempotent: declaring an edge again
-- only replaces its reason (a NULL reason keeps the old one). An edge that would close a
-- cycle is refused with the cycle spelled out (`a -> b -> a`, each arrow meaning "reads",
-- and what each edge is) and nothing is recorded. A system catalog or view may be declared
-- (a function reads pg_stat_activity, say); it reads no view of the database, so it
-- cannot close a cycle. SECURITY DEFINER so that mvcert_admin needs EXECUTE only and
-- cannot write edges that bypass these checks; the caller is recorded as session_user,
-- since current_user inside the function is its owner.
CREATE FUNCTION audit.declare_dependency(p_dependent regclass, p_depends_on regclass, p_reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_dependent  text := audit._require_view(p_dependent, 'dependent');
    v_depends_on text;
    v_kind       "char";
    v_system     boolean;
    v_path       text[];
    v_edges      text;
BEGIN
    IF p_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: depends_on must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the relation the view reads, e.g. ''ml.prices''::regclass.';
    END IF;
    SELECT c.relkind, n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[])
      INTO v_kind, v_system
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_depends_on;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: depends_on % does not exist', p_depends_on::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    v_depends_on := audit._qualified_name(p_depends_on);
    IF v_depends_on OPERATOR(pg_catalog.=) v_dependent THEN
        RAISE EXCEPTION 'mvcert: % cannot depend on itself', v_dependent
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Declare the relation the view reads, not the view.';
    END IF;

    -- One declaration at a time: two concurrent ones could close a cycle neither sees.
    LOCK TABLE audit.declared_dependency IN SHARE ROW EXCLUSIVE MODE;

    -- The edge closes a cycle exactly when the dependent is already below depends_on;
    -- the parents of the walk from depends_on give the way back.
    IF v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[]) AND NOT v_system THEN
        WITH RECURSIVE graph AS MATERIALIZED (
            SELECT g.name, g.kind, g.parent, g.via FROM audit._closure_graph(p_depends_on) AS g
        ), back (name, kind, parent, via, i) AS (
            SELECT g.name, g.kind, g.parent, g.via, 1 FROM graph g WHERE g.name OPERATOR(pg_catalog.=) v_dependent
            UNION ALL
            SELECT g.name, g.kind, g.parent, g.via, b.i OPERATOR(pg_catalog.+) 1
              FROM back b JOIN graph g ON g.name OPERATOR(pg_catalog.=) b.parent
        )
        -- the new edge first, then the way back from depends_on to the dependent
        SELECT pg_catalog.array_agg(b.name ORDER BY b.i DESC),
               pg_catalog.format('%s -> %s: declared dependency; ', v_dependent, v_depends_on)
               OPERATOR(pg_catalog.||)
               pg_catalog.string_agg(pg_catalog.format('%s -> %s: %s', b.parent, b.name,
                                                       audit._edge_description(p.kind, b.kind, b.via)),
                                     '; ' ORDER BY b.i DESC) FILTER (WHERE b.parent IS NOT NULL)
          INTO v_path, v_edges
          FROM back b
          LEFT JOIN graph p ON p.name OPERATOR(pg_catalog.=) b.parent;
        IF v_path IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: declaring % -> % would close the dependency cycle % (%)',
                    v_dependent, v_depends_on,
                    pg_catalog.array_to_string(ARRAY[v_dependent] OPERATOR(pg_catalog.||) v_path, ' -> '), v_edges
                USING ERRCODE = 'invalid_recursion',
                      DETAIL = pg_catalog.format('%s already depends on %s; each arrow means "reads".', v_depends_on, v_dependent),
                      HINT = 'A materialized view cannot be refreshed before and after another one; declare only edges that follow the data.';
        END IF;
    END IF;

    INSERT INTO audit.declared_dependency AS d (dependent, depends_on, reason, declared_by)
    VALUES (v_dependent, v_depends_on, p_reason, SESSION_USER)
    ON CONFLICT (dependent, depends_on) DO UPDATE
       SET reason = COALESCE(EXCLUDED.reason, d.reason);
END
$$;
COMMENT ON FUNCTION audit.declare_dependency(regclass, regclass, text) IS
  'Declares that a view or materialized view depends on a relation the catalog does not show (e.g. read inside a function); refuses cycles; repeat to change the reason.';
