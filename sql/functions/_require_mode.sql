-- Validates a run mode (or another enumerated) argument against the modes an entry point accepts, so every entry
-- point rejects a bad mode with the same clear error naming the value. Returns the mode.
CREATE FUNCTION audit._require_mode(p_mode text, p_allowed text[], p_argument text DEFAULT 'mode')
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_mode IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = pg_catalog.format('Use one of: %s.', pg_catalog.array_to_string(p_allowed, ', '));
    END IF;
    IF NOT p_mode OPERATOR(pg_catalog.=) ANY (p_allowed) THEN
        RAISE EXCEPTION 'mvcert: unknown % %', p_argument, pg_catalog.quote_literal(p_mode)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Use one of: %s.', pg_catalog.array_to_string(p_allowed, ', '));
    END IF;
    RETURN p_mode;
END
$$;
COMMENT ON FUNCTION audit._require_mode(text, text[], text) IS
  'Internal: raises a clear error naming the value unless the mode is one of the allowed ones; returns it.';
