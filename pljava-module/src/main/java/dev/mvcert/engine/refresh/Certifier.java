package dev.mvcert.engine.refresh;

import java.sql.SQLException;

/**
 * Certification as an atomic run sees it: called inside the run's transaction after every
 * step succeeded; the run publishes only if it passes. The facade plugs the certification
 * engine in; {@link #NONE} (no certification configured) lets every complete run publish.
 */
@FunctionalInterface
public interface Certifier {

    Verdict certify(String target, long runId) throws SQLException;

    /** Whether certification passed, and a one-line summary for the run's reason. */
    record Verdict(boolean passed, String summary) {}

    Certifier NONE = (target, runId) -> new Verdict(true, "no certification configured");
}
