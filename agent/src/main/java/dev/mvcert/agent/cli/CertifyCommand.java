package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.run.Targets;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunResult;
import java.sql.SQLException;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Certification only, without refreshing: after a manual fix, or to re-check a target. */
@Command(name = "certify", mixinStandardHelpOptions = true,
        description = "Run every certification check of a target on its current data and update the registry "
                + "(recorded as a run of mode certify). Exit 0 when certified, 5 when not (the failing checks are printed).")
final class CertifyCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The target to certify.")
    String target;

    @Override
    ExitCode execute() throws Exception {
        String name = Targets.require(target);
        AgentSettings settings = new AgentSettings();
        settings.parallel = 1;
        settings.httpPort = -1;
        try (AgentRuntime agent = new AgentRuntime(connectionSettings(), settings, Set.of())) {
            RunResult result;
            try {
                result = agent.executor().run(agent.executor().request(name, "cli:" + System.getProperty("user.name"))
                        .withMode(RunMode.CERTIFY), RunListener.NONE);
            } catch (SQLException e) {
                throw Targets.naming(target, e);
            }
            context.out().println(RunCommand.report(result));
            return RunCommand.exitCode(result);
        }
    }
}
