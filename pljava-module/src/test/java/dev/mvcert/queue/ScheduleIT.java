package dev.mvcert.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scheduling through pg_cron, in the database pg_cron serves (cron.database_name). */
@ExtendWith(PostgresExtension.class)
class ScheduleIT {

    private static final String TARGET = "sched.features_v";

    @BeforeAll
    static void schema(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE SCHEMA IF NOT EXISTS sched;
                    CREATE TABLE IF NOT EXISTS sched.base (id int PRIMARY KEY);
                    CREATE MATERIALIZED VIEW IF NOT EXISTS sched.base_mv AS SELECT * FROM sched.base;
                    CREATE OR REPLACE VIEW sched.features_v AS SELECT * FROM sched.base_mv;
                    """);
        }
    }

    @AfterEach
    void removeJobs(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'mvcert:sched.%'");
            s.execute("DELETE FROM audit.run_request WHERE target = '" + TARGET + "'");
        }
    }

    @Test
    void scheduleCreatesANamedJobThatQueuesARunAndReschedulingReplacesIt(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE)) {
            long id = value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily')");
            assertEquals(List.of(id + " mvcert:sched.features_v:daily 0 2 * * * "
                            + "SELECT audit.request_run('sched.features_v', 'incremental', 'pg_cron job mvcert:sched.features_v:daily')"),
                    jobs(c));
            long again = value(c, "SELECT audit.schedule('" + TARGET + "', '30 1 * * *', 'incremental', 'daily')");
            assertEquals(id, again, "same name: same job");
            assertTrue(jobs(c).get(0).contains(" 30 1 * * * "), jobs(c).toString());

            value(c, "SELECT audit.schedule('" + TARGET + "', '*/15 8-18 * * 1-5', 'atomic', 'intraday')");
            assertEquals(2, jobs(c).size());
            // the job's command works as written
            try (Statement s = c.createStatement()) {
                s.execute("SELECT audit.request_run('sched.features_v', 'incremental', 'pg_cron job mvcert:sched.features_v:daily')");
            }
            assertEquals(List.of("pg_cron job mvcert:sched.features_v:daily"), column(c,
                    "SELECT reason FROM audit.run_request WHERE target = '" + TARGET + "'"));
        }
    }

    @Test
    void anInvalidCronExpressionIsRefusedWithTheValueAndChangesNothing(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE)) {
            value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily')");
            List<String> before = jobs(c);
            for (String bad : List.of("61 * * * *", "0 2 * * * *", "every day", "0 2 * *", "* * * * *; DROP TABLE sched.base", "2 seconds", "")) {
                SQLException e = assertThrows(SQLException.class,
                        () -> value(c, "SELECT audit.schedule('" + TARGET + "', '" + bad.replace("'", "''") + "', 'incremental', 'daily')"));
                assertTrue(e.getMessage().contains("invalid cron expression '" + bad + "'"), e.getMessage());
                assertTrue(e.getMessage().contains("Use five fields"), "hint: " + e.getMessage());
            }
            assertEquals(before, jobs(c));
            assertEquals(1L, value(c, "SELECT (to_regclass('sched.base') IS NOT NULL)::int"), "table untouched");
            SQLException mode = assertThrows(SQLException.class,
                    () -> value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'hourly')"));
            assertTrue(mode.getMessage().contains("unknown mode 'hourly'"), mode.getMessage());
            SQLException name = assertThrows(SQLException.class,
                    () -> value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'x''; --')"));
            assertTrue(name.getMessage().contains("invalid job name 'x''; --'"), name.getMessage());
            assertEquals(before, jobs(c));
        }
    }

    @Test
    void unscheduleRemovesTheNamedJobOrAllOfTheTargetsJobs(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE)) {
            value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily')");
            value(c, "SELECT audit.schedule('" + TARGET + "', '0 * * * *', 'certify', 'hourly')");
            SQLException typo = assertThrows(SQLException.class, () -> value(c, "SELECT audit.unschedule('" + TARGET + "', 'dialy')"));
            assertTrue(typo.getMessage().contains("no pg_cron job named 'mvcert:sched.features_v:dialy'"), typo.getMessage());
            assertEquals(2, jobs(c).size());
            assertEquals(1L, value(c, "SELECT audit.unschedule('" + TARGET + "', 'daily')"));
            assertEquals(1, jobs(c).size());
            assertEquals(1L, value(c, "SELECT audit.unschedule('" + TARGET + "')"));
            assertEquals(List.of(), jobs(c));
        }
    }

    @Test
    void inDatabaseJobsNeedTheJavaEngineAndAutoFallsBackToTheQueue(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE)) {
            assertEquals(0L, value(c, "SELECT audit._pljava_available()::int"), "the Java engine is not deployed here");
            List<String> before = jobs(c);
            SQLException refused = assertThrows(SQLException.class, () -> value(c,
                    "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily', p_executor => 'in_database')"));
            assertTrue(refused.getMessage().contains("cannot schedule " + TARGET + " in-database: the Java engine is not deployed"),
                    refused.getMessage());
            assertEquals(before, jobs(c), "nothing scheduled");
            SQLException unknown = assertThrows(SQLException.class, () -> value(c,
                    "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily', p_executor => 'cloud')"));
            assertTrue(unknown.getMessage().contains("unknown executor 'cloud'"), unknown.getMessage());
            value(c, "SELECT audit.schedule('" + TARGET + "', '0 2 * * *', 'incremental', 'daily')");
            assertTrue(jobs(c).get(0).endsWith("SELECT audit.request_run('sched.features_v', 'incremental', 'pg_cron job mvcert:sched.features_v:daily')"),
                    jobs(c).toString());
        }
    }

    @Test
    void aRequestWaitingLongerThanItsTargetsFreshnessWithNoAgentIsFlaggedInHealth(LocalCluster cluster) throws Exception {
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("DELETE FROM audit.agent");
            s.execute("SELECT audit.register_target('" + TARGET + "', p_max_age => interval '1 second')");
            long request = value(c, "SELECT audit.request_run('" + TARGET + "', 'incremental', 'nobody serves')");
            assertEquals(List.of(""), column(c, "SELECT coalesce(stuck_request, '') FROM audit.health WHERE target = '" + TARGET + "'"),
                    "not yet past the target's freshness");
            Thread.sleep(1200);
            String stuck = column(c, "SELECT stuck_request FROM audit.health WHERE target = '" + TARGET + "'").get(0);
            assertTrue(stuck.startsWith("request " + request + " (incremental) queued since") && stuck.endsWith("no agent is alive to run it"),
                    stuck);
            s.execute("SELECT audit.agent_heartbeat('an-agent')");
            assertEquals(List.of(""), column(c, "SELECT coalesce(stuck_request, '') FROM audit.health WHERE target = '" + TARGET + "'"),
                    "a live agent will take it");
            s.execute("DELETE FROM audit.agent; DELETE FROM audit.target WHERE target = '" + TARGET + "'");
        }
    }

    @Test
    void outsideTheCronDatabaseTheErrorNamesCronDatabaseName(TestDatabase db) {
        db.execute("CREATE VIEW public.elsewhere_v AS SELECT 1 AS x");
        SQLException e = assertThrows(SQLException.class, () -> RunQueueIT.sql(db,
                "SELECT audit.schedule('public.elsewhere_v', '0 2 * * *')"));
        assertTrue(e.getMessage().contains("pg_cron is not installed in database " + db.name()
                + "; its jobs live in database " + LocalCluster.CRON_DATABASE + " (cron.database_name)"), e.getMessage());
    }

    @Test
    void pgCronItselfRunsTheJobAndARequestIsQueued(LocalCluster cluster) throws Exception {
        // pg_cron 1.4 schedules by the minute: the job fires at the next minute boundary.
        try (Connection c = cluster.connect(LocalCluster.CRON_DATABASE)) {
            long jobId = value(c, "SELECT audit.schedule('" + TARGET + "', '* * * * *', 'incremental', 'everyminute')");
            long deadline = System.currentTimeMillis() + 75_000;
            List<String> requests = List.of();
            while (System.currentTimeMillis() < deadline && requests.isEmpty()) {
                Thread.sleep(1000);
                requests = column(c, "SELECT status || ' ' || requested_by || ' ' || reason FROM audit.run_request WHERE target = '"
                        + TARGET + "'");
            }
            assertEquals(List.of("queued postgres pg_cron job mvcert:sched.features_v:everyminute"), requests,
                    "job runs: " + column(c, "SELECT status || ' ' || coalesce(return_message, '') FROM cron.job_run_details WHERE jobid = " + jobId));
            assertTrue(column(c, "SELECT status FROM cron.job_run_details WHERE jobid = " + jobId).contains("succeeded"));
        }
    }

    private static long value(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> jobs(Connection c) throws SQLException {
        return column(c, "SELECT jobid || ' ' || jobname || ' ' || schedule || ' ' || command FROM cron.job "
                + "WHERE jobname LIKE 'mvcert:sched.%' ORDER BY jobid");
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
