package dev.mvcert.agent.run;

import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.agent.run.DependencyScheduler.Node;
import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.CheckResult;
import dev.mvcert.engine.refresh.Certifier;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.refresh.RunMode;
import dev.mvcert.engine.refresh.RunOptions;
import dev.mvcert.engine.refresh.RunResult;
import dev.mvcert.engine.refresh.RunStatus;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.refresh.StepStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Executes one run of a target: the agent's policy (parallelism, retries, breaker, heartbeat)
 * around the engine's verbs (plan, refresh one view, certify). The engine decides what a step
 * does; this class decides when and how many at once.
 *
 * <ul>
 * <li>incremental: every view on its own pooled connection in its own transaction, committed
 * when the step succeeded and rolled back when it failed, so readers see each view as soon
 * as it is refreshed; independent views run in parallel; certification at the end.</li>
 * <li>atomic: one connection, one transaction: every refresh (CONCURRENTLY where eligible)
 * and the certification, committed only if certified. One transaction is one session, so an
 * atomic run is sequential and cannot retry a step (a failed statement aborts the
 * transaction).</li>
 * </ul>
 * History goes through separate autocommit connections, so it survives a rollback.
 */
public final class RunExecutor {

    private static final Logger log = LoggerFactory.getLogger(RunExecutor.class);
    /** Log events that need a human (retry budget exceeded): alerting rules match this marker / field. */
    public static final Marker ALERT = MarkerFactory.getMarker("ALERT");

    private final Database database;
    private final AgentSettings settings;
    private final AgentMetrics metrics;
    private final RetryPolicy retryPolicy;
    private final Breaker breaker;
    private final String executor;
    private final Set<Connection> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile String cancelReason;
    private final Object sleepLock = new Object();

    public RunExecutor(Database database, AgentSettings settings, AgentMetrics metrics, RetryPolicy retryPolicy, String executor) {
        this.database = database;
        this.settings = settings;
        this.metrics = metrics;
        this.retryPolicy = retryPolicy;
        this.breaker = new Breaker(database);
        this.executor = executor;
    }

    /** Stop starting steps (and stop waiting between retries); steps already running go on. */
    public void stopStarting(String reason) {
        cancelReason = reason;
        stopping = true;
        synchronized (sleepLock) {
            sleepLock.notifyAll();
        }
    }

    /** Cancel the statements now running (after the shutdown grace period). */
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

    public RunOutcome run(RunRequest request, RunListener listener) throws SQLException {
        long started = System.nanoTime();
        MDC.put("target", request.target());
        AtomicLong runId = new AtomicLong(-1);
        ScheduledExecutorService heartbeat = startHeartbeat(request, runId);
        try {
            RunOutcome outcome = switch (request.mode()) {
                case INCREMENTAL -> incremental(request, listener, runId, started);
                case ATOMIC -> atomic(request, listener, runId, started);
                case CERTIFY -> certifyOnly(request, started);
            };
            metrics.run(request.target(), request.mode().sql(), outcome.kind().name().toLowerCase(), outcome.duration());
            String what = outcome.runId() == null ? "certification" : "run " + outcome.runId();
            log.info("{} of {} ({}) ended {} in {}", what, request.target(), request.mode().sql(),
                    outcome.summary(), seconds(outcome.duration()));
            listener.runFinished(outcome);
            return outcome;
        } finally {
            heartbeat.shutdownNow();
            MDC.remove("target");
            MDC.remove("run_id");
        }
    }

    // --- incremental -------------------------------------------------------------------------

