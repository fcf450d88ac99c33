-- Lets PostgreSQL itself parse SQL that a function runs, so that certification sees exactly
-- what the server resolves at run time (which overload a call picks, which literal becomes a
-- date) instead of guessing from the text. PostgreSQL keeps no parse of a function whose body
-- is text (LANGUAGE sql AS '...', PL/pgSQL), so this creates a temporary clone with a
-- BEGIN ATOMIC body, reads the parse tree PostgreSQL stored for it (prosqlbody) and undoes
-- the clone (the work runs in a subtransaction that is always rolled back).
--
-- Without p_statements the clone is the function itself: its input parameters and result,
-- its text body. With p_statements (SQL that a PL/pgSQL body runs, one statement after another) the
-- clone takes every parameter of the function as an input, plus p_variables
-- ([{"name": "v_day", "type": "date"}, ...], the PL/pgSQL variables those statements use),
-- returns void, and its body is p_statements. p_argument_types are the types a call passes
-- (the function's input parameters in order; 0 where unknown): they stand in for polymorphic
-- parameter types (anyelement, anyarray, ...), which a BEGIN ATOMIC body cannot have.
-- Names are resolved with the function's own search_path setting, or else with its schema
-- followed by the session's default search_path.
--
-- Returns one row: the tree (text form of pg_node_tree) and body_offset, the byte offset of
-- the body in the statement PostgreSQL parsed (tree locations are offsets in that
-- statement); or problem, saying why the body cannot be parsed this way. A body that would
-- end the BEGIN ATOMIC block early and add statements of its own is refused before
-- anything runs: the text must be exactly one CREATE FUNCTION statement.
CREATE FUNCTION audit._parse_sql_body(p_function regprocedure, p_argument_types oid[] DEFAULT NULL,
                                      p_statements text DEFAULT NULL, p_variables jsonb DEFAULT NULL)
RETURNS TABLE (tree text, body_offset integer, problem text)
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_proc          record;
    v_types         oid[];
    v_modes         "char"[];
    v_names         text[];
    -- per family: what anyelement, anyrange and anymultirange stand for
    v_element       oid[] := '{NULL,NULL}';
    v_range         oid[] := '{NULL,NULL}';
    v_multirange    oid[] := '{NULL,NULL}';
    v_families      integer[] := '{}';
    v_kinds         text[] := '{}';
    v_family        integer;
    v_actual        oid;
    v_type          oid;
    v_input         integer := 0;
    v_polymorphic   text;
    v_declarations  text[] := '{}';
    v_taken         text[] := '{}';
    v_variable      jsonb;
    v_returns       text;
    v_body          text;
    v_path          text;
    v_prefix        text;
    v_create        text;
    v_tag           text;
    v_cursor        refcursor;
BEGIN
    SELECT p.prokind, p.proretset, p.prorettype, p.prosrc, p.prosqlbody IS NOT NULL AS atomic, l.lanname,
           -- (proargtypes is an oidvector, whose array form starts at index 0)
           COALESCE(p.proallargtypes, pg_catalog.string_to_array(p.proargtypes::text, ' ')::oid[]) AS types, p.proargmodes AS modes,
           p.proargnames AS names, n.nspname, p.proconfig
      INTO v_proc
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE p.oid OPERATOR(pg_catalog.=) p_function;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: function % does not exist', p_function
            USING ERRCODE = 'undefined_function', HINT = 'Pass the oid of an existing function.';
    END IF;
    IF p_statements IS NULL AND (v_proc.lanname OPERATOR(pg_catalog.<>) 'sql' OR v_proc.atomic) THEN
        RAISE EXCEPTION 'mvcert: % has no SQL body stored as text (language %)', p_function, v_proc.lanname
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the statements to parse in p_statements, or a LANGUAGE sql function with a quoted body.';
    END IF;
    v_types := v_proc.types;
    v_modes := v_proc.modes;
    v_names := v_proc.names;

    -- Polymorphic types by family (1: anyelement and kin, 2: anycompatible and kin) and kind
    -- (element, array, range, multirange); position 0 is the result type.
    FOR i IN 0 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        v_polymorphic := (CASE WHEN i OPERATOR(pg_catalog.=) 0 THEN v_proc.prorettype ELSE v_types[i] END)::regtype::text;
        v_families[i] := CASE WHEN v_polymorphic OPERATOR(pg_catalog.~~) 'anycompatible%' THEN 2 ELSE 1 END;
        v_kinds[i] := CASE pg_catalog.replace(v_polymorphic, 'anycompatible', 'any')
                          WHEN 'any' THEN 'element' WHEN 'anyelement' THEN 'element' WHEN 'anynonarray' THEN 'element'
                          WHEN 'anyenum' THEN 'element' WHEN 'anyarray' THEN 'array' WHEN 'anyrange' THEN 'range'
                          WHEN 'anymultirange' THEN 'multirange' END;
    END LOOP;
    -- What they stand for at this call, from the types of its arguments.
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        CONTINUE WHEN v_modes IS NOT NULL AND v_modes[i] OPERATOR(pg_catalog.=) ANY (ARRAY['o', 't']::"char"[]);
        v_input := v_input OPERATOR(pg_catalog.+) 1;
        v_actual := NULLIF(p_argument_types[v_input], 0);
        CONTINUE WHEN v_actual IS NULL OR v_kinds[i] IS NULL;
        v_family := v_families[i];
        CASE v_kinds[i]
            WHEN 'element' THEN
                v_element[v_family] := COALESCE(v_element[v_family], v_actual);
            WHEN 'array' THEN
                v_element[v_family] := COALESCE(v_element[v_family], (SELECT NULLIF(t.typelem, 0) FROM pg_catalog.pg_type t
                                                                     WHERE t.oid OPERATOR(pg_catalog.=) v_actual));
            WHEN 'range' THEN
                v_range[v_family] := COALESCE(v_range[v_family], v_actual);
            ELSE
                v_multirange[v_family] := COALESCE(v_multirange[v_family], v_actual);
        END CASE;
    END LOOP;
    FOR f IN 1 .. 2 LOOP
        v_range[f] := COALESCE(v_range[f], (SELECT r.rngtypid FROM pg_catalog.pg_range r
                                             WHERE r.rngmultitypid OPERATOR(pg_catalog.=) v_multirange[f]));
        v_multirange[f] := COALESCE(v_multirange[f], (SELECT r.rngmultitypid FROM pg_catalog.pg_range r
                                                       WHERE r.rngtypid OPERATOR(pg_catalog.=) v_range[f]));
        v_element[f] := COALESCE(v_element[f], (SELECT r.rngsubtype FROM pg_catalog.pg_range r
                                                 WHERE r.rngtypid OPERATOR(pg_catalog.=) v_range[f]));
    END LOOP;

    -- Parameters of the clone, polymorphic types replaced by what they stand for.
    FOR i IN 0 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        v_type := CASE WHEN i OPERATOR(pg_catalog.=) 0 THEN v_proc.prorettype ELSE v_types[i] END;
        v_polymorphic := v_type::regtype::text;
        v_family := v_families[i];
        v_type := CASE v_kinds[i]
                      WHEN 'element' THEN v_element[v_family]
                      WHEN 'array' THEN (SELECT NULLIF(t.typarray, 0) FROM pg_catalog.pg_type t
                                          WHERE t.oid OPERATOR(pg_catalog.=) v_element[v_family])
                      WHEN 'range' THEN v_range[v_family]
                      WHEN 'multirange' THEN v_multirange[v_family]
                      ELSE v_type
                  END;
        IF v_type IS NULL THEN
            problem := pg_catalog.format('polymorphic type %s: the argument types of the call are not known', v_polymorphic);
            RETURN NEXT;
            RETURN;
        END IF;
        IF i OPERATOR(pg_catalog.=) 0 THEN
            v_returns := CASE WHEN v_proc.proretset THEN 'SETOF ' ELSE '' END
                         OPERATOR(pg_catalog.||) pg_catalog.format_type(v_type, NULL);
            CONTINUE;
        END IF;
        -- a clone of a SQL function takes its inputs only: its body cannot name OUT parameters
        -- (and PostgreSQL 15 does not resolve an INOUT name after an OUT one in BEGIN ATOMIC)
        CONTINUE WHEN p_statements IS NULL AND v_modes IS NOT NULL
                  AND v_modes[i] OPERATOR(pg_catalog.=) ANY (ARRAY['o', 't']::"char"[]);
        v_declarations := v_declarations OPERATOR(pg_catalog.||) pg_catalog.concat_ws(' ',
            pg_catalog.quote_ident(NULLIF(v_names[i], '')), pg_catalog.format_type(v_type, NULL));
        IF NULLIF(v_names[i], '') IS NOT NULL THEN
            v_taken := v_taken OPERATOR(pg_catalog.||) v_names[i];
        END IF;
    END LOOP;

    IF p_statements IS NULL THEN
        v_body := v_proc.prosrc;
        v_prefix := CASE WHEN v_proc.prokind OPERATOR(pg_catalog.=) 'p'
                         THEN pg_catalog.format('CREATE PROCEDURE pg_temp.mvcert_parse_probe(%s) LANGUAGE sql BEGIN ATOMIC',
                                                pg_catalog.array_to_string(v_declarations, ', '))
                         ELSE pg_catalog.format('CREATE FUNCTION pg_temp.mvcert_parse_probe(%s) RETURNS %s LANGUAGE sql BEGIN ATOMIC',
                                                pg_catalog.array_to_string(v_declarations, ', '), v_returns) END;
    ELSE
        -- PL/pgSQL variables become parameters too (a name already taken by a parameter is
        -- that parameter; record variables have no SQL type and are left out)
        FOR v_variable IN SELECT e.value FROM pg_catalog.jsonb_array_elements(COALESCE(p_variables, '[]')) e LOOP
            CONTINUE WHEN (v_variable OPERATOR(pg_catalog.->>) 'name') OPERATOR(pg_catalog.=) ANY (v_taken)
                       OR pg_catalog.lower(v_variable OPERATOR(pg_catalog.->>) 'type') OPERATOR(pg_catalog.=) 'record';
            v_declarations := v_declarations OPERATOR(pg_catalog.||) pg_catalog.format('%I %s',
                v_variable OPERATOR(pg_catalog.->>) 'name', v_variable OPERATOR(pg_catalog.->>) 'type');
            v_taken := v_taken OPERATOR(pg_catalog.||) (v_variable OPERATOR(pg_catalog.->>) 'name');
        END LOOP;
        v_body := p_statements;
        v_prefix := pg_catalog.format('CREATE FUNCTION pg_temp.mvcert_parse_probe(%s) RETURNS void LANGUAGE sql BEGIN ATOMIC',
                                      pg_catalog.array_to_string(v_declarations, ', '));
    END IF;
    v_prefix := v_prefix OPERATOR(pg_catalog.||) E'\n';
    -- a trailing -- comment in the body must not swallow the end of the block
    v_create := v_prefix OPERATOR(pg_catalog.||) v_body OPERATOR(pg_catalog.||) E'\n;\nEND';
    body_offset := pg_catalog.octet_length(v_prefix);
    v_tag := CASE WHEN p_statements IS NULL AND v_proc.prokind OPERATOR(pg_catalog.=) 'p'
                  THEN 'CREATE PROCEDURE' ELSE 'CREATE FUNCTION' END;

    SELECT pg_catalog.substr(c, 13) INTO v_path
      FROM pg_catalog.unnest(v_proc.proconfig) AS c
     WHERE c OPERATOR(pg_catalog.~~) 'search\_path=%';
    IF v_path IS NULL THEN
        SELECT pg_catalog.quote_ident(v_proc.nspname) OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) s.reset_val
          INTO v_path
          FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'search_path';
    END IF;

    -- Exactly one statement? Opening it as a cursor plans it without running it: several
    -- statements fail as a multi-query plan, one CREATE as a command that returns no rows.
    BEGIN
        OPEN v_cursor FOR EXECUTE v_create;
        CLOSE v_cursor;
        problem := 'the body is not a list of statements';
    EXCEPTION
        WHEN invalid_cursor_definition THEN
            IF pg_catalog.strpos(SQLERRM, v_tag) OPERATOR(pg_catalog.=) 0 THEN
                problem := 'the body is not a list of statements that BEGIN ATOMIC can hold';
            END IF;
        WHEN OTHERS THEN
            problem := SQLERRM;
    END;
    IF problem IS NOT NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;

    BEGIN
        PERFORM pg_catalog.set_config('search_path', v_path, true),
                pg_catalog.set_config('check_function_bodies', 'on', true),
                pg_catalog.set_config('client_min_messages', 'warning', true);
        EXECUTE v_create;
        SELECT p.prosqlbody::text INTO tree
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema()
           AND p.proname OPERATOR(pg_catalog.=) 'mvcert_parse_probe';
        -- undo the clone and the settings (the values read above are kept)
        RAISE SQLSTATE 'MVC99';
    EXCEPTION
        WHEN SQLSTATE 'MVC99' THEN
            NULL;
        WHEN OTHERS THEN
            tree := NULL;
            problem := SQLERRM;
    END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._parse_sql_body(regprocedure, oid[], text, jsonb) IS
  'Internal: the parse tree PostgreSQL makes of a function''s SQL (its text body, or given PL/pgSQL statements), via a temporary BEGIN ATOMIC clone that is rolled back.';
