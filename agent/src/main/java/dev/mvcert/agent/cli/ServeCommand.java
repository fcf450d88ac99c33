package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.queue.QueueWorker;
import dev.mvcert.agent.run.GracefulShutdown;
import dev.mvcert.agent.run.Targets;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The long-running agent: serves the queue pg_cron fills, exposes /metrics, /health and /report. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run as an agent: take run requests from audit.run_request (LISTEN mvcert_requests, with polling "
                + "as a fallback), run them, heartbeat, and serve /metrics, /health and /report (the run report). Several agents may serve one database.",
                "SIGTERM: stop claiming, let running steps finish within --shutdown-grace, then cancel them."})
final class ServeCommand extends AgentCommand {

    @Mixin
    ExecutionOptions execution;

    @Option(names = "--agent-name", paramLabel = "NAME", description = "Name in audit.agent and run history (default: host:pid).")
    String agentName;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9187",
            description = "Port of /metrics, /health and /report (0 = any free port, -1 = off; default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--health-target", paramLabel = "VIEW",
            description = "Targets /health answers for (repeatable; default: every registered target).")
    List<String> healthTargets = List.of();

    @Option(names = "--poll-interval", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "How often to look at the queue without a notification (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How often to prove the agent and its run are alive; a run's lease is 6 times this (default: ${DEFAULT-VALUE}).")
    Duration heartbeatInterval;

    @Option(names = "--reap-interval", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How often to mark runs of dead agents abandoned (default: ${DEFAULT-VALUE}).")
    Duration reapInterval;

    @Override
    ExitCode execute() throws Exception {
        AgentSettings settings = new AgentSettings();
        execution.applyTo(settings);
        settings.agentName = agentName;
        settings.httpPort = httpPort;
        settings.pollInterval = pollInterval;
        settings.heartbeatInterval = heartbeatInterval;
        settings.reapInterval = reapInterval;
        settings.validate();
        Set<String> owned = new LinkedHashSet<>();
        try (AgentRuntime agent = new AgentRuntime(connectionSettings(), settings, owned)) {
            try (Connection c = agent.database().autocommit()) {
                for (String t : healthTargets) {
                    owned.add(Targets.canonical(c, t));
                }
            }
            if (agent.httpPort() >= 0) {
                context.out().println("mvcert agent " + agent.name() + ": metrics at http://localhost:" + agent.httpPort()
                        + "/metrics, health at http://localhost:" + agent.httpPort() + "/health, run reports at http://localhost:"
                        + agent.httpPort() + "/report?target=VIEW");
            }
            QueueWorker worker = new QueueWorker(agent);
            try (GracefulShutdown shutdown = new GracefulShutdown(settings.shutdownGrace, worker::stop, agent.executor()::cancelInFlight)) {
                worker.serve();
            }
        }
        return ExitCode.OK;
    }
}
