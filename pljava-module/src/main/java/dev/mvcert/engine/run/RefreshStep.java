package dev.mvcert.engine.run;

import dev.mvcert.engine.errors.ErrorClass;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.SkipReason;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.refresh.StepStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * One attempt to refresh one materialized view, recorded as one row of audit.step. The mode
 * follows the plan and the target's policy. In the step's transaction, three statements do the
 * work: audit._step_prepare (refresh lock, step timeouts, skip-unchanged, fingerprint), the
 * REFRESH itself (its own top-level statement, so pg_stat_activity shows it with its query id),
 * and audit._step_done (invalidation of the certified targets holding the view, REINDEX for a
 * rebuild, ANALYZE except in atomic runs, exact rows without a scan, timeouts restored). The step's
 * row is begun on the history side of the run's sessions, which may write it while the step's
 * transaction prepares; the REFRESH waits for it. A step that commits on its own is
 * recorded as succeeded by audit._step_done, in its transaction, so the record commits with the
 * refresh; every other ending (a failure, a skip, a step in a shared transaction, which may still
 * be rolled back) is recorded on the history side afterwards.
 */
final class RefreshStep {

    private static final System.Logger LOG = System.getLogger(RefreshStep.class.getName());

    private final RunContext run;
    private final RunSessions sessions;
    private final RunHistory history;

    RefreshStep(RunContext run, RunSessions sessions, RunHistory history) {
        this.run = run;
        this.sessions = sessions;
        this.history = history;
    }

    /** The REFRESH mode for a view in this run, and why. */
    private record Mode(String name, String why) {}

    private Mode modeOf(PlannedView view) {
        TargetPolicy policy = run.policy();
        return switch (view.reason() == null ? "" : view.reason()) {
            case "plain:unpopulated" -> new Mode("plain", "bootstrap: not populated");
            case "plain:no_unique_index" -> new Mode("plain", "no usable unique index for CONCURRENTLY");
            case "rebuild:invalid_index" -> policy.inMaintenanceWindow()
                    ? new Mode("rebuild", "invalid unique index, inside the maintenance window") : null;
            default -> !"concurrently".equals(view.mode()) ? new Mode("plain", "plan mode " + view.mode())
                    : run.mode() == RunMode.ATOMIC ? new Mode("concurrently", "atomic run: concurrently keeps readers unblocked until publish")
                    : policy.inMaintenanceWindow() ? new Mode("plain", "inside the maintenance window")
                    : policy.preferPlain() ? new Mode("plain", "target policy prefer_plain")
                    : new Mode("concurrently", "eligible for concurrently");
        };
    }

    StepResult attempt(PlannedView view, int attempt) throws SQLException {
        long started = System.nanoTime();
        Mode mode = modeOf(view);
        StepResult result;
        if (mode == null) {
            long stepId = history.recordSkip(run.runId(), view, SkipReason.NEEDS_MAINTENANCE,
                    "invalid unique index; rebuild only inside the target's maintenance window");
            result = skipped(stepId, view, SkipReason.NEEDS_MAINTENANCE, "invalid unique index; rebuild only inside the target's maintenance window", started);
        } else {
            long[] stepId = new long[1];
            result = sessions.step(new RunSessions.StepWork<>() {
                @Override
                public void begin(int backendPid) throws SQLException {
                    stepId[0] = history.beginStep(run.runId(), view, attempt, backendPid);
                }

                @Override
                public StepResult run(Connection work, RunSessions.Begun begun) throws SQLException {
                    return refresh(new JdbcTemplate(work), () -> {
                        begun.await();
                        return stepId[0];
                    }, view, mode, started);
                }
            }, StepResult::failed);
            if (!recordedInStep(result)) {
                history.finishStep(result);
            }
        }
        // built by concatenation: a MessageFormat pattern costs about a millisecond a step to parse and format
        LOG.log(System.Logger.Level.INFO, () -> "mvcert run " + run.runId() + ": " + view.matview() + " " + result.status().sqlName() + " "
                + (result.modeUsed() == null ? String.valueOf(result.skipReason()) : result.modeUsed()) + " in "
                + result.duration().toMillis() + " ms" + (result.rowsAfter() == null ? "" : ", rows " + result.rowsAfter()));
        return result;
    }

    /** The step's id, once its history row is written (which may still be under way when the step starts). */
    @FunctionalInterface
    private interface StepId {
        long await() throws SQLException;
    }

    /**
     * The step's work. Its history row is awaited after audit._step_prepare and before the
     * REFRESH, so a refresh never runs without a row that says so, and before any ending is
     * recorded; when that row could not be written, the step throws and its transaction is
     * rolled back.
     */
    private StepResult refresh(JdbcTemplate work, StepId begun, PlannedView view, Mode mode, long started) throws SQLException {
        String decision = mode.name() + ": " + mode.why();
        Long queryId = null;
        SQLException failure;
        try {
            Prepared p = work.queryForObject("SELECT * FROM audit._step_prepare(?, ?::regclass, ?, ?, ?, ?)",
                    rs -> new Prepared(rs.getBoolean(1), rs.getString(2), rs.getString(3), nullableLong(rs, 4), rs.getLong(5),
                            rs.getLong(6), rs.getString(7), rs.getString(8)),
                    run.runId(), view.matview(), mode.name(), run.skipUnchanged(),
                    run.policy().statementTimeout(), run.policy().lockTimeout());
            long stepId = begun.await();
            if (!p.refresh()) {
                return skipped(stepId, view, p.skipReason(), p.decision(), started);
            }
            decision = p.decision() + "; " + decision;
            queryId = p.queryId();
            work.execute("REFRESH MATERIALIZED VIEW " + ("concurrently".equals(mode.name()) ? "CONCURRENTLY " : "") + view.matview());
            Done done = work.queryForObject("SELECT * FROM audit._step_done(?, ?, ?::regclass, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint)",
                    rs -> new Done(rs.getLong(1), rs.getString(3)),
                    run.runId(), stepId, view.matview(), mode.name(), run.mode() != RunMode.ATOMIC, p.insertedBefore(), p.deletedBefore(),
                    sessions.sharedTransaction(), p.previousStatementTimeout(), p.previousLockTimeout(), decision, queryId);
            return new StepResult(stepId, view.matview(), StepStatus.SUCCEEDED, mode.name(), null, done.decision(), done.rowsAfter(), queryId,
                    since(started), null, false, null, null);
        } catch (SQLException e) {
            failure = e;
        }
        // the failure is recorded on the step's row: when that row could not be written, this throws
        long stepId = begun.await();
        ErrorClass errorClass = ErrorClass.of(failure.getSQLState(), failure.getMessage());
        return new StepResult(stepId, view.matview(), StepStatus.FAILED, mode.name(), null, decision, null, queryId,
                since(started), errorClass, errorClass.retryable(), failure.getSQLState(), failure.getMessage());
    }

    /** Whether audit._step_done recorded the step: it succeeded in a transaction of its own, which committed. */
    private boolean recordedInStep(StepResult result) {
        return result.status() == StepStatus.SUCCEEDED && !sessions.sharedTransaction();
    }

    private record Done(long rowsAfter, String decision) {}

    private record Prepared(boolean refresh, String skipReason, String decision, Long queryId, long insertedBefore,
                            long deletedBefore, String previousStatementTimeout, String previousLockTimeout) {}

    private static Long nullableLong(java.sql.ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    static StepResult skipped(long stepId, PlannedView view, String reason, String decision, long started) {
        return new StepResult(stepId, view.matview(), StepStatus.SKIPPED, null, reason, decision, null, null,
                since(started), null, false, null, null);
    }

    private static Duration since(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
