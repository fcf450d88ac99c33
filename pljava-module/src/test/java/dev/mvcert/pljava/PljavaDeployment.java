package dev.mvcert.pljava;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Deploys the engine jar built by this module into a test database the way a DBA does, with
 * install/pljava.sh, and skips the calling tests where the server has no PL/Java.
 */
final class PljavaDeployment {

    private PljavaDeployment() {}

    static final String NOT_INSTALLED = "PL/Java is not installed on the test PostgreSQL (no 'pljava' in "
            + "pg_available_extensions): skipping the in-database engine tests. Install PL/Java for "
            + "PostgreSQL 15 (e.g. postgresql-15-pljava) to run them.";

    /** Whether PL/Java is installed on the test cluster (pg_available_extensions). */
    static boolean pljavaAvailable(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pljava'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    /** Skips the calling test (JUnit assumption, reported as skipped with the reason) without PL/Java. */
    static void assumePljavaAvailable(boolean available) {
        assumeTrue(available, NOT_INSTALLED);
    }

    /** The engine jar of this build (made at process-classes, before the tests run). */
    static Path engineJar() {
        Path jar = Path.of(System.getProperty("mvcert.engine.jar", "target/mvcert-engine.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no engine jar at " + jar + ": build with mvn verify");
        }
        return jar;
    }

    record ScriptResult(int exitCode, String output) {}

    /** Runs install/pljava.sh for the database, connecting like a DBA would through libpq's environment. */
    static ScriptResult runInstallScript(TestDatabase db) {
        LocalCluster cluster = db.cluster();
        Path script = cluster.projectRoot().resolve("install/pljava.sh");
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", script.toString(), db.name(), engineJar().toString()))
                .redirectErrorStream(true);
        builder.environment().put("PGHOST", cluster.socketDir().toString());
        builder.environment().put("PGPORT", Integer.toString(cluster.port()));
        builder.environment().put("PGUSER", cluster.superuser());
        builder.environment().put("PATH", cluster.bindir() + ":" + System.getenv("PATH"));
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("install/pljava.sh did not finish in 3 minutes:\n" + output);
            }
            return new ScriptResult(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Deploys, failing the test with the script's output when it does not succeed. */
    static void deploy(TestDatabase db) {
        ScriptResult result = runInstallScript(db);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("install/pljava.sh failed (exit " + result.exitCode() + "):\n" + result.output());
        }
    }

    /** The Java-backed functions in schema audit, as regprocedure text, sorted. */
    static List<String> javaFunctionsInAudit(TestDatabase db) {
        return db.queryColumn("""
                SELECT p.oid::regprocedure::text
                  FROM pg_catalog.pg_proc p
                  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
                 WHERE p.pronamespace = 'audit'::regnamespace AND l.lanname IN ('java', 'javau')
                 ORDER BY 1""");
    }
}
