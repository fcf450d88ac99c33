package dev.mvcert.engine.refresh;

import dev.mvcert.engine.errors.ErrorClass;
import dev.mvcert.engine.refresh.lock.AdvisoryLockTemplate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One step of a run: refresh one materialized view, recorded in audit.step. Under the view's
 * refresh lock (tried, never waited for), it chooses the mode, skips the view when its inputs
 * are unchanged, applies the target's statement and lock timeouts for the step only, refreshes
 * inside a savepoint (so a failure leaves the transaction, and the previous snapshot, intact),
 * then ANALYZEs the view and counts its rows exactly.
 */
public final class RefreshStep {

    private static final System.Logger LOG = System.getLogger(RefreshStep.class.getName());

    public static final String LOCKED_ELSEWHERE = "locked_elsewhere";
    public static final String INPUTS_UNCHANGED = "inputs_unchanged";
    public static final String NEEDS_MAINTENANCE = "needs_maintenance:invalid_index";

    private final Connection work;
    private final RunHistory history;
    private final AdvisoryLockTemplate lock;

    public RefreshStep(Connection work, RunHistory history) {
        this.work = work;
        this.history = history;
        this.lock = new AdvisoryLockTemplate(work);
    }

    public StepResult refresh(long runId, PlannedView view, int attempt, boolean force) throws SQLException {
        TargetPolicy policy = TargetPolicy.ofRun(history.connection(), runId);
        long key = lock.keyOf(view.matview());
        long stepId = history.beginStep(runId, view, attempt, key, backendPid());
        long started = System.nanoTime();
        Optional<StepResult> locked = lock.tryExecute(key, () -> refreshLocked(runId, stepId, view, policy, force, started));
        StepResult result = locked.orElseGet(() -> skipped(stepId, view, LOCKED_ELSEWHERE,
                "refresh lock " + key + " held by " + holder(view.matview()), started));
        history.finishStep(stepId, result);
        LOG.log(System.Logger.Level.INFO, "mvcert run {0}: {1} {2} {3} in {4} ms{5}", runId, view.matview(),
                result.status().sqlName(), result.modeUsed() == null ? String.valueOf(result.skipReason()) : result.modeUsed(),
                result.duration().toMillis(), result.rowsAfter() == null ? "" : ", rows " + result.rowsAfter());
        return result;
    }

