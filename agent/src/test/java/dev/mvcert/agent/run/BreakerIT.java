package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class BreakerIT {

    private static RunOutcome run(AgentRuntime agent) throws Exception {
        return agent.executor().run(new RunRequest(SmallPipeline.TARGET, RunRequest.Mode.INCREMENTAL, "test", null), RunListener.NONE);
    }

    private static String state(TestDatabase db) {
        return db.queryValue(String.class, "SELECT coalesce((SELECT state FROM audit.breaker WHERE matview = 'small.a_mv'), 'closed')");
    }

    @Test
    void breakerOpensAfterRepeatedFailuresSkipsWhileOpenTriesOnceAfterCoolDownAndClosesOnSuccess(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
        db.execute("SELECT audit.set_breaker_policy('small.a_mv', 2, interval '2 seconds')");
        AgentSettings settings = Agents.settings();
        settings.maxAttempts = 1;
        try (AgentRuntime agent = Agents.start(db, settings)) {
            SmallPipeline.fail(db, "a", "22012", 100);
            assertEquals(RunOutcome.Kind.REFRESH_FAILED, run(agent).kind());
            assertEquals("closed", state(db));
            assertEquals(RunOutcome.Kind.REFRESH_FAILED, run(agent).kind());
            assertEquals("open", state(db));

            RunOutcome skipped = run(agent);
            assertEquals(RunOutcome.Kind.SKIPPED, skipped.kind(), skipped.toString());
            assertEquals("breaker_open", db.queryValue(String.class,
                    "SELECT skip_reason FROM audit.step WHERE run_id = ? AND matview = 'small.a_mv'", skipped.runId()));
            assertEquals("upstream_failed", db.queryValue(String.class,
                    "SELECT skip_reason FROM audit.step WHERE run_id = ? AND matview = 'small.c_mv'", skipped.runId()));
            assertEquals(Long.valueOf(2), db.queryValue(Long.class, "SELECT last_value FROM small.a_calls"),
                    "while open, the view was not refreshed (its step function ran only twice)");

            Thread.sleep(2200); // cool-down: the next run gets one trial, which fails and re-opens the breaker
            RunOutcome trial = run(agent);
            assertEquals(RunOutcome.Kind.REFRESH_FAILED, trial.kind(), trial.toString());
            assertEquals("open", state(db));

            Thread.sleep(2200);
            SmallPipeline.heal(db);
            RunOutcome healed = run(agent);
            assertEquals(RunOutcome.Kind.CERTIFIED, healed.kind(), healed.toString());
            assertEquals("closed", state(db));
            assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT consecutive_failures::bigint FROM audit.breaker WHERE matview = 'small.a_mv'"));
        }
    }
}
