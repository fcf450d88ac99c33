package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.baseline.AcceptedBaseline;
import java.sql.Connection;

/** What every check of one certification sees: the work connection, target, its rules, closure and baseline. */
record CheckContext(Connection connection, TargetRules rules, Closure closure, AcceptedBaseline baseline) {

    String target() {
        return rules.target();
    }
}
