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
 * rebuild, ANALYZE except in atomic runs, exact rows without a scan, timeouts restored). History is written before and after,
 * on the history side of the run's sessions.
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
                public StepResult run(Connection work) {
                    return refresh(new JdbcTemplate(work), stepId[0], view, mode, started);
                }
            }, StepResult::failed);
            history.finishStep(result);
        }
        LOG.log(System.Logger.Level.INFO, "mvcert run {0}: {1} {2} {3} in {4} ms{5}", run.runId(), view.matview(),
                result.status().sqlName(), result.modeUsed() == null ? String.valueOf(result.skipReason()) : result.modeUsed(),
                result.duration().toMillis(), result.rowsAfter() == null ? "" : ", rows " + result.rowsAfter());
        return result;
    }

    private StepResult refresh(JdbcTemplate work, long stepId, PlannedView view, Mode mode, long started) {
        String decision = mode.name() + ": " + mode.why();
        Long queryId = null;
        try {
            Prepared p = work.queryForObject("SELECT * FROM audit._step_prepare(?, ?, ?::regclass, ?, ?, ?, ?)",
                    rs -> new Prepared(rs.getBoolean(1), rs.getString(2), rs.getString(3), nullableLong(rs, 4), rs.getLong(5),
                            rs.getLong(6), rs.getString(7), rs.getString(8)),
                    run.runId(), stepId, view.matview(), mode.name(), run.skipUnchanged(),
                    run.policy().statementTimeout(), run.policy().lockTimeout());
            if (!p.refresh()) {
                return skipped(stepId, view, p.skipReason(), p.decision(), started);
            }
            decision = p.decision() + "; " + decision;
            queryId = p.queryId();
            work.execute("REFRESH MATERIALIZED VIEW " + ("concurrently".equals(mode.name()) ? "CONCURRENTLY " : "") + view.matview());
            Object[] done = work.queryForObject("SELECT * FROM audit._step_done(?, ?::regclass, ?, ?, ?, ?, ?, ?, ?)",
                    rs -> new Object[] {rs.getLong(1), rs.getBoolean(2)},
                    run.runId(), view.matview(), mode.name(), run.mode() != RunMode.ATOMIC, p.insertedBefore(), p.deletedBefore(), sessions.sharedTransaction(),
                    p.previousStatementTimeout(), p.previousLockTimeout());
            decision += (Boolean) done[1] ? "; rows counted" : "; rows from the refresh's own statistics";
            return new StepResult(stepId, view.matview(), StepStatus.SUCCEEDED, mode.name(), null, decision, (Long) done[0], queryId,
                    since(started), null, false, null, null);
        } catch (SQLException e) {
            ErrorClass errorClass = ErrorClass.of(e.getSQLState(), e.getMessage());
            return new StepResult(stepId, view.matview(), StepStatus.FAILED, mode.name(), null, decision, null, queryId,
                    since(started), errorClass, errorClass.retryable(), e.getSQLState(), e.getMessage());
        }
    }

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
