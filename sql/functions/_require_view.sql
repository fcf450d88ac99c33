-- Validates a target argument: not null, exists, is a view or materialized view, and is not
-- a system view (pg_catalog, information_schema, pg_toast: they show the server's state,
-- cannot be refreshed, and their closure would be themselves). Returns the canonical name.
-- Every public entry point that takes a target calls this, so bad input gets the same clear
-- error everywhere.
CREATE FUNCTION audit._require_view(p_target regclass, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_kind   "char";
    v_schema name;
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a view or materialized view, e.g. ''ml.features_v''::regclass.';
    END IF;
    SELECT c.relkind, n.nspname INTO v_kind, v_schema
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_target;
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
    IF v_schema OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[]) THEN
        RAISE EXCEPTION 'mvcert: % % is a system view; mvcert refreshes and certifies views and materialized views outside pg_catalog, information_schema and pg_toast',
                p_argument, audit._qualified_name(p_target)
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'System views show the server''s current state: nothing can refresh, pin or certify them. '
                         'To certify what a query over one returns, create a view over it in your own schema; '
                         'mvcert then lists the system view as an untracked, live input.';
    END IF;
    RETURN audit._qualified_name(p_target);
END
$$;
COMMENT ON FUNCTION audit._require_view(regclass, text) IS
  'Internal: raises a clear error unless the argument is an existing view or materialized view outside the system schemas; returns its canonical name.';

-- The same for a target given as text (the CLI, scripts): also names the value, as given and
-- in double quotes like PostgreSQL's own messages, when it is empty, blank, not a valid
-- name, or names nothing, where a cast to regclass would say only "invalid name syntax".
-- The original SQLSTATE is kept.
CREATE FUNCTION audit._require_view(p_target text, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target  regclass;
    v_state   text;
    v_message text;
BEGIN
    IF p_target IS NULL THEN
        RETURN audit._require_view(NULL::regclass, p_argument);
    END IF;
    IF pg_catalog.btrim(p_target, E' \t\r\n\f\v') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: % "%" is not a name: it is %', p_argument, p_target,
                CASE WHEN p_target OPERATOR(pg_catalog.=) '' THEN 'empty' ELSE 'blank' END
            USING ERRCODE = 'invalid_name',
                  HINT = 'Name a view or materialized view as schema.name, e.g. ml.features_v.';
    END IF;
    BEGIN
        v_target := p_target::regclass;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        RAISE EXCEPTION 'mvcert: % "%" %', p_argument, p_target,
                CASE v_state WHEN '42P01' THEN 'does not exist'
                             ELSE 'cannot be resolved: ' OPERATOR(pg_catalog.||) v_message END
            USING ERRCODE = v_state,
                  HINT = 'Name a view or materialized view as schema.name, e.g. ml.features_v; '
                         'quote parts with special characters: schema."my view".';
    END;
    RETURN audit._require_view(v_target, p_argument);
END
$$;
COMMENT ON FUNCTION audit._require_view(text, text) IS
  'Internal: audit._require_view for a target given as text; errors name the value as given (empty, blank, malformed or unknown names).';
