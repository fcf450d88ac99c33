package dev.mvcert.agent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's tunables, with defaults suited to a small (2-core) database host. Every command
 * builds one and calls {@link #validate()}, the single place where settings are checked; its
 * messages name the option and the value.
 */
public final class AgentSettings {

    /** Connections refreshing at once in an incremental run; 0 = auto (see run.Parallelism). */
    public int parallel = 0;
    /** The database server's cores, for --parallel auto; 0 = detect. */
    public int serverCores = 0;
    /** Attempts per view for retryable errors (1 = no retry). */
    public int maxAttempts = 3;
    /** Total time one view may spend on attempts and backoff before giving up. */
    public Duration retryBudget = Duration.ofMinutes(10);
    /** First backoff ceiling; doubles with each retry, up to {@link #backoffMax}. */
    public Duration backoffBase = Duration.ofSeconds(1);
    public Duration backoffMax = Duration.ofSeconds(60);
    /** serve: how often to poll the queue when no notification arrives. */
    public Duration pollInterval = Duration.ofSeconds(5);
    /** serve: how often to move the run's and the agent's heartbeat. */
    public Duration heartbeatInterval = Duration.ofSeconds(10);
    /** serve: how often to mark runs of dead agents abandoned. */
    public Duration reapInterval = Duration.ofSeconds(30);
    /** serve: on SIGTERM, how long in-flight steps may finish before they are cancelled. */
    public Duration shutdownGrace = Duration.ofSeconds(30);
    /** HTTP port of /metrics and /health; 0 picks a free one, -1 disables the server. */
    public int httpPort = 9187;
    public String agentName;

    /**
     * How long a run or a claim of this agent stays its own without a heartbeat: six heartbeats.
     * Runs carry it in audit.run.lease; the reaper gives claims without a run the same time.
     */
    /** Work connections the pool holds: the parallelism asked for, or enough for what auto may choose here. */
    public int workConnections() {
        return parallel > 0 ? parallel : Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    public Duration lease() {
        return heartbeatInterval.multipliedBy(6);
    }

    public AgentSettings validate() {
        List<String> problems = new ArrayList<>();
        range(problems, "--parallel", parallel, 0, 64);
        range(problems, "--server-cores", serverCores, 0, 1024);
        range(problems, "--max-attempts", maxAttempts, 1, 100);
        range(problems, "--http-port", httpPort, -1, 65535);
        positive(problems, "--retry-budget", retryBudget);
        positive(problems, "--backoff-base", backoffBase);
        positive(problems, "--backoff-max", backoffMax);
        positive(problems, "--poll-interval", pollInterval);
        positive(problems, "--heartbeat-interval", heartbeatInterval);
        positive(problems, "--reap-interval", reapInterval);
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            problems.add("--shutdown-grace must not be negative (got " + shutdownGrace + ")");
        }
        if (backoffBase != null && backoffMax != null && backoffMax.compareTo(backoffBase) < 0) {
            problems.add("--backoff-max (" + backoffMax + ") must not be shorter than --backoff-base (" + backoffBase + ")");
        }
        if (agentName != null && (agentName.isBlank() || agentName.length() > 200)) {
            problems.add("--agent-name must be 1 to 200 characters (got \"" + agentName + "\")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(String.join("; ", problems));
        }
        return this;
    }

    private static void range(List<String> problems, String option, int value, int min, int max) {
        if (value < min || value > max) {
            problems.add(option + " must be between " + min + " and " + max + " (got " + value + ")");
        }
    }

    private static void positive(List<String> problems, String option, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            problems.add(option + " must be a positive duration such as 30s or 5m (got " + value + ")");
        }
    }
}
