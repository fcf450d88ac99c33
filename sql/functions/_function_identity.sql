-- The name certification gives a function: schema.name(identity arguments), each part quoted
-- only where needed, the same as audit.closure names it and independent of the caller's
-- search_path (types outside pg_catalog come qualified).
CREATE FUNCTION audit._function_identity(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
     WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_identity(oid) IS
  'Internal: schema-qualified name and identity arguments of a function, independent of search_path.';
