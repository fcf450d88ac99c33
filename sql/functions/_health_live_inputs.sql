-- The live inputs of a registered target for audit.health (descriptions from
-- audit._live_inputs): NULL when they cannot be determined now (the target was dropped or
-- renamed, or its closure is broken: a stale declared edge, a cycle), never an error, so
-- one broken target cannot take the health of every other target down with it.
CREATE FUNCTION audit._health_live_inputs(p_target text)
RETURNS text[]
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target regclass;
BEGIN
    v_target := pg_catalog.to_regclass(p_target);
    IF v_target IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY(SELECT l.description FROM audit._live_inputs(v_target) AS l ORDER BY l.relation);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit._health_live_inputs(text) IS
  'Internal: live inputs of a registered target for audit.health; NULL instead of an error when they cannot be determined.';
