package dev.mvcert.bench;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.baseline.DatasetHasher;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.engine.json.Json;
import dev.mvcert.local.ExamplePipeline;
import dev.mvcert.local.GenerationsLoad;
import dev.mvcert.local.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.zip.ZipFile;

/**
 * The mvcert benchmark driver: starts a throwaway cluster, loads the survival
 * example, and runs the measurements side by side on the same data, printing one line
 * per measurement with its ratio and goal and writing bench/results/latest.json.
 *
 * <p>Launched by bench/run.sh as a single-file source program against the engine jar (for
 * LocalCluster, the engine and the dataset hasher) and the agent's shaded jar (the JDBC
 * driver, and the `mvcert` CLI that is measured as a separate process).
 */
public final class Bench {

    static final String LEGACY_TARGET = "bench.legacy_pipeline_v";
    static final String CHAIN_TARGET = "bench.chain_v";
    static final int CHAIN_LENGTH = 10;

    final Options opt;
    final List<Line> lines = new ArrayList<>();
    final Map<String, Object> json = new LinkedHashMap<>();
    LocalCluster cluster;
    String db;
    boolean cliAvailable;
    Path logDir;

    Bench(Options opt) {
        this.opt = opt;
    }

    public static void main(String[] args) throws Exception {
        Options opt = Options.parse(args);
        new Bench(opt).run();
    }

    // ---------------------------------------------------------------------------------------

    void run() throws Exception {
        long t0 = System.nanoTime();
        logDir = opt.root.resolve("bench/results/logs");
        Files.createDirectories(logDir);
        cliAvailable = hasCli(opt.agentJar);
        json.put("started_at", OffsetDateTime.now().toString());
        json.put("scale", opt.scale);
        json.put("reps", opt.reps);
        json.put("machine", machine());
        json.put("agent_cli", cliAvailable ? "mvcert run/serve (" + opt.agentJar + ")" : "not available: engine in-process, sequential");
        say("mvcert bench: scale %d, %d repetitions (median), %s", opt.scale, opt.reps, json.get("machine"));
        if (!cliAvailable) {
            say("NOTE: the agent CLI is not in %s; agent measurements use the engine in-process (Mvcert.refresh, sequential) and are labelled so", opt.agentJar);
        }
        cluster = LocalCluster.start(opt.root.resolve("bench/work"), opt.root);
        try {
            // a step that commits on its own records its end before its commit: commit timestamps
            // tell where the last step's commit ended (line 2r)
            try (Connection c = cluster.connect("postgres")) {
                exec(c, "ALTER SYSTEM SET track_commit_timestamp = on");
            }
            cluster.restart("fast");
            db = cluster.createDatabase("bench");
            step("loading the survival example at scale " + opt.scale);
            try (Connection c = connect()) {
                ExamplePipeline.SURVIVAL.load(c, opt.root, opt.scale);
                // where the cluster preloads pg_stat_statements, lines 1d and 2 say where a run's time went
                if (count(c, "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries' AND setting LIKE '%pg_stat_statements%'") > 0) {
                    exec(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                }
                exec(c, """
                        CREATE SCHEMA bench;
                        -- The legacy entry view does not read tom_train_base_v1_mv (C); this one
                        -- reads both ends, so its closure is every view the legacy script refreshes.
                        CREATE VIEW bench.legacy_pipeline_v AS
                          SELECT listing_id FROM ml.tom_train_legacy_v
                          UNION ALL SELECT listing_id FROM ml.tom_train_base_v1_mv;
                        SELECT audit.register_target('bench.legacy_pipeline_v', 'bench: whole legacy pipeline');
                        """);
                int n = count(c, "SELECT count(*) FROM audit.refresh_plan('" + LEGACY_TARGET + "')");
                json.put("legacy_matviews", n);
                step("bootstrap refresh of the " + n + " legacy views");
                engineRun(LEGACY_TARGET);
            }
            // the launcher's class-data archive is made by this bench's own first run, not reused
            Files.deleteIfExists(archive());
            if (opt.only.contains(1) || opt.only.contains(2)) prepareLauncher();
            if (opt.only.contains(1)) legacyRefresh();
            if (opt.only.contains(1)) timeSafePipeline();
            if (opt.only.contains(6)) agentFootprint();
            if (opt.only.contains(2)) chainOverhead();
            if (opt.only.contains(3)) datasetHashing();
            if (opt.only.contains(4)) gateCost();
            if (opt.only.contains(4)) gateReads();
            if (opt.only.contains(5)) catalogScale();
            if (opt.only.contains(7)) dataScale();
            if (opt.only.contains(8)) realClients();
            if (opt.only.contains(9)) reportScale();
            if (opt.only.contains(10)) changeDetectionCost();
        } finally {
            cluster.close();
        }
        double total = (System.nanoTime() - t0) / 1e9;
        json.put("total_seconds", round(total, 1));
        List<Map<String, Object>> ls = new ArrayList<>();
        System.out.println();
        System.out.println("mvcert bench results (scale " + opt.scale + ", median of " + opt.reps + ", " + json.get("machine") + ")");
        for (Line l : lines) {
            System.out.println(l.format());
            ls.add(l.toJson());
        }
        json.put("measurements", ls);
        System.out.printf(Locale.ROOT, "total %.0f s; %d of %d goals met; JSON: %s%n", total,
                lines.stream().filter(l -> l.met != null && l.met).count(),
                lines.stream().filter(l -> l.met != null).count(), opt.out);
        Files.createDirectories(opt.out.getParent());
        Files.writeString(opt.out, Json.pretty(json) + "\n", StandardCharsets.UTF_8);
    }

    // --- 1. legacy pipeline refresh -----------------------------------------------------------

    void legacyRefresh() throws Exception {
        step("1. legacy pipeline: runbook script (psql) vs " + agentLabel());
        List<Double> scriptAll = new ArrayList<>(), mvAll = new ArrayList<>(), mvAllRun = new ArrayList<>(), crit = new ArrayList<>();
        List<Double> cpfWall = new ArrayList<>(), cpfCrit = new ArrayList<>();
        List<Double> scriptOne = new ArrayList<>(), mvOne = new ArrayList<>(), mvOneRun = new ArrayList<>();
        List<Integer> skipped = new ArrayList<>();
        long lastOneTableRun = 0;
        double seed = 0.42;
        for (int r = 0; r < opt.reps; r++) {
            // Everything changed: new synthetic data (another seed) before each side, so each
            // refresh goes from one full data set to a different one. Sides alternate order.
            boolean scriptFirst = r % 2 == 0;
            for (int side = 0; side < 2; side++) {
                seed = seed >= 0.9 ? 0.11 : seed + 0.01;
                regenerate(seed);
                if ((side == 0) == scriptFirst) {
                    scriptAll.add(psqlScript(opt.root.resolve("bench/legacy_refresh.sql")));
                } else {
                    AgentRun run = agentRun(LEGACY_TARGET);
                    mvAll.add(run.wall);
                    mvAllRun.add(run.refresh);
                    say("    all changed: mvcert run wall %.2f s, run %.2f s, step sum %.2f s", run.wall, run.refresh, run.stepSum);
                    crit.add(criticalPath(run.runId));
                }
            }
            // The same with --order critical-path-first, the order meant to bring a run down to
            // its longest chain (the default, cheapest first, surfaces data problems early instead)
            seed = seed >= 0.9 ? 0.11 : seed + 0.01;
            regenerate(seed);
            AgentRun cpf = agentRun(LEGACY_TARGET, opt.parallel, "critical-path-first");
            cpfWall.add(cpf.wall);
            cpfCrit.add(criticalPath(cpf.runId));
            say("    all changed, critical path first: mvcert run wall %.2f s, longest chain %.2f s", cpf.wall, last(cpfCrit));
            // One upstream table changed: the day's market stats were republished. First an
            // untimed run brings mvcert's input fingerprints up to date with the data the script
            // may have refreshed last; mvcert goes first, since the script refreshes everything
            // and mvcert would then rightly see its upstream views as changed.
            agentRun(LEGACY_TARGET);
            touchMarketStats();
            AgentRun one = agentRun(LEGACY_TARGET);
            mvOne.add(one.wall);
            mvOneRun.add(one.refresh);
            say("    one table: mvcert run wall %.2f s, run %.2f s, step sum %.2f s", one.wall, one.refresh, one.stepSum);
            skipped.add(one.skipped);
            lastOneTableRun = one.runId();
            touchMarketStats();
            scriptOne.add(psqlScript(opt.root.resolve("bench/legacy_refresh.sql")));
            say("  rep %d: all changed script %.1f s, mvcert %.1f s (critical path %.1f s); one table script %.1f s, mvcert %.1f s (%d skipped)",
                    r + 1, last(scriptAll), last(mvAll), last(crit), last(scriptOne), last(mvOne), skipped.get(skipped.size() - 1));
        }
        double sAll = median(scriptAll), mAll = median(mvAll), sOne = median(scriptOne), mOne = median(mvOne), cp = median(crit);
        String who = agentLabel();
        // Which views could be skipped at all: a view whose definition reads the clock (now(),
        // CURRENT_DATE in a function) gives another result at every refresh, so skipping it would
        // be unsound; so would skipping anything downstream of it or of the changed table.
        int clockViews, mustRefresh, unsound;
        double mustRefreshSeconds;
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("""
                SELECT count(*) FILTER (WHERE s.decision LIKE 'definition calls%%'),
                       count(*) FILTER (WHERE s.status = 'succeeded'),
                       count(*) FILTER (WHERE s.status = 'skipped' AND cardinality(array_remove(audit._volatile_calls(s.matview::regclass), 'CURRENT_DATE')) > 0),
                       coalesce(extract(epoch FROM sum(s.duration) FILTER (WHERE s.status = 'succeeded')), 0)::float8
                  FROM audit.step s WHERE s.run_id = %d""".formatted(lastOneTableRun))) {
            rs.next();
            clockViews = rs.getInt(1);
            mustRefresh = rs.getInt(2);
            unsound = rs.getInt(3);
            mustRefreshSeconds = rs.getDouble(4);
        }
        int total = (Integer) json.get("legacy_matviews");
        add(new Line("1a", "legacy refresh, one upstream table changed", who + (" %.1f s vs script %.1f s; %d of %d views skipped, %d refreshed: "
                + "%d read the clock (now()) and everything downstream of them or of the changed table must refresh, so the ratio is "
                + "not chased; those steps alone took %.1f s; %d unsound skips")
                .formatted(mOne, sOne, skipped.get(skipped.size() - 1), total, mustRefresh, clockViews, mustRefreshSeconds, unsound),
                mOne / sOne, "x", "no unsound skip", unsound == 0 && clockViews > 0,
                Map.of("script_s", sOne, "mvcert_s", mOne, "mvcert_run_s", median(mvOneRun), "script_all_s", scriptOne, "mvcert_all_s", mvOne,
                        "clock_views", clockViews, "refreshed", mustRefresh, "refreshed_step_s", mustRefreshSeconds, "unsound_skips", unsound)));
        add(new Line("1b", "legacy refresh, everything changed", who + " %.1f s vs script %.1f s".formatted(mAll, sAll),
                mAll / sAll, "x", "<= 1.00x", mAll / sAll <= 1.0,
                Map.of("script_s", sAll, "mvcert_s", mAll, "mvcert_run_s", median(mvAllRun), "script_all_s", scriptAll, "mvcert_all_s", mvAll)));
        double cWall = median(cpfWall), cCrit = median(cpfCrit);
        add(new Line("1c", "legacy refresh vs critical path", (who + " --order critical-path-first %.1f s vs its longest dependency "
                + "chain %.1f s; with the default order (cheapest first) %.1f s vs %.1f s (%.2fx)").formatted(cWall, cCrit, mAll, cp, mAll / cp),
                cWall / cCrit, "x", "<= 1.10x", cWall / cCrit <= 1.10,
                Map.of("critical_path_s", cCrit, "mvcert_s", cWall, "critical_path_all_s", cpfCrit, "mvcert_all_s", cpfWall,
                        "cheapest_first_s", mAll, "cheapest_first_critical_path_s", cp, "cheapest_first_critical_path_all_s", crit)));
    }

