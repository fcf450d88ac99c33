package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.baseline.AcceptedBaseline;
import java.sql.Connection;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every check of one certification sees: the work connection, target, its rules, closure
 * and baseline. {@code bodyFunctions} collects the functions checks reached through function
 * bodies (calls PostgreSQL records no dependency for): they belong to what was certified, so
 * a later change to any of them moves the target out of CERTIFIED like a change to the closure.
 */
record CheckContext(Connection connection, TargetRules rules, Closure closure, AcceptedBaseline baseline,
                    Set<Long> bodyFunctions) {

    CheckContext(Connection connection, TargetRules rules, Closure closure, AcceptedBaseline baseline) {
        this(connection, rules, closure, baseline, new TreeSet<>());
    }

    String target() {
        return rules.target();
    }
}
