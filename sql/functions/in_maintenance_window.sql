-- Whether a moment falls inside a target's daily maintenance window (server time zone):
-- [maintenance_window_start, + maintenance_window_length), which may run past midnight.
-- Plain refreshes by policy and index rebuilds (rebuild:invalid_index) happen only inside
-- it. False for a target without a window or not registered.
CREATE FUNCTION audit.in_maintenance_window(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name   text := audit._require_view(p_target);
    v_start  time;
    v_length interval;
    v_local  timestamp := p_at::timestamp;
BEGIN
    SELECT t.maintenance_window_start, t.maintenance_window_length INTO v_start, v_length
      FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_name;
    IF v_start IS NULL THEN
        RETURN false;
    END IF;
    -- the window that opened today, or the one that opened yesterday and runs past midnight
    RETURN EXISTS (
        SELECT 1
          FROM (VALUES (v_local::date OPERATOR(pg_catalog.+) v_start),
                       ((v_local::date OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.+) v_start)) AS w(opens)
         WHERE v_local OPERATOR(pg_catalog.>=) w.opens
           AND v_local OPERATOR(pg_catalog.<) (w.opens OPERATOR(pg_catalog.+) v_length));
END
$$;
COMMENT ON FUNCTION audit.in_maintenance_window(regclass, timestamptz) IS
  'True when the moment (default now) is inside the target''s daily maintenance window.';
