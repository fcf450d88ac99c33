-- The hash of one object's definition, as certification, baselines and the strict gate
-- compare it: md5 of the deparsed definition (pg_get_viewdef for views and materialized
-- views, pg_get_functiondef for functions and procedures, the pg_aggregate row for
-- aggregates), prefixed with the kind so that turning a view into a materialized view
-- counts as a change. The search_path is pinned, so deparsed names are always qualified
-- the same way. NULL for an object that no longer exists or has no definition (tables).
CREATE FUNCTION audit._definition_hash(p_kind text, p_objid oid)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_definition text;
BEGIN
    IF p_kind OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'materialized view']) THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_objid
                      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])) THEN
            SELECT (CASE c.relkind WHEN 'm' THEN 'materialized view:' ELSE 'view:' END)
                   OPERATOR(pg_catalog.||) pg_catalog.pg_get_viewdef(c.oid)
              INTO v_definition
              FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_objid;
        END IF;
    ELSIF p_kind OPERATOR(pg_catalog.=) 'aggregate' THEN
        SELECT 'aggregate:' OPERATOR(pg_catalog.||) a::text INTO v_definition
          FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid OPERATOR(pg_catalog.=) p_objid;
    ELSIF p_kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure']) THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) p_objid) THEN
            v_definition := p_kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) pg_catalog.pg_get_functiondef(p_objid);
        END IF;
    END IF;
    RETURN pg_catalog.md5(v_definition);
END
$$;
COMMENT ON FUNCTION audit._definition_hash(text, oid) IS
  'Internal: md5 of the deparsed definition of a view, materialized view or function (NULL for tables and missing objects).';
