-- Declares gated columns of a target: columns whose name matches p_column_regex (a
-- PostgreSQL regular expression, e.g. '^img__'; never LIKE, where '_' is a wildcard) must
-- be NULL in every row where p_gate_expression (SQL over the target's columns, e.g.
-- 'img_within_sla') is not true. Both are checked now: the regex must match at least one
-- column and the expression must be a valid boolean over the target.
CREATE FUNCTION audit.add_gate_rule(p_target regclass, p_column_regex text, p_gate_expression text,
                                    p_description text DEFAULT NULL)
RETURNS audit.gate_rule
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_row       audit.gate_rule;
    v_state     text;
    v_error     text;
BEGIN
    IF p_column_regex IS NULL OR p_gate_expression IS NULL THEN
        RAISE EXCEPTION 'mvcert: gate rule needs a column regex and a gate expression'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. audit.add_gate_rule(''ml.x_v'', ''^img__'', ''img_within_sla'')';
    END IF;
    BEGIN
        PERFORM '' OPERATOR(pg_catalog.~) p_column_regex;
    EXCEPTION WHEN invalid_regular_expression THEN
        RAISE EXCEPTION 'mvcert: column regex % is invalid: %', p_column_regex, SQLERRM
            USING ERRCODE = 'invalid_regular_expression';
    END;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid OPERATOR(pg_catalog.=) p_target AND a.attnum OPERATOR(pg_catalog.>) 0
                      AND NOT a.attisdropped AND a.attname::text OPERATOR(pg_catalog.~) p_column_regex) THEN
        RAISE EXCEPTION 'mvcert: no column of % matches %', v_target, p_column_regex
            USING ERRCODE = 'undefined_column', HINT = 'The regex is matched against column names, e.g. ''^img__''.';
    END IF;
    -- Parses, type-checks and plans the expression against the target, never runs it.
    BEGIN
        PERFORM audit._require_single_query(pg_catalog.format(E'SELECT 1 FROM %s WHERE (%s\n)', v_target, p_gate_expression));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        v_error := pg_catalog.regexp_replace(v_error, '^mvcert: ', '');
        RAISE EXCEPTION 'mvcert: gate expression % is not a valid boolean expression over %: %',
                pg_catalog.quote_literal(p_gate_expression), v_target, v_error
            USING ERRCODE = v_state, HINT = 'SQL over the target''s columns that is true where the gated columns may be set, e.g. ''img_within_sla''.';
    END;

    INSERT INTO audit.gate_rule AS r (target, column_regex, gate_expression, description)
    VALUES (v_target, p_column_regex, p_gate_expression, p_description)
    ON CONFLICT (target, column_regex, gate_expression) DO UPDATE SET description = COALESCE(EXCLUDED.description, r.description)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_gate_rule(regclass, text, text, text) IS
  'Certification rule: columns of the target matching a regex must be NULL where the gate expression is not true.';
