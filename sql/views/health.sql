-- Health of every registered target, for export jobs, dashboards and the agent's /health:
-- the registry status (UNCERTIFIED when never certified, STALE also when older than the
-- target's max_age), how old the last passing certification is, and whether exports are
-- allowed (CERTIFIED and younger than export_max_age). Breaker state of the target's
-- views: columns to be added at the end of this view by the breaker area.
CREATE VIEW audit.health AS
SELECT t.target,
       CASE WHEN r.target IS NULL THEN 'UNCERTIFIED'
            WHEN r.status OPERATOR(pg_catalog.=) 'CERTIFIED'
                 AND pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.>) t.max_age THEN 'STALE'
            ELSE r.status END AS status,
       r.status AS registry_status,
       r.certified_at,
       pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at AS age,
       t.max_age,
       (r.status IS DISTINCT FROM 'CERTIFIED'
        OR pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.>) t.max_age) AS stale,
       COALESCE(r.status OPERATOR(pg_catalog.=) 'CERTIFIED'
                AND pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.<=) t.export_max_age,
                false) AS exports_allowed,
       t.export_max_age,
       COALESCE(r.failing_checks, '{}') AS failing_checks,
       r.stale_reason,
       r.last_certification_id,
       r.last_certification_at,
       r.certified_run_id,
       r.last_run_id
  FROM audit.target t
  LEFT JOIN audit.registry r ON r.target OPERATOR(pg_catalog.=) t.target;
COMMENT ON VIEW audit.health IS
  'Per target: certification status, age, stale flag and whether exports are allowed (breaker state to be added).';
