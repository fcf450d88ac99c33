-- A function as regprocedure input takes it: schema.name(argument types), independent of the
-- caller's search_path, for messages that tell users what to pass (audit.exempt_function).
CREATE FUNCTION audit._function_signature(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_signature(oid) IS
  'Internal: schema-qualified regprocedure text of a function (name and argument types), independent of search_path.';
