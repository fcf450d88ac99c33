package dev.mvcert.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real clients against the generations example ({@code sql/examples/generations}) while
 * {@code mvcert serve} publishes one ingestion batch (generation) after another, runs
 * alternating atomic and incremental: pgbench readers through the guarded view, checked
 * against every generation they got, and pgbench writers at a fixed rate, timed with and
 * without runs. The test suite runs both at CI length; {@code bench/} at full length. mvcert
 * is driven through its CLI only.
 */
public final class GenerationsLoad {

    public static final String TARGET = "gen.feature_v";
    public static final String GUARDED = "gen.feature_guarded_v";
    private static final Pattern READ = Pattern.compile(" LOG:  gen read (\\w+) got (\\S+) \\(before: ");
    private static final Pattern MVCERT_SQLSTATE = Pattern.compile("MVC0[1-5]");
    /** Generations in numeric order, then SQLSTATEs and anything else. */
    private static final Comparator<String> OUTCOMES = Comparator.comparing((String o) -> !o.matches("\\d{1,9}"))
            .thenComparing(o -> o.matches("\\d{1,9}") ? Integer.parseInt(o) : 0).thenComparing(Comparator.naturalOrder());

    /** Starts {@code mvcert <args>}, output to {@code log}: the test runs its classpath, the bench the agent jar. */
    @FunctionalInterface
    public interface MvcertCli {
        Process start(List<String> args, Path log) throws IOException;
    }

    private final LocalCluster cluster;
    private final String database;
    private final MvcertCli mvcert;
    private final Path workDir;
    private final int items;

    private GenerationsLoad(LocalCluster cluster, String database, MvcertCli mvcert, Path workDir, int items) {
        this.cluster = cluster;
        this.database = database;
        this.mvcert = mvcert;
        this.workDir = workDir;
        this.items = items;
    }

