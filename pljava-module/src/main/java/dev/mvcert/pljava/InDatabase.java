package dev.mvcert.pljava;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Savepoint;

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
        return engine().certify(target, null).status().name();
    }

    /** {@code audit.capture_baselines(regclass, text)}: records a capture for review, returns its id. */
    public static long captureBaselines(String target, String note) throws SQLException {
        return engine().captureBaselines(target, note).captureId();
    }

    /**
     * {@code audit.refresh_and_certify_atomic(regclass)}: refreshes the target's closure
     * (CONCURRENTLY where eligible) and certifies it, all in the caller's transaction, and
     * raises unless the run may be published (certified, or a bootstrap of a target never
     * certified), so that nothing else of the run is published.
     */
    public static String refreshAndCertifyAtomic(String target) throws SQLException {
        RunResult run = engine().run(request(target, RunMode.ATOMIC));
        if (!run.publish()) {
            throw new SQLException("mvcert: atomic run " + run.runId() + " of " + run.target()
                    + " did not certify, nothing is published: " + run.reason(), "55000");
        }
        return run.outcome().sqlName().toUpperCase(java.util.Locale.ROOT) + ": " + run.target() + " (atomic run " + run.runId() + ")";
    }

    /**
     * {@code audit._run_in_database(regclass, text, boolean)}: the in-database path of
     * {@code CALL audit.refresh_and_certify} and {@code CALL audit.run_certification} (and of
     * pg_cron jobs scheduled in-database). Returns the run's id and never raises for a run that
     * did not certify: the procedure commits, then reports the run (audit._report_run).
     *
     * <p>A function cannot commit, so every step shares the caller's transaction (each step in
     * its own savepoint) and is published when the procedure commits. An atomic run that did
     * not certify is undone (savepoint) with its history, and recorded again, with its reason.
     */
    public static long runInDatabase(String target, String mode, boolean raise) throws SQLException {
        Mvcert engine = engine();
        RunMode runMode = mode == null ? null : RunMode.fromSql(mode);
        if (runMode != RunMode.ATOMIC) {
            return engine.run(request(target, runMode)).runId();
        }
        Connection c = engine.connection();
        Savepoint beforeRun = c.setSavepoint();
        RunResult run = engine.run(request(target, RunMode.ATOMIC));
        if (run.publish()) {
            c.releaseSavepoint(beforeRun);
            return run.runId();
        }
        c.rollback(beforeRun);
        return recordUndone(c, run);
    }

    /** The run row of an atomic run whose savepoint was rolled back, recorded again with how it ended. */
    private static long recordUndone(Connection c, RunResult run) throws SQLException {
        JdbcTemplate jdbc = new JdbcTemplate(c);
        long recorded = jdbc.queryForLong("SELECT audit.begin_run(?::regclass, 'atomic', ?, NULL, 'pljava')",
                run.target(), requestedBy(jdbc));
        jdbc.queryForString("SELECT audit.finish_run(?, ?, ?, ?::text[], ?::text[])", recorded, run.outcome().sqlName(),
                run.reason() + " [in-database: run " + run.runId() + " was rolled back with its steps and certification]",
                JdbcTemplate.textArray(run.staleViews()), JdbcTemplate.textArray(run.needsMaintenance()));
        return recorded;
    }

    private static RunRequest request(String target, RunMode mode) throws SQLException {
        return RunRequest.of(target).withMode(mode).withExecutor("pljava").withRequestedBy(requestedBy(new JdbcTemplate(connection())));
    }

    private static String requestedBy(JdbcTemplate jdbc) throws SQLException {
        return jdbc.queryForString("SELECT SESSION_USER::text") + " (in-database)";
    }

    private static Mvcert engine() throws SQLException {
        return new Mvcert(connection());
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection("jdbc:default:connection");
    }
}
