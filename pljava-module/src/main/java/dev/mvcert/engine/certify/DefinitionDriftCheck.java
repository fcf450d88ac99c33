package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.baseline.BaselineItem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runbook 001 failure class 5: a definition in the closure (view, materialized view,
 * function) differs from the reviewed baseline, or objects were added to or removed from
 * the closure. Treat it as a code change: review it, then re-baseline. Without any accepted
 * definition baseline the target cannot be certified (fail closed).
 */
final class DefinitionDriftCheck implements Check {

    static final String NAME = "definition_drift";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) {
        var baseline = context.baseline().definitions();
        if (baseline.isEmpty()) {
            return List.of(CheckResult.fail(NAME, context.target(), "no accepted definition baseline: capture one"
                    + " (mvcert baseline capture) and accept it after review (audit.accept_baseline)"));
        }
        List<CheckResult> results = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (ClosureObject o : context.closure().objects()) {
            if (o.definitionHash() == null) {
                continue;
            }
            present.add(o.name());
            BaselineItem base = baseline.get(o.name());
            if (base == null) {
                results.add(CheckResult.fail(NAME, o.name(), o.kind() + " " + context.closure().pathTo(o.name())
                        + " is new in the closure since " + context.baseline().describe()
                        + "; review the change, then re-baseline"));
            } else if (!base.hash().equals(o.definitionHash())) {
                results.add(CheckResult.fail(NAME, o.name(), o.kind() + " definition changed since "
                        + context.baseline().describe() + "; treat as a code change: review, then re-baseline"));
            } else {
                results.add(CheckResult.pass(NAME, o.name(), "definition as in the baseline"));
            }
        }
        for (String object : baseline.keySet()) {
            if (!present.contains(object)) {
                results.add(CheckResult.fail(NAME, object, "no longer in the closure (dropped or no longer read) since "
                        + context.baseline().describe() + "; review, then re-baseline"));
            }
        }
        return results;
    }
}
