-- The materialized views of a target's closure (the target too, if it is one) in the order
-- they must be refreshed, with how and why. A matview's depends_on lists the closure's
-- matviews it reads directly or through plain views and functions (declared edges
-- included); its level is 0 when that list is empty, else 1 + the highest level in it, so
-- all matviews of one level may be refreshed in parallel once the lower levels are done.
-- step numbers the rows 1..n by level, then name: a valid topological order. Plain views
-- are traversed, not planned. mode/reason say what REFRESH the server would accept and
-- what a DBA would choose (see audit._refresh_modes for the rules, which follow the
-- server's own CONCURRENTLY test): 'concurrently' (reason 'concurrently'), 'plain'
-- ('plain:unpopulated', 'plain:no_unique_index') or 'rebuild' ('rebuild:invalid_index').
-- An unpopulated view with an invalid unique index is planned 'plain:unpopulated': its
-- plain refresh rebuilds and validates that index and blocks no reader, so it need not
-- wait for a maintenance window like a rebuild. unique_index is the index CONCURRENTLY
-- relies on (or, for a rebuild, the invalid one it restores); warning lists problems a
-- DBA should fix (nullable keys of unique indexes, invalid or ineligible indexes), one
-- per line; the last step also carries the target's live-inputs warning
-- (audit._live_inputs_warning: tables the target reads through plain views only, whose rows
-- no refresh pins); detail explains the choice in words.
CREATE FUNCTION audit.refresh_plan(p_target regclass)
RETURNS TABLE (step integer, level integer, matview text, relid oid, mode text, reason text,
               unique_index text, depends_on text[], warning text, detail text,
               expected_duration interval, critical_path boolean)
LANGUAGE sql
STABLE
-- ROWS: what the planner expects of each set-returning function of the run path (PostgreSQL
-- assumes 1000); with that default this plan's recursive CTEs expected a million rows and
-- sized their hash tables to work_mem, some 20 MB a call for a ten-view chain
ROWS 20
SET search_path TO pg_catalog, pg_temp
AS $$
WITH RECURSIVE graph AS MATERIALIZED (
    SELECT g.* FROM audit._closure_graph(p_target) AS g
), matview AS (
    SELECT g.name, g.objid FROM graph g WHERE g.kind OPERATOR(pg_catalog.=) 'materialized view'
), reach (matview, name) AS (
    -- from each matview down through plain views and functions, stopping at matviews
    SELECT m.name, r.name
      FROM matview m
      JOIN graph g ON g.name OPERATOR(pg_catalog.=) m.name
      CROSS JOIN LATERAL pg_catalog.unnest(g.reads) AS r(name)
    UNION
    SELECT reach.matview, r.name
      FROM reach
      JOIN graph g ON g.name OPERATOR(pg_catalog.=) reach.name
                  AND g.kind OPERATOR(pg_catalog.<>) 'materialized view'
      CROSS JOIN LATERAL pg_catalog.unnest(g.reads) AS r(name)
), reads_matview AS (
    SELECT reach.matview, reach.name AS depends_on
      FROM reach JOIN matview m ON m.name OPERATOR(pg_catalog.=) reach.name
), leveled (matview, level) AS (
    -- longest chain of matviews below each one; the closure is acyclic (checked by the walk)
    SELECT m.name, 0 FROM matview m
    UNION
    SELECT r.matview, l.level OPERATOR(pg_catalog.+) 1
      FROM leveled l JOIN reads_matview r ON r.depends_on OPERATOR(pg_catalog.=) l.matview
), depends AS (
    SELECT r.matview, pg_catalog.array_agg(r.depends_on ORDER BY r.depends_on) AS depends_on
      FROM reads_matview r
     GROUP BY r.matview
), planned AS (
    SELECT m.name, m.objid, pg_catalog.max(l.level) AS level
      FROM matview m JOIN leveled l ON l.matview OPERATOR(pg_catalog.=) m.name
     GROUP BY m.name, m.objid
), ordered AS (
    SELECT pg_catalog.row_number() OVER (ORDER BY p.level, p.name)::integer AS step,
           pg_catalog.count(*) OVER ()::integer AS steps,
           p.level, p.name, p.objid, rm.mode, rm.reason, rm.unique_index, COALESCE(d.depends_on, '{}') AS depends_on,
           rm.warning, rm.detail
      FROM planned p
      LEFT JOIN depends d ON d.matview OPERATOR(pg_catalog.=) p.name
      JOIN audit._refresh_modes((SELECT pg_catalog.array_agg(m.objid) FROM matview m)) AS rm
        ON rm.relid OPERATOR(pg_catalog.=) p.objid
), timed AS MATERIALIZED (
    -- every column of the plan and the expected duration: the result reads this alone, so no
    -- join of two CTEs (which the planner, expecting few rows, may run as a nested loop)
    SELECT o.*, audit.expected_duration(o.name) AS expected FROM ordered o
), finish (level, at) AS (
    -- level by level: a view ends its expected duration after the latest of its inputs
    SELECT -1, '{}'::jsonb
    UNION ALL
    SELECT f.level OPERATOR(pg_catalog.+) 1,
           f.at OPERATOR(pg_catalog.||) COALESCE((
               SELECT pg_catalog.jsonb_object_agg(t.name,
                        COALESCE(EXTRACT(epoch FROM t.expected), 0) OPERATOR(pg_catalog.+)
                        COALESCE((SELECT pg_catalog.max((f.at OPERATOR(pg_catalog.->>) d)::numeric)
                                    FROM pg_catalog.unnest(t.depends_on) d), 0))
                 FROM timed t WHERE t.level OPERATOR(pg_catalog.=) (f.level OPERATOR(pg_catalog.+) 1)), '{}')
      FROM finish f
     WHERE f.level OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(t.level) FROM timed t)
), ends AS (
    SELECT f.at FROM finish f ORDER BY f.level DESC LIMIT 1
), critical (name) AS (
    -- back from the view that ends last, through the input that ends last
    (SELECT t.name FROM timed t, ends e
      ORDER BY (e.at OPERATOR(pg_catalog.->>) t.name)::numeric DESC, t.level DESC, t.name LIMIT 1)
    UNION ALL
    (SELECT x.d FROM critical c
       JOIN timed t ON t.name OPERATOR(pg_catalog.=) c.name
      CROSS JOIN ends e
      CROSS JOIN LATERAL (SELECT d FROM pg_catalog.unnest(t.depends_on) d
                           ORDER BY (e.at OPERATOR(pg_catalog.->>) d)::numeric DESC, d LIMIT 1) x)
)
SELECT t.step, t.level, t.name, t.objid, t.mode, t.reason, t.unique_index, t.depends_on,
       CASE WHEN t.step OPERATOR(pg_catalog.=) t.steps
            THEN NULLIF(pg_catalog.concat_ws(E'\n', t.warning, audit._live_inputs_warning(p_target)), '')
            ELSE t.warning END,
       t.detail, t.expected, EXISTS (SELECT FROM critical c WHERE c.name OPERATOR(pg_catalog.=) t.name)
  FROM timed t
 ORDER BY t.step
$$;
COMMENT ON FUNCTION audit.refresh_plan(regclass) IS
  'The materialized views of a target''s closure in refresh order: step, parallel level, mode (concurrently, plain, rebuild), reason, unique index, direct matview dependencies, warnings, expected duration and the critical path.';
