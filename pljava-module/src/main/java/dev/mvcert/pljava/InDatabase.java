package dev.mvcert.pljava;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationResult;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

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
        return new Mvcert(connection()).captureBaselines(target, note).captureId();
    }

    /**
     * {@code audit._run_in_database(regclass, text, boolean)}: the in-database path of
     * {@code CALL audit.refresh_and_certify} and {@code CALL audit.run_certification}. Returns
     * the outcome, starting with CERTIFIED or FAILED; the procedure commits and then raises or
     * warns, so a FAILED status is kept.
     */
    public static String runInDatabase(String target, String mode, boolean raise) throws SQLException {
        return switch (mode) {
            case "certify" -> outcome(certification(target));
            default -> throw new SQLException("mvcert: unknown run mode '" + mode + "' (expected incremental, atomic or certify)",
                    "22023");
        };
    }

    private static CertificationResult certification(String target) throws SQLException {
        return new Mvcert(connection()).certify(target, null);
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
