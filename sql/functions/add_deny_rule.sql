-- Forbids objects in a target's closure: p_kind 'name' (an object; an existing relation is
-- stored under its canonical name), 'regex' (a PostgreSQL regular expression matched
-- against canonical names such as ml.tom_labels_v1_mv or ml.f(integer)), or 'schema'.
CREATE FUNCTION audit.add_deny_rule(p_target regclass, p_kind text, p_pattern text, p_reason text DEFAULT NULL)
RETURNS audit.deny_rule
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_pattern   text := p_pattern;
    v_row       audit.deny_rule;
BEGIN
    IF p_kind IS NULL OR p_kind OPERATOR(pg_catalog.<>) ALL (ARRAY['name', 'regex', 'schema']) THEN
        RAISE EXCEPTION 'mvcert: deny rule kind must be name, regex or schema, got %', COALESCE(p_kind, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_pattern IS NULL OR p_pattern OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: deny rule pattern must not be empty'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. ''ml.tom_labels_v1_mv'', ''_mv$'' or ''legacy''';
    END IF;
    IF p_kind OPERATOR(pg_catalog.=) 'regex' THEN
        BEGIN
            PERFORM '' OPERATOR(pg_catalog.~) p_pattern;
        EXCEPTION WHEN invalid_regular_expression THEN
            RAISE EXCEPTION 'mvcert: deny rule regex % is invalid: %', p_pattern, SQLERRM
                USING ERRCODE = 'invalid_regular_expression';
        END;
    ELSIF p_kind OPERATOR(pg_catalog.=) 'name' AND pg_catalog.to_regclass(p_pattern) IS NOT NULL THEN
        v_pattern := audit._qualified_name(pg_catalog.to_regclass(p_pattern));
    END IF;
    INSERT INTO audit.deny_rule AS r (target, kind, pattern, reason)
    VALUES (v_target, p_kind, v_pattern, p_reason)
    ON CONFLICT (target, kind, pattern) DO UPDATE SET reason = COALESCE(EXCLUDED.reason, r.reason)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_deny_rule(regclass, text, text, text) IS
  'Certification rule: the closure of the target must not contain objects matching (name, regex on canonical name, or schema).';
