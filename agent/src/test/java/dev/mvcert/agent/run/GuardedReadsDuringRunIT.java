package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The promise as a user checks it: a reader polls a guarded view while `mvcert run` refreshes the
 * target with rows that break one of its SQL assertions. No read ever returns those rows: reads
 * return the certified snapshot until the first view is published, then fail closed (naming the
 * run) until certification fails, then fail closed naming the failed check.
 */
@ExtendWith(PostgresExtension.class)
class GuardedReadsDuringRunIT {

    @Test
    void aReaderPollingThroughAnIncrementalRunNeverGetsRowsNoCertificationSaw(TestDatabase db) throws Exception {
        db.execute("""
                CREATE SCHEMA s;
                CREATE TABLE s.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO s.t SELECT g, g FROM generate_series(1, 100) g;
                CREATE TABLE s.ctl (delay float8 NOT NULL);
                INSERT INTO s.ctl VALUES (0);
                CREATE FUNCTION s.pause() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
                BEGIN PERFORM pg_sleep((SELECT delay FROM s.ctl)); RETURN true; END $f$;
                CREATE MATERIALIZED VIEW s.m AS SELECT id, v FROM s.t WHERE (SELECT s.pause());
                CREATE UNIQUE INDEX ON s.m (id);
                CREATE MATERIALIZED VIEW s.m2 AS SELECT id, v FROM s.m WHERE (SELECT s.pause());
                CREATE UNIQUE INDEX ON s.m2 (id);
                CREATE VIEW s.v AS SELECT id, v FROM s.m2;
                SELECT audit.register_target('s.v');
                SELECT audit.add_sql_assertion('s.v', 'no_negative_v', 'SELECT id FROM s.v WHERE v < 0');
                SELECT audit.create_guarded_view('s.v', 's.v_guarded', interval '1 hour');
                """);
        dev.mvcert.agent.testing.SmallPipeline.acceptBaseline(db, "s.v");
        CliRunner.Result certify = CliRunner.run("certify", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "s.v");
        assertEquals(0, certify.exitCode(), certify.toString());

        db.execute("UPDATE s.ctl SET delay = 1.5; INSERT INTO s.t SELECT g, -g FROM generate_series(101, 150) g");
        List<String> reads = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                while (!stop.get()) {
                    try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE v < 0) FROM s.v_guarded")) {
                        rs.next();
                        reads.add("rows " + rs.getLong(1) + " negative " + rs.getLong(2));
                    } catch (SQLException e) {
                        reads.add(e.getSQLState() + " " + e.getMessage().lines().findFirst().orElse(""));
                    }
                    Thread.sleep(50);
                }
            } catch (SQLException | InterruptedException e) {
                reads.add("reader died: " + e);
            }
        }, "guarded-reader");
        reader.start();
        CliRunner.Result run = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "s.v",
                "--parallel", "1", "--no-progress");
        Thread.sleep(300);
        stop.set(true);
        reader.join(10_000);

        assertEquals(5, run.exitCode(), run.toString());
        Map<String, Long> seen = reads.stream().collect(Collectors.groupingBy(
                r -> r.startsWith("rows") ? r : r.substring(0, 5), Collectors.counting()));
        assertTrue(reads.stream().noneMatch(r -> r.startsWith("rows") && !r.equals("rows 100 negative 0")),
                "only the certified snapshot was ever returned: " + seen);
        assertTrue(seen.getOrDefault("MVC04", 0L) > 0, "reads failed closed while the run published: " + seen);
        assertTrue(reads.stream().anyMatch(r -> r.startsWith("MVC04") && r.contains("(incremental) published")), seen.toString());
        assertTrue(reads.get(reads.size() - 1).startsWith("MVC03") && reads.get(reads.size() - 1).contains("failing checks: sql_assertion"),
                "after the run the failed check closes the gate: " + reads.get(reads.size() - 1));
        assertTrue(reads.stream().noneMatch(r -> r.startsWith("reader died")), reads.toString());
    }
}
