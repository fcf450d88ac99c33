package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.agent.demo.Demo;
import dev.mvcert.local.LocalCluster;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The README's first command. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show mvcert end to end on the survival feature store of runbook 001: plan, parallel refresh, "
                + "certification, a guarded read; then a time-of-query token makes certification fail and the read fail "
                + "closed; then the fix is certified again.",
                "Without --jdbc-url it starts a throwaway PostgreSQL cluster (with pg_cron) and removes it at the end; "
                        + "run it from the mvcert checkout."})
final class DemoCommand extends AgentCommand {

    @Option(names = "--scale", paramLabel = "N", defaultValue = "20000",
            description = "Synthetic listings to generate (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2", description = "Views refreshed at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of /metrics, /health and /report while the demo runs (default: any free port).")
    int httpPort;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/mvcert-demo",
            description = "Where the throwaway cluster lives (default: ${DEFAULT-VALUE}, under the checkout).")
    Path workDir;

    @Override
    ExitCode execute() throws Exception {
        if (scale < 1 || scale > 10_000_000) {
            throw new dev.mvcert.agent.config.ConfigurationException("--scale must be between 1 and 10000000 (got " + scale + ")");
        }
        AgentSettings settings = new AgentSettings();
        settings.parallel = parallel;
        settings.httpPort = httpPort;
        settings.agentName = "demo:" + ProcessHandle.current().pid();
        settings.validate();
        Path projectRoot = LocalCluster.findProjectRoot(Path.of("").toAbsolutePath());
        LocalCluster cluster = null;
        try {
            ConnectionSettings connection;
            if (common.jdbcUrl == null) {
                context.out().println("Starting a throwaway PostgreSQL cluster with pg_cron in " + workDir + " ...");
                cluster = LocalCluster.start(workDir, projectRoot);
                String database = cluster.createDatabase("demo");
                connection = ConnectionSettings.of(cluster.jdbcUrl(database), cluster.superuser(), null);
                context.out().println("  " + connection.jdbcUrl());
            } else {
                connection = connectionSettings();
            }
            try (AgentRuntime agent = new AgentRuntime(connection, settings, Set.of(Demo.TARGET))) {
                if (agent.httpPort() >= 0) {
                    context.out().println("Metrics while the demo runs: http://localhost:" + agent.httpPort()
                            + "/metrics   health: http://localhost:" + agent.httpPort() + "/health   run report: http://localhost:"
                            + agent.httpPort() + "/report?target=" + Demo.TARGET);
                }
                boolean ok = new Demo(context.out(), agent, projectRoot).run(scale);
                return ok ? ExitCode.OK : ExitCode.NOT_CERTIFIED;
            }
        } finally {
            if (cluster != null) {
                context.out().println("Stopping the throwaway cluster.");
                cluster.close();
            }
        }
    }
}
