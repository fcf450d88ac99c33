package dev.mvcert.agent.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.local.ExamplePipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's SQL tour, run as written on the survival example, followed by the CLI path a
 * newcomer takes next: `mvcert run` (not certified until a baseline is accepted), baseline
 * capture and accept, `mvcert run` again (certified), then a read through the guarded view.
 */
@ExtendWith(PostgresExtension.class)
class ReadmeTourIT {

    private static final String TARGET = "ml.survival_feature_store_t0_v1_v";

    @Test
    void readmeTourThenRunCaptureAcceptRunCertifiesTheFeatureStore(TestDatabase db) throws IOException {
        db.loadExample(ExamplePipeline.SURVIVAL, 2000);
        for (String statement : readmeTourStatements(db)) {
            db.execute(statement);
        }
        assertEquals(6, db.queryValue(Long.class, "SELECT count(*) FROM audit.refresh_plan(?::regclass)", TARGET));

        CliRunner.Result first = run(db);
        assertEquals(5, first.exitCode(), "no accepted baseline yet: not certified\n" + first);

        CliRunner.Result capture = CliRunner.run("baseline", "capture", "--jdbc-url", db.jdbcUrl(), "-U", "postgres",
                "--target", TARGET, "--note", "initial review");
        assertEquals(0, capture.exitCode(), capture.toString());
        Matcher id = Pattern.compile("captured baseline (\\d+)").matcher(capture.out());
        assertTrue(id.find(), capture.toString());
        CliRunner.Result accept = CliRunner.run("baseline", "accept", "--jdbc-url", db.jdbcUrl(), "-U", "postgres",
                "--capture", id.group(1), "--note", "reviewed: initial T0 pipeline");
        assertEquals(0, accept.exitCode(), accept.toString());

        CliRunner.Result second = run(db);
        assertEquals(0, second.exitCode(), second.toString());
        Long run = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE target = ?", TARGET);
        List<String> refreshed = db.queryColumn(
                "SELECT matview FROM audit.step WHERE run_id = ? AND status IN ('succeeded', 'skipped') ORDER BY matview", run);
        assertEquals(6, refreshed.size(), "every T0 view has a step in the history: " + refreshed);
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.health WHERE target = ?", TARGET));
        Long guardedRows = db.queryValue(Long.class, "SELECT count(*) FROM ml.survival_feature_store_guarded_v");
        assertTrue(guardedRows > 0, "the guarded view serves the certified rows");
    }

    private static CliRunner.Result run(TestDatabase db) {
        return CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", TARGET, "--no-progress");
    }

    /** The statements of the first sql block under "## Quick tour (SQL)" in README.md. */
    private static List<String> readmeTourStatements(TestDatabase db) throws IOException {
        String readme = Files.readString(db.cluster().projectRoot().resolve("README.md"));
        int section = readme.indexOf("## Quick tour (SQL)");
        assertTrue(section >= 0, "README has its quick tour");
        int start = readme.indexOf("```sql\n", section) + "```sql\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        String withoutComments = block.replaceAll("(?m)^--.*$", "");
        List<String> statements = List.of(withoutComments.split(";\\s*\n"));
        List<String> nonEmpty = statements.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        assertFalse(nonEmpty.isEmpty());
        return nonEmpty;
    }
}
