package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.run.GracefulShutdown;
import dev.mvcert.agent.run.Targets;
import dev.mvcert.agent.run.TerminalProgress;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.engine.run.StepOrder;
import java.sql.SQLException;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One run of one target, then exit with a code that says how it went: for cron jobs and Kubernetes CronJobs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Refresh a target's materialized views in dependency order and certify the result, then exit.",
                "incremental: each view commits on its own; independent views refresh in parallel (--parallel); "
                        + "readers of the target fail closed from the first commit until certification passes.",
                "atomic: every refresh and the certification in one transaction, published only if certified "
                        + "(sequential: one transaction is one session; readers keep the last certified snapshot)."})
final class RunCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The view whose closure to refresh, e.g. ml.survival_feature_store_t0_v1_v.")
    String target;

    @Option(names = "--mode", paramLabel = "incremental|atomic",
            description = "Run mode (default: the target's run_mode in audit.target).")
    String mode;

    @Option(names = "--order", paramLabel = "cheapest-first|critical-path-first",
            description = "Which ready view starts first (default: the target's step_order).")
    String order;

    @Option(names = "--force", description = "Refresh every view, even those whose inputs did not change.")
    boolean force;

    @Mixin
    ExecutionOptions execution;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress line on stderr (default: when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "-1",
            description = "Serve /metrics and /health while running (0 = any free port; default: off).")
    int httpPort;

    @Override
    ExitCode execute() throws Exception {
        RunMode runMode = null;
        if (mode != null) {
            runMode = parse(() -> RunMode.fromSql(mode), "--mode must be incremental or atomic (got " + mode + ")");
            if (runMode == RunMode.CERTIFY) {
                throw new ConfigurationException("--mode must be incremental or atomic (got certify; use mvcert certify)");
            }
        }
        StepOrder stepOrder = order == null ? null
                : parse(() -> StepOrder.fromSql(order), "--order must be cheapest-first or critical-path-first (got " + order + ")");
        String name = Targets.require(target);
        AgentSettings settings = new AgentSettings();
        execution.applyTo(settings);
        settings.httpPort = httpPort;
        if (runMode == RunMode.ATOMIC && settings.parallel > 1 && spec.commandLine().getParseResult().hasMatchedOption("--parallel")) {
            context.err().println("mvcert: note: an atomic run is one transaction on one connection, so it refreshes sequentially; --parallel is ignored");
        }
        settings.validate();
        try (AgentRuntime agent = new AgentRuntime(connectionSettings(), settings, Set.of())) {
            boolean showProgress = progress != null ? progress : System.console() != null;
            RunListener listener = showProgress ? new TerminalProgress(context.err(), settings.parallel) : RunListener.NONE;
            RunResult result;
            try (GracefulShutdown shutdown = new GracefulShutdown(settings.shutdownGrace,
                    () -> agent.stopping().stop("cancelled by signal"), agent.executor()::cancelInFlight)) {
                result = agent.executor().run(agent.executor().request(name, "cli:" + System.getProperty("user.name"))
                        .withMode(runMode).withOrder(stepOrder).withForce(force), listener);
            } catch (SQLException e) {
                throw Targets.naming(target, e);
            }
            context.out().println(report(result));
            return exitCode(result);
        }
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T parse(Parse<T> parse, String error) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(error);
        }
    }

    static String report(RunResult result) {
        StringBuilder b = new StringBuilder();
        b.append(result.target()).append(": ").append(result.outcome().sqlName().replace('_', ' '))
                .append(" (").append(result.mode().sqlName()).append(" run ").append(result.runId()).append(')');
        b.append(String.format(" in %.1f s", result.duration().toMillis() / 1000.0));
        if (result.reason() != null) {
            b.append("\n  ").append(result.reason());
        }
        if (!result.staleViews().isEmpty()) {
            b.append("\n  stale (previous snapshot kept): ").append(String.join(", ", result.staleViews()));
        }
        for (String check : result.failedChecks()) {
            b.append("\n  failed check: ").append(check);
        }
        return b.toString();
    }

    static ExitCode exitCode(RunResult result) {
        return exitCode(result.outcome());
    }

    static ExitCode exitCode(RunOutcome outcome) {
        return switch (outcome) {
            case CERTIFIED -> ExitCode.OK;
            case NOT_CERTIFIED -> ExitCode.NOT_CERTIFIED;
            case REFRESH_FAILED -> ExitCode.REFRESH_FAILED;
            case SKIPPED -> ExitCode.SKIPPED;
            case CANCELLED, ABANDONED -> ExitCode.CANCELLED;
        };
    }
}
