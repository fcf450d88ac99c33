package dev.mvcert.engine.run;

import java.util.Locale;

/**
 * How a run publishes. INCREMENTAL: each view commits as soon as it is refreshed (readers of
 * the target fail closed from the first publish until certification passes); independent views
 * may refresh in parallel. ATOMIC: every refresh and the certification in one transaction, which
 * the caller commits only when the run certified (readers keep the last certified snapshot).
 * CERTIFY: certification alone, no refresh.
 */
public enum RunMode {
    INCREMENTAL, ATOMIC, CERTIFY;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named in SQL or on a command line (any case); an error naming the value otherwise. */
    public static RunMode fromSql(String value) {
        if (value != null) {
            for (RunMode mode : values()) {
                if (mode.sqlName().equalsIgnoreCase(value.trim())) {
                    return mode;
                }
            }
        }
        throw new IllegalArgumentException("unknown run mode '" + value + "': use incremental, atomic or certify");
    }
}
