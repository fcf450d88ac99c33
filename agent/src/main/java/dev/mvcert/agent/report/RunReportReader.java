package dev.mvcert.agent.report;

import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.report.RunReport.Attempt;
import dev.mvcert.agent.report.RunReport.Certification;
import dev.mvcert.agent.report.RunReport.Check;
import dev.mvcert.agent.report.RunReport.OpenBreaker;
import dev.mvcert.agent.report.RunReport.PastDurations;
import dev.mvcert.agent.report.RunReport.PlanEntry;
import dev.mvcert.agent.report.RunReport.Run;
import dev.mvcert.agent.report.RunReport.Status;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads what the run report shows: one SQL statement per section, all in one read-only
 * REPEATABLE READ transaction so the sections agree with each other. Columns are read by name,
 * so history tables may gain columns without touching this class; the SQL is all here.
 */
public final class RunReportReader {

    /** The target's canonical name; raises MVC01 (with a hint) when it is not registered. */
    static final String TARGET = "SELECT audit._require_registered(?::regclass) AS target";

    /** The run asked for, or the target's latest. */
    static final String RUN = """
            SELECT r.*
              FROM audit.run r
             WHERE r.target = ? AND r.run_id = coalesce(?::bigint, r.run_id)
             ORDER BY r.run_id DESC
             LIMIT 1""";

    /** The closure's materialized views as the planner sees them now. */
    static final String PLAN = "SELECT p.* FROM audit.refresh_plan(?::regclass) p ORDER BY p.step";

    /** Every attempt of the run. */
    static final String STEPS = "SELECT s.* FROM audit.step s WHERE s.run_id = ? ORDER BY s.started_at, s.step_id";

    /** Per view, the median of its last 20 successful refreshes before the run (index step_matview_started_idx). */
    static final String PAST_DURATIONS = """
            SELECT v.matview, pg_catalog.count(*) AS samples,
                   pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.seconds) AS median_seconds
              FROM pg_catalog.unnest(?::text[]) AS v(matview)
              CROSS JOIN LATERAL (
                    SELECT extract(epoch FROM s.finished_at - s.started_at)::float8 AS seconds
                      FROM audit.step s
                     WHERE s.matview = v.matview AND s.status = 'succeeded' AND s.started_at < ?
                     ORDER BY s.started_at DESC
                     LIMIT 20) h
             GROUP BY v.matview""";

    /** The run's certification, else the target's latest, with its checks (one row per check). */
    static final String CERTIFICATION = """
            WITH c AS (
                SELECT * FROM audit.certification
                 WHERE target = ?
                 ORDER BY coalesce(run_id = ?::bigint, false) DESC, certification_id DESC
                 LIMIT 1)
            SELECT c.certification_id, c.run_id AS certification_run_id, c.status AS certification_status,
                   c.started_at AS certification_started_at, c.finished_at AS certification_finished_at,
                   c.executor AS certification_executor, r.*
              FROM c LEFT JOIN audit.check_result r ON r.certification_id = c.certification_id
             ORDER BY r.ordinal""";

    /** Registry status and freshness. */
    static final String STATUS = """
            SELECT h.*, extract(epoch FROM h.age)::float8 AS age_seconds
              FROM audit.health h
             WHERE h.target = ?""";

    /** Breakers of the closure's views (and the target) that are not closed. */
    static final String BREAKERS = """
            SELECT b.*
              FROM audit.breaker_status b
             WHERE b.is_open AND b.matview = ANY (?::text[])
             ORDER BY b.matview""";

    private RunReportReader() {
    }