    // --- 1d-1g. the time-safe pipeline: runbook 001's canonical procedure vs mvcert run -------

    void timeSafePipeline() throws Exception {
        step("1d-1g. time-safe pipeline (T0): runbook 001's procedure (six REFRESH + certification) vs mvcert run");
        try (Connection c = connect()) {
            certifiedFeatureStore(c);
        }
        Path script = opt.root.resolve("bench/t0_runbook_refresh.sql");
        // "plain": the target's prefer_plain, so mvcert runs the same REFRESH statements as the
        // runbook's procedure; the others keep mvcert's default (CONCURRENTLY where eligible)
        List<String> sides = new ArrayList<>(List.of("script", "plain", opt.parallel, "1", "2"));
        Map<String, List<Double>> all = new LinkedHashMap<>();
        sides.stream().distinct().forEach(p -> all.put(p, new ArrayList<>()));
        List<Double> certAll = new ArrayList<>(), scriptOne = new ArrayList<>(), plainOne = new ArrayList<>(), defaultOne = new ArrayList<>();
        List<Double> mustOne = new ArrayList<>();
        List<Integer> chosen = new ArrayList<>(), skippedOne = new ArrayList<>();
        Map<String, Double> parts = new LinkedHashMap<>();
        double seed = 0.61;
        for (int r = 0; r < opt.reps; r++) {
            // everything changed: a new data set before each side; the order of the sides rotates
            List<String> order = new ArrayList<>(all.keySet());
            java.util.Collections.rotate(order, r);
            for (String side : order) {
                seed = seed >= 0.9 ? 0.11 : seed + 0.01;
                regenerate(seed);
                if (side.equals("script")) {
                    double refresh = psqlScript(script);
                    double cert = timed(this::certifyFeatureStoreInProcess);
                    all.get(side).add(refresh + cert);
                    certAll.add(cert);
                    parts.put("script_refresh_s", refresh);
                } else {
                    boolean plain = side.equals("plain");
                    preferPlain(plain);
                    boolean measure = plain && r == opt.reps - 1;
                    if (measure) resetStatements();
                    AgentRun run = agentRun(FEATURE_STORE, plain ? opt.parallel : side);
                    if (measure) parts.putAll(statementTimes(run));
                    preferPlain(false);
                    if (run.skipped() > 0) throw new IllegalStateException("an all-changed T0 run skipped views: " + run);
                    all.get(side).add(run.wall());
                    if (side.equals(opt.parallel)) chosen.add(run.parallelism());
                    say("    all changed: mvcert run %s wall %.2f s (run %.2f s, %d at once)",
                            plain ? "(prefer_plain) --parallel " + opt.parallel : "--parallel " + side, run.wall(), run.refresh(), run.parallelism());
                }
            }
            // one upstream table changed (the day's market stats republished). A run first brings
            // mvcert's fingerprints up to the data; mvcert's sides go first, since the script
            // refreshes everything and would make mvcert see its upstream views as changed
            agentRun(FEATURE_STORE);
            touchMarketStats();
            AgentRun one = agentRun(FEATURE_STORE);
            defaultOne.add(one.wall());
            touchMarketStats();
            preferPlain(true);
            AgentRun onePlain = agentRun(FEATURE_STORE);
            preferPlain(false);
            plainOne.add(onePlain.wall());
            skippedOne.add(onePlain.skipped());
            mustOne.add(onePlain.stepSum());
            touchMarketStats();
            scriptOne.add(psqlScript(script) + timed(this::certifyFeatureStoreInProcess));
            say("  rep %d: all changed %s; one table: script %.1f s, mvcert (prefer_plain) %.1f s, mvcert %.1f s (%d of 6 skipped)",
                    r + 1, all.entrySet().stream().map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.1f s", last(e.getValue()))).toList(),
                    last(scriptOne), last(plainOne), last(defaultOne), skippedOne.get(skippedOne.size() - 1));
        }
        // leave the feature store certified for the lines that read it
        regenerate(FEATURE_STORE_SEED);
        try (Connection c = connect()) {
            certifiedFeatureStore(c);
        }
        double sAll = median(all.get("script")), plain = median(all.get("plain")), mDefault = median(all.get(opt.parallel));
        double m1 = median(all.get("1")), m2 = median(all.get("2"));
        double sOne = median(scriptOne), pOne = median(plainOne), dOne = median(defaultOne), must = median(mustOne);
        int at = chosen.isEmpty() ? 1 : chosen.get(chosen.size() - 1);
        add(new Line("1d", "T0 pipeline, everything changed",
                ("mvcert run (prefer_plain: the runbook's REFRESH statements) %.1f s vs runbook procedure %.1f s (certification %.1f s); "
                + "mvcert's statements, summed over its connections: REFRESH %.1f s (the script's refresh %.1f s), ANALYZE and rows %.1f s, the rest %.1f s; "
                + "with mvcert's default CONCURRENTLY (readers never blocked) %.1f s")
                        .formatted(plain, sAll, median(certAll), parts.getOrDefault("refresh_s", Double.NaN),
                                parts.getOrDefault("script_refresh_s", Double.NaN), parts.getOrDefault("step_done_s", Double.NaN),
                                parts.getOrDefault("other_s", Double.NaN), mDefault),
                plain / sAll, "x", "<= 0.90x", plain / sAll <= 0.90,
                Map.of("script_s", sAll, "certification_s", median(certAll), "mvcert_plain_s", plain, "mvcert_default_s", mDefault,
                        "all_s", all, "parts", parts)));
        add(new Line("1e", "T0 pipeline, one upstream table changed",
                ("mvcert run (prefer_plain) %.1f s vs runbook procedure %.1f s: %d of 6 views skipped, the views downstream of the "
                + "changed table took %.1f s of steps; with CONCURRENTLY %.1f s").formatted(pOne, sOne, skippedOne.get(skippedOne.size() - 1), must, dOne),
                pOne / sOne, "x", "<= 0.50x", pOne / sOne <= 0.50,
                Map.of("script_s", sOne, "mvcert_plain_s", pOne, "mvcert_default_s", dOne, "refreshed_steps_s", must,
                        "script_all_s", scriptOne, "mvcert_plain_all_s", plainOne)));
        double best = Math.min(m1, m2);
        add(new Line("1f", "T0 pipeline: --parallel default vs best of 1 and 2",
                "--parallel %s %.1f s (%d view(s) at once); --parallel 1 %.1f s; --parallel 2 %.1f s (2 vs 1: %.2fx)"
                        .formatted(opt.parallel, mDefault, at, m1, m2, m2 / m1),
                mDefault / best, "x", "<= 1.05x", mDefault / best <= 1.05,
                Map.of("default_s", mDefault, "parallel_1_s", m1, "parallel_2_s", m2, "views_at_once", chosen)));
    }

    void preferPlain(boolean on) throws SQLException {
        try (Connection c = connect()) {
            exec(c, "UPDATE audit.target SET prefer_plain = " + on + " WHERE target = '" + FEATURE_STORE + "'");
        }
    }

