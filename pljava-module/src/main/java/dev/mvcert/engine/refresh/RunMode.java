package dev.mvcert.engine.refresh;

import java.util.Locale;

/**
 * INCREMENTAL: each step is its own transaction (the caller commits at each step boundary), so
 * readers see each view as soon as it is refreshed. ATOMIC: every step and certification in
 * one transaction; the caller commits only when the run says to publish.
 */
public enum RunMode {
    INCREMENTAL, ATOMIC;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunMode fromSql(String value) {
        for (RunMode mode : values()) {
            if (mode.sqlName().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown run mode '" + value + "': use incremental or atomic");
    }
}
