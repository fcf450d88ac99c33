-- Creates the view training and export jobs read instead of the target itself (its query is
-- audit._guarded_view_query): every row of the source while it is certified and younger than
-- p_max_age, otherwise the gate's error (audit.require_certified, or
-- audit.require_certified_strict when p_strict). The check has only constant arguments, so
-- the planner makes it a one-time filter: it runs once per query, before any row is read,
-- and a refused gate returns no rows but an error. On the happy path the view reads the
-- registry row itself (an InitPlan, with the view owner's rights: the owner needs SELECT on
-- audit.registry, as mvcert_admin has) and calls no function. p_view_name is 'schema.name'
-- (quoted parts allowed, as in SQL); the source is referenced by OID, so renaming it keeps
-- the view working. Returns the new view.
CREATE FUNCTION audit.create_guarded_view(p_source regclass, p_view_name text, p_max_age interval,
                                          p_strict boolean DEFAULT false)
RETURNS regclass
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_source    text := audit._require_view(p_source, 'source');
    v_parts     text[];
    v_view      text;
BEGIN
    IF p_view_name IS NULL THEN
        RAISE EXCEPTION 'mvcert: view name must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. ''ml.survival_feature_store_guarded_v''';
    END IF;
    IF p_max_age IS NULL OR p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be a positive interval, got %', COALESCE(p_max_age::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    v_parts := pg_catalog.parse_ident(p_view_name);
    IF pg_catalog.cardinality(v_parts) OPERATOR(pg_catalog.<>) 2 THEN
        RAISE EXCEPTION 'mvcert: view name % must be schema-qualified (schema.name)', p_view_name
            USING ERRCODE = 'invalid_name', HINT = 'e.g. ''ml.features_guarded_v''';
    END IF;
    v_view := pg_catalog.format('%I.%I', v_parts[1], v_parts[2]);
    EXECUTE pg_catalog.format('CREATE VIEW %s AS %s', v_view, audit._guarded_view_query(p_source, p_max_age, p_strict));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_view,
        pg_catalog.format('Guarded read of %s: fails unless it is certified and younger than %s.', v_source, p_max_age));
    RETURN pg_catalog.to_regclass(v_view);
END
$$;
COMMENT ON FUNCTION audit.create_guarded_view(regclass, text, interval, boolean) IS
  'Creates a view over a target that reads it only while it is certified (a one-time filter on its registry row, else audit.require_certified''s error).';
