-- Whether the WHERE clause of an index is constantly true, decided the way REFRESH ...
-- CONCURRENTLY decides it: the server reads the predicate through RelationGetIndexPredicate,
-- which folds constants (eval_const_expressions: immutable functions are evaluated, simple
-- SQL functions inlined), and an index whose predicate folds to TRUE counts as having none.
-- A predicate without column references is handed to the same folder, as the planner's
-- qual preprocessing of `SELECT WHERE <predicate>`, and EXPLAIN shows what is left of it:
-- nothing when it folded to TRUE; a One-Time Filter when it folded to FALSE or NULL or did
-- not fold (a stable function). Only what the server would evaluate is evaluated, as the
-- caller (never SECURITY DEFINER). Returns true or false, or NULL when it cannot be decided
-- here: the predicate reads columns, or folding it fails (the server's refresh would then
-- fail too); callers treat NULL as a partial index, as before. An index without a
-- predicate holds trivially. VOLATILE only because PostgreSQL refuses EXPLAIN in a
-- non-volatile function; it reads and changes nothing.
CREATE FUNCTION audit._index_predicate_holds(p_index oid)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_predicate pg_catalog.pg_node_tree;
    v_table     oid;
    v_plan      jsonb;
BEGIN
    SELECT i.indpred, i.indrelid INTO v_predicate, v_table
      FROM pg_catalog.pg_index i
     WHERE i.indexrelid OPERATOR(pg_catalog.=) p_index;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_predicate IS NULL THEN
        RETURN true;
    END IF;
    IF pg_catalog.strpos(v_predicate::text, '{VAR ') OPERATOR(pg_catalog.>) 0 THEN
        RETURN NULL;
    END IF;
    BEGIN
        -- the expression as pg_get_expr prints it under this function's search_path, so
        -- it parses back to the same functions and operators
        EXECUTE pg_catalog.format('EXPLAIN (COSTS OFF, FORMAT JSON) SELECT WHERE (%s)',
                                  pg_catalog.pg_get_expr(v_predicate, v_table))
           INTO v_plan;
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    RETURN NOT (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.?) 'One-Time Filter');
END
$$;
COMMENT ON FUNCTION audit._index_predicate_holds(oid) IS
  'Internal: whether an index''s WHERE clause folds to TRUE the way the server folds it (NULL when it reads columns or cannot be folded).';
