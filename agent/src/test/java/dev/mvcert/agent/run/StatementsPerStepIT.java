package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a refresh step costs the database in statements, counted in the server's own log
 * (log_statement = 'all' for the test's database: every statement a client sends, COMMIT
 * included, which pg_stat_statements misses once the driver prepares it) around real runs of
 * the CLI: a chain of 4 and a chain of 8 views, every view refreshed; the difference, divided
 * by the 4 extra views, is what one step sends.
 */
@ExtendWith(PostgresExtension.class)
class StatementsPerStepIT {

    private static void chain(TestDatabase db, String schema, int views) {
        StringBuilder sql = new StringBuilder("CREATE SCHEMA " + schema + "; CREATE TABLE " + schema
                + ".t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO " + schema + ".t SELECT g, g FROM generate_series(1, 100) g;");
        String previous = schema + ".t";
        for (int i = 1; i <= views; i++) {
            String m = schema + ".m" + i;
            sql.append("CREATE MATERIALIZED VIEW ").append(m).append(" AS SELECT id, v + 1 AS v FROM ").append(previous).append(';')
               .append("CREATE UNIQUE INDEX ON ").append(m).append(" (id);");
            previous = m;
        }
        sql.append("CREATE VIEW ").append(schema).append(".v AS SELECT id, v FROM ").append(previous).append(';')
           .append("SELECT audit.register_target('").append(schema).append(".v');");
        db.execute(sql.toString());
    }

    /** The statements the database logged for one forced, sequential run of the target, by text. */
    private static Map<String, Integer> statementsOfOneRun(TestDatabase db, String target) {
        CliRunner.Result warm = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", target, "--no-progress");
        assertTrue(List.of(0, 5).contains(warm.exitCode()), warm.toString());
        long from = db.cluster().serverLogSize();
        CliRunner.Result run = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", target,
                "--force", "--parallel", "1", "--no-progress");
        assertTrue(List.of(0, 5).contains(run.exitCode()), run.toString());
        // one line per statement: "<time> [<pid>] <database> LOG:  statement: ..." or "... LOG:  execute <name>: ..."
        Pattern line = Pattern.compile("^\\S+ \\S+ \\S+ \\[\\d+\\] " + Pattern.quote(db.name())
                + " LOG:  (?:statement|execute [^:]*): (.*)$", Pattern.MULTILINE);
        Map<String, Integer> statements = new TreeMap<>();
        Matcher m = line.matcher(db.cluster().serverLogSince(from));
        while (m.find()) {
            String text = m.group(1).replaceAll("\\s+", " ").trim();
            statements.merge(text.length() > 100 ? text.substring(0, 100) : text, 1, Integer::sum);
        }
        return statements;
    }

    private static int total(Map<String, Integer> statements) {
        return statements.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void aRefreshStepSendsAtMostEightStatements(TestDatabase db) {
        db.execute("ALTER DATABASE " + db.name() + " SET log_statement = 'all'");
        chain(db, "four", 4);
        chain(db, "eight", 8);
        Map<String, Integer> four = statementsOfOneRun(db, "four.v");
        Map<String, Integer> eight = statementsOfOneRun(db, "eight.v");
        double perStep = (total(eight) - total(four)) / 4.0;
        System.out.printf("statements per run: 4 views %d, 8 views %d; per refresh step %.1f%n", total(four), total(eight), perStep);
        eight.forEach((text, calls) -> System.out.println(calls + "  " + text));
        assertTrue(perStep <= 8.0, "statements per step: " + perStep);
        assertTrue(total(eight) > 8 * 3, "the log holds the run's statements: " + eight);
        assertEquals(8L, db.queryValue(Long.class, "SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id) "
                + "WHERE r.target = 'eight.v' AND r.run_id = (SELECT max(run_id) FROM audit.run WHERE target = 'eight.v') "
                + "AND s.status = 'succeeded'"), "every view of the measured run was refreshed");
    }
}
