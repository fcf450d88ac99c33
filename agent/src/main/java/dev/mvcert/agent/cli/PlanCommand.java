package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "plan", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class PlanCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("plan is not available in this build yet");
    }
}
