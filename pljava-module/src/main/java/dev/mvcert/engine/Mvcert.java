package dev.mvcert.engine;

import dev.mvcert.engine.certify.Certification;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.baseline.BaselineCapture;
import dev.mvcert.engine.certify.baseline.CapturedBaseline;
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

    public Mvcert(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    public Connection connection() {
        return connection;
    }

    // --- planning and refresh -------------------------------------------------------------

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
