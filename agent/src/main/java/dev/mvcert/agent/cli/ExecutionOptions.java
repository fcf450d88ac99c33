package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.AgentSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How runs execute: parallelism, retries, backoff, the shutdown grace period. Shared by run, serve and demo. */
final class ExecutionOptions {

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2",
            description = "Views refreshed at once on separate connections (default: ${DEFAULT-VALUE}; incremental mode only).")
    int parallel;

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
        settings.parallel = parallel;
        settings.maxAttempts = maxAttempts;
        settings.retryBudget = retryBudget;
        settings.backoffBase = backoffBase;
        settings.backoffMax = backoffMax;
    }
}
