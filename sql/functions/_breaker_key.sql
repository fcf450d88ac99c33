-- The breaker key of a materialized view given by name (as the agent passes it): validates
-- that it names an existing materialized view and returns its canonical name, so
-- 'ml.x_mv', 'ML.X_MV' and '"ml"."x_mv"' share one breaker.
CREATE FUNCTION audit._breaker_key(p_matview text, p_argument text DEFAULT 'matview')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_rel   regclass;
    v_kind  "char";
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view name, e.g. ''ml.features_mv''.';
    END IF;
    BEGIN
        v_rel := pg_catalog.to_regclass(p_matview);
    EXCEPTION WHEN invalid_name OR syntax_error OR invalid_parameter_value THEN
        v_rel := NULL;
    END;
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'mvcert: % % does not exist', p_argument, pg_catalog.quote_literal(p_matview)
            USING ERRCODE = 'undefined_table', HINT = 'Pass a schema-qualified materialized view name.';
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) v_rel;
    IF v_kind OPERATOR(pg_catalog.<>) 'm' THEN
        RAISE EXCEPTION 'mvcert: % % is not a materialized view', p_argument, audit._qualified_name(v_rel)
            USING ERRCODE = 'wrong_object_type', HINT = 'Circuit breakers guard materialized views.';
    END IF;
    RETURN audit._qualified_name(v_rel);
END
$$;
COMMENT ON FUNCTION audit._breaker_key(text, text) IS
  'Internal: validates a materialized view name and returns its canonical name (the breaker key).';
