-- One step of the dependency walk: what the given views, materialized views and functions
-- read or call directly. A view's or materialized view's query is its _RETURN rule, whose
-- pg_depend rows name the relations, functions and operators it uses; a function with a
-- BEGIN ATOMIC body has its own pg_depend rows (other SQL bodies are opaque here: the
-- certification reads them). pg_depend never records pinned objects, so a query over
-- pg_class or any other system catalog has no row for it: the relations of the stored
-- query tree's range tables (RangeTblEntry nodes, ':rtekind 0 :relid N') are read from
-- ev_action and prosqlbody as well. Relations in pg_catalog, information_schema and
-- pg_toast are `untracked`: their contents follow the server's state, which no refresh
-- and no statistics counter of mvcert observes. Operators count as the function behind
-- them. System functions (pg_catalog, information_schema) are left out: every other
-- function is unpinned, so pg_depend records it. Declared edges (audit.declared_dependency)
-- are added for views and materialized views; one that names a relation which no longer
-- exists is an error, since the dependency it records would silently vanish otherwise.
-- Objects are identified by their canonical name: audit._qualified_name for relations,
-- schema.name(identity arguments) for functions. Tables and other relations are leaves: the
-- caller passes only what it wants expanded; relations that are not views are ignored.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE FUNCTION audit._direct_dependencies(p_relations oid[], p_functions oid[])
RETURNS TABLE (dependent text, name text, classid oid, objid oid, kind text, via text, untracked boolean)
LANGUAGE plpgsql
STABLE
ROWS 20
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_stale record;
BEGIN
    -- most databases declare no edge: the check below is then not even planned
    IF EXISTS (SELECT FROM audit.declared_dependency) THEN
        SELECT dd.dependent AS dependent, dd.depends_on AS depends_on INTO v_stale
          FROM audit.declared_dependency dd
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) ANY (p_relations)
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
           AND dd.dependent OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', n.nspname, c.relname)
           AND pg_catalog.to_regclass(dd.depends_on) IS NULL
         ORDER BY dd.depends_on
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'mvcert: declared dependency % -> % is stale: % no longer exists',
                    v_stale.dependent, v_stale.depends_on, v_stale.depends_on
                USING ERRCODE = 'undefined_table',
                      HINT = pg_catalog.format('Recreate %s, or remove the edge as the owner of audit.declared_dependency: '
                             'DELETE FROM audit.declared_dependency WHERE dependent = %L AND depends_on = %L;',
                             v_stale.depends_on, v_stale.dependent, v_stale.depends_on);
        END IF;
    END IF;

    RETURN QUERY
    -- Every catalog row is looked up by its oid (unnest and join, lateral lookups below): the
    -- generic plan cannot know how few oids it is given, and would otherwise scan and hash
    -- pg_class and pg_operator whole on every call, which grows with the catalog.
    WITH source_relation AS (
        SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
          FROM (SELECT DISTINCT r.oid FROM pg_catalog.unnest(p_relations) AS r(oid)) AS a
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.oid
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
    ), source_function AS (
        SELECT p.oid, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                        pg_catalog.pg_get_function_identity_arguments(p.oid)) AS name,
               p.prosqlbody
          FROM (SELECT DISTINCT f.oid FROM pg_catalog.unnest(p_functions) AS f(oid)) AS a
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) a.oid
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
    ), edge AS (
        -- the query of a view or materialized view (its _RETURN rule), minus the rule's
        -- reference to its own relation
        SELECT DISTINCT s.name AS dependent, d.refclassid, d.refobjid, 'catalog' AS via
          FROM source_relation s
          JOIN pg_catalog.pg_rewrite r
            ON r.ev_class OPERATOR(pg_catalog.=) s.oid
           AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
          JOIN pg_catalog.pg_depend d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
           AND d.objid OPERATOR(pg_catalog.=) r.oid
         WHERE NOT (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.refobjid OPERATOR(pg_catalog.=) s.oid)
        UNION
        -- relations the stored query (rule or BEGIN ATOMIC body) reads that pg_depend does not
        -- record: pinned objects, all below FirstNormalObjectId (16384), so the rule's own
        -- relation never shows up here; splitting on the field names is several times faster
        -- than a regular expression over the whole tree
        SELECT q.name, 'pg_catalog.pg_class'::pg_catalog.regclass, pg_catalog.split_part(x.piece, ' ', 1)::oid, 'catalog'
          FROM (SELECT s.name, r.ev_action::text AS tree
                  FROM source_relation s
                  JOIN pg_catalog.pg_rewrite r
                    ON r.ev_class OPERATOR(pg_catalog.=) s.oid
                   AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
                UNION ALL
                SELECT s.name, s.prosqlbody::text FROM source_function s WHERE s.prosqlbody IS NOT NULL) AS q
          CROSS JOIN LATERAL pg_catalog.string_to_table(q.tree, ':rtekind 0 :relid ') WITH ORDINALITY AS x(piece, i)
         WHERE x.i OPERATOR(pg_catalog.>) 1
           AND pg_catalog.split_part(x.piece, ' ', 1)::oid OPERATOR(pg_catalog.<) 16384::oid
        UNION
        -- a function body PostgreSQL parsed (BEGIN ATOMIC)
        SELECT s.name, d.refclassid, d.refobjid, 'catalog'
          FROM source_function s
          JOIN pg_catalog.pg_depend d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.objid OPERATOR(pg_catalog.=) s.oid
           AND d.deptype OPERATOR(pg_catalog.=) 'n'
         WHERE NOT (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.refobjid OPERATOR(pg_catalog.=) s.oid)
        UNION
        SELECT s.name, 'pg_catalog.pg_class'::pg_catalog.regclass, pg_catalog.to_regclass(dd.depends_on), 'declared'
          FROM source_relation s
          JOIN audit.declared_dependency dd ON dd.dependent OPERATOR(pg_catalog.=) s.name
    ), object AS (
        -- an operator stands for the function that implements it
        SELECT e.dependent,
               CASE WHEN e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_proc'::pg_catalog.regclass::oid ELSE e.refclassid END AS classid,
               CASE WHEN e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
                    THEN (SELECT o.oprcode::oid FROM pg_catalog.pg_operator o WHERE o.oid OPERATOR(pg_catalog.=) e.refobjid)
                    ELSE e.refobjid END AS objid,
               e.via
          FROM edge e
         WHERE e.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_class'::pg_catalog.regclass,
                                                             'pg_catalog.pg_proc'::pg_catalog.regclass,
                                                             'pg_catalog.pg_operator'::pg_catalog.regclass]::oid[])
    ), named AS (
        SELECT ob.dependent, ob.classid, ob.objid, ob.via, x.name, x.kind, x.untracked
          FROM object ob
          CROSS JOIN LATERAL (
              SELECT pg_catalog.format('%I.%I', cn.nspname, c.relname) AS name,
                     CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                    WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                    WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
                                    WHEN 'c' THEN 'composite type' WHEN 'i' THEN 'index'
                                    WHEN 'I' THEN 'partitioned index' WHEN 't' THEN 'toast table'
                                    ELSE 'relation of kind ' OPERATOR(pg_catalog.||) c.relkind::text END AS kind,
                     cn.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[]) AS untracked
                FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) c.relnamespace
               WHERE ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                 AND c.oid OPERATOR(pg_catalog.=) ob.objid
              UNION ALL
              SELECT pg_catalog.format('%I.%I(%s)', pn.nspname, p.proname,
                                       pg_catalog.pg_get_function_identity_arguments(p.oid)),
                     CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' ELSE 'function' END,
                     false
                FROM pg_catalog.pg_proc p
                JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
               WHERE ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                 AND p.oid OPERATOR(pg_catalog.=) ob.objid
                 AND pn.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::name[])
          ) AS x
    )
    -- a declared edge the catalog also records is shown as a catalog edge
    SELECT DISTINCT ON (nd.dependent, nd.name) nd.dependent, nd.name, nd.classid, nd.objid, nd.kind, nd.via,
           nd.untracked
      FROM named nd
     ORDER BY nd.dependent, nd.name, nd.via OPERATOR(pg_catalog.=) 'declared';
END
$$;
COMMENT ON FUNCTION audit._direct_dependencies(oid[], oid[]) IS
  'Internal: direct dependencies (catalog, stored query tree and declared) of the given views, materialized views and functions, by canonical name; untracked marks system relations.';