    /**
     * Loads the example with {@code items} keys into {@code database}, registers its target with a
     * rule that refuses negative values (what a poisoned batch carries), bootstraps, baselines
     * and certifies it, and creates the guarded view.
     */
    public static GenerationsLoad prepare(LocalCluster cluster, String database, MvcertCli mvcert, Path workDir, int items) {
        GenerationsLoad load = new GenerationsLoad(cluster, database, mvcert, workDir, items);
        try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
            ExamplePipeline.GENERATIONS.load(c, cluster.projectRoot(), items);
            s.execute("SELECT audit.register_target('" + TARGET + "', 'load tests: generations example')");
            s.execute("SELECT audit.add_sql_assertion('" + TARGET + "', 'no_negative_value', 'SELECT id FROM gen.feature_v WHERE v < 0')");
        } catch (SQLException e) {
            throw new IllegalStateException("preparing the generations example: " + e.getMessage(), e);
        }
        load.cli(5, "run", "--target", TARGET); // bootstrap: populated, not certified (no baseline yet)
        load.cli(0, "baseline", "capture", "--target", TARGET, "--note", "load test");
        long capture = load.queryLong("SELECT max(capture_id) FROM audit.baseline_capture");
        load.cli(0, "baseline", "accept", "--capture", Long.toString(capture), "--note", "load test: reviewed");
        load.cli(0, "run", "--target", TARGET);
        load.execute("SELECT audit.create_guarded_view('" + TARGET + "', '" + GUARDED + "', interval '1 day')");
        return load;
    }

    // --- readers ---------------------------------------------------------------------------------

    /** One ingestion batch and the run that published it. */
    public record Generation(int number, String mode, boolean poisoned, String request, boolean certified) {
    }

    /**
     * What the readers did and got.
     *
     * @param outcomes per reader (guarded_point, guarded_scan, source_point, source_scan): every
     *                 generation or SQLSTATE some read returned, from the server log
     */
    public record ReaderReport(int clients, Duration length, int initialGeneration, List<Generation> generations,
                               PgBench.Result guarded, PgBench.Result source, Map<String, Set<String>> outcomes) {

        public Set<String> certifiedGenerations() {
            Set<String> certified = new TreeSet<>(OUTCOMES);
            certified.add(Integer.toString(initialGeneration));
            generations.stream().filter(Generation::certified).forEach(g -> certified.add(Integer.toString(g.number())));
            return certified;
        }

        /** Guarded reads that returned a generation no certification passed. */
        public Set<String> uncertifiedReads() {
            Set<String> bad = new TreeSet<>(OUTCOMES);
            outcomes.forEach((reader, got) -> {
                if (reader.startsWith("guarded")) {
                    got.stream().filter(o -> !certifiedGenerations().contains(o) && !MVCERT_SQLSTATE.matcher(o).matches())
                            .forEach(o -> bad.add(reader + ":" + o));
                }
            });
            return bad;
        }

        public double tpsRatio() {
            return guarded.tps() / source.tps();
        }

        /** Broken promises, and signs that the run proved nothing; empty when all is well. */
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            checkPgBench("guarded readers", guarded, problems);
            checkPgBench("source readers", source, problems);
            if (!uncertifiedReads().isEmpty()) {
                problems.add("guarded reads returned uncertified generations: " + uncertifiedReads());
            }
            List<Generation> poisoned = generations.stream().filter(Generation::poisoned).toList();
            if (poisoned.size() != 1 || poisoned.get(0).certified()) {
                problems.add("expected one poisoned generation, not certified: " + poisoned);
            } else if (!outcomes.getOrDefault("source_point", Set.of()).contains(Integer.toString(poisoned.get(0).number()))) {
                problems.add("the unguarded readers never saw the poisoned generation " + poisoned.get(0).number()
                        + ": the check proved nothing (" + outcomes + ")");
            }
            Set<String> seen = new TreeSet<>(OUTCOMES);
            seen.addAll(outcomes.getOrDefault("guarded_point", Set.of()));
            seen.retainAll(certifiedGenerations());
            if (seen.size() < 2) {
                problems.add("guarded readers saw fewer than two certified generations: " + outcomes);
            }
            if (generations.stream().filter(g -> !g.poisoned() && !g.certified()).count() > 0) {
                problems.add("a healthy generation was not certified: " + generations);
            }
            return problems;
        }

        public String summary() {
            long poisoned = generations.stream().filter(Generation::poisoned).count();
            return String.format(Locale.ROOT, "readers: %d guarded + %d unguarded clients for %d s; %d generations published "
                            + "(%s), %d poisoned and refused; guarded %.0f tps vs unguarded %.0f tps = %.3f; "
                            + "%d guarded transactions, %d uncertified reads; guarded reads got %s, unguarded %s",
                    clients, clients, length.toSeconds(), generations.size(),
                    String.join(" ", generations.stream().map(g -> g.number() + ":" + g.mode()
                            + (g.poisoned() ? "(poisoned)" : g.certified() ? "" : "(not certified)")).toList()),
                    poisoned, guarded.tps(), source.tps(), tpsRatio(), guarded.transactions().size(), uncertifiedReads().size(),
                    union(outcomes, "guarded"), union(outcomes, "source"));
        }

        private static Set<String> union(Map<String, Set<String>> outcomes, String prefix) {
            Set<String> all = new TreeSet<>(OUTCOMES);
            outcomes.forEach((reader, got) -> {
                if (reader.startsWith(prefix)) {
                    all.addAll(got);
                }
            });
            return all;
        }
    }

    /**
     * {@code clients} pgbench clients read through the guarded view (point reads by key, one in
     * ten an aggregate scan) and as many run the same script on the unguarded source, for
     * {@code length}; meanwhile a new generation is ingested and a run requested every
     * {@code requestEvery}, alternating atomic and incremental; the one in the middle is poisoned
     * (an incremental run whose certification fails).
     */
    public ReaderReport readers(Duration length, int clients, Duration requestEvery) {
        long logStart = cluster.serverLogSize();
        int initial = (int) queryLong("SELECT max(generation) FROM gen.item");
        Process serve = serve("reader-load");
        try {
            PgBench.Running guarded = readerBench("guarded", true, clients, length).start(workDir);
            PgBench.Running source = readerBench("source", false, clients, length).start(workDir);
            long start = System.nanoTime();
            long end = start + length.toNanos();
            List<Generation> generations = new ArrayList<>();
            int generation = initial;
            boolean poisonedYet = false;
            while (end - System.nanoTime() > requestEvery.plusSeconds(2).toNanos() && guarded.isAlive() && source.isAlive()) {
                sleep(requestEvery);
                generation++;
                // the first batch after a third of the time: healthy generations before and after it
                boolean poisoned = !poisonedYet && System.nanoTime() - start >= length.toNanos() / 3;
                poisonedYet |= poisoned;
                String mode = poisoned || generations.size() % 2 == 1 ? "incremental" : "atomic";
                generations.add(publish(generation, poisoned, mode));
            }
            ReaderReport report = new ReaderReport(clients, length, initial, generations, guarded.await(), source.await(), reads(logStart));
            if (generations.isEmpty() || generations.get(generations.size() - 1).poisoned()) {
                publish(generation + 1, false, "atomic"); // leave the target certified
            }
            return report;
        } finally {
            stop(serve);
        }
    }

    private PgBench readerBench(String label, boolean guarded, int clients, Duration length) {
        return new PgBench(cluster, database, label, List.of(
                new PgBench.Script("point", "\\set id random(1, :items)\nSELECT gen.read_point(:id, " + guarded + ");\n", 9),
                new PgBench.Script("scan", "SELECT gen.read_scan(" + guarded + ");\n", 1)),
                clients, Math.min(clients, 2), length, 0, Map.of("items", Integer.toString(items)));
    }

    /** Ingests the batch (its statistics flushed, so the run sees the change), requests a run and waits for it. */
    private Generation publish(int generation, boolean poisoned, String mode) {
        try (Connection c = cluster.connect(database);
             PreparedStatement ingest = c.prepareStatement("SELECT gen.ingest(?, ?)")) {
            ingest.setInt(1, generation);
            ingest.setBoolean(2, poisoned);
            ingest.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("ingesting generation " + generation + ": " + e.getMessage(), e);
        }
        long request = queryLong("SELECT audit.request_run('" + TARGET + "', '" + mode + "', 'generation " + generation + "')");
        String outcome = awaitRequest(request);
        return new Generation(generation, mode, poisoned, outcome, outcome.equals("certified"));
    }

    /** Every outcome each reader logged since {@code logStart}. */
    private Map<String, Set<String>> reads(long logStart) {
        Map<String, Set<String>> outcomes = new TreeMap<>();
        for (String line : cluster.serverLogSince(logStart).lines().toList()) {
            Matcher m = READ.matcher(line);
            if (line.contains(" " + database + " LOG:  ") && m.find()) {
                outcomes.computeIfAbsent(m.group(1), k -> new TreeSet<>(OUTCOMES)).add(m.group(2));
            }
        }
        return outcomes;
    }

    // --- writers ---------------------------------------------------------------------------------

    /** Writer latencies without runs and during runs, and how the runs ended. */
    public record WriterReport(int rate, Duration phase, PgBench.Result quiet, PgBench.Result duringRuns, List<Generation> runs,
                               List<String> deadlocks) {

        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            checkPgBench("writers without runs", quiet, problems);
            checkPgBench("writers during runs", duringRuns, problems);
            if (!deadlocks.isEmpty()) {
                problems.add("deadlocks in the server log: " + deadlocks);
            }
            List<Generation> failed = runs.stream().filter(r -> !r.certified()).toList();
            if (!failed.isEmpty()) {
                problems.add("runs during the writes that did not end certified: " + failed);
            }
            for (String mode : List.of("atomic", "incremental")) {
                if (runs.stream().noneMatch(r -> r.mode().equals(mode))) {
                    problems.add("no " + mode + " run during the writes: " + runs);
                }
            }
            return problems;
        }

        public String summary() {
            return String.format(Locale.ROOT, "writers at %d tps for %d s each: latency p50/p95/p99 without runs %.2f/%.2f/%.2f ms, "
                            + "during %d runs (%d atomic) %.2f/%.2f/%.2f ms; %d + %d writes, %d failed, %d deadlocks",
                    rate, phase.toSeconds(), quiet.latencyPercentileMs(0.50), quiet.latencyPercentileMs(0.95), quiet.latencyPercentileMs(0.99),
                    runs.size(), runs.stream().filter(r -> r.mode().equals("atomic")).count(),
                    duringRuns.latencyPercentileMs(0.50), duringRuns.latencyPercentileMs(0.95), duringRuns.latencyPercentileMs(0.99),
                    quiet.transactions().size(), duringRuns.transactions().size(), quiet.failures() + duringRuns.failures(),
                    deadlocks.size());
        }
    }

    /**
     * Writers ingest at {@code rate} transactions per second (an event and an item update each)
     * for {@code phase} with no run, then for {@code phase} while runs of the target follow one
     * another, alternating atomic and incremental, {@code pause} apart.
     */
    public WriterReport writers(Duration phase, int rate, Duration pause) {
        long logStart = cluster.serverLogSize();
        PgBench.Result quiet = writerBench("writers-quiet", phase, rate).start(workDir).await();
        Process serve = serve("writer-load");
        try {
            Generation healthy = publish((int) queryLong("SELECT max(generation) FROM gen.item") + 1, false, "atomic");
            if (!healthy.certified()) {
                throw new IllegalStateException("the target could not be certified before the writes: " + healthy);
            }
            PgBench.Running during = writerBench("writers-runs", phase, rate).start(workDir);
            List<Generation> runs = new ArrayList<>();
            long end = System.nanoTime() + phase.toNanos();
            int generation = (int) queryLong("SELECT max(generation) FROM gen.item");
            while (end - System.nanoTime() > Duration.ofSeconds(3).toNanos() && during.isAlive()) {
                String mode = runs.size() % 2 == 0 ? "atomic" : "incremental";
                long request = queryLong("SELECT audit.request_run('" + TARGET + "', '" + mode + "', 'during writes')");
                String outcome = awaitRequest(request);
                runs.add(new Generation(generation, mode, false, outcome, outcome.equals("certified")));
                sleep(pause);
            }
            PgBench.Result duringRuns = during.await();
            List<String> deadlocks = cluster.serverLogSince(logStart).lines()
                    .filter(l -> l.contains(" " + database + " ") && l.contains("deadlock detected")).toList();
            return new WriterReport(rate, phase, quiet, duringRuns, runs, deadlocks);
        } finally {
            stop(serve);
        }
    }

    private PgBench writerBench(String label, Duration phase, int rate) {
        return new PgBench(cluster, database, label, List.of(new PgBench.Script("ingest", """
                \\set id random(1, :items)
                \\set amount random(1, 100)
                BEGIN;
                INSERT INTO gen.event (id, amount) VALUES (:id, :amount);
                UPDATE gen.item SET v = (v + 1) % 1000 WHERE id = :id;
                END;
                """, 1)), 2, 1, phase, rate, Map.of("items", Integer.toString(items)));
    }

    // --- shared ----------------------------------------------------------------------------------

    private static void checkPgBench(String what, PgBench.Result result, List<String> problems) {
        if (!result.clean()) {
            problems.add(what + ": pgbench exited " + result.exitCode() + " (a client aborted on an error):\n" + result.output());
        }
        if (result.failures() > 0) {
            problems.add(what + ": " + result.failures() + " failed transactions (serialization or deadlock)");
        }
        if (result.transactions().isEmpty()) {
            problems.add(what + ": no transaction ran:\n" + result.output());
        }
    }

    private Process serve(String name) {
        Path log = workDir.resolve(name + ".log");
        Process serve = start(log, "serve", "--agent-name", name, "--http-port", "-1", "--poll-interval", "500ms",
                "--heartbeat-interval", "1s", "--reap-interval", "2s");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (queryLong("SELECT count(*) FROM audit.agent WHERE name = '" + name + "' AND stopped_at IS NULL") == 0) {
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("mvcert serve did not start:\n" + read(log));
            }
            sleep(Duration.ofMillis(200));
        }
        return serve;
    }

    private static void stop(Process serve) {
        serve.destroy();
        try {
            if (!serve.waitFor(60, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            serve.destroyForcibly();
        }
    }

    /** Runs a mvcert command to its end; its exit code must be {@code expectedExit}. */
    private void cli(int expectedExit, String... args) {
        Path log = workDir.resolve("mvcert-" + args[0] + ".log");
        Process p = start(log, args);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != expectedExit) {
                p.destroyForcibly();
                throw new IllegalStateException("mvcert " + String.join(" ", args) + " did not exit " + expectedExit + ":\n" + read(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Process start(Path log, String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.addAll(List.of("--jdbc-url", cluster.jdbcUrl(database), "-U", cluster.superuser()));
        try {
            Files.createDirectories(workDir);
            return mvcert.start(full, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mvcert " + args[0], e);
        }
    }

    private String awaitRequest(long request) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            String status = queryText("SELECT status FROM audit.run_request WHERE request_id = " + request);
            if (!status.equals("queued") && !status.equals("claimed")) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("request " + request + " still " + status + " after 2 minutes");
            }
            sleep(Duration.ofMillis(100));
        }
    }

    private long queryLong(String sql) {
        return Long.parseLong(queryText(sql));
    }

    private String queryText(String sql) {
        try (Connection c = cluster.connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " while running " + sql, e);
        }
    }

    private void execute(String sql) {
        queryText(sql);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
