package dev.mvcert.agent.demo;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.local.ExamplePipeline;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The guided tour: the survival feature store of runbook 001 is refreshed in parallel,
 * certified and read through its guarded view; then a time-of-query token is slipped into the
 * entry view, certification fails and the guarded read fails closed; then the view is
 * restored and certified again. Each step says what it shows.
 */
public final class Demo {

    public static final String TARGET = "ml.survival_feature_store_t0_v1_v";
    /** What training and export jobs read: the target behind the fail-closed gate. */
    public static final String GUARDED = "ml.survival_feature_store_guarded_v";
    private static final String CREATE_GUARDED = "SELECT audit.create_guarded_view('" + TARGET + "', '" + GUARDED + "', interval '24 hours')";

    private final PrintStream out;
    private final AgentRuntime agent;
    private final Path projectRoot;

    public Demo(PrintStream out, AgentRuntime agent, Path projectRoot) {
        this.out = out;
        this.agent = agent;
        this.projectRoot = projectRoot;
    }

    /** Returns true when every step behaved as the demo expects. */
    public boolean run(int scale) throws SQLException {
        boolean ok = true;
        step("1. Load the survival/time-on-market feature store (runbook 001) with synthetic data, scale " + scale);
        long t0 = System.nanoTime();
        try (Connection c = agent.database().autocommit()) {
            ExamplePipeline.SURVIVAL.load(c, projectRoot, scale);
            execute(c, "SELECT audit.register_target('" + TARGET + "', p_run_mode => 'atomic')");
            execute(c, CREATE_GUARDED);
        }
        out.println("   guarded view for readers: " + GUARDED + " = every row of " + TARGET
                + " while it is certified and younger than 24 hours, else audit.require_certified's error");
        out.printf("   loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        step("2. The refresh plan: dependency order, levels (same level = parallel), CONCURRENTLY or why not");
        try (Connection c = agent.database().autocommit()) {
            RefreshPlan plan = new Mvcert(c).plan(TARGET);
            for (PlannedView v : plan.views()) {
                out.printf("   %d. [level %d] %-55s %s%s%n", v.step(), v.level(), v.matview(), v.reason() == null ? v.mode() : v.reason(),
                        v.warning() == null ? "" : "  (" + v.warning() + ")");
            }
        }

        step("3. Record the reviewed baseline (in production: a reviewed, recorded step: mvcert baseline capture/accept)");
        try (Connection c = agent.database().transactional()) {
            Mvcert engine = new Mvcert(c);
            long capture = engine.captureBaselines(TARGET, "demo: initial baseline").captureId();
            int changed = engine.acceptBaseline(capture, "demo: initial baseline, reviewed by the demo");
            c.commit();
            out.println("   baseline capture " + capture + " accepted (" + changed + " entries)");
        }

        step("4. Refresh in parallel (" + agent.settings().parallel + " connections) and certify");
        RunResult first = runIncremental();
        ok &= first.certified();

        step("5. Read through the guarded view " + GUARDED + ": succeeds while the target is certified");
        ok &= read(true);

        step("6. Someone adds now() to the entry view (runbook 001 failure class 2: time-of-query token)");
        String original;
        try (Connection c = agent.database().autocommit()) {
            original = viewDefinition(c, TARGET);
            execute(c, "CREATE OR REPLACE VIEW " + TARGET + " AS SELECT q.*, now() AS read_at FROM (" + strip(original) + ") q");
        }
        out.println("   CREATE OR REPLACE VIEW " + TARGET + " AS SELECT q.*, now() AS read_at FROM (...) q");
        out.println("   the change is caught in its own transaction: the target is STALE before anyone certifies again");
        ok &= read(false);

        step("7. Certification fails and names the problem");
        RunResult failed = certify();
        ok &= failed.outcome() == RunOutcome.NOT_CERTIFIED;

        step("8. The guarded read now fails closed");
        ok &= read(false);

        step("9. Restore the entry view, certify again, read again");
        try (Connection c = agent.database().transactional()) {
            // A column cannot be removed with CREATE OR REPLACE: drop and re-create, guarded view included.
            execute(c, "DROP VIEW " + TARGET + " CASCADE");
            execute(c, "CREATE VIEW " + TARGET + " AS " + strip(original));
            execute(c, CREATE_GUARDED);
            c.commit();
        }
        RunResult restored = certify();
        ok &= restored.certified();
        ok &= read(true);

        step(ok ? "Demo finished: every step behaved as described." : "Demo finished, but a step did not behave as described (see above).");
        return ok;
    }

    private RunResult runIncremental() throws SQLException {
        RunResult outcome = agent.executor().run(agent.executor().request(TARGET, "demo").withMode(RunMode.INCREMENTAL), RunListener.NONE);
        report(outcome);
        try (Connection c = agent.database().autocommit(); PreparedStatement ps = c.prepareStatement(
                "SELECT matview, status, coalesce(skip_reason, mode_used, '') AS how, to_char(extract(epoch FROM duration), 'FM990.000') AS seconds, "
                        + "rows_after FROM audit.step WHERE run_id = ? ORDER BY started_at")) {
            ps.setLong(1, outcome.runId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.printf("   %-55s %-9s %-13s %7s s %8s rows%n", rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5));
                }
            }
        }
        return outcome;
    }

    private RunResult certify() throws SQLException {
        RunResult outcome = agent.executor().run(agent.executor().request(TARGET, "demo").withMode(RunMode.CERTIFY), RunListener.NONE);
        report(outcome);
        return outcome;
    }

    private void report(RunResult outcome) {
        out.printf("   => %s in %.2f s%n", outcome.outcome().sqlName().replace('_', ' '), outcome.duration().toMillis() / 1000.0);
        for (String check : outcome.failedChecks()) {
            out.println("      failed check: " + check);
        }
    }

    private boolean read(boolean expectSuccess) {
        try (Connection c = agent.database().autocommit(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + GUARDED)) {
            rs.next();
            out.println("   SELECT count(*) FROM " + GUARDED + "  ->  " + rs.getLong(1) + " rows");
            return expectSuccess;
        } catch (SQLException e) {
            out.println("   SELECT count(*) FROM " + GUARDED + "  ->  " + e.getMessage().replace("\n", "\n      "));
            return !expectSuccess;
        }
    }

    private void step(String title) {
        out.println();
        out.println(title);
    }

    private static String viewDefinition(Connection c, String view) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_viewdef(?::regclass)")) {
            ps.setString(1, view);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String strip(String definition) {
        String d = definition.strip();
        return d.endsWith(";") ? d.substring(0, d.length() - 1) : d;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
