-- Validates a target argument: not null, exists, and is a view or materialized view.
-- Returns the canonical name. Every public entry point that takes a target calls this,
-- so bad input gets the same clear error everywhere.
CREATE FUNCTION audit._require_view(p_target regclass, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_kind "char";
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a view or materialized view, e.g. ''ml.features_v''::regclass.';
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: % % does not exist', p_argument, p_target::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF v_kind NOT IN ('v', 'm') THEN
        RAISE EXCEPTION 'mvcert: % % is %, not a view or materialized view',
                p_argument, audit._qualified_name(p_target),
                CASE v_kind WHEN 'r' THEN 'a table' WHEN 'p' THEN 'a partitioned table'
                            WHEN 'f' THEN 'a foreign table' WHEN 'i' THEN 'an index' WHEN 'I' THEN 'a partitioned index'
                            WHEN 'S' THEN 'a sequence' WHEN 'c' THEN 'a composite type'
                            ELSE 'a relation of kind ' || v_kind::text END
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'mvcert refreshes and certifies views and materialized views only.';
    END IF;
    RETURN audit._qualified_name(p_target);
END
$$;
COMMENT ON FUNCTION audit._require_view(regclass, text) IS
  'Internal: raises a clear error unless the argument is an existing view or materialized view; returns its canonical name.';
