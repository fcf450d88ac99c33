package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "baseline", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class BaselineCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("baseline is not available in this build yet");
    }
}
