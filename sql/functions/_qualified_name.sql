-- The canonical name mvcert stores for a relation: schema-qualified, each part quoted
-- only where needed, independent of the caller's search_path.
CREATE FUNCTION audit._qualified_name(p_rel regclass)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_rel
$$;
COMMENT ON FUNCTION audit._qualified_name(regclass) IS
  'Internal: schema-qualified, quoted name of a relation, independent of search_path.';
