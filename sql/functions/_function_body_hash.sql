-- The hash of what a function runs, as an exemption from the time-of-query analysis records
-- it: its language, library and body text (prosrc: the source of SQL, PL/pgSQL and other
-- languages, the symbol of C functions). Any change to the body changes the hash, which
-- voids the exemption.
CREATE FUNCTION audit._function_body_hash(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(E'\n', l.lanname, p.probin, p.prosrc, p.prosqlbody::text))
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_body_hash(oid) IS
  'Internal: md5 of a function''s language, library and body, as analysis exemptions record it.';
