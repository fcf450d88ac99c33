package dev.mvcert.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class CircuitBreakerIT {

    @BeforeAll
    static void schema(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA b;
                CREATE TABLE b.base (id int PRIMARY KEY);
                CREATE VIEW b.base_v AS SELECT * FROM b.base;
                """);
    }

    private static String newMatview(TestDatabase db, String name) {
        db.execute("CREATE MATERIALIZED VIEW b." + name + " AS SELECT * FROM b.base");
        return "b." + name;
    }

    private static String permit(TestDatabase db, String matview) {
        return db.queryValue(String.class, "SELECT audit.breaker_permit(?)", matview);
    }

    private static String record(TestDatabase db, String matview, boolean succeeded) {
        return db.queryValue(String.class, "SELECT audit.breaker_record(?, ?, ?)", matview, succeeded,
                succeeded ? null : "canceling statement due to lock timeout");
    }

    @Test
    void opensAfterTheThresholdOfConsecutiveFailuresAndSkipsWhileOpen(TestDatabase db) {
        String mv = newMatview(db, "opens_mv");
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(?::regclass, 3, interval '1 hour')::text", mv);
        assertEquals("closed", permit(db, mv), "no history: closed");
        assertEquals("closed", record(db, mv, false));
        assertEquals("closed", record(db, mv, false));
        assertEquals("closed", record(db, mv, true), "a success resets the count");
        assertEquals("closed", record(db, mv, false));
        assertEquals("closed", record(db, mv, false));
        assertEquals("open", record(db, mv, false), "third consecutive failure");
        assertEquals("open", permit(db, mv));
        assertEquals("open", permit(db, mv));
        assertEquals("open 3 3 canceling statement due to lock timeout", db.queryValue(String.class,
                "SELECT state || ' ' || consecutive_failures || ' ' || failure_threshold || ' ' || last_error "
                        + "FROM audit.breaker_status WHERE matview = ?", mv));
    }

    @Test
    void afterTheCoolDownExactlyOneConcurrentCallerGetsTheTrialAndSuccessCloses(TestDatabase db) throws Exception {
        String mv = newMatview(db, "trial_mv");
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(?::regclass, 1, interval '1 second')::text", mv);
        assertEquals("open", record(db, mv, false));
        assertEquals("open", permit(db, mv), "cool-down not over");
        Thread.sleep(1200);

        // Every caller is connected and has asked before any gets an answer: a session holding the
        // breaker's row makes all six wait on it together, then lets them race.
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<String>> answers = new ArrayList<>();
        try (Connection blocker = db.connect()) {
            blocker.setAutoCommit(false);
            try (PreparedStatement lock = blocker.prepareStatement("SELECT 1 FROM audit.breaker WHERE matview = ? FOR UPDATE")) {
                lock.setString(1, mv);
                try (ResultSet rs = lock.executeQuery()) {
                    assertTrue(rs.next(), "the open breaker's row");
                }
            }
            for (int i = 0; i < callers; i++) {
                Connection c = db.connect();
                answers.add(pool.submit(() -> {
                    try (c; PreparedStatement ps = c.prepareStatement("SELECT audit.breaker_permit(?)")) {
                        ps.setString(1, mv);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getString(1);
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.queryValue(Long.class, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    + "AND query LIKE '%breaker_permit%' AND pid <> pg_backend_pid()") < callers) {
                assertTrue(System.nanoTime() < deadline, "all " + callers + " callers waiting on the breaker at once");
                Thread.sleep(20);
            }
            blocker.commit();
        }
        List<String> got = new ArrayList<>();
        for (Future<String> f : answers) {
            got.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(1, Collections.frequency(got, "half_open"), got.toString());
        assertEquals(callers - 1, Collections.frequency(got, "open"), got.toString());
        assertEquals("half_open", db.queryValue(String.class, "SELECT state FROM audit.breaker WHERE matview = ?", mv));

        assertEquals("closed", record(db, mv, true), "the trial succeeded");
        assertEquals("closed", permit(db, mv));
        assertEquals(0, db.queryValue(Integer.class, "SELECT consecutive_failures FROM audit.breaker WHERE matview = ?", mv));
    }

    @Test
    void aFailedTrialReopensAndRestartsTheCoolDown(TestDatabase db) throws Exception {
        String mv = newMatview(db, "retrial_mv");
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(?::regclass, 1, interval '1 second')::text", mv);
        record(db, mv, false);
        Thread.sleep(1200);
        assertEquals("half_open", permit(db, mv));
        assertEquals("open", record(db, mv, false));
        assertEquals("open", permit(db, mv), "cool-down restarted by the failed trial");
    }

    @Test
    void resetClosesTheBreakerAndRecordsWhoDidIt(TestDatabase db) {
        String mv = newMatview(db, "reset_mv");
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(?::regclass, 1, interval '1 hour')::text", mv);
        assertEquals("open", record(db, mv, false));
        db.queryValue(String.class, "SELECT audit.reset_breaker(?::regclass)::text", mv);
        assertEquals("closed", permit(db, mv));
        assertEquals("closed 0 postgres", db.queryValue(String.class,
                "SELECT state || ' ' || consecutive_failures || ' ' || reset_by FROM audit.breaker_status WHERE matview = ?", mv));
    }

    @Test
    void policyResolvesFromViewThenTargetThenDefault(TestDatabase db) {
        String mv = newMatview(db, "policy_mv");
        assertEquals("3 00:15:00", policy(db, mv, null), "built-in default");
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(NULL, 5, interval '2 minutes')::text");
        assertEquals("5 00:02:00", policy(db, mv, null));
        db.queryValue(String.class, "SELECT audit.set_breaker_policy('b.base_v'::regclass, 2)::text");
        assertEquals("2 00:15:00", policy(db, mv, "b.base_v"));
        db.queryValue(String.class, "SELECT audit.set_breaker_policy(?::regclass, 7, interval '1 minute')::text", mv);
        assertEquals("7 00:01:00", policy(db, mv, "b.base_v"));
        db.execute("DELETE FROM audit.breaker_policy WHERE scope IN ('*', 'b.base_v')");
    }

    private static String policy(TestDatabase db, String mv, String target) {
        return db.queryValue(String.class,
                "SELECT failure_threshold || ' ' || cool_down FROM audit._breaker_policy(?, ?)", mv, target);
    }

    @Test
    void badInputsErrorClearlyAndChangeNothing(TestDatabase db) {
        String mv = newMatview(db, "bad_mv");
        String before = RunQueueIT.snapshot(db);
        RunQueueIT.assertError(db, "SELECT audit.breaker_permit(NULL)", "matview must not be NULL");
        RunQueueIT.assertError(db, "SELECT audit.breaker_permit('b.nope_mv')", "matview 'b.nope_mv' does not exist");
        RunQueueIT.assertError(db, "SELECT audit.breaker_permit('b.base_v')", "b.base_v is not a materialized view");
        RunQueueIT.assertError(db, "SELECT audit.breaker_record('x; DROP TABLE b.base', false)", "does not exist");
        RunQueueIT.assertError(db, "SELECT audit.breaker_record('" + mv + "', NULL)", "succeeded must not be NULL");
        RunQueueIT.assertError(db, "SELECT audit.reset_breaker(NULL)", "matview must not be NULL");
        RunQueueIT.assertError(db, "SELECT audit.reset_breaker('b.base')", "b.base is not a materialized view");
        RunQueueIT.assertError(db, "SELECT audit.set_breaker_policy(NULL, 0)", "failure threshold must be at least 1, got 0");
        RunQueueIT.assertError(db, "SELECT audit.set_breaker_policy(NULL, 3, interval '-5 minutes')", "cool-down must be positive");
        RunQueueIT.assertError(db, "SELECT audit.set_breaker_policy('b.base', 3)", "scope b.base is a table");
        assertEquals(before, RunQueueIT.snapshot(db));
        assertTrue(db.queryValue(Boolean.class, "SELECT to_regclass('b.base') IS NOT NULL"));
    }
}
