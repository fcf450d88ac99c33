-- Health of every registered target, for export jobs, dashboards and the agent's /health:
-- the registry status (UNCERTIFIED when never certified, STALE also when older than the
-- target's max_age), how old the last passing certification is, and whether exports are
-- allowed (CERTIFIED and younger than export_max_age), and the circuit breakers that are
-- not closed among its materialized views (those recorded by the last passing
-- certification, plus the target itself: reading the live closure here could fail).
-- change_detection: whether REFRESH and DDL run outside mvcert are caught (see
-- audit.change_detection; where false, readers should use the strict gate).
-- stuck_request: the oldest queued request of the target when it has waited longer than the
-- target's max_age and no agent is alive to run it (nothing will refresh the target).
-- live_inputs: relations the target reads through plain views only, whose rows change
-- without any refresh (audit._live_inputs; NULL when its closure cannot be read now).
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
       r.last_run_id,
       COALESCE(br.open_breakers, '{}') AS open_breakers,
       COALESCE(pg_catalog.cardinality(br.open_breakers) OPERATOR(pg_catalog.>) 0, false) AS breaker_open,
       audit.change_detection() AS change_detection,
       (SELECT pg_catalog.format('request %s (%s) queued since %s, %s ago, and no agent is alive to run it',
                                 q.request_id, q.mode, q.requested_at,
                                 pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) q.requested_at))
          FROM audit.run_request q
         WHERE q.target OPERATOR(pg_catalog.=) t.target AND q.status OPERATOR(pg_catalog.=) 'queued'
           AND pg_catalog.now() OPERATOR(pg_catalog.-) q.requested_at OPERATOR(pg_catalog.>) t.max_age
           AND audit._live_agent_count() OPERATOR(pg_catalog.=) 0
         ORDER BY q.requested_at LIMIT 1) AS stuck_request,
       audit._health_live_inputs(t.target) AS live_inputs
  FROM audit.target t
  LEFT JOIN audit.registry r ON r.target OPERATOR(pg_catalog.=) t.target
  LEFT JOIN LATERAL (
        SELECT pg_catalog.array_agg(bs.matview OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||) bs.state
                                    OPERATOR(pg_catalog.||) ')' ORDER BY bs.matview) AS open_breakers
          FROM audit.breaker_status bs
         WHERE bs.is_open
           AND (bs.matview OPERATOR(pg_catalog.=) t.target
                OR EXISTS (SELECT FROM audit.certified_object o
                            WHERE o.target OPERATOR(pg_catalog.=) t.target
                              AND o.object OPERATOR(pg_catalog.=) bs.matview))) br ON true;
COMMENT ON VIEW audit.health IS
  'Per target: certification status, age, stale flag, whether exports are allowed, open circuit breakers of its views, and live inputs (read through plain views only).';
