package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A disk that is really full, not a simulated error: the database's temp_tablespaces is a
 * tablespace on a 512 kB tmpfs, too small for the temporary copy that REFRESH ... CONCURRENTLY
 * writes. The refresh fails with PostgreSQL's own "No space left on device" (SQLSTATE 53100),
 * classified as resources and retried; the run fails, readers keep the old rows through the
 * guarded view and the registry stays CERTIFIED; once the filesystem has room again the next
 * run is certified. Mounting needs root (as in CI); elsewhere the test is skipped and
 * EngineFaultIT's simulated 53100 is what remains.
 */
@ExtendWith(PostgresExtension.class)
class FullDiskIT {

    private static final String TARGET = "disk.big_v";
    private static Path mountPoint;

    @BeforeAll
    static void tinyTempTablespace(TestDatabase db) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        mountPoint = Files.createTempDirectory(Path.of("/tmp"), "mvcert-full-disk-");
        String owner = LocalCluster.run(List.of("id", "-u", db.cluster().superuser()), Duration.ofSeconds(10)).output().strip()
                + ":" + LocalCluster.run(List.of("id", "-g", db.cluster().superuser()), Duration.ofSeconds(10)).output().strip();
        mount("size=512k,mode=0700,uid=" + owner.split(":")[0] + ",gid=" + owner.split(":")[1]);
        db.execute("""
                CREATE SCHEMA disk;
                CREATE TABLE disk.base (id int PRIMARY KEY, payload text NOT NULL);
                INSERT INTO disk.base SELECT g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, 40000) g;
                CREATE MATERIALIZED VIEW disk.big_mv AS SELECT id, payload FROM disk.base;
                CREATE UNIQUE INDEX big_mv_id ON disk.big_mv (id);
                CREATE VIEW disk.big_v AS SELECT id, payload FROM disk.big_mv;
                SELECT audit.register_target('disk.big_v');
                """);
        SmallPipeline.acceptBaseline(db, TARGET);
        assertEquals(0, run(db).exitCode(), "certified before the disk fills");
        db.execute("SELECT audit.create_guarded_view('disk.big_v', 'disk.big_guarded_v', interval '1 day')");
        try (var c = db.cluster().connect("postgres"); var s = c.createStatement()) {
            s.execute("CREATE TABLESPACE disk_tmp LOCATION '" + mountPoint + "'");
            s.execute("ALTER DATABASE " + db.name() + " SET temp_tablespaces = 'disk_tmp'");
        }
    }

    @AfterAll
    static void removeTablespace(TestDatabase db) throws Exception {
        if (mountPoint == null) {
            return;
        }
        try (var c = db.cluster().connect("postgres"); var s = c.createStatement()) {
            s.execute("ALTER DATABASE " + db.name() + " RESET temp_tablespaces");
            s.execute("DROP TABLESPACE IF EXISTS disk_tmp");
        } finally {
            LocalCluster.run(List.of("umount", mountPoint.toString()), Duration.ofSeconds(30));
            Files.deleteIfExists(mountPoint);
        }
    }

    @Test
    void aRefreshThatFillsTheDiskFailsAsResourcesKeepsTheCertifiedRowsAndTheNextRunSucceedsOnceThereIsRoom(TestDatabase db) {
        // readers fingerprint without sorting: a sort would spill into the full temp tablespace too
        String before = db.queryValue(String.class, "SELECT count(*) || ':' || sum(hashtextextended(id || payload, 0)) FROM disk.big_guarded_v");
        db.execute("UPDATE disk.base SET payload = upper(payload) WHERE id % 2 = 0");

        CliRunner.Result full = run(db);
        assertEquals(4, full.exitCode(), "a refresh failed\n" + full);
        assertEquals(List.of("1 failed resources 53100", "2 failed resources 53100"), db.queryColumn(
                "SELECT attempt || ' ' || status || ' ' || lower(error_class) || ' ' || sqlstate FROM audit.step "
                        + "WHERE matview = 'disk.big_mv' AND run_id = (SELECT max(run_id) FROM audit.run) ORDER BY attempt"),
                "retried as a resource error");
        assertTrue(db.queryValue(String.class, "SELECT error_message FROM audit.step WHERE matview = 'disk.big_mv' "
                + "ORDER BY step_id DESC LIMIT 1").contains("No space left on device"), "the server's own out-of-space error");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = ?", TARGET));
        assertEquals(before, db.queryValue(String.class, "SELECT count(*) || ':' || sum(hashtextextended(id || payload, 0)) FROM disk.big_guarded_v"),
                "readers keep the certified rows");

        mount("remount,size=256m");
        CliRunner.Result roomy = run(db);
        assertEquals(0, roomy.exitCode(), "certified once the disk has room\n" + roomy);
        assertEquals(db.queryValue(String.class, "SELECT count(*) || ':' || sum(hashtextextended(id || payload, 0)) FROM disk.base"),
                db.queryValue(String.class, "SELECT count(*) || ':' || sum(hashtextextended(id || payload, 0)) FROM disk.big_guarded_v"));
    }

    private static CliRunner.Result run(TestDatabase db) {
        return CliRunner.run("run", "--target", TARGET, "--jdbc-url", db.jdbcUrl(), "-U", "postgres",
                "--max-attempts", "2", "--backoff-base", "100ms", "--backoff-max", "200ms");
    }

    private static void mount(String options) {
        LocalCluster.ProcessResult r = LocalCluster.run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString()),
                Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "mount -o " + options + ": " + r.output());
    }
}
