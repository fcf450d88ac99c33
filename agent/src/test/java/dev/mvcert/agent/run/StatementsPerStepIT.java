package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a refresh step costs the database in statements, counted by pg_stat_statements around
 * real runs of the CLI: a chain of 4 and a chain of 8 views, every view refreshed; the
 * difference, divided by the 4 extra views, is what one step sends.
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

    /** Statements the database ran for one forced, sequential run of the target (the run's own, nobody else's). */
    private static long statementsOfOneRun(TestDatabase db, String target) {
        CliRunner.Result warm = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", target, "--no-progress");
        assertTrue(List.of(0, 5).contains(warm.exitCode()), warm.toString());
        db.execute("SELECT pg_stat_statements_reset()");
        CliRunner.Result run = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", target,
                "--force", "--parallel", "1", "--no-progress");
        assertTrue(List.of(0, 5).contains(run.exitCode()), run.toString());
        return db.queryValue(Long.class, """
                SELECT sum(s.calls)::bigint FROM pg_stat_statements s
                 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND s.query NOT ILIKE '%pg_stat_statements%'""");
    }

    @Test
    void aRefreshStepSendsAtMostEightStatements(TestDatabase db) {
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        db.execute("ALTER SYSTEM SET pg_stat_statements.track_utility = on; SELECT pg_reload_conf()");
        chain(db, "four", 4);
        chain(db, "eight", 8);
        long four = statementsOfOneRun(db, "four.v");
        long eight = statementsOfOneRun(db, "eight.v");
        double perStep = (eight - four) / 4.0;
        System.out.printf("statements per run: 4 views %d, 8 views %d; per refresh step %.1f%n", four, eight, perStep);
        System.out.println(String.join("\n", db.queryColumn("""
                SELECT calls || '  ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND query NOT ILIKE '%pg_stat_statements%' ORDER BY calls DESC""")));
        assertTrue(perStep <= 8.0, "statements per step: " + perStep);
        assertEquals(8L, db.queryValue(Long.class, "SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id) "
                + "WHERE r.target = 'eight.v' AND r.run_id = (SELECT max(run_id) FROM audit.run WHERE target = 'eight.v') "
                + "AND s.status = 'succeeded'"), "every view of the measured run was refreshed");
    }
}
