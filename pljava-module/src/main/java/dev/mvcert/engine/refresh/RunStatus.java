package dev.mvcert.engine.refresh;

import java.util.Locale;

/** How a run ended, as stored in audit.run.status. */
public enum RunStatus {
    SUCCEEDED, FAILED, SKIPPED, CANCELLED;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
