package dev.mvcert.agent.run;

import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;

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

    private static RunResult run(AgentRuntime agent) throws Exception {
        return agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
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
            assertEquals(RunOutcome.REFRESH_FAILED, run(agent).outcome());
            assertEquals("closed", state(db));
            assertEquals(RunOutcome.REFRESH_FAILED, run(agent).outcome());
            assertEquals("open", state(db));

            RunResult skipped = run(agent);
            assertEquals(RunOutcome.SKIPPED, skipped.outcome(), skipped.toString());
            assertEquals("breaker_open", db.queryValue(String.class,
                    "SELECT skip_reason FROM audit.step WHERE run_id = ? AND matview = 'small.a_mv'", skipped.runId()));
            assertEquals("upstream_not_refreshed", db.queryValue(String.class,
                    "SELECT skip_reason FROM audit.step WHERE run_id = ? AND matview = 'small.c_mv'", skipped.runId()));
            assertEquals(Long.valueOf(2), db.queryValue(Long.class, "SELECT last_value FROM small.a_calls"),
                    "while open, the view was not refreshed (its step function ran only twice)");

            Thread.sleep(2200); // cool-down: the next run gets one trial, which fails and re-opens the breaker
            RunResult trial = run(agent);
            assertEquals(RunOutcome.REFRESH_FAILED, trial.outcome(), trial.toString());
            assertEquals("open", state(db));

            Thread.sleep(2200);
            SmallPipeline.heal(db);
            RunResult healed = run(agent);
            assertEquals(RunOutcome.CERTIFIED, healed.outcome(), healed.toString());
            assertEquals("closed", state(db));
            assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT consecutive_failures::bigint FROM audit.breaker WHERE matview = 'small.a_mv'"));
        }
    }
}
