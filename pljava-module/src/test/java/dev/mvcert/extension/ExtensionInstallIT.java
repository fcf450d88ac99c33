package dev.mvcert.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class ExtensionInstallIT {

    /** Every object of schema audit, with its kind and (for routines) identity arguments. */
    private static final String AUDIT_OBJECTS = """
            SELECT kind || ' ' || name FROM (
              SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence'
                                    WHEN 'i' THEN 'index' ELSE c.relkind::text END AS kind, c.relname::text AS name
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'audit'
              UNION ALL
              SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
                     p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'audit'
            ) o ORDER BY 1
            """;

    @Test
    void createExtensionInANewDatabaseCreatesSchemaAudit(LocalCluster cluster) throws SQLException {
        createDatabase(cluster, "ext_fresh");
        try (Connection c = cluster.connect("ext_fresh"); Statement s = c.createStatement()) {
            cluster.withCheckoutExtension(() -> s.execute("CREATE EXTENSION mvcert"));
            assertEquals("0.2.0", single(s, "SELECT extversion FROM pg_extension WHERE extname = 'mvcert'"));
            // schema audit is a member of the extension, so DROP EXTENSION removes it
            assertEquals("1", single(s, """
                    SELECT count(*) FROM pg_depend d JOIN pg_namespace n ON n.oid = d.objid
                     WHERE d.classid = 'pg_namespace'::regclass AND n.nspname = 'audit'
                       AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'"""));
            assertTrue(objects(s).contains("table target"));
        }
    }

    @Test
    void dropAndRecreateLeavesNothingBehindAndWorksAgain(LocalCluster cluster) throws SQLException {
        createDatabase(cluster, "ext_drop");
        try (Connection c = cluster.connect("ext_drop"); Statement s = c.createStatement()) {
            cluster.withCheckoutExtension(() -> s.execute("CREATE EXTENSION mvcert"));
            List<String> first = objects(s);
            s.execute("DROP EXTENSION mvcert");
            assertEquals("0", single(s, "SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'"));
            cluster.withCheckoutExtension(() -> s.execute("CREATE EXTENSION mvcert"));
            assertEquals(first, objects(s));
        }
    }

    @Test
    void flatInstallScriptCreatesTheSameObjectsAsTheExtension(LocalCluster cluster) throws SQLException {
        createDatabase(cluster, "ext_flat");
        Path flat = cluster.projectRoot().resolve("sql/build/mvcert_flat.sql");
        cluster.serverCommand(Duration.ofMinutes(2), cluster.bindir().resolve("psql").toString(),
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.socketDir().toString(), "-p", String.valueOf(cluster.port()),
                "-U", cluster.superuser(), "-d", "ext_flat", "-f", flat.toString());
        List<String> flatObjects;
        try (Connection c = cluster.connect("ext_flat"); Statement s = c.createStatement()) {
            flatObjects = objects(s);
            assertEquals("0", single(s, "SELECT count(*) FROM pg_extension WHERE extname = 'mvcert'"));
        }
        try (Connection c = cluster.connect("mvcert_template"); Statement s = c.createStatement()) {
            assertEquals(objects(s), flatObjects);
        }
        assertFalse(flatObjects.isEmpty());
    }

    private static void createDatabase(LocalCluster cluster, String name) throws SQLException {
        try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    private static List<String> objects(Statement s) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(AUDIT_OBJECTS)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
