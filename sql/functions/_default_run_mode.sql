-- The run mode a target's runs use when the caller names none: the target's run_mode
-- (audit.target), incremental for a view that is not registered.
CREATE FUNCTION audit._default_run_mode(p_target text)
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT t.run_mode FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) p_target), 'incremental')
$$;
COMMENT ON FUNCTION audit._default_run_mode(text) IS
  'Internal: the run mode of a target when none is given (audit.target.run_mode; incremental when unregistered).';
