-- Validates that a view or materialized view is a registered target; returns its canonical
-- name. Rule and baseline functions call this so that an unregistered target gets the
-- same clear error everywhere.
CREATE FUNCTION audit._require_registered(p_target regclass)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target text := audit._require_view(p_target);
BEGIN
    IF NOT EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
        RAISE EXCEPTION 'mvcert: % is not a registered target', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L);', v_target);
    END IF;
    RETURN v_target;
END
$$;
COMMENT ON FUNCTION audit._require_registered(regclass) IS
  'Internal: raises MVC01 unless the view is a registered target; returns its canonical name.';
