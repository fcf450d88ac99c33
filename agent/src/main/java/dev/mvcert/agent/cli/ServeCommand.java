package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class ServeCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("serve is not available in this build yet");
    }
}
