package dev.mvcert.agent.cli;

import picocli.CommandLine.Command;

@Command(name = "certify", mixinStandardHelpOptions = true, description = "Not available in this build yet.")
final class CertifyCommand extends AgentCommand {
    @Override
    ExitCode execute() {
        throw new UnsupportedOperationException("certify is not available in this build yet");
    }
}
