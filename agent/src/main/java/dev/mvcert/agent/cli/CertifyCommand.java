package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.run.RunListener;
import dev.mvcert.agent.run.RunOutcome;
import dev.mvcert.agent.run.RunRequest;
import dev.mvcert.agent.run.Targets;
import java.sql.Connection;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Certification only, without refreshing: after a manual fix, or to re-check a target. */
@Command(name = "certify", mixinStandardHelpOptions = true,
        description = "Run every certification check of a target on its current data and update the registry. "
                + "Exit 0 when certified, 5 when not (the failing checks are printed).")
final class CertifyCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The target to certify.")
    String target;

    @Override
    ExitCode execute() throws Exception {
        AgentSettings settings = new AgentSettings();
        settings.parallel = 1;
        settings.httpPort = -1;
        try (AgentRuntime agent = new AgentRuntime(connectionSettings(), settings, Set.of())) {
            String canonical;
            try (Connection c = agent.database().autocommit()) {
                canonical = Targets.canonical(c, target);
            }
            RunOutcome outcome = agent.executor().run(new RunRequest(canonical, RunRequest.Mode.CERTIFY,
                    "cli:" + System.getProperty("user.name"), null), RunListener.NONE);
            context.out().println(RunCommand.report(canonical, outcome));
            return RunCommand.exitCode(outcome);
        }
    }
}
