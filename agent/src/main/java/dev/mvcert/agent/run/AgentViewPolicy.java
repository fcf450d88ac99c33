package dev.mvcert.agent.run;

import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.refresh.StepStatus;
import dev.mvcert.engine.run.RunContext;
import dev.mvcert.engine.run.ViewPolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * What the agent decides per view: the view's circuit breaker (kept in the database, shared by
 * every agent: audit.breaker_permit / audit.breaker_record) says whether it may start; retryable
 * failures are tried again with exponential backoff and full jitter within the attempt count and
 * time budget of the {@link RetryPolicy}; exhausting the budget or opening a breaker logs an
 * ALERT. The breakers of a run's views are read once when the run starts: a view whose breaker
 * is closed with no failures (most views, most of the time) costs no breaker statement unless it
 * fails.
 */
final class AgentViewPolicy implements ViewPolicy {

    private static final Logger log = LoggerFactory.getLogger(AgentViewPolicy.class);
    /** Log events that need a human (retry budget exceeded, breaker opened): alerting rules match this marker / field. */
    static final Marker ALERT = MarkerFactory.getMarker("ALERT");
    static final String BREAKER_OPEN = "breaker_open";

    private final Database database;
    private final RetryPolicy retryPolicy;
    private final AgentMetrics metrics;
    private final Stopping stopping;
    /** The run whose breakers are cached, and its views whose breaker is not plainly closed. */
    private volatile long cachedRun = -1;
    private volatile Set<String> watched = Set.of();

    AgentViewPolicy(Database database, RetryPolicy retryPolicy, AgentMetrics metrics, Stopping stopping) {
        this.database = database;
        this.retryPolicy = retryPolicy;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** The views of the run whose breaker has a failure or is not closed: only those need the breaker's say. */
    private Set<String> watched(RunContext run) throws SQLException {
        if (cachedRun != run.runId()) {
            synchronized (this) {
                if (cachedRun != run.runId()) {
                    List<String> views = new ArrayList<>();
                    for (PlannedView v : run.plan().views()) {
                        views.add(v.matview());
                    }
                    try (Connection c = database.autocommit()) {
                        watched = Set.copyOf(new JdbcTemplate(c).query(
                                "SELECT b.matview FROM audit.breaker b WHERE b.matview = ANY (?::text[]) "
                                        + "AND (b.state <> 'closed' OR b.consecutive_failures > 0)",
                                rs -> rs.getString(1),
                                JdbcTemplate.textArray(views)));
                    }
                    cachedRun = run.runId();
                }
            }
        }
        return watched;
    }

    @Override
    public Optional<String> refusal(RunContext run, PlannedView view) throws SQLException {
        if (!watched(run).contains(view.matview())) {
            return Optional.empty();
        }
        String permit = breaker("SELECT audit.breaker_permit(?, ?)", view.matview(), run.target());
        if ("open".equals(permit)) {
            log.warn("skipped {}: its circuit breaker is open (see audit.breaker_status; audit.reset_breaker to close it)", view.matview());
            return Optional.of(BREAKER_OPEN);
        }
        if ("half_open".equals(permit)) {
            log.info("refreshing {} as the circuit breaker's trial", view.matview());
        }
        return Optional.empty();
    }

    @Override
    public StepResult attempts(RunContext run, PlannedView view, Attempt attempt, boolean retriesAllowed) throws SQLException {
        long firstStart = System.nanoTime();
        for (int number = 1; ; number++) {
            StepResult result = attempt.run(number);
            if (result.status() != StepStatus.FAILED || !retriesAllowed || stopping.requested()) {
                return result;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - firstStart);
            RetryPolicy.Decision decision = retryPolicy.decide(result.retryable(), number, elapsed);
            if (!decision.retry()) {
                if (decision.reason() == RetryPolicy.GiveUp.BUDGET_EXCEEDED) {
                    metrics.retryBudgetExceeded(view.matview());
                    MDC.put("alert", "retry_budget_exceeded");
                    log.error(ALERT, "ALERT retry budget exceeded for {}: {} attempts in {} (max {} attempts, budget {}); last error {} {}: {}",
                            view.matview(), number, seconds(elapsed), retryPolicy.maxAttempts(), retryPolicy.budget(),
                            result.errorClass(), result.sqlState(), result.message());
                    MDC.remove("alert");
                }
                return result;
            }
            metrics.retry(view.matview(), String.valueOf(result.errorClass()));
            log.warn("retrying {} in {} after {} (attempt {} of {})", view.matview(), seconds(decision.delay()),
                    result.errorClass(), number + 1, retryPolicy.maxAttempts());
            if (!stopping.sleep(decision.delay())) {
                return result;
            }
        }
    }

    @Override
    public void finished(RunContext run, PlannedView view, StepResult result) throws SQLException {
        // a view locked by another session tells the breaker nothing
        if (result.skipped() && "locked_elsewhere".equals(result.skipReason())) {
            return;
        }
        boolean fine = result.status() != StepStatus.FAILED;
        if (fine && !watched(run).contains(view.matview())) {
            return; // closed, no failures, and still fine: nothing to record
        }
        String state = breaker("SELECT audit.breaker_record(?, ?, ?, ?)", view.matview(), fine,
                fine ? null : result.errorClass() + ": " + result.message(), run.target());
        if ("open".equals(state) && !fine) {
            log.error(ALERT, "ALERT circuit breaker of {} is open after repeated failures", view.matview());
        }
    }

    private String breaker(String sql, Object... params) throws SQLException {
        try (Connection c = database.autocommit()) {
            return new JdbcTemplate(c).queryForString(sql, params);
        }
    }

    static String seconds(Duration d) {
        return d == null ? "?" : String.format("%.3f s", d.toNanos() / 1e9);
    }
}
