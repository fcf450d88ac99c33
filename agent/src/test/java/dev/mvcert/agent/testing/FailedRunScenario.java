package dev.mvcert.agent.testing;

import dev.mvcert.testing.TestDatabase;
import java.io.IOException;
import java.time.Duration;

/**
 * The small pipeline served by a real {@code mvcert serve} process (HTTP on a free port), after
 * four runs it served from the queue: a bootstrap run (no baseline yet, not certified); a
 * certified run, with two dataset-hash days baselined; a run whose certification fails one check
 * (a deny rule forbids {@code small.b_mv}, reached through {@code small.c_mv}); and last a run in
 * which {@code small.a_mv} fails a retryable error on both of its two attempts, so the retry budget
 * is exceeded, its breaker (threshold 1) opens and {@code small.c_mv} is left stale. What an
 * operator then sees: the run report, /metrics and /health of that agent.
 */
public final class FailedRunScenario implements AutoCloseable {

    public static final String FAILED_VIEW = "small.a_mv";
    public static final String REFRESHED_VIEW = "small.b_mv";
    public static final String STALE_VIEW = "small.c_mv";
    public static final String FAILED_CHECK = "forbidden_dependency";

    private final AgentProcess agent;
    private final int httpPort;
    private final long certifiedRun;
    private final long failedCheckRun;
    private final long failedViewRun;

    private FailedRunScenario(AgentProcess agent, int httpPort, long certifiedRun, long failedCheckRun, long failedViewRun) {
        this.agent = agent;
        this.httpPort = httpPort;
        this.certifiedRun = certifiedRun;
        this.failedCheckRun = failedCheckRun;
        this.failedViewRun = failedViewRun;
    }

    public static FailedRunScenario start(TestDatabase db) throws IOException {
        SmallPipeline.create(db);
        db.execute("SELECT audit.register_target('small.t_v', p_day_column => 'day');"
                + "SELECT audit.set_breaker_policy('small.a_mv', 1, interval '1 hour')");
        AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "report-agent", "--http-port", "0",
                "--max-attempts", "2", "--backoff-base", "100ms", "--backoff-max", "200ms");
        try {
            int port = agent.httpPort(Duration.ofSeconds(60));
            runThroughQueue(db, agent);
            db.execute("SELECT audit.set_hash_days('small.t_v', ARRAY['2024-01-05', '2024-01-06']::date[])");
            SmallPipeline.acceptBaseline(db);
            long certified = runThroughQueue(db, agent);
            String status = db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'small.t_v'");
            if (!"CERTIFIED".equals(status)) {
                throw new AssertionError("run " + certified + " should have certified small.t_v, registry says " + status
                        + "\n" + agent.output());
            }
            db.execute("SELECT audit.add_deny_rule('small.t_v', 'name', 'small.b_mv', 'test: b is forbidden')");
            long failedCheck = runThroughQueue(db, agent);
            SmallPipeline.fail(db, "a", "40001", 1000);
            long failedView = runThroughQueue(db, agent);
            return new FailedRunScenario(agent, port, certified, failedCheck, failedView);
        } catch (RuntimeException | Error e) {
            agent.close();
            throw e;
        }
    }

    /** Queues a run, waits for the agent to finish it, returns its run id. */
    private static long runThroughQueue(TestDatabase db, AgentProcess agent) {
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'report scenario')");
        Wait.until("request " + request + " served by the agent\n" + agent.output(), Duration.ofSeconds(120), () ->
                db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE request_id = ? AND status NOT IN ('queued', 'claimed')",
                        request) == 1);
        return db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE request_id = ?", request);
    }

    public int httpPort() { return httpPort; }
    public long certifiedRun() { return certifiedRun; }
    public long failedCheckRun() { return failedCheckRun; }
    public long failedViewRun() { return failedViewRun; }
    public AgentProcess agent() { return agent; }

    @Override
    public void close() {
        agent.close();
    }
}
