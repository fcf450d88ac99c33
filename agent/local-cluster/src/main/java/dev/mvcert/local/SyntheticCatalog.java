package dev.mvcert.local;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A large synthetic pipeline for scale tests and benchmarks of what reads the catalog and the
 * history (plans, run reports): {@code levels} levels of {@code width} materialized views
 * (created WITH NO DATA, so building 1,000 takes seconds) spread over {@code schemas} schemas,
 * each view reading two of the level below, under one registered target view. Schema and view
 * names contain quotes, {@code <}, {@code >} and {@code &}, as hostile names a report must escape.
 * {@link #recordRun} and {@link #recordCertification} write history for it through the audit
 * functions, without refreshing or certifying.
 */
public final class SyntheticCatalog {

    public static final String TARGET = "public.\"synthetic <&> target\"";

    private final int levels;
    private final int width;
    private final int schemas;

    public SyntheticCatalog(int levels, int width, int schemas) {
        this.levels = levels;
        this.width = width;
        this.schemas = schemas;
    }

    public int views() {
        return levels * width;
    }

    /** The schema of view j of a level, unquoted. */
    public static String schema(int index) {
        return "syn" + index + " \"<&>'";
    }

    /** The name of view j of level l, unquoted. */
    public static String view(int level, int j) {
        return "m" + level + "_" + j + " <\"&'>";
    }

    /** Creates the schemas, a base table, the views and the registered target in the connection's database. */
    public void create(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                DO $$
                DECLARE
                    v_levels  int := %d;
                    v_width   int := %d;
                    v_schemas int := %d;
                    v_union   text := '';
                BEGIN
                    FOR s IN 0 .. v_schemas - 1 LOOP
                        EXECUTE format('CREATE SCHEMA %%I', 'syn' || s || ' "<&>''');
                    END LOOP;
                    CREATE TABLE public.synthetic_base AS SELECT g AS id, g %% 7 AS v FROM generate_series(1, 100) g;
                    FOR l IN 0 .. v_levels - 1 LOOP
                        FOR j IN 0 .. v_width - 1 LOOP
                            IF l = 0 THEN
                                EXECUTE format('CREATE MATERIALIZED VIEW %%I.%%I AS SELECT id, v FROM public.synthetic_base WITH NO DATA',
                                               'syn' || (j %% v_schemas) || ' "<&>''', 'm0_' || j || ' <"&''>');
                            ELSE
                                EXECUTE format('CREATE MATERIALIZED VIEW %%I.%%I AS SELECT a.id, a.v + b.v AS v FROM %%I.%%I a JOIN %%I.%%I b USING (id) WITH NO DATA',
                                               'syn' || (j %% v_schemas) || ' "<&>''', 'm' || l || '_' || j || ' <"&''>',
                                               'syn' || (j %% v_schemas) || ' "<&>''', 'm' || (l - 1) || '_' || j || ' <"&''>',
                                               'syn' || (((j + 1) %% v_width) %% v_schemas) || ' "<&>''',
                                               'm' || (l - 1) || '_' || ((j + 1) %% v_width) || ' <"&''>');
                            END IF;
                        END LOOP;
                    END LOOP;
                    FOR j IN 0 .. v_width - 1 LOOP
                        v_union := v_union || CASE WHEN j = 0 THEN '' ELSE ' UNION ALL ' END
                                || format('SELECT id, v FROM %%I.%%I', 'syn' || (j %% v_schemas) || ' "<&>''',
                                          'm' || (v_levels - 1) || '_' || j || ' <"&''>');
                    END LOOP;
                    EXECUTE 'CREATE VIEW public."synthetic <&> target" AS ' || v_union;
                    PERFORM audit.register_target('public."synthetic <&> target"', 'synthetic catalog');
                END $$""".formatted(levels, width, schemas))) {
            ps.execute();
        }
    }

    /**
     * Records one finished run of the target as history, as if it had refreshed every view:
     * level by level, each step taking 0.2-1.0 s. With {@code troubled} some steps fail (every
     * 97th), are skipped as locked elsewhere (every 31st) or as unchanged (every 7th); the
     * run then ends failed. Returns the run id.
     */
    public long recordRun(Connection c, boolean troubled) throws SQLException {
        long runId;
        try (PreparedStatement ps = c.prepareStatement("SELECT audit.begin_run(?::regclass, 'incremental', 'synthetic', NULL, 'synthetic history')")) {
            ps.setString(1, TARGET);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                runId = rs.getLong(1);
            }
        }
        String outcome = troubled
                ? "CASE WHEN p.step % 97 = 0 THEN 'failed' WHEN p.step % 31 = 0 OR p.step % 7 = 0 THEN 'skipped' ELSE 'succeeded' END"
                : "'succeeded'";
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT audit.finish_step(audit.begin_step(?, p.matview, p.step, p.level, p.mode, 1), o.status,
                                         CASE WHEN o.status = 'succeeded' THEN CASE WHEN p.step %% 3 = 0 THEN 'plain' ELSE 'concurrently' END END,
                                         CASE WHEN o.status = 'skipped' THEN CASE WHEN p.step %% 31 = 0 THEN 'locked_elsewhere' ELSE 'inputs_unchanged' END END,
                                         'synthetic', CASE WHEN o.status = 'succeeded' THEN 100 END, NULL,
                                         CASE WHEN o.status = 'failed' THEN '55P03' END,
                                         CASE WHEN o.status = 'failed' THEN 'synthetic lock timeout on <view> & "friends"' END)
                  FROM audit.refresh_plan(?::regclass) p
                  CROSS JOIN LATERAL (SELECT %s AS status) o
                 ORDER BY p.step""".formatted(outcome))) {
            ps.setLong(1, runId);
            ps.setString(2, TARGET);
            ps.execute();
        }
        try (Statement s = c.createStatement()) {
            // Spread the steps over time as a level-by-level run would have.
            s.execute("""
                    UPDATE audit.step s
                       SET started_at  = r.started_at + (s.plan_level * 1.2 + (s.plan_step %% 4) * 0.05) * interval '1 second',
                           finished_at = r.started_at + (s.plan_level * 1.2 + (s.plan_step %% 4) * 0.05 + 0.2 + (s.plan_step %% 9) * 0.1)
                                                        * interval '1 second'
                      FROM audit.run r
                     WHERE r.run_id = s.run_id AND s.run_id = %d""".formatted(runId));
            s.execute("SELECT audit.finish_run(%d, '%s', %s)".formatted(runId, troubled ? "refresh_failed" : "certified",
                    troubled ? "'synthetic: some views failed'" : "NULL"));
            s.execute("UPDATE audit.run SET finished_at = (SELECT max(finished_at) FROM audit.step WHERE run_id = %d) WHERE run_id = %d"
                    .formatted(runId, runId));
        }
        return runId;
    }

    /**
     * Records a certification of the run as history: a definition check per view (every 97th
     * failing) and two dataset-hash days. Returns the certification id; the registry is untouched.
     */
    public long recordCertification(Connection c, long runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT audit._record_certification(?::regclass, ?, pg_catalog.clock_timestamp(), 'synthetic history',
                       (SELECT jsonb_agg(jsonb_build_object('check', 'definition_drift', 'object', p.matview, 'passed', p.step % 97 <> 0,
                                         'detail', CASE WHEN p.step % 97 = 0 THEN 'definition differs from the accepted baseline'
                                                        ELSE 'definition as in the baseline' END) ORDER BY p.step)
                          FROM audit.refresh_plan(?::regclass) p)
                       || jsonb_build_array(
                              jsonb_build_object('check', 'dataset_hash', 'object', audit._qualified_name(?::regclass) || ' day 2024-01-01',
                                                 'passed', true, 'detail', '100 rows, hash as in the baseline'),
                              jsonb_build_object('check', 'dataset_hash', 'object', audit._qualified_name(?::regclass) || ' day 2024-01-02',
                                                 'passed', false, 'detail', 'differs from baseline 1: rows 100 -> 101, row hash differs')))""")) {
            ps.setString(1, TARGET);
            ps.setLong(2, runId);
            ps.setString(3, TARGET);
            ps.setString(4, TARGET);
            ps.setString(5, TARGET);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
