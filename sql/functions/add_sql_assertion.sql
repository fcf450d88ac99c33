-- Adds (or replaces) a user-defined assertion of a target: a query that must return no
-- rows. The query is planned now (not run) so that a typo is reported at once.
CREATE FUNCTION audit.add_sql_assertion(p_target regclass, p_name text, p_query text, p_description text DEFAULT NULL)
RETURNS audit.sql_assertion
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_query     text := pg_catalog.rtrim(pg_catalog.btrim(p_query), '; ');
    v_row       audit.sql_assertion;
    v_state     text;
    v_error     text;
BEGIN
    IF p_name IS NULL OR v_query IS NULL OR v_query OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: an assertion needs a name and a query'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. audit.add_sql_assertion(''ml.x_v'', ''no_negative_price'', ''SELECT * FROM ml.x_v WHERE price < 0'')';
    END IF;
    -- Planned, never run ('SELECT 1) q; DROP ...' is refused before any of it runs).
    BEGIN
        PERFORM audit._require_single_query(pg_catalog.format(E'SELECT 1 FROM (%s\n) AS q', v_query));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        v_error := pg_catalog.regexp_replace(v_error, '^mvcert: ', '');
        RAISE EXCEPTION 'mvcert: assertion % query % is not a valid query: %',
                pg_catalog.quote_ident(p_name), pg_catalog.quote_literal(v_query), v_error
            USING ERRCODE = v_state, HINT = 'One SELECT that returns the offending rows, e.g. ''SELECT * FROM ml.x_v WHERE price < 0''.';
    END;
    INSERT INTO audit.sql_assertion AS a (target, name, query, description)
    VALUES (v_target, p_name, v_query, p_description)
    ON CONFLICT (target, name) DO UPDATE SET query = EXCLUDED.query, description = EXCLUDED.description
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_sql_assertion(regclass, text, text, text) IS
  'Certification rule: a query about the target that must return no rows.';
