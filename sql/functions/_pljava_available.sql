-- Whether the Java engine is deployed in this database (PL/Java with mvcert's jar): then the
-- SQL entry points run the work in-database; otherwise they hand it to an agent through the
-- queue. The in-database deployment provides audit._run_in_database(regclass, text, boolean)
-- as a PL/Java function returning the run id; until it exists this returns false (an engine
-- jar of mvcert 0.1.0, whose function returns text, counts as not deployed: deploy the
-- current jar again with install/pljava.sh after ALTER EXTENSION mvcert UPDATE).
CREATE FUNCTION audit._pljava_available()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
         WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('audit._run_in_database(regclass,text,boolean)')
           AND l.lanname OPERATOR(pg_catalog.=) 'java'
           AND p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.int8'::pg_catalog.regtype)
$$;
COMMENT ON FUNCTION audit._pljava_available() IS
  'Internal: true when the Java engine is deployed in-database (PL/Java function audit._run_in_database exists).';
