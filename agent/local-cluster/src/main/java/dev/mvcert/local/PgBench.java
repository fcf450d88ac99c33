package dev.mvcert.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * pgbench against a database of a {@link LocalCluster}, with custom scripts and the
 * per-transaction log ({@code -l}), read back as {@link Transaction}s: how many of each script
 * ran, which failed (serialization or deadlock: pgbench 15 records those and goes on; any other
 * error aborts the client and makes the exit code 2), and their latencies.
 *
 * @param scripts  the scripts and their weights (pgbench picks one per transaction)
 * @param rate     transactions per second for all clients together ({@code --rate}), or 0 for as fast as possible
 */
public record PgBench(LocalCluster cluster, String database, String label, List<Script> scripts, int clients, int threads,
                      Duration duration, int rate, Map<String, String> variables) {

    /** A custom script (pgbench's script language) picked with the given weight. */
    public record Script(String name, String text, int weight) {
    }

    /** One line of the per-transaction log. */
    public record Transaction(int client, int script, long epochMicros, long latencyMicros, String failure, long lagMicros) {
        public boolean failed() {
            return failure != null;
        }
    }

    /** A pgbench process under way; {@link #await} waits for it and reads its logs. */
    public final class Running {
        private final Process process;
        private final Path dir;
        private final Path output;

        private Running(Process process, Path dir, Path output) {
            this.process = process;
            this.dir = dir;
            this.output = output;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        public Result await() {
            try {
                if (!process.waitFor(duration.toSeconds() + 120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("pgbench " + label + " did not finish\n" + Files.readString(output));
                }
                return new Result(process.exitValue(), Files.readString(output), transactions(dir, label), duration);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IllegalStateException("interrupted waiting for pgbench " + label, e);
            }
        }
    }

    /** What a pgbench run did. */
    public record Result(int exitCode, String output, List<Transaction> transactions, Duration duration) {

        public long count(int script) {
            return transactions.stream().filter(t -> t.script() == script).count();
        }

        public long failures() {
            return transactions.stream().filter(Transaction::failed).count();
        }

        /** Transactions per second over the run (all scripts). */
        public double tps() {
            return transactions.size() / (duration.toNanos() / 1e9);
        }

        /** The latency (ms) below which the given share of the successful transactions stayed, e.g. 0.99. */
        public double latencyPercentileMs(double share) {
            long[] micros = transactions.stream().filter(t -> !t.failed()).mapToLong(Transaction::latencyMicros).sorted().toArray();
            if (micros.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(share * micros.length) - 1;
            return micros[Math.max(0, Math.min(micros.length - 1, index))] / 1000.0;
        }

        /** Whether every client ran to the end (exit 0: no client aborted on an error). */
        public boolean clean() {
            return exitCode == 0;
        }
    }

    /** Starts pgbench; its scripts, logs and output go to {@code dir}. */
    public Running start(Path dir) {
        try {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>(List.of(cluster.bindir().resolve("pgbench").toString(), "-n",
                    "-h", "127.0.0.1", "-p", String.valueOf(cluster.port()), "-U", cluster.superuser(),
                    "-c", String.valueOf(clients), "-j", String.valueOf(threads), "-T", String.valueOf(duration.toSeconds()),
                    "-l", "--log-prefix=" + dir.resolve(label), "--failures-detailed"));
            if (rate > 0) {
                command.add("--rate=" + rate);
            }
            variables.forEach((k, v) -> command.addAll(List.of("-D", k + "=" + v)));
            for (Script s : scripts) {
                Path file = dir.resolve(label + "-" + s.name() + ".sql");
                Files.writeString(file, s.text(), StandardCharsets.UTF_8);
                command.addAll(List.of("-f", file + "@" + s.weight()));
            }
            command.add(database);
            deleteLogs(dir, label);
            Path output = dir.resolve(label + ".out");
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            return new Running(process, dir, output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start pgbench: " + e.getMessage(), e);
        }
    }

    /** pgbench writes {@code <prefix>.<pid>} and, with several threads, {@code <prefix>.<pid>.<thread>}. */
    private static List<Path> logs(Path dir, String label) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("\\Q" + label + "\\E\\.\\d+(\\.\\d+)?")).sorted().toList();
        }
    }

    private static void deleteLogs(Path dir, String label) throws IOException {
        for (Path log : logs(dir, label)) {
            Files.delete(log);
        }
    }

    private static List<Transaction> transactions(Path dir, String label) throws IOException {
        List<Transaction> all = new ArrayList<>();
        for (Path log : logs(dir, label)) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                // client_id transaction_no time script_no time_epoch time_us [schedule_lag [retries]]
                String[] f = line.trim().split("\\s+");
                if (f.length < 6) {
                    continue;
                }
                boolean numeric = f[2].chars().allMatch(Character::isDigit);
                all.add(new Transaction(Integer.parseInt(f[0]), Integer.parseInt(f[3]),
                        Long.parseLong(f[4]) * 1_000_000 + Long.parseLong(f[5]),
                        numeric ? Long.parseLong(f[2]) : -1, numeric ? null : f[2],
                        f.length > 6 ? Long.parseLong(f[6]) : 0));
            }
        }
        return all;
    }
}