    void resetStatements() throws SQLException {
        try (Connection c = connect()) {
            if (count(c, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") > 0) {
                exec(c, "SELECT pg_stat_statements_reset()");
            }
        }
    }

    /** Where one run's time went, from pg_stat_statements: the REFRESH statements, audit._step_done (ANALYZE, rows), the rest. */
    Map<String, Double> statementTimes(AgentRun run) throws SQLException {
        Map<String, Double> t = new LinkedHashMap<>();
        try (Connection c = connect()) {
            if (count(c, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") == 0) {
                return t;
            }
            try (ResultSet rs = c.createStatement().executeQuery("""
                    SELECT coalesce(sum(total_exec_time) FILTER (WHERE query LIKE 'REFRESH%'), 0) / 1000,
                           coalesce(sum(total_exec_time) FILTER (WHERE query LIKE '%audit._step_done%'), 0) / 1000,
                           coalesce(sum(total_exec_time) FILTER (WHERE query NOT LIKE 'REFRESH%' AND query NOT LIKE '%audit._step_done%'
                                                                   AND query NOT ILIKE '%pg_stat_statements%'), 0) / 1000
                      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())""")) {
                rs.next();
                t.put("refresh_s", rs.getDouble(1));
                t.put("step_done_s", rs.getDouble(2));
                t.put("other_s", rs.getDouble(3));
            }
        }
        return t;
    }

    /** The certification runbook 001's procedure calls after its refreshes, by mvcert's engine in this JVM (no JVM start). */
    void certifyFeatureStoreInProcess() throws SQLException {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            new Mvcert(c).certify(FEATURE_STORE, null);
            c.commit();
        }
    }

    void regenerate(double seed) throws SQLException {
        try (Connection c = connect()) {
            exec(c, "SELECT src.generate_data(" + opt.scale + ", " + seed + ")");
            exec(c, "CHECKPOINT");
        }
    }

    void touchMarketStats() throws SQLException {
        try (Connection c = connect()) {
            exec(c, "UPDATE src.market_stats SET search_volume = search_volume + 1 WHERE day = (SELECT max(day) FROM src.market_stats)");
            exec(c, "ANALYZE src.market_stats");
        }
    }

    /** Sum of step durations along the longest dependency chain of a run (the lower bound of any schedule). */
    double criticalPath(long runId) throws SQLException {
        try (Connection c = connect()) {
            Map<String, Double> seconds = new HashMap<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT matview, extract(epoch FROM duration)::float8 FROM audit.step WHERE run_id = " + runId)) {
                while (rs.next()) seconds.merge(rs.getString(1), rs.getDouble(2), Double::sum);
            }
            Map<String, Double> finish = new HashMap<>();
            double longest = 0;
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT matview, depends_on FROM audit.refresh_plan('" + LEGACY_TARGET + "') ORDER BY step")) {
                while (rs.next()) {
                    double start = 0;
                    String[] deps = (String[]) rs.getArray(2).getArray();
                    for (String d : deps) start = Math.max(start, finish.getOrDefault(d, 0.0));
                    double f = start + seconds.getOrDefault(rs.getString(1), 0.0);
                    finish.put(rs.getString(1), f);
                    longest = Math.max(longest, f);
                }
            }
            return longest;
        }
    }

    // --- 2. orchestration overhead on a pure chain ----------------------------------------

    void chainOverhead() throws Exception {
        int rows = opt.chainRows;
        step("2. orchestration overhead: a chain of " + CHAIN_LENGTH + " materialized views of " + rows + " rows");
        StringBuilder ddl = new StringBuilder("""
                CREATE TABLE bench.chain_src (id bigint PRIMARY KEY, v bigint NOT NULL, tag text NOT NULL);
                INSERT INTO bench.chain_src SELECT g, g %% 1000, md5(g::text) FROM generate_series(1, %d) g;
                ANALYZE bench.chain_src;
                CREATE MATERIALIZED VIEW bench.chain_1 AS SELECT id, v + 1 AS v, tag FROM bench.chain_src;
                """.formatted(rows));
        StringBuilder script = new StringBuilder("REFRESH MATERIALIZED VIEW bench.chain_1;\nANALYZE bench.chain_1;\n");
        for (int i = 2; i <= CHAIN_LENGTH; i++) {
            ddl.append("CREATE MATERIALIZED VIEW bench.chain_%d AS SELECT id, v + 1 AS v, tag FROM bench.chain_%d;\n".formatted(i, i - 1));
            script.append("REFRESH MATERIALIZED VIEW bench.chain_%d;\nANALYZE bench.chain_%d;\n".formatted(i, i));
        }
        ddl.append("CREATE VIEW bench.chain_v AS SELECT * FROM bench.chain_" + CHAIN_LENGTH + ";\n");
        ddl.append("SELECT audit.register_target('" + CHAIN_TARGET + "', 'bench: pure chain');\n");
        Path scriptFile = opt.root.resolve("bench/results/chain_refresh.sql");
        Files.writeString(scriptFile, script.toString());
        boolean statements;
        try (Connection c = connect()) {
            exec(c, ddl.toString());
            // pg_stat_statements counts what the run sends (the bench cluster preloads it)
            statements = count(c, "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'") > 0
                    && count(c, "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries' AND setting LIKE '%pg_stat_statements%'") > 0;
            if (statements) {
                exec(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                // nested statements too: mvcert's ANALYZE runs inside audit._step_done
                exec(c, "ALTER SYSTEM SET pg_stat_statements.track = 'all'");
                exec(c, "SELECT pg_reload_conf()");
            }
        }
        long sent = -1;
        List<Double> psql = new ArrayList<>(), agent = new ArrayList<>(), agentRun = new ArrayList<>();
        // each side's time in the REFRESH and ANALYZE statements themselves (pg_stat_statements):
        // the same statements on both sides, so what is left is each side's time around them
        List<Double> psqlWork = new ArrayList<>(), agentWork = new ArrayList<>();
        // a run of ten REFRESHes varies by several percent from one to the next (buffers, WAL), and
        // this machine's speed drifts by more than the goal within minutes: one pair of sides,
        // the two runs next to each other in time, came out anywhere from -18% to +96% within one
        // bench run. So at least 21 repetitions, sides alternating, each from a checkpoint; the
        // overhead is the median of the repetitions' pairs
        int reps = Math.max(opt.reps, 21);
        for (int r = 0; r < reps; r++) {
            boolean psqlFirst = r % 2 == 0;
            for (int side = 0; side < 2; side++) {
                try (Connection c = connect()) {
                    // one row changed: the whole chain must be refreshed by both
                    exec(c, "UPDATE bench.chain_src SET v = v + 1 WHERE id = " + (1 + r * 2 + side));
                    // the other side's dirty buffers written out before this side starts
                    exec(c, "CHECKPOINT");
                }
                if (statements) {
                    try (Connection c = connect()) {
                        exec(c, "SELECT pg_stat_statements_reset()");
                    }
                }
                if ((side == 0) == psqlFirst) {
                    psql.add(psqlScript(scriptFile));
                    if (statements) {
                        psqlWork.add(chainStatementSeconds());
                    }
                } else {
                    AgentRun run = agentRun(CHAIN_TARGET);
                    if (statements) {
                        agentWork.add(chainStatementSeconds());
                    }
                    if (statements && r == reps - 1) {
                        try (Connection c = connect()) {
                            sent = count(c, """
                                    SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
                                     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                                       AND toplevel AND query NOT ILIKE '%pg_stat_statements%'""");
                        }
                    }
                    if (run.skipped > 0) throw new IllegalStateException("chain run skipped views: the comparison would be unfair");
                    agent.add(run.wall);
                    agentRun.add(run.stepsSpan);
                }
            }
        }
        double p = median(psql), a = median(agent), ar = median(agentRun);
        List<Double> wallPairs = new ArrayList<>(), inRunPairs = new ArrayList<>(), msPairs = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            wallPairs.add((agent.get(r) - psql.get(r)) / psql.get(r));
            inRunPairs.add((agentRun.get(r) - psql.get(r)) / psql.get(r));
            msPairs.add(1000 * (agentRun.get(r) - psql.get(r)) / CHAIN_LENGTH);
        }
        double wallOverhead = median(wallPairs), inRun = median(inRunPairs), msPerStep = median(msPairs);
        String sentText = sent < 0 ? "statements not counted (no pg_stat_statements)"
                : "%d statements for the run (%.1f a view, plan and certification included)".formatted(sent, sent / (double) CHAIN_LENGTH);
        // Each side's time outside the REFRESH and ANALYZE statements (psql's includes its start
        // and connection, mvcert's run does not include the JVM's): the statements' own variation,
        // most of each pair's noise, is left out. It cannot see a statement made slower by the
        // other side's work, which the in-run figure above can.
        List<Double> psqlAround = new ArrayList<>(), agentAround = new ArrayList<>(), aroundPairs = new ArrayList<>();
        if (psqlWork.size() == reps && agentWork.size() == reps) {
            for (int r = 0; r < reps; r++) {
                psqlAround.add(psql.get(r) - psqlWork.get(r));
                agentAround.add(agentRun.get(r) - agentWork.get(r));
                aroundPairs.add((agentAround.get(r) - psqlAround.get(r)) / psql.get(r));
            }
            sentText += "; outside the REFRESH and ANALYZE statements themselves (pg_stat_statements), the run spent %.0f ms and psql %.0f ms (start and connection included), a difference of %.1f%% of psql's time (median of the pairs)"
                    .formatted(1000 * median(agentAround), 1000 * median(psqlAround), 100 * median(aroundPairs));
        }
        try (Connection c = connect()) {
            if (statements) {
                exec(c, "ALTER SYSTEM RESET pg_stat_statements.track");
                exec(c, "SELECT pg_reload_conf()");
            }
        }
        add(new Line("2", "orchestration overhead, chain of " + CHAIN_LENGTH + " (wall)",
                agentLabel() + " %.2f s (JVM start and certification included) vs psql %.2f s (medians of %d; the overhead is the median of the %d pairs', %.1f%% between the medians)"
                        .formatted(a, p, reps, reps, 100 * (a - p) / p),
                100 * wallOverhead, "%", "<= 25%", wallOverhead <= 0.25,
                Map.of("psql_s", p, "mvcert_s", a, "mvcert_run_s", ar, "psql_all_s", psql, "mvcert_all_s", agent,
                        "mvcert_run_all_s", agentRun, "wall_overhead_pairs", wallPairs, "rows", rows)));
        add(new Line("2r", "orchestration overhead, chain of " + CHAIN_LENGTH + " (in the run)",
                "the run from its start to its last step's commit (plan and steps, not certification) %.2f s vs psql %.2f s (medians; %.1f%% between them): %.0f ms of bookkeeping a step; %s"
                        .formatted(ar, p, 100 * (ar - p) / p, msPerStep, sentText),
                100 * inRun, "%", "<= 5%", inRun <= 0.05,
                Map.of("in_run_overhead_pct", 100 * inRun, "in_run_overhead_pairs", inRunPairs, "overhead_ms_per_step", msPerStep,
                        "statements_sent", sent, "psql_outside_statements_s", psqlAround, "mvcert_run_outside_statements_s", agentAround,
                        "outside_statements_overhead_pairs", aroundPairs)));
    }

    /** Seconds in the chain's REFRESH and ANALYZE statements (nested ones included) since pg_stat_statements was reset. */
    double chainStatementSeconds() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT coalesce(sum(total_exec_time), 0) / 1000 FROM pg_stat_statements
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND (query ILIKE 'REFRESH MATERIALIZED VIEW bench.chain%' OR query ILIKE 'ANALYZE bench.chain%')""")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    // --- 3. dataset hashing ------------------------------------------------------------------

    void datasetHashing() throws Exception {
        int n = opt.hashRows;
        step("3. dataset hashing per day: " + n + " and " + (2 * n) + " rows x 11 columns over 180 days");
        try (Connection c = connect()) {
            for (int k : new int[] {1, 2}) {
                exec(c, """
                        CREATE TABLE bench.hash_%1$dx AS
                        SELECT g AS id, date '2026-01-01' + (g %% 180) AS day, (g * 7) %% 1000 AS a, g::numeric / 7 AS b,
                               md5(g::text) AS c, g %% 3 = 0 AS d, timestamp '2026-01-01' + g * interval '1 second' AS e,
                               (g %% 97)::float8 / 3 AS f, 'tag-' || (g %% 50) AS h, g %% 11 AS i, (g * 13) %% 100000 AS j
                        FROM generate_series(1, %2$d) g;
                        ALTER TABLE bench.hash_%1$dx ADD PRIMARY KEY (id);
                        """.formatted(k, k * n));
                exec(c, "VACUUM ANALYZE bench.hash_" + k + "x");
            }
        }
        List<LocalDate> days = new ArrayList<>();
        for (int d = 0; d < 180; d++) days.add(LocalDate.of(2026, 1, 1).plusDays(d));
        String md5 = "SELECT day, count(*), md5(string_agg(t::text, '' ORDER BY id)) FROM bench.hash_1x t GROUP BY day";
        String cnt = "SELECT day, count(*) FROM bench.hash_1x t GROUP BY day";
        List<Double> tMv = new ArrayList<>(), tMd5 = new ArrayList<>(), tCnt = new ArrayList<>(), tMvSerial = new ArrayList<>();
        for (int r = 0; r < opt.reps; r++) {
            tCnt.add(timed(() -> query(cnt)));
            tMv.add(timed(() -> hash("bench.hash_1x", days)));
            tMd5.add(timed(() -> query(md5)));
            try (Connection c = connect()) {
                exec(c, "SET max_parallel_workers_per_gather = 0");
                tMvSerial.add(timed(() -> DatasetHasher.hash(c, "bench.hash_1x", "day", days)));
            }
        }
        // Memory: peak private (anonymous) memory of the backend, parallelism off so the whole
        // aggregation happens in that one process, at n and 2n rows (twice the rows per day).
        Map<String, Object> mem = new LinkedHashMap<>();
        for (int k : new int[] {1, 2}) {
            String table = "bench.hash_" + k + "x";
            mem.put("mvcert_" + k + "x_mb", peakBackendMb(c -> DatasetHasher.hash(c, table, "day", days)));
            mem.put("md5_" + k + "x_mb", peakBackendMb(c -> runQuery(c, md5.replace("bench.hash_1x", table))));
        }
        double mv = median(tMv), m5 = median(tMd5), ct = median(tCnt), mvs = median(tMvSerial);
        double growth = (Double) mem.get("mvcert_2x_mb") - (Double) mem.get("mvcert_1x_mb");
        add(new Line("3", "dataset hash per day, " + n + " rows",
                "mvcert %.2f s (serial %.2f s) vs md5(string_agg) %.2f s vs count(*) %.2f s (scan floor: mvcert %.1fx it)"
                        .formatted(mv, mvs, m5, ct, mv / ct),
                m5 / mv, "x faster", ">= 4x", m5 / mv >= 4,
                Map.of("mvcert_s", mv, "mvcert_serial_s", mvs, "md5_string_agg_s", m5, "count_s", ct, "rows", n,
                        "mvcert_all_s", tMv, "md5_all_s", tMd5, "count_all_s", tCnt)));
        add(new Line("3f", "dataset hash vs the count(*) scan floor", "mvcert %.2f s vs count(*) per day %.2f s".formatted(mv, ct),
                mv / ct, "x", "<= 5x", mv / ct <= 5, Map.of("mvcert_s", mv, "count_s", ct)));
        add(new Line("3p", "dataset hash, parallel vs serial", "default settings %.2f s vs max_parallel_workers_per_gather = 0 %.2f s"
                        .formatted(mv, mvs), mv / mvs, "x", "<= 1.00x", mv / mvs <= 1.0, Map.of("parallel_s", mv, "serial_s", mvs)));
        add(new Line("3m", "dataset hash memory, " + n + " -> " + 2 * n + " rows",
                "backend peak private memory mvcert %.1f -> %.1f MB, md5(string_agg) %.1f -> %.1f MB".formatted(
                        mem.get("mvcert_1x_mb"), mem.get("mvcert_2x_mb"), mem.get("md5_1x_mb"), mem.get("md5_2x_mb")),
                growth, "MB growth", "no growth (< 2 MB)", growth < 2.0, mem));
    }

    List<?> hash(String table, List<LocalDate> days) throws SQLException {
        try (Connection c = connect()) {
            return DatasetHasher.hash(c, table, "day", days);
        }
    }

    /** Runs {@code work} on a fresh backend with parallelism off and samples its RssAnon; returns the peak growth in MB. */
    double peakBackendMb(SqlWork work) throws Exception {
        try (Connection c = connect()) {
            exec(c, "SET max_parallel_workers_per_gather = 0");
            int pid = count(c, "SELECT pg_backend_pid()");
            Path status = Path.of("/proc/" + pid + "/status");
            long before = procKb(status, "RssAnon:");
            long[] peak = {before};
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        peak[0] = Math.max(peak[0], procKb(status, "RssAnon:"));
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception ignored) {
                        return;
                    }
                }
            });
            sampler.start();
            work.run(c);
            sampler.interrupt();
            sampler.join();
            peak[0] = Math.max(peak[0], procKb(status, "RssAnon:"));
            return round((peak[0] - before) / 1024.0, 1);
        }
    }

    // --- 4. gate cost ------------------------------------------------------------------------

    void gateCost() throws Exception {
        step("4. gate cost: audit.require_certified per call, guarded scan of " + opt.hashRows + " rows");
        try (Connection c = connect()) {
            if (count(c, "SELECT count(*) FROM pg_class WHERE oid = to_regclass('bench.hash_1x')") == 0) {
                exec(c, """
                        CREATE TABLE bench.hash_1x AS SELECT g AS id, date '2026-01-01' + (g %% 180) AS day, md5(g::text) AS c,
                               g::numeric / 7 AS b FROM generate_series(1, %d) g""".formatted(opt.hashRows));
            }
            exec(c, """
                    CREATE MATERIALIZED VIEW bench.gate_src AS SELECT * FROM bench.hash_1x;
                    CREATE UNIQUE INDEX ON bench.gate_src (id);
                    ANALYZE bench.gate_src;
                    SELECT audit.register_target('bench.gate_src', 'bench: gate');
                    SELECT audit.create_guarded_view('bench.gate_src', 'bench.gate_guarded_v', interval '24 hours');
                    """);
            c.setAutoCommit(false);
            Mvcert mvcert = new Mvcert(c);
            mvcert.acceptBaseline(mvcert.captureBaselines("bench.gate_src", "bench").captureId(), "bench: reviewed");
            c.commit();
            CertificationResult cert = mvcert.certify("bench.gate_src", null);
            c.commit();
            c.setAutoCommit(true);
            if (!cert.certified()) {
                throw new IllegalStateException("bench.gate_src did not certify: " + cert.failureSummary());
            }
        }
        int calls = 200_000;
        String loop = "DO $$ BEGIN FOR i IN 1..%d LOOP PERFORM %s; END LOOP; END $$";
        List<Double> perCall = new ArrayList<>();
        List<Double> guarded = new ArrayList<>(), plain = new ArrayList<>();
        String scan = "SELECT count(*), sum(b), max(c) FROM ";
        try (Connection c = connect()) {
            runQuery(c, scan + "bench.gate_src"); // warm the cache
            for (int r = 0; r < Math.max(opt.reps, 3); r++) {
                double empty = timed(() -> exec(c, loop.formatted(calls, "i")));
                double gate = timed(() -> exec(c, loop.formatted(calls,
                        "audit.require_certified('bench.gate_src'::regclass, interval '24 hours')")));
                perCall.add((gate - empty) / calls * 1e6);
            }
            for (int r = 0; r < Math.max(2 * opt.reps + 1, 7); r++) {
                boolean guardedFirst = r % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == guardedFirst) guarded.add(timed(() -> runQuery(c, scan + "bench.gate_guarded_v")));
                    else plain.add(timed(() -> runQuery(c, scan + "bench.gate_src")));
                }
            }
        }
        // The same pair with parallel query off for both: separates the gate's own cost from
        // its effect on the plan (a PARALLEL UNSAFE function in the WHERE clause forbids a parallel scan).
        List<Double> guardedSerial = new ArrayList<>(), plainSerial = new ArrayList<>();
        boolean guardedParallel, plainParallel;
        try (Connection c = connect()) {
            guardedParallel = explain(c, scan + "bench.gate_guarded_v").contains("Gather");
            plainParallel = explain(c, scan + "bench.gate_src").contains("Gather");
            exec(c, "SET max_parallel_workers_per_gather = 0");
            for (int r = 0; r < Math.max(2 * opt.reps + 1, 7); r++) {
                guardedSerial.add(timed(() -> runQuery(c, scan + "bench.gate_guarded_v")));
                plainSerial.add(timed(() -> runQuery(c, scan + "bench.gate_src")));
            }
        }
        double gs = median(guardedSerial), ps = median(plainSerial);
        double us = median(perCall), g = median(guarded), p = median(plain);
        add(new Line("4a", "gate: audit.require_certified per call",
                "%.1f µs a call = %,.0f calls/s in one session".formatted(us, 1e6 / us), us, "µs", "< 20 µs", us < 20,
                Map.of("us_per_call", us, "calls_per_s", 1e6 / us, "all_us", perCall)));
        double pct = 100 * (g - p) / p;
        add(new Line("4b", "gate: guarded-view scan of " + opt.hashRows + " rows",
                "guarded %.3f s (parallel plan: %s) vs source %.3f s (parallel plan: %s); both serial: %.3f vs %.3f s = %+.1f%%"
                        .formatted(g, guardedParallel ? "yes" : "no", p, plainParallel ? "yes" : "no", gs, ps, 100 * (gs - ps) / ps),
                pct, "%", "< 1%", pct < 1,
                Map.of("guarded_s", g, "source_s", p, "guarded_parallel_plan", guardedParallel, "source_parallel_plan", plainParallel,
                        "serial_guarded_s", gs, "serial_source_s", ps, "serial_pct", 100 * (gs - ps) / ps,
                        "guarded_all_s", guarded, "source_all_s", plain)));
    }

    // --- 4c-4k. the gate as clients pay it: pgbench, one statement per transaction --------------

    static final String FEATURE_STORE = "ml.survival_feature_store_t0_v1_v";
    static final String FEATURE_STORE_GUARDED = "bench.feature_store_guarded_v";
    /** The seed of src.generate_data's default data set (the feature store the gate lines read). */
    static final double FEATURE_STORE_SEED = 0.42;
    static final String READER = "bench_reader";

    /**
     * The gate on the read path of an online feature service: pgbench custom scripts (prepared
     * and simple protocol, 1 and 4 clients) reading the example feature store by key through
     * its guarded view and directly; the gate alone against SELECT 1; realistic JDBC reads
     * (every column of every row, and a join); the count(*) floor of a one-time filter; and the
     * same gate with 1,000 certified targets in the registry.
     */
    void gateReads() throws Exception {
        step("4c-4k. the gate as clients pay it: pgbench point reads of " + FEATURE_STORE + ", guarded and not");
        long maxId;
        try (Connection c = connect()) {
            certifiedFeatureStore(c);
            maxId = count(c, "SELECT max(listing_id) FROM " + FEATURE_STORE);
        }
        Path dir = opt.root.resolve("bench/results/pgbench");
        Files.createDirectories(dir);
        Map<String, Path> scripts = new LinkedHashMap<>();
        scripts.put("one", script(dir, "one", "SELECT 1;"));
        scripts.put("gate", script(dir, "gate", "SELECT audit.require_certified('" + FEATURE_STORE + "', interval '24 hours');"));
        // control: the floor of any gate that is a function, a PL/pgSQL function that only returns true
        scripts.put("trivial", script(dir, "trivial", "SELECT bench.trivial_gate('" + FEATURE_STORE + "', interval '24 hours');"));
        // control: the floor of any gate that reads its row, a PL/pgSQL function (caller's rights, no
        // search_path of its own) reading one row of a copy of the registry by key, as the gate does
        scripts.put("row", script(dir, "row", "SELECT bench.row_gate('" + FEATURE_STORE + "', interval '24 hours');"));
        scripts.put("source", script(dir, "source", "\\set id random(1, " + maxId + ")\nSELECT * FROM " + FEATURE_STORE + " WHERE listing_id = :id;"));
        scripts.put("guarded", script(dir, "guarded", "\\set id random(1, " + maxId + ")\nSELECT * FROM " + FEATURE_STORE_GUARDED + " WHERE listing_id = :id;"));
        // controls: the same view level without a gate, and a one-time filter that calls nothing
        scripts.put("view", script(dir, "view", "\\set id random(1, " + maxId + ")\nSELECT * FROM bench.feature_store_plain_v WHERE listing_id = :id;"));
        scripts.put("filter", script(dir, "filter", "\\set id random(1, " + maxId + ")\nSELECT * FROM bench.feature_store_filtered_v WHERE listing_id = :id;"));

        Map<String, Object> gate = new LinkedHashMap<>();
        for (String mode : List.of("prepared", "simple")) {
            Map<String, Double> tps = pgbenchPairs(scripts, List.of("one", "gate", "trivial", "row"), mode, 1);
            gate.put(mode + "_us_over_select_1", 1e6 / tps.get("gate") - 1e6 / tps.get("one"));
            gate.put(mode + "_trivial_function_us_over_select_1", 1e6 / tps.get("trivial") - 1e6 / tps.get("one"));
            gate.put(mode + "_row_function_us_over_select_1", 1e6 / tps.get("row") - 1e6 / tps.get("one"));
            gate.put(mode + "_tps", tps);
        }
        double gateUs = (Double) gate.get("prepared_us_over_select_1");
        add(new Line("4c", "gate alone per statement, over SELECT 1 (pgbench)",
                ("prepared %.1f µs, simple %.1f µs per statement (1 client, one statement per transaction); controls, prepared:"
                        + " a PL/pgSQL function that only returns true %.1f µs, one that reads the row by key with the caller's rights %.1f µs")
                        .formatted(gateUs, (Double) gate.get("simple_us_over_select_1"),
                                (Double) gate.get("prepared_trivial_function_us_over_select_1"),
                                (Double) gate.get("prepared_row_function_us_over_select_1")),
                gateUs, "µs", "<= 10 µs", gateUs <= 10, gate));

        String[] ids = {"4d", "4e", "4f", "4g"};
        int i = 0;
        Map<String, Double> pointRatios = new LinkedHashMap<>();
        for (int clients : new int[] {1, 4}) {
            for (String mode : List.of("prepared", "simple")) {
                List<String> sides = clients == 1 ? List.of("source", "guarded", "view", "filter") : List.of("source", "guarded");
                Map<String, Double> tps = pgbenchPairs(scripts, sides, mode, clients);
                double ratio = tps.get("guarded") / tps.get("source");
                pointRatios.put(mode + "_" + clients, ratio);
                String controls = clients == 1 ? "; controls: the source behind a plain view %.2fx, behind a one-time filter that calls nothing %.2fx"
                        .formatted(tps.get("view") / tps.get("source"), tps.get("filter") / tps.get("source")) : "";
                add(new Line(ids[i++], "guarded point read by key, %s, %d client%s".formatted(mode, clients, clients == 1 ? "" : "s"),
                        "guarded %,.0f vs source %,.0f statements/s (every column of one listing)%s"
                                .formatted(tps.get("guarded"), tps.get("source"), controls),
                        ratio, "x", ">= 0.90x", ratio >= 0.90, Map.of("tps", tps, "clients", clients, "mode", mode)));
            }
        }
        json.put("point_read_ratios", pointRatios);

        // Realistic reads through JDBC: a client fetching the whole feature store, and a join.
        String everything = "SELECT * FROM %s";
        String joined = "SELECT f.*, l.seller_id, l.city, l.status FROM %s f JOIN src.listings l USING (listing_id)";
        for (String[] read : List.of(new String[] {"4h", "guarded read of every column and row (JDBC)", everything},
                                     new String[] {"4i", "guarded read joined with src.listings (JDBC)", joined})) {
            List<Double> g = new ArrayList<>(), s = new ArrayList<>();
            try (Connection c = connectAs(READER)) {
                fetchAll(c, read[2].formatted(FEATURE_STORE)); // warm the cache
                for (int r = 0; r < Math.max(2 * opt.reps + 1, 7); r++) {
                    boolean guardedFirst = r % 2 == 0;
                    for (int side = 0; side < 2; side++) {
                        if ((side == 0) == guardedFirst) g.add(timed(() -> fetchAll(c, read[2].formatted(FEATURE_STORE_GUARDED))));
                        else s.add(timed(() -> fetchAll(c, read[2].formatted(FEATURE_STORE))));
                    }
                }
            }
            double pct = 100 * (median(g) - median(s)) / median(s);
            add(new Line(read[0], read[1], "guarded %.3f s vs source %.3f s (%s)".formatted(median(g), median(s), FEATURE_STORE),
                    pct, "%", "< 1%", pct < 1, Map.of("guarded_s", median(g), "source_s", median(s), "guarded_all_s", g, "source_all_s", s)));
        }

        oneTimeFilterFloor();
        registryScale(scripts);
    }

    /**
     * What any one-time filter costs a trivial aggregate over 1M rows: the gating Result node
     * passes every row on. Compares the guarded view with the source and with the source behind
     * a constant one-time filter that calls nothing ({@code WHERE (SELECT true)}): the same plan
     * shape, so the difference between those two is the gate's own cost, the rest is the floor.
     */
    void oneTimeFilterFloor() throws Exception {
        String scan = "SELECT count(*), sum(b), max(c) FROM ";
        List<Double> guarded = new ArrayList<>(), constant = new ArrayList<>(), source = new ArrayList<>();
        String plan;
        try (Connection c = connect()) {
            exec(c, "CREATE OR REPLACE VIEW bench.gate_constant_v AS SELECT * FROM bench.gate_src WHERE (SELECT true)");
            plan = explain(c, scan + "bench.gate_guarded_v");
            runQuery(c, scan + "bench.gate_src");
            for (int r = 0; r < Math.max(2 * opt.reps + 1, 7); r++) {
                // the three sides rotate, so none always runs first
                for (int side = 0; side < 3; side++) {
                    switch ((side + r) % 3) {
                        case 0 -> guarded.add(timed(() -> runQuery(c, scan + "bench.gate_guarded_v")));
                        case 1 -> constant.add(timed(() -> runQuery(c, scan + "bench.gate_constant_v")));
                        default -> source.add(timed(() -> runQuery(c, scan + "bench.gate_src")));
                    }
                }
            }
        }
        double g = median(guarded), k = median(constant), s = median(source);
        double gatePct = 100 * (g - k) / s, floorPct = 100 * (k - s) / s;
        String where = plan.contains("Partial Aggregate") && plan.indexOf("One-Time Filter") > plan.indexOf("Partial Aggregate")
                ? "below the partial aggregate, in every worker" : "above the scan";
        add(new Line("4j", "one-time filter floor, count(*) over " + opt.hashRows + " rows",
                "guarded %.3f s, constant one-time filter %.3f s, source %.3f s: the gate's own cost %+.1f%%, the floor"
                        .formatted(g, k, s, gatePct) + " (a Result node %s passing every row on) %+.1f%%".formatted(where, floorPct),
                gatePct, "%", "< 1%", gatePct < 1,
                Map.of("guarded_s", g, "constant_filter_s", k, "source_s", s, "floor_pct", floorPct, "plan", plan)));
    }

    /** The gate's cost with 1,000 targets registered and certified, against one. */
    void registryScale(Map<String, Path> scripts) throws Exception {
        Map<String, Double> before = pgbenchPairs(scripts, List.of("one", "gate", "source", "guarded"), "prepared", 1);
        int targets = 1000;
        try (Connection c = connect()) {
            exec(c, """
                    CREATE SCHEMA bench_targets;
                    DO $$
                    BEGIN
                      FOR i IN 1..%d LOOP
                        EXECUTE format('CREATE VIEW bench_targets.t%%s AS SELECT %%s AS x', i, i);
                        PERFORM audit.register_target(format('bench_targets.t%%s', i)::regclass);
                        PERFORM audit._publish_certification(audit._record_certification(format('bench_targets.t%%s', i)::regclass,
                                NULL, now(), 'bench', '[{"check": "structural", "object": "x", "passed": true, "detail": ""}]'));
                      END LOOP;
                    END $$;
                    ANALYZE audit.registry;
                    """.formatted(targets - 1));
        }
        Map<String, Double> after = pgbenchPairs(scripts, List.of("one", "gate", "source", "guarded"), "prepared", 1);
        double gateBefore = 1e6 / before.get("gate") - 1e6 / before.get("one");
        double gateAfter = 1e6 / after.get("gate") - 1e6 / after.get("one");
        double pointBefore = before.get("guarded") / before.get("source"), pointAfter = after.get("guarded") / after.get("source");
        double growth = pointBefore / pointAfter;
        add(new Line("4k", "gate with " + targets + " certified targets",
                "gate alone %.1f -> %.1f µs over SELECT 1; guarded point read %.2fx -> %.2fx the source (1 -> %d targets)"
                        .formatted(gateBefore, gateAfter, pointBefore, pointAfter, targets),
                growth, "x", "<= 1.10x", growth <= 1.10,
                Map.of("gate_us_1", gateBefore, "gate_us_1000", gateAfter, "point_ratio_1", pointBefore, "point_ratio_1000", pointAfter,
                        "tps_1", before, "tps_1000", after)));
    }

    /**
     * The runbook 001 target, refreshed, certified and behind a guarded view, with a login that
     * has no mvcert role and reads only the feature store, its guarded view and the listings.
     */
    void certifiedFeatureStore(Connection c) throws Exception {
        if (count(c, "SELECT count(*) FROM audit.registry WHERE target = '" + FEATURE_STORE + "' AND status = 'CERTIFIED'") > 0) {
            return;
        }
        boolean registered = count(c, "SELECT count(*) FROM audit.target WHERE target = '" + FEATURE_STORE + "'") > 0;
        if (!registered) {
            exec(c, "CREATE SCHEMA IF NOT EXISTS bench; SELECT audit.register_target('" + FEATURE_STORE + "', p_day_column => 'anchor_day')");
        }
        engineRun(FEATURE_STORE);
        exec(c, "SELECT audit.set_hash_days('" + FEATURE_STORE + "', (SELECT array_agg(DISTINCT anchor_day) FROM " + FEATURE_STORE + "))");
        c.setAutoCommit(false);
        Mvcert mvcert = new Mvcert(c);
        mvcert.acceptBaseline(mvcert.captureBaselines(FEATURE_STORE, "bench").captureId(), "bench: reviewed");
        c.commit();
        CertificationResult cert = mvcert.certify(FEATURE_STORE, null);
        c.commit();
        c.setAutoCommit(true);
        if (!cert.certified()) {
            throw new IllegalStateException(FEATURE_STORE + " did not certify: " + cert.failureSummary());
        }
        if (registered) {
            return;
        }
        exec(c, """
                SELECT audit.create_guarded_view('%1$s', '%2$s', interval '24 hours');
                CREATE FUNCTION bench.trivial_gate(regclass, interval) RETURNS boolean LANGUAGE plpgsql STABLE AS 'BEGIN RETURN true; END';
                GRANT EXECUTE ON FUNCTION bench.trivial_gate(regclass, interval) TO PUBLIC;
                CREATE TABLE bench.registry_copy AS SELECT target, status, certified_at FROM audit.registry;
                ALTER TABLE bench.registry_copy ADD PRIMARY KEY (target);
                GRANT SELECT ON bench.registry_copy TO PUBLIC;
                CREATE FUNCTION bench.row_gate(p_target regclass, p_max_age interval) RETURNS boolean LANGUAGE plpgsql STABLE AS $f$
                BEGIN
                  PERFORM FROM bench.registry_copy r
                   WHERE r.target = p_target::text AND r.status = 'CERTIFIED'
                     AND (now() - r.certified_at) <= CASE WHEN p_max_age > '0'::interval THEN p_max_age END;
                  RETURN FOUND;
                END $f$;
                GRANT EXECUTE ON FUNCTION bench.row_gate(regclass, interval) TO PUBLIC;
                CREATE VIEW bench.feature_store_plain_v AS SELECT * FROM %1$s;
                CREATE VIEW bench.feature_store_filtered_v AS SELECT * FROM %1$s WHERE (SELECT true);
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%3$s') THEN CREATE ROLE %3$s LOGIN; END IF;
                END $$;
                GRANT USAGE ON SCHEMA ml, bench, src TO %3$s;
                GRANT SELECT ON %1$s, %2$s, bench.feature_store_plain_v, bench.feature_store_filtered_v, src.listings TO %3$s;
                """.formatted(FEATURE_STORE, FEATURE_STORE_GUARDED, READER));
    }

    static Path script(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name + ".sql");
        Files.writeString(file, text + "\n");
        return file;
    }

    /** pgbench throughput (statements per second) of each script, median of --reps runs, sides alternating. */
    Map<String, Double> pgbenchPairs(Map<String, Path> scripts, List<String> names, String mode, int clients) throws Exception {
        Map<String, List<Double>> all = new LinkedHashMap<>();
        for (String name : names) all.put(name, new ArrayList<>());
        for (int r = 0; r < Math.max(opt.reps, 3); r++) {
            List<String> order = new ArrayList<>(names);
            if (r % 2 == 1) java.util.Collections.reverse(order);
            for (String name : order) all.get(name).add(pgbench(scripts.get(name), mode, clients));
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        all.forEach((name, tps) -> medians.put(name, median(tps)));
        say("    pgbench %s, %d client(s): %s", mode, clients, all);
        return medians;
    }

    double pgbench(Path script, String mode, int clients) throws Exception {
        return pgbench(script, mode, clients, READER);
    }

    double pgbench(Path script, String mode, int clients, String user) throws Exception {
        List<String> cmd = List.of(cluster.bindir().resolve("pgbench").toString(), "-n", "-h", "127.0.0.1",
                "-p", String.valueOf(cluster.port()), "-U", user, "-d", db, "-M", mode, "-c", String.valueOf(clients),
                "-j", String.valueOf(clients), "-T", String.valueOf(opt.pgbenchSeconds), "-f", script.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.writeString(logDir.resolve("pgbench.log"), String.join(" ", cmd) + "\n" + out + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tps = ([0-9.]+)").matcher(out);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || !m.find()) {
            throw new IllegalStateException("pgbench " + script + " failed; see " + logDir.resolve("pgbench.log"));
        }
        return Double.parseDouble(m.group(1));
    }

    Connection connectAs(String role) throws SQLException {
        return java.sql.DriverManager.getConnection(cluster.jdbcUrl(db), role, "");
    }

    /** Reads every column of every row, as a client would (streamed: a cursor, 10,000 rows a fetch). */
    static void fetchAll(Connection c, String sql) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery(sql)) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= columns; i++) rs.getObject(i);
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(autoCommit);
        }
    }

    // --- 7. data size: the feature store at the default scale and --scale-factor times it ------

    /** How the hash and guarded-read ratios move when the example feature store grows. */
    void dataScale() throws Exception {
        int big = opt.scale * opt.scaleFactor;
        step("7. data size: the survival example's feature store at scale " + opt.scale + " and " + big);
        try (Connection c = connect()) {
            certifiedFeatureStore(c);
        }
        Map<String, Double> small = scaleFigures();
        String mainDb = db;
        db = cluster.createDatabase("bench_big");
        Map<String, Double> large;
        try {
            long t0 = System.nanoTime();
            try (Connection c = connect()) {
                ExamplePipeline.SURVIVAL.load(c, opt.root, big);
                certifiedFeatureStore(c);
            }
            say("    loaded, refreshed and certified scale %d in %.0f s", big, (System.nanoTime() - t0) / 1e9);
            large = scaleFigures();
        } finally {
            db = mainDb;
        }
        String at = "scale %d -> %d (%,.0f -> %,.0f rows)".formatted(opt.scale, big, small.get("rows"), large.get("rows"));
        // the feature store is a four-way join of wide rows: the hash's lead over md5 is smaller
        // than on line 3's table; what matters here is that it holds as the data grows
        double held = large.get("md5_over_hash") / small.get("md5_over_hash");
        add(new Line("7a", "feature store hash vs md5(string_agg), growing data",
                "%.1fx -> %.1fx faster than md5, %.1fx -> %.1fx the count(*) floor; %s".formatted(small.get("md5_over_hash"),
                        large.get("md5_over_hash"), small.get("hash_over_count"), large.get("hash_over_count"), at),
                held, "x held", ">= 0.90x", held >= 0.90, Map.of("small", small, "large", large)));
        add(new Line("7b", "guarded read of every row, growing data",
                "%+.1f%% -> %+.1f%% over the source (JDBC, every column); %s".formatted(small.get("full_read_pct"),
                        large.get("full_read_pct"), at),
                large.get("full_read_pct"), "%", "< 1%", large.get("full_read_pct") < 1, Map.of("small", small, "large", large)));
        add(new Line("7c", "guarded point read, growing data",
                "%.2fx -> %.2fx the source (pgbench, prepared, 1 client); %s".formatted(small.get("point_ratio"),
                        large.get("point_ratio"), at),
                large.get("point_ratio"), "x", ">= 0.90x", large.get("point_ratio") >= 0.90, Map.of("small", small, "large", large)));
    }

    /** Hash, full-read and point-read figures of the certified feature store in the current database. */
    Map<String, Double> scaleFigures() throws Exception {
        Map<String, Double> f = new LinkedHashMap<>();
        List<LocalDate> days = new ArrayList<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT DISTINCT anchor_day FROM " + FEATURE_STORE + " ORDER BY 1")) {
            while (rs.next()) days.add(rs.getDate(1).toLocalDate());
        }
        String md5 = "SELECT anchor_day, count(*), md5(string_agg(t::text, '' ORDER BY listing_id)) FROM " + FEATURE_STORE + " t GROUP BY 1";
        String cnt = "SELECT anchor_day, count(*) FROM " + FEATURE_STORE + " t GROUP BY 1";
        List<Double> tHash = new ArrayList<>(), tMd5 = new ArrayList<>(), tCnt = new ArrayList<>();
        for (int r = 0; r < opt.reps; r++) {
            tCnt.add(timed(() -> query(cnt)));
            tHash.add(timed(() -> {
                try (Connection c = connect()) {
                    DatasetHasher.hash(c, FEATURE_STORE, "anchor_day", days);
                }
            }));
            tMd5.add(timed(() -> query(md5)));
        }
        try (Connection c = connect()) {
            f.put("rows", (double) count(c, "SELECT count(*) FROM " + FEATURE_STORE));
        }
        f.put("days", (double) days.size());
        f.put("hash_s", median(tHash));
        f.put("md5_s", median(tMd5));
        f.put("count_s", median(tCnt));
        f.put("md5_over_hash", median(tMd5) / median(tHash));
        f.put("hash_over_count", median(tHash) / median(tCnt));
        List<Double> g = new ArrayList<>(), s = new ArrayList<>();
        try (Connection c = connectAs(READER)) {
            fetchAll(c, "SELECT * FROM " + FEATURE_STORE);
            for (int r = 0; r < Math.max(2 * opt.reps + 1, 5); r++) {
                boolean guardedFirst = r % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == guardedFirst) g.add(timed(() -> fetchAll(c, "SELECT * FROM " + FEATURE_STORE_GUARDED)));
                    else s.add(timed(() -> fetchAll(c, "SELECT * FROM " + FEATURE_STORE)));
                }
            }
        }
        f.put("full_read_guarded_s", median(g));
        f.put("full_read_source_s", median(s));
        f.put("full_read_pct", 100 * (median(g) - median(s)) / median(s));
        long maxId;
        try (Connection c = connect()) {
            maxId = count(c, "SELECT max(listing_id) FROM " + FEATURE_STORE);
        }
        Path dir = opt.root.resolve("bench/results/pgbench");
        Files.createDirectories(dir);
        Map<String, Path> scripts = Map.of(
                "source", script(dir, "source_" + db, "\\set id random(1, " + maxId + ")\nSELECT * FROM " + FEATURE_STORE + " WHERE listing_id = :id;"),
                "guarded", script(dir, "guarded_" + db, "\\set id random(1, " + maxId + ")\nSELECT * FROM " + FEATURE_STORE_GUARDED + " WHERE listing_id = :id;"));
        Map<String, Double> tps = pgbenchPairs(scripts, List.of("source", "guarded"), "prepared", 1);
        f.put("point_ratio", tps.get("guarded") / tps.get("source"));
        say("    %s: %s", db, f);
        return f;
    }

    // --- 5. scale: 1,000 matviews in 10 levels ----------------------------------------------

    void catalogScale() throws Exception {
        int levels = 10, width = opt.catalogViews / levels;
        step("5. scale: a catalog of " + levels * width + " materialized views in a " + levels + "-level DAG");
        String catDb = cluster.createDatabase("bench_catalog");
        try (Connection c = cluster.connect(catDb)) {
            StringBuilder ddl = new StringBuilder("CREATE SCHEMA cat;\n");
            for (int b = 0; b < 10; b++) {
                ddl.append("CREATE TABLE cat.base_%d AS SELECT g AS id, g %% 7 AS v FROM generate_series(1, 100) g;\n".formatted(b));
            }
            for (int j = 0; j < width; j++) {
                ddl.append("CREATE MATERIALIZED VIEW cat.m0_%d AS SELECT id, v FROM cat.base_%d;\n".formatted(j, j % 10));
            }
            for (int l = 1; l < levels; l++) {
                for (int j = 0; j < width; j++) {
                    ddl.append("CREATE MATERIALIZED VIEW cat.m%d_%d AS SELECT a.id, a.v + b.v AS v FROM cat.m%d_%d a JOIN cat.m%d_%d b USING (id);\n"
                            .formatted(l, j, l - 1, j, l - 1, (j + 1) % width));
                }
            }
            ddl.append("CREATE VIEW cat.entry_v AS ");
            for (int j = 0; j < width; j++) {
                ddl.append(j == 0 ? "" : " UNION ALL ").append("SELECT id, v FROM cat.m%d_%d".formatted(levels - 1, j));
            }
            ddl.append(";\nSELECT audit.register_target('cat.entry_v', 'bench: synthetic catalog');\nANALYZE;\n");
            exec(c, ddl.toString());
            int planned = count(c, "SELECT count(*) FROM audit.refresh_plan('cat.entry_v')");
            // Reviewed definition baselines, so certification compares all 1,000 definitions.
            c.setAutoCommit(false);
            Mvcert reviewer = new Mvcert(c);
            reviewer.acceptBaseline(reviewer.captureBaselines("cat.entry_v", "bench").captureId(), "bench: reviewed");
            c.commit();
            c.setAutoCommit(true);
            List<Double> plan = new ArrayList<>(), certify = new ArrayList<>();
            String status = null;
            int checks = 0;
            for (int r = 0; r < opt.reps; r++) {
                plan.add(timed(() -> new Mvcert(c).plan("cat.entry_v")));
                c.setAutoCommit(false);
                long s = System.nanoTime();
                CertificationResult result = new Mvcert(c).certify("cat.entry_v", null);
                c.commit();
                certify.add((System.nanoTime() - s) / 1e9);
                c.setAutoCommit(true);
                status = result.certified() ? "CERTIFIED" : "FAILED: " + result.failureSummary();
                checks = result.results().size();
            }
            double p = median(plan), ce = median(certify);
            add(new Line("5a", "scale: plan of " + planned + " matviews, 10 levels", "%.3f s".formatted(p), p, "s", "< 1 s", p < 1,
                    Map.of("plan_s", p, "matviews", planned, "all_s", plan)));
            add(new Line("5b", "scale: certification of " + planned + " matviews (no dataset hashes)",
                    "%.2f s (%d check results, %s)".formatted(ce, checks, status.length() > 60 ? status.substring(0, 60) + "..." : status),
                    ce, "s", "< 5 s", ce < 5, Map.of("certify_s", ce, "status", status, "checks", checks, "all_s", certify)));
        }
    }

    // --- 9. run report at scale ----------------------------------------------------------------

    /** The run report (mvcert report, GET /report) of a 1,000-view synthetic catalog: read and render, then render alone. */
    void reportScale() throws Exception {
        int levels = 10;
        dev.mvcert.local.SyntheticCatalog catalog = new dev.mvcert.local.SyntheticCatalog(levels, opt.catalogViews / levels, 10);
        step("9. run report of a " + catalog.views() + "-view synthetic catalog (recorded run history, hostile names)");
        String reportDb = cluster.createDatabase("bench_report");
        try (Connection c = cluster.connect(reportDb)) {
            catalog.create(c);
            catalog.recordRun(c, false);
            catalog.recordCertification(c, catalog.recordRun(c, true));
            c.setAutoCommit(false);
            List<Double> whole = new ArrayList<>(), render = new ArrayList<>();
            int bytes = 0;
            for (int r = 0; r < Math.max(3, opt.reps); r++) {
                long s = System.nanoTime();
                bytes = dev.mvcert.agent.report.RunReportPage.of(c, dev.mvcert.local.SyntheticCatalog.TARGET, null).html().length();
                whole.add((System.nanoTime() - s) / 1e9);
                dev.mvcert.agent.report.RunReport data = dev.mvcert.agent.report.RunReportReader.read(c, dev.mvcert.local.SyntheticCatalog.TARGET, null);
                render.add(timed(() -> dev.mvcert.agent.report.RunReportPage.render(data)));
            }
            double w = median(whole), rr = median(render);
            add(new Line("9", "run report of " + catalog.views() + " views (read + render)",
                    "%.2f s, of which rendering %.3f s; %d KB of HTML, collapsed by schema and level".formatted(w, rr, bytes / 1024),
                    w, "s", "< 2 s", w < 2, Map.of("report_s", w, "render_s", rr, "html_bytes", bytes, "all_s", whole)));
        }
    }

    // --- 6. agent footprint -----------------------------------------------------------------

    void agentFootprint() throws Exception {
        step("6. agent footprint: mvcert serve idle and during a legacy run");
        if (!cliAvailable) {
            add(new Line("6", "agent footprint", "not measured: the agent CLI (mvcert serve) is not in " + opt.agentJar,
                    Double.NaN, "MB", "< 256 MB", null, Map.of()));
            return;
        }
        regenerate(0.77);
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", opt.agentJar.toString(), "serve",
                "--jdbc-url", cluster.jdbcUrl(db), "-U", cluster.superuser(), "--agent-name", "bench-footprint",
                "--http-port", "0", "--poll-interval", "1s", "--parallel", opt.parallel));
        Process serve = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logDir.resolve("serve.log").toFile()).start();
        try {
            Path status = Path.of("/proc/" + serve.pid() + "/status");
            try (Connection c = connect()) {
                waitFor(() -> count(c, "SELECT count(*) FROM audit.agent WHERE name = 'bench-footprint' AND stopped_at IS NULL") > 0, 60);
            }
            Thread.sleep(5000);
            double idle = procKb(status, "VmRSS:") / 1024.0;
            long requestId;
            try (Connection c = connect()) {
                requestId = count(c, "SELECT audit.request_run('" + LEGACY_TARGET + "', 'incremental', 'bench footprint')");
            }
            double peak = idle;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            try (Connection c = connect()) {
                while (System.nanoTime() < deadline) {
                    peak = Math.max(peak, procKb(status, "VmRSS:") / 1024.0);
                    String st = text(c, "SELECT status FROM audit.run_request WHERE request_id = " + requestId);
                    if (!"queued".equals(st) && !"claimed".equals(st)) break;
                    Thread.sleep(50);
                }
            }
            double hwm = procKb(status, "VmHWM:") / 1024.0;
            peak = Math.max(peak, hwm);
            add(new Line("6", "agent footprint (mvcert serve RSS)", "idle %.0f MB, during the legacy run peak %.0f MB".formatted(idle, peak),
                    peak, "MB", "< 256 MB", peak < 256, Map.of("idle_rss_mb", round(idle, 1), "peak_rss_mb", round(peak, 1))));
        } finally {
            serve.destroy(); // SIGTERM: graceful shutdown
            if (!serve.waitFor(40, TimeUnit.SECONDS)) serve.destroyForcibly();
        }
    }

    // --- 10. change detection: what its event triggers cost DDL and REFRESH outside any closure ----

    void changeDetectionCost() throws Exception {
        step("10. change detection: DDL and REFRESH outside every certified closure, event triggers on and off (pgbench)");
        try (Connection c = connect()) {
            certifiedFeatureStore(c); // at least one certified closure, so the triggers have something to look up
            exec(c, """
                    CREATE SCHEMA IF NOT EXISTS bench;
                    CREATE TABLE bench.ddl_t (id int PRIMARY KEY, v int NOT NULL);
                    INSERT INTO bench.ddl_t SELECT g, g FROM generate_series(1, 10) g;
                    CREATE MATERIALIZED VIEW bench.ddl_mv AS SELECT id, v FROM bench.ddl_t;
                    """);
            if (count(c, "SELECT count(*) FROM pg_event_trigger WHERE evtfoid IN ('audit._on_closure_ddl'::regproc, 'audit._on_closure_drop'::regproc)") < 2) {
                add(new Line("10", "change detection: DDL outside closures", "not measured: change detection is not installed here",
                        Double.NaN, "µs", "< 1000 µs", null, Map.of()));
                return;
            }
        }
        Path dir = opt.root.resolve("bench/results/pgbench");
        Files.createDirectories(dir);
        Map<String, Path> scripts = new LinkedHashMap<>();
        scripts.put("ddl", script(dir, "ddl", "CREATE TABLE bench.ddl_probe (id int);\nDROP TABLE bench.ddl_probe;"));
        scripts.put("refresh", script(dir, "refresh", "REFRESH MATERIALIZED VIEW bench.ddl_mv;"));
        Map<String, Integer> statements = Map.of("ddl", 2, "refresh", 1);
        Map<String, Map<String, List<Double>>> tps = new LinkedHashMap<>();
        for (String name : scripts.keySet()) tps.put(name, Map.of("on", new ArrayList<>(), "off", new ArrayList<>()));
        try {
            for (int r = 0; r < Math.max(opt.reps, 3); r++) {
                List<String> states = r % 2 == 0 ? List.of("on", "off") : List.of("off", "on");
                for (String state : states) {
                    eventTriggers(state.equals("on"));
                    for (String name : scripts.keySet()) {
                        tps.get(name).get(state).add(pgbench(scripts.get(name), "simple", 1, cluster.superuser()));
                    }
                }
            }
        } finally {
            eventTriggers(true);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        double worst = 0;
        List<String> parts = new ArrayList<>();
        for (String name : scripts.keySet()) {
            double on = median(tps.get(name).get("on")), off = median(tps.get(name).get("off"));
            double us = (1e6 / on - 1e6 / off) / statements.get(name);
            worst = Math.max(worst, us);
            parts.add("%s %.0f µs a statement (%.0f vs %.0f tps)".formatted(name.equals("ddl") ? "CREATE/DROP TABLE" : "REFRESH of a 10-row view",
                    us, on, off));
            data.put(name + "_us", us);
            data.put(name + "_tps_on", tps.get(name).get("on"));
            data.put(name + "_tps_off", tps.get(name).get("off"));
        }
        add(new Line("10", "change detection: DDL outside closures", String.join("; ", parts) + " (triggers on vs off, 1 client)",
                worst, "µs", "< 1000 µs", worst < 1000, data));
    }

    /** Enables (ALWAYS, as audit.enable_change_detection leaves them) or disables mvcert's change-detection event triggers. */
    void eventTriggers(boolean on) throws SQLException {
        try (Connection c = connect()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT evtname FROM pg_event_trigger WHERE evtfoid IN ('audit._on_closure_ddl'::regproc, 'audit._on_closure_drop'::regproc)")) {
                while (rs.next()) names.add(rs.getString(1));
            }
            for (String name : names) {
                try (PreparedStatement ps = c.prepareStatement("SELECT format('ALTER EVENT TRIGGER %I " + (on ? "ENABLE ALWAYS" : "DISABLE") + "', ?::text)")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        exec(c, rs.getString(1));
                    }
                }
            }
        }
    }

    // --- running things -----------------------------------------------------------------------

    /** One `mvcert run`: wall time (JVM start included), the run's own duration, views skipped, step time, views at once. */
    record AgentRun(double wall, double refresh, long runId, int skipped, double stepSum, int parallelism, String status, double stepsSpan) {}

    String agentLabel() {
        return agentLabel(opt.parallel);
    }

    String agentLabel(String parallel) {
        return cliAvailable ? "mvcert run --parallel " + parallel : "engine (sequential, in-process)";
    }

    AgentRun agentRun(String target) throws Exception {
        return agentRun(target, opt.parallel);
    }

    AgentRun agentRun(String target, String parallel) throws Exception {
        return agentRun(target, parallel, null);
    }

    /**
     * One run of the target through `mvcert run` (a separate process), or the engine when the CLI
     * is absent; {@code order} null: the target's step order.
     */
    AgentRun agentRun(String target, String parallel, String order) throws Exception {
        long before;
        try (Connection c = connect()) {
            before = count(c, "SELECT coalesce(max(run_id), 0) FROM audit.run");
        }
        double wall;
        String output = "";
        if (cliAvailable) {
            // the README's launcher: the JVM options of short commands and the agent's class-data archive
            List<String> cmd = new ArrayList<>(List.of(launcher().toString(),
                    "run", "--target", target, "--parallel", parallel, "--no-progress",
                    "--jdbc-url", cluster.jdbcUrl(db), "-U", cluster.superuser()));
            if (order != null) {
                cmd.addAll(List.of("--order", order));
            }
            Path out = Files.createTempFile(logDir, "run", ".log");
            long s = System.nanoTime();
            Process p = launch(new ProcessBuilder(cmd)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("mvcert run timed out");
            }
            wall = (System.nanoTime() - s) / 1e9;
            output = Files.readString(out);
            Files.writeString(logDir.resolve("mvcert-run.log"), "$ mvcert run --target " + target + " --parallel " + parallel + (order == null ? "" : " --order " + order) + "\n" + output,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Files.delete(out);
            // 0 certified, 5 refreshed but not certified (the legacy pipeline is not T0-safe): both refreshed everything
            if (p.exitValue() != 0 && p.exitValue() != 5) {
                throw new IllegalStateException("mvcert run exited " + p.exitValue() + "; see " + logDir.resolve("mvcert-run.log"));
            }
        } else {
            long s = System.nanoTime();
            engineRun(target);
            wall = (System.nanoTime() - s) / 1e9;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("run \\d+: (\\d+) view\\(s\\) at once").matcher(output);
        int views = m.find() ? Integer.parseInt(m.group(1)) : 1;
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("""
                SELECT r.run_id, extract(epoch FROM r.finished_at - r.started_at)::float8,
                       (SELECT count(*) FROM audit.step s WHERE s.run_id = r.run_id AND s.status = 'skipped')::int,
                       (SELECT count(*) FROM audit.step s WHERE s.run_id = r.run_id AND s.status = 'failed')::int, r.status,
                       (SELECT coalesce(extract(epoch FROM sum(s.duration)), 0)::float8 FROM audit.step s WHERE s.run_id = r.run_id),
                       (SELECT coalesce(extract(epoch FROM greatest(max(s.finished_at), max(pg_xact_commit_timestamp(s.xmin))) - r.started_at), 0)::float8
                          FROM audit.step s WHERE s.run_id = r.run_id)
                FROM audit.run r WHERE r.run_id > %d AND r.target = '%s' ORDER BY r.run_id DESC LIMIT 1""".formatted(before, target))) {
            if (!rs.next()) throw new IllegalStateException("no run of " + target + " was recorded");
            if (rs.getInt(4) > 0) throw new IllegalStateException("run " + rs.getLong(1) + " of " + target + " had failed steps");
            return new AgentRun(wall, rs.getDouble(2), rs.getLong(1), rs.getInt(3), rs.getDouble(6), views, rs.getString(5), rs.getDouble(7));
        }
    }

    /** A sequential incremental run through the agent's run path in this JVM (bootstrap, and the fallback without the CLI). */
    void engineRun(String target) throws SQLException {
        AgentSettings settings = new AgentSettings();
        settings.parallel = 1;
        settings.httpPort = -1;
        ConnectionSettings connection = ConnectionSettings.resolve(cluster.jdbcUrl(db), cluster.superuser(), null, Map.of(),
                Path.of(System.getProperty("user.home")));
        try (AgentRuntime agent = new AgentRuntime(connection, settings, java.util.Set.of())) {
            RunResult result = agent.executor().run(agent.executor().request(target, "bench").withMode(RunMode.INCREMENTAL),
                    RunListener.NONE);
            if (result.outcome() == RunOutcome.REFRESH_FAILED || result.outcome() == RunOutcome.CANCELLED) {
                throw new IllegalStateException("run of " + target + " ended " + result.outcome().sqlName() + ": " + result.reason());
            }
        }
    }

    double psqlScript(Path file) throws Exception {
        List<String> cmd = List.of(cluster.bindir().resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", String.valueOf(cluster.port()), "-U", cluster.superuser(), "-d", db, "-f", file.toString());
        long s = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("psql.log").toFile())).start();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("psql -f " + file + " failed; see " + logDir.resolve("psql.log"));
        }
        return (System.nanoTime() - s) / 1e9;
    }

    // --- small helpers -------------------------------------------------------------------------

    interface SqlWork { void run(Connection c) throws Exception; }
    interface Timed { void run() throws Exception; }
    interface Condition { boolean met() throws Exception; }

    Connection connect() throws SQLException {
        return cluster.connect(db);
    }

    static double timed(Timed t) throws Exception {
        long s = System.nanoTime();
        t.run();
        return (System.nanoTime() - s) / 1e9;
    }

    void query(String sql) throws SQLException {
        try (Connection c = connect()) {
            runQuery(c, sql);
        }
    }

    static void runQuery(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    static String explain(Connection c, String sql) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN (COSTS OFF) " + sql)) {
            while (rs.next()) b.append(rs.getString(1)).append('\n');
        }
        return b.toString();
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static int count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return (int) rs.getLong(1);
        }
    }

    static String text(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void waitFor(Condition condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.met()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out after " + seconds + " s");
            Thread.sleep(200);
        }
    }

    static long procKb(Path status, String field) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not in " + status);
    }

    static boolean hasCli(Path jar) {
        if (!Files.isRegularFile(jar)) return false;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            return z.getEntry("dev/mvcert/agent/cli/Main.class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** agent/bin/mvcert, as the README runs commands. */
    Path launcher() {
        return opt.root.resolve("agent/bin/mvcert");
    }

    /** The launcher's environment: the jar under test, and the JDK that runs this bench. */
    ProcessBuilder launch(ProcessBuilder pb) {
        pb.environment().put("MVCERT_JAR", opt.agentJar.toAbsolutePath().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    /**
     * The launcher writes the agent's class-data archive when a command first connects and takes
     * it into use at the next start: both happen here, before anything is timed.
     */
    void prepareLauncher() throws Exception {
        if (!cliAvailable) return;
        // a run of this bench's own: the archive holds what a run loads
        agentRun(LEGACY_TARGET);
        Process p = launch(new ProcessBuilder(launcher().toString(), "--version")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("mvcert --version failed while preparing the launcher");
        }
        if (!Files.isRegularFile(archive())) {
            say("NOTE: the launcher wrote no class-data archive (%s); runs start without it", archive());
        }
    }

    /** Where the launcher keeps the class-data archive of the jar under test. */
    Path archive() {
        String jar = opt.agentJar.toAbsolutePath().toString();
        return Path.of(jar.substring(0, jar.length() - ".jar".length()) + ".jsa");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String machine() {
        String cpus = Runtime.getRuntime().availableProcessors() + " cores";
        String mem = "";
        String os = System.getProperty("os.name");
        try {
            long kb = procKb(Path.of("/proc/meminfo"), "MemTotal:");
            mem = ", " + Math.round(kb / 1024.0 / 1024.0) + " GiB";
            for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (l.startsWith("PRETTY_NAME=")) os = l.substring(12).replace("\"", "");
            }
            String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            return cpus + mem + ", " + os + ", PostgreSQL 15, load " + load + " at start";
        } catch (Exception e) {
            return cpus + mem + ", " + os;
        }
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (a.length == 0) return Double.NaN;
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static double last(List<Double> xs) {
        return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    // --- 8. real clients ------------------------------------------------------------------------

    /**
     * pgbench as the reader and as the writer while `mvcert serve` publishes generations of the
     * generations example (sql/examples/generations), alternating atomic and incremental runs,
     * one of them poisoned: the full-length version of PgBenchLoadIT.
     */
    void realClients() {
        step("8. real clients: pgbench readers through the guarded view and writers at a fixed rate while mvcert serve runs");
        if (!cliAvailable) {
            add(new Line("8a", "pgbench readers, guarded vs unguarded", "not measured: no agent CLI in " + opt.agentJar,
                    Double.NaN, "x", ">= 0.97x", null, Map.of()));
            return;
        }
        GenerationsLoad load = GenerationsLoad.prepare(cluster, cluster.createDatabase("generations"),
                (args, log) -> {
                    List<String> cmd = new ArrayList<>(List.of(java(), "-jar", opt.agentJar.toString()));
                    cmd.addAll(args);
                    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                }, logDir.resolve("pgbench"), 1000);
        GenerationsLoad.ReaderReport readers = load.readers(Duration.ofSeconds(60), 8, Duration.ofSeconds(3));
        say("  %s", readers.summary());
        readers.problems().forEach(p -> say("  PROBLEM: %s", p));
        double ratio = readers.tpsRatio();
        add(new Line("8a", "pgbench readers, guarded vs unguarded (8+8 clients, 60 s)",
                "%.0f vs %.0f tps while %d generations were published".formatted(readers.guarded().tps(), readers.source().tps(),
                        readers.generations().size()),
                ratio, "x", ">= 0.97x", ratio >= 0.97,
                Map.of("guarded_tps", readers.guarded().tps(), "unguarded_tps", readers.source().tps(),
                        "generations", readers.generations().toString(), "outcomes", readers.outcomes().toString())));
        add(new Line("8b", "pgbench readers: uncertified reads", readers.problems().isEmpty()
                ? "guarded reads got " + readers.outcomes().getOrDefault("guarded_point", Set.of()) + "; certified "
                        + readers.certifiedGenerations()
                : String.join("; ", readers.problems()),
                readers.uncertifiedReads().size(), "reads", "0", readers.problems().isEmpty(),
                Map.of("uncertified", readers.uncertifiedReads().toString(), "problems", readers.problems())));
        GenerationsLoad.WriterReport writers = load.writers(Duration.ofSeconds(60), 200, Duration.ofSeconds(1));
        say("  %s", writers.summary());
        writers.problems().forEach(p -> say("  PROBLEM: %s", p));
        double quiet = writers.quiet().latencyPercentileMs(0.99);
        double during = writers.duringRuns().latencyPercentileMs(0.99);
        add(new Line("8c", "pgbench writers at 200 tps: p99 latency during runs",
                "p50/p95/p99 %.2f/%.2f/%.2f ms during %d runs vs %.2f/%.2f/%.2f ms without; %d failed, %d deadlocks".formatted(
                        writers.duringRuns().latencyPercentileMs(0.5), writers.duringRuns().latencyPercentileMs(0.95), during,
                        writers.runs().size(), writers.quiet().latencyPercentileMs(0.5), writers.quiet().latencyPercentileMs(0.95), quiet,
                        writers.quiet().failures() + writers.duringRuns().failures(), writers.deadlocks().size()),
                during, "ms", "0 writer errors", writers.problems().isEmpty(),
                Map.of("p99_quiet_ms", quiet, "p99_during_runs_ms", during, "problems", writers.problems())));
    }

    void add(Line line) {
        lines.add(line);
        System.out.println(line.format());
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    static void step(String what) {
        System.out.printf(Locale.ROOT, "[%tT] %s%n", System.currentTimeMillis(), what);
    }

    /** One printed result: the figure, its unit, the goal and whether it was met (null: not measured). */
    record Line(String id, String name, String detail, double value, String unit, String goal, Boolean met, Map<String, Object> extra) {
        String format() {
            String v = Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, unit.equals("x") ? "%.2f" : "%.1f", value);
            String verdict = met == null ? "NOT MEASURED" : met ? "ok" : "MISSED";
            return String.format(Locale.ROOT, "%-3s %-52s %8s %-9s goal %-18s %-6s | %s", id, name, v, unit, goal, verdict, detail);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("name", name);
            m.put("value", Double.isNaN(value) ? null : round(value, 4));
            m.put("unit", unit);
            m.put("goal", goal);
            m.put("met", met);
            m.put("detail", detail);
            m.put("data", extra);
            return m;
        }
    }

    record Options(int scale, int reps, String parallel, int chainRows, int hashRows, int catalogViews, Path root, Path out,
                   Path agentJar, Set<Integer> only, int pgbenchSeconds, int scaleFactor) {
        static Options parse(String[] args) {
            Map<String, String> a = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("usage: Bench --root DIR [--scale N] [--reps N] [--parallel N] "
                            + "[--chain-rows N] [--hash-rows N] [--catalog-views N] [--only 1,2,...] [--out FILE] [--agent-jar FILE]"
                            + " [--pgbench-seconds N] [--scale-factor N]; got " + args[i]);
                }
                a.put(args[i].substring(2), args[++i]);
            }
            Path root = Path.of(a.getOrDefault("root", ".")).toAbsolutePath().normalize();
            int scale = Integer.parseInt(a.getOrDefault("scale", "30000"));
            Set<Integer> only = new TreeSet<>();
            for (String s : a.getOrDefault("only", "1,2,3,4,5,6,7,8,9,10").split(",")) only.add(Integer.parseInt(s.trim()));
            return new Options(scale, Integer.parseInt(a.getOrDefault("reps", "3")),
                    a.getOrDefault("parallel", "auto"),
                    Integer.parseInt(a.getOrDefault("chain-rows", "300000")),
                    Integer.parseInt(a.getOrDefault("hash-rows", "1000000")),
                    Integer.parseInt(a.getOrDefault("catalog-views", "1000")),
                    root, Path.of(a.getOrDefault("out", root.resolve("bench/results/latest.json").toString())),
                    Path.of(a.getOrDefault("agent-jar", root.resolve("agent/target/mvcert.jar").toString())), only,
                    Integer.parseInt(a.getOrDefault("pgbench-seconds", "3")), Integer.parseInt(a.getOrDefault("scale-factor", "10")));
        }
    }
}