    private StepResult refreshLocked(long runId, long stepId, PlannedView view, TargetPolicy policy, boolean force,
                                     long started) throws SQLException {
        String mode;
        String why;
        switch (view.reason() == null ? "" : view.reason()) {
            case "plain:unpopulated" -> { mode = "plain"; why = "bootstrap: not populated"; }
            case "plain:no_unique_index" -> { mode = "plain"; why = "no usable unique index for CONCURRENTLY"; }
            case "rebuild:invalid_index" -> {
                if (!policy.inMaintenanceWindow()) {
                    return skipped(stepId, view, NEEDS_MAINTENANCE,
                            "invalid unique index; rebuild only inside the target's maintenance window", started);
                }
                mode = "rebuild";
                why = "invalid unique index, inside the maintenance window";
            }
            default -> {
                if (!"concurrently".equals(view.mode())) {
                    mode = "plain";
                    why = "plan mode " + view.mode();
                } else if (policy.mode() == RunMode.ATOMIC) {
                    mode = "concurrently";
                    why = "atomic run: concurrently keeps readers unblocked until publish";
                } else if (policy.inMaintenanceWindow()) {
                    mode = "plain";
                    why = "inside the maintenance window";
                } else if (policy.preferPlain()) {
                    mode = "plain";
                    why = "target policy prefer_plain";
                } else {
                    mode = "concurrently";
                    why = "eligible for concurrently";
                }
            }
        }

        // Everything from here on runs under the step's timeouts (reading the inputs' sizes
        // takes locks too) and inside a savepoint, so any failure leaves the transaction usable.
        String previousStatementTimeout = queryText("SELECT pg_catalog.current_setting('statement_timeout')", null);
        String previousLockTimeout = queryText("SELECT pg_catalog.current_setting('lock_timeout')", null);
        String refreshSql = "REFRESH MATERIALIZED VIEW " + ("concurrently".equals(mode) ? "CONCURRENTLY " : "") + view.matview();
        Long queryId = utilityQueryId(refreshSql);
        String decision = mode + ": " + why;
        setLocal("statement_timeout", policy.statementTimeoutMs() + "ms");
        setLocal("lock_timeout", policy.lockTimeoutMs() + "ms");
        try (Statement s = work.createStatement()) {
            // JDBC savepoints, not SAVEPOINT statements: PL/Java's in-database JDBC refuses
            // transaction-control SQL (SPI_ERROR_TRANSACTION) but implements these.
            Savepoint savepoint = work.setSavepoint();
            try {
                String changes = queryText("SELECT audit.input_changes(?::regclass)", view.matview());
                if (changes == null && policy.skipUnchanged() && !force && !"rebuild".equals(mode)) {
                    work.releaseSavepoint(savepoint);
                    return skipped(stepId, view, INPUTS_UNCHANGED, "no input changed since the last refresh", started);
                }
                decision = (force ? "forced" : changes == null ? "skip_unchanged off" : changes) + "; " + decision;
                // Taken before the refresh: a change committed while it runs then differs next time.
                String fingerprint = queryText("SELECT audit._inputs_fingerprint(?::regclass)::text", view.matview());
                invalidate(view.matview(), runId);
                s.execute(refreshSql);
                if ("rebuild".equals(mode)) {
                    for (String index : invalidIndexes(view.matview())) {
                        s.execute("REINDEX INDEX " + index);
                    }
                }
                s.execute("ANALYZE " + view.matview());
                long rows;
                try (ResultSet rs = s.executeQuery("SELECT pg_catalog.count(*) FROM " + view.matview())) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                try (PreparedStatement ps = work.prepareStatement(
                        "SELECT audit._record_input_fingerprint(?::regclass, ?::jsonb, ?, ?)")) {
                    ps.setString(1, view.matview());
                    ps.setString(2, fingerprint);
                    ps.setLong(3, runId);
                    ps.setLong(4, stepId);
                    // read the row: PL/Java's in-database JDBC evaluates a SELECT only as its rows are fetched
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
                work.releaseSavepoint(savepoint);
                return new StepResult(stepId, view.matview(), StepStatus.SUCCEEDED, mode, null, decision, rows, queryId,
                        since(started), null, false, null, null);
            } catch (SQLException e) {
                undoStep(savepoint);
                ErrorClass errorClass = ErrorClass.of(e.getSQLState(), e.getMessage());
                return new StepResult(stepId, view.matview(), StepStatus.FAILED, mode, null, decision, null, queryId,
                        since(started), errorClass, errorClass.retryable(), e.getSQLState(), e.getMessage());
            }
        } finally {
            restore("statement_timeout", previousStatementTimeout);
            restore("lock_timeout", previousLockTimeout);
        }
    }

    /**
     * Moves every target whose certified closure holds the view out of CERTIFIED, in this
     * step's transaction: readers fail closed from the moment the refresh is published until
     * a certification passes (an atomic run certifies before it commits, so its readers
     * never see the difference).
     */
    private void invalidate(String matview, long runId) throws SQLException {
        try (PreparedStatement ps = work.prepareStatement(
                "SELECT audit._invalidate('pg_catalog.pg_class'::pg_catalog.regclass, ?::regclass, 'REFRESH MATERIALIZED VIEW', ?)")) {
            ps.setString(1, matview);
            ps.setLong(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    private void undoStep(Savepoint savepoint) {
        try {
            work.rollback(savepoint);
        } catch (SQLException broken) {
            // the connection itself is gone; the failure is recorded through the history connection
        }
    }

    private void restore(String setting, String value) {
        if (value == null) {
            return;
        }
        try {
            setLocal(setting, value);
        } catch (SQLException broken) {
            // a broken connection has no settings left to restore
        }
    }

    /**
     * pg_stat_activity.query_id of a utility statement such as REFRESH: PostgreSQL 15 computes
     * it (compute_query_id = on) as hash_any_extended of the statement text with seed 0, which
     * is what hashtextextended(text, 0) returns; 0 is replaced by 2. So the id is known
     * before the statement runs, without sampling pg_stat_activity while it does.
     */
    private Long utilityQueryId(String sql) throws SQLException {
        if ("off".equals(queryText("SELECT pg_catalog.current_setting('compute_query_id')", null))) {
            return null;
        }
        try (PreparedStatement ps = work.prepareStatement("SELECT pg_catalog.hashtextextended(?, 0)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long id = rs.getLong(1);
                return id == 0 ? 2L : id;
            }
        }
    }

    private List<String> invalidIndexes(String matview) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = work.prepareStatement("""
                SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
                  FROM pg_catalog.pg_index i
                  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE i.indrelid = ?::regclass AND NOT (i.indisvalid AND i.indisready)
                 ORDER BY 1""")) {
            ps.setString(1, matview);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private String holder(String matview) {
        try {
            return lock.holderOf(matview).map(pid -> "pid " + pid).orElse("another session");
        } catch (SQLException e) {
            return "another session";
        }
    }

    private void setLocal(String setting, String value) throws SQLException {
        try (PreparedStatement ps = work.prepareStatement("SELECT pg_catalog.set_config(?, ?, true)")) {
            ps.setString(1, setting);
            ps.setString(2, value);
            // read the row: PL/Java's in-database JDBC evaluates a SELECT only as its rows are fetched
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    private String queryText(String sql, String param) throws SQLException {
        try (PreparedStatement ps = work.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private int backendPid() throws SQLException {
        try (Statement s = work.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_catalog.pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static StepResult skipped(long stepId, PlannedView view, String reason, String decision, long started) {
        return new StepResult(stepId, view.matview(), StepStatus.SKIPPED, null, reason, decision, null, null,
                since(started), null, false, null, null);
    }

    private static Duration since(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
