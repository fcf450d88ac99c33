package dev.mvcert.pljava;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.refresh.RunMode;
import dev.mvcert.engine.refresh.RunOptions;
import dev.mvcert.engine.refresh.RunResult;
import dev.mvcert.engine.refresh.RunStatus;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;

/**
 * The engine's verbs as SQL functions under PL/Java: plain static methods, declared by the
 * deployment descriptor {@code deployment/mvcert.ddr}, so no PL/Java API is needed to compile.
 *
 * <p>Each call works on {@code jdbc:default:connection}: the calling backend's own session,
 * inside the caller's transaction. Nothing here commits; whatever the caller does with its
 * transaction decides what is kept, history included (there is no second connection to write
 * history that survives a rollback, unlike the agent).
 */
public final class InDatabase {

    private InDatabase() {}

    /** {@code audit.certify(regclass)}: certifies the target now and returns the registry status. */
    public static String certify(String target) throws SQLException {
        return certification(target).status().name();
    }

    /** {@code audit.capture_baselines(regclass, text)}: records a capture for review, returns its id. */
    public static long captureBaselines(String target, String note) throws SQLException {
        return engine().captureBaselines(target, note).captureId();
    }

    /**
     * {@code audit.refresh_and_certify_atomic(regclass)}: refreshes the target's closure
     * (CONCURRENTLY where eligible) and certifies it, all in the caller's transaction, and
     * raises unless the target certified, so that nothing of the run is published.
     */
    public static String refreshAndCertifyAtomic(String target) throws SQLException {
        RunResult run = engine().withCertification().refresh(target, options(RunMode.ATOMIC), null);
        if (!run.publish()) {
            throw new SQLException("mvcert: atomic run " + run.runId() + " of " + run.target()
                    + " did not certify, nothing is published: " + run.reason(), "55000");
        }
        return "CERTIFIED: " + run.target() + " (atomic run " + run.runId() + ")";
    }

    /**
     * {@code audit._run_in_database(regclass, text, boolean)}: the in-database path of
     * {@code CALL audit.refresh_and_certify} and {@code CALL audit.run_certification}. Returns
     * the outcome, starting with CERTIFIED or FAILED, and never raises for a failed run: the
     * procedure commits and then raises or warns (by {@code raise}), so history and a FAILED
     * status are kept.
     *
     * <p>incremental: a function cannot commit, so every step shares the caller's transaction
     * (each step in its own savepoint) and is published when the procedure commits; then the
     * target is certified. atomic: run and certification inside a savepoint, undone when the
     * target did not certify; the failed run is then recorded again, with its reason, since
     * the undone history went with it.
     */
    public static String runInDatabase(String target, String mode, boolean raise) throws SQLException {
        return switch (mode) {
            case "certify" -> outcome(certification(target));
            case "incremental" -> incremental(target);
            case "atomic" -> atomic(target);
            default -> throw new SQLException("mvcert: unknown run mode '" + mode + "' (expected incremental, atomic or certify)",
                    "22023");
        };
    }

    private static String incremental(String target) throws SQLException {
        Mvcert engine = engine();
        RunResult run = engine.refresh(target, options(RunMode.INCREMENTAL), null);
        String head = "incremental run " + run.runId() + " " + run.status().sqlName()
                + (run.reason() == null ? "" : " (" + run.reason() + ")");
        if (run.status() == RunStatus.SKIPPED) {
            return "FAILED: " + run.target() + ": " + head;
        }
        CertificationResult certification = engine.certify(run.target(), run.runId());
        String outcome = outcome(certification);
        return run.status() == RunStatus.SUCCEEDED ? outcome + "; " + head : "FAILED: " + head + "; " + outcome;
    }

    private static String atomic(String target) throws SQLException {
        Mvcert engine = engine();
        Connection c = engine.connection();
        Savepoint beforeRun = c.setSavepoint();
        RunResult run = engine.withCertification().refresh(target, options(RunMode.ATOMIC), null);
        if (run.publish()) {
            c.releaseSavepoint(beforeRun);
            return "CERTIFIED: " + run.target() + " (atomic run " + run.runId() + " published)";
        }
        c.rollback(beforeRun);
        long recorded = engine.beginRun(run.target(), options(RunMode.ATOMIC));
        String reason = run.reason() + " [in-database: run " + run.runId() + " was rolled back with its steps and certification]";
        engine.finishRun(recorded, RunStatus.FAILED, reason, run.staleViews(), run.needsMaintenance());
        return "FAILED: " + run.target() + " (atomic run " + recorded + "): " + run.reason();
    }

    private static RunOptions options(RunMode mode) throws SQLException {
        try (Statement s = connection().createStatement(); ResultSet rs = s.executeQuery("SELECT SESSION_USER::text")) {
            rs.next();
            return RunOptions.defaults().withMode(mode).withExecutor("pljava").withRequestedBy(rs.getString(1) + " (in-database)");
        }
    }

    private static CertificationResult certification(String target) throws SQLException {
        return engine().certify(target, null);
    }

    private static Mvcert engine() throws SQLException {
        return new Mvcert(connection());
    }

    /** "CERTIFIED: ml.x_v (certification 12)" or "FAILED: ml.x_v (certification 13): check object: detail ..." */
    static String outcome(CertificationResult result) {
        String head = result.status().name() + ": " + result.target() + " (certification " + result.certificationId() + ")";
        return result.certified() ? head : head + ": " + result.failureSummary().replace('\n', ';');
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection("jdbc:default:connection");
    }
}
