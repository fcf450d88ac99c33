package dev.mvcert.engine.run;

import java.util.Locale;

/**
 * How a run ended: the one vocabulary of mvcert. The engine decides it (in one place,
 * {@link RefreshRun}); audit.run.status stores it under {@link #sqlName()}; a queue request's
 * status is its run's; the CLI's exit code and the agent's metrics are derived from it.
 */
public enum RunOutcome {
    /** Refreshed (or nothing needed refreshing) and certified. */
    CERTIFIED,
    /** Refreshed, but certification failed, or the closure changed while it ran. */
    NOT_CERTIFIED,
    /** A refresh step failed; an atomic run then published nothing. */
    REFRESH_FAILED,
    /** Not run: a required feed is not ready, or a circuit breaker is open. */
    SKIPPED,
    /** Stopped by a shutdown or a signal. */
    CANCELLED,
    /** Its executor died (set by audit.reap_abandoned, never by a live engine). */
    ABANDONED;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunOutcome fromSql(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
