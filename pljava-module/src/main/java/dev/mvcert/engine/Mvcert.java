package dev.mvcert.engine;

import dev.mvcert.engine.certify.Certification;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.baseline.BaselineCapture;
import dev.mvcert.engine.certify.baseline.CapturedBaseline;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.run.RefreshRun;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.engine.run.RunSessions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

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

    public Mvcert(Connection connection) {
        this(connection, null);
    }

    private Mvcert(Connection connection, Connection historyConnection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.historyConnection = historyConnection;
    }

    public Connection connection() {
        return connection;
    }

    /**
     * The same engine, writing run, step and certification history through {@code history}
     * (autocommit on), so history survives a rollback of the work. Without it history shares
     * the work's fate.
     */
    public Mvcert withHistory(Connection history) {
        return new Mvcert(connection, Objects.requireNonNull(history, "history"));
    }

    // --- planning and runs ----------------------------------------------------------------

    /** The refresh plan of a target (audit.refresh_plan, with expected durations), by its canonical name. */
    public RefreshPlan plan(String target) throws SQLException {
        JdbcTemplate jdbc = new JdbcTemplate(connection);
        return RefreshPlan.load(jdbc, jdbc.queryForString("SELECT audit._require_view(?::regclass)", target));
    }

    /**
     * A run of a target in this connection's transaction (which must have autocommit off),
     * one view at a time, history through the history connection when there is one. Incremental
     * and atomic runs alike publish nothing before the caller commits; in atomic mode the caller
     * commits only when {@link RunResult#publish()}, and rolls back otherwise.
     */
    public RunResult run(RunRequest request) throws SQLException {
        requireTransaction();
        return runs(RunSessions.shared(connection, historyConnection)).run(request);
    }

    /** Runs whose work happens where {@code sessions} says: the agent's pooled, parallel runs. */
    public static RefreshRun runs(RunSessions sessions) {
        return RefreshRun.on(sessions, executor());
    }

    private void requireTransaction() throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("the work connection must be inside a transaction (autocommit off): "
                    + "step locks, timeouts and savepoints are transaction-scoped");
        }
    }

    // --- certification and baselines ------------------------------------------------------

    /**
     * Certifies a target: runs every check (forbidden dependencies, time-of-query tokens,
     * gated-column leakage, dataset hashes, definition drift, SQL assertions, structure),
     * records one result per check and object, and publishes CERTIFIED or FAILED in the
     * registry. History through the history connection when there is one, the registry on
     * the work connection (so in an atomic run the status is published with the data).
     *
     * @param runId the run this certification belongs to, or null
     */
    public CertificationResult certify(String target, Long runId) throws SQLException {
        return new Certification(connection, historyConnection, executor()).certify(target, runId);
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
