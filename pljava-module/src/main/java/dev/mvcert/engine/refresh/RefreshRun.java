package dev.mvcert.engine.refresh;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A whole sequential run of a target: check the required feeds, read the plan, refresh each
 * view in plan order, and finish the run in history. Incremental runs hand each step to the
 * caller's {@link StepBoundary} (commit or roll back); a view whose upstream failed or was not
 * refreshed is skipped ({@code upstream_not_refreshed}). Atomic runs stop at the first failure
 * (the rest is recorded as skipped) and otherwise ask the {@link Certifier}; the result says
 * whether the caller should publish (commit).
 */
public final class RefreshRun {

    public static final String UPSTREAM_NOT_REFRESHED = "upstream_not_refreshed";
    public static final String ATOMIC_RUN_FAILED = "atomic_run_failed";

    private final Connection work;
    private final RunHistory history;
    private final Certifier certifier;

    public RefreshRun(Connection work, RunHistory history, Certifier certifier) {
        this.work = work;
        this.history = history;
        this.certifier = certifier;
    }

    public RunResult run(String target, RunOptions options, StepBoundary boundary) throws SQLException {
        requireTransaction(work);
        String name = canonicalTarget(work, target);
        long runId = history.beginRun(name, options, backendPid(work));
        Optional<String> feedProblem = checkFeeds(work, name);
        if (feedProblem.isPresent()) {
            String reason = "required feed not ready: " + feedProblem.get();
            history.finishRun(runId, RunStatus.SKIPPED, reason, List.of(), List.of());
            return new RunResult(runId, name, options.mode(), RunStatus.SKIPPED, reason, List.of(), List.of(), List.of(),
                    null, false);
        }
        RefreshPlan plan = plan(work, name);
        RefreshStep step = new RefreshStep(work, history);
        List<StepResult> results = new ArrayList<>();
        Set<String> notRefreshed = new HashSet<>();
        boolean atomicFailed = false;
        for (PlannedView view : plan.views()) {
            StepResult result;
            Optional<String> missing = view.dependsOn().stream().filter(notRefreshed::contains).findFirst();
            if (atomicFailed) {
                result = recordSkip(runId, view, ATOMIC_RUN_FAILED, "an earlier step of this atomic run failed");
            } else if (missing.isPresent()) {
                result = recordSkip(runId, view, UPSTREAM_NOT_REFRESHED, "upstream " + missing.get() + " was not refreshed");
            } else {
                result = step.refresh(runId, view, 1, options.force());
            }
            results.add(result);
            if (result.failed() || (result.skipped() && !RefreshStep.INPUTS_UNCHANGED.equals(result.skipReason()))) {
                notRefreshed.add(view.matview());
            }
            if (result.failed() && options.mode() == RunMode.ATOMIC) {
                atomicFailed = true;
            }
            history.heartbeat(runId);
            if (options.mode() == RunMode.INCREMENTAL && boundary != null) {
                boundary.afterStep(result);
            }
        }

        List<String> needsMaintenance = results.stream()
                .filter(r -> RefreshStep.NEEDS_MAINTENANCE.equals(r.skipReason())).map(StepResult::matview).toList();
        List<String> failed = results.stream().filter(StepResult::failed).map(StepResult::matview).toList();
        List<String> stale = atomicFailed
                // the whole transaction will be rolled back: nothing of this run is published
                ? results.stream().filter(r -> !RefreshStep.INPUTS_UNCHANGED.equals(r.skipReason())).map(StepResult::matview).toList()
                : plan.views().stream().map(PlannedView::matview).filter(notRefreshed::contains).toList();

        RunStatus status = failed.isEmpty() ? RunStatus.SUCCEEDED : RunStatus.FAILED;
        List<String> reasons = new ArrayList<>();
        if (!failed.isEmpty()) {
            reasons.add("failed: " + String.join(", ", failed));
        }
        if (!needsMaintenance.isEmpty()) {
            reasons.add("needs maintenance (invalid index, outside the maintenance window): " + String.join(", ", needsMaintenance));
        }
        Certifier.Verdict verdict = null;
        boolean publish = failed.isEmpty();
        if (options.mode() == RunMode.ATOMIC && failed.isEmpty()) {
            verdict = certifier.certify(name, runId);
            publish = verdict.passed();
            if (!verdict.passed()) {
                status = RunStatus.FAILED;
                stale = results.stream().filter(r -> !RefreshStep.INPUTS_UNCHANGED.equals(r.skipReason())).map(StepResult::matview).toList();
                reasons.add("certification failed: " + verdict.summary());
            }
        }
        if (options.mode() == RunMode.ATOMIC) {
            reasons.add(publish ? "publish" : "publish nothing (roll back)");
        }
        String reason = reasons.isEmpty() ? null : String.join("; ", reasons);
        history.finishRun(runId, status, reason, stale, needsMaintenance);
        return new RunResult(runId, name, options.mode(), status, reason, results, stale, needsMaintenance, verdict, publish);
    }

    private StepResult recordSkip(long runId, PlannedView view, String reason, String decision) throws SQLException {
        long stepId = history.beginStep(runId, view, 1, 0L, backendPid(work));
        StepResult r = new StepResult(stepId, view.matview(), StepStatus.SKIPPED, null, reason, decision, null, null,
                java.time.Duration.ZERO, null, false, null, null);
        history.finishStep(stepId, r);
        return r;
    }

    /** The target's canonical name; bad input gets audit._require_view's error naming it. */
    public static String canonicalTarget(Connection c, String target) throws SQLException {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("target must name a view or materialized view, got '" + target + "'");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT audit._require_view(?::regclass)")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    public static RefreshPlan plan(Connection c, String target) throws SQLException {
        List<PlannedView> views = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT step, level, matview, mode, reason, unique_index, depends_on, warning
                  FROM audit.refresh_plan(?::regclass) ORDER BY step""")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // pgjdbc returns a java.sql.Array, PL/Java's in-database JDBC a String[]
                    Object deps = rs.getObject(7);
                    List<String> dependsOn = deps == null ? List.of()
                            : Arrays.asList((String[]) (deps instanceof Array array ? array.getArray() : deps));
                    views.add(new PlannedView(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), dependsOn, rs.getString(8)));
                }
            }
        }
        return new RefreshPlan(target, views);
    }

    /** The first problem with the target's required feeds, or empty when they allow a run. */
    public static Optional<String> checkFeeds(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT problem FROM audit.feed_problems(?::regclass) ORDER BY feed")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> problems = new ArrayList<>();
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
                return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
            }
        }
    }

    static void requireTransaction(Connection c) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("the work connection must be inside a transaction (autocommit off): "
                    + "per-step locks, timeouts and savepoints are transaction-scoped");
        }
    }

    static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_catalog.pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
