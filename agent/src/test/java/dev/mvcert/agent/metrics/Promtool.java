package dev.mvcert.agent.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own judge of the text exposition format: {@code promtool check metrics} (Debian
 * package {@code prometheus}, installed by install/prereqs.sh) reads a scrape on stdin and
 * reports every format error and lint problem.
 */
public final class Promtool {

    private Promtool() {
    }

    /** What promtool said; {@code exitCode} 0 means a valid, lint-clean scrape. */
    public record Verdict(int exitCode, String output) {
    }

    public static Verdict checkMetrics(String scrape) {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            throw new IllegalStateException("promtool not found at " + promtool + ": bash install/prereqs.sh installs it (package prometheus)");
        }
        try {
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(scrape.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("promtool check metrics did not finish");
            }
            return new Verdict(p.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run promtool: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
