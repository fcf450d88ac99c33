-- Removes a declared dependency edge; returns whether there was one. The dependent need not
-- be a view any more, so edges left behind by a changed relation can still be removed.
-- SECURITY DEFINER for the same reason as audit.declare_dependency.
CREATE FUNCTION audit.undeclare_dependency(p_dependent regclass, p_depends_on regclass)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_dependent  text := audit._qualified_name(p_dependent);
    v_depends_on text := audit._qualified_name(p_depends_on);
BEGIN
    IF p_dependent IS NULL OR p_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', CASE WHEN p_dependent IS NULL THEN 'dependent' ELSE 'depends_on' END
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass both relations of the declared edge, e.g. ''ml.features_mv''::regclass, ''ml.prices''::regclass.';
    END IF;
    IF v_dependent IS NULL OR v_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: % % does not exist',
                CASE WHEN v_dependent IS NULL THEN 'dependent' ELSE 'depends_on' END,
                CASE WHEN v_dependent IS NULL THEN p_dependent::oid ELSE p_depends_on::oid END
            USING ERRCODE = 'undefined_table';
    END IF;
    LOCK TABLE audit.declared_dependency IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM audit.declared_dependency d
     WHERE d.dependent OPERATOR(pg_catalog.=) v_dependent
       AND d.depends_on OPERATOR(pg_catalog.=) v_depends_on;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION audit.undeclare_dependency(regclass, regclass) IS
  'Removes a declared dependency edge; returns true if it existed.';