    /**
     * Reads the report of {@code runId} (null: the latest run) of {@code target}. The connection
     * must not be in autocommit mode; the read-only transaction is rolled back at the end.
     *
     * @throws ConfigurationException when {@code runId} is not a run of the target
     */
    public static RunReport read(Connection c, String target, Long runId) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalArgumentException("the report reads in one transaction: pass a connection with autocommit off");
        }
        c.setReadOnly(true);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            try (var s = c.createStatement()) {
                s.execute("SET LOCAL statement_timeout = '60s'");
            }
            String canonical = canonical(c, target);
            Run run = run(c, canonical, runId);
            if (run == null && runId != null) {
                throw new ConfigurationException("--run " + runId + " is not a run of " + canonical
                        + " (mvcert status --target " + canonical + " lists its runs)");
            }
            List<PlanEntry> plan = plan(c, canonical);
            List<Attempt> attempts = run == null ? List.of() : attempts(c, run.id());
            Set<String> views = new LinkedHashSet<>();
            plan.forEach(p -> views.add(p.matview()));
            attempts.forEach(a -> views.add(a.matview()));
            Map<String, PastDurations> past = run == null ? Map.of() : pastDurations(c, views, run.startedAt());
            Certification certification = certification(c, canonical, run == null ? null : run.id());
            Status status = status(c, canonical);
            views.add(canonical);
            List<OpenBreaker> breakers = breakers(c, views);
            return new RunReport(canonical, Instant.now(), run, plan, attempts, past, certification, status, breakers);
        } finally {
            c.rollback();
        }
    }

    private static String canonical(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TARGET)) {
            ps.setString(1, target);
            try (ResultSet rs = dev.mvcert.agent.run.Targets.executeNaming(ps, target)) {
                rs.next();
                return rs.getString("target");
            }
        }
    }

    private static Run run(Connection c, String target, Long runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RUN)) {
            ps.setString(1, target);
            ps.setObject(2, runId, Types.BIGINT);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Run(rs.getLong("run_id"), rs.getString("mode"), rs.getString("status"), rs.getString("executor"),
                        rs.getString("requested_by"), instant(rs, "started_at"), instant(rs, "finished_at"),
                        rs.getString("reason"), strings(rs, "stale_views"));
            }
        }
    }

    private static List<PlanEntry> plan(Connection c, String target) throws SQLException {
        List<PlanEntry> plan = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PLAN)) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.add(new PlanEntry(rs.getInt("step"), rs.getInt("level"), rs.getString("matview"), rs.getString("mode"),
                            rs.getString("reason"), strings(rs, "depends_on"), rs.getString("warning")));
                }
            }
        }
        return plan;
    }

    private static List<Attempt> attempts(Connection c, long runId) throws SQLException {
        List<Attempt> attempts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(STEPS)) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attempts.add(new Attempt(rs.getLong("step_id"), rs.getString("matview"), integer(rs, "plan_level"),
                            rs.getInt("attempt"), rs.getString("status"), rs.getString("mode_used"), rs.getString("skip_reason"),
                            rs.getString("decision"), instant(rs, "started_at"), instant(rs, "finished_at"),
                            longValue(rs, "rows_after"), rs.getString("error_class"), rs.getString("sqlstate"),
                            rs.getString("error_message")));
                }
            }
        }
        return attempts;
    }

    private static Map<String, PastDurations> pastDurations(Connection c, Set<String> views, Instant before) throws SQLException {
        Map<String, PastDurations> past = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(PAST_DURATIONS)) {
            ps.setArray(1, c.createArrayOf("text", views.toArray()));
            ps.setObject(2, OffsetDateTime.ofInstant(before, java.time.ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    past.put(rs.getString("matview"), new PastDurations(rs.getInt("samples"), rs.getDouble("median_seconds")));
                }
            }
        }
        return past;
    }

    private static Certification certification(Connection c, String target, Long runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CERTIFICATION)) {
            ps.setString(1, target);
            ps.setObject(2, runId, Types.BIGINT);
            try (ResultSet rs = ps.executeQuery()) {
                Certification cert = null;
                List<Check> checks = new ArrayList<>();
                while (rs.next()) {
                    if (cert == null) {
                        cert = new Certification(rs.getLong("certification_id"), longValue(rs, "certification_run_id"),
                                rs.getString("certification_status"), instant(rs, "certification_started_at"),
                                instant(rs, "certification_finished_at"), rs.getString("certification_executor"), checks);
                    }
                    if (rs.getString("check_name") != null) {
                        checks.add(new Check(rs.getInt("ordinal"), rs.getString("check_name"), rs.getString("object"),
                                rs.getBoolean("passed"), rs.getString("detail")));
                    }
                }
                return cert;
            }
        }
    }

    private static Status status(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STATUS)) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                double age = rs.getDouble("age_seconds");
                return new Status(rs.getString("status"), rs.getString("registry_status"), instant(rs, "certified_at"),
                        rs.wasNull() ? null : age, rs.getString("max_age"), rs.getBoolean("exports_allowed"),
                        rs.getString("export_max_age"), rs.getString("stale_reason"), strings(rs, "failing_checks"),
                        longValue(rs, "last_certification_id"), longValue(rs, "certified_run_id"), rs.getString("stuck_request"));
            }
        }
    }

    private static List<OpenBreaker> breakers(Connection c, Set<String> views) throws SQLException {
        List<OpenBreaker> open = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(BREAKERS)) {
            ps.setArray(1, c.createArrayOf("text", views.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    open.add(new OpenBreaker(rs.getString("matview"), rs.getString("state"), rs.getInt("consecutive_failures"),
                            rs.getInt("failure_threshold"), instant(rs, "opened_at"), instant(rs, "trial_after"),
                            rs.getString("last_error")));
                }
            }
        }
        return open;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Long longValue(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static List<String> strings(ResultSet rs, String column) throws SQLException {
        Array a = rs.getArray(column);
        if (a == null) {
            return List.of();
        }
        try {
            return Arrays.asList((String[]) a.getArray());
        } finally {
            a.free();
        }
    }
}
