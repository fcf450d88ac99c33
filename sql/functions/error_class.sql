-- Classifies an error by SQLSTATE (and, for 57014, the message, which tells a statement
-- timeout from a cancel) into the classes the engine records and the agent retries on.
-- Mirrors dev.mvcert.engine.errors.ErrorClass; a test keeps the two in step.
CREATE FUNCTION audit.error_class(p_sqlstate text, p_message text DEFAULT NULL)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN p_sqlstate IS NULL OR pg_catalog.length(p_sqlstate) OPERATOR(pg_catalog.<>) 5 THEN 'other'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) ANY (ARRAY['55P03', '55006']) THEN 'lock_timeout'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '57014' THEN
             CASE WHEN p_message IS NULL OR p_message OPERATOR(pg_catalog.~~) '%statement timeout%'
                  THEN 'statement_timeout' ELSE 'canceled' END
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '40P01' THEN 'deadlock'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) '40' THEN 'serialization'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['53', '58']) THEN 'resources'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) '08'
          OR p_sqlstate OPERATOR(pg_catalog.=) ANY (ARRAY['57P01', '57P02', '57P03', '57P04']) THEN 'connection'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '42501' THEN 'permission'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['42', '0A', '55', '54']) THEN 'definition'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['22', '23', '21', '27']) THEN 'data'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) 'XX' THEN 'internal'
        ELSE 'other'
    END
$$;
COMMENT ON FUNCTION audit.error_class(text, text) IS
  'Error class of a SQLSTATE (lock_timeout, statement_timeout, canceled, deadlock, serialization, resources, connection, permission, definition, data, internal, other).';
