package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class DemoCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("demo is not available in this build yet");
    }
}
