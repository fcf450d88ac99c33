package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and wrong input to every CLI command: each is refused with the documented exit code
 * (2 usage or configuration, 7 the database refused it) and a message naming the bad value,
 * and nothing changes in the database: every audit table and the set of relations are compared
 * before and after. {@code {url}} stands for the test database's JDBC URL.
 */
@ExtendWith(PostgresExtension.class)
class CliBadInputIT {

    private static final String HOSTILE = "small.t_v'; DROP TABLE small.base; --";
    private static final ExecutorService CLI = Executors.newSingleThreadExecutor();

    record Case(String name, Map<String, String> env, List<String> args, int exitCode, String mustName) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, int exitCode, String mustName, String... args) {
        return new Case(name, Map.of(), List.of(args), exitCode, mustName);
    }

    /** The same, connected to the test database. */
    private static Case db(String name, int exitCode, String mustName, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--jdbc-url", "{url}", "-U", "postgres"));
        return new Case(name, Map.of(), all, exitCode, mustName);
    }

    static Stream<Case> corpus() {
        return Stream.of(
                c("unknown command", 2, "frobnicate", "frobnicate"),
                c("unknown baseline subcommand", 2, "reject", "baseline", "reject"),
                c("run without --target", 2, "--target", "run"),
                c("plan without --target", 2, "--target", "plan"),
                c("certify without --target", 2, "--target", "certify"),
                c("baseline capture without --target", 2, "--target", "baseline", "capture", "--note", "x"),
                c("baseline accept without --capture", 2, "--capture", "baseline", "accept", "--note", "x"),
                c("baseline accept without --note", 2, "--note", "baseline", "accept", "--capture", "1"),
                c("baseline accept: capture id not a number", 2, "abc", "baseline", "accept", "--capture", "abc", "--note", "x"),
                c("run --mode bogus", 2, "bogus", "run", "--target", "small.t_v", "--mode", "bogus"),
                c("run --mode certify", 2, "certify", "run", "--target", "small.t_v", "--mode", "certify"),
                c("run --parallel 0", 2, "got 0", "run", "--target", "small.t_v", "--parallel", "0"),
                c("run --parallel -1", 2, "got -1", "run", "--target", "small.t_v", "--parallel", "-1"),
                c("run --parallel abc", 2, "abc", "run", "--target", "small.t_v", "--parallel", "abc"),
                c("run --parallel 65", 2, "got 65", "run", "--target", "small.t_v", "--parallel", "65"),
                c("run --max-attempts 0", 2, "got 0", "run", "--target", "small.t_v", "--max-attempts", "0"),
                c("run --retry-budget negative", 2, "--retry-budget", "run", "--target", "small.t_v", "--retry-budget", "-5m"),
                c("run --backoff-base zero", 2, "--backoff-base", "run", "--target", "small.t_v", "--backoff-base", "0s"),
                c("run --backoff-max below base", 2, "--backoff-max", "run", "--target", "small.t_v", "--backoff-base", "10s", "--backoff-max", "1s"),
                c("run --shutdown-grace negative", 2, "--shutdown-grace", "run", "--target", "small.t_v", "--shutdown-grace", "-1s"),
                c("serve --poll-interval negative", 2, "--poll-interval", "serve", "--poll-interval", "-5s"),
                c("serve --heartbeat-interval zero", 2, "--heartbeat-interval", "serve", "--heartbeat-interval", "0s"),
                c("serve --reap-interval not a duration", 2, "soonish", "serve", "--reap-interval", "soonish"),
                c("serve --http-port out of range", 2, "70000", "serve", "--http-port", "70000"),
                c("serve --agent-name blank", 2, "--agent-name", "serve", "--agent-name", "  "),
                c("status --runs negative", 2, "got -5", "status", "--runs", "-5"),
                c("schedule without --target", 2, "--target", "schedule", "--cron", "0 2 * * *"),
                c("report without --target", 2, "--target", "report"),
                c("report --run not a number", 2, "abc", "report", "--target", "small.t_v", "--run", "abc"),
                c("report --run zero", 2, "got 0", "report", "--target", "small.t_v", "--run", "0"),
                c("demo --scale negative", 2, "got -1", "demo", "--scale", "-1"),
                c("--jdbc-url garbage", 2, "garbage", "status", "--jdbc-url", "garbage"),
                c("--jdbc-url of another driver", 2, "jdbc:mysql://localhost/x", "status", "--jdbc-url", "jdbc:mysql://localhost/x"),
                c("--password-file missing", 2, "/nonexistent/pw", "status", "--password-file", "/nonexistent/pw"),
                new Case("PGPORT=abc", Map.of("PGPORT", "abc"), List.of("status"), 2, "abc"),
                new Case("PGPORT=0", Map.of("PGPORT", "0"), List.of("status"), 2, "PGPORT"),
                db("run: unknown target", 7, "small.no_such_v", "run", "--target", "small.no_such_v"),
                db("run: target with quotes and a semicolon", 7, HOSTILE, "run", "--target", HOSTILE),
                db("run: a table, not a view", 7, "small.base", "run", "--target", "small.base"),
                db("plan: target with quotes and a semicolon", 7, HOSTILE, "plan", "--target", HOSTILE),
                db("certify: unknown target", 7, "small.no_such_v", "certify", "--target", "small.no_such_v"),
                db("certify: SQL fragment", 7, "small.t_v; SELECT 1", "certify", "--target", "small.t_v; SELECT 1"),
                db("status: unknown target", 7, "nope.nothing", "status", "--target", "nope.nothing"),
                db("baseline capture: unknown target", 7, "small.no_such_v", "baseline", "capture", "--target", "small.no_such_v", "--note", "x"),
                db("baseline accept: no such capture", 7, "987654", "baseline", "accept", "--capture", "987654", "--note", "x"),
                db("baseline accept: negative capture", 7, "-1", "baseline", "accept", "--capture", "-1", "--note", "x"),
                db("baseline accept: blank note", 7, "note", "baseline", "accept", "--capture", "{capture}", "--note", " "),
                db("schedule: invalid cron", 7, "every day", "schedule", "--target", "small.t_v", "--cron", "every day"),
                db("schedule: cron with too few fields", 7, "* * *", "schedule", "--target", "small.t_v", "--cron", "* * *"),
                db("schedule: cron with SQL", 7, "0 2 * * *; DROP TABLE small.base", "schedule", "--target", "small.t_v",
                        "--cron", "0 2 * * *; DROP TABLE small.base"),
                db("schedule: unknown mode", 7, "sometimes", "schedule", "--target", "small.t_v", "--cron", "0 2 * * *", "--mode", "sometimes"),
                db("schedule: hostile target", 7, HOSTILE, "schedule", "--target", HOSTILE, "--cron", "0 2 * * *"),
                // an empty or blank name: PostgreSQL's "invalid name syntax" names nothing
                db("run: empty target", 2, "--target \"\" is empty", "run", "--target", ""),
                db("plan: blank target", 2, "--target \"  \" is blank", "plan", "--target", "  "),
                db("certify: empty target", 2, "--target \"\" is empty", "certify", "--target", ""),
                db("baseline capture: blank target", 2, "--target \" \" is blank", "baseline", "capture", "--target", " ", "--note", "x"),
                db("status: empty target", 2, "--target \"\" is empty", "status", "--target", ""),
                db("schedule: empty target", 2, "--target \"\" is empty", "schedule", "--target", "", "--cron", "0 2 * * *"),
                db("serve: empty health target", 2, "--target \"\" is empty", "serve", "--health-target", "", "--http-port", "-1"),
                db("certify: a name with a missing schema", 7, "nope.nothing", "certify", "--target", "nope.nothing"),
                // system views are not targets
                db("plan: a system view", 7, "pg_catalog.pg_stat_activity is a system view", "plan", "--target", "pg_catalog.pg_stat_activity"),
                db("run: a system view", 7, "information_schema.tables is a system view", "run", "--target", "information_schema.tables"),
                db("certify: a system view", 7, "pg_catalog.pg_settings is a system view", "certify", "--target", "pg_catalog.pg_settings"),
                db("schedule: a system view", 7, "pg_catalog.pg_stat_activity is a system view", "schedule", "--target",
                        "pg_catalog.pg_stat_activity", "--cron", "0 2 * * *"),
                db("report: hostile target", 7, HOSTILE, "report", "--target", HOSTILE),
                db("report: a view that is not a registered target", 7, "small.c_mv", "report", "--target", "small.c_mv"),
                db("report: a run of no such number", 2, "--run 987654", "report", "--target", "small.t_v", "--run", "987654"),
                db("report --out into a missing directory", 2, "/nonexistent/dir/r.html", "report", "--target", "small.t_v",
                        "--out", "/nonexistent/dir/r.html"));
    }

    private static final Map<String, String> IDS = new LinkedHashMap<>();

    @BeforeAll
    static void pipeline(TestDatabase db) {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
        // An open capture that a bad accept must leave alone.
        try (var c = db.connect()) {
            c.setAutoCommit(false);
            IDS.put("{capture}", Long.toString(new dev.mvcert.engine.Mvcert(c).captureBaselines(SmallPipeline.TARGET, "pending review").captureId()));
            c.commit();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        IDS.put("{url}", db.jdbcUrl());
    }

    @AfterAll
    static void stop() {
        CLI.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void badCliInputIsRefusedWithItsExitCodeNamesTheBadValueAndChangesNothing(Case input, TestDatabase db) throws Exception {
        Map<String, String> before = BadInputSnapshot.of(db);
        String[] args = input.args().stream().map(a -> IDS.getOrDefault(a, a)).toArray(String[]::new);
        Map<String, String> env = new LinkedHashMap<>(input.env());
        Future<CliRunner.Result> running = CLI.submit(() -> CliRunner.run(env, args));
        CliRunner.Result r = running.get(60, TimeUnit.SECONDS);
        assertEquals(input.exitCode(), r.exitCode(), r.toString());
        assertTrue(r.err().contains(input.mustName()), "the message names " + input.mustName() + "\n" + r);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace for bad input\n" + r);
        assertEquals(before, BadInputSnapshot.of(db), "nothing changed");
        assertEquals(Long.valueOf(1), db.queryValue(Long.class, "SELECT count(*) FROM pg_class WHERE oid = 'small.base'::regclass"));
    }
}
