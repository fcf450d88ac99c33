-- Readers for the load tests: each call reads gen.feature_v, guarded or not, and returns the
-- generation it got, or the mvcert SQLSTATE (MVC01-MVC05) the guarded view failed with; any
-- other error is raised as usual. Each session writes a server log line (RAISE LOG) whenever
-- what it reads differs from its previous read, so the server log holds every generation
-- every session ever got, at the cost of a few lines per generation.
--
-- The guarded view gen.feature_guarded_v is made by mvcert once the target is registered:
--   SELECT audit.create_guarded_view('gen.feature_v', 'gen.feature_guarded_v', interval '1 day');

-- Logs p_outcome when it differs from this session's previous outcome for p_reader; returns it.
CREATE FUNCTION gen.observe(p_reader text, p_outcome text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_setting  text := 'gen_read.' || p_reader;
    v_previous text := current_setting(v_setting, true);
BEGIN
    IF v_previous IS DISTINCT FROM p_outcome THEN
        RAISE LOG 'gen read % got % (before: %)', p_reader, p_outcome, coalesce(nullif(v_previous, ''), 'nothing');
        PERFORM set_config(v_setting, p_outcome, false);
    END IF;
    RETURN p_outcome;
END
$$;

-- A point read by key: the row's generation.
CREATE FUNCTION gen.read_point(p_id integer, p_guarded boolean)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_generation integer;
    v_reader     text := CASE WHEN p_guarded THEN 'guarded_point' ELSE 'source_point' END;
BEGIN
    IF p_guarded THEN
        SELECT generation INTO v_generation FROM gen.feature_guarded_v WHERE id = p_id;
    ELSE
        SELECT generation INTO v_generation FROM gen.feature_v WHERE id = p_id;
    END IF;
    RETURN gen.observe(v_reader, coalesce(v_generation::text, 'missing'));
EXCEPTION
    WHEN SQLSTATE 'MVC01' OR SQLSTATE 'MVC02' OR SQLSTATE 'MVC03' OR SQLSTATE 'MVC04' OR SQLSTATE 'MVC05' THEN
        RETURN gen.observe(v_reader, SQLSTATE);
END
$$;

-- An aggregate scan: the one generation of every row, or 'mixed:<min>-<max>' if they differ.
CREATE FUNCTION gen.read_scan(p_guarded boolean)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_min    integer;
    v_max    integer;
    v_reader text := CASE WHEN p_guarded THEN 'guarded_scan' ELSE 'source_scan' END;
BEGIN
    IF p_guarded THEN
        SELECT min(generation), max(generation) INTO v_min, v_max FROM gen.feature_guarded_v;
    ELSE
        SELECT min(generation), max(generation) INTO v_min, v_max FROM gen.feature_v;
    END IF;
    RETURN gen.observe(v_reader, CASE WHEN v_min IS NULL THEN 'missing' WHEN v_min = v_max THEN v_min::text
                                      ELSE 'mixed:' || v_min || '-' || v_max END);
EXCEPTION
    WHEN SQLSTATE 'MVC01' OR SQLSTATE 'MVC02' OR SQLSTATE 'MVC03' OR SQLSTATE 'MVC04' OR SQLSTATE 'MVC05' THEN
        RETURN gen.observe(v_reader, SQLSTATE);
END
$$;
