package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.baseline.BaselineItem;
import dev.mvcert.engine.certify.baseline.DatasetHasher;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runbook 001 failure class 4: the rows of a closed historical day differ from the reviewed
 * baseline (leakage, code drift, or an upstream backfill that needs review). One result per
 * configured day; a failure gives the counts and whether the hash differs.
 */
final class DatasetHashCheck implements Check {

    static final String NAME = "dataset_hash";

    private List<BaselineItem> measured = List.of();

    @Override
    public String name() {
        return NAME;
    }

    /** The day hashes measured by the last run (for the registry's dataset hash). */
    List<BaselineItem> measured() {
        return measured;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        TargetRules rules = context.rules();
        if (rules.hashDays().isEmpty()) {
            return List.of(CheckResult.pass(NAME, context.target(), "no historical days configured (audit.set_hash_days)"));
        }
        if (rules.dayColumn() == null) {
            return List.of(CheckResult.fail(NAME, context.target(), "historical days are configured but the target has no day"
                    + " column: audit.register_target(target, p_day_column => ...)"));
        }
        try {
            measured = Isolated.run(context.connection(),
                    () -> DatasetHasher.hash(context.connection(), context.target(), rules.dayColumn(), rules.hashDays()));
        } catch (SQLException e) {
            return List.of(CheckResult.fail(NAME, context.target(), "hashing failed: " + Isolated.describe(e)));
        }
        List<CheckResult> results = new ArrayList<>();
        for (BaselineItem now : measured) {
            BaselineItem base = context.baseline().datasets().get(now.object());
            String object = context.target() + " day " + now.object();
            if (base == null) {
                results.add(CheckResult.fail(NAME, object, "no reviewed baseline for this day (" + now.rowCount()
                        + " rows now): capture a baseline and accept it after review"));
            } else if (Objects.equals(base.hash(), now.hash()) && Objects.equals(base.rowCount(), now.rowCount())) {
                results.add(CheckResult.pass(NAME, object, now.rowCount() + " rows, hash as in the baseline"));
            } else {
                results.add(CheckResult.fail(NAME, object, "differs from " + context.baseline().describe() + ": rows "
                        + base.rowCount() + " -> " + now.rowCount()
                        + (Objects.equals(base.hash(), now.hash()) ? "" : ", row hash differs")
                        + "; find the cause: leakage or code drift -> fix and keep the baseline;"
                        + " upstream backfill -> re-baseline only after review"));
            }
        }
        return results;
    }
}
