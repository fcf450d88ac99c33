package dev.mvcert.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.ProductionDurability;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The database server dies (kill -9 of the postmaster; the harness starts it again, which
 * runs crash recovery) while {@code mvcert run} refreshes a view or {@code mvcert certify}
 * certifies: the command says so in one line that names the run, the view and what the
 * server said, exits with the lost-connection code 9, and prints no stack trace and none of
 * the connection pool's own warnings unless {@code --verbose}.
 */
@ExtendWith(PostgresExtension.class)
@ProductionDurability
class LostServerIT {

    private static final String POSTMASTER_GONE = "server said \"terminating connection due to unexpected postmaster exit\" (SQLSTATE 57P01)";

    @BeforeAll
    static void pipeline(TestDatabase db) {
        SmallPipeline.create(db);
        SmallPipeline.addCertificationPause(db);
        SmallPipeline.acceptBaseline(db);
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
        SmallPipeline.certificationPause(db, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"atomic", "incremental"})
    void aRunWhoseServerDiesMidRefreshSaysSoInOneLineNamingTheRunTheViewAndTheServersWordsAndExits9(String mode, TestDatabase db)
            throws Exception {
        SmallPipeline.delay(db, "a", 60);
        Crash crash = crashDuring(db, List.of("run", "--target", "small.t_v", "--mode", mode),
                "REFRESH MATERIALIZED VIEW CONCURRENTLY small.a_mv");
        long run = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE requested_by LIKE 'cli:%'");
        // the views the server's history shows in flight: a_mv, and b_mv too when it was still running;
        // still 'running', or 'abandoned' when the command recorded the run's end on the recovered server
        List<String> inFlight = db.queryColumn("""
                SELECT matview FROM audit.step
                 WHERE run_id = ? AND (status = 'running' OR (status = 'abandoned' AND error_message LIKE '%connection was lost'))
                 ORDER BY step_id""", run);
        assertTrue(inFlight.contains("small.a_mv"), inFlight.toString());
        assertEquals(9, crash.exitCode(), crash.output());
        assertEquals("mvcert: lost the database connection during run " + run + " of small.t_v ("
                        + (inFlight.size() == 1 ? "view " : "views ") + String.join(", ", inFlight) + "): " + POSTMASTER_GONE,
                crash.lastLine(), crash.output());
        crash.assertOneLineAboutIt();
    }

    @Test
    void aCertificationWhoseServerDiesSaysSoInOneLineAndExits9(TestDatabase db) throws Exception {
        SmallPipeline.certificationPause(db, 60);
        Crash crash = crashDuring(db, List.of("certify", "--target", "small.t_v"), "small.cert_pause()");
        long run = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE requested_by LIKE 'cli:%' AND mode = 'certify'");
        assertEquals(9, crash.exitCode(), crash.output());
        assertEquals("mvcert: lost the database connection during run " + run + " of small.t_v: " + POSTMASTER_GONE,
                crash.lastLine(), crash.output());
        crash.assertOneLineAboutIt();
    }

    @Test
    void verboseKeepsTheStackTraceAndThePoolsWarnings(TestDatabase db) throws Exception {
        SmallPipeline.delay(db, "a", 60);
        Crash crash = crashDuring(db, List.of("run", "--target", "small.t_v", "--mode", "atomic", "--verbose"),
                "REFRESH MATERIALIZED VIEW CONCURRENTLY small.a_mv");
        assertEquals(9, crash.exitCode(), crash.output());
        assertTrue(crash.output().lines().anyMatch(l -> l.startsWith("mvcert: lost the database connection during run ")), crash.output());
        assertTrue(crash.output().contains("\tat org.postgresql."), "a stack trace\n" + crash.output());
        assertTrue(crash.output().contains("marked as broken because of SQLSTATE(57P01)"), "HikariCP's own warning\n" + crash.output());
    }

    /** What the command printed (stdout and stderr) and how it ended after the server was killed under it. */
    private record Crash(int exitCode, String output, Duration afterKill) {
        String lastLine() {
            List<String> lines = output.lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        void assertOneLineAboutIt() {
            List<String> errorLines = new ArrayList<>(output.lines().filter(l -> l.startsWith("mvcert:")).toList());
            assertEquals(List.of(lastLine()), errorLines, "one error line, the last\n" + output);
            assertFalse(output.contains("\tat ") || output.contains("Exception"), "no stack trace\n" + output);
            assertFalse(output.contains("HikariPool") || output.contains("ProxyConnection") || output.contains("marked as broken"),
                    "none of the pool's own warnings\n" + output);
            assertTrue(afterKill.compareTo(Duration.ofSeconds(30)) < 0, "exited " + afterKill + " after the kill");
        }
    }

    /** Starts the command, kills the postmaster once pg_stat_activity shows {@code statement} running, restarts it. */
    private static Crash crashDuring(TestDatabase db, List<String> command, String statement) throws Exception {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--jdbc-url", db.jdbcUrl(), "-U", "postgres"));
        try (AgentProcess cli = AgentProcess.start(command.get(0), args)) {
            Wait.until(statement + " running", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND application_name LIKE 'mvcert%' "
                            + "AND position(? in query) > 0", statement) > 0);
            db.cluster().killPostmaster();
            long killed = System.nanoTime();
            db.cluster().recover();
            assertTrue(cli.process().waitFor(90, TimeUnit.SECONDS), "still running after the crash\n" + cli.output());
            Duration took = Duration.ofNanos(System.nanoTime() - killed);
            return new Crash(cli.process().exitValue(), cli.output(), took);
        }
    }
}
