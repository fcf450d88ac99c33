package dev.mvcert.engine;

import dev.mvcert.engine.certify.Certification;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.baseline.BaselineCapture;
import dev.mvcert.engine.certify.baseline.CapturedBaseline;
import dev.mvcert.engine.refresh.Certifier;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.refresh.RefreshRun;
import dev.mvcert.engine.refresh.RefreshStep;
import dev.mvcert.engine.refresh.RunHistory;
import dev.mvcert.engine.refresh.RunOptions;
import dev.mvcert.engine.refresh.RunResult;
import dev.mvcert.engine.refresh.RunStatus;
import dev.mvcert.engine.refresh.StepBoundary;
import dev.mvcert.engine.refresh.StepResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * THE public API of the mvcert engine: one object per connection, one method per verb, each
 * verb implemented by its own class behind it.
 *
 * <p>The engine never begins, commits or rolls back a transaction; the caller does. In the
 * agent that is a pooled JDBC connection; inside PostgreSQL under PL/Java it is
 * {@code jdbc:default:connection}. It logs through {@link System.Logger}.
 */
public final class Mvcert {

    private final Connection connection;
    private final Connection historyConnection;
    private final Certifier certifier;

    public Mvcert(Connection connection) {
        this(connection, null, null);
    }

    private Mvcert(Connection connection, Connection historyConnection, Certifier certifier) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.historyConnection = historyConnection;
        this.certifier = certifier;
    }

    public Connection connection() {
        return connection;
    }

    // --- planning and refresh -------------------------------------------------------------

    /**
     * The same engine, writing run and step history through {@code history} (autocommit on),
     * so history survives a rollback of the work. Without it history shares the work's fate.
     */
    public Mvcert withHistory(Connection history) {
        return new Mvcert(connection, Objects.requireNonNull(history, "history"), certifier);
    }

    /** The same engine, certifying atomic runs with {@code certifier} before they publish. */
    public Mvcert withCertifier(Certifier certifier) {
        return new Mvcert(connection, historyConnection, Objects.requireNonNull(certifier, "certifier"));
    }

    /**
     * The same engine, certifying atomic runs with {@link #certify} inside the run's
     * transaction (certification history through the history connection when there is one):
     * the run publishes only when the target is CERTIFIED.
     */
    public Mvcert withCertification() {
        return withCertifier((target, runId) -> {
            CertificationResult result = historyConnection == null
                    ? certify(target, runId) : certify(target, runId, historyConnection);
            return new Certifier.Verdict(result.certified(), result.certified() ? "certified" : result.failureSummary());
        });
    }

    /** The refresh plan of a target: audit.refresh_plan in step order. */
    public RefreshPlan plan(String target) throws SQLException {
        return RefreshRun.plan(connection, RefreshRun.canonicalTarget(connection, target));
    }

    /** Records the start of a run in audit.run and returns its id. */
    public long beginRun(String target, RunOptions options) throws SQLException {
        String name = RefreshRun.canonicalTarget(connection, target);
        try (var s = connection.createStatement(); var rs = s.executeQuery("SELECT pg_catalog.pg_backend_pid()")) {
            rs.next();
            return history().beginRun(name, options, rs.getInt(1));
        }
    }

    /** Why the target's required feeds forbid a run now (naming the feed), or empty. */
    public Optional<String> checkFeeds(String target) throws SQLException {
        return RefreshRun.checkFeeds(connection, RefreshRun.canonicalTarget(connection, target));
    }

    /** One step of a run (lock, timeouts, skip-unchanged, refresh, ANALYZE, rows), recorded in audit.step. */
    public StepResult refreshView(long runId, PlannedView view, int attempt) throws SQLException {
        return refreshView(runId, view, attempt, false);
    }

    /** As {@link #refreshView(long, PlannedView, int)}; {@code force} refreshes even when inputs are unchanged. */
    public StepResult refreshView(long runId, PlannedView view, int attempt, boolean force) throws SQLException {
        return new RefreshStep(connection, history()).refresh(runId, view, attempt, force);
    }

    /** Records the end of a run; false when it had already ended (e.g. abandoned). */
    public boolean finishRun(long runId, RunStatus status, String reason, List<String> staleViews,
                             List<String> needsMaintenance) throws SQLException {
        return history().finishRun(runId, status, reason, staleViews, needsMaintenance);
    }

    /** Moves the run's heartbeat; false when the run is no longer running (e.g. reaped as abandoned). */
    public boolean heartbeat(long runId) throws SQLException {
        return history().heartbeat(runId);
    }

    /**
     * A whole sequential run of {@code target} in plan order (mode from {@code options}). The
     * work connection must have autocommit off. Incremental: {@code boundary} is called after
     * each step to commit or roll back. Atomic: nothing is committed; certification (see
     * {@link #withCertifier}) runs in the same transaction, and the caller commits when
     * {@link RunResult#publish()} is true, else rolls back.
     */
    public RunResult refresh(String target, RunOptions options, StepBoundary boundary) throws SQLException {
        return new RefreshRun(connection, history(), certifier == null ? Certifier.NONE : certifier)
                .run(target, options, boundary);
    }

    private RunHistory history() {
        return new RunHistory(historyConnection != null ? historyConnection : connection);
    }

    // --- certification and baselines ------------------------------------------------------

    /**
     * Certifies a target: runs every check (forbidden dependencies, time-of-query tokens,
     * gated-column leakage, dataset hashes, definition drift, SQL assertions, structure),
     * records one result per check and object, and publishes CERTIFIED or FAILED in the
     * registry. History and registry are written on this connection.
     *
     * @param runId the refresh run this certification belongs to, or null
     */
    public CertificationResult certify(String target, Long runId) throws SQLException {
        return certify(target, runId, connection);
    }

    /**
     * As {@link #certify(String, Long)}, writing the certification history through
     * {@code history} (autocommit, so it survives a rollback of the work) and the registry on
     * the work connection (so in an atomic run the status is published with the data).
     */
    public CertificationResult certify(String target, Long runId, Connection history) throws SQLException {
        return new Certification(connection, history, executor()).certify(target, runId);
    }

    /** Captures definition and dataset hashes of a target for review; nothing changes until accepted. */
    public CapturedBaseline captureBaselines(String target, String note) throws SQLException {
        return new BaselineCapture(connection).capture(target, note);
    }

    /** The reviewed re-baselining step (audit.accept_baseline): returns how many baseline entries changed. */
    public int acceptBaseline(long captureId, String note) throws SQLException {
        return new BaselineCapture(connection).accept(captureId, note);
    }

    private static String executor() {
        try {
            String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
            return "engine:" + host + ":" + ProcessHandle.current().pid();
        } catch (SecurityException sandboxed) {
            // PL/Java's trusted language denies the environment and the process handle: the
            // engine then runs inside a database backend.
            return "engine:in-database";
        }
    }
}
