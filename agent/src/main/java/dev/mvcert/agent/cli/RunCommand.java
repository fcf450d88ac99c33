package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.run.GracefulShutdown;
import dev.mvcert.agent.run.RunListener;
import dev.mvcert.agent.run.RunOutcome;
import dev.mvcert.agent.run.RunRequest;
import dev.mvcert.agent.run.Targets;
import dev.mvcert.agent.run.TerminalProgress;
import java.sql.Connection;
import java.time.Duration;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One run of one target, then exit with a code that says how it went: for cron jobs and Kubernetes CronJobs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Refresh a target's materialized views in dependency order and certify the result, then exit.",
                "incremental: each view commits on its own; independent views refresh in parallel (--parallel).",
                "atomic: every refresh and the certification in one transaction, published only if certified "
                        + "(sequential: one transaction is one session)."})
final class RunCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The view whose closure to refresh, e.g. ml.survival_feature_store_t0_v1_v.")
    String target;

    @Option(names = "--mode", paramLabel = "incremental|atomic", defaultValue = "incremental",
            description = "Run mode (default: ${DEFAULT-VALUE}).")
    String mode;

    @Mixin
    ExecutionOptions execution;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress line on stderr (default: when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "-1",
            description = "Serve /metrics and /health while running (0 = any free port; default: off).")
    int httpPort;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "On SIGTERM, how long running steps may finish before they are cancelled (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Override
    ExitCode execute() throws Exception {
        RunRequest.Mode runMode = RunRequest.Mode.parse(mode, "--mode");
        if (runMode == RunRequest.Mode.CERTIFY) {
            throw new dev.mvcert.agent.config.ConfigurationException("--mode must be incremental or atomic (got certify; use mvcert certify)");
        }
        AgentSettings settings = new AgentSettings();
        execution.applyTo(settings);
        settings.httpPort = httpPort;
        settings.shutdownGrace = shutdownGrace;
        if (runMode == RunRequest.Mode.ATOMIC && settings.parallel > 1 && spec.commandLine().getParseResult().hasMatchedOption("--parallel")) {
            context.err().println("mvcert: note: an atomic run is one transaction on one connection, so it refreshes sequentially; --parallel is ignored");
        }
        settings.validate();
        try (AgentRuntime agent = new AgentRuntime(connectionSettings(), settings, Set.of())) {
            String canonical;
            try (Connection c = agent.database().autocommit()) {
                canonical = Targets.canonical(c, target);
            }
            boolean showProgress = progress != null ? progress : System.console() != null;
            RunListener listener = showProgress ? new TerminalProgress(context.err(), agent.database(), settings.parallel) : RunListener.NONE;
            RunOutcome outcome;
            try (GracefulShutdown shutdown = new GracefulShutdown(settings.shutdownGrace,
                    () -> agent.executor().stopStarting("cancelled by signal"), agent.executor()::cancelInFlight)) {
                outcome = agent.executor().run(new RunRequest(canonical, runMode, "cli:" + System.getProperty("user.name"), null), listener);
            }
            context.out().println(report(canonical, outcome));
            return exitCode(outcome);
        }
    }

    static String report(String target, RunOutcome outcome) {
        StringBuilder b = new StringBuilder();
        b.append(target).append(": ").append(outcome.kind().name().toLowerCase().replace('_', ' '));
        if (outcome.runId() != null) {
            b.append(" (run ").append(outcome.runId()).append(')');
        }
        b.append(String.format(" in %.1f s", outcome.duration().toMillis() / 1000.0));
        if (outcome.reason() != null) {
            b.append("\n  ").append(outcome.reason());
        }
        if (!outcome.staleViews().isEmpty()) {
            b.append("\n  stale (previous snapshot kept): ").append(String.join(", ", outcome.staleViews()));
        }
        for (String check : outcome.failedChecks()) {
            b.append("\n  failed check: ").append(check);
        }
        return b.toString();
    }

    static ExitCode exitCode(RunOutcome outcome) {
        return switch (outcome.kind()) {
            case CERTIFIED -> ExitCode.OK;
            case NOT_CERTIFIED -> ExitCode.NOT_CERTIFIED;
            case REFRESH_FAILED -> ExitCode.REFRESH_FAILED;
            case SKIPPED -> ExitCode.SKIPPED;
            case CANCELLED -> ExitCode.CANCELLED;
        };
    }
}