    private RunOutcome incremental(RunRequest request, RunListener listener, AtomicLong runIdHolder, long started) throws SQLException {
        try (Connection history = database.autocommit()) {
            Mvcert control = new Mvcert(history);
            RefreshPlan plan = control.plan(request.target());
            long runId = control.beginRun(request.target(), options(request, RunMode.INCREMENTAL));
            runIdHolder.set(runId);
            MDC.put("run_id", Long.toString(runId));
            listener.runStarted(runId, plan);
            List<String> allViews = plan.views().stream().map(PlannedView::matview).toList();

            Optional<String> feedProblem = control.checkFeeds(request.target());
            if (feedProblem.isPresent()) {
                control.finishRun(runId, RunStatus.SKIPPED, feedProblem.get(), allViews, List.of());
                return outcome(runId, RunOutcome.Kind.SKIPPED, feedProblem.get(), allViews, List.of(), started);
            }

            Map<String, PlannedView> byName = new LinkedHashMap<>();
            plan.views().forEach(v -> byName.put(v.matview(), v));
            Map<String, String> stale = Collections.synchronizedMap(new LinkedHashMap<>());
            Map<String, String> failed = Collections.synchronizedMap(new LinkedHashMap<>());
            Map<String, String> breakerSkips = Collections.synchronizedMap(new LinkedHashMap<>());
            List<Node> nodes = plan.views().stream().map(v -> new Node(v.matview(), v.dependsOn())).toList();
            String target = request.target();
            Map<String, String> mdc = MDC.getCopyOfContextMap();
            try {
                new DependencyScheduler(settings.parallel).run(nodes, node -> {
                    MDC.setContextMap(mdc);
                    MDC.put("matview", node.name());
                    try {
                        return refreshWithRetries(runId, target, byName.get(node.name()), listener, stale, failed, breakerSkips);
                    } finally {
                        MDC.clear();
                    }
                }, (node, reason, detail) -> {
                    stale.put(node.name(), reason);
                    log.info("skipped {}: {} ({})", node.name(), reason, detail);
                    recordSkip(runId, byName.get(node.name()), reason, detail);
                    listener.stepSkipped(byName.get(node.name()), reason);
                }, () -> stopping);
            } catch (SQLException e) {
                control.finishRun(runId, RunStatus.FAILED, "agent error: " + e.getMessage(), allViews, List.of());
                throw e;
            } catch (Exception e) {
                control.finishRun(runId, RunStatus.FAILED, "agent error: " + e, allViews, List.of());
                throw new IllegalStateException(e);
            }

            List<String> staleViews = allViews.stream().filter(stale::containsKey).toList();
            List<String> maintenance = allViews.stream().filter(v -> String.valueOf(stale.get(v)).startsWith("needs_maintenance")).toList();
            if (stopping && (stale.containsValue("cancelled") || !failed.isEmpty())) {
                String reason = cancelReason != null ? cancelReason : "cancelled";
                control.finishRun(runId, RunStatus.CANCELLED, reason, staleViews, maintenance);
                return outcome(runId, RunOutcome.Kind.CANCELLED, reason, staleViews, List.of(), started);
            }
            if (!failed.isEmpty()) {
                String reason = "refresh failed: " + String.join("; ", failed.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
                control.finishRun(runId, RunStatus.FAILED, reason, staleViews, maintenance);
                return outcome(runId, RunOutcome.Kind.REFRESH_FAILED, reason, staleViews, List.of(), started);
            }
            if (!breakerSkips.isEmpty()) {
                String reason = "breaker_open: " + String.join(", ", breakerSkips.keySet());
                control.finishRun(runId, RunStatus.SKIPPED, reason, staleViews, maintenance);
                return outcome(runId, RunOutcome.Kind.SKIPPED, reason, staleViews, List.of(), started);
            }
            control.finishRun(runId, RunStatus.SUCCEEDED, null, staleViews, maintenance);
            return certify(request.target(), runId, history, staleViews, started);
        }
    }

    /**
     * One view: ask the breaker, refresh with retries for retryable errors, tell the breaker the
     * final outcome. Returns whether the view's dependents may run.
     */
    private boolean refreshWithRetries(long runId, String target, PlannedView view, RunListener listener,
                                       Map<String, String> stale, Map<String, String> failed,
                                       Map<String, String> breakerSkips) throws SQLException {
        String permit = breaker.permit(view.matview(), target);
        if (Breaker.OPEN.equals(permit)) {
            stale.put(view.matview(), "breaker_open");
            breakerSkips.put(view.matview(), "breaker_open");
            log.warn("skipped {}: its circuit breaker is open (see audit.breaker_status; audit.reset_breaker to close it)", view.matview());
            recordSkip(runId, view, "breaker_open", "circuit breaker open after repeated failures");
            listener.stepSkipped(view, "breaker_open");
            return false;
        }
        if (Breaker.HALF_OPEN.equals(permit)) {
            log.info("refreshing {} as the circuit breaker's trial", view.matview());
        }
        long firstStart = System.nanoTime();
        StepResult result;
        int attempt = 1;
        while (true) {
            listener.stepStarted(view, attempt);
            result = attempt(runId, view, attempt);
            listener.stepFinished(view, result);
            logStep(view, result, attempt);
            if (result.status() != StepStatus.FAILED || stopping) {
                break;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - firstStart);
            RetryPolicy.Decision decision = retryPolicy.decide(result.retryable(), attempt, elapsed);
            if (!decision.retry()) {
                if (decision.reason() == RetryPolicy.GiveUp.BUDGET_EXCEEDED) {
                    metrics.retryBudgetExceeded(view.matview());
                    MDC.put("alert", "retry_budget_exceeded");
                    log.error(ALERT, "ALERT retry budget exceeded for {}: {} attempts in {} (max {} attempts, budget {}); last error {} {}: {}",
                            view.matview(), attempt, seconds(elapsed), retryPolicy.maxAttempts(), retryPolicy.budget(),
                            result.errorClass(), result.sqlState(), result.message());
                    MDC.remove("alert");
                }
                break;
            }
            metrics.retry(view.matview(), String.valueOf(result.errorClass()));
            log.warn("retrying {} in {} after {} (attempt {} of {})", view.matview(), seconds(decision.delay()),
                    result.errorClass(), attempt + 1, retryPolicy.maxAttempts());
            if (!sleep(decision.delay())) {
                break;
            }
            attempt++;
        }
        boolean succeeded = result.status() == StepStatus.SUCCEEDED;
        boolean fine = succeeded || result.status() == StepStatus.SKIPPED;
        if (result.status() == StepStatus.FAILED) {
            failed.put(view.matview(), result.errorClass() + " " + result.message());
            stale.put(view.matview(), "failed");
        } else if (result.status() == StepStatus.SKIPPED && !"inputs_unchanged".equals(result.skipReason())
                && !"locked_elsewhere".equals(result.skipReason())) {
            stale.put(view.matview(), result.skipReason());
        }
        // A view that needed no refresh counts as healthy; one locked by another session tells the breaker nothing.
        if (!(result.status() == StepStatus.SKIPPED && "locked_elsewhere".equals(result.skipReason()))) {
            String state = breaker.record(view.matview(), fine, fine ? null : result.errorClass() + ": " + result.message(), target);
            if (Breaker.OPEN.equals(state) && !fine) {
                log.error(ALERT, "ALERT circuit breaker of {} is open after repeated failures", view.matview());
            }
        }
        return fine;
    }

    /** One attempt of one view in its own transaction on its own connection. */
    private StepResult attempt(long runId, PlannedView view, int attempt) throws SQLException {
        try (Connection history = database.autocommit(); Connection work = database.transactional()) {
            inFlight.add(work);
            try {
                StepResult result = new Mvcert(work).withHistory(history).refreshView(runId, view, attempt);
                if (result.status() == StepStatus.FAILED) {
                    work.rollback();
                } else {
                    work.commit();
                }
                metrics.attempt(view.matview(), result.modeUsed(), result.status().sqlName(),
                        result.errorClass() == null ? null : result.errorClass().name(), result.duration(), result.rowsAfter());
                return result;
            } catch (SQLException | RuntimeException e) {
                work.rollback();
                throw e;
            } finally {
                inFlight.remove(work);
            }
        }
    }

    // --- atomic --------------------------------------------------------------------------------

    private RunOutcome atomic(RunRequest request, RunListener listener, AtomicLong runIdHolder, long started) throws SQLException {
        try (Connection history = database.autocommit(); Connection work = database.transactional()) {
            RefreshPlan plan = new Mvcert(history).plan(request.target());
            List<String> open = new ArrayList<>();
            for (PlannedView v : plan.views()) {
                if (Breaker.OPEN.equals(breaker.permit(v.matview(), request.target()))) {
                    open.add(v.matview());
                }
            }
            if (!open.isEmpty()) {
                Mvcert control = new Mvcert(history);
                long runId = control.beginRun(request.target(), options(request, RunMode.ATOMIC));
                String reason = "breaker_open: " + String.join(", ", open);
                control.finishRun(runId, RunStatus.SKIPPED, reason, List.of(), List.of());
                return outcome(runId, RunOutcome.Kind.SKIPPED, reason, List.of(), List.of(), started);
            }
            // Certification runs inside the run's transaction: it certifies exactly what would be published.
            CertificationResult[] certification = new CertificationResult[1];
            Certifier certifier = (target, runId) -> {
                certification[0] = new Mvcert(work).certify(target, runId, history);
                return new Certifier.Verdict(certification[0].certified(),
                        certification[0].certified() ? "certified" : "certification failed: " + certification[0].failureSummary());
            };
            inFlight.add(work);
            RunResult result;
            try {
                result = new Mvcert(work).withHistory(history).withCertifier(certifier)
                        .refresh(request.target(), options(request, RunMode.ATOMIC), step -> { });
                if (result.publish()) {
                    work.commit();
                } else {
                    work.rollback();
                }
            } catch (SQLException | RuntimeException e) {
                work.rollback();
                throw e;
            } finally {
                inFlight.remove(work);
            }
            runIdHolder.set(result.runId());
            MDC.put("run_id", Long.toString(result.runId()));
            for (StepResult step : result.steps()) {
                metrics.attempt(step.matview(), step.modeUsed(), step.status().sqlName(),
                        step.errorClass() == null ? null : step.errorClass().name(), step.duration(), step.rowsAfter());
                if (step.status() != StepStatus.SKIPPED || "inputs_unchanged".equals(step.skipReason())) {
                    boolean ok = step.status() != StepStatus.FAILED;
                    breaker.record(step.matview(), ok, ok ? null : step.errorClass() + ": " + step.message(), request.target());
                }
            }
            if (result.publish()) {
                return outcome(result.runId(), RunOutcome.Kind.CERTIFIED, null, result.staleViews(), List.of(), started);
            }
            // Nothing was published: every view keeps its previous snapshot.
            List<String> stale = plan.views().stream().map(PlannedView::matview).toList();
            boolean stepFailed = result.steps().stream().anyMatch(StepResult::failed);
            return switch (result.status()) {
                case SKIPPED -> outcome(result.runId(), RunOutcome.Kind.SKIPPED, result.reason(), stale, List.of(), started);
                case CANCELLED -> outcome(result.runId(), RunOutcome.Kind.CANCELLED, result.reason(), stale, List.of(), started);
                case FAILED, SUCCEEDED -> !stepFailed && certification[0] != null && !certification[0].certified()
                        ? outcome(result.runId(), RunOutcome.Kind.NOT_CERTIFIED, "certification failed; nothing published",
                                stale, failedChecks(certification[0]), started)
                        : outcome(result.runId(), RunOutcome.Kind.REFRESH_FAILED,
                                (result.reason() == null ? "refresh failed" : result.reason()) + "; nothing published", stale, List.of(), started);
            };
        }
    }

    // --- certification -------------------------------------------------------------------------

    private RunOutcome certifyOnly(RunRequest request, long started) throws SQLException {
        try (Connection history = database.autocommit()) {
            return certify(request.target(), null, history, List.of(), started);
        }
    }

    private RunOutcome certify(String target, Long runId, Connection history, List<String> staleViews, long started) throws SQLException {
        try (Connection work = database.transactional()) {
            inFlight.add(work);
            try {
                CertificationResult result = new Mvcert(work).certify(target, runId, history);
                work.commit();
                if (result.certified()) {
                    log.info("{} certified", target);
                    return outcome(runId, RunOutcome.Kind.CERTIFIED, null, staleViews, List.of(), started);
                }
                List<String> checks = failedChecks(result);
                log.warn("{} NOT certified: {}", target, String.join("; ", checks));
                return outcome(runId, RunOutcome.Kind.NOT_CERTIFIED, "certification failed: " + String.join("; ", checks),
                        staleViews, checks, started);
            } catch (SQLException | RuntimeException e) {
                work.rollback();
                throw e;
            } finally {
                inFlight.remove(work);
            }
        }
    }

    private static List<String> failedChecks(CertificationResult result) {
        if (result == null) {
            return List.of();
        }
        return result.failures().stream().map(RunExecutor::describe).toList();
    }

    private static String describe(CheckResult c) {
        return c.check() + (c.object() == null ? "" : " " + c.object()) + (c.detail() == null ? "" : ": " + c.detail());
    }

    // --- helpers -------------------------------------------------------------------------------

    private RunOptions options(RunRequest request, RunMode mode) {
        return RunOptions.defaults().withMode(mode).withRequestedBy(request.requestedBy()).withRequestId(request.requestId())
                .withExecutor(executor).withLease(settings.lease());
    }

    /** A view the agent did not start (upstream_failed, breaker_open, cancelled) still gets its step row. */
    private void recordSkip(long runId, PlannedView view, String reason, String detail) {
        try (Connection c = database.autocommit();
             PreparedStatement ps = c.prepareStatement("SELECT audit.finish_step(audit.begin_step(?, ?, ?, ?, ?, 1), 'skipped', NULL, ?, ?)")) {
            ps.setLong(1, runId);
            ps.setString(2, view.matview());
            ps.setInt(3, view.step());
            ps.setInt(4, view.level());
            ps.setString(5, view.mode());
            ps.setString(6, reason);
            ps.setString(7, detail);
            ps.execute();
        } catch (SQLException e) {
            log.warn("could not record the skip of {}: {}", view.matview(), e.getMessage());
        }
    }

    /** Moves the run's heartbeat while it runs, so reap_abandoned leaves it alone. */
    private ScheduledExecutorService startHeartbeat(RunRequest request, AtomicLong runId) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mvcert-run-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = settings.heartbeatInterval.toMillis();
        timer.scheduleAtFixedRate(() -> {
            try (Connection c = database.autocommit();
                 PreparedStatement ps = c.prepareStatement("SELECT audit.heartbeat(r.run_id) FROM audit.run r "
                         + "WHERE r.status = 'running' AND (r.run_id = ? OR (r.executor = ? AND r.target = ?))")) {
                ps.setLong(1, runId.get());
                ps.setString(2, executor);
                ps.setString(3, request.target());
                ps.execute();
            } catch (SQLException | RuntimeException e) {
                log.warn("heartbeat failed: {}", e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return timer;
    }

    /** Sleeps unless the agent is stopping; returns false when woken by a stop. */
    private boolean sleep(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        synchronized (sleepLock) {
            while (!stopping) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(sleepLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private void logStep(PlannedView view, StepResult r, int attempt) {
        String took = seconds(r.duration());
        switch (r.status()) {
            case SUCCEEDED -> log.info("refreshed {} {} in {}, {} rows (attempt {})", view.matview(), r.modeUsed(), took, r.rowsAfter(), attempt);
            case SKIPPED -> log.info("skipped {}: {} ({})", view.matview(), r.skipReason(), took);
            case FAILED -> log.warn("refresh of {} failed in {} (attempt {}): {} {} {}", view.matview(), took, attempt,
                    r.errorClass(), r.sqlState(), r.message());
        }
    }

    private static RunOutcome outcome(Long runId, RunOutcome.Kind kind, String reason, List<String> stale, List<String> checks, long started) {
        return new RunOutcome(runId != null && runId < 0 ? null : runId, kind, reason, stale, checks, Duration.ofNanos(System.nanoTime() - started));
    }

    static String seconds(Duration d) {
        return d == null ? "?" : String.format("%.3f s", d.toNanos() / 1e9);
    }
}
