-- How each given materialized view would be refreshed, and why, judged the way the server
-- judges it. REFRESH ... CONCURRENTLY needs a populated view and at least one unique
-- index that is valid, btree, immediate, has no WHERE clause and only plain columns as
-- keys (matview.c, is_usable_unique_index; indexes being dropped do not count); it then
-- matches old and new rows on the key columns of EVERY such index at once. The server
-- reads the WHERE clause after constant folding, so one that folds to TRUE (WHERE 2 > 1,
-- WHERE f() with an immutable f returning true) counts as none: audit._index_predicate_holds
-- folds such predicates with the server's own folder, as the caller; a predicate over
-- columns stays partial. Hence:
--   concurrently           populated and a usable unique index exists;
--   plain:unpopulated      never populated: CONCURRENTLY is refused, and since nobody can
--                          read the view a plain refresh blocks no one. This wins over an
--                          invalid unique index: the heap swap of a plain refresh rebuilds
--                          every index of the view and marks an invalid one valid (checked
--                          on PostgreSQL 15), which is exactly what a rebuild would do,
--                          without waiting for a maintenance window;
--   rebuild:invalid_index  populated, no usable unique index, but one that would be usable
--                          is invalid (a failed CREATE INDEX CONCURRENTLY): a plain refresh
--                          in a maintenance window rebuilds it, then CONCURRENTLY applies;
--   plain:no_unique_index  populated and nothing else applies.
-- NULL keys: matview columns never carry NOT NULL, and what the view's query can yield is
-- not cheaply decidable, so a key column counts as NULL-free only when it is NOT NULL or
-- the last ANALYZE saw no NULL in it (pg_stats.null_frac = 0; no statistics counts as
-- nullable). Rows with a NULL key never match in the merge and are deleted and re-inserted
-- on every refresh; since the server uses all usable unique indexes together, preferring
-- a NULL-free index does not avoid that, so each usable index with nullable keys gets a
-- warning. unique_index reports the index CONCURRENTLY relies on (the NULL-free one with
-- the fewest keys first), or for rebuild the invalid index the rebuild restores.
CREATE FUNCTION audit._refresh_modes(p_matviews oid[])
RETURNS TABLE (relid oid, mode text, reason text, unique_index text, warning text, detail text)
LANGUAGE sql
STABLE
ROWS 20
SET search_path TO pg_catalog, pg_temp
AS $$
WITH matview_index AS (
    -- one row per index of each matview (one row with NULL index for a matview without any)
    SELECT c.oid AS matview_oid, c.relispopulated AS populated,
           pg_catalog.format('%I.%I', n.nspname, c.relname) AS matview,
           CASE WHEN ic.oid IS NOT NULL THEN pg_catalog.format('%I.%I', n.nspname, ic.relname) END AS name,
           i.indexrelid, i.indislive AS live,
           i.indisvalid AND i.indisready AS valid,
           i.indisunique AS is_unique,
           NOT ix_pred.holds AS partial,
           i.indexprs IS NOT NULL
             OR 0::pg_catalog.int2 OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) AS on_expressions,
           -- what is_usable_unique_index demands besides validity
           COALESCE(i.indisunique AND i.indimmediate AND i.indislive
                    AND ic.relam OPERATOR(pg_catalog.=) (SELECT am.oid FROM pg_catalog.pg_am am
                                                          WHERE am.amname OPERATOR(pg_catalog.=) 'btree')
                    AND i.indnatts OPERATOR(pg_catalog.>) 0
                    AND ix_pred.holds AND i.indexprs IS NULL
                    AND 0::pg_catalog.int2 OPERATOR(pg_catalog.<) ALL (i.indkey::pg_catalog.int2[]), false) AS eligible,
           k.key_count, k.columns, k.nullable_count, k.nullable_columns, k.not_null_filter
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.oid
      LEFT JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
      -- only unique indexes with a WHERE clause are evaluated
      LEFT JOIN LATERAL (
          SELECT CASE WHEN i.indpred IS NULL THEN true
                      WHEN NOT i.indisunique THEN false
                      ELSE COALESCE(audit._index_predicate_holds(i.indexrelid), false) END AS holds
      ) AS ix_pred ON true
      LEFT JOIN LATERAL (
          -- key columns, and which of them may hold NULLs: NOT NULL, or no NULL seen by the
          -- last ANALYZE, counts as NULL-free; no statistics counts as nullable
          SELECT pg_catalog.count(*) AS key_count,
                 pg_catalog.count(*) FILTER (WHERE NOT kc.null_free) AS nullable_count,
                 pg_catalog.string_agg(pg_catalog.quote_ident(kc.attname), ', ' ORDER BY kc.ord) AS columns,
                 pg_catalog.string_agg(pg_catalog.format('"%s" (%s)', pg_catalog.replace(kc.attname, '"', '""'), kc.evidence),
                                       ', ' ORDER BY kc.ord) FILTER (WHERE NOT kc.null_free) AS nullable_columns,
                 pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', kc.attname), ' AND ' ORDER BY kc.ord)
                     FILTER (WHERE NOT kc.null_free) AS not_null_filter
            FROM (SELECT k.ord, a.attname,
                         COALESCE(a.attnotnull OR s.null_frac OPERATOR(pg_catalog.=) 0, false) AS null_free,
                         CASE WHEN s.null_frac IS NULL THEN 'no statistics: ANALYZE the view to check'
                              ELSE pg_catalog.format('%s%% NULL at last ANALYZE',
                                       pg_catalog.round((s.null_frac OPERATOR(pg_catalog.*) 100)::numeric, 2)) END AS evidence
                    FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_catalog.pg_attribute a
                      ON a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.=) k.attnum
                    LEFT JOIN pg_catalog.pg_stats s
                      ON s.schemaname OPERATOR(pg_catalog.=) n.nspname AND s.tablename OPERATOR(pg_catalog.=) c.relname
                     AND s.attname OPERATOR(pg_catalog.=) a.attname AND NOT s.inherited
                   WHERE k.ord OPERATOR(pg_catalog.<=) i.indnkeyatts) AS kc
      ) AS k ON true
     WHERE c.oid OPERATOR(pg_catalog.=) ANY (p_matviews)
       AND c.relkind OPERATOR(pg_catalog.=) 'm'
), judged AS (
    SELECT ix.*,
           ix.eligible AND ix.valid AS usable,
           ix.eligible AND NOT ix.valid AS repairable,
           -- the index reported for the matview: usable first, then NULL-free keys, fewest keys, name
           pg_catalog.row_number() OVER (PARTITION BY ix.matview_oid
                                         ORDER BY ix.eligible AND ix.valid DESC, ix.eligible DESC,
                                                  ix.nullable_count OPERATOR(pg_catalog.>) 0, ix.key_count, ix.name) AS rank,
           CASE WHEN NOT ix.populated THEN 'plain:unpopulated'
                WHEN pg_catalog.bool_or(ix.eligible AND ix.valid) OVER w THEN 'concurrently'
                WHEN pg_catalog.bool_or(ix.eligible) OVER w THEN 'rebuild:invalid_index'
                ELSE 'plain:no_unique_index' END AS reason,
           pg_catalog.count(*) FILTER (WHERE ix.eligible AND ix.valid) OVER w AS usable_count,
           pg_catalog.bool_or(ix.eligible AND ix.valid AND ix.nullable_count OPERATOR(pg_catalog.>) 0) OVER w AS any_nullable
      FROM matview_index ix
    WINDOW w AS (PARTITION BY ix.matview_oid)
), chosen AS (
    SELECT j.*,
           pg_catalog.first_value(j.name) OVER w AS chosen_index,
           pg_catalog.first_value(j.columns) OVER w AS chosen_columns,
           pg_catalog.first_value(j.nullable_count) OVER w AS chosen_nullable
      FROM judged j
    WINDOW w AS (PARTITION BY j.matview_oid ORDER BY j.rank)
), warned AS (
    SELECT ch.*,
           CASE
             -- usable unique indexes with nullable keys: every one of them takes part in the merge
             WHEN ch.reason OPERATOR(pg_catalog.=) 'concurrently' AND ch.usable
                  AND ch.nullable_count OPERATOR(pg_catalog.>) 0 THEN
               pg_catalog.format('unique index %s has nullable key column%s %s: rows with NULL keys never match in '
                                 'REFRESH CONCURRENTLY and are deleted and re-inserted on every refresh (WAL churn); '
                                 'add WHERE %s filtering in the view or a NOT NULL key',
                                 ch.name, CASE WHEN ch.nullable_count OPERATOR(pg_catalog.>) 1 THEN 's' ELSE '' END,
                                 ch.nullable_columns, ch.not_null_filter)
               OPERATOR(pg_catalog.||)
               CASE WHEN ch.chosen_nullable OPERATOR(pg_catalog.=) 0
                    THEN pg_catalog.format('; the server matches rows on the keys of every usable unique index, so %s '
                                           'having no NULL keys does not prevent this: drop %s or make it partial '
                                           '(WHERE %s) so the refresh ignores it',
                                           ch.chosen_index, ch.name, ch.not_null_filter)
                    ELSE '' END
             WHEN ch.live AND NOT ch.valid THEN
               pg_catalog.format('index %s is invalid (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)', ch.name)
               OPERATOR(pg_catalog.||)
               CASE ch.reason
                    WHEN 'concurrently' THEN pg_catalog.format(': REFRESH CONCURRENTLY ignores it, writes still maintain it; '
                                                              'REINDEX INDEX CONCURRENTLY %s or drop it', ch.name)
                    WHEN 'rebuild:invalid_index' THEN ': the plain refresh rebuilds every index of the view and marks it valid; '
                                                      'it fails if the new data has duplicate keys'
                    ELSE ': the plain refresh rebuilds every index of the view and marks it valid' END
             WHEN NOT ch.live THEN
               pg_catalog.format('index %s is left over from a DROP INDEX CONCURRENTLY that did not finish: DROP INDEX %s',
                                 ch.name, ch.name)
             WHEN ch.reason OPERATOR(pg_catalog.<>) 'concurrently' AND ch.is_unique AND (ch.partial OR ch.on_expressions) THEN
               pg_catalog.format('unique index %s cannot serve REFRESH CONCURRENTLY: %s; it needs a unique index with no '
                                 'WHERE clause on plain columns',
                                 ch.name, CASE WHEN ch.partial AND ch.on_expressions THEN 'it is partial and indexes expressions'
                                               WHEN ch.partial THEN 'it is partial (WHERE clause)'
                                               ELSE 'it indexes expressions' END)
           END AS warning
      FROM chosen ch
)
SELECT w.matview_oid,
       pg_catalog.split_part(w.reason, ':', 1),
       w.reason,
       CASE WHEN w.reason OPERATOR(pg_catalog.=) ANY (ARRAY['concurrently', 'rebuild:invalid_index'])
            THEN w.chosen_index END,
       pg_catalog.string_agg(w.warning, E'\n' ORDER BY w.rank),
       CASE w.reason
            WHEN 'concurrently' THEN
                pg_catalog.format('REFRESH CONCURRENTLY keeps %s readable; it matches rows on unique index %s (%s)',
                                  w.matview, w.chosen_index, w.chosen_columns)
                OPERATOR(pg_catalog.||)
                CASE WHEN w.usable_count OPERATOR(pg_catalog.>) 1
                     THEN pg_catalog.format(', preferred among %s usable unique indexes %s', w.usable_count,
                                            CASE WHEN w.any_nullable AND w.chosen_nullable OPERATOR(pg_catalog.=) 0
                                                 THEN 'because its key columns hold no NULLs'
                                                 ELSE 'for having the fewest key columns' END)
                     ELSE '' END
            WHEN 'plain:unpopulated' THEN
                pg_catalog.format('%s is not populated (created or last refreshed WITH NO DATA): CONCURRENTLY is refused, '
                                  'and a plain refresh blocks no reader because the view cannot be read yet', w.matview)
            WHEN 'rebuild:invalid_index' THEN
                pg_catalog.format('the only unique index REFRESH CONCURRENTLY could use, %s, is invalid: a plain refresh '
                                  'rebuilds it but locks readers out until commit, so run it in a maintenance window; '
                                  'later refreshes can be concurrent', w.chosen_index)
            ELSE
                pg_catalog.format('%s has no unique index with no WHERE clause on plain columns, so CONCURRENTLY would '
                                  'fail and a plain refresh locks readers out until commit; create one on the columns '
                                  'that identify a row: CREATE UNIQUE INDEX ON %s (...)', w.matview, w.matview)
       END
  FROM warned w
 GROUP BY w.matview_oid, w.matview, w.reason, w.chosen_index, w.chosen_columns, w.chosen_nullable,
          w.usable_count, w.any_nullable
$$;
COMMENT ON FUNCTION audit._refresh_modes(oid[]) IS
  'Internal: refresh mode (concurrently, plain, rebuild), reason, unique index and warnings per materialized view, matching what REFRESH ... CONCURRENTLY accepts.';
