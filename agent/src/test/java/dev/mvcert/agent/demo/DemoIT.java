package dev.mvcert.agent.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class DemoIT {

    @Test
    void theDemoCertifiesFailsClosedOnATimeTokenAndCertifiesAgainAfterTheFix(TestDatabase db) {
        CliRunner.Result r = CliRunner.run("demo", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--scale", "2000", "--http-port", "0");
        assertEquals(0, r.exitCode(), r.toString());
        String out = r.out();
        assertTrue(out.contains("Metrics while the demo runs: http://localhost:"), out);
        assertTrue(out.contains("=> certified"), out);
        assertTrue(out.contains("failed check: time_of_query_token ml.survival_feature_store_t0_v1_v"), out);
        assertTrue(out.contains("ERROR: mvcert: ml.survival_feature_store_t0_v1_v is not certified"), out);
        assertTrue(out.contains("Demo finished: every step behaved as described."), out);
    }
}
