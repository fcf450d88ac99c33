-- Which path runs the engine's work in this database: 'pljava' when the Java engine is
-- deployed in-database (install/pljava.sh), so audit.certify, audit.capture_baselines,
-- audit.refresh_and_certify_atomic exist and CALL audit.refresh_and_certify runs in the
-- calling session; 'agent' otherwise, where the entry points hand the work to a running
-- `mvcert serve` through the queue. Gates and health are SQL on both paths.
CREATE FUNCTION audit.execution_path()
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN audit._pljava_available() THEN 'pljava' ELSE 'agent' END
$$;
COMMENT ON FUNCTION audit.execution_path() IS
  'Where the engine runs for this database: pljava (deployed in-database) or agent (through the queue).';
