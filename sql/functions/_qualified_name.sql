-- The canonical name mvcert stores for a relation: schema-qualified, each part quoted
-- only where needed, independent of the caller's search_path. PL/pgSQL, not SQL: a SQL
-- function with a SET clause is never inlined and plans its query again in each statement
-- that calls it, while PL/pgSQL keeps the plan for the session (a run calls this about six
-- times a view).
CREATE FUNCTION audit._qualified_name(p_rel regclass)
RETURNS text
LANGUAGE plpgsql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name text;
BEGIN
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO v_name
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_rel;
    RETURN v_name;
END
$$;
COMMENT ON FUNCTION audit._qualified_name(regclass) IS
  'Internal: schema-qualified, quoted name of a relation, independent of search_path.';
