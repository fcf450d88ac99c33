-- Refuses SQL text that is not exactly one valid query, without running it: the one place
-- where user-supplied SQL is checked. add_gate_rule and add_sql_assertion check rules with it
-- when they are added (so they can be added before the first refresh populates the views),
-- and the engine before it runs SQL composed from stored rules, so a rule smuggling in more
-- statements ('true); DROP ...') never runs any of them, however it was stored. The text is
-- planned (EXPLAIN, opened as a cursor, never EXECUTEd) as the caller; a query that does not
-- parse or plan raises PostgreSQL's own error.
CREATE FUNCTION audit._require_single_query(p_sql text)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_check refcursor;
BEGIN
    IF p_sql IS NULL THEN
        RAISE EXCEPTION 'mvcert: query must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        OPEN v_check FOR EXECUTE 'EXPLAIN ' OPERATOR(pg_catalog.||) p_sql;
        CLOSE v_check;
    EXCEPTION WHEN invalid_cursor_definition THEN
        RAISE EXCEPTION 'mvcert: rule SQL must be one query, not several statements: %', pg_catalog.quote_literal(p_sql)
            USING ERRCODE = 'syntax_error', HINT = 'A gate expression is one boolean expression, an assertion one SELECT.';
    END;
END
$$;
COMMENT ON FUNCTION audit._require_single_query(text) IS
  'Internal: raises unless the text is exactly one valid query; plans it as the caller, never runs it.';
