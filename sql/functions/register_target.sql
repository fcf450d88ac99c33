-- Registers a view or materialized view as an mvcert target, or updates its policy.
-- Arguments left NULL keep the current value (or the default for a new target). p_run_mode
-- is the mode runs use when the caller names none (incremental or atomic: see
-- audit.target.run_mode), p_fail_fast stops a run at its first failed view, p_step_order
-- orders the views ready to start (cheapest_first or critical_path_first). System views are
-- refused (audit._require_view). A target that reads tables through plain views only gets a
-- WARNING naming them (audit._live_inputs_warning): its rows change without any refresh. That is a warning, not an error, and when the closure cannot be read now (a stale
-- declared edge) the WARNING says so and the target is registered all the same.
CREATE FUNCTION audit.register_target(
    p_target                  regclass,
    p_description             text     DEFAULT NULL,
    p_max_age                 interval DEFAULT NULL,
    p_export_max_age          interval DEFAULT NULL,
    p_statement_timeout       interval DEFAULT NULL,
    p_lock_timeout            interval DEFAULT NULL,
    p_day_column              text     DEFAULT NULL,
    p_run_mode                text     DEFAULT NULL,
    p_fail_fast               boolean  DEFAULT NULL,
    p_step_order              text     DEFAULT NULL)
RETURNS audit.target
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name    text := audit._require_view(p_target);
    v_row     audit.target;
    v_warning text;
BEGIN
    IF p_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_export_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: export_max_age must be positive, got %', p_export_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_statement_timeout < interval '0' THEN
        RAISE EXCEPTION 'mvcert: statement_timeout must not be negative, got %', p_statement_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF p_lock_timeout < interval '0' THEN
        RAISE EXCEPTION 'mvcert: lock_timeout must not be negative, got %', p_lock_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    -- The engine sets these as statement_timeout / lock_timeout, whose limit is INT_MAX ms
    -- (about 24.8 days): refuse more now rather than fail every run later.
    IF pg_catalog.date_part('epoch', p_statement_timeout) OPERATOR(pg_catalog.*) 1000 OPERATOR(pg_catalog.>) 2147483647 THEN
        RAISE EXCEPTION 'mvcert: statement_timeout % is longer than PostgreSQL allows (about 24 days)', p_statement_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF pg_catalog.date_part('epoch', p_lock_timeout) OPERATOR(pg_catalog.*) 1000 OPERATOR(pg_catalog.>) 2147483647 THEN
        RAISE EXCEPTION 'mvcert: lock_timeout % is longer than PostgreSQL allows (about 24 days)', p_lock_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF p_run_mode IS NOT NULL THEN
        PERFORM audit._require_mode(p_run_mode, ARRAY['incremental', 'atomic'], 'run_mode');
    END IF;
    IF p_step_order IS NOT NULL THEN
        PERFORM audit._require_mode(p_step_order, ARRAY['cheapest_first', 'critical_path_first'], 'step_order');
    END IF;
    IF p_day_column IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) p_target
           AND a.attname OPERATOR(pg_catalog.=) p_day_column
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'mvcert: day column % does not exist in %', pg_catalog.quote_ident(p_day_column), v_name
            USING ERRCODE = 'undefined_column';
    END IF;

    INSERT INTO audit.target AS t (target, description, max_age, export_max_age,
                                   statement_timeout, lock_timeout, day_column, run_mode, fail_fast, step_order)
    VALUES (v_name, p_description,
            coalesce(p_max_age, interval '24 hours'),
            coalesce(p_export_max_age, interval '24 hours'),
            coalesce(p_statement_timeout, interval '30 minutes'),
            coalesce(p_lock_timeout, interval '10 seconds'),
            p_day_column,
            coalesce(p_run_mode, 'incremental'),
            coalesce(p_fail_fast, false),
            coalesce(p_step_order, 'cheapest_first'))
    ON CONFLICT (target) DO UPDATE SET
        description       = coalesce(EXCLUDED.description, t.description),
        max_age           = coalesce(p_max_age, t.max_age),
        export_max_age    = coalesce(p_export_max_age, t.export_max_age),
        statement_timeout = coalesce(p_statement_timeout, t.statement_timeout),
        lock_timeout      = coalesce(p_lock_timeout, t.lock_timeout),
        day_column        = coalesce(p_day_column, t.day_column),
        run_mode          = coalesce(p_run_mode, t.run_mode),
        fail_fast         = coalesce(p_fail_fast, t.fail_fast),
        step_order        = coalesce(p_step_order, t.step_order)
    RETURNING * INTO v_row;

    BEGIN
        v_warning := audit._live_inputs_warning(p_target);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_warning = MESSAGE_TEXT;
        RAISE WARNING 'mvcert: live inputs of % cannot be determined now: %', v_name, v_warning
            USING HINT = 'audit.closure(target) shows the problem; runs of this target fail until it is fixed.';
        v_warning := NULL;
    END;
    IF v_warning IS NOT NULL THEN
        RAISE WARNING '%', v_warning
            USING HINT = 'Read the tables through a materialized view to give readers a refreshed, certified snapshot; '
                         'audit.health lists live inputs per target.';
    END IF;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text, text, boolean, text) IS
  'Registers a view or materialized view as an mvcert target, or updates its policy (NULL arguments keep the current value).';
