package dev.mvcert.agent.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `mvcert serve` in its own JVM, so tests can kill it (-9) or send it SIGTERM. */
public final class AgentProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private AgentProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code extra} options are added; without an {@code --http-port} among them the HTTP server is off. */
    public static AgentProcess serve(String jdbcUrl, String name, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.mvcert.agent.cli.Main", "serve",
                "--jdbc-url", jdbcUrl, "-U", "postgres", "--agent-name", name,
                "--poll-interval", "500ms", "--heartbeat-interval", "1s", "--reap-interval", "1s"));
        if (!List.of(extra).contains("--http-port")) {
            command.addAll(List.of("--http-port", "-1"));
        }
        command.addAll(List.of(extra));
        Path log = Files.createTempFile("mvcert-agent-" + name + "-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new AgentProcess(p, log);
    }

    /** The port of /metrics, /health and /report, from the line serve prints once it listens (--http-port 0 picks one). */
    public int httpPort(Duration timeout) {
        Pattern listening = Pattern.compile("metrics at http://localhost:(\\d+)/metrics");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            Matcher m = listening.matcher(output());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("mvcert serve did not report its HTTP port within " + timeout + ":\n" + output());
    }

    public Process process() {
        return process;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        new File(log.toString()).deleteOnExit();
    }
}
