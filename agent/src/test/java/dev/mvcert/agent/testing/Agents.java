package dev.mvcert.agent.testing;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.Set;

/** Agents for tests: fast intervals, no HTTP unless asked. */
public final class Agents {

    private Agents() {
    }

    public static AgentSettings settings() {
        AgentSettings s = new AgentSettings();
        s.httpPort = -1;
        s.backoffBase = Duration.ofMillis(200);
        s.backoffMax = Duration.ofSeconds(2);
        s.pollInterval = Duration.ofMillis(500);
        s.heartbeatInterval = Duration.ofSeconds(1);
        s.reapInterval = Duration.ofSeconds(1);
        s.shutdownGrace = Duration.ofSeconds(2);
        return s;
    }

    public static AgentRuntime start(TestDatabase db, AgentSettings settings) {
        return new AgentRuntime(ConnectionSettings.of(db.jdbcUrl(), "postgres", null), settings, Set.of());
    }
}
