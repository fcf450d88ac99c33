package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class RunCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("run is not available in this build yet");
    }
}
