-- Deletes old run history (runs and, by cascade, their steps) and old feed batches so
-- history does not grow without bound. A finished run is deleted when it ended before
-- now() - keep_for, unless it is among the newest keep_runs_per_target runs of its target;
-- running runs are never deleted. Feed batches older than keep_for are deleted except the
-- newest of each feed. Defaults come from audit.history_retention (90 days, 20 runs).
-- Returns the number of runs deleted. Meant for pg_cron:
--   SELECT cron.schedule('mvcert-purge', '17 3 * * *', 'SELECT audit.purge_history()');
CREATE FUNCTION audit.purge_history(p_keep_for interval DEFAULT NULL, p_keep_runs_per_target integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_keep_for  interval;
    v_keep_runs integer;
    v_deleted   bigint;
BEGIN
    SELECT COALESCE(p_keep_for, (SELECT h.keep_for FROM audit.history_retention h), interval '90 days'),
           COALESCE(p_keep_runs_per_target, (SELECT h.keep_runs_per_target FROM audit.history_retention h), 20)
      INTO v_keep_for, v_keep_runs;
    IF v_keep_for <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: keep_for must be positive, got %', v_keep_for
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''90 days''';
    END IF;
    IF v_keep_runs < 0 THEN
        RAISE EXCEPTION 'mvcert: keep_runs_per_target must not be negative, got %', v_keep_runs
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH ranked AS (
        SELECT r.run_id, r.status, r.finished_at,
               pg_catalog.row_number() OVER (PARTITION BY r.target ORDER BY r.started_at DESC, r.run_id DESC) AS newest
          FROM audit.run r
    ), gone AS (
        DELETE FROM audit.run r
         USING ranked k
         WHERE r.run_id OPERATOR(pg_catalog.=) k.run_id
           AND k.status OPERATOR(pg_catalog.<>) 'running'
           AND k.finished_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) v_keep_for)
           AND k.newest OPERATOR(pg_catalog.>) v_keep_runs
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO v_deleted FROM gone;

    DELETE FROM audit.feed_batch b
     WHERE b.finished_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) v_keep_for)
       AND EXISTS (SELECT 1 FROM audit.feed_batch n
                    WHERE n.feed OPERATOR(pg_catalog.=) b.feed
                      AND n.started_at OPERATOR(pg_catalog.>) b.started_at);
    RETURN v_deleted;
END
$$;
COMMENT ON FUNCTION audit.purge_history(interval, integer) IS
  'Deletes finished runs (and their steps) older than the retention, keeping the newest runs per target; for pg_cron.';
