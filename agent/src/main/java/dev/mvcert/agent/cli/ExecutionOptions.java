package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.ConfigurationException;

import dev.mvcert.agent.config.AgentSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How runs execute: parallelism, retries, backoff, the shutdown grace period. Shared by run, serve and demo. */
final class ExecutionOptions {

    @Option(names = "--parallel", paramLabel = "N|auto", defaultValue = "auto",
            description = "Views refreshed at once on separate connections (incremental mode only). auto (default): the "
                    + "server's cores less one, at most the widest level of views whose history says they are worth it.")
    String parallel;

    @Option(names = "--server-cores", paramLabel = "N",
            description = "The database server's cores, for --parallel auto (default: this host's when the database is local, else 2).")
    int serverCores;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "3",
            description = "Attempts per view for retryable errors (lock/statement timeout, serialization, deadlock, "
                    + "resources, connection). Default: ${DEFAULT-VALUE}.")
    int maxAttempts;

    @Option(names = "--retry-budget", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "Total time one view may spend on attempts and backoff (default: ${DEFAULT-VALUE}).")
    Duration retryBudget;

    @Option(names = "--backoff-base", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "First backoff ceiling; doubles per retry, with full jitter (default: ${DEFAULT-VALUE}).")
    Duration backoffBase;

    @Option(names = "--backoff-max", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Largest backoff ceiling (default: ${DEFAULT-VALUE}).")
    Duration backoffMax;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "On SIGTERM, how long running steps may finish before they are cancelled (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    void applyTo(AgentSettings settings) {
        settings.shutdownGrace = shutdownGrace;
        if ("auto".equalsIgnoreCase(parallel.trim())) {
            settings.parallel = 0;
        } else {
            try {
                settings.parallel = Integer.parseInt(parallel.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("--parallel must be a number or auto (got " + parallel + ")");
            }
            if (settings.parallel < 1) {
                throw new ConfigurationException("--parallel must be between 1 and 64 (got " + parallel + ")");
            }
        }
        settings.serverCores = serverCores;
        settings.maxAttempts = maxAttempts;
        settings.retryBudget = retryBudget;
        settings.backoffBase = backoffBase;
        settings.backoffMax = backoffMax;
    }
}
