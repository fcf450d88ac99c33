package dev.mvcert.agent.run;

import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.run.RunContext;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one request with the engine, which owns the run's life (plan, steps, skips,
 * certification, outcome, history), and plugs in what is the agent's: pooled sessions and a
 * parallel scheduler, retries and the circuit breaker per view ({@link AgentViewPolicy}), the
 * run's heartbeat, metrics, the caller's progress display, and stopping on a signal.
 */
public final class RunExecutor {

    private static final Logger log = LoggerFactory.getLogger(RunExecutor.class);

    /** The thread that records attempts in the metrics (see {@link Metrics}); gone after a minute idle. */
    private static final ExecutorService RECORDER = DaemonThreads.started("mvcert-metrics", 1, new LinkedBlockingQueue<>());

    /** Returns once every attempt queued for the metrics so far is recorded. */
    private static void awaitRecorded() {
        CompletableFuture.runAsync(() -> { }, RECORDER).join();
    }

    private final Database database;
    private final AgentSettings settings;
    private final AgentMetrics metrics;
    private final AgentViewPolicy viewPolicy;
    private final String executor;
    private final Stopping stopping;
    private final Set<Connection> inFlight = ConcurrentHashMap.newKeySet();
    private volatile int parallelism = 1;

    public RunExecutor(Database database, AgentSettings settings, AgentMetrics metrics, RetryPolicy retryPolicy, String executor,
                       Stopping stopping) {
        this.database = database;
        this.settings = settings;
        this.metrics = metrics;
        this.viewPolicy = new AgentViewPolicy(database, retryPolicy, metrics, stopping);
        this.executor = executor;
        this.stopping = stopping;
    }

    /** Cancels the statements running now (after the shutdown grace period). */
    public void cancelInFlight() {
        for (Connection c : inFlight) {
            try {
                c.unwrap(PGConnection.class).cancelQuery();
                log.warn("cancelled the statement of backend {}", c.unwrap(PGConnection.class).getBackendPID());
            } catch (SQLException e) {
                log.warn("could not cancel a running statement: {}", e.getMessage());
            }
        }
    }

    public boolean busy() {
        return !inFlight.isEmpty();
    }

    /** How many views the current (or last) run refreshes at once. */
    public int parallelism() {
        return parallelism;
    }

    /** The request as this agent runs it: its name as executor, its lease. */
    public RunRequest request(String target, String requestedBy) {
        return RunRequest.of(target).withRequestedBy(requestedBy).withExecutor(executor).withLease(settings.lease());
    }

    /**
     * Sessions running a query on the server now, other than the one asking: client backends
     * and parallel workers that are active (those the agent's role may see: pg_read_all_stats
     * sees all). Asked when the run starts, while its own sessions are idle. 0 when it cannot be read.
     */
    private int busySessions() {
        try (Connection c = database.autocommit()) {
            return new JdbcTemplate(c).queryForLong("""
                    SELECT count(*) FROM pg_catalog.pg_stat_activity a
                     WHERE a.state = 'active' AND a.backend_type IN ('client backend', 'parallel worker')
                       AND a.pid <> pg_catalog.pg_backend_pid()""").intValue();
        } catch (SQLException | RuntimeException e) {
            log.debug("could not count busy sessions: {}", e.getMessage());
            return 0;
        }
    }

    public RunResult run(RunRequest request, RunListener progress) throws SQLException {
        MDC.put("target", request.target());
        Heartbeat heartbeat = new Heartbeat();
        PooledSessions sessions = new PooledSessions(database, inFlight);
        RunResult result = null;
        try (ParallelScheduler scheduler = new ParallelScheduler(settings.workConnections())) {
            RunListener sizing = new RunListener() {
                @Override
                public void runStarted(RunContext run) {
                    if (run.mode() != RunMode.INCREMENTAL) {
                        // one transaction is one session: nothing to size, no server load to ask for
                        parallelism = 1;
                        scheduler.parallelism(parallelism);
                        return;
                    }
                    Parallelism chosen = settings.parallel > 0 ? new Parallelism(settings.parallel, "--parallel")
                            : Parallelism.choose(settings.serverCores, database.settings().jdbcUrl(), run.plan(), RunExecutor.this::busySessions);
                    parallelism = chosen.views();
                    scheduler.parallelism(parallelism);
                    log.info("run {}: {} view(s) at once ({})", run.runId(), parallelism, chosen.why());
                }
            };
            result = Mvcert.runs(sessions)
                    .scheduledBy(scheduler)
                    .withPolicy(viewPolicy)
                    .listenedBy(RunListener.both(RunListener.both(sizing, RunListener.both(heartbeat, new Metrics())), progress))
                    .stoppingWhen(stopping::requested)
                    .run(request);
            sessions.endAtomic(result.publish());
            log.info("run {} of {} ({}) ended {} in {}{}", result.runId(), result.target(), result.mode().sqlName(),
                    result.outcome().sqlName(), AgentViewPolicy.seconds(result.duration()),
                    result.reason() == null ? "" : ": " + result.reason());
            return result;
        } finally {
            if (result == null) {
                sessions.endAtomic(false);
            }
            heartbeat.stop();
            // every attempt and the run are in the metrics when this returns, also after an error
            awaitRecorded();
            MDC.remove("target");
            MDC.remove("run_id");
        }
    }

    /** Moves the run's heartbeat while it runs, so reap_abandoned leaves it alone. */
    private final class Heartbeat implements RunListener {
        private ScheduledExecutorService timer;

        @Override
        public void runStarted(RunContext run) {
            MDC.put("run_id", Long.toString(run.runId()));
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mvcert-run-heartbeat");
                t.setDaemon(true);
                return t;
            });
            long every = settings.heartbeatInterval.toMillis();
            timer.scheduleAtFixedRate(() -> {
                try (Connection c = database.autocommit()) {
                    new JdbcTemplate(c).queryForString("SELECT audit.heartbeat(?)", run.runId());
                } catch (SQLException | RuntimeException e) {
                    log.warn("heartbeat of run {} failed: {}", run.runId(), e.getMessage());
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }

        void stop() {
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    /**
     * Records each attempt, and then the run, in the metrics on a thread of its own, so the step's
     * thread hands its view to the run at once (the metrics' first use in a process costs
     * milliseconds). One thread, so everything is recorded in the order it ended: the run's own
     * figure after its attempts. {@link #run} waits for all of it before it returns.
     */
    private final class Metrics implements RunListener {
        @Override
        public void stepFinished(RunContext run, PlannedView view, StepResult r) {
            record(view.matview(), () -> metrics.attempt(view.matview(), r.modeUsed(), r.status().sqlName(),
                    r.errorClass() == null ? null : r.errorClass().name(), r.duration(), r.rowsAfter()));
        }

        @Override
        public void runFinished(RunResult result) {
            record(result.target(), () -> metrics.run(result.target(), result.mode().sqlName(), result.outcome().sqlName(),
                    result.duration()));
        }

        private void record(String what, Runnable recording) {
            RECORDER.execute(() -> {
                try {
                    recording.run();
                } catch (RuntimeException e) {
                    log.warn("could not record {} in the metrics: {}", what, e.toString());
                }
            });
        }
    }
}
