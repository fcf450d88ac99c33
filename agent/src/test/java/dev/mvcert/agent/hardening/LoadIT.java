package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.RefreshOverlaps;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load: two serving agents for a minute while requests arrive every 1-3 s for three targets
 * that share materialized views (a test-side scheduler, because pg_cron's finest schedule is
 * one minute, plus one real pg_cron job). Afterwards every request is accounted for (done and
 * certified, coalesced, skipped or failed with a reason; none left queued or claimed), and the
 * step history shows no view was ever refreshed twice at once.
 */
@ExtendWith(PostgresExtension.class)
class LoadIT {

    private static final List<String> TARGETS = List.of("loadt.t1_v", "loadt.t2_v", "loadt.t3_v");
    private static final Duration LOAD = Duration.ofSeconds(62);

    @Test
    void twoAgentsUnderSteadyRequestsForSharedViewsAccountForEveryRequestAndNeverOverlapRefreshesOfOneView(LocalCluster cluster)
            throws Exception {
        TestDatabase db = new TestDatabase(cluster, LocalCluster.CRON_DATABASE);
        db.execute("""
                DROP SCHEMA IF EXISTS loadt CASCADE;
                CREATE SCHEMA loadt;
                CREATE TABLE loadt.base (id int PRIMARY KEY, day date NOT NULL, v int NOT NULL);
                INSERT INTO loadt.base SELECT g, date '2024-01-01' + (g % 20), g % 89 FROM generate_series(1, 3000) g;
                -- volatile and a little slow: every run really refreshes the shared views, long enough to collide
                CREATE FUNCTION loadt.work(p_seconds float8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
                BEGIN PERFORM pg_sleep(p_seconds); RETURN true; END $$;
                CREATE MATERIALIZED VIEW loadt.m1 AS SELECT day, count(*) AS n FROM loadt.base WHERE (SELECT loadt.work(0.3)) GROUP BY day;
                CREATE UNIQUE INDEX ON loadt.m1 (day);
                CREATE MATERIALIZED VIEW loadt.m2 AS SELECT day, sum(v) AS total FROM loadt.base WHERE (SELECT loadt.work(0.3)) GROUP BY day;
                CREATE UNIQUE INDEX ON loadt.m2 (day);
                CREATE MATERIALIZED VIEW loadt.m3 AS SELECT day, n FROM loadt.m1 WHERE (SELECT loadt.work(0.3));
                CREATE UNIQUE INDEX ON loadt.m3 (day);
                CREATE MATERIALIZED VIEW loadt.m4 AS SELECT m1.day, m1.n, m2.total FROM loadt.m1 JOIN loadt.m2 USING (day);
                CREATE UNIQUE INDEX ON loadt.m4 (day);
                CREATE VIEW loadt.t1_v AS SELECT * FROM loadt.m3;
                CREATE VIEW loadt.t2_v AS SELECT * FROM loadt.m4;
                CREATE VIEW loadt.t3_v AS SELECT day, total FROM loadt.m2;
                SELECT audit.register_target(t) FROM unnest(ARRAY['loadt.t1_v', 'loadt.t2_v', 'loadt.t3_v']::regclass[]) t;
                SELECT audit.schedule('loadt.t3_v', '* * * * *', 'incremental', 'load');
                """);
        for (String target : TARGETS) {
            SmallPipeline.acceptBaseline(db, target);
        }

        AtomicInteger requested = new AtomicInteger();
        AtomicReference<Throwable> schedulerFailure = new AtomicReference<>();
        try (AgentProcess one = AgentProcess.serve(db.jdbcUrl(), "load-1");
             AgentProcess two = AgentProcess.serve(db.jdbcUrl(), "load-2")) {
            Thread scheduler = new Thread(() -> {
                Random random = new Random(42);
                long end = System.nanoTime() + LOAD.toNanos();
                try {
                    while (System.nanoTime() < end) {
                        for (String target : TARGETS) {
                            if (random.nextInt(3) > 0) {
                                String mode = random.nextInt(5) == 0 ? "atomic" : "incremental";
                                db.execute("SELECT audit.request_run('" + target + "', '" + mode + "', 'load test')");
                                requested.incrementAndGet();
                            }
                        }
                        Thread.sleep(1000 + random.nextInt(2000));
                    }
                } catch (Throwable e) {
                    schedulerFailure.set(e);
                }
            }, "load-scheduler");
            scheduler.start();
            scheduler.join(LOAD.plusSeconds(30).toMillis());
            assertEquals(null, schedulerFailure.get(), "the scheduler could request runs");
            db.execute("SELECT audit.unschedule('loadt.t3_v', 'load')");
            Wait.until("the queue drained", Duration.ofSeconds(90), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM audit.run_request WHERE target LIKE 'loadt.%' AND status IN ('queued', 'claimed')") == 0);
            for (AgentProcess agent : List.of(one, two)) {
                agent.process().destroy(); // SIGTERM: a clean stop
                assertTrue(agent.process().waitFor(30, TimeUnit.SECONDS), agent.output());
            }
        }

        assertTrue(requested.get() >= 30, "requests made: " + requested.get());
        assertEquals(List.of(), db.queryColumn("""
                SELECT request_id || ' ' || status || ' ' || coalesce(outcome, '(no reason)') FROM audit.run_request
                 WHERE target LIKE 'loadt.%'
                   AND NOT (status = 'certified'
                            OR status IN ('coalesced', 'skipped', 'refresh_failed') AND outcome IS NOT NULL AND finished_at IS NOT NULL
                            -- another target's run refreshed a shared view while this one certified: not certified, and says so
                            OR status = 'not_certified' AND outcome LIKE '%closure changed while it ran%')
                 ORDER BY request_id"""), "every request certified, or coalesced/skipped/failed with a reason");
        assertTrue(db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE target LIKE 'loadt.%' AND status = 'certified'") >= 10);
        assertEquals(Long.valueOf(2), db.queryValue(Long.class,
                "SELECT count(DISTINCT claimed_by) FROM audit.run_request WHERE target LIKE 'loadt.%' AND status = 'certified'"), "both agents worked");
        assertTrue(db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE target = 'loadt.t3_v' "
                + "AND requested_by IS NOT NULL AND reason LIKE 'pg_cron job mvcert:loadt.t3_v:load%'") >= 1, "pg_cron queued a run itself");
        assertEquals(List.of(), db.queryColumn("SELECT run_id || ' ' || status FROM audit.run WHERE target LIKE 'loadt.%' AND status IN ('running', 'abandoned')"));

        List<String> perView = db.queryColumn("""
                SELECT matview || ':' || count(*) FROM audit.step
                 WHERE matview LIKE 'loadt.%' AND status = 'succeeded' GROUP BY matview ORDER BY matview""");
        assertEquals(4, perView.size(), perView.toString());
        for (String v : perView) {
            assertTrue(Integer.parseInt(v.substring(v.indexOf(':') + 1)) >= 3, "each shared view was refreshed repeatedly: " + perView);
        }
        // m1, m2 and m3 refresh for at least 0.3 s (m4's overlaps would be too short to tell apart)
        assertEquals(List.of(), RefreshOverlaps.of(db, "loadt.%"), "two refreshes of one view overlapped");
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
        List<String> skips = new ArrayList<>(db.queryColumn("SELECT DISTINCT skip_reason FROM audit.step WHERE matview LIKE 'loadt.%' AND status = 'skipped'"));
        skips.removeAll(List.of("locked_elsewhere", "inputs_unchanged", "upstream_not_refreshed"));
        assertEquals(List.of(), skips, "views were skipped only because another run held them or nothing changed");
    }
}
