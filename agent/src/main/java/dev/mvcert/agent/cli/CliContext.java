package dev.mvcert.agent.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** What a command may use from its surroundings; tests pass their own streams and environment. */
record CliContext(PrintStream out, PrintStream err, Map<String, String> env, Path home) {
}
