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
BEGIN
    IF p_name IS NULL OR v_query IS NULL OR v_query OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: an assertion needs a name and a query'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. audit.add_sql_assertion(''ml.x_v'', ''no_negative_price'', ''SELECT * FROM ml.x_v WHERE price < 0'')';
    END IF;
    EXECUTE pg_catalog.format('EXPLAIN SELECT 1 FROM (%s) AS q', v_query);
    INSERT INTO audit.sql_assertion AS a (target, name, query, description)
    VALUES (v_target, p_name, v_query, p_description)
    ON CONFLICT (target, name) DO UPDATE SET query = EXCLUDED.query, description = EXCLUDED.description
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_sql_assertion(regclass, text, text, text) IS
  'Certification rule: a query about the target that must return no rows.';
